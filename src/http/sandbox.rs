//! `GET /v1/sandbox/sms`: the messages the sandbox would have sent. 404 when sandbox is off.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Auth;
use super::problem::{ApiError, Problem};
use crate::auth::scope::AnyPartner;
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
