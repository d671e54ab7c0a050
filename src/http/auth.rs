//! The edge's authorization, in the order the contract fixes: token (signature, expiry, not
//! revoked: settled by `middleware/authenticate.rs`) → role and scope → the partner's rate limit →
//! the idempotency key. A route states what it needs by its extractor's type:
//! `Auth<ValidateCards>`. The extractor is synchronous, so it answers before any other.

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use super::middleware::authenticate::Verdict;
use super::middleware::idempotency::{Fingerprint, Replayed};
use super::middleware::request_id::RequestId;
use super::problem::ApiError;
use crate::auth::scope::Permission;
use crate::auth::token::Claims;
use crate::domain::{ParticipantId, PartnerId, Role, Who};
use crate::error::{Error, ErrorCode};
use crate::service::{Actor, Call, IdempotencyKey};
use crate::state::AppState;

/// An authorized call of a route that needs `P`.
pub struct Auth<P: Permission> {
    pub call: Call,
    _permission: PhantomData<P>,
}

/// The bearer token of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, Error> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::internal("extractor", "AppState missing"))
}

/// A valid, unrevoked token of an allowed role, carrying the route's scope.
fn admit<P: Permission>(req: &HttpRequest) -> Result<Claims, Error> {
    let verdict = req.extensions().get::<Verdict>().cloned();
    let claims = match verdict {
        Some(Verdict(verdict)) => verdict?,
        None => {
            return Err(ErrorCode::InvalidToken
                .with("Send an access token: Authorization: Bearer <token>."));
        }
    };
    if !P::ROLES.contains(&claims.role) {
        return Err(ErrorCode::Forbidden.with(format!(
            "A {} token cannot call this endpoint.",
            claims.role.as_str()
        )));
    }
    if let Some(scope) = P::SCOPE
        && !claims.scope.split_whitespace().any(|s| s == scope)
    {
        return Err(ErrorCode::Forbidden.with(format!("This token lacks the {scope:?} scope.")));
    }
    Ok(claims)
}

/// The `Idempotency-Key` the request carried, checked: 1-255 visible ASCII characters, no spaces.
fn idempotency_key(req: &HttpRequest) -> Result<Option<IdempotencyKey>, Error> {
    let Some(fp) = req.extensions().get::<Fingerprint>().cloned() else {
        return Ok(None);
    };
    let valid = (1..=255).contains(&fp.key.len()) && fp.key.bytes().all(|b| b.is_ascii_graphic());
    if !valid {
        return Err(ErrorCode::InvalidIdempotencyKey.refusal());
    }
    Ok(Some(IdempotencyKey {
        key: fp.key,
        request_hash: fp.request_hash,
    }))
}

fn who(claims: &Claims) -> Result<Who, Error> {
    match claims.role {
        Role::Participant => Ok(Who::Holder(ParticipantId::stored(claims.sub.clone()))),
        role => Who::partner(role, PartnerId::stored(claims.sub.clone()))
            .ok_or_else(|| Error::internal("token", "a partner role without a partner")),
    }
}

fn authorize<P: Permission>(req: &HttpRequest) -> Result<Call, Error> {
    let claims = admit::<P>(req)?;
    state(req)?.limits.partner(&claims.sub)?;
    let idempotency = idempotency_key(req)?;
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let call = Call::new(
        Actor {
            who: who(&claims)?,
            request_id,
        },
        idempotency,
    );
    req.extensions_mut().insert(Replayed(call.replayed_flag()));
    Ok(call)
}

impl<P: Permission> FromRequest for Auth<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            authorize::<P>(req)
                .map(|call| Auth {
                    call,
                    _permission: PhantomData,
                })
                .map_err(ApiError),
        )
    }
}
