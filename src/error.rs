//! Errors, and which layer owns which.
//!
//! - `domain/*` and `service/*` refuse with an [`Error`]: a plain value (an [`ErrorCode`], a detail,
//!   field errors, an optional retry-after and extra members). No HTTP in it: the rules can be
//!   compiled and tested without a web framework.
//! - `db/*` returns `diesel::result::Error` or its own [`crate::db::StoreError`]; both become an
//!   [`Error`] in one place (`db/error.rs`): `NotFound` is 404, a corrupt row or a lost connection a
//!   logged 500 or 503 whose detail never leaks SQL.
//! - `http/*` alone renders an [`Error`] as RFC 9457 `application/problem+json` with its status and
//!   headers (`http/problem.rs`).
//!
//! Every code is listed once in [`ErrorCode`], with its HTTP status, title and the standard
//! explanation used when a refusal has nothing more specific to say: one place for each message.
//! `reference.rs` adds to each code what it means and what to tell the holder; `GET /errors`
//! renders that as the page the `type` URI of each problem points to, `GET /errors.json` as data.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod reference;
pub use reference::{ErrorEntry, Remedy, reference};

macro_rules! error_codes {
    ($($variant:ident => ($status:literal, $code:literal, $title:literal, $explain:literal)),+ $(,)?) => {
        /// Every stable machine code the API can answer with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        pub enum ErrorCode { $($variant),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];
            /// The wire code partners map on.
            pub fn code(self) -> &'static str { match self { $(ErrorCode::$variant => $code),+ } }
            /// The HTTP status the edge answers with.
            pub fn status(self) -> u16 { match self { $(ErrorCode::$variant => $status),+ } }
            /// A short, fixed summary.
            pub fn title(self) -> &'static str { match self { $(ErrorCode::$variant => $title),+ } }
            /// The standard detail: what happened and what to do about it.
            pub fn explanation(self) -> &'static str { match self { $(ErrorCode::$variant => $explain),+ } }
        }
    };
}

