//! `POST /v1/oauth/token`: OAuth 2.0 client credentials (RFC 6749 §4.4), as a form or JSON body,
//! with the credentials in the body or in HTTP Basic auth.

use actix_web::{HttpRequest, post, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;
use crate::db::partners;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::service::partners::authenticate;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: Option<String>,
    #[schema(example = "sandbox-platform")]
    pub client_id: Option<String>,
    #[schema(example = "sandbox-platform-secret")]
    pub client_secret: Option<String>,
    /// Space-separated; a subset of the client's scopes (default: all of them).
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds.
    #[schema(example = 900)]
    pub expires_in: u64,
    #[schema(example = "catalog:read cards:validate vouchers:write vouchers:read")]
    pub scope: String,
}

fn parse_body(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("application/json") {
        serde_json::from_slice(body).map_err(|e| ErrorCode::MalformedJson.with(e.to_string()))
    } else if ct.starts_with("application/x-www-form-urlencoded")
        || (ct.is_empty() && body.is_empty())
    {
        serde_urlencoded::from_bytes(body).map_err(|e| ErrorCode::BadRequest.with(e.to_string()))
    } else {
        Err(ErrorCode::UnsupportedMediaType
            .with("Send application/x-www-form-urlencoded or application/json."))
    }
}

/// `Authorization: Basic base64(client_id:client_secret)`, if sent.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, b64) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// The granted scope: the client's own, or the requested subset of it.
fn grant_scope(role: Role, requested: Option<&str>) -> Result<String, ApiError> {
    let allowed = role.scopes();
    match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(allowed.join(" ")),
        Some(req) => {
            let asked: Vec<&str> = req.split_whitespace().collect();
            if let Some(bad) = asked.iter().find(|s| !allowed.contains(s)) {
                return Err(ErrorCode::InvalidScope
                    .with(format!("Scope {bad:?} is not granted to this client.")));
            }
            Ok(asked.join(" "))
        }
    }
}

/// Exchange client credentials for an access token.
#[utoipa::path(
    tag = "auth",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, description = "unsupported_grant_type, invalid_scope, malformed_json", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_client", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "unsupported_media_type", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/oauth/token")]
pub async fn token(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let form = parse_body(&req, &body)?;
    if form.grant_type.as_deref() != Some("client_credentials") {
        return Err(ErrorCode::InvalidGrant.with("grant_type must be client_credentials."));
    }
    let (client_id, client_secret) =
        match (basic_credentials(&req), form.client_id, form.client_secret) {
            (Some(basic), _, _) => basic,
            (None, Some(id), Some(secret)) => (id, secret),
            _ => return Err(ErrorCode::InvalidClient.with("Send client_id and client_secret.")),
        };
    if client_id.len() > 200 || client_secret.len() > 200 {
        return Err(ErrorCode::InvalidClient.with("Unknown client_id or wrong client_secret."));
    }
    state.check_token_rate(&client_id)?;
    let lookup_id = client_id.clone();
    let row = state
        .db(move |c| Ok(partners::find_by_client_id(c, &lookup_id)?))
        .await?;
    // argon2 is CPU-bound: keep it off the async workers.
    let partner = web::block(move || authenticate(row, &client_secret)).await??;
    let role = Role::parse(&partner.kind)
        .ok_or_else(|| ApiError::internal("partner kind", &partner.kind))?;
    let scope = grant_scope(role, form.scope.as_deref())?;
    let (access_token, expires_in) = state.keys.issue(&partner.id, role, &scope)?;
    Ok(web::Json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in,
        scope,
    }))
}
