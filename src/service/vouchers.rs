//! Vouchers after the sale: reads, redemption and attendance by the LPK, voiding by management.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::courses::{self, Viewer};
use crate::db::vouchers::{self, Filter, VoucherDetail};
use crate::db::{self, DbConn, events, participants, write_tx};
use crate::domain::mask::mask_card;
use crate::domain::purchase;
use crate::domain::time::to_wib;
use crate::domain::voucher::{VoucherStatus, check_sequence};
use crate::domain::{CardNumber, VoucherCode};
use crate::error::{ApiError, ErrorCode};
use crate::service::audit::{self, Actor, Event};
use crate::service::card_validations::schedule_facts;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attendance {
    /// 1..sessions, or 999 for the post-test.
    pub sequence: i32,
    pub attended_at: DateTime<FixedOffset>,
}

/// A voucher: the coupon that replaces payment at the LPK.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoucherView {
    #[schema(example = "7KQ2-M9XD-4HTR-8WZC")]
    pub code: String,
    pub status: VoucherStatus,
    pub course_code: String,
    pub schedule_code: Option<String>,
    /// Rupiah debited from the training balance.
    pub amount: i64,
    #[schema(example = "************0015")]
    pub card_number_masked: String,
    pub platform_id: String,
    pub lpk_id: String,
    /// The selling platform's own order id: shown to that platform and to admin only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_order_id: Option<String>,
    pub issued_at: DateTime<FixedOffset>,
    pub redeemed_at: Option<DateTime<FixedOffset>>,
    pub completed_at: Option<DateTime<FixedOffset>>,
    pub voided_at: Option<DateTime<FixedOffset>>,
    /// The training balance right after this purchase.
    pub balance_after: i64,
    pub attendance: Vec<Attendance>,
}

/// Views of several vouchers, with their attendance in one query.
pub fn views(conn: &mut DbConn, details: Vec<VoucherDetail>) -> Result<Vec<VoucherView>, ApiError> {
    let ids: Vec<String> = details.iter().map(|d| d.row.id.clone()).collect();
    let marks = vouchers::attendance_of(conn, &ids)?;
    Ok(details
        .into_iter()
        .map(|d| {
            let r = d.row;
            VoucherView {
                attendance: marks
                    .iter()
                    .filter(|(v, _, _)| *v == r.id)
                    .map(|(_, sequence, at)| Attendance {
                        sequence: *sequence,
                        attended_at: to_wib(*at),
                    })
                    .collect(),
                code: VoucherCode::display(&r.code),
                status: VoucherStatus::from_db(&r.status),
                course_code: d.course_code,
                schedule_code: d.schedule_code,
                amount: r.amount,
                card_number_masked: mask_card(&d.card_number),
                platform_id: r.platform_id,
                lpk_id: r.lpk_id,
                external_order_id: Some(r.external_order_id),
                issued_at: to_wib(r.issued_at),
                redeemed_at: r.redeemed_at.map(to_wib),
                completed_at: r.completed_at.map(to_wib),
                voided_at: r.voided_at.map(to_wib),
                balance_after: r.balance_after,
            }
        })
        .collect())
}

pub fn view(conn: &mut DbConn, detail: VoucherDetail) -> Result<VoucherView, ApiError> {
    views(conn, vec![detail])?
        .pop()
        .ok_or_else(|| ApiError::internal("voucher view", "empty"))
}

pub fn view_by_id(conn: &mut DbConn, id: &str) -> Result<VoucherView, ApiError> {
    let detail = vouchers::detail(conn, id)?;
    view(conn, detail)
}

fn load(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    code: &VoucherCode,
) -> Result<VoucherDetail, ApiError> {
    vouchers::find_visible(conn, viewer, code.as_str())?
        .ok_or_else(|| ApiError::not_found("voucher"))
}

pub fn get(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    code: &VoucherCode,
) -> Result<VoucherView, ApiError> {
    let d = load(conn, viewer, code)?;
    Ok(for_viewer(view(conn, d)?, viewer))
}

/// What this viewer may see of a voucher: an LPK does not see the platform's order id.
pub fn for_viewer(mut v: VoucherView, viewer: &Viewer<'_>) -> VoucherView {
    if matches!(viewer, Viewer::Lpk(_)) {
        v.external_order_id = None;
    }
    v
}

/// Publishes a voucher event to the platform that sold it and the LPK that runs it, each with what
/// it may see.
pub fn announce(conn: &mut DbConn, v: &VoucherView, event_type: &str) -> Result<(), ApiError> {
    let payload = |v: &VoucherView| serde_json::to_value(v).unwrap_or_default();
    events::publish(conn, &[&v.platform_id], event_type, &payload(v))?;
    let lpk_view = for_viewer(v.clone(), &Viewer::Lpk(&v.lpk_id));
    events::publish(conn, &[&v.lpk_id], event_type, &payload(&lpk_view))?;
    Ok(())
}

pub type TimeCursor = crate::service::courses::TimeCursor;

