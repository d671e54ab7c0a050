//! Registering partners, rotating their secrets, and disabling or enabling them.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::scope::Manage;
use crate::domain::PartnerId;
use crate::domain::partner::{PartnerKind as Kind, PartnerStatus};
use crate::error::Error;
use crate::http::auth::Auth;
use crate::http::json::Json;
use crate::http::problem::{ApiError, Problem};
use crate::service::partners::{ClientCredentials, SigningKey};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    Platform,
    Lpk,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    /// 2 to 200 characters, not counting leading and trailing spaces.
    #[serde(deserialize_with = "crate::http::trimmed")]
    #[schema(
        example = "Tokopedia",
        min_length = 2,
        max_length = 200,
        pattern = r"[^ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\s\S]*[^ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub name: String,
    pub kind: PartnerKind,
}

fn partner_id(path: web::Path<String>) -> Result<PartnerId, Error> {
    PartnerId::parse(&path.into_inner()).ok_or_else(|| Error::not_found("partner"))
}

/// Register a digital platform or an LPK; returns its client credentials once (an LPK's with the
/// `signing_key` of the Prakerja-compatible endpoints).
#[utoipa::path(
    operation_id = "createPartner",
    tag = "admin",
    request_body = NewPartner,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ClientCredentials),
        (status = 422, description = "validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/partners")]
pub async fn create(
    auth: Auth<Manage>,
    body: Json<NewPartner>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let kind = match body.kind {
        PartnerKind::Platform => Kind::Platform,
        PartnerKind::Lpk => Kind::Lpk,
    };
    let creds = state
        .core
        .create_partner(&auth.call, body.name.clone(), kind)
        .await?;
    Ok(HttpResponse::Created().json(creds))
}

/// Issue a new secret; the old one stops working at once, and tokens issued under it within
/// seconds on every instance.
#[utoipa::path(
    operation_id = "rotatePartnerSecret",
    tag = "admin",
    params(("id" = String, Path, description = "partner id", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ClientCredentials),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/partners/{id}/rotate-secret")]
pub async fn rotate_secret(
    auth: Auth<Manage>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ClientCredentials>, ApiError> {
    let id = partner_id(path)?;
    Ok(web::Json(state.core.rotate_secret(&auth.call, id).await?))
}

/// Issue an LPK a new signing key for the Prakerja-compatible endpoints; requests signed with the
/// old one are refused at once. Its client secret and tokens are untouched (`rotate-secret`
/// rotates those): each credential is rotated on its own.
#[utoipa::path(
    operation_id = "rotatePartnerSigningKey",
    tag = "admin",
    params(("id" = String, Path, description = "partner id of an LPK", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SigningKey),
        (status = 404, description = "not_found (no LPK with that id)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/partners/{id}/rotate-signing-key")]
pub async fn rotate_signing_key(
    auth: Auth<Manage>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<SigningKey>, ApiError> {
    let id = partner_id(path)?;
    Ok(web::Json(
        state.core.rotate_signing_key(&auth.call, id).await?,
    ))
}

/// Disable a partner: its credentials and its tokens stop working within seconds on every instance.
#[utoipa::path(
    operation_id = "disablePartner",
    tag = "admin",
    params(("id" = String, Path, description = "partner id", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "disabled"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/partners/{id}/disable")]
pub async fn disable(
    auth: Auth<Manage>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = partner_id(path)?;
    state
        .core
        .set_partner_status(&auth.call, id, PartnerStatus::Disabled)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Enable a disabled partner again (its earlier tokens stay dead: it asks for new ones).
#[utoipa::path(
    operation_id = "enablePartner",
    tag = "admin",
    params(("id" = String, Path, description = "partner id", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "enabled"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/partners/{id}/enable")]
pub async fn enable(
    auth: Auth<Manage>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = partner_id(path)?;
    state
        .core
        .set_partner_status(&auth.call, id, PartnerStatus::Active)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
