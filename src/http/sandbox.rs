//! The sandbox helpers, each 404 when the sandbox is off: `GET /v1/sandbox/sms` (the messages the
//! sandbox would have sent), `POST /v1/sandbox/holders` (a fresh test holder in a chosen state) and
//! `POST /v1/sandbox/reset` (the documented test cards back as documented).

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Auth;
use super::json::Json;
use super::problem::{ApiError, Problem};
use crate::auth::scope::AnyPartner;
use crate::service::sandbox::TestCard;
use crate::service::sandbox_holders::SandboxHolder;
use crate::service::sandbox_reset::SandboxReset;
use crate::service::sandbox_sms::Sms;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SmsQuery {
    /// The recipient, any Indonesian mobile form.
    #[param(example = "081200000001", pattern = "^(\\+62|62|0)8[0-9]{8,11}$")]
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SmsList {
    /// Newest first (at most 50).
    pub data: Vec<Sms>,
}

/// The sandbox SMS outbox for a phone number (any valid token).
#[utoipa::path(
    operation_id = "listSandboxSms",
    tag = "sandbox",
    params(SmsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SmsList),
        (status = 404, description = "not_found (sandbox off)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (phone)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/sandbox/sms")]
pub async fn sms(
    _auth: Auth<AnyPartner>,
    query: web::Query<SmsQuery>,
    state: web::Data<AppState>,
) -> Result<web::Json<SmsList>, ApiError> {
    Ok(web::Json(SmsList {
        data: state.core.sandbox_sms(&query.phone).await?,
    }))
}

/// What holder to mint.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSandboxHolder {
    /// The state of one of the documented test cards (README); `active` when left out.
    #[serde(default)]
    pub state: TestCard,
}

/// Mint a fresh test holder in a documented state (any valid token): its full card number and the
/// phone its OTPs go to, for a script that must run again and again. States with a training come
/// with the voucher bought for it (sold by `sandbox-platform`, run by `sandbox-lpk`).
#[utoipa::path(
    tag = "sandbox",
    operation_id = "mintSandboxHolder",
    request_body = NewSandboxHolder,
    security(("bearer" = [])),
    responses(
        (status = 201, body = SandboxHolder),
        (status = 404, description = "not_found (sandbox off)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (state)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/sandbox/holders")]
pub async fn mint_holder(
    auth: Auth<AnyPartner>,
    body: Json<NewSandboxHolder>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = state
        .core
        .mint_sandbox_holder(&auth.call, body.state)
        .await?;
    Ok(HttpResponse::Created().json(holder))
}

/// Put the documented test cards back as the README describes them (any valid token): whatever
/// was made on them is removed and they are seeded again. Minted holders are left alone.
#[utoipa::path(
    tag = "sandbox",
    operation_id = "resetSandboxTestCards",
    security(("bearer" = [])),
    responses(
        (status = 200, body = SandboxReset),
        (status = 404, description = "not_found (sandbox off)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/sandbox/reset")]
pub async fn reset_test_cards(
    auth: Auth<AnyPartner>,
    state: web::Data<AppState>,
) -> Result<web::Json<SandboxReset>, ApiError> {
    Ok(web::Json(state.core.reset_sandbox(&auth.call).await?))
}
