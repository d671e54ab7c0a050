//! Buying a voucher: one transaction consumes the verified validation, re-checks the card, takes a
//! seat and debits the balance by conditional updates, and records the voucher, its audit event and
//! its outbox events. Any refusal rolls all of it back.

use chrono::NaiveDateTime;
use diesel::Connection;
use serde::{Deserialize, Serialize};

use super::audit::{self, Event};
use super::voucher_view::{VoucherView, announce, view_by_id};
use super::{Actor, Call, Core};
use crate::db::card_validations as validations;
use crate::db::courses::{self, Course, Schedule};
use crate::db::participants::{self, Participant};
use crate::db::vouchers::{self, Voucher};
use crate::db::{self, DbConn};
use crate::domain::event::EventType;
use crate::domain::participant::CardStatus;
use crate::domain::purchase::{self, CardFacts, ScheduleFacts};
use crate::domain::training::check_finished;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{
    CourseCode, PartnerId, ScheduleCode, ValidationId, Viewer, VoucherCode, VoucherId,
};
use crate::error::{Error, ErrorCode};
use crate::metrics::VoucherEvent;

/// Buy the validated course with a verified validation.
#[derive(Debug, Clone)]
pub struct BuyVoucher {
    pub validation: ValidationId,
    pub course: CourseCode,
    pub schedule: Option<ScheduleCode>,
    /// The platform's own order id, unique per platform.
    pub external_order_id: String,
}

/// A new voucher, or the one an earlier request with the same `external_order_id` created.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Purchased {
    Created(VoucherView),
    Existing(VoucherView),
}

/// The facts the purchase rules read about a card.
pub(crate) fn card_facts(conn: &mut DbConn, p: &Participant) -> Result<CardFacts, Error> {
    Ok(CardFacts {
        trainings: vouchers::training_facts(conn, &p.id)?,
        ..row_facts(p)
    })
}

/// The card's facts from its row alone, its trainings left out (read separately, at the point
/// where they are final).
fn row_facts(p: &Participant) -> CardFacts {
    CardFacts {
        status: p.status,
        purchase_deadline: p.purchase_deadline,
        first_purchase_at: p.first_purchase_at,
        trainings: Vec::new(),
        balance: p.balance,
    }
}

pub(crate) fn schedule_facts(s: &Schedule) -> ScheduleFacts {
    ScheduleFacts {
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        quota: s.quota,
        seats_taken: s.seats_taken,
    }
}

/// The course this platform may sell, and the run asked for (required when the course has open runs).
pub(crate) fn sellable(
    conn: &mut DbConn,
    platform: &PartnerId,
    course: &CourseCode,
    schedule: Option<&ScheduleCode>,
    now: NaiveDateTime,
) -> Result<(Course, Option<Schedule>), Error> {
    let course = courses::find_visible(conn, &Viewer::Platform(platform.clone()), course)?
        .ok_or_else(|| ErrorCode::CourseNotAvailable.refusal())?;
    let schedule = match schedule {
        Some(code) => {
            let s = courses::find_schedule_by_code(conn, &course.id, code)?
                .ok_or_else(|| ErrorCode::ScheduleNotAvailable.refusal())?;
            purchase::check_schedule(&schedule_facts(&s), now)?;
            Some(s)
        }
        None if courses::schedules(conn, &course.id)?
            .iter()
            .any(|s| s.ends_at > now) =>
        {
            return Err(ErrorCode::ScheduleRequired.refusal());
        }
        None => None,
    };
    Ok((course, schedule))
}

/// Why the purchase savepoint stopped: a refusal, or a repeat order found at insert time.
enum Stop {
    Refused(Error),
    RepeatOrder,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Refused(e)
    }
}

impl From<diesel::result::Error> for Stop {
    fn from(e: diesel::result::Error) -> Self {
        Stop::Refused(e.into())
    }
}

