//! JWT access tokens: HS256, `kid` in the header so keys can rotate (the current key signs, any
//! configured previous key still verifies until its tokens expire).

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::domain::Role;
use crate::error::{Error, ErrorCode};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The partner id (or the participant's card id for participant tokens).
    pub sub: String,
    pub role: Role,
    pub scope: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    /// The partner's token generation when issued: rotating its secret or disabling it moves the
    /// generation on, and older tokens stop working.
    #[serde(default)]
    pub generation: i64,
}

pub struct JwtKeys {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    pub ttl: Duration,
}

/// A key's id: the first 16 hex digits of its SHA-256, so operators never have to name keys.
fn key_id(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))[..16].to_string()
}

impl JwtKeys {
    pub fn from_config(config: &Config) -> Self {
        let mut verifying = HashMap::new();
        let auth = &config.auth;
        for secret in std::iter::once(&auth.jwt_secret).chain(&auth.jwt_previous_secrets) {
            let secret = secret.expose();
            verifying.insert(key_id(secret), DecodingKey::from_secret(secret.as_bytes()));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&auth.issuer]);
        validation.set_audience(&[&auth.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Self {
            kid: key_id(auth.jwt_secret.expose()),
            signing: EncodingKey::from_secret(auth.jwt_secret.expose().as_bytes()),
            verifying,
            validation,
            issuer: auth.issuer.clone(),
            audience: auth.audience.clone(),
            ttl: auth.token_ttl,
        }
    }

    /// A signed partner token for `sub` under its token `generation`, with its lifetime in seconds.
    pub fn issue(
        &self,
        sub: &str,
        role: Role,
        scope: &str,
        generation: i64,
    ) -> Result<(String, u64), Error> {
        self.issue_for(sub, role, scope, generation, self.ttl)
    }

    /// A signed token that lives `ttl`.
    pub fn issue_for(
        &self,
        sub: &str,
        role: Role,
        scope: &str,
        generation: i64,
        ttl: Duration,
    ) -> Result<(String, u64), Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.into(),
            role,
            scope: scope.into(),
            iat: now,
            exp: now + ttl.as_secs(),
            jti: uuid::Uuid::new_v4().to_string(),
            generation,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.signing)
            .map_err(|e| Error::internal("jwt encode", e))?;
        Ok((token, ttl.as_secs()))
    }

    /// Checks signature (by `kid`), algorithm, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, Error> {
        let invalid = |why: &str| ErrorCode::InvalidToken.with(why.to_string());
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("The access token is not a well-formed JWT."))?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or_else(|| invalid("The access token was not signed by a key we accept."))?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                match e.kind() {
                    K::ExpiredSignature => {
                        invalid("The access token has expired; request a new one.")
                    }
                    K::InvalidAudience | K::InvalidIssuer => invalid(
                        "The access token was issued for another audience or by another issuer.",
                    ),
                    _ => invalid("The access token is invalid."),
                }
            })
    }
}