error_codes! {
    // Request shape
    ValidationFailed => (422, "validation_failed", "The request has invalid fields", "One or more fields are invalid; see errors."),
    MalformedJson => (400, "malformed_json", "The request body is not valid JSON for this endpoint", "The body is not valid JSON."),
    MalformedQuery => (400, "malformed_query", "The query string is not valid for this endpoint", "The query string is not valid for this endpoint."),
    MalformedPath => (404, "not_found", "Not found", "No resource at this path; see /docs for the API."),
    UnsupportedMediaType => (415, "unsupported_media_type", "The request content type is not supported", "Send the body as JSON with Content-Type: application/json."),
    PayloadTooLarge => (413, "payload_too_large", "The request body is too large", "The body exceeds the size limit."),
    MethodNotAllowed => (405, "method_not_allowed", "The method is not allowed on this resource", "This path does not accept that method; see /docs."),
    NotFound => (404, "not_found", "Not found", "No resource with that identifier is visible to you."),
    BadRequest => (400, "bad_request", "The request could not be understood", "The request could not be understood."),
    InvalidCursor => (400, "invalid_cursor", "The pagination cursor is not valid", "Use next_cursor exactly as returned."),
    // Auth
    InvalidClient => (401, "invalid_client", "Client authentication failed", "Unknown client_id or wrong client_secret."),
    InvalidGrant => (400, "unsupported_grant_type", "Only the client_credentials grant is supported", "grant_type must be client_credentials."),
    InvalidScope => (400, "invalid_scope", "The requested scope is not granted to this client", "A requested scope is not granted to this client."),
    InvalidToken => (401, "invalid_token", "The access token is missing, malformed, expired or not ours", "The access token is invalid; request a new one."),
    Forbidden => (403, "forbidden", "This role may not call this endpoint", "This token may not call this endpoint."),
    InvalidSignature => (401, "invalid_signature", "The request signature is missing or wrong, or the client_code is not an LPK's", "Sign client_code + timestamp + METHOD + path + body with HMAC-SHA1 under your signing key and send it in lowercase hex."),
    TimestampOutOfWindow => (401, "timestamp_out_of_window", "The timestamp is more than 5 minutes from our clock", "Send the current unix time in seconds and sign each request when you send it."),
    SignatureReused => (401, "signature_reused", "This signature was already accepted once", "A signed request is accepted once: sign the retry with a fresh timestamp."),
    RateLimited => (429, "rate_limited", "Too many requests", "Too many requests; slow down and retry after the given seconds."),
    // Idempotency
    InvalidIdempotencyKey => (400, "invalid_idempotency_key", "The Idempotency-Key header must be 1-255 visible ASCII characters", "Idempotency-Key must be 1-255 visible ASCII characters, without spaces."),
    IdempotencyKeyReused => (422, "idempotency_key_reused", "This Idempotency-Key was used with a different request", "This Idempotency-Key was first used with a different method, path or body; use a new key for a new request."),
    IdempotencyInProgress => (409, "idempotency_in_progress", "A request with this Idempotency-Key is still running", "The first request with this Idempotency-Key is still running; retry shortly."),
    // Participants
    InvalidCardNumber => (422, "invalid_card_number", "The card number is not a valid 16-digit card number", "A card number is exactly 16 digits with a valid check digit: check it for a typo."),
    CardNotFound => (404, "card_not_found", "No card has this number", "No card has this number."),
    IneligibleAge => (422, "ineligible_age", "The holder is younger than 18", "Holders must be at least 18."),
    FamilyQuotaReached => (409, "family_quota_reached", "This family card already has 2 holders", "This family card already has 2 card holders."),
    AlreadyRegistered => (409, "already_registered", "This NIK already holds a card", "A card was already issued to this NIK (in this or an earlier wave)."),
    InvalidTransition => (409, "invalid_status_transition", "The card cannot move to that status from its current one", "The card cannot move to that status from its current one."),
    // Catalog
    UnknownPlatform => (422, "unknown_platform", "A platform id does not name a registered digital platform", "A platform id does not name a registered digital platform."),
    CourseNotReviewable => (409, "course_already_reviewed", "The course has already been reviewed", "The course has already been reviewed."),
    CourseRejected => (409, "course_rejected", "A rejected course cannot get schedules", "The course was rejected; submit a new one."),
    // Buying
    CardFrozen => (409, "card_frozen", "The card is frozen by program management", "The card is frozen; the holder should contact program management."),
    CardRevoked => (409, "card_revoked", "The card is revoked", "The card is revoked and cannot buy."),
    PurchaseDeadlinePassed => (409, "purchase_deadline_passed", "The first training was not bought within 30 days of passing", "The first training had to be bought within 30 days of passing selection."),
    TrainingInProgress => (409, "training_in_progress", "The holder must finish the current training before buying the next", "The holder has a training that is not finished yet."),
    CourseNotAvailable => (422, "course_not_available", "The course is not approved or not sold by this platform", "No approved course with that code is sold by your platform."),
    ScheduleRequired => (422, "schedule_required", "This course runs on schedules: name one with schedule_code", "This course runs on schedules: send schedule_code."),
    ScheduleNotAvailable => (422, "schedule_not_available", "The schedule is not one of this course's open runs", "That schedule is not one of this course's open runs."),
    ScheduleFull => (409, "schedule_full", "The schedule has no seat left", "That schedule has no seat left."),
    InsufficientBalance => (409, "insufficient_balance", "The training balance does not cover the price", "The card's training balance does not cover this course's price."),
    SmsDeliveryFailed => (502, "sms_delivery_failed", "The OTP SMS could not be handed to the carrier", "The SMS could not be sent; ask for a resend to retry."),
    OtpResendTooSoon => (429, "otp_resend_too_soon", "Wait before asking for another OTP", "Wait before asking for another OTP."),
    OtpResendLimit => (429, "otp_resend_limit", "No more OTP resends for this validation", "No more OTP resends for this validation; start a new one."),
    OtpIncorrect => (422, "otp_incorrect", "The OTP is wrong", "The OTP is wrong."),
    OtpExpired => (410, "otp_expired", "The OTP has expired; ask for a new one", "The OTP has expired; ask for a new one with /otp/resend."),
    ValidationLocked => (409, "validation_locked", "Too many wrong OTPs: this validation is locked", "Too many wrong OTPs: start a new card validation."),
    ValidationNotPending => (409, "validation_not_pending", "This validation is no longer waiting for an OTP", "This validation is already verified or used."),
    ValidationNotVerified => (409, "validation_not_verified", "The card validation has not been verified with its OTP", "Verify the OTP first."),
    ValidationUsed => (409, "validation_used", "The card validation was already used for a voucher", "This validation already bought a voucher."),
    ValidationExpired => (410, "validation_expired", "The verified card validation is too old; validate again", "The card was verified too long ago; validate it again."),
    ValidationMismatch => (422, "validation_mismatch", "The course or schedule differs from the validated one", "course_code and schedule_code must be the ones the card was validated for."),
    ExternalOrderIdConflict => (409, "external_order_id_conflict", "This external_order_id already bought another voucher", "This external_order_id was already used for a different purchase (another validation, card, course or schedule); use a new order id."),
    // Vouchers
    InvalidVoucherCode => (422, "invalid_voucher_code", "The voucher code is malformed or its check character is wrong", "A voucher code is 16 letters and digits, like 7KQ2-M9XD-4HTR-8WZC: check it for a typo."),
    CardMismatch => (422, "card_mismatch", "The card number is not the voucher's", "This voucher was bought with another card."),
    VoucherAlreadyRedeemed => (409, "voucher_already_redeemed", "The voucher was already redeemed", "The voucher was already redeemed."),
    VoucherVoided => (409, "voucher_voided", "The voucher was voided", "The voucher was voided by program management."),
    VoucherNotRedeemed => (409, "voucher_not_redeemed", "The voucher has not been redeemed yet", "Redeem the voucher first."),
    VoucherNotVoidable => (409, "voucher_not_voidable", "Only an issued, unredeemed voucher can be voided", "Only an issued voucher can be voided."),
    OutsideRedeemWindow => (409, "outside_redeem_window", "A scheduled course is redeemed from 1 hour before its start to its end", "This run can be redeemed from 1 hour before it starts until it ends."),
    // After the training
    VoucherAlreadyCompleted => (409, "voucher_already_completed", "The voucher's completion was already reported", "The completion was already reported with other values; it is reported once."),
    VoucherNotCompleted => (409, "voucher_not_completed", "The training is not completed (passed)", "This needs a completed training: report the completion first."),
    CertificateAlreadyIssued => (409, "certificate_already_issued", "A certificate of this kind was already issued for this voucher", "This voucher already has a certificate of this kind; each kind is issued once."),
    CertificateNumberTaken => (409, "certificate_number_taken", "This LPK already issued a certificate with this number", "This certificate number is already used on another of your certificates."),
    BatchTooLarge => (422, "batch_too_large", "A batch holds at most 1,000 items", "Send at most 1,000 items per batch; split larger reports."),
    ReviewAlreadySubmitted => (409, "review_already_submitted", "This training was already rated and reviewed", "The training was already rated and reviewed; a review is given once."),
    SurveyNotOpen => (409, "survey_not_open", "Surveys open after the first completed training", "The surveys open once a training is completed."),
    SurveyAlreadySubmitted => (409, "survey_already_submitted", "This survey was already filled", "This survey was already filled; each is filled once."),
    OtpAlreadyUsed => (409, "otp_already_used", "This OTP was already used", "This code was already used; start again for a new one."),
    UnknownBankCode => (422, "unknown_bank_code", "The bank code is not one of the supported banks", "bank_code must be a supported bank's code (see the payout account docs)."),
    DisbursementNotInFlight => (409, "disbursement_not_in_flight", "The payment is not being processed", "A bank's result is recorded only for a payment that is pending or being checked."),
    EwalletPhoneMismatch => (422, "ewallet_phone_mismatch", "An e-wallet must be registered to the card's phone number", "The e-wallet number must be the phone number registered with the card."),
    // Webhooks
    WebhookUrlNotAllowed => (422, "webhook_url_not_allowed", "This server does not send webhooks to that URL", "Webhooks go to https:// URLs on the public internet; see reason."),
    WebhookEndpointLimit => (409, "webhook_endpoint_limit", "You have as many webhook endpoints as allowed", "Delete an endpoint before registering another (at most 10)."),
    WebhookEndpointDisabled => (409, "webhook_endpoint_disabled", "The webhook endpoint was disabled after failing repeatedly", "This endpoint was disabled after failing repeatedly; register a new one once your receiver works."),
    // Sandbox
    SandboxDisabled => (404, "not_found", "Not found", "The sandbox is off on this server."),
    // Server
    Internal => (500, "internal_error", "Something went wrong on our side", "An internal error occurred; quote the request_id to support."),
    Unavailable => (503, "service_unavailable", "The service cannot serve requests right now", "The service cannot serve this request right now; retry shortly."),
}

