//! The LPK's report when a training ends: `/v1/vouchers/{code}/completion`,
//! `/v1/vouchers/{code}/certificates`, and `/v1/completions/batch` for a whole cohort.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Auth;
use super::problem::{ApiError, Problem};
use crate::auth::scope::ReportCompletions;
use crate::domain::VoucherCode;
use crate::domain::completion::{Certificate, CertificateKind, Completion, Score};
use crate::domain::time::to_utc;
use crate::error::Error;
use crate::http::json::Json;
use crate::service::completions::{BatchReport, BatchRow, IssueCertificate, ReportCompletion};
use crate::service::vouchers::VoucherView;
use crate::state::AppState;

/// The training ended: passed (`completed`) or not (`not_completed`), with the score.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompletion {
    /// When the training ended: not in the future, not before the redemption.
    #[schema(value_type = String, format = DateTime, example = "2026-11-20T16:00:00+07:00")]
    pub completed_at: DateTime<FixedOffset>,
    pub passed: bool,
    #[schema(example = 87, minimum = 0, maximum = 100)]
    #[serde(deserialize_with = "super::whole_number")]
    pub score: i64,
}

impl NewCompletion {
    fn parse(&self) -> Result<Completion, Error> {
        completion(self.completed_at, self.passed, self.score)
    }
}

fn completion(
    completed_at: DateTime<FixedOffset>,
    passed: bool,
    score: i64,
) -> Result<Completion, Error> {
    Ok(Completion {
        completed_at: to_utc(completed_at),
        passed,
        score: Score::parse(score)?,
    })
}

/// A certificate of a completed training; each kind once per voucher.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCertificate {
    pub kind: CertificateKind,
    /// Unique among your certificates; 1-100 characters.
    #[schema(example = "LPK-2026-000123", min_length = 1, max_length = 100)]
    pub number: String,
    #[schema(value_type = String, format = DateTime, example = "2026-11-21T09:00:00+07:00")]
    pub issued_at: DateTime<FixedOffset>,
    /// Where the holder downloads it: https only.
    #[schema(
        example = "https://lpk.example.id/sertifikat/LPK-2026-000123",
        pattern = "^https://",
        max_length = 2048
    )]
    pub url: String,
}

impl NewCertificate {
    fn parse(&self) -> Result<Certificate, Error> {
        Certificate::parse(self.kind, &self.number, to_utc(self.issued_at), &self.url)
    }
}

/// One row of a batch: a voucher's completion and its certificates.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    #[schema(example = "7KQ2-M9XD-4HTR-8WZC")]
    pub voucher_code: String,
    #[schema(value_type = String, format = DateTime, example = "2026-11-20T16:00:00+07:00")]
    pub completed_at: DateTime<FixedOffset>,
    pub passed: bool,
    #[schema(example = 87, minimum = 0, maximum = 100)]
    #[serde(deserialize_with = "super::whole_number")]
    pub score: i64,
    /// Optional; each is issued as by `POST /v1/vouchers/{code}/certificates`.
    #[serde(default)]
    pub certificates: Vec<NewCertificate>,
}

/// Up to 1,000 rows; each is applied, or rejected, on its own.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBatch {
    // Rows are read one by one, so a malformed row is rejected alone.
    #[schema(value_type = Vec<BatchItem>, min_items = 1, max_items = 1000)]
    pub items: Vec<serde_json::Value>,
}

/// A row as parsed: the code echoed as sent, and what it asks, or why it cannot be read.
fn batch_row(item: serde_json::Value) -> BatchRow {
    let voucher_code = item
        .get("voucher_code")
        .and_then(|c| c.as_str())
        .unwrap_or("")
        .to_string();
    let report = crate::http::json::from_value::<BatchItem>(item).and_then(|item| {
        let cmd = ReportCompletion {
            code: VoucherCode::parse(&item.voucher_code)?,
            completion: completion(item.completed_at, item.passed, item.score)?,
        };
        let certs = item
            .certificates
            .iter()
            .map(NewCertificate::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((cmd, certs))
    });
    BatchRow {
        voucher_code,
        report,
    }
}

fn code(path: web::Path<String>) -> Result<VoucherCode, Error> {
    VoucherCode::parse(&path.into_inner())
}

/// Report that a redeemed voucher's training ended; the same report again changes nothing.
#[utoipa::path(
    operation_id = "reportCompletion",
    tag = "training",
    request_body = NewCompletion,
    params(("code" = String, Path, pattern = "^[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = VoucherView),
        (status = 404, description = "not_found (not your course's voucher)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "voucher_not_redeemed, voucher_voided, voucher_already_completed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (score; completed_at: in_future, before_redemption), invalid_voucher_code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/vouchers/{code}/completion")]
pub async fn complete(
    auth: Auth<ReportCompletions>,
    path: web::Path<String>,
    body: Json<NewCompletion>,
    state: web::Data<AppState>,
) -> Result<web::Json<VoucherView>, ApiError> {
    let cmd = ReportCompletion {
        code: code(path)?,
        completion: body.parse()?,
    };
    Ok(web::Json(
        state.core.report_completion(&auth.call, cmd).await?,
    ))
}

/// Issue a certificate of a completed training: 201 when new, 200 when the very same one was
/// already issued.
#[utoipa::path(
    operation_id = "issueCertificate",
    tag = "training",
    request_body = NewCertificate,
    params(("code" = String, Path, pattern = "^[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}$")),
    security(("bearer" = [])),
    responses(
        (status = 201, body = VoucherView),
        (status = 200, description = "this very certificate was already issued: nothing changed", body = VoucherView),
        (status = 404, description = "not_found (not your course's voucher)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "voucher_not_completed, certificate_already_issued, certificate_number_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (number; url: not_https, invalid_url; issued_at: in_future, before_redemption), invalid_voucher_code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/vouchers/{code}/certificates")]
pub async fn certify(
    auth: Auth<ReportCompletions>,
    path: web::Path<String>,
    body: Json<NewCertificate>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cmd = IssueCertificate {
        code: code(path)?,
        certificate: body.parse()?,
    };
    let certified = state.core.issue_certificate(&auth.call, cmd).await?;
    Ok(match certified.created {
        true => HttpResponse::Created().json(certified.voucher),
        false => HttpResponse::Ok().json(certified.voucher),
    })
}

/// Report a cohort: up to 1,000 completions, each with its certificates. Every row is applied or
/// rejected on its own (`results`, in request order); an accepted row sent again is accepted again
/// and changes nothing.
#[utoipa::path(
    tag = "training",
    operation_id = "reportCompletions",
    request_body = NewBatch,
    security(("bearer" = [])),
    responses(
        (status = 200, body = BatchReport),
        (status = 422, description = "batch_too_large (over 1,000 items), validation_failed (no items)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/completions/batch")]
pub async fn batch(
    auth: Auth<ReportCompletions>,
    body: Json<NewBatch>,
    state: web::Data<AppState>,
) -> Result<web::Json<BatchReport>, ApiError> {
    let rows = body.into_inner().items.into_iter().map(batch_row).collect();
    Ok(web::Json(
        state.core.report_completions(&auth.call, rows).await?,
    ))
}
