//! `/v1/vouchers`: buying (platform), reading (seller, LPK, admin), redeeming and attendance (LPK).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AnyCaller, Caller, Lpk, Platform, Role};
use crate::db::courses::Viewer;
use crate::db::vouchers::Filter;
use crate::domain::time::to_utc;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{CardNumber, VoucherCode};
use crate::error::{ApiError, Problem};
use crate::http::pagination::{Page, PageParams, encode_time_cursor};
use crate::service::audit::Actor;
use crate::service::purchase::{self, NewVoucher, Purchased};
use crate::service::vouchers::{self, NewAttendance, VoucherView};
use crate::state::AppState;

fn viewer(caller: &Caller) -> Viewer<'_> {
    match caller.role {
        Role::Platform => Viewer::Platform(&caller.id),
        Role::Lpk => Viewer::Lpk(&caller.id),
        _ => Viewer::Admin,
    }
}

/// Buy a voucher with a verified card validation: debits the training balance.
#[utoipa::path(
    tag = "buying",
    request_body = NewVoucher,
    security(("bearer" = [])),
    responses(
        (status = 201, body = VoucherView),
        (status = 200, description = "this external_order_id was already bought: the first voucher", body = VoucherView),
        (status = 404, description = "not_found (validation)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "validation_not_verified, validation_used, validation_locked, card_frozen, card_revoked, purchase_deadline_passed, training_in_progress, schedule_full, insufficient_balance", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "validation_expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_mismatch, course_not_available, schedule_not_available, validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/vouchers")]
pub async fn buy(
    Platform(caller): Platform,
    body: web::Json<NewVoucher>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require("vouchers:write")?;
    let outcome = state
        .db(move |c| purchase::purchase(c, &Actor::from(&caller), &caller.id, &body))
        .await?;
    Ok(match outcome {
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
    AnyCaller(caller): AnyCaller,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<VoucherView>, ApiError> {
    caller.require("vouchers:read")?;
    let code = VoucherCode::parse(&path.into_inner())?;
    Ok(web::Json(
        state
            .db(move |c| vouchers::get(c, &viewer(&caller), &code))
            .await?,
    ))
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
    AnyCaller(caller): AnyCaller,
    page: web::Query<PageParams>,
    query: web::Query<VoucherFilter>,
    state: web::Data<AppState>,
) -> Result<web::Json<Page<VoucherView>>, ApiError> {
    caller.require("vouchers:read")?;
    let (limit, before) = (page.limit()?, page.time_cursor()?);
    let q = query.into_inner();
    let filter = Filter {
        status: q.status,
        course_code: q
            .course_code
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty()),
        since: q.since.map(to_utc),
    };
    let (data, next) = state
        .db(move |c| vouchers::list(c, &viewer(&caller), &filter, before, limit))
        .await?;
    Ok(web::Json(Page {
        data,
        next_cursor: next.map(|(at, id)| encode_time_cursor(at, &id)),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemBody {
    /// The holder's card number, checked against the voucher's.
    #[schema(example = "5200000000000015", pattern = "^[0-9]{16}$")]
    pub card_number: String,
}

/// Redeem a voucher the holder brought (LPK): `issued` → `redeemed`.
#[utoipa::path(
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
    Lpk(caller): Lpk,
    path: web::Path<String>,
    body: web::Json<RedeemBody>,
    state: web::Data<AppState>,
) -> Result<web::Json<VoucherView>, ApiError> {
    caller.require("vouchers:redeem")?;
    let code = VoucherCode::parse(&path.into_inner())?;
    let card = CardNumber::parse(&body.card_number)?;
    Ok(web::Json(
        state
            .db(move |c| vouchers::redeem(c, &Actor::from(&caller), &caller.id, &code, &card))
            .await?,
    ))
}

/// Report a session (1..sessions) or the post-test (999); repeating a sequence changes nothing.
#[utoipa::path(
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
    Lpk(caller): Lpk,
    path: web::Path<String>,
    body: web::Json<NewAttendance>,
    state: web::Data<AppState>,
) -> Result<web::Json<VoucherView>, ApiError> {
    caller.require("vouchers:redeem")?;
    let code = VoucherCode::parse(&path.into_inner())?;
    Ok(web::Json(
        state
            .db(move |c| vouchers::attend(c, &Actor::from(&caller), &caller.id, &code, &body))
            .await?,
    ))
}
