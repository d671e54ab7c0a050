//! Sending due payments and settling them: each is claimed (`pending` → `checking`) in its own
//! committed transaction before the gateway is called under the payment's id, and its answer is
//! recorded once; a payment sent and never answered is asked about, and sent again only if the
//! gateway never received it.

use super::Core;
use super::disbursement_run::RunSummary;
use super::disbursements::changed;
use crate::db::disbursements::{self as store, Disbursement};
use crate::db::{self, payout_accounts};
use crate::domain::DisbursementId;
use crate::domain::disbursement::{DisbursementStatus, payout_key};
use crate::error::Error;
use crate::gateways::payout::{PayoutAnswer, PayoutOrder};

/// Payments sent per run, at most (the next run takes the rest).
const SEND_BATCH: i64 = 500;

impl Core {
    /// Claims each pending payment and hands it to the gateway.
    pub(crate) async fn send_pending(&self, sum: &mut RunSummary) -> Result<(), Error> {
        let pending = self
            .read(|c, _| {
                Ok(store::in_status(
                    c,
                    DisbursementStatus::Pending,
                    SEND_BATCH,
                )?)
            })
            .await?;
        for row in pending {
            let claimed = self
                .write(move |c, core| {
                    let Some(account) = payout_accounts::active(c, &row.participant_id)? else {
                        return Ok(None);
                    };
                    let now = db::now();
                    if !store::claim(c, &row.id, &account.id, now)? {
                        return Ok(None);
                    }
                    changed(c, &row.id, DisbursementStatus::Checking, now, None)?;
                    let number = core
                        .cipher
                        .decrypt(&account.account_cipher, account.id.as_str())
                        .map_err(|e| Error::internal("decrypting a payout account", e))?;
                    Ok(Some(PayoutOrder {
                        key: payout_key(row.id.as_str(), row.attempt),
                        id: row.id.clone(),
                        amount: row.amount,
                        kind: account.kind,
                        bank_code: account.bank_code.clone(),
                        account_number: number,
                        holder_name: account.holder_name,
                    }))
                })
                .await?;
            let Some(order) = claimed else { continue };
            sum.sent += 1;
            match self.payouts.pay(&order).await {
                Ok(answer) => self.settle(&order.id, answer, sum).await?,
                // Unanswered: it stays `checking`; a later run asks the gateway about it.
                Err(e) => {
                    tracing::warn!(error = %e, disbursement = %order.id, "payout not answered")
                }
            }
        }
        Ok(())
    }

    /// Payments sent long enough ago and never answered (a crash, a lost answer): asked about.
    /// Only one the gateway never received is sent again, under the same id.
    pub(crate) async fn ask_unanswered(&self, sum: &mut RunSummary) -> Result<(), Error> {
        let before = db::now() - crate::domain::otp::secs(self.payout_check_after);
        let stale = self
            .read(move |c, _| Ok(store::unanswered(c, before, SEND_BATCH)?))
            .await?;
        for row in stale {
            let key = payout_key(row.id.as_str(), row.attempt);
            let answer = match self.payouts.status(&key).await {
                Ok(Some(answer)) => answer,
                Ok(None) => match self.resend(&row).await? {
                    Some(answer) => answer,
                    None => continue,
                },
                Err(e) => {
                    tracing::warn!(error = %e, disbursement = %row.id, "payout status not answered");
                    continue;
                }
            };
            sum.reconciled += 1;
            self.settle(&row.id, answer, sum).await?;
        }
        Ok(())
    }

    /// A payment the gateway never received: sent again to the account it was claimed for.
    async fn resend(&self, row: &Disbursement) -> Result<Option<PayoutAnswer>, Error> {
        let Some(account_id) = row.payout_account_id.clone() else {
            return Ok(None);
        };
        let (id, amount, holder) = (row.id.clone(), row.amount, row.participant_id.clone());
        let key = payout_key(row.id.as_str(), row.attempt);
        let order = self
            .read(move |c, core| {
                let a = payout_accounts::by_id(c, &account_id, &holder)?
                    .ok_or_else(|| Error::internal("payout", "claimed account vanished"))?;
                let number = core
                    .cipher
                    .decrypt(&a.account_cipher, a.id.as_str())
                    .map_err(|e| Error::internal("decrypting a payout account", e))?;
                Ok(PayoutOrder {
                    id,
                    key,
                    amount,
                    kind: a.kind,
                    bank_code: a.bank_code,
                    account_number: number,
                    holder_name: a.holder_name,
                })
            })
            .await?;
        Ok(self.payouts.pay(&order).await.ok())
    }

    /// Records the gateway's answer (once: a second run recording it finds it moved).
    async fn settle(
        &self,
        id: &DisbursementId,
        answer: PayoutAnswer,
        sum: &mut RunSummary,
    ) -> Result<(), Error> {
        let (to, reason, reference) = match answer {
            PayoutAnswer::Processing => return Ok(()),
            PayoutAnswer::Paid { reference } => (DisbursementStatus::Paid, None, Some(reference)),
            PayoutAnswer::Failed { failure_reason } => {
                (DisbursementStatus::Failed, Some(failure_reason), None)
            }
        };
        let id = id.clone();
        let note = reason.map(|r| r.remedy().to_string());
        let moved = self
            .write(move |c, _| {
                let now = db::now();
                if !store::settle(c, &id, to, reason, reference.as_deref(), now)? {
                    return Ok(false);
                }
                changed(c, &id, to, now, note.as_deref())?;
                Ok(true)
            })
            .await?;
        if moved {
            match to {
                DisbursementStatus::Paid => sum.paid += 1,
                _ => sum.failed += 1,
            }
        }
        Ok(())
    }
}
