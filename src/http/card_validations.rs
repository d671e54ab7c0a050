//! `/v1/card-validations`: a platform proves the holder is present with an OTP sent to their phone.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Platform;
use crate::domain::CardNumber;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::gateways::sms::otp_message;
use crate::service::card_validations::{
    self as validations, Dispatch, NewValidation, ValidationView, VerifiedValidation,
};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpBody {
    /// The 6 digits the holder received by SMS.
    #[schema(example = "123456", pattern = "^[0-9]{6}$")]
    pub otp: String,
}

/// Sends the OTP; if the carrier gateway fails, the validation stays and can be resent at once.
async fn dispatch(state: &web::Data<AppState>, d: Dispatch) -> Result<ValidationView, ApiError> {
    let message = otp_message(d.otp.as_str(), state.config.otp_ttl);
    if let Err(e) = state.sms.send(&d.phone, &message).await {
        tracing::warn!(error = %e, validation = %d.validation_id, "OTP SMS not sent");
        let id = d.validation_id.clone();
        state.db(move |c| validations::send_failed(c, &id)).await?;
        return Err(ErrorCode::SmsDeliveryFailed
            .with("The SMS could not be sent; call POST /v1/card-validations/{id}/otp/resend to retry.")
            .extra("card_validation_id", d.validation_id)
            .retry_after(5));
    }
    Ok(d.view)
}

/// Check a card for a course and send an OTP to the holder's phone.
#[utoipa::path(
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
    Platform(caller): Platform,
    body: web::Json<NewValidation>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require("cards:validate")?;
    let card = CardNumber::parse(&body.card_number)?;
    state.check_validation_rate(&caller.id)?;
    let (cipher, policy) = (state.cipher.clone(), state.config.otp_policy());
    let d = state
        .db(move |c| validations::start(c, &cipher, &policy, &caller.id, &card, &body))
        .await?;
    Ok(HttpResponse::Created().json(dispatch(&state, d).await?))
}

/// A new OTP; the previous one stops working.
#[utoipa::path(
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
    Platform(caller): Platform,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ValidationView>, ApiError> {
    caller.require("cards:validate")?;
    let id = path.into_inner();
    let (cipher, policy) = (state.cipher.clone(), state.config.otp_policy());
    let d = state
        .db(move |c| validations::resend(c, &cipher, &policy, &caller.id, &id))
        .await?;
    Ok(web::Json(dispatch(&state, d).await?))
}

/// Check the OTP the holder read out: unlocks the holder's name and balance, and the purchase.
#[utoipa::path(
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
    Platform(caller): Platform,
    path: web::Path<String>,
    body: web::Json<OtpBody>,
    state: web::Data<AppState>,
) -> Result<web::Json<VerifiedValidation>, ApiError> {
    caller.require("cards:validate")?;
    let id = path.into_inner();
    let (cipher, policy, ttl) = (
        state.cipher.clone(),
        state.config.otp_policy(),
        state.config.validation_ttl,
    );
    Ok(web::Json(
        state
            .db(move |c| validations::verify(c, &cipher, &policy, ttl, &caller.id, &id, &body.otp))
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
    Platform(caller): Platform,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ValidationView>, ApiError> {
    caller.require("cards:validate")?;
    let id = path.into_inner();
    let (cipher, policy) = (state.cipher.clone(), state.config.otp_policy());
    Ok(web::Json(
        state
            .db(move |c| validations::get(c, &cipher, &policy, &caller.id, &id))
            .await?,
    ))
}
