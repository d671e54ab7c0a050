//! Errors, and which layer owns which.
//!
//! - `domain/*` validates values and rules and returns [`ApiError`] built from an [`ErrorCode`]:
//!   the code is the contract with partners, so the rule that refuses decides the code, in one place.
//! - `db/*` returns `diesel::result::Error`; `?` turns it into [`ApiError`] here (`NotFound` is 404,
//!   anything else is a logged 500 whose detail never leaks SQL).
//! - `service/*` joins both and returns [`ApiError`].
//! - `http/*` only propagates; [`ApiError`] renders itself as RFC 9457 `application/problem+json`.
//!   The `request_id` member is filled in by the request-id middleware, which sees every response.
//!
//! Every code is listed once in [`ErrorCode`], with its status and title; `GET /errors` renders that
//! list as the documentation page the `type` URI of each problem points to.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

macro_rules! error_codes {
    ($($variant:ident => ($status:literal, $code:literal, $title:literal)),+ $(,)?) => {
        /// Every stable machine code the API can answer with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];
            /// The wire code partners map on.
            pub fn code(self) -> &'static str { match self { $(ErrorCode::$variant => $code),+ } }
            pub fn status(self) -> u16 { match self { $(ErrorCode::$variant => $status),+ } }
            pub fn title(self) -> &'static str { match self { $(ErrorCode::$variant => $title),+ } }
        }
    };
}

error_codes! {
    // Request shape
    ValidationFailed => (422, "validation_failed", "The request has invalid fields"),
    MalformedJson => (400, "malformed_json", "The request body is not valid JSON for this endpoint"),
    MalformedQuery => (400, "malformed_query", "The query string is not valid for this endpoint"),
    MalformedPath => (404, "not_found", "Not found"),
    UnsupportedMediaType => (415, "unsupported_media_type", "The request content type is not supported"),
    PayloadTooLarge => (413, "payload_too_large", "The request body is too large"),
    MethodNotAllowed => (405, "method_not_allowed", "The method is not allowed on this resource"),
    NotFound => (404, "not_found", "Not found"),
    BadRequest => (400, "bad_request", "The request could not be understood"),
    InvalidCursor => (400, "invalid_cursor", "The pagination cursor is not valid"),
    // Auth
    InvalidClient => (401, "invalid_client", "Client authentication failed"),
    InvalidGrant => (400, "unsupported_grant_type", "Only the client_credentials grant is supported"),
    InvalidScope => (400, "invalid_scope", "The requested scope is not granted to this client"),
    InvalidToken => (401, "invalid_token", "The access token is missing, malformed, expired or not ours"),
    Forbidden => (403, "forbidden", "This role may not call this endpoint"),
    RateLimited => (429, "rate_limited", "Too many requests"),
    // Idempotency
    InvalidIdempotencyKey => (400, "invalid_idempotency_key", "The Idempotency-Key header must be 1-255 visible ASCII characters"),
    IdempotencyKeyReused => (422, "idempotency_key_reused", "This Idempotency-Key was used with a different request"),
    IdempotencyInProgress => (409, "idempotency_in_progress", "A request with this Idempotency-Key is still running"),
    // Participants
    InvalidCardNumber => (422, "invalid_card_number", "The card number is not a valid 16-digit card number"),
    CardNotFound => (404, "card_not_found", "No card has this number"),
    IneligibleAge => (422, "ineligible_age", "The holder is younger than 18"),
    FamilyQuotaReached => (409, "family_quota_reached", "This family card already has 2 holders"),
    AlreadyRegistered => (409, "already_registered", "This NIK already holds a card"),
    InvalidTransition => (409, "invalid_status_transition", "The card cannot move to that status from its current one"),
    // Catalog
    UnknownPlatform => (422, "unknown_platform", "A platform id does not name a registered digital platform"),
    CourseNotReviewable => (409, "course_already_reviewed", "The course has already been reviewed"),
    CourseRejected => (409, "course_rejected", "A rejected course cannot get schedules"),
    // Buying
    CardFrozen => (409, "card_frozen", "The card is frozen by program management"),
    CardRevoked => (409, "card_revoked", "The card is revoked"),
    PurchaseDeadlinePassed => (409, "purchase_deadline_passed", "The first training was not bought within 30 days of passing"),
    TrainingInProgress => (409, "training_in_progress", "The holder must finish the current training before buying the next"),
    CourseNotAvailable => (422, "course_not_available", "The course is not approved or not sold by this platform"),
    ScheduleRequired => (422, "schedule_required", "This course runs on schedules: name one with schedule_code"),
    ScheduleNotAvailable => (422, "schedule_not_available", "The schedule is not one of this course's open runs"),
    ScheduleFull => (409, "schedule_full", "The schedule has no seat left"),
    InsufficientBalance => (409, "insufficient_balance", "The training balance does not cover the price"),
    SmsDeliveryFailed => (502, "sms_delivery_failed", "The OTP SMS could not be handed to the carrier"),
    OtpResendTooSoon => (429, "otp_resend_too_soon", "Wait before asking for another OTP"),
    OtpResendLimit => (429, "otp_resend_limit", "No more OTP resends for this validation"),
    OtpIncorrect => (422, "otp_incorrect", "The OTP is wrong"),
    OtpExpired => (410, "otp_expired", "The OTP has expired; ask for a new one"),
    ValidationLocked => (409, "validation_locked", "Too many wrong OTPs: this validation is locked"),
    ValidationNotPending => (409, "validation_not_pending", "This validation is no longer waiting for an OTP"),
    ValidationNotVerified => (409, "validation_not_verified", "The card validation has not been verified with its OTP"),
    ValidationUsed => (409, "validation_used", "The card validation was already used for a voucher"),
    ValidationExpired => (410, "validation_expired", "The verified card validation is too old; validate again"),
    ValidationMismatch => (422, "validation_mismatch", "The course or schedule differs from the validated one"),
    // Vouchers
    InvalidVoucherCode => (422, "invalid_voucher_code", "The voucher code is malformed or its check character is wrong"),
    CardMismatch => (422, "card_mismatch", "The card number is not the voucher's"),
    VoucherAlreadyRedeemed => (409, "voucher_already_redeemed", "The voucher was already redeemed"),
    VoucherVoided => (409, "voucher_voided", "The voucher was voided"),
    VoucherNotRedeemed => (409, "voucher_not_redeemed", "The voucher has not been redeemed yet"),
    VoucherNotVoidable => (409, "voucher_not_voidable", "Only an issued, unredeemed voucher can be voided"),
    OutsideRedeemWindow => (409, "outside_redeem_window", "A scheduled course is redeemed from 1 hour before its start to its end"),
    // Sandbox
    SandboxDisabled => (404, "not_found", "Not found"),
    // Server
    Internal => (500, "internal_error", "Something went wrong on our side"),
    Unavailable => (503, "service_unavailable", "The service cannot serve requests right now"),
}

