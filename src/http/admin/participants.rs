//! Registering holders (one or in bulk), reading them, and freezing, unfreezing or revoking cards.

use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::Reason;
use crate::auth::scope::Manage;
use crate::domain::CardNumber;
use crate::domain::participant::CardAction;
use crate::error::{Error, ErrorCode};
use crate::http::auth::Auth;
use crate::http::json::Json;
use crate::http::problem::{ApiError, Problem};
use crate::service::import::{ImportReport, Upload};
use crate::service::participants::{
    NewParticipant, ParticipantView, Registration, RevealedIdentity,
};
use crate::state::AppState;

/// Register a holder who passed selection: a card number, balance Rp1,000,000, deadline +30 days.
#[utoipa::path(
    operation_id = "registerParticipant",
    tag = "admin",
    request_body = NewParticipant,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ParticipantView),
        (status = 409, description = "already_registered, family_quota_reached", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, ineligible_age", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/participants")]
pub async fn register(
    auth: Auth<Manage>,
    body: Json<NewParticipant>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = Registration::try_from(&*body)?;
    let view = state.core.register_participant(&auth.call, form).await?;
    Ok(HttpResponse::Created().json(view))
}

/// CSV text: the header `nik,kk_number,full_name,phone,email,wave,passed_at`, then a row per holder.
/// Binary as far as a client generator is concerned, so it sends the bytes as they are.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ParticipantsCsv(pub Vec<u8>);

/// The JSON form of an import: 1 to 5000 rows, each the single-registration body.
pub struct ParticipantRows;

impl utoipa::PartialSchema for ParticipantRows {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(utoipa::openapi::Ref::from_schema_name("NewParticipant"))
            .min_items(Some(1))
            .max_items(Some(crate::service::import::MAX_ROWS))
            .into()
    }
}

impl utoipa::ToSchema for ParticipantRows {}

/// Register many holders: a JSON array of the single-registration body, or CSV (`text/csv`) with
/// the header `nik,kk_number,full_name,phone,email,wave,passed_at`. Each row stands alone.
#[utoipa::path(
    operation_id = "importParticipants",
    tag = "admin",
    request_body(content(
        (ParticipantRows = "application/json"),
        (ParticipantsCsv = "text/csv"),
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ImportReport),
        (status = 400, description = "malformed_json, bad_request (CSV)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "payload_too_large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "unsupported_media_type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (0 or more than 5000 rows)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/participants/import")]
pub async fn bulk_import(
    auth: Auth<Manage>,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<web::Json<ImportReport>, ApiError> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = if ct.starts_with("application/json") {
        Upload::Json
    } else if ct.starts_with("text/csv") {
        Upload::Csv
    } else {
        return Err(ErrorCode::UnsupportedMediaType
            .with("Send application/json (an array) or text/csv.")
            .into());
    };
    Ok(web::Json(
        state
            .core
            .import_participants(&auth.call, format, &body)
            .await?,
    ))
}

/// `/v1/admin/participants/import` is the import's own path: any other method there is its 405,
/// not a lookup of a card numbered "import".
fn not_the_import_path(ctx: &actix_web::guard::GuardContext) -> bool {
    ctx.head().uri.path().trim_end_matches('/') != "/v1/admin/participants/import"
}

fn card(path: web::Path<String>) -> Result<CardNumber, Error> {
    CardNumber::parse(&path.into_inner())
}

/// A holder's record; NIK and KK masked (see `reveal`).
#[utoipa::path(
    operation_id = "getParticipant",
    tag = "admin",
    params(("card_number" = String, Path, example = "5200000000000015", pattern = "^[0-9]{16}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ParticipantView),
        (status = 404, description = "card_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_card_number", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/admin/participants/{card_number}", guard = "not_the_import_path")]
pub async fn get(
    _auth: Auth<Manage>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ParticipantView>, ApiError> {
    let card = card(path)?;
    Ok(web::Json(state.core.participant(card).await?))
}

/// The clear NIK and KK number; the reason is written to the audit trail.
#[utoipa::path(
    operation_id = "revealParticipant",
    tag = "admin",
    request_body = Reason,
    params(("card_number" = String, Path, pattern = "^[0-9]{16}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RevealedIdentity),
        (status = 404, description = "card_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, invalid_card_number", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/participants/{card_number}/reveal")]
pub async fn reveal(
    auth: Auth<Manage>,
    path: web::Path<String>,
    body: Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<RevealedIdentity>, ApiError> {
    let card = card(path)?;
    let reason = body.into_inner().text()?;
    Ok(web::Json(
        state.core.reveal_identity(&auth.call, card, reason).await?,
    ))
}

async fn change(
    auth: Auth<Manage>,
    path: web::Path<String>,
    body: Json<Reason>,
    state: web::Data<AppState>,
    action: CardAction,
) -> Result<web::Json<ParticipantView>, ApiError> {
    let card = card(path)?;
    let reason = body.into_inner().text()?;
    Ok(web::Json(
        state
            .core
            .change_card_status(&auth.call, card, action, reason)
            .await?,
    ))
}

/// Freeze a card: no validation or purchase until unfrozen.
#[utoipa::path(
    operation_id = "freezeParticipant",
    tag = "admin",
    request_body = Reason,
    params(("card_number" = String, Path, pattern = "^[0-9]{16}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ParticipantView),
        (status = 404, description = "card_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "invalid_status_transition", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, invalid_card_number", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/participants/{card_number}/freeze")]
pub async fn freeze(
    auth: Auth<Manage>,
    path: web::Path<String>,
    body: Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<ParticipantView>, ApiError> {
    change(auth, path, body, state, CardAction::Freeze).await
}

/// Unfreeze a frozen card.
#[utoipa::path(
    operation_id = "unfreezeParticipant",
    tag = "admin",
    request_body = Reason,
    params(("card_number" = String, Path, pattern = "^[0-9]{16}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ParticipantView),
        (status = 404, description = "card_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "invalid_status_transition", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, invalid_card_number", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/participants/{card_number}/unfreeze")]
pub async fn unfreeze(
    auth: Auth<Manage>,
    path: web::Path<String>,
    body: Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<ParticipantView>, ApiError> {
    change(auth, path, body, state, CardAction::Unfreeze).await
}

/// Revoke a card for good (fraud, breach of terms).
#[utoipa::path(
    operation_id = "revokeParticipant",
    tag = "admin",
    request_body = Reason,
    params(("card_number" = String, Path, pattern = "^[0-9]{16}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ParticipantView),
        (status = 404, description = "card_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "invalid_status_transition", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, invalid_card_number", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/participants/{card_number}/revoke")]
pub async fn revoke(
    auth: Auth<Manage>,
    path: web::Path<String>,
    body: Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<ParticipantView>, ApiError> {
    change(auth, path, body, state, CardAction::Revoke).await
}
