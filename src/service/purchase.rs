//! Buying a voucher: one transaction consumes the verified validation, re-checks the card, takes a
//! seat and debits the balance by conditional updates, and records the voucher, its audit event and
//! its outbox events. Any refusal rolls all of it back.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::db::card_validations as validations;
use crate::db::courses::{self, Viewer};
use crate::db::vouchers::{self, VoucherRow};
use crate::db::{self, DbConn, participants, write_tx};
use crate::domain::VoucherCode;
use crate::domain::participant::CardStatus;
use crate::domain::purchase;
use crate::domain::voucher::VoucherStatus;
use crate::error::{ApiError, ErrorCode};
use crate::service::audit::{self, Actor, Event};
use crate::service::card_validations::{card_facts, schedule_facts, stage};
use crate::service::vouchers::{VoucherView, announce, view_by_id};

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVoucher {
    /// A verified card validation, used once.
    #[schema(format = Uuid)]
    pub card_validation_id: String,
    /// Must be the validated course.
    #[schema(example = "CRS-4Q8ZK2MX", pattern = "^CRS-[2-9A-HJ-NP-Z]{8}$")]
    pub course_code: String,
    /// Must be the validated schedule.
    #[schema(pattern = "^SCH-[2-9A-HJ-NP-Z]{8}$")]
    pub schedule_code: Option<String>,
    /// Your order id, unique per platform: sending it again returns the first voucher.
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "ORDER-2026-000123", min_length = 1, max_length = 100)]
    pub external_order_id: String,
}

/// A new voucher, or the one an earlier request with the same `external_order_id` created.
pub enum Purchased {
    Created(VoucherView),
    Existing(VoucherView),
}

/// Why a purchase transaction stopped: a refusal, or a repeat order found at insert time.
enum Stop {
    Refused(ApiError),
    RepeatOrder,
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Self {
        Stop::Refused(e)
    }
}

impl From<diesel::result::Error> for Stop {
    fn from(e: diesel::result::Error) -> Self {
        Stop::Refused(e.into())
    }
}

fn same_code(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

pub fn purchase(
    conn: &mut DbConn,
    actor: &Actor,
    platform_id: &str,
    input: &NewVoucher,
) -> Result<Purchased, ApiError> {
    input.validate()?;
    if let Some(first) = vouchers::find_by_order(conn, platform_id, &input.external_order_id)? {
        return Ok(Purchased::Existing(view_by_id(conn, &first.id)?));
    }
    let outcome = write_tx(conn, |c| -> Result<String, Stop> {
        let now = db::now();
        let validation = validations::find_for_platform(c, &input.card_validation_id, platform_id)?
            .ok_or_else(|| ApiError::not_found("card validation"))?;
        stage(&validation).check_buyable(now)?;
        let course = courses::find_course(c, &validation.course_id)?;
        let schedule = validation
            .schedule_id
            .as_deref()
            .map(|id| courses::find_schedule(c, id))
            .transpose()?;
        let schedule_matches = match (&schedule, &input.schedule_code) {
            (None, None) => true,
            (Some(s), Some(code)) => same_code(&s.schedule_code, code),
            _ => false,
        };
        if !same_code(&course.course_code, &input.course_code) || !schedule_matches {
            return Err(ErrorCode::ValidationMismatch
                .with("course_code and schedule_code must be the ones the card was validated for.")
                .into());
        }
        // Still sold by this platform (management may have acted since the validation).
        courses::find_visible(c, &Viewer::Platform(platform_id), &course.course_code)?.ok_or_else(
            || ErrorCode::CourseNotAvailable.with("The course is no longer sold by your platform."),
        )?;
        if !validations::mark_used(c, &validation.id, now)? {
            return Err(ErrorCode::ValidationUsed
                .with("This validation already bought a voucher.")
                .into());
        }

        let holder = participants::find(c, &validation.participant_id)?;
        let mut facts = card_facts(c, &holder)?;
        facts.has_unfinished_training = false; // checked again below, once the card is locked
        purchase::check_card(&facts, now)?;
        if let Some(s) = &schedule {
            purchase::check_schedule(&schedule_facts(s), now)?;
        }
        // The debit takes the card's row lock: concurrent purchases on one card queue here, and
        // each sees the vouchers committed before it.
        if !participants::debit(c, &holder.id, course.price, now)? {
            let fresh = participants::find(c, &holder.id)?;
            if CardStatus::from_db(&fresh.status) != CardStatus::Active {
                purchase::check_card(&card_facts(c, &fresh)?, now)?;
            }
            return Err(Stop::Refused(
                purchase::check_balance(fresh.balance, course.price)
                    .err()
                    .unwrap_or_else(|| {
                        ErrorCode::InsufficientBalance.with("The balance does not cover the price.")
                    }),
            ));
        }
        if vouchers::has_unfinished(c, &holder.id)? {
            return Err(ErrorCode::TrainingInProgress
                .with("The holder has a training that is not finished yet.")
                .into());
        }
        if let Some(s) = &schedule
            && !courses::take_seat(c, &s.id)?
        {
            return Err(ErrorCode::ScheduleFull
                .with("The schedule has no seat left.")
                .into());
        }
        let balance_after = participants::find(c, &holder.id)?.balance;
        let row = VoucherRow {
            id: uuid::Uuid::now_v7().to_string(),
            code: VoucherCode::generate().as_str().to_string(),
            participant_id: holder.id.clone(),
            course_id: course.id.clone(),
            schedule_id: schedule.as_ref().map(|s| s.id.clone()),
            platform_id: platform_id.into(),
            lpk_id: course.lpk_id.clone(),
            card_validation_id: validation.id.clone(),
            external_order_id: input.external_order_id.clone(),
            amount: course.price,
            balance_after,
            status: VoucherStatus::Issued.as_str().into(),
            issued_at: now,
            redeemed_at: None,
            completed_at: None,
            voided_at: None,
            void_reason: None,
        };
        match vouchers::insert(c, &row) {
            Ok(()) => {}
            Err(e) if db::is_unique_violation(&e) => return Err(Stop::RepeatOrder),
            Err(e) => return Err(e.into()),
        }
        audit::record(
            c,
            actor,
            Event {
                action: "voucher.issue",
                target_type: "voucher",
                target_id: &row.code,
                details: serde_json::json!({"amount": row.amount, "course_code": course.course_code, "external_order_id": row.external_order_id}),
            },
        )?;
        let v = view_by_id(c, &row.id)?;
        announce(c, &v, "voucher.issued")?;
        Ok(row.id)
    });
    match outcome {
        Ok(id) => Ok(Purchased::Created(view_by_id(conn, &id)?)),
        // A retry that raced the first request finds the validation used: the order is the answer.
        Err(Stop::Refused(e)) if e.code == ErrorCode::ValidationUsed => {
            match vouchers::find_by_order(conn, platform_id, &input.external_order_id)? {
                Some(first) => Ok(Purchased::Existing(view_by_id(conn, &first.id)?)),
                None => Err(e),
            }
        }
        Err(Stop::Refused(e)) => Err(e),
        // Another request with this order id won the race: answer with its voucher.
        Err(Stop::RepeatOrder) => {
            match vouchers::find_by_order(conn, platform_id, &input.external_order_id)? {
                Some(first) => Ok(Purchased::Existing(view_by_id(conn, &first.id)?)),
                None => Err(ApiError::internal(
                    "purchase",
                    "unique violation without a matching order",
                )),
            }
        }
    }
}