/// One field-level problem, as in `errors[]`.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The JSON field (dotted path for nested fields, `items[3].score` for arrays).
    pub field: String,
    /// A stable snake_case code for this field's problem.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

/// The error every endpoint returns: rendered as RFC 9457 problem+json.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds, for 429 and 503: sent as `Retry-After`.
    pub retry_after: Option<u64>,
    /// Extra members specific to the code (e.g. `attempts_remaining`).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

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

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The documentation anchor of a code, relative; the request-id layer prefixes the public URL.
pub fn type_uri(code: &str) -> String {
    format!("/errors#{code}")
}

impl ErrorCode {
    /// An error with this code and a request-specific detail.
    pub fn with(self, detail: impl Into<String>) -> ApiError {
        ApiError {
            code: self,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            extra: Default::default(),
        }
    }
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = ErrorCode::ValidationFailed.with("One or more fields are invalid; see errors.");
        e.errors = errors;
        e
    }

    /// One invalid field, with its own code.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }])
    }

    pub fn not_found(what: &str) -> Self {
        ErrorCode::NotFound.with(format!("No {what} with that identifier is visible to you."))
    }

    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(context, error = %err, "internal error");
        ErrorCode::Internal.with("An internal error occurred; quote the request_id to support.")
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn extra(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Requests refused for their shape are not stored by the idempotency layer.
    pub fn is_request_shape_error(&self) -> bool {
        matches!(
            self.code,
            ErrorCode::ValidationFailed
                | ErrorCode::MalformedJson
                | ErrorCode::MalformedQuery
                | ErrorCode::UnsupportedMediaType
                | ErrorCode::PayloadTooLarge
                | ErrorCode::InvalidCardNumber
        )
    }

    pub fn body(&self) -> serde_json::Value {
        let problem = Problem {
            r#type: type_uri(self.code.code()),
            title: self.code.title().into(),
            status: self.code.status(),
            detail: self.detail.clone(),
            code: self.code.code().into(),
            errors: self.errors.clone(),
            request_id: None,
        };
        let mut value = serde_json::to_value(problem).unwrap_or_default();
        if let Some(obj) = value.as_object_mut() {
            for (k, v) in &self.extra {
                obj.insert(k.clone(), v.clone());
            }
        }
        value
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.code(), self.detail)
    }
}

/// Marks a response the idempotency layer must not store (the request never reached the rules).
#[derive(Clone, Copy)]
pub struct DoNotStore;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(PROBLEM_JSON);
        if let Some(s) = self.retry_after {
            res.insert_header(("Retry-After", s.to_string()));
        }
        let mut res = res.body(self.body().to_string());
        if self.is_request_shape_error() || self.code.status() >= 500 || self.code.status() == 429 {
            res.extensions_mut().insert(DoNotStore);
        }
        res
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => ApiError::not_found("resource"),
            // PostgreSQL text cannot hold NUL; SQLite can. Either way it is the caller's input.
            diesel::result::Error::DatabaseError(_, info) if info.message().contains("0x00") => {
                ApiError::field(
                    "body",
                    "nul_character",
                    "Text fields may not contain the NUL character.",
                )
            }
            other => ApiError::internal("database", other),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::error!(error = %e, "database pool exhausted or unreachable");
        ErrorCode::Unavailable
            .with("The database is not reachable right now; retry shortly.")
            .retry_after(1)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal("blocking pool", e)
    }
}

/// Turns `validator` errors into `errors[]`, with the validator's code per field.
impl From<validator::ValidationErrors> for ApiError {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        collect(&errs, "", &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::validation(out)
    }
}

fn collect(errs: &validator::ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind as K;
    for (field, kind) in errs.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            K::Field(list) => out.extend(list.iter().map(|e| {
                FieldError {
                    field: path.clone(),
                    code: e.code.to_string(),
                    message: e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| format!("{path} is invalid ({})", e.code)),
                }
            })),
            K::Struct(inner) => collect(inner, &path, out),
            K::List(items) => {
                for (i, inner) in items {
                    collect(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_snake_case_and_has_a_client_or_server_status() {
        for c in ErrorCode::ALL {
            assert!(
                c.code()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{}",
                c.code()
            );
            assert!((400..600).contains(&c.status()));
        }
    }

    #[test]
    fn problem_body_carries_code_status_type_and_extras() {
        let body = ErrorCode::CardNotFound
            .with("nope")
            .extra("attempts_remaining", 3)
            .body();
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
}
