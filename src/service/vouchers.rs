//! Vouchers after the sale: reads, redemption and attendance by the LPK, voiding by management.

use chrono::NaiveDateTime;

use super::audit::{self, Event};
use super::purchase::schedule_facts;
pub use super::voucher_view::VoucherView;
use super::voucher_view::{announce, view, view_by_id, view_for, views};
use super::{Actor, Call, Core};
pub use crate::db::vouchers::Filter;
use crate::db::vouchers::{self, VoucherDetail};
use crate::db::{self, DbConn, courses, participants};
use crate::domain::completion::check_reported_at;
use crate::domain::event::EventType;
use crate::domain::purchase;
use crate::domain::voucher::{VoucherStatus, check_sequence};
use crate::domain::{CardNumber, Viewer, VoucherCode};
use crate::error::{Error, ErrorCode};
use crate::metrics::VoucherEvent;
use crate::page::{Cursor, Page, PageRequest};

/// A voucher's redemption.
#[derive(Debug, Clone)]
pub struct Redeem {
    pub code: VoucherCode,
    pub proof: HolderProof,
}

/// What shows the holder brought the voucher to the LPK.
#[derive(Debug, Clone)]
pub enum HolderProof {
    /// The holder's card number, which must be the voucher's (`/v1`).
    Card(CardNumber),
    /// The code alone, as Prakerja's redeem-code API redeems: its clients send nothing else. The
    /// audit trail records which proof a redemption had.
    CodeOnly,
}

/// One session (1..sessions) or the post-test (999).
#[derive(Debug, Clone)]
pub struct AttendSession {
    pub code: VoucherCode,
    pub sequence: i32,
    pub attended_at: NaiveDateTime,
}

/// A voucher this viewer may see, by its code (404 otherwise: no probing).
pub(crate) fn load(
    conn: &mut DbConn,
    viewer: &Viewer,
    code: &VoucherCode,
) -> Result<VoucherDetail, Error> {
    vouchers::find_visible(conn, viewer, code)?.ok_or_else(|| Error::not_found("voucher"))
}

/// A redemption, in the caller's transaction (the sandbox seed runs it inside its own).
pub(crate) fn redeem(
    c: &mut DbConn,
    actor: &Actor,
    viewer: &Viewer,
    cmd: &Redeem,
) -> Result<VoucherView, Error> {
    let now = db::now();
    let d = load(c, viewer, &cmd.code)?;
    let proof = match &cmd.proof {
        HolderProof::Card(card) if *card != d.card_number => {
            return Err(ErrorCode::CardMismatch.refusal());
        }
        HolderProof::Card(_) => "card",
        HolderProof::CodeOnly => "code_only",
    };
    let to = d.row.status.redeem()?;
    if let Some(schedule_id) = &d.row.schedule_id {
        let schedule = courses::find_schedule(c, schedule_id)?;
        purchase::check_redeem_window(&schedule_facts(&schedule), now)?;
    }
    if !vouchers::transition(c, &d.row.id, VoucherStatus::Issued, to, now, None)? {
        return Err(ErrorCode::VoucherAlreadyRedeemed.with("The voucher was redeemed meanwhile."));
    }
    audit::record(
        c,
        actor,
        Event {
            action: "voucher.redeem",
            target_type: "voucher",
            target_id: d.row.code.as_str(),
            details: serde_json::json!({"proof": proof}),
        },
    )?;
    let v = view_by_id(c, &d.row.id)?;
    announce(c, &v, EventType::VoucherRedeemed)?;
    Ok(super::voucher_view::for_viewer(v, viewer))
}

impl Core {
    /// One voucher, if the caller sold it, runs it, owns it or manages the program (else 404).
    pub async fn voucher(&self, call: &Call, code: VoucherCode) -> Result<VoucherView, Error> {
        let viewer = call.who().viewer();
        self.read(move |c, _| {
            let whole = vouchers::find_visible_whole(c, &viewer, &code)?
                .ok_or_else(|| Error::not_found("voucher"))?;
            Ok(view(whole, &viewer))
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
        let (v, fresh) = self
            .once_fresh(call, move |c, _| redeem(c, &actor, &viewer, &cmd))
            .await?;
        if fresh {
            self.metrics.voucher(&v.platform_id, VoucherEvent::Redeemed);
        }
        Ok(v)
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
            if db::voucher_marks::add_attendance(c, &d.row.id, cmd.sequence, cmd.attended_at)? {
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
            view_for(c, &d.row.id, &viewer)
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
        let (v, fresh) = self
            .once_fresh(call, move |c, _| {
                let now = db::now();
                let d = load(c, &Viewer::Admin, &code)?;
                let to = d.row.status.void()?;
                if !vouchers::transition(
                    c,
                    &d.row.id,
                    VoucherStatus::Issued,
                    to,
                    now,
                    Some(&reason),
                )? {
                    return Err(
                        ErrorCode::VoucherNotVoidable.with("The voucher changed meanwhile.")
                    );
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
                announce(c, &v, EventType::VoucherVoided)?;
                Ok(v)
            })
            .await?;
        if fresh {
            self.metrics.voucher(&v.platform_id, VoucherEvent::Voided);
        }
        Ok(v)
    }
}