/// One field-level problem, as in `errors[]`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The JSON field (dotted path for nested fields, `items[3].score` for arrays).
    pub field: String,
    /// A stable snake_case code for this field's problem: `required`, `invalid_type` or
    /// `unknown_field` when the body's shape is wrong, else the rule's own (`length`, `range`...).
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

/// Why one row of a bulk request was refused: the problem's code, detail and field errors.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RowError {
    #[schema(example = "not_found")]
    pub code: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl From<&Error> for RowError {
    fn from(e: &Error) -> Self {
        RowError {
            code: e.code.code().to_string(),
            detail: e.detail.clone(),
            errors: e.errors.clone(),
        }
    }
}

/// Why a request was refused or failed: the core's error, rendered only at the HTTP edge.
/// Serializable, so an idempotent replay can answer with the very same refusal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Error {
    pub code: ErrorCode,
    pub detail: String,
    #[serde(default)]
    pub errors: Vec<FieldError>,
    /// Seconds the caller should wait before retrying (429, 503, some 409s).
    pub retry_after: Option<u64>,
    /// Extra members specific to the code (e.g. `attempts_remaining`).
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ErrorCode {
    /// This code with a detail specific to the request.
    pub fn with(self, detail: impl Into<String>) -> Error {
        Error {
            code: self,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            extra: Default::default(),
        }
    }

    /// This code with its standard explanation.
    pub fn refusal(self) -> Error {
        self.with(self.explanation())
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        code.refusal()
    }
}

