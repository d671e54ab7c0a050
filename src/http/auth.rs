//! The edge's authorization, in the order the contract fixes: token (signature, expiry, not
//! revoked) → role and scope → the partner's rate limit → the idempotency key. A route states what
//! it needs by its extractor's type: `Auth<ValidateCards>`.

use std::marker::PhantomData;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

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

/// What needs no database: a valid token of an allowed role carrying the route's scope.
fn admit<P: Permission>(req: &HttpRequest) -> Result<(web::Data<AppState>, Claims), Error> {
    let state = state(req)?;
    let token = bearer(req).ok_or_else(|| {
        ErrorCode::InvalidToken.with("Send an access token: Authorization: Bearer <token>.")
    })?;
    let claims = state.core.keys.verify(token)?;
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
    Ok((state, claims))
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

impl<P: Permission + 'static> FromRequest for Auth<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        // The checks that need no database run now, so their refusals come before the body's.
        let admitted = admit::<P>(&req);
        Box::pin(async move {
            let (state, claims) = admitted?;
            state.core.check_token(&claims).await?;
            state.limits.partner(&claims.sub)?;
            let idempotency = idempotency_key(&req)?;
            let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
            let call = Call::new(
                Actor {
                    who: who(&claims)?,
                    request_id,
                },
                idempotency,
            );
            req.extensions_mut().insert(Replayed(call.replayed_flag()));
            Ok(Auth {
                call,
                _permission: PhantomData,
            })
        })
    }
}
