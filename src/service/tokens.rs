//! Issuing access tokens and keeping them honest.
//!
//! - A token carries its partner's token generation; rotating the secret or disabling the partner
//!   moves it on. Each instance caches a partner's stamp for a couple of seconds, so a cut-off
//!   partner is refused everywhere within that time, at the cost of one indexed read per partner.
//! - Client secrets are argon2 hashes: checking one costs tens of milliseconds of CPU. Checks run
//!   a few at a time (more wait briefly, then get 503); a correct secret is remembered for a while
//!   under a keyed hash, so a partner's repeat requests cost nothing; an unknown client id waits as
//!   long as a real check would, without doing one, so it cannot be told apart by timing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::Core;
use crate::auth::{scope, secret, token::Claims};
use crate::config::Config;
use crate::crypto::PiiCipher;
use crate::db::partners::{self, Partner, Stamp};
use crate::domain::partner::PartnerStatus;
use crate::domain::{PartnerId, Role};
use crate::error::{Error, ErrorCode};

/// How long a verified secret is remembered.
const VERIFIED_FOR: Duration = Duration::from_secs(300);
const MAX_REMEMBERED: usize = 10_000;

pub struct TokenGuard {
    cipher: PiiCipher,
    stamp_ttl: Duration,
    stamps: Mutex<HashMap<PartnerId, (Stamp, Instant)>>,
    verified: Mutex<HashMap<String, Instant>>,
    checks: Semaphore,
    check_wait: Duration,
    /// A running estimate of one secret check's duration.
    check_cost: Mutex<Duration>,
    /// Secret checks actually run (argon2 verifications).
    checks_run: AtomicU64,
}

impl TokenGuard {
    pub fn new(config: &Config, cipher: PiiCipher) -> Self {
        let started = Instant::now();
        secret::verify("warm-up", secret::decoy_hash());
        Self {
            cipher,
            stamp_ttl: config.auth.revocation_check,
            stamps: Mutex::default(),
            verified: Mutex::default(),
            checks: Semaphore::new(config.limits.secret_checks_in_flight.max(1) as usize),
            check_wait: config.limits.secret_check_wait,
            check_cost: Mutex::new(started.elapsed()),
            checks_run: AtomicU64::new(0),
        }
    }

    /// How many secret checks (password hashes) this instance has run.
    pub fn secret_checks(&self) -> u64 {
        self.checks_run.load(Ordering::Relaxed)
    }

    fn remembered(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut map = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some(until) if *until > now => true,
            Some(_) => {
                map.remove(key);
                false
            }
            None => false,
        }
    }

    fn remember(&self, key: String) {
        let now = Instant::now();
        let mut map = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_REMEMBERED {
            map.retain(|_, until| *until > now);
        }
        if map.len() < MAX_REMEMBERED {
            map.insert(key, now + VERIFIED_FOR);
        }
    }

    fn cost(&self) -> Duration {
        *self.check_cost.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn observe(&self, took: Duration) {
        let mut cost = self.check_cost.lock().unwrap_or_else(|p| p.into_inner());
        *cost = (*cost * 7 + took) / 8;
    }

    fn cached_stamp(&self, id: &PartnerId) -> Option<Stamp> {
        let map = self.stamps.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id)
            .filter(|(_, at)| at.elapsed() < self.stamp_ttl)
            .map(|(s, _)| *s)
    }

    fn store_stamp(&self, id: PartnerId, stamp: Stamp) {
        let mut map = self.stamps.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(id, (stamp, Instant::now()));
    }

    /// Drops a partner's cached stamp (this instance sees its own changes at once).
    pub fn forget(&self, id: &PartnerId) {
        let mut map = self.stamps.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(id);
    }
}

/// Client credentials, as a token request carries them. No `Debug`: it would print the secret.
#[derive(Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated; a subset of the client's scopes (default: all of them).
    pub scope: Option<String>,
}

/// An issued access token.
#[derive(Clone)]
pub struct TokenGrant {
    pub access_token: String,
    pub expires_in: u64,
    pub scope: String,
}

