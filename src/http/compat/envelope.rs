//! The answers of the Prakerja-compatible endpoints: Prakerja's envelope
//! `{"success", "message", "data"}` instead of problem+json, because the clients being moved here
//! parse that envelope. A refusal still carries the API's stable code, in `data.code`.

use actix_web::body::{BoxBody, to_bytes_limited};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, ErrorCode, FieldError};
use crate::http::problem::Refused;

/// Every path under this prefix answers in the envelope, whatever layer answers.
pub const PREFIX: &str = "/api/v1/integration/";

/// Whether a request's answer goes in the envelope.
pub fn serves(path: &str) -> bool {
    path.starts_with(PREFIX)
}

/// Marks a response already in the envelope, so the request-id layer leaves it alone.
#[derive(Clone, Copy)]
struct Enveloped;

/// Prakerja's answer envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T: ToSchema> {
    pub success: bool,
    /// For people; programs map on `data.code` when `success` is false.
    pub message: String,
    pub data: T,
}

/// `data` of a refusal.
#[derive(Debug, Serialize, ToSchema)]
pub struct Refusal {
    /// The stable code, as the rest of the API names it (`/errors`): map on this, never on text.
    #[schema(example = "voucher_already_redeemed")]
    pub code: String,
    /// Field-level problems, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The HTTP status of a refusal here: 401 for anything about who signed, 404 for a voucher that
/// is not there (or not this LPK's, or a code no voucher can have), 422 for every rule's refusal
/// (the `/v1` endpoints answer some of those 409 or 410); shape, size, rate and server errors keep
/// their own.
fn status_of(code: ErrorCode) -> u16 {
    match code.status() {
        _ if code == ErrorCode::InvalidVoucherCode => 404,
        s @ (400 | 401 | 403 | 404 | 405 | 413 | 415 | 429) => s,
        s if s >= 500 => s,
        _ => 422,
    }
}

fn respond(status: u16, body: String, retry_after: Option<u64>) -> HttpResponse {
    respond_as(status, body, retry_after, None)
}

fn respond_as(
    status: u16,
    body: String,
    retry_after: Option<u64>,
    code: Option<&str>,
) -> HttpResponse {
    let mut res = HttpResponse::build(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    res.content_type("application/json");
    if let Some(s) = retry_after {
        res.insert_header(("Retry-After", s.to_string()));
    }
    let mut res = res.body(body);
    res.extensions_mut().insert(Enveloped);
    if let Some(code) = code {
        res.extensions_mut().insert(Refused(code.to_string()));
    }
    res
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| {
        r#"{"success":false,"message":"internal error","data":{"code":"internal_error"}}"#.into()
    })
}

/// A success: 200 with `data`.
pub fn ok<T: Serialize + ToSchema>(message: &str, data: T) -> HttpResponse {
    let body = Envelope {
        success: true,
        message: message.into(),
        data,
    };
    respond(200, json(&body), None)
}

fn refusal_body(code: &str, message: &str, errors: Vec<FieldError>) -> String {
    json(&Envelope {
        success: false,
        message: message.into(),
        data: Refusal {
            code: code.into(),
            errors,
        },
    })
}

/// A refusal or failure of the core, answered in the envelope.
#[derive(Debug)]
pub struct CompatError(pub Error);

impl From<Error> for CompatError {
    fn from(e: Error) -> Self {
        CompatError(e)
    }
}

impl std::fmt::Display for CompatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for CompatError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(status_of(self.0.code)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let e = &self.0;
        let body = refusal_body(e.code.code(), &e.detail, e.errors.clone());
        respond_as(status_of(e.code), body, e.retry_after, Some(e.code.code()))
    }
}

/// An error answered under [`PREFIX`] by another layer (an unknown path or method, a refused
/// body), whose problem+json is restated in the envelope with the same status and code.
pub async fn restate(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    if res.response().extensions().get::<Enveloped>().is_some() {
        return res;
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let problem = match to_bytes_limited(body, 64 * 1024).await {
        Ok(Ok(bytes)) => serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    let text = |member: &str, otherwise: &str| {
        problem[member]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| otherwise.to_string())
    };
    let code = text("code", ErrorCode::BadRequest.code());
    let body = refusal_body(
        &code,
        &text("detail", ErrorCode::BadRequest.title()),
        Vec::new(),
    );
    let mut head = head;
    head.extensions_mut().insert(Refused(code));
    head.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    ServiceResponse::new(req, head.set_body(BoxBody::new(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_refusals_are_422_and_who_and_what_keep_401_and_404() {
        assert_eq!(status_of(ErrorCode::VoucherAlreadyRedeemed), 422);
        assert_eq!(status_of(ErrorCode::OutsideRedeemWindow), 422);
        assert_eq!(status_of(ErrorCode::ValidationFailed), 422);
        assert_eq!(status_of(ErrorCode::InvalidSignature), 401);
        assert_eq!(status_of(ErrorCode::NotFound), 404);
        assert_eq!(status_of(ErrorCode::InvalidVoucherCode), 404);
        assert_eq!(status_of(ErrorCode::MalformedJson), 400);
        assert_eq!(status_of(ErrorCode::RateLimited), 429);
        assert_eq!(status_of(ErrorCode::Internal), 500);
    }
}
