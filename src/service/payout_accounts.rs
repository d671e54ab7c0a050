//! The holder links the bank account or e-wallet incentives are paid to. Linking ends with an OTP
//! sent to the registered phone (the seeds); a confirmed account replaces the previous one.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::card_validations::holder_phone;
use super::challenges::{self, Dispatch};
use super::once::Decision;
use super::{Call, Core, Inner};
use crate::db::payout_accounts::{self as store, PayoutAccount};
use crate::db::{self, challenges as challenge_store, participants};
use crate::domain::challenge::Purpose;
use crate::domain::messages;
use crate::domain::otp::Otp;
use crate::domain::payout::{
    NewPayoutAccount, PayoutAccountStatus, PayoutKind, check_card_may_link, mask_account,
};
use crate::domain::time::to_wib;
use crate::domain::{ChallengeId, PayoutAccountId};
use crate::error::Error;

/// The account as the holder submits it; checked in the use case, which knows the card's phone.
#[derive(Debug, Clone)]
pub struct PayoutForm {
    pub kind: PayoutKind,
    pub bank_code: Option<String>,
    pub account_number: String,
    pub holder_name: String,
}

/// A submitted account waiting for its OTP.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingPayoutAccount {
    /// Always `pending_confirmation`.
    pub status: PayoutAccountStatus,
    /// Send it back with the OTP to `/v1/me/payout-account/confirm`.
    #[schema(value_type = String, format = Uuid)]
    pub confirmation_id: ChallengeId,
    #[schema(example = "+62812****0001")]
    pub phone_masked: String,
    pub expires_at: DateTime<FixedOffset>,
}

/// A linked account, masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PayoutAccountView {
    pub kind: PayoutKind,
    /// The bank's code (null for an e-wallet).
    #[schema(example = "014")]
    pub bank_code: Option<String>,
    #[schema(example = "******7890")]
    pub account_number_masked: String,
    pub holder_name: String,
    pub status: PayoutAccountStatus,
    pub linked_at: Option<DateTime<FixedOffset>>,
}

/// The masked view, and the number it masks (for the holder's own messages only).
fn view(core: &Inner, a: PayoutAccount) -> Result<(PayoutAccountView, String), Error> {
    let number = core
        .cipher
        .decrypt(&a.account_cipher, a.id.as_str())
        .map_err(|e| Error::internal("decrypting a payout account", e))?;
    let shown = PayoutAccountView {
        kind: a.kind,
        bank_code: a.bank_code,
        account_number_masked: mask_account(&number),
        holder_name: a.holder_name,
        status: a.status,
        linked_at: a.linked_at.map(to_wib),
    };
    Ok((shown, number))
}

impl Core {
    /// Records the account as pending and sends the OTP that confirms it.
    pub async fn request_payout_account(
        &self,
        call: &Call,
        form: PayoutForm,
    ) -> Result<PendingPayoutAccount, Error> {
        let holder = call.holder()?;
        let (view, dispatch) = self
            .decide(call, move |c, core| {
                let now = db::now();
                let p = participants::lock(c, &holder)?;
                check_card_may_link(p.status)?;
                let account = NewPayoutAccount::parse(
                    form.kind,
                    form.bank_code.as_deref(),
                    &form.account_number,
                    &form.holder_name,
                    &holder_phone(core, &p)?,
                )?;
                let opened = challenges::open(c, core, &p, Purpose::PayoutAccount, now)?;
                let challenge = opened.challenge;
                let label = messages::account_label(
                    account.kind,
                    account.bank_code.as_deref(),
                    &account.account_number,
                );
                let dispatch = Dispatch {
                    message: messages::payout_otp(opened.otp.as_str(), core.otp.ttl, &label),
                    phone: opened.phone,
                };
                let id = PayoutAccountId::new();
                store::insert(
                    c,
                    &PayoutAccount {
                        account_cipher: core.cipher.encrypt(&account.account_number, id.as_str()),
                        id,
                        participant_id: p.id.clone(),
                        challenge_id: challenge.id.clone(),
                        kind: account.kind,
                        bank_code: account.bank_code,
                        holder_name: account.holder_name,
                        status: PayoutAccountStatus::PendingConfirmation,
                        created_at: now,
                        linked_at: None,
                        replaced_at: None,
                    },
                )?;
                let view = PendingPayoutAccount {
                    status: PayoutAccountStatus::PendingConfirmation,
                    confirmation_id: challenge.id,
                    phone_masked: dispatch.phone.masked(),
                    expires_at: to_wib(challenge.otp_expires_at),
                };
                Ok(Decision::Done(view, dispatch))
            })
            .await?;
        self.send_challenge(Some(call), dispatch).await?;
        Ok(view)
    }

    /// Confirms a pending account with its OTP: it becomes the holder's one active account.
    pub async fn confirm_payout_account(
        &self,
        call: &Call,
        confirmation: ChallengeId,
        otp: Otp,
    ) -> Result<PayoutAccountView, Error> {
        let holder = call.holder()?;
        let actor = call.actor.clone();
        let confirmed = self
            .decide(call, move |c, core| {
                let now = db::now();
                let not_found = || Error::not_found("payout account confirmation");
                // Confirmations of one holder queue on the holder's row: one active account at a time.
                let p = participants::lock(c, &holder)?;
                check_card_may_link(p.status)?;
                let account =
                    store::by_challenge(c, &confirmation, &holder)?.ok_or_else(not_found)?;
                let challenge = challenge_store::find(c, &confirmation, Purpose::PayoutAccount)?
                    .ok_or_else(not_found)?;
                challenges::answer(c, core, &challenge, &otp, now)?.then(|| {
                    let replaced = store::activate(c, &account.id, &holder, now)?;
                    audit::record(
                        c,
                        &actor,
                        Event {
                            action: "payout_account.link",
                            target_type: "participant",
                            target_id: holder.as_str(),
                            details: serde_json::json!({
                                "kind": account.kind,
                                "bank_code": account.bank_code,
                                "replaced": replaced.is_some(),
                            }),
                        },
                    )?;
                    let active = store::active(c, &holder)?.ok_or_else(|| {
                        Error::internal("payout account", "not active after linking")
                    })?;
                    let (shown, number) = view(core, active)?;
                    // The holder hears of a replacement on the phone that confirmed it.
                    let label =
                        messages::account_label(shown.kind, shown.bank_code.as_deref(), &number);
                    let notice = match replaced {
                        Some(_) => Some(Dispatch {
                            message: messages::payout_changed(&label),
                            phone: holder_phone(core, &p)?,
                        }),
                        None => None,
                    };
                    Ok(Decision::Done(shown, notice))
                })
            })
            .await?;
        if let (view, Some(Some(notice))) = confirmed {
            self.notify(notice).await;
            return Ok(view);
        }
        Ok(confirmed.0)
    }

    /// The holder's linked account, masked (404 when none is linked).
    pub async fn payout_account(&self, call: &Call) -> Result<PayoutAccountView, Error> {
        let holder = call.holder()?;
        self.read(move |c, core| {
            let active = store::active(c, &holder)?
                .ok_or_else(|| Error::not_found("linked payout account"))?;
            Ok(view(core, active)?.0)
        })
        .await
    }
}
