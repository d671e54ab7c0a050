//! Registering holders (one or in bulk), reading them, and freezing, unfreezing or revoking cards.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use validator::Validate;

use super::Reason;
use crate::auth::Admin;
use crate::domain::CardNumber;
use crate::domain::participant::CardAction;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::service::audit::Actor;
use crate::service::import::{self, ImportReport};
use crate::service::participants::{self, NewParticipant, ParticipantView, RevealedIdentity};
use crate::state::AppState;

/// Register a holder who passed selection: a card number, balance Rp1,000,000, deadline +30 days.
#[utoipa::path(
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
    Admin(caller): Admin,
    body: web::Json<NewParticipant>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require("admin")?;
    let cipher = state.cipher.clone();
    let view = state
        .db(move |c| participants::register(c, &cipher, &Actor::from(&caller), &body, None))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Register many holders: a JSON array of the single-registration body, or CSV (`text/csv`) with
/// the header `nik,kk_number,full_name,phone,email,wave,passed_at`. Each row stands alone.
#[utoipa::path(
    tag = "admin",
    request_body(content(
        (Vec<NewParticipant> = "application/json"),
        (String = "text/csv"),
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
    Admin(caller): Admin,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<web::Json<ImportReport>, ApiError> {
    caller.require("admin")?;
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let rows = if ct.starts_with("application/json") {
        import::from_json(&body)?
    } else if ct.starts_with("text/csv") {
        import::from_csv(&body)?
    } else {
        return Err(
            ErrorCode::UnsupportedMediaType.with("Send application/json (an array) or text/csv.")
        );
    };
    let cipher = state.cipher.clone();
    let report = state
        .db(move |c| Ok(import::run(c, &cipher, &Actor::from(&caller), rows)))
        .await?;
    Ok(web::Json(report))
}

fn card(path: web::Path<String>) -> Result<CardNumber, ApiError> {
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
#[get("/v1/admin/participants/{card_number}")]
pub async fn get(
    Admin(caller): Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ParticipantView>, ApiError> {
    caller.require("admin")?;
    let card = card(path)?;
    let cipher = state.cipher.clone();
    Ok(web::Json(
        state
            .db(move |c| participants::get(c, &cipher, &card))
            .await?,
    ))
}

/// The clear NIK and KK number; the reason is written to the audit trail.
#[utoipa::path(
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
    Admin(caller): Admin,
    path: web::Path<String>,
    body: web::Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<RevealedIdentity>, ApiError> {
    caller.require("admin")?;
    let card = card(path)?;
    body.validate()?;
    let cipher = state.cipher.clone();
    Ok(web::Json(
        state
            .db(move |c| {
                participants::reveal(c, &cipher, &Actor::from(&caller), &card, body.reason.trim())
            })
            .await?,
    ))
}

async fn change(
    caller: crate::auth::Caller,
    path: web::Path<String>,
    body: web::Json<Reason>,
    state: web::Data<AppState>,
    action: CardAction,
) -> Result<web::Json<ParticipantView>, ApiError> {
    let card = card(path)?;
    body.validate()?;
    let cipher = state.cipher.clone();
    Ok(web::Json(
        state
            .db(move |c| {
                participants::change_status(
                    c,
                    &cipher,
                    &Actor::from(&caller),
                    &card,
                    action,
                    body.reason.trim(),
                )
            })
            .await?,
    ))
}

/// Freeze a card: no validation or purchase until unfrozen.
#[utoipa::path(
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
    Admin(caller): Admin,
    path: web::Path<String>,
    body: web::Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<ParticipantView>, ApiError> {
    caller.require("admin")?;
    change(caller, path, body, state, CardAction::Freeze).await
}

/// Unfreeze a frozen card.
#[utoipa::path(
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
    Admin(caller): Admin,
    path: web::Path<String>,
    body: web::Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<ParticipantView>, ApiError> {
    caller.require("admin")?;
    change(caller, path, body, state, CardAction::Unfreeze).await
}

/// Revoke a card for good (fraud, breach of terms).
#[utoipa::path(
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
    Admin(caller): Admin,
    path: web::Path<String>,
    body: web::Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<ParticipantView>, ApiError> {
    caller.require("admin")?;
    change(caller, path, body, state, CardAction::Revoke).await
}