impl Error {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = ErrorCode::ValidationFailed.refusal();
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

    /// A body over the size limit.
    pub fn too_large(limit: usize) -> Self {
        ErrorCode::PayloadTooLarge.with(format!("The body exceeds the {limit}-byte limit."))
    }

    /// A platform id that names no registered digital platform.
    pub fn unknown_platform(id: &str) -> Self {
        ErrorCode::UnknownPlatform.with(format!("{id:?} is not a registered digital platform."))
    }

    pub fn not_found(what: &str) -> Self {
        ErrorCode::NotFound.with(format!("No {what} with that identifier is visible to you."))
    }

    /// A failure on our side: logged with its cause, answered without it.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(context, error = %err, "internal error");
        ErrorCode::Internal.refusal()
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn extra(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// A refusal of the request's shape: it never reached the rules, so a corrected retry under the
    /// same Idempotency-Key must run (API.md: requests rejected by validation are not stored).
    pub fn is_request_shape_error(&self) -> bool {
        matches!(
            self.code,
            ErrorCode::ValidationFailed
                | ErrorCode::MalformedJson
                | ErrorCode::MalformedQuery
                | ErrorCode::UnsupportedMediaType
                | ErrorCode::PayloadTooLarge
                | ErrorCode::InvalidCardNumber
                | ErrorCode::InvalidVoucherCode
        )
    }

    /// Whether an idempotent request that ended in this error answers the same on retry: business
    /// refusals do; shape errors, rate limits and our own failures do not, so a retry runs again.
    pub fn is_final(&self) -> bool {
        let status = self.code.status();
        !self.is_request_shape_error() && status != 429 && status < 500
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.code(), self.detail)
    }
}

impl std::error::Error for Error {}

/// Turns `validator` errors into `errors[]`, with the validator's code per field.
impl From<validator::ValidationErrors> for Error {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        collect(&errs, "", &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        Error::validation(out)
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
            assert!(!c.explanation().is_empty() && !c.title().is_empty());
        }
    }

    #[test]
    fn a_refusal_round_trips_through_its_stored_form() {
        let e = ErrorCode::OtpIncorrect
            .refusal()
            .extra("attempts_remaining", 3)
            .retry_after(2);
        let stored = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Error>(&stored).unwrap(), e);
    }

    #[test]
    fn shape_errors_rate_limits_and_failures_are_not_final() {
        assert!(ErrorCode::InsufficientBalance.refusal().is_final());
        assert!(!ErrorCode::ValidationFailed.refusal().is_final());
        assert!(!ErrorCode::RateLimited.refusal().is_final());
        assert!(!ErrorCode::Internal.refusal().is_final());
    }
}
