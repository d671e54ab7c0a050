//! Incentive payments as their viewers see them, and the moves every use case shares: each
//! status change writes its history step and tells the partners that served the holder
//! (`disbursement.updated`), in the transaction of the change.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::{Call, Core};
use crate::db::disbursements::{self as store, Disbursement};
use crate::db::{self, DbConn, events, participants};
use crate::domain::disbursement::{
    DisbursementKind, DisbursementStatus, FailureReason, check_recordable,
};
use crate::domain::event::EventType;
use crate::domain::participant::CardStatus;
use crate::domain::time::to_wib;
use crate::domain::working_days::Calendar;
use crate::domain::{CardNumber, DisbursementId, ParticipantId, Viewer};
use crate::error::{Error, ErrorCode};
use crate::page::{Cursor, Page, PageRequest};

/// One step of a payment's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Step {
    pub status: DisbursementStatus,
    pub at: DateTime<FixedOffset>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An incentive payment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DisbursementView {
    #[schema(value_type = String, format = Uuid)]
    pub id: DisbursementId,
    /// The holder's card, so a partner can match an event to the holder it served.
    #[schema(value_type = String, example = "5200000000000098")]
    pub card_number: CardNumber,
    pub kind: DisbursementKind,
    /// 1-4 for the training incentive; the survey's number (1-3) for a survey incentive.
    pub tranche: i32,
    /// Rupiah.
    #[schema(value_type = i64)]
    pub amount: crate::domain::Rupiah,
    pub status: DisbursementStatus,
    /// The status as the holder's dashboard says it.
    #[schema(example = "Sedang Dijadwalkan")]
    pub status_label_id: String,
    /// WIB date.
    #[schema(value_type = String, format = Date)]
    pub scheduled_for: NaiveDate,
    /// The latest working day (WIB) the money should reach the account: 3 to 5 after
    /// `scheduled_for`.
    #[schema(value_type = String, format = Date)]
    pub expected_by: NaiveDate,
    pub paid_at: Option<DateTime<FixedOffset>>,
    pub failure_reason: Option<FailureReason>,
    /// What the holder does about the failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_remedy: Option<String>,
    pub history: Vec<Step>,
}

/// A bank's result recorded by hand (reconciliation).
#[derive(Debug, Clone)]
pub enum BankResult {
    Paid,
    Failed(FailureReason),
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordedStatus {
    Paid,
    Failed,
}

/// A bank's answer, recorded by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    pub status: RecordedStatus,
    /// Required when `failed`.
    pub failure_reason: Option<FailureReason>,
    /// The bank's reference for the transfer (or for the refusal).
    #[schema(example = "BCA-20261205-000123", min_length = 1, max_length = 100)]
    pub reference: String,
}

impl ResultBody {
    /// The result and the bank's reference (trimmed), as `POST /v1/admin/disbursements/{id}/result`
    /// and `disbursements record` take them.
    pub fn parse(self) -> Result<(BankResult, String), Error> {
        let reference = self.reference.trim().to_string();
        if reference.is_empty() || reference.chars().count() > 100 {
            return Err(Error::field(
                "reference",
                "length",
                "reference is 1 to 100 characters.",
            ));
        }
        let result = match (self.status, self.failure_reason) {
            (RecordedStatus::Paid, None) => BankResult::Paid,
            (RecordedStatus::Failed, Some(reason)) => BankResult::Failed(reason),
            (RecordedStatus::Paid, Some(_)) => {
                return Err(Error::field(
                    "failure_reason",
                    "not_allowed",
                    "A paid result has no failure_reason.",
                ));
            }
            (RecordedStatus::Failed, None) => {
                return Err(Error::field(
                    "failure_reason",
                    "required",
                    "A failed result needs failure_reason.",
                ));
            }
        };
        Ok((result, reference))
    }
}

/// A stored date, strictly: a corrupt one fails the read.
pub(crate) fn day(s: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| Error::internal("corrupt row: a date", e))
}

pub(crate) fn calendar(c: &mut DbConn) -> Result<Calendar, Error> {
    let days = store::holidays(c)?;
    Ok(Calendar::new(
        days.iter().map(|d| day(d)).collect::<Result<Vec<_>, _>>()?,
    ))
}

