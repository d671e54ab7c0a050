//! Vouchers after the sale: reads, redemption and attendance by the LPK, voiding by management.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::purchase::schedule_facts;
use super::{Call, Core};
pub use crate::db::vouchers::Filter;
use crate::db::vouchers::{self, VoucherDetail};
use crate::db::{self, DbConn, courses, events, participants};
use crate::domain::completion::check_reported_at;
use crate::domain::purchase;
use crate::domain::time::to_wib;
use crate::domain::voucher::{VoucherStatus, check_sequence};
use crate::domain::{
    CardNumber, CourseCode, PartnerId, Rupiah, ScheduleCode, Viewer, VoucherCode, VoucherId,
};
use crate::error::{Error, ErrorCode};
use crate::page::{Cursor, Page, PageRequest};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attendance {
    /// 1..sessions, or 999 for the post-test.
    pub sequence: i32,
    pub attended_at: DateTime<FixedOffset>,
}

/// A voucher: the coupon that replaces payment at the LPK.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VoucherView {
    #[schema(example = "7KQ2-M9XD-4HTR-8WZC")]
    pub code: String,
    pub status: VoucherStatus,
    #[schema(value_type = String)]
    pub course_code: CourseCode,
    #[schema(value_type = Option<String>)]
    pub schedule_code: Option<ScheduleCode>,
    /// Rupiah debited from the training balance.
    #[schema(value_type = i64)]
    pub amount: Rupiah,
    #[schema(example = "************0015")]
    pub card_number_masked: String,
    #[schema(value_type = String)]
    pub platform_id: PartnerId,
    #[schema(value_type = String)]
    pub lpk_id: PartnerId,
    /// The selling platform's own order id: shown to that platform and to admin only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_order_id: Option<String>,
    pub issued_at: DateTime<FixedOffset>,
    pub redeemed_at: Option<DateTime<FixedOffset>>,
    pub completed_at: Option<DateTime<FixedOffset>>,
    pub voided_at: Option<DateTime<FixedOffset>>,
    /// The training balance right after this purchase.
    #[schema(value_type = i64)]
    pub balance_after: Rupiah,
    pub attendance: Vec<Attendance>,
}

/// A voucher's redemption: the holder's card proves the coupon is theirs.
#[derive(Debug, Clone)]
pub struct Redeem {
    pub code: VoucherCode,
    pub card: CardNumber,
}

/// One session (1..sessions) or the post-test (999).
#[derive(Debug, Clone)]
pub struct AttendSession {
    pub code: VoucherCode,
    pub sequence: i32,
    pub attended_at: NaiveDateTime,
}

/// Views of several vouchers, with their attendance in one query, as `viewer` may see them.
pub(crate) fn views(
    conn: &mut DbConn,
    details: Vec<VoucherDetail>,
    viewer: &Viewer,
) -> Result<Vec<VoucherView>, Error> {
    let ids: Vec<VoucherId> = details.iter().map(|d| d.row.id.clone()).collect();
    let marks = vouchers::attendance_of(conn, &ids)?;
    Ok(details
        .into_iter()
        .map(|d| {
            let r = d.row;
            let shown = VoucherView {
                attendance: marks
                    .iter()
                    .filter(|(v, _, _)| *v == r.id)
                    .map(|(_, sequence, at)| Attendance {
                        sequence: *sequence,
                        attended_at: to_wib(*at),
                    })
                    .collect(),
                code: r.code.dashed(),
                status: r.status,
                course_code: d.course_code,
                schedule_code: d.schedule_code,
                amount: r.amount,
                card_number_masked: d.card_number.masked(),
                platform_id: r.platform_id,
                lpk_id: r.lpk_id,
                external_order_id: Some(r.external_order_id),
                issued_at: to_wib(r.issued_at),
                redeemed_at: r.redeemed_at.map(to_wib),
                completed_at: r.completed_at.map(to_wib),
                voided_at: r.voided_at.map(to_wib),
                balance_after: r.balance_after,
            };
            for_viewer(shown, viewer)
        })
        .collect())
}

/// The full view of one voucher (the seller's and management's).
pub(crate) fn view_by_id(conn: &mut DbConn, id: &VoucherId) -> Result<VoucherView, Error> {
    let detail = vouchers::detail(conn, id)?;
    let mut shown = views(conn, vec![detail], &Viewer::Admin)?;
    shown
        .pop()
        .ok_or_else(|| Error::internal("voucher view", "empty"))
}

/// What this viewer may see of a voucher: only the platform that sold it and management see the
/// platform's order id.
fn for_viewer(mut v: VoucherView, viewer: &Viewer) -> VoucherView {
    match viewer {
        Viewer::Admin | Viewer::Platform(_) => {}
        Viewer::Lpk(_) | Viewer::Holder(_) => v.external_order_id = None,
    }
    v
}

/// Publishes a voucher event to the platform that sold it and the LPK that runs it, each with what
/// it may see.
pub(crate) fn announce(conn: &mut DbConn, v: &VoucherView, event_type: &str) -> Result<(), Error> {
    let payload = |v: VoucherView| serde_json::to_value(v).unwrap_or_default();
    let platform = Viewer::Platform(v.platform_id.clone());
    let lpk = Viewer::Lpk(v.lpk_id.clone());
    events::publish(
        conn,
        &[&v.platform_id],
        event_type,
        &payload(for_viewer(v.clone(), &platform)),
    )?;
    events::publish(
        conn,
        &[&v.lpk_id],
        event_type,
        &payload(for_viewer(v.clone(), &lpk)),
    )?;
    Ok(())
}

