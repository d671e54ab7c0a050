//! The HTTP edge's rendering of the core's [`Error`]: RFC 9457 `application/problem+json` with its
//! status and `Retry-After`. Nothing below the edge knows these exist.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, ErrorCode, FieldError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The stable code an error response carries, for the access log and the refusal counter.
#[derive(Clone, Debug)]
pub struct Refused(pub String);

/// The body of every error response (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI whose anchor documents `code`.
    #[schema(example = "http://127.0.0.1:8080/errors#card_not_found")]
    pub r#type: String,
    /// Short, fixed summary of the code.
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// Stable machine code: map on this, never on text.
    #[schema(example = "card_not_found")]
    pub code: String,
    /// Field-level problems, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The id of this request (also in `X-Request-Id`): quote it to support.
    pub request_id: Option<String>,
}

/// The documentation anchor of a code, relative; the request-id layer prefixes the public URL.
pub fn type_uri(code: &str) -> String {
    format!("/errors#{code}")
}

/// The problem document of an error, without its request id (the request-id layer adds it).
pub fn body(e: &Error) -> serde_json::Value {
    let problem = Problem {
        r#type: type_uri(e.code.code()),
        title: e.code.title().into(),
        status: e.code.status(),
        detail: e.detail.clone(),
        code: e.code.code().into(),
        errors: e.errors.clone(),
        request_id: None,
    };
    let mut value = serde_json::to_value(problem).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        for (k, v) in &e.extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    value
}

/// The error every handler returns: the core's [`Error`], made an actix response here.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError(code.refusal())
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(e: validator::ValidationErrors) -> Self {
        ApiError(e.into())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(PROBLEM_JSON);
        if let Some(s) = self.0.retry_after {
            res.insert_header(("Retry-After", s.to_string()));
        }
        let mut res = res.body(body(&self.0).to_string());
        res.extensions_mut()
            .insert(Refused(self.0.code.code().to_string()));
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_body_carries_code_status_type_and_extras() {
        let body = body(
            &ErrorCode::CardNotFound
                .with("nope")
                .extra("attempts_remaining", 3),
        );
        assert_eq!(body["code"], "card_not_found");
        assert_eq!(body["status"], 404);
        assert!(
            body["type"]
                .as_str()
                .unwrap_or("")
                .ends_with("#card_not_found")
        );
        assert_eq!(body["attempts_remaining"], 3);
    }

    #[test]
    fn retry_after_becomes_a_header() {
        let res = ApiError(ErrorCode::RateLimited.refusal().retry_after(7)).error_response();
        assert_eq!(res.status(), 429);
        assert_eq!(
            res.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("7")
        );
    }
}
