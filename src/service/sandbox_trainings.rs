//! Sandbox holders after the training: the seed walks them through the real use cases (redeem,
//! completion, certificate, review), so each sits where the README says.

use super::completions::{IssueCertificate, ReportCompletion};
use super::me::ReviewTraining;
use super::sandbox::TestCard;
use super::vouchers::{HolderProof, Redeem};
use super::{Actor, Call, Core};
use crate::db::challenges::{self, Challenge};
use crate::db::payout_accounts::{self, PayoutAccount};
use crate::db::{self, participants};
use crate::domain::challenge::{ChallengeState, Purpose};
use crate::domain::completion::{Certificate, CertificateKind, Completion, Review, Score};
use crate::domain::payout::{PayoutAccountStatus, PayoutKind};
use crate::domain::{CardNumber, ChallengeId, PartnerId, PayoutAccountId, VoucherCode, Who};
use crate::error::Error;

/// The bank account the "ready for incentive" card has linked (BCA).
pub const SANDBOX_BANK_ACCOUNT: (&str, &str) = ("014", "1234567890");

impl Core {
    /// Takes a sandbox holder's voucher (of a course without schedule) as far as `kind` says.
    pub(super) async fn seed_after_training(
        &self,
        lpk: &PartnerId,
        card: &CardNumber,
        voucher: VoucherCode,
        kind: TestCard,
    ) -> Result<(), Error> {
        let as_lpk = Call::by(Actor {
            who: Who::Lpk(lpk.clone()),
            request_id: None,
        });
        let redeem = Redeem {
            code: voucher.clone(),
            proof: HolderProof::Card(card.clone()),
        };
        self.redeem_voucher(&as_lpk, redeem).await?;
        let now = db::now();
        let completion = ReportCompletion {
            code: voucher.clone(),
            completion: Completion {
                completed_at: now,
                passed: true,
                score: Score::parse(88)?,
            },
        };
        self.report_completion(&as_lpk, completion).await?;
        let number = format!("SANDBOX-LPK-{}", card.last4());
        let url = format!("https://sandbox.prakerja.example/sertifikat/{number}");
        let certificate = IssueCertificate {
            code: voucher.clone(),
            certificate: Certificate::parse(CertificateKind::Lpk, &number, now, &url)?,
        };
        self.issue_certificate(&as_lpk, certificate).await?;
        if kind == TestCard::CompletedAwaitingReview {
            return Ok(());
        }
        let lookup = card.clone();
        let (holder, name) = self
            .read(move |c, _| {
                participants::find_by_card(c, &lookup)?
                    .map(|p| (p.id, p.full_name))
                    .ok_or_else(|| Error::not_found("test card"))
            })
            .await?;
        let as_holder = Call::by(Actor {
            who: Who::Holder(holder.clone()),
            request_id: None,
        });
        let review = ReviewTraining {
            code: voucher,
            review: Review::parse(
                5,
                "Materinya jelas, praktis, dan langsung terpakai di kantor.",
            )?,
        };
        self.review_training(&as_holder, review).await?;
        if kind == TestCard::ReviewedWithoutPayoutAccount {
            return Ok(());
        }
        // Linked as if its OTP had been entered: there is no holder to read it at seed time.
        self.write(move |c, core| {
            let now = db::now();
            let challenge = Challenge {
                id: ChallengeId::new(),
                participant_id: holder.clone(),
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
                participant_id: holder,
                challenge_id: challenge.id,
                kind: PayoutKind::Bank,
                bank_code: Some(bank.into()),
                holder_name: name,
                status: PayoutAccountStatus::Active,
                created_at: now,
                linked_at: Some(now),
                replaced_at: None,
            };
            Ok(payout_accounts::insert(c, &account)?)
        })
        .await
    }
}