fn load(conn: &mut DbConn, viewer: &Viewer, code: &VoucherCode) -> Result<VoucherDetail, Error> {
    vouchers::find_visible(conn, viewer, code)?.ok_or_else(|| Error::not_found("voucher"))
}

fn shown(conn: &mut DbConn, id: &VoucherId, viewer: &Viewer) -> Result<VoucherView, Error> {
    let v = view_by_id(conn, id)?;
    Ok(for_viewer(v, viewer))
}

impl Core {
    /// One voucher, if the caller sold it, runs it, owns it or manages the program (else 404).
    pub async fn voucher(&self, call: &Call, code: VoucherCode) -> Result<VoucherView, Error> {
        let viewer = call.who().viewer();
        self.read(move |c, _| {
            let d = load(c, &viewer, &code)?;
            views(c, vec![d], &viewer)?
                .pop()
                .ok_or_else(|| Error::internal("voucher view", "empty"))
        })
        .await
    }

    /// A page of the vouchers the caller may see, newest first.
    pub async fn vouchers(
        &self,
        call: &Call,
        filter: Filter,
        req: PageRequest,
    ) -> Result<Page<VoucherView>, Error> {
        let viewer = call.who().viewer();
        self.read(move |c, _| {
            let rows = vouchers::page(c, &viewer, &filter, &req)?;
            let page = Page::cut(rows, &req, |d| {
                Cursor::Time(d.row.issued_at, d.row.id.to_string())
            });
            let items = views(c, page.items, &viewer)?;
            Ok(Page {
                items,
                next: page.next,
            })
        })
        .await
    }

    /// The LPK redeems a voucher the holder brought, with the holder's card number.
    pub async fn redeem_voucher(&self, call: &Call, cmd: Redeem) -> Result<VoucherView, Error> {
        let viewer = call.who().viewer();
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            let now = db::now();
            let d = load(c, &viewer, &cmd.code)?;
            if d.card_number != cmd.card {
                return Err(ErrorCode::CardMismatch.refusal());
            }
            let to = d.row.status.redeem()?;
            if let Some(schedule_id) = &d.row.schedule_id {
                let schedule = courses::find_schedule(c, schedule_id)?;
                purchase::check_redeem_window(&schedule_facts(&schedule), now)?;
            }
            if !vouchers::transition(c, &d.row.id, VoucherStatus::Issued, to, now, None)? {
                return Err(
                    ErrorCode::VoucherAlreadyRedeemed.with("The voucher was redeemed meanwhile.")
                );
            }
            audit::record(
                c,
                &actor,
                Event {
                    action: "voucher.redeem",
                    target_type: "voucher",
                    target_id: d.row.code.as_str(),
                    details: serde_json::json!({}),
                },
            )?;
            let v = view_by_id(c, &d.row.id)?;
            announce(c, &v, "voucher.redeemed")?;
            Ok(for_viewer(v, &viewer))
        })
        .await
    }

    /// Records one session (or the post-test); reporting a sequence again changes nothing.
    pub async fn record_attendance(
        &self,
        call: &Call,
        cmd: AttendSession,
    ) -> Result<VoucherView, Error> {
        let viewer = call.who().viewer();
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            check_reported_at("attended_at", cmd.attended_at, None, db::now())?;
            let d = load(c, &viewer, &cmd.code)?;
            d.row.status.accepts_attendance()?;
            let course = courses::find_course(c, &d.row.course_id)?;
            check_sequence(cmd.sequence, course.sessions)?;
            if vouchers::add_attendance(c, &d.row.id, cmd.sequence, cmd.attended_at)? {
                audit::record(
                    c,
                    &actor,
                    Event {
                        action: "voucher.attendance",
                        target_type: "voucher",
                        target_id: d.row.code.as_str(),
                        details: serde_json::json!({"sequence": cmd.sequence}),
                    },
                )?;
            }
            shown(c, &d.row.id, &viewer)
        })
        .await
    }

    /// Management voids an issued voucher: the amount returns to the balance, the seat to the run.
    pub async fn void_voucher(
        &self,
        call: &Call,
        code: VoucherCode,
        reason: String,
    ) -> Result<VoucherView, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            let now = db::now();
            let d = load(c, &Viewer::Admin, &code)?;
            let to = d.row.status.void()?;
            if !vouchers::transition(c, &d.row.id, VoucherStatus::Issued, to, now, Some(&reason))? {
                return Err(ErrorCode::VoucherNotVoidable.with("The voucher changed meanwhile."));
            }
            participants::refund(c, &d.row.participant_id, d.row.amount, now)?;
            // A voided purchase is as if never made: with none left, the 30-day deadline binds again.
            if !vouchers::holds_money(c, &d.row.participant_id)? {
                participants::clear_first_purchase(c, &d.row.participant_id)?;
            }
            if let Some(schedule_id) = &d.row.schedule_id {
                courses::release_seat(c, schedule_id)?;
            }
            audit::record(
                c,
                &actor,
                Event {
                    action: "voucher.void",
                    target_type: "voucher",
                    target_id: d.row.code.as_str(),
                    details: serde_json::json!({"reason": reason, "refunded": d.row.amount}),
                },
            )?;
            let v = view_by_id(c, &d.row.id)?;
            announce(c, &v, "voucher.voided")?;
            Ok(v)
        })
        .await
    }
}
