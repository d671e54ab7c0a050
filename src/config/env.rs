//! Reading environment variables: empty counts as unset, and a bad value names its variable.

use std::time::Duration;

use super::ConfigError;

/// Where settings come from: the process environment, or a fixed set of variables in tests.
pub struct Env {
    fixed: Option<std::collections::HashMap<String, String>>,
}

impl Env {
    /// The process environment (after `.env`, if present).
    pub fn process() -> Self {
        Self { fixed: None }
    }

    /// A fixed set of variables (tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self { fixed: Some(map) }
    }

    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.fixed {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    pub fn string(&self, name: &str, default: &str) -> String {
        self.var(name).unwrap_or_else(|| default.to_string())
    }

    pub fn parse<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError> {
        match self.var(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| ConfigError(format!("{name}={v:?} is not a valid value"))),
        }
    }

    pub fn bool(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.var(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(ConfigError(format!("{name}={v:?} must be true or false"))),
        }
    }

    pub fn secs(&self, name: &str, default: Duration) -> Result<Duration, ConfigError> {
        self.parse(name, default.as_secs()).map(Duration::from_secs)
    }

    pub fn millis(&self, name: &str, default: Duration) -> Result<Duration, ConfigError> {
        self.parse(name, default.as_millis() as u64)
            .map(Duration::from_millis)
    }
}
