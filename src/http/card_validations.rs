//! `/v1/card-validations`: a platform proves the holder is present with an OTP sent to their phone.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Auth;
use super::problem::{ApiError, Problem};
use crate::auth::scope::ValidateCards;
use crate::domain::otp::Otp;
use crate::domain::{CardNumber, CourseCode, ScheduleCode, ValidationId};
use crate::error::{Error, ErrorCode};
use crate::http::json::Json;
use crate::service::card_validations::{StartValidation, ValidationView, VerifiedValidation};
use crate::state::AppState;

/// Start a validation: the card the holder gave at checkout, and what they want to buy.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewValidation {
    #[schema(example = "5200000000000015", pattern = "^[0-9]{16}$")]
    pub card_number: String,
    #[schema(example = "CRS-4Q8ZK2MX", pattern = "^CRS-[2-9A-HJ-NP-Z]{8}$")]
    pub course_code: String,
    /// Required when the course runs on schedules.
    #[schema(pattern = "^SCH-[2-9A-HJ-NP-Z]{8}$")]
    pub schedule_code: Option<String>,
}

impl TryFrom<NewValidation> for StartValidation {
    type Error = Error;

    fn try_from(body: NewValidation) -> Result<Self, Error> {
        Ok(StartValidation {
            card: CardNumber::parse(&body.card_number)?,
            course: CourseCode::parse(&body.course_code)
                .ok_or_else(|| ErrorCode::CourseNotAvailable.refusal())?,
            schedule: body
                .schedule_code
                .map(|s| {
                    ScheduleCode::parse(&s).ok_or_else(|| ErrorCode::ScheduleNotAvailable.refusal())
                })
                .transpose()?,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpBody {
    /// The 6 digits the holder received by SMS.
    #[schema(example = "123456", pattern = "^[0-9]{6}$")]
    pub otp: String,
}

/// An unknown or malformed validation id is simply not found.
fn validation_id(path: web::Path<String>) -> Result<ValidationId, Error> {
    ValidationId::parse(&path.into_inner()).ok_or_else(|| Error::not_found("card validation"))
}

/// Check a card for a course and send an OTP to the holder's phone.
#[utoipa::path(
    operation_id = "createCardValidation",
    tag = "buying",
    request_body = NewValidation,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ValidationView),
        (status = 404, description = "card_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "card_frozen, card_revoked, purchase_deadline_passed, training_in_progress, schedule_full, insufficient_balance", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_card_number, course_not_available, schedule_required, schedule_not_available, validation_failed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited (per card or per platform)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "sms_delivery_failed (resend to retry)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/card-validations")]
pub async fn start(
    auth: Auth<ValidateCards>,
    body: Json<NewValidation>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cmd = StartValidation::try_from(body.into_inner())?;
    state.limits.validation(auth.call.who().id()).await?;
    let view = state.core.start_card_validation(&auth.call, cmd).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A new OTP; the previous one stops working.
#[utoipa::path(
    operation_id = "resendCardValidationOtp",
    tag = "buying",
    params(("id" = String, Path, format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ValidationView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "validation_not_pending, validation_locked", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "otp_resend_too_soon, otp_resend_limit, rate_limited", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "sms_delivery_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/card-validations/{id}/otp/resend")]
pub async fn resend(
    auth: Auth<ValidateCards>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ValidationView>, ApiError> {
    let id = validation_id(path)?;
    Ok(web::Json(state.core.resend_otp(&auth.call, id).await?))
}

/// Check the OTP the holder read out: unlocks the holder's name and balance, and the purchase.
#[utoipa::path(
    operation_id = "verifyCardValidation",
    tag = "buying",
    request_body = OtpBody,
    params(("id" = String, Path, format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = VerifiedValidation),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "validation_locked (5th wrong OTP), validation_used, validation_not_pending", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "otp_expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "otp_incorrect (with attempts_remaining), validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/card-validations/{id}/verify")]
pub async fn verify(
    auth: Auth<ValidateCards>,
    path: web::Path<String>,
    body: Json<OtpBody>,
    state: web::Data<AppState>,
) -> Result<web::Json<VerifiedValidation>, ApiError> {
    let otp = Otp::parse(&body.otp)?;
    let id = validation_id(path)?;
    Ok(web::Json(
        state
            .core
            .verify_card_validation(&auth.call, id, otp)
            .await?,
    ))
}

/// A validation's status: `otp_sent`, `verified`, `used`, `locked` or `expired`.
#[utoipa::path(
    operation_id = "getCardValidation",
    tag = "buying",
    params(("id" = String, Path, format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ValidationView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/card-validations/{id}")]
pub async fn get(
    auth: Auth<ValidateCards>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ValidationView>, ApiError> {
    let id = validation_id(path)?;
    Ok(web::Json(state.core.card_validation(&auth.call, id).await?))
}