/// The voucher, in a savepoint: a refusal or a racing repeat undoes all of it.
fn issue(
    c: &mut DbConn,
    actor: &Actor,
    platform: &PartnerId,
    cmd: &BuyVoucher,
) -> Result<VoucherView, Stop> {
    let now = db::now();
    let validation = validations::find_for_platform(c, &cmd.validation, platform)?
        .ok_or_else(|| Error::not_found("card validation"))?;
    validation.stage().check_buyable(now)?;
    // Still sold by this platform? Management may have acted since the validation. One read
    // when it is (every purchase but a refused one); the mismatch check still answers first.
    let viewer = Viewer::Platform(platform.clone());
    let (course, still_sold) = match courses::find_visible_by_id(c, &viewer, &validation.course_id)?
    {
        Some(course) => (course, true),
        None => (courses::find_course(c, &validation.course_id)?, false),
    };
    let schedule = validation
        .schedule_id
        .as_ref()
        .map(|id| courses::find_schedule(c, id))
        .transpose()?;
    let schedule_matches = match (&schedule, &cmd.schedule) {
        (None, None) => true,
        (Some(s), Some(code)) => s.schedule_code == *code,
        _ => false,
    };
    if course.course_code != cmd.course || !schedule_matches {
        return Err(ErrorCode::ValidationMismatch.refusal().into());
    }
    if !still_sold {
        return Err(ErrorCode::CourseNotAvailable
            .with("The course is no longer sold by your platform.")
            .into());
    }
    if !validations::mark_used(c, &validation.id, now)? {
        return Err(ErrorCode::ValidationUsed.refusal().into());
    }
    let holder = participants::find(c, &validation.participant_id)?;
    // Without its trainings: they are read and checked below, once the debit has locked the card.
    purchase::check_card(&row_facts(&holder), now)?;
    if let Some(s) = &schedule {
        purchase::check_schedule(&schedule_facts(s), now)?;
    }
    // The debit takes the card's row lock: concurrent purchases on one card queue here, and each
    // sees the vouchers committed before it.
    if !participants::debit(c, &holder.id, course.price, now)? {
        let fresh = participants::find(c, &holder.id)?;
        if fresh.status != CardStatus::Active {
            purchase::check_card(&card_facts(c, &fresh)?, now)?;
        }
        purchase::check_balance(fresh.balance, course.price)?;
        return Err(ErrorCode::InsufficientBalance.refusal().into());
    }
    check_finished(&vouchers::training_facts(c, &holder.id)?)?;
    if let Some(s) = &schedule
        && !courses::take_seat(c, &s.id)?
    {
        return Err(ErrorCode::ScheduleFull.refusal().into());
    }
    let row = Voucher {
        id: VoucherId::new(),
        code: VoucherCode::generate(),
        participant_id: holder.id.clone(),
        course_id: course.id.clone(),
        schedule_id: schedule.as_ref().map(|s| s.id.clone()),
        platform_id: platform.clone(),
        lpk_id: course.lpk_id.clone(),
        card_validation_id: validation.id.clone(),
        external_order_id: cmd.external_order_id.clone(),
        amount: course.price,
        balance_after: participants::find(c, &holder.id)?.balance,
        status: VoucherStatus::Issued,
        issued_at: now,
        redeemed_at: None,
        completed_at: None,
        voided_at: None,
        void_reason: None,
        score: None,
        rating: None,
        review: None,
        reviewed_at: None,
    };
    match vouchers::insert(c, &row) {
        Ok(()) => {}
        Err(e) if db::is_unique_violation(&e) => return Err(Stop::RepeatOrder),
        Err(e) => return Err(e.into()),
    }
    let v = view_by_id(c, &row.id)?;
    announce(c, &v, EventType::VoucherIssued)?;
    audit::record(
        c,
        actor,
        Event {
            action: "voucher.issue",
            target_type: "voucher",
            target_id: row.code.as_str(),
            details: serde_json::json!({"amount": row.amount, "course_code": course.course_code, "external_order_id": row.external_order_id}),
        },
    )?;
    Ok(v)
}

/// A repeated order id: the first voucher when it is the same purchase, else a conflict.
fn repeat(c: &mut DbConn, first: &Voucher, cmd: &BuyVoucher) -> Result<Purchased, Error> {
    let detail = vouchers::detail(c, &first.id)?;
    let same = first.card_validation_id == cmd.validation
        && detail.course_code == cmd.course
        && detail.schedule_code == cmd.schedule;
    if !same {
        return Err(ErrorCode::ExternalOrderIdConflict.refusal());
    }
    Ok(Purchased::Existing(view_by_id(c, &first.id)?))
}

/// The purchase, in the caller's transaction (the sandbox seed runs it inside its own).
pub(crate) fn buy(
    c: &mut DbConn,
    actor: &Actor,
    platform: &PartnerId,
    cmd: &BuyVoucher,
) -> Result<Purchased, Error> {
    let order = |c: &mut DbConn| vouchers::find_by_order(c, platform, &cmd.external_order_id);
    if let Some(first) = order(c)? {
        return repeat(c, &first, cmd);
    }
    match c.transaction(|c| issue(c, actor, platform, cmd)) {
        // The view read inside the savepoint: nothing else changes this voucher before the commit.
        Ok(v) => Ok(Purchased::Created(v)),
        // A retry that raced the first request finds the validation used, or the order id
        // taken: the first purchase is the answer.
        Err(Stop::Refused(e)) if e.code == ErrorCode::ValidationUsed => match order(c)? {
            Some(first) => repeat(c, &first, cmd),
            None => Err(e),
        },
        Err(Stop::Refused(e)) => Err(e),
        Err(Stop::RepeatOrder) => match order(c)? {
            Some(first) => repeat(c, &first, cmd),
            None => Err(Error::internal(
                "purchase",
                "unique violation without a matching order",
            )),
        },
    }
}

impl Core {
    /// Buys a voucher with a verified card validation: debits the training balance once.
    pub async fn buy_voucher(&self, call: &Call, cmd: BuyVoucher) -> Result<Purchased, Error> {
        let platform = call.platform()?;
        let actor = call.actor.clone();
        let (bought, fresh) = self
            .once_fresh(call, move |c, _| buy(c, &actor, &platform, &cmd))
            .await?;
        if let (Purchased::Created(v), true) = (&bought, fresh) {
            self.metrics.voucher(&v.platform_id, VoucherEvent::Issued);
            self.metrics.debited(&v.platform_id, v.amount);
        }
        Ok(bought)
    }
}
