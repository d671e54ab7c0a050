//! Access tokens: the signing secrets, who they are for, how long they live.

use std::time::Duration;

use super::ConfigError;
use super::env::Env;
use super::secret::Secret;

/// A development-only secret: production refuses it.
pub(super) const DEV_JWT_SECRET: &str = "development-only-jwt-secret-change-me-0123456789";

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// `PRAKERJA_JWT_SECRET`: HS256 signing secret (at least 32 bytes).
    pub jwt_secret: Secret<String>,
    /// `PRAKERJA_JWT_PREVIOUS_SECRETS`: comma-separated secrets still accepted for verification.
    pub jwt_previous_secrets: Vec<Secret<String>>,
    /// `PRAKERJA_JWT_ISSUER`.
    pub issuer: String,
    /// `PRAKERJA_JWT_AUDIENCE`.
    pub audience: String,
    /// `PRAKERJA_TOKEN_TTL_SECONDS`: access token lifetime.
    pub token_ttl: Duration,
    /// `PRAKERJA_PARTICIPANT_TOKEN_TTL_SECONDS`: a holder's dashboard token lifetime (short: it is
    /// never revoked, and the holder can always sign in again with an OTP).
    pub participant_token_ttl: Duration,
    /// `PRAKERJA_REVOCATION_CHECK_SECONDS`: how long a partner's revocation stamp is cached; a
    /// rotated or disabled partner is cut off within this many seconds on every instance.
    pub revocation_check: Duration,
    /// `PRAKERJA_ADMIN_CLIENT_ID` and `PRAKERJA_ADMIN_CLIENT_SECRET`: an admin client ensured at start-up.
    pub admin_client: Option<(String, Secret<String>)>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: Secret::new(DEV_JWT_SECRET.into()),
            jwt_previous_secrets: Vec::new(),
            issuer: "prakerja-api".into(),
            audience: "prakerja-partners".into(),
            token_ttl: Duration::from_secs(900),
            participant_token_ttl: Duration::from_secs(600),
            revocation_check: Duration::from_secs(2),
            admin_client: None,
        }
    }
}

impl AuthConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        let admin_client = match (
            env.var("PRAKERJA_ADMIN_CLIENT_ID"),
            env.var("PRAKERJA_ADMIN_CLIENT_SECRET"),
        ) {
            (Some(id), Some(secret)) => Some((id, Secret::new(secret))),
            (None, None) => None,
            _ => {
                return Err(ConfigError(
                    "set both PRAKERJA_ADMIN_CLIENT_ID and PRAKERJA_ADMIN_CLIENT_SECRET, or neither"
                        .into(),
                ));
            }
        };
        Ok(Self {
            jwt_secret: env
                .var("PRAKERJA_JWT_SECRET")
                .map(Secret::new)
                .unwrap_or(d.jwt_secret),
            jwt_previous_secrets: env
                .var("PRAKERJA_JWT_PREVIOUS_SECRETS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Secret::new(s.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            issuer: env.string("PRAKERJA_JWT_ISSUER", &d.issuer),
            audience: env.string("PRAKERJA_JWT_AUDIENCE", &d.audience),
            token_ttl: env.secs("PRAKERJA_TOKEN_TTL_SECONDS", d.token_ttl)?,
            participant_token_ttl: env.secs(
                "PRAKERJA_PARTICIPANT_TOKEN_TTL_SECONDS",
                d.participant_token_ttl,
            )?,
            revocation_check: env.secs("PRAKERJA_REVOCATION_CHECK_SECONDS", d.revocation_check)?,
            admin_client,
        })
    }

    pub fn problems(&self, production: bool) -> Vec<String> {
        let mut out = Vec::new();
        if self.jwt_secret.expose().len() < 32 {
            out.push("PRAKERJA_JWT_SECRET must be at least 32 bytes".into());
        }
        if self.token_ttl.is_zero() {
            out.push("PRAKERJA_TOKEN_TTL_SECONDS must be above 0".into());
        }
        if self.participant_token_ttl.is_zero() {
            out.push("PRAKERJA_PARTICIPANT_TOKEN_TTL_SECONDS must be above 0".into());
        }
        if !production {
            return out;
        }
        let all = std::iter::once(&self.jwt_secret).chain(&self.jwt_previous_secrets);
        if all.clone().any(|s| s.expose() == DEV_JWT_SECRET) {
            out.push("PRAKERJA_JWT_SECRET must be set to your own secret (the development default is public)".into());
        } else if let Some(why) = super::strength::weak_text(self.jwt_secret.expose()) {
            out.push(format!("PRAKERJA_JWT_SECRET is too weak: {why}"));
        }
        if let Some((_, secret)) = &self.admin_client
            && let Some(why) = super::strength::weak_text(secret.expose())
        {
            out.push(format!("PRAKERJA_ADMIN_CLIENT_SECRET is too weak: {why}"));
        }
        out
    }
}
