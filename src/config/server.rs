//! Where the API listens, what it accepts, and who may read its metrics.

use super::ConfigError;
use super::env::Env;
use super::secret::Secret;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `PRAKERJA_BIND` (port 0 picks a free port).
    pub bind: String,
    /// `PRAKERJA_PUBLIC_URL`: the base URL partners use; error `type` links start with it.
    pub public_url: Option<String>,
    /// `PRAKERJA_MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
    /// `PRAKERJA_METRICS_BIND`: serve `/metrics` on this separate address (an internal network)
    /// instead of the public listener.
    pub metrics_bind: Option<String>,
    /// `PRAKERJA_METRICS_TOKEN`: `/metrics` on the public listener requires `Bearer <token>`.
    pub metrics_token: Option<Secret<String>>,
    /// `PRAKERJA_TRUSTED_PROXIES`: comma-separated addresses of the load balancers in front; for a
    /// request from one of them, the client is the address it names in `X-Forwarded-For`
    /// (per-address limits then count clients, not the balancer).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            max_body_bytes: 2 * 1024 * 1024,
            metrics_bind: None,
            metrics_token: None,
            trusted_proxies: Vec::new(),
        }
    }
}

impl ServerConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            bind: env.string("PRAKERJA_BIND", &d.bind),
            public_url: env.var("PRAKERJA_PUBLIC_URL"),
            max_body_bytes: env.parse("PRAKERJA_MAX_BODY_BYTES", d.max_body_bytes)?,
            metrics_bind: env.var("PRAKERJA_METRICS_BIND"),
            metrics_token: env.var("PRAKERJA_METRICS_TOKEN").map(Secret::new),
            trusted_proxies: env
                .var("PRAKERJA_TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse().map_err(|_| {
                        ConfigError(format!(
                            "PRAKERJA_TRUSTED_PROXIES: {s:?} is not an IP address"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn problems(&self, production: bool) -> Vec<String> {
        let mut out = Vec::new();
        if self.max_body_bytes < 1024 {
            out.push("PRAKERJA_MAX_BODY_BYTES must be at least 1024".into());
        }
        if let Some(token) = &self.metrics_token
            && let Some(why) = super::strength::weak_text(token.expose())
        {
            out.push(format!("PRAKERJA_METRICS_TOKEN is too weak: {why}"));
        }
        if production && self.public_url.is_none() {
            out.push("PRAKERJA_PUBLIC_URL must be set to the URL partners use".into());
        }
        out
    }

    /// Whether `/metrics` is served on the public listener: always outside production; in
    /// production only behind `PRAKERJA_METRICS_TOKEN` (else use `PRAKERJA_METRICS_BIND`).
    pub fn public_metrics(&self, production: bool) -> bool {
        !production || self.metrics_token.is_some()
    }
}
