//! `/v1/me*`: the holder's own dashboard, with a `participant` token from
//! `/v1/participant/sessions`. Every read and write is the token holder's own.

use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Auth;
use super::pagination::{Page, PageParams};
use super::problem::{ApiError, Problem};
use crate::auth::scope::Me;
use crate::domain::completion::Review;
use crate::domain::otp::Otp;
use crate::domain::payout::PayoutKind;
use crate::domain::survey::{Answers, SurveyNumber};
use crate::domain::{ChallengeId, VoucherCode};
use crate::error::Error;
use crate::http::json::Json;
use crate::page::CursorKind;
use crate::service::disbursements::DisbursementView;
use crate::service::me::{MeView, ReviewTraining, SurveyView, TrainingView};
use crate::service::payout_accounts::{PayoutAccountView, PayoutForm, PendingPayoutAccount};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    #[schema(example = 5, minimum = 1, maximum = 5)]
    #[serde(deserialize_with = "super::whole_number")]
    pub rating: i64,
    #[schema(
        example = "Materinya praktis dan mentornya sabar menjawab pertanyaan.",
        min_length = 20,
        max_length = 2000
    )]
    pub review: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSurvey {
    /// The answers, question id to answer.
    #[schema(schema_with = answers_schema)]
    pub answers: serde_json::Value,
}

/// A non-empty object of answers, as `Answers::parse` takes it.
fn answers_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .min_properties(Some(1))
        .description(Some(
            "The answers, question id to answer (at least one, at most 16 KiB).",
        ))
        .examples([serde_json::json!({"q1": 5, "q2": "Sangat membantu"})])
        .build()
}

/// The account incentives are paid to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayoutAccount {
    pub kind: PayoutKind,
    /// A bank's three-digit code (bank accounts only), e.g. `014` BCA, `002` BRI, `009` BNI,
    /// `008` Mandiri, `451` BSI.
    #[schema(example = "014", pattern = "^[0-9]{3}$")]
    pub bank_code: Option<String>,
    /// A bank account's 6-20 digits, or the e-wallet's phone number (the card's own).
    #[schema(example = "1234567890", min_length = 6, max_length = 20)]
    pub account_number: String,
    #[schema(example = "Budi Santoso", min_length = 1, max_length = 100)]
    pub holder_name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutConfirmation {
    #[schema(format = Uuid)]
    pub confirmation_id: String,
    #[schema(example = "123456", pattern = "^[0-9]{6}$")]
    pub otp: String,
}

fn code(path: web::Path<String>) -> Result<VoucherCode, Error> {
    VoucherCode::parse(&path.into_inner())
}

/// Your card: balance, status, deadline, and what the incentive still waits for.
#[utoipa::path(
    tag = "participant",
    operation_id = "getMe",
    security(("bearer" = [])),
    responses((status = 200, body = MeView))
)]
#[get("/v1/me")]
pub async fn me(auth: Auth<Me>, state: web::Data<AppState>) -> Result<web::Json<MeView>, ApiError> {
    Ok(web::Json(state.core.me(&auth.call).await?))
}

/// Your trainings, newest first, each with what it still needs to count as finished.
#[utoipa::path(
    tag = "participant",
    operation_id = "listMyTrainings",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<TrainingView>),
        (status = 400, description = "invalid_cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (limit)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/trainings")]
