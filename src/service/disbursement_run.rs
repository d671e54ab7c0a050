//! The disbursement run: schedules what became owed, holds and releases with the card, sends
//! what fell due, and asks about what was sent and never answered. Safe to run twice and from two
//! instances at once: every move is a conditional update from the status it was read in, a
//! payment is claimed (`pending` → `checking`) in its own committed transaction before the
//! gateway is called, the gateway gets the payment's id as its idempotency key, and a payment
//! left `checking` is asked about (`status`), never blindly sent again.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::disbursements::{calendar, changed, day, lock_card, move_to};
use super::{Call, Core};
use crate::db::disbursements::{self as store, Disbursement};
use crate::db::payout_accounts::{self, PayoutAccount};
use crate::db::{self, DbConn, participants, surveys, vouchers};
use crate::domain::disbursement::{
    DisbursementKind, DisbursementStatus, FailureReason, PayFacts, cause_fixed, missing_for,
    payout_key,
};
use crate::domain::incentive::{self, Planned, earning_training, expected_by};
use crate::domain::participant::CardStatus;
use crate::domain::time::today_wib;
use crate::domain::{DisbursementId, ParticipantId};
use crate::error::Error;
use crate::gateways::payout::PayoutAnswer;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunSummary {
    /// The business date the run acted as of (WIB).
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    /// New payments put on the schedule.
    pub scheduled: usize,
    /// Failed payments whose cause was fixed, scheduled again.
    pub rescheduled: usize,
    /// Due payments refused before sending (review, rating or payout account missing).
    pub failed_before_sending: usize,
    /// Due payments handed to the payout gateway.
    pub sent: usize,
    pub paid: usize,
    /// Refused by the bank or e-wallet.
    pub failed: usize,
    /// Sent earlier without an answer, asked about now.
    pub reconciled: usize,
    /// Still waiting for the gateway's answer.
    pub checking: usize,
    /// Steps that failed on one holder or payment and were skipped (logged; the next run tries
    /// them again).
    pub errors: usize,
}

impl RunSummary {
    /// A step's outcome: its value, or `None` after logging and counting its error.
    pub(crate) fn count_errors<T>(&mut self, done: Result<T, Error>, step: &str) -> Option<T> {
        match done {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::error!(error = ?e, step, "disbursement run step failed");
                self.errors += 1;
                None
            }
        }
    }
}

