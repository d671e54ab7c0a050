//! Sending due payments and settling them: each is claimed (`pending` → `checking`) in its own
//! committed transaction before the gateway is called under the payment's id, and its answer is
//! recorded once; a payment sent and never answered is asked about, and sent again only if the
//! gateway never received it.

use chrono::NaiveDateTime;

use super::disbursement_run::RunSummary;
use super::disbursements::{changed, lock_card};
use super::{Core, Inner};
use crate::db::disbursements::{self as store, Disbursement};
use crate::db::payout_accounts::PayoutAccount;
use crate::db::{self, DbConn, payout_accounts};
use crate::domain::DisbursementId;
use crate::domain::disbursement::{DisbursementStatus, payout_key};
use crate::domain::participant::CardStatus;
use crate::error::Error;
use crate::gateways::payout::{PayoutAnswer, PayoutOrder};

/// A payment the gateway has: its answer is recorded only while it is still `checking`.
const SENT: &[DisbursementStatus] = &[DisbursementStatus::Checking];

/// Pending payments read at a time (the run reads pages until none is left).
const SEND_BATCH: i64 = 500;

/// The card of a payment about to be sent, locked: true when it may go. A frozen card's payment
/// is held instead (and sent under the same key once unfrozen); a revoked card's is removed.
fn may_send(c: &mut DbConn, row: &Disbursement, now: NaiveDateTime) -> Result<bool, Error> {
    match lock_card(c, &row.participant_id)? {
        CardStatus::Active => Ok(true),
        CardStatus::Frozen => {
            if store::set_status(c, &row.id, row.status, DisbursementStatus::Held, None, now)? {
                changed(
                    c,
                    &row.id,
                    DisbursementStatus::Held,
                    now,
                    Some("the card is frozen"),
                )?;
            }
            Ok(false)
        }
        CardStatus::Revoked => {
            if row.status == DisbursementStatus::Checking {
                store::cancel_unreceived(c, &row.id, now)?;
            }
            Ok(false)
        }
    }
}

/// The order for the gateway: the payment under its attempt's key, to `account`.
fn order(core: &Inner, row: &Disbursement, account: PayoutAccount) -> Result<PayoutOrder, Error> {
    let number = core
        .cipher
        .decrypt(&account.account_cipher, account.id.as_str())
        .map_err(|e| Error::internal("decrypting a payout account", e))?;
    Ok(PayoutOrder {
        key: payout_key(row.id.as_str(), row.attempt),
        id: row.id.clone(),
        amount: row.amount,
        kind: account.kind,
        bank_code: account.bank_code,
        account_number: number,
        holder_name: account.holder_name,
    })
}

impl Core {
    /// Claims each pending payment and hands it to the gateway, a page of them at a time until
    /// none is left: a wave's hundred thousand due payments go in one run. Those it cannot send
    /// yet (no active account) stay pending for the next run.
    pub(crate) async fn send_pending(&self, sum: &mut RunSummary) -> Result<(), Error> {
        let mut after = None;
        loop {
            let from = after.clone();
            let pending = self
                .read(move |c, _| Ok(store::pending_after(c, from.as_ref(), SEND_BATCH)?))
                .await?;
            let last_page = pending.len() < SEND_BATCH as usize;
            after = pending
                .last()
                .map(|r| (r.scheduled_for.clone(), r.id.clone()));
            for row in pending {
                self.send(row, sum).await;
            }
            if last_page {
                return Ok(());
            }
        }
    }

    /// Claims one pending payment and hands it to the gateway.
    async fn send(&self, row: Disbursement, sum: &mut RunSummary) {
        let claimed = self
            .write(move |c, core| {
                let now = db::now();
                if !may_send(c, &row, now)? {
                    return Ok(None);
                }
                let Some(account) = payout_accounts::active(c, &row.participant_id)? else {
                    return Ok(None);
                };
                if !store::claim(c, &row.id, &account.id, now)? {
                    return Ok(None);
                }
                changed(c, &row.id, DisbursementStatus::Checking, now, None)?;
                order(core, &row, account).map(Some)
            })
            .await;
        let Some(Some(order)) = sum.count_errors(claimed, "claiming a payment") else {
            return;
        };
        sum.sent += 1;
        match self.payouts.pay(&order).await {
            Ok(answer) => {
                let done = self.settle(&order.id, SENT, answer, sum).await;
                sum.count_errors(done, "recording a payout answer");
            }
            // Unanswered: it stays `checking`; a later run asks the gateway about it.
            Err(e) => {
                tracing::warn!(error = %e, disbursement = %order.id, "payout not answered")
            }
        }
    }

    /// Payments sent long enough ago and never answered (a crash, a lost answer): asked about.
    /// Only one the gateway never received is sent again, under the same key.
    pub(crate) async fn ask_unanswered(&self, sum: &mut RunSummary) -> Result<(), Error> {
        let before = db::now() - crate::domain::otp::secs(self.payout_check_after);
        let stale = self
            .read(move |c, _| Ok(store::unanswered(c, before, SEND_BATCH)?))
            .await?;
        for row in stale {
            let key = payout_key(row.id.as_str(), row.attempt);
            let answer = match self.payouts.status(&key).await {
                Ok(Some(answer)) => answer,
                Ok(None) => {
                    let resent = self.resend(row.clone()).await;
                    match sum.count_errors(resent, "sending an unreceived payment again") {
                        Some(Some(answer)) => answer,
                        _ => continue,
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, disbursement = %row.id, "payout status not answered");
                    continue;
                }
            };
            sum.reconciled += 1;
            let done = self.settle(&row.id, SENT, answer, sum).await;
            sum.count_errors(done, "recording a payout answer");
        }
        Ok(())
    }

    /// A payment the gateway never received: taken by this run alone (two runs asking at once
    /// do not both send it), checked against its card, and sent again to the account it was
    /// claimed for, under the same key.
    async fn resend(&self, row: Disbursement) -> Result<Option<PayoutAnswer>, Error> {
        let (Some(sent_at), Some(account_id)) = (row.sent_at, row.payout_account_id.clone()) else {
            return Ok(None);
        };
        let order = self
            .write(move |c, core| {
                let now = db::now();
                if !store::reclaim(c, &row.id, sent_at, now)? || !may_send(c, &row, now)? {
                    return Ok(None);
                }
                let account = payout_accounts::by_id(c, &account_id, &row.participant_id)?
                    .ok_or_else(|| Error::internal("payout", "claimed account vanished"))?;
                order(core, &row, account).map(Some)
            })
            .await?;
        let Some(order) = order else { return Ok(None) };
        Ok(self.payouts.pay(&order).await.ok())
    }

    /// Records the gateway's answer on a payment still in one of `from` (once: a second run
    /// recording it finds it moved).
    pub(crate) async fn settle(
        &self,
        id: &DisbursementId,
        from: &'static [DisbursementStatus],
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
                if !store::settle(c, &id, from, to, reason, reference.as_deref(), now)? {
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
