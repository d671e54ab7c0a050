//! The database: which one, and how many connections.

use super::ConfigError;
use super::env::Env;
use super::secret::Secret;

#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`: `sqlite://path`, `postgres://...` or `postgresql://...`. A secret: it can
    /// hold a password.
    pub url: Secret<String>,
    /// `PRAKERJA_DB_POOL_SIZE`.
    pub pool_size: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: Secret::new("sqlite://data/prakerja.db".into()),
            pool_size: 10,
        }
    }
}

impl DatabaseConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            url: env.var("DATABASE_URL").map(Secret::new).unwrap_or(d.url),
            pool_size: env.parse("PRAKERJA_DB_POOL_SIZE", d.pool_size)?,
        })
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = crate::db::Backend::from_url(self.url.expose()) {
            out.push(e);
        }
        if self.pool_size == 0 {
            out.push("PRAKERJA_DB_POOL_SIZE must be above 0".into());
        }
        out
    }
}