pub fn list(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    filter: &Filter,
    before: Option<TimeCursor>,
    limit: i64,
) -> Result<(Vec<VoucherView>, Option<TimeCursor>), ApiError> {
    let mut rows = vouchers::page(conn, viewer, filter, before, limit + 1)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|d| (d.row.issued_at, d.row.id.clone()))
    } else {
        None
    };
    let views = views(conn, rows)?
        .into_iter()
        .map(|v| for_viewer(v, viewer))
        .collect();
    Ok((views, next))
}

/// The LPK redeems a voucher the holder brought, with the holder's card number.
pub fn redeem(
    conn: &mut DbConn,
    actor: &Actor,
    lpk_id: &str,
    code: &VoucherCode,
    card: &CardNumber,
) -> Result<VoucherView, ApiError> {
    write_tx(conn, |c| {
        let now = db::now();
        let d = load(c, &Viewer::Lpk(lpk_id), code)?;
        if d.card_number != card.as_str() {
            return Err(ErrorCode::CardMismatch.with("This voucher was bought with another card."));
        }
        let to = VoucherStatus::from_db(&d.row.status).redeem()?;
        if let Some(schedule_id) = &d.row.schedule_id {
            purchase::check_redeem_window(
                &schedule_facts(&courses::find_schedule(c, schedule_id)?),
                now,
            )?;
        }
        if !vouchers::transition(c, &d.row.id, VoucherStatus::Issued, to, now, None)? {
            return Err(
                ErrorCode::VoucherAlreadyRedeemed.with("The voucher was redeemed meanwhile.")
            );
        }
        audit::record(
            c,
            actor,
            Event {
                action: "voucher.redeem",
                target_type: "voucher",
                target_id: &d.row.code,
                details: serde_json::json!({}),
            },
        )?;
        let v = view_by_id(c, &d.row.id)?;
        announce(c, &v, "voucher.redeemed")?;
        Ok(for_viewer(v, &Viewer::Lpk(lpk_id)))
    })
}

/// Attendance body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttendance {
    /// 1..sessions, or 999 for the post-test.
    #[schema(example = 1, minimum = 1, maximum = 999)]
    pub sequence: i32,
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T10:00:00+07:00")]
    pub attended_at: DateTime<FixedOffset>,
}

/// Records one session (or the post-test); reporting a sequence again changes nothing.
pub fn attend(
    conn: &mut DbConn,
    actor: &Actor,
    lpk_id: &str,
    code: &VoucherCode,
    input: &NewAttendance,
) -> Result<VoucherView, ApiError> {
    let attended_at = crate::domain::time::to_utc(input.attended_at);
    write_tx(conn, |c| {
        let now = db::now();
        if attended_at > now + chrono::Duration::minutes(5) {
            return Err(ApiError::field(
                "attended_at",
                "in_future",
                "attended_at cannot be in the future.",
            ));
        }
        let d = load(c, &Viewer::Lpk(lpk_id), code)?;
        VoucherStatus::from_db(&d.row.status).accepts_attendance()?;
        let course = courses::find_course(c, &d.row.course_id)?;
        check_sequence(input.sequence, course.sessions)?;
        if vouchers::add_attendance(c, &d.row.id, input.sequence, attended_at)? {
            audit::record(
                c,
                actor,
                Event {
                    action: "voucher.attendance",
                    target_type: "voucher",
                    target_id: &d.row.code,
                    details: serde_json::json!({"sequence": input.sequence}),
                },
            )?;
        }
        Ok(for_viewer(view(c, d)?, &Viewer::Lpk(lpk_id)))
    })
}

/// Management voids an issued voucher: the amount returns to the balance, the seat to the schedule.
pub fn void(
    conn: &mut DbConn,
    actor: &Actor,
    code: &VoucherCode,
    reason: &str,
) -> Result<VoucherView, ApiError> {
    write_tx(conn, |c| {
        let now = db::now();
        let d = load(c, &Viewer::Admin, code)?;
        let to = VoucherStatus::from_db(&d.row.status).void()?;
        if !vouchers::transition(c, &d.row.id, VoucherStatus::Issued, to, now, Some(reason))? {
            return Err(ErrorCode::VoucherNotVoidable.with("The voucher changed meanwhile."));
        }
        participants::refund(c, &d.row.participant_id, d.row.amount, now)?;
        // A voided purchase is as if never made: with none left, the 30-day deadline binds again.
        if vouchers::committed_amount(c, &d.row.participant_id)? == 0 {
            participants::clear_first_purchase(c, &d.row.participant_id)?;
        }
        if let Some(schedule_id) = &d.row.schedule_id {
            courses::release_seat(c, schedule_id)?;
        }
        audit::record(
            c,
            actor,
            Event {
                action: "voucher.void",
                target_type: "voucher",
                target_id: &d.row.code,
                details: serde_json::json!({"reason": reason, "refunded": d.row.amount}),
            },
        )?;
        let v = view_by_id(c, &d.row.id)?;
        announce(c, &v, "voucher.voided")?;
        Ok(v)
    })
}
