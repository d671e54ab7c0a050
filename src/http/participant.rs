//! `/v1/participant/sessions`: a holder signs in to their own dashboard with the card number and
//! the OTP sent to the card's phone. No partner token: bounded per client address instead.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::card_validations::OtpBody;
use super::limits::client_ip;
use super::problem::{ApiError, Problem};
use crate::domain::otp::Otp;
use crate::domain::{CardNumber, ChallengeId};
use crate::error::Error;
use crate::http::json::Json;
use crate::service::holder_sessions::{SessionToken, SessionView};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    #[schema(example = "5200000000000015", pattern = "^[0-9]{16}$")]
    pub card_number: String,
}

fn client(req: &HttpRequest, state: &AppState) -> Option<std::net::IpAddr> {
    client_ip(req, &state.config.server.trusted_proxies)
}

/// Sign in: an OTP goes to the card's registered phone.
#[utoipa::path(
    tag = "participant",
    operation_id = "startParticipantSession",
    request_body = NewSession,
    responses(
        (status = 201, body = SessionView),
        (status = 404, description = "card_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_card_number, validation_failed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited (per address, or the card's hourly OTP cap)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "sms_delivery_failed (start again)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/participant/sessions")]
pub async fn start(
    req: HttpRequest,
    body: Json<NewSession>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.limits.session(client(&req, &state)).await?;
    let card = CardNumber::parse(&body.card_number)?;
    let view = state.core.start_holder_session(card).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The OTP for the holder's access token (role `participant`), once.
#[utoipa::path(
    tag = "participant",
    operation_id = "verifyParticipantSession",
    request_body = OtpBody,
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = SessionToken),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "validation_locked (5th wrong OTP), otp_already_used", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "otp_expired (start a new session)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "otp_incorrect (with attempts_remaining), validation_failed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited (per address)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/participant/sessions/{id}/verify")]
pub async fn verify(
    req: HttpRequest,
    path: web::Path<String>,
    body: Json<OtpBody>,
    state: web::Data<AppState>,
) -> Result<web::Json<SessionToken>, ApiError> {
    state.limits.session_verify(client(&req, &state)).await?;
    let otp = Otp::parse(&body.otp)?;
    let id = ChallengeId::parse(&path.into_inner()).ok_or_else(|| Error::not_found("session"))?;
    Ok(web::Json(state.core.verify_holder_session(id, otp).await?))
}
