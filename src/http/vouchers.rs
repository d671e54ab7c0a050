//! `/v1/vouchers`: buying (platform), reading (seller, LPK, admin), redeeming and attendance (LPK).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::auth::Auth;
use super::pagination::{Page, PageParams};
use super::problem::{ApiError, Problem};
use crate::auth::scope::{BuyVouchers, ReadVouchers, RedeemVouchers};
use crate::domain::time::to_utc;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{CardNumber, CourseCode, ScheduleCode, ValidationId, VoucherCode};
use crate::error::{Error, ErrorCode};
use crate::http::json::Json;
use crate::page::CursorKind;
use crate::service::purchase::{BuyVoucher, Purchased};
use crate::service::vouchers::{AttendSession, Filter, HolderProof, Redeem, VoucherView};
use crate::state::AppState;

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

impl TryFrom<NewVoucher> for BuyVoucher {
    type Error = Error;

    fn try_from(body: NewVoucher) -> Result<Self, Error> {
        body.validate()?;
        let mismatch = || ErrorCode::ValidationMismatch.refusal();
        Ok(BuyVoucher {
            validation: ValidationId::parse(&body.card_validation_id)
                .ok_or_else(|| Error::not_found("card validation"))?,
            course: CourseCode::parse(&body.course_code).ok_or_else(mismatch)?,
            schedule: body
                .schedule_code
                .map(|s| ScheduleCode::parse(&s).ok_or_else(mismatch))
                .transpose()?,
            external_order_id: body.external_order_id,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemBody {
    /// The holder's card number, checked against the voucher's.
    #[schema(example = "5200000000000015", pattern = "^[0-9]{16}$")]
    pub card_number: String,
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VoucherFilter {
    pub status: Option<VoucherStatus>,
    pub course_code: Option<String>,
    /// Issued at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<DateTime<FixedOffset>>,
}

impl VoucherFilter {
    fn parse(self) -> Result<Filter, Error> {
        let asked = self
            .course_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let course_code = asked.and_then(CourseCode::parse);
        Ok(Filter {
            status: self.status,
            // A code no course can have matches no voucher: an empty page, not an error.
            no_such_course: asked.is_some() && course_code.is_none(),
            course_code,
            since: self.since.map(to_utc),
        })
    }
}

fn code(path: web::Path<String>) -> Result<VoucherCode, Error> {
    VoucherCode::parse(&path.into_inner())
}

/// Buy a voucher with a verified card validation: debits the training balance.
#[utoipa::path(
    operation_id = "buyVoucher",
    tag = "buying",
    request_body = NewVoucher,
    security(("bearer" = [])),
    responses(
        (status = 201, body = VoucherView),
        (status = 200, description = "this external_order_id was already bought with this validation: the first voucher", body = VoucherView),
        (status = 404, description = "not_found (validation)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "validation_not_verified, validation_used, validation_locked, card_frozen, card_revoked, purchase_deadline_passed, training_in_progress, schedule_full, insufficient_balance, external_order_id_conflict", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "validation_expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_mismatch, course_not_available, schedule_not_available, validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/vouchers")]
pub async fn buy(
    auth: Auth<BuyVouchers>,
    body: Json<NewVoucher>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cmd = BuyVoucher::try_from(body.into_inner())?;
    Ok(match state.core.buy_voucher(&auth.call, cmd).await? {
        Purchased::Created(v) => HttpResponse::Created().json(v),
        Purchased::Existing(v) => HttpResponse::Ok().json(v),
    })
}

/// A voucher: visible to the platform that sold it, the LPK that runs it, and admin.
#[utoipa::path(
    operation_id = "getVoucher",
    tag = "vouchers",
    params(("code" = String, Path, description = "with or without dashes, any case", pattern = "^[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = VoucherView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_voucher_code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/vouchers/{code}")]
pub async fn get(
    auth: Auth<ReadVouchers>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<VoucherView>, ApiError> {
    let code = code(path)?;
    Ok(web::Json(state.core.voucher(&auth.call, code).await?))
}

/// Vouchers you sold (platform), run (LPK), or all (admin), newest first.
#[utoipa::path(
    operation_id = "listVouchers",
    tag = "vouchers",
    params(PageParams, VoucherFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<VoucherView>),
        (status = 400, description = "invalid_cursor, malformed_query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (limit)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/vouchers")]
pub async fn list(
    auth: Auth<ReadVouchers>,
    page: web::Query<PageParams>,
    query: web::Query<VoucherFilter>,
    state: web::Data<AppState>,
) -> Result<web::Json<Page<VoucherView>>, ApiError> {
    let req = page.parse(CursorKind::Time)?;
    let filter = query.into_inner().parse()?;
    Ok(web::Json(
        state.core.vouchers(&auth.call, filter, req).await?.into(),
    ))
}

/// Redeem a voucher the holder brought (LPK): `issued` → `redeemed`.
#[utoipa::path(
    operation_id = "redeemVoucher",
    tag = "training",
    request_body = RedeemBody,
    params(("code" = String, Path, pattern = "^[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = VoucherView),
        (status = 404, description = "not_found (not your course's voucher)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "voucher_already_redeemed, voucher_voided, outside_redeem_window", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "card_mismatch, invalid_card_number, invalid_voucher_code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/vouchers/{code}/redeem")]
pub async fn redeem(
    auth: Auth<RedeemVouchers>,
    path: web::Path<String>,
    body: Json<RedeemBody>,
    state: web::Data<AppState>,
) -> Result<web::Json<VoucherView>, ApiError> {
    let cmd = Redeem {
        code: code(path)?,
        proof: HolderProof::Card(CardNumber::parse(&body.card_number)?),
    };
    Ok(web::Json(state.core.redeem_voucher(&auth.call, cmd).await?))
}

/// Report a session (1..sessions) or the post-test (999); repeating a sequence changes nothing.
#[utoipa::path(
    operation_id = "recordAttendance",
    tag = "training",
    request_body = NewAttendance,
    params(("code" = String, Path, pattern = "^[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = VoucherView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "voucher_not_redeemed, voucher_voided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (sequence, attended_at), invalid_voucher_code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/vouchers/{code}/attendance")]
pub async fn attendance(
    auth: Auth<RedeemVouchers>,
    path: web::Path<String>,
    body: Json<NewAttendance>,
    state: web::Data<AppState>,
) -> Result<web::Json<VoucherView>, ApiError> {
    let cmd = AttendSession {
        code: code(path)?,
        sequence: body.sequence,
        attended_at: to_utc(body.attended_at),
    };
    Ok(web::Json(
        state.core.record_attendance(&auth.call, cmd).await?,
    ))
}