/// The moment a run acts as of: today (WIB) by default; a later day only in the sandbox, so a
/// partner can watch four monthly tranches in minutes.
pub fn as_of(asked: Option<NaiveDate>, sandbox: bool) -> Result<NaiveDate, Error> {
    let today = today_wib(db::now());
    match asked {
        None => Ok(today),
        Some(d) if d <= today || sandbox => Ok(d),
        Some(_) => Err(Error::field(
            "as_of",
            "in_future",
            "as_of can be at most today (WIB); a later date only in the sandbox.",
        )),
    }
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// What the send rules read about a holder now.
fn pay_facts(
    c: &mut DbConn,
    holder: &ParticipantId,
) -> Result<(PayFacts, Option<PayoutAccount>), Error> {
    let trainings = vouchers::trainings(c, holder)?;
    let reviewed = earning_training(&trainings.iter().map(|(_, f)| *f).collect::<Vec<_>>())
        .is_some_and(|t| t.reviewed);
    let account = payout_accounts::active(c, holder)?;
    let facts = PayFacts {
        rated: reviewed,
        reviewed,
        payout_account: account.is_some(),
    };
    Ok((facts, account))
}

/// Puts on the schedule what the holder is owed and does not have yet.
fn schedule(c: &mut DbConn, holder: &ParticipantId, today: NaiveDate) -> Result<usize, Error> {
    let p = participants::lock(c, holder)?;
    if p.status == CardStatus::Revoked {
        return Ok(0);
    }
    let scheme = store::scheme(c, p.wave)?;
    let cal = calendar(c)?;
    let existing = store::of_holder(c, holder)?;
    let trainings = vouchers::trainings(c, holder)?;
    let facts: Vec<_> = trainings.iter().map(|(_, f)| *f).collect();
    let mut planned: Vec<(Planned, Option<crate::domain::VoucherId>)> = Vec::new();
    if earning_training(&facts).is_some() {
        let voucher = trainings
            .iter()
            .find(|(_, f)| f.status == crate::domain::voucher::VoucherStatus::Completed)
            .map(|(id, _)| id.clone());
        let first = existing
            .iter()
            .find(|d| d.kind == DisbursementKind::TrainingIncentive && d.tranche == 1)
            .map(|d| day(&d.scheduled_for))
            .transpose()?
            .unwrap_or(today);
        let tranches = incentive::training_tranches(&scheme, first);
        planned.extend(tranches.into_iter().map(|t| (t, voucher.clone())));
    }
    let filled: Vec<(i32, NaiveDate)> = surveys::submitted(c, holder)?
        .into_iter()
        .map(|(n, at)| (n, today_wib(at)))
        .collect();
    planned.extend(
        incentive::survey_incentives(&scheme, &filled)
            .into_iter()
            .map(|s| (s, None)),
    );
    let now = db::now();
    let mut added = 0;
    for (plan, voucher) in planned {
        let have = existing
            .iter()
            .any(|d| d.kind == plan.kind && d.tranche == plan.tranche);
        if have {
            continue;
        }
        let status = match p.status {
            CardStatus::Frozen => DisbursementStatus::Held,
            _ => DisbursementStatus::Scheduled,
        };
        let row = Disbursement {
            id: DisbursementId::new(),
            participant_id: holder.clone(),
            voucher_id: voucher,
            kind: plan.kind,
            tranche: plan.tranche,
            amount: plan.amount,
            status,
            failure_reason: None,
            scheduled_for: iso(plan.scheduled_for),
            expected_by: iso(expected_by(&cal, plan.scheduled_for)),
            payout_account_id: None,
            sent_at: None,
            paid_at: None,
            failed_at: None,
            reference: None,
            attempt: 1,
            created_at: now,
            updated_at: now,
        };
        if store::insert(c, &row)? {
            changed(c, &row.id, status, now, None)?;
            added += 1;
        }
    }
    Ok(added)
}

/// Whether a failed payment's cause is fixed: the missing step done, or (a bank's refusal)
/// an account confirmed after the failure.
fn fixed(c: &mut DbConn, row: &Disbursement) -> Result<bool, Error> {
    let Some(reason) = row.failure_reason else {
        return Ok(false);
    };
    let (facts, account) = pay_facts(c, &row.participant_id)?;
    let account_changed = match (&account, row.failed_at) {
        (Some(a), Some(failed_at)) => a.linked_at.is_some_and(|l| l > failed_at),
        _ => false,
    };
    Ok(cause_fixed(row.kind, reason, facts, account_changed))
}

/// A failed payment whose cause is fixed goes back on the schedule from `today`; the later
/// training tranches keep their monthly spacing after it.
fn reschedule(c: &mut DbConn, row: &Disbursement, today: NaiveDate) -> Result<bool, Error> {
    let Some(reason) = row.failure_reason else {
        return Ok(false);
    };
    if !fixed(c, row)? {
        return Ok(false);
    }
    if !move_to(
        c,
        row,
        DisbursementStatus::Scheduled,
        None,
        Some("the cause was fixed"),
    )? {
        return Ok(false);
    }
    if !reason.is_precondition() {
        // The bank refused the last attempt: the next one is a new request to the gateway.
        store::next_attempt(c, &row.id)?;
    }
    let cal = calendar(c)?;
    let mut next = today.max(day(&row.scheduled_for)?);
    if row.kind == DisbursementKind::TrainingIncentive {
        let wave = participants::find(c, &row.participant_id)?.wave;
        let scheme = store::scheme(c, wave)?;
        let months = Months::new(scheme.tranche_months as u32);
        let mine = store::of_holder(c, &row.participant_id)?;
        // Never sooner than a month after the tranche before it (two failed tranches fixed in
        // one run do not both fall on the same day).
        if let Some(before) = mine
            .iter()
            .find(|d| d.kind == row.kind && d.tranche == row.tranche - 1)
        {
            let floor = day(&before.scheduled_for)?.checked_add_months(months);
            next = next.max(floor.unwrap_or(next));
        }
        store::redate(c, &row.id, &iso(next), &iso(expected_by(&cal, next)))?;
        for later in mine {
            let waiting = matches!(
                later.status,
                DisbursementStatus::Scheduled | DisbursementStatus::Held
            );
            if later.kind != row.kind || later.tranche <= row.tranche || !waiting {
                continue;
            }
            next = next.checked_add_months(months).unwrap_or(next);
            if day(&later.scheduled_for)? < next {
                store::redate(c, &later.id, &iso(next), &iso(expected_by(&cal, next)))?;
            }
        }
    } else {
        store::redate(c, &row.id, &iso(next), &iso(expected_by(&cal, next)))?;
    }
    Ok(true)
}

/// What became of a due payment.
enum Due {
    /// Refused before sending: the holder's part is missing.
    Refused,
    /// Queued for sending.
    Queued,
    /// Another run moved it first, or the card is no longer active.
    Taken,
}

/// A due payment: held if the card was frozen meanwhile, refused now if the holder's part is
/// missing, else queued for sending.
fn fall_due(c: &mut DbConn, row: &Disbursement) -> Result<Due, Error> {
    match lock_card(c, &row.participant_id)? {
        CardStatus::Active => {}
        CardStatus::Frozen => {
            let note = Some("the card is frozen");
            move_to(c, row, DisbursementStatus::Held, None, note)?;
            return Ok(Due::Taken);
        }
        // Its revocation removed what was unsent; nothing more is paid.
        CardStatus::Revoked => return Ok(Due::Taken),
    }
    let (facts, _) = pay_facts(c, &row.participant_id)?;
    let (to, reason) = match missing_for(row.kind, facts) {
        Some(reason) => (DisbursementStatus::Failed, Some(reason)),
        None => (DisbursementStatus::Pending, None),
    };
    let note = reason.map(FailureReason::remedy);
    Ok(match (move_to(c, row, to, reason, note)?, reason) {
        (false, _) => Due::Taken,
        (true, Some(_)) => Due::Refused,
        (true, None) => Due::Queued,
    })
}

impl Core {
    /// Before a refused payment is tried again under a new key, the gateway is asked about the
    /// refused attempt: a failure recorded by hand may have been wrong, and paying the new
    /// attempt while the old one still settles would pay twice. True when a new attempt may go
    /// (the attempt failed, or the gateway never received it).
    async fn refusal_is_final(
        &self,
        row: &Disbursement,
        sum: &mut RunSummary,
    ) -> Result<bool, Error> {
        let Some(reason) = row.failure_reason else {
            return Ok(false);
        };
        if reason.is_precondition() {
            return Ok(true);
        }
        let r = row.clone();
        if !self.read(move |c, _| fixed(c, &r)).await? {
            return Ok(false);
        }
        let key = payout_key(row.id.as_str(), row.attempt);
        match self.payouts.status(&key).await {
            Ok(None | Some(PayoutAnswer::Failed { .. })) => Ok(true),
            Ok(Some(PayoutAnswer::Processing)) => Ok(false),
            Ok(Some(paid @ PayoutAnswer::Paid { .. })) => {
                self.settle(&row.id, &[DisbursementStatus::Failed], paid, sum)
                    .await?;
                Ok(false)
            }
            Err(e) => {
                tracing::warn!(error = %e, disbursement = %row.id, "payout status not answered");
                Ok(false)
            }
        }
    }

    /// One disbursement run as of `as_of` (see the module comment).
    pub async fn run_disbursements(
        &self,
        call: &Call,
        asked: Option<NaiveDate>,
    ) -> Result<RunSummary, Error> {
        let today = as_of(asked, self.sandbox)?;
        let mut sum = RunSummary {
            as_of: today,
            ..Default::default()
        };
        // One holder's or one payment's trouble (a corrupt row, a key that no longer decrypts)
        // is logged and counted; it does not stop everyone else's payments.
        for holder in self.read(|c, _| Ok(store::candidates(c)?)).await? {
            let done = self.write(move |c, _| schedule(c, &holder, today)).await;
            sum.scheduled += sum.count_errors(done, "scheduling").unwrap_or(0);
        }
        let failed = self
            .read(|c, _| Ok(store::in_status(c, DisbursementStatus::Failed, i64::MAX)?))
            .await?;
        for row in failed {
            let checked = self.refusal_is_final(&row, &mut sum).await;
            if sum.count_errors(checked, "asking about a refusal") != Some(true) {
                continue;
            }
            let done = self.write(move |c, _| reschedule(c, &row, today)).await;
            sum.rescheduled += usize::from(sum.count_errors(done, "rescheduling") == Some(true));
        }
        let last_day = iso(today);
        let due = self
            .read(move |c, _| Ok(store::scheduled_by(c, &last_day)?))
            .await?;
        let fell_due = due.len();
        for row in due {
            let done = self.write(move |c, _| fall_due(c, &row)).await;
            if let Some(Due::Refused) = sum.count_errors(done, "a payment falling due") {
                sum.failed_before_sending += 1;
            }
        }
        if fell_due > 0 {
            self.read(|c, _| Ok(store::refresh_statistics(c)?)).await?;
        }
        self.send_pending(&mut sum).await?;
        self.ask_unanswered(&mut sum).await?;
        sum.checking = self
            .read(|c, _| Ok(store::in_status(c, DisbursementStatus::Checking, i64::MAX)?.len()))
            .await?;
        let (actor, done) = (call.actor.clone(), sum.clone());
        self.write(move |c, _| {
            audit::record(
                c,
                &actor,
                Event {
                    action: "disbursements.run",
                    target_type: "disbursements",
                    target_id: &iso(done.as_of),
                    details: serde_json::to_value(&done).unwrap_or_default(),
                },
            )
        })
        .await?;
        Ok(sum)
    }
}