impl Core {
    /// Exchanges client credentials for an access token.
    pub async fn issue_token(&self, creds: ClientCredentials) -> Result<TokenGrant, Error> {
        let invalid = || ErrorCode::InvalidClient.refusal();
        if creds.client_id.len() > 200 || creds.client_secret.len() > 200 {
            return Err(invalid());
        }
        let id = creds.client_id.clone();
        let partner = self
            .read(move |c, _| Ok(partners::find_by_client_id(c, &id)?))
            .await?;
        let accepted = self.check_secret(partner.as_ref(), &creds).await?;
        let partner = match partner {
            Some(p) if accepted && p.status == PartnerStatus::Active => p,
            _ => return Err(invalid()),
        };
        let role = partner.kind.role();
        let scope = grant_scope(role, creds.scope.as_deref())?;
        let (access_token, expires_in) =
            self.keys
                .issue(partner.id.as_str(), role, &scope, partner.token_generation)?;
        Ok(TokenGrant {
            access_token,
            expires_in,
            scope,
        })
    }

    /// Whether `creds` hold `partner`'s secret, within the bound on concurrent checks.
    async fn check_secret(
        &self,
        partner: Option<&Partner>,
        creds: &ClientCredentials,
    ) -> Result<bool, Error> {
        let guard = &self.tokens;
        let remembered = partner.map(|p| {
            guard.cipher.digest(
                "VerifiedSecret",
                &[
                    p.client_id.as_bytes(),
                    creds.client_secret.as_bytes(),
                    p.secret_hash.as_bytes(),
                ],
            )
        });
        if remembered.as_deref().is_some_and(|k| guard.remembered(k)) {
            return Ok(true);
        }
        let _permit = tokio::time::timeout(guard.check_wait, guard.checks.acquire())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                ErrorCode::Unavailable
                    .with("Too many token requests are being checked right now; retry shortly.")
                    .retry_after(1)
            })?;
        let Some(partner) = partner else {
            // As long as a real check, without the CPU: an unknown id looks like a wrong secret.
            tokio::time::sleep(guard.cost()).await;
            return Ok(false);
        };
        let (secret, hash) = (creds.client_secret.clone(), partner.secret_hash.clone());
        let started = Instant::now();
        guard.checks_run.fetch_add(1, Ordering::Relaxed);
        let ok = tokio::task::spawn_blocking(move || secret::verify(&secret, &hash))
            .await
            .map_err(|e| Error::internal("secret check", e))?;
        guard.observe(started.elapsed());
        if let (true, Some(key)) = (ok, remembered) {
            guard.remember(key);
        }
        Ok(ok)
    }

    /// The claims of a bearer token that is valid (signature, expiry) and not revoked.
    pub async fn authenticate(&self, token: &str) -> Result<Claims, Error> {
        let claims = self.keys.verify(token)?;
        self.check_token(&claims).await?;
        Ok(claims)
    }

    /// Refuses a partner token whose partner was disabled or whose secret was rotated since it
    /// was issued. Participant tokens are short-lived and carry no partner stamp.
    async fn check_token(&self, claims: &Claims) -> Result<(), Error> {
        if claims.role == Role::Participant {
            return Ok(());
        }
        let revoked =
            || ErrorCode::InvalidToken.with("The access token was revoked; request a new one.");
        let id = PartnerId::stored(claims.sub.clone());
        let stamp = match self.tokens.cached_stamp(&id) {
            Some(stamp) => stamp,
            None => {
                let lookup = id.clone();
                let stamp = self
                    .read(move |c, _| Ok(partners::stamp(c, &lookup)?))
                    .await?
                    .ok_or_else(revoked)?;
                self.tokens.store_stamp(id, stamp);
                stamp
            }
        };
        if stamp.status != PartnerStatus::Active || stamp.token_generation != claims.generation {
            return Err(revoked());
        }
        Ok(())
    }
}

/// The granted scope: the client's own, or the requested subset of it.
fn grant_scope(role: Role, requested: Option<&str>) -> Result<String, Error> {
    let allowed = scope::granted(role);
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
