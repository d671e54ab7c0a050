//! Incentive payments: partners pull the status of holders they served
//! (`/v1/disbursements`), management runs and reconciles them (`/v1/admin/disbursements`).

use actix_web::{get, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Auth;
use super::pagination::{Page, PageParams};
use super::problem::{ApiError, Problem};
use crate::auth::scope::{Manage, ReadDisbursements};
use crate::domain::{CardNumber, DisbursementId};
use crate::error::Error;
use crate::http::json::Json;
use crate::page::CursorKind;
use crate::service::disbursement_run::RunSummary;
use crate::service::disbursements::{DisbursementView, ResultBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardQuery {
    /// The holder's card number.
    #[param(example = "5200000000000098", pattern = "^[0-9]{16}$")]
    pub card_number: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The business date (WIB) to run as of; today by default. A later date only in the sandbox.
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-01")]
    pub as_of: Option<NaiveDate>,
}

fn disbursement_id(path: web::Path<String>) -> Result<DisbursementId, Error> {
    DisbursementId::parse(&path.into_inner()).ok_or_else(|| Error::not_found("disbursement"))
}

/// The incentive payments of a holder you served (sold to, or trained), newest first.
#[utoipa::path(
    tag = "disbursements",
    operation_id = "listDisbursements",
    params(CardQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<DisbursementView>),
        (status = 404, description = "not_found (no holder you served has this card)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_card_number", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/disbursements")]
pub async fn list(
    auth: Auth<ReadDisbursements>,
    query: web::Query<CardQuery>,
    page: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> Result<web::Json<Page<DisbursementView>>, ApiError> {
    let card = CardNumber::parse(&query.card_number)?;
    let req = page.parse(CursorKind::Time)?;
    let found = state
        .core
        .disbursements_of_card(&auth.call, card, req)
        .await?;
    Ok(web::Json(found.into()))
}

/// One incentive payment, with its history.
#[utoipa::path(
    tag = "disbursements",
    operation_id = "getDisbursement",
    params(("id" = String, Path, format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DisbursementView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/disbursements/{id}")]
pub async fn get(
    auth: Auth<ReadDisbursements>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<DisbursementView>, ApiError> {
    let id = disbursement_id(path)?;
    Ok(web::Json(state.core.disbursement(&auth.call, id).await?))
}

/// Run disbursements: schedule what became owed, send what fell due, ask about what was sent and
/// never answered. Safe to run twice, and from two instances at once.
#[utoipa::path(
    tag = "admin",
    operation_id = "runDisbursements",
    request_body = RunRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = RunSummary),
        (status = 422, description = "validation_failed (as_of in the future outside the sandbox)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/disbursements/run")]
pub async fn run(
    auth: Auth<Manage>,
    body: Json<RunRequest>,
    state: web::Data<AppState>,
) -> Result<web::Json<RunSummary>, ApiError> {
    Ok(web::Json(
        state.core.run_disbursements(&auth.call, body.as_of).await?,
    ))
}

/// Record a bank's result by hand (reconciliation): `paid`, or `failed` with its reason. Audited.
#[utoipa::path(
    tag = "admin",
    operation_id = "recordDisbursementResult",
    request_body = ResultBody,
    params(("id" = String, Path, format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DisbursementView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "disbursement_not_in_flight (only a pending or checking payment)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (failure_reason, reference)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/disbursements/{id}/result")]
pub async fn record_result(
    auth: Auth<Manage>,
    path: web::Path<String>,
    body: Json<ResultBody>,
    state: web::Data<AppState>,
) -> Result<web::Json<DisbursementView>, ApiError> {
    let id = disbursement_id(path)?;
    let (result, reference) = body.into_inner().parse()?;
    Ok(web::Json(
        state
            .core
            .record_disbursement_result(&auth.call, id, result, reference)
            .await?,
    ))
}