pub async fn trainings(
    auth: Auth<Me>,
    page: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> Result<web::Json<Page<TrainingView>>, ApiError> {
    let req = page.parse(CursorKind::Time)?;
    Ok(web::Json(
        state.core.my_trainings(&auth.call, req).await?.into(),
    ))
}

/// Rate and review a completed training, once.
#[utoipa::path(
    tag = "participant",
    operation_id = "reviewMyTraining",
    request_body = NewReview,
    params(("code" = String, Path, pattern = "^[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}$")),
    security(("bearer" = [])),
    responses(
        (status = 201, body = TrainingView),
        (status = 404, description = "not_found (not your voucher)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "voucher_not_completed, review_already_submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (rating, review), invalid_voucher_code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/trainings/{code}/review")]
pub async fn review(
    auth: Auth<Me>,
    path: web::Path<String>,
    body: Json<NewReview>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cmd = ReviewTraining {
        code: code(path)?,
        review: Review::parse(body.rating, &body.review)?,
    };
    let training = state.core.review_training(&auth.call, cmd).await?;
    Ok(HttpResponse::Created().json(training))
}

/// Fill survey 1, 2 or 3, once each; they open after a completed training.
#[utoipa::path(
    tag = "participant",
    operation_id = "submitSurvey",
    request_body = NewSurvey,
    params(("n" = i32, Path, minimum = 1, maximum = 3)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = SurveyView),
        (status = 404, description = "not_found (no such survey)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "survey_not_open, survey_already_submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (answers)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/surveys/{n}")]
pub async fn survey(
    auth: Auth<Me>,
    path: web::Path<String>,
    body: Json<NewSurvey>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let n = path
        .parse::<i64>()
        .ok()
        .and_then(SurveyNumber::parse)
        .ok_or_else(|| Error::not_found("survey"))?;
    let answers = Answers::parse(&body.answers)?;
    let filled = state.core.submit_survey(&auth.call, n, answers).await?;
    Ok(HttpResponse::Created().json(filled))
}

/// Your incentive payments, newest first: each with its status (and the dashboard's label), its
/// dates, and why it failed and what to do about it.
#[utoipa::path(
    tag = "participant",
    operation_id = "listMyDisbursements",
    params(PageParams),
    security(("bearer" = [])),
    responses((status = 200, body = Page<DisbursementView>))
)]
#[get("/v1/me/disbursements")]
pub async fn disbursements(
    auth: Auth<Me>,
    page: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> Result<web::Json<Page<DisbursementView>>, ApiError> {
    let req = page.parse(CursorKind::Time)?;
    Ok(web::Json(
        state.core.my_disbursements(&auth.call, req).await?.into(),
    ))
}

/// Link a bank account or e-wallet: 202, and an OTP to the card's phone confirms it.
#[utoipa::path(
    tag = "participant",
    operation_id = "requestPayoutAccount",
    request_body = NewPayoutAccount,
    security(("bearer" = [])),
    responses(
        (status = 202, body = PendingPayoutAccount),
        (status = 422, description = "validation_failed, unknown_bank_code, ewallet_phone_mismatch", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited (the card's hourly OTP cap)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "sms_delivery_failed (submit again)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/me/payout-account")]
pub async fn put_payout_account(
    auth: Auth<Me>,
    body: Json<NewPayoutAccount>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let form = PayoutForm {
        kind: body.kind,
        bank_code: body.bank_code,
        account_number: body.account_number,
        holder_name: body.holder_name,
    };
    let pending = state.core.request_payout_account(&auth.call, form).await?;
    Ok(HttpResponse::Accepted().json(pending))
}

/// Confirm the submitted account with its OTP: it replaces the previous one.
#[utoipa::path(
    tag = "participant",
    operation_id = "confirmPayoutAccount",
    request_body = PayoutConfirmation,
    security(("bearer" = [])),
    responses(
        (status = 200, body = PayoutAccountView),
        (status = 404, description = "not_found (unknown confirmation)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "validation_locked (5th wrong OTP), otp_already_used", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "otp_expired (submit the account again)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "otp_incorrect (with attempts_remaining), validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/payout-account/confirm")]
pub async fn confirm_payout_account(
    auth: Auth<Me>,
    body: Json<PayoutConfirmation>,
    state: web::Data<AppState>,
) -> Result<web::Json<PayoutAccountView>, ApiError> {
    let otp = Otp::parse(&body.otp)?;
    let id = ChallengeId::parse(&body.confirmation_id)
        .ok_or_else(|| Error::not_found("payout account confirmation"))?;
    Ok(web::Json(
        state
            .core
            .confirm_payout_account(&auth.call, id, otp)
            .await?,
    ))
}

/// Your linked account, masked.
#[utoipa::path(
    tag = "participant",
    operation_id = "getPayoutAccount",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PayoutAccountView),
        (status = 404, description = "not_found (none linked yet)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/payout-account")]
pub async fn payout_account(
    auth: Auth<Me>,
    state: web::Data<AppState>,
) -> Result<web::Json<PayoutAccountView>, ApiError> {
    Ok(web::Json(state.core.payout_account(&auth.call).await?))
}
