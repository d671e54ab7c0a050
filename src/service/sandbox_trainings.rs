//! Sandbox holders after the training: the seed walks them through the real use cases (redeem,
//! completion, certificate, review), so each sits where the README says.

use super::me::{self, ReviewTraining};
use super::sandbox::TestCard;
use super::vouchers::{self, HolderProof, Redeem};
use super::{Actor, Inner, completions};
use crate::db::challenges::{self, Challenge};
use crate::db::payout_accounts::{self, PayoutAccount};
use crate::db::{self, DbConn, participants};
use crate::domain::challenge::{ChallengeState, Purpose};
use crate::domain::completion::{Certificate, CertificateKind, Completion, Review, Score};
use crate::domain::payout::{PayoutAccountStatus, PayoutKind};
use crate::domain::{CardNumber, ChallengeId, PayoutAccountId, VoucherCode, Who};
use crate::error::Error;

/// The bank account the "ready for incentive" card has linked (BCA).
pub const SANDBOX_BANK_ACCOUNT: (&str, &str) = ("014", "1234567890");

/// Takes a sandbox holder's voucher (of a course without schedule) as far as `kind` says, with
/// the LPK's and then the holder's own use cases, in the caller's transaction.
pub(super) fn seed_after_training(
    c: &mut DbConn,
    core: &Inner,
    lpk: &Actor,
    card: &CardNumber,
    voucher: &VoucherCode,
    kind: TestCard,
) -> Result<(), Error> {
    let Who::Lpk(lpk_id) = &lpk.who else {
        return Err(Error::internal("sandbox seed", "a redemption needs an LPK"));
    };
    let redeem = Redeem {
        code: voucher.clone(),
        proof: HolderProof::Card(card.clone()),
    };
    vouchers::redeem(c, lpk, &lpk.who.viewer(), &redeem)?;
    let now = db::now();
    let completion = Completion {
        completed_at: now,
        passed: true,
        score: Score::parse(88)?,
    };
    completions::report(c, lpk, lpk_id, voucher, Some(&completion), &[])?;
    let number = format!("SANDBOX-LPK-{}", card.last4());
    let url = format!("https://sandbox.prakerja.example/sertifikat/{number}");
    let certificate = Certificate::parse(CertificateKind::Lpk, &number, now, &url)?;
    completions::report(c, lpk, lpk_id, voucher, None, &[certificate])?;
    if kind == TestCard::CompletedAwaitingReview {
        return Ok(());
    }
    let holder =
        participants::find_by_card(c, card)?.ok_or_else(|| Error::not_found("test card"))?;
    let as_holder = Actor {
        who: Who::Holder(holder.id.clone()),
        request_id: lpk.request_id.clone(),
    };
    let review = ReviewTraining {
        code: voucher.clone(),
        review: Review::parse(
            5,
            "Materinya jelas, praktis, dan langsung terpakai di kantor.",
        )?,
    };
    me::review(c, &as_holder, &holder.id, &review)?;
    if kind == TestCard::ReviewedWithoutPayoutAccount {
        return Ok(());
    }
    // Linked as if its OTP had been entered: there is no holder to read it.
    let challenge = Challenge {
        id: ChallengeId::new(),
        participant_id: holder.id.clone(),
        purpose: Purpose::PayoutAccount,
        status: ChallengeState::Passed,
        otp_hash: None,
        otp_expires_at: now,
        wrong_attempts: 0,
        created_at: now,
        passed_at: Some(now),
    };
    challenges::insert(c, &challenge)?;
    let id = PayoutAccountId::new();
    let (bank, number) = SANDBOX_BANK_ACCOUNT;
    let account = PayoutAccount {
        account_cipher: core.cipher.encrypt(number, id.as_str()),
        id,
        participant_id: holder.id,
        challenge_id: challenge.id,
        kind: PayoutKind::Bank,
        bank_code: Some(bank.into()),
        holder_name: holder.full_name,
        status: PayoutAccountStatus::Active,
        created_at: now,
        linked_at: Some(now),
        replaced_at: None,
    };
    Ok(payout_accounts::insert(c, &account)?)
}
