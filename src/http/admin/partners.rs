//! Registering partners and rotating their secrets.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Admin, Role};
use crate::error::{ApiError, Problem};
use crate::service::audit::Actor;
use crate::service::partners::{self, Credentials};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    Platform,
    Lpk,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    #[validate(length(min = 2, max = 200))]
    #[schema(example = "Tokopedia", min_length = 2, max_length = 200)]
    pub name: String,
    pub kind: PartnerKind,
}

/// A client's credentials. The secret is shown only here: store it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientCredentials {
    pub id: String,
    pub name: String,
    pub kind: Role,
    pub client_id: String,
    pub client_secret: String,
}

impl From<Credentials> for ClientCredentials {
    fn from(c: Credentials) -> Self {
        Self {
            id: c.partner_id,
            name: c.name,
            kind: c.role,
            client_id: c.client_id,
            client_secret: c.client_secret,
        }
    }
}

/// Register a digital platform or an LPK; returns its client credentials once.
#[utoipa::path(
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
    Admin(caller): Admin,
    body: web::Json<NewPartner>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require("admin")?;
    body.validate()?;
    let role = match body.kind {
        PartnerKind::Platform => Role::Platform,
        PartnerKind::Lpk => Role::Lpk,
    };
    let creds = state
        .db(move |c| partners::create(c, &Actor::from(&caller), &body.name, role, None))
        .await?;
    Ok(HttpResponse::Created().json(ClientCredentials::from(creds)))
}

/// Issue a new secret; the old one stops working at once (tokens already issued live until `exp`).
#[utoipa::path(
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
    Admin(caller): Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ClientCredentials>, ApiError> {
    caller.require("admin")?;
    let id = path.into_inner();
    let creds = state
        .db(move |c| partners::rotate_secret(c, &Actor::from(&caller), &id))
        .await?;
    Ok(web::Json(creds.into()))
}