pub(crate) fn views(
    c: &mut DbConn,
    rows: Vec<Disbursement>,
) -> Result<Vec<DisbursementView>, Error> {
    let ids: Vec<DisbursementId> = rows.iter().map(|r| r.id.clone()).collect();
    let steps = store::steps_of(c, &ids)?;
    let mut holders: Vec<ParticipantId> = rows.iter().map(|r| r.participant_id.clone()).collect();
    holders.sort();
    holders.dedup();
    let cards = store::cards_of(c, &holders)?;
    rows.into_iter()
        .map(|r| {
            let card_number = cards
                .iter()
                .find(|(holder, _)| *holder == r.participant_id)
                .map(|(_, card)| card.clone())
                .ok_or_else(|| Error::internal("disbursement view", "holder vanished"))?;
            Ok(DisbursementView {
                card_number,
                history: steps
                    .iter()
                    .filter(|(id, ..)| *id == r.id)
                    .map(|(_, status, at, note)| Step {
                        status: *status,
                        at: to_wib(*at),
                        note: note.clone(),
                    })
                    .collect(),
                status_label_id: r.status.label_id().to_string(),
                scheduled_for: day(&r.scheduled_for)?,
                expected_by: day(&r.expected_by)?,
                paid_at: r.paid_at.map(to_wib),
                failure_remedy: r.failure_reason.map(|f| f.remedy().to_string()),
                failure_reason: r.failure_reason,
                id: r.id,
                kind: r.kind,
                tranche: r.tranche,
                amount: r.amount,
                status: r.status,
            })
        })
        .collect()
}

/// After a payment changed: its history step, and `disbursement.updated` to the partners that
/// served the holder.
pub(crate) fn changed(
    c: &mut DbConn,
    id: &DisbursementId,
    to: DisbursementStatus,
    at: NaiveDateTime,
    note: Option<&str>,
) -> Result<(), Error> {
    store::record_step(c, id, to, at, note)?;
    let row = store::find(c, id)?.ok_or_else(|| Error::internal("disbursement", "vanished"))?;
    let partners = store::partners_of(c, &row.participant_id)?;
    let view = views(c, vec![row])?
        .pop()
        .ok_or_else(|| Error::internal("disbursement view", "empty"))?;
    let payload =
        serde_json::to_value(view).map_err(|e| Error::internal("disbursement event", e))?;
    let recipients: Vec<&_> = partners.iter().collect();
    Ok(events::publish(
        c,
        &recipients,
        EventType::DisbursementUpdated,
        &payload,
    )?)
}

/// Moves a payment `from` → `to`; false when another run moved it first.
pub(crate) fn move_to(
    c: &mut DbConn,
    row: &Disbursement,
    to: DisbursementStatus,
    reason: Option<FailureReason>,
    note: Option<&str>,
) -> Result<bool, Error> {
    let now = db::now();
    if !store::set_status(c, &row.id, row.status, to, reason, now)? {
        return Ok(false);
    }
    changed(c, &row.id, to, now, note)?;
    Ok(true)
}

/// A card's payments follow its status, in the transaction that changes it: frozen holds what
/// waits to be sent, unfrozen schedules it again, revoked cancels it (nothing is paid after
/// revocation; what was already sent completes). The card's row is locked by the change, and a
/// run locks it before it moves a payment towards the gateway (`lock_card`), so a
/// payment is never sent to a card frozen or revoked meanwhile.
pub(crate) fn follow_card(
    c: &mut DbConn,
    holder: &ParticipantId,
    status: CardStatus,
) -> Result<usize, Error> {
    let rows = store::of_holder(c, holder)?;
    let mut moved = 0;
    for row in rows {
        let to = match (status, row.status) {
            (CardStatus::Frozen, s) if s.is_holdable() => DisbursementStatus::Held,
            (CardStatus::Active, DisbursementStatus::Held) => DisbursementStatus::Scheduled,
            _ => continue,
        };
        let note = match to {
            DisbursementStatus::Held => "the card is frozen",
            _ => "the card is active again",
        };
        moved += usize::from(move_to(c, &row, to, None, Some(note))?);
    }
    if status == CardStatus::Revoked {
        moved += store::cancel_unsent(c, holder)?;
    }
    Ok(moved)
}

