//! `POST /v1/oauth/token`: OAuth 2.0 client credentials (RFC 6749 §4.4), as a form or JSON body,
//! with the credentials in the body or in HTTP Basic auth.

use actix_web::{HttpRequest, post, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::problem::{ApiError, Problem};
use crate::error::{Error, ErrorCode};
use crate::service::tokens::ClientCredentials;
use crate::state::AppState;

// No `Debug`: it would print the secret.
#[derive(Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(required = true, value_type = String, example = "client_credentials", pattern = "^client_credentials$")]
    pub grant_type: Option<String>,
    #[schema(example = "sandbox-platform")]
    pub client_id: Option<String>,
    #[schema(example = "sandbox-platform-secret")]
    pub client_secret: Option<String>,
    /// Space-separated; a subset of the client's scopes (default: all of them).
    pub scope: Option<String>,
}

#[derive(Serialize, ToSchema)]
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

fn parse_body(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, Error> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("application/json") {
        super::json::parse(body)
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

/// Exchange client credentials for an access token.
#[utoipa::path(
    operation_id = "createToken",
    tag = "auth",
    request_body(
        content = TokenRequest,
        content_type = "application/x-www-form-urlencoded",
        description = "As RFC 6749 has it. A JSON body with the same fields is accepted too; \
            the credentials may instead go in HTTP Basic auth (as the docs' Authorize button sends them).",
    ),
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, description = "unsupported_grant_type, invalid_scope, malformed_json", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_client", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "unsupported_media_type", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited (per client id and per source address)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "service_unavailable (too many secrets being checked at once; retry after Retry-After)", body = Problem, content_type = "application/problem+json"),
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
        return Err(ErrorCode::InvalidGrant.into());
    }
    let (client_id, client_secret) =
        match (basic_credentials(&req), form.client_id, form.client_secret) {
            (Some(basic), _, _) => basic,
            (None, Some(id), Some(secret)) => (id, secret),
            _ => {
                return Err(ErrorCode::InvalidClient
                    .with("Send client_id and client_secret.")
                    .into());
            }
        };
    let client = super::limits::client_ip(&req, &state.config.server.trusted_proxies);
    state.limits.token(client).await?;
    let creds = ClientCredentials {
        client_id,
        client_secret,
        scope: form.scope,
    };
    let grant = state.core.issue_token(creds).await?;
    Ok(web::Json(TokenResponse {
        access_token: grant.access_token,
        token_type: "Bearer".into(),
        expires_in: grant.expires_in,
        scope: grant.scope,
    }))
}