/// The card's status, its row locked until the transaction ends: a freeze or revocation waits
/// for the move that asked, or that move sees it.
pub(crate) fn lock_card(c: &mut DbConn, holder: &ParticipantId) -> Result<CardStatus, Error> {
    Ok(participants::lock(c, holder)?.status)
}

/// Who may see a holder's payments: admin, the holder, a partner that served them.
fn may_see(c: &mut DbConn, viewer: &Viewer, holder: &ParticipantId) -> Result<bool, Error> {
    Ok(match viewer {
        Viewer::Admin => true,
        Viewer::Holder(id) => id == holder,
        Viewer::Platform(p) | Viewer::Lpk(p) => store::partners_of(c, holder)?.contains(p),
    })
}

fn page_of(
    c: &mut DbConn,
    holder: &ParticipantId,
    req: &PageRequest,
) -> Result<Page<DisbursementView>, Error> {
    let rows = store::page_of_holder(c, holder, req)?;
    let page = Page::cut(rows, req, |d| Cursor::Time(d.created_at, d.id.to_string()));
    Ok(Page {
        items: views(c, page.items)?,
        next: page.next,
    })
}

impl Core {
    /// The holder's incentive payments, newest first.
    pub async fn my_disbursements(
        &self,
        call: &Call,
        req: PageRequest,
    ) -> Result<Page<DisbursementView>, Error> {
        let holder = call.holder()?;
        self.read(move |c, _| page_of(c, &holder, &req)).await
    }

    /// A holder's payments, for a partner that served them (else 404, also for an unknown card).
    pub async fn disbursements_of_card(
        &self,
        call: &Call,
        card: CardNumber,
        req: PageRequest,
    ) -> Result<Page<DisbursementView>, Error> {
        let viewer = call.who().viewer();
        self.read(move |c, _| {
            let not_found = || Error::not_found("card holder you served");
            let holder = participants::find_by_card(c, &card)?.ok_or_else(not_found)?;
            if !may_see(c, &viewer, &holder.id)? {
                return Err(not_found());
            }
            page_of(c, &holder.id, &req)
        })
        .await
    }

    /// One payment, for whoever may see its holder's.
    pub async fn disbursement(
        &self,
        call: &Call,
        id: DisbursementId,
    ) -> Result<DisbursementView, Error> {
        let viewer = call.who().viewer();
        self.read(move |c, _| {
            let not_found = || Error::not_found("disbursement");
            let row = store::find(c, &id)?.ok_or_else(not_found)?;
            if !may_see(c, &viewer, &row.participant_id)? {
                return Err(not_found());
            }
            views(c, vec![row])?.pop().ok_or_else(not_found)
        })
        .await
    }

    /// Management records a bank's answer by hand (reconciling a statement), audited.
    pub async fn record_disbursement_result(
        &self,
        call: &Call,
        id: DisbursementId,
        result: BankResult,
        reference: String,
    ) -> Result<DisbursementView, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            let row = store::find(c, &id)?.ok_or_else(|| Error::not_found("disbursement"))?;
            check_recordable(row.status)?;
            let (to, reason) = match result {
                BankResult::Paid => (DisbursementStatus::Paid, None),
                BankResult::Failed(r) => (DisbursementStatus::Failed, Some(r)),
            };
            let now = db::now();
            let sent = [DisbursementStatus::Checking];
            if !store::settle(c, &id, &sent, to, reason, Some(&reference), now)? {
                return Err(ErrorCode::DisbursementNotInFlight.with("The payment moved meanwhile."));
            }
            let note = format!("recorded by hand: {reference}");
            changed(c, &id, to, now, Some(&note))?;
            audit::record(
                c,
                &actor,
                Event {
                    action: "disbursement.result",
                    target_type: "disbursement",
                    target_id: id.as_str(),
                    details: serde_json::json!({"status": to, "failure_reason": reason, "reference": reference}),
                },
            )?;
            let row = store::find(c, &id)?.ok_or_else(|| Error::not_found("disbursement"))?;
            views(c, vec![row])?
                .pop()
                .ok_or_else(|| Error::internal("disbursement view", "empty"))
        })
        .await
    }
}
