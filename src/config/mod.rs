//! Every setting, by concern: one file each, holding its environment variables, its defaults
//! (written once, in the part's `Default`, which both `from_env` and tests start from) and its
//! checks. `PRAKERJA_ENV=production` refuses development defaults and weak or reused keys, naming
//! each variable to set. Secrets are [`Secret`]s, so `Debug` of the whole configuration is safe to log.

pub mod auth;
pub mod database;
pub mod env;
pub mod keys;
pub mod limits;
pub mod otp;
pub mod payouts;
pub mod retention;
pub mod secret;
pub mod server;
pub mod sms;
pub mod strength;
pub mod webhooks;

pub use auth::AuthConfig;
pub use database::DatabaseConfig;
pub use env::Env;
pub use keys::KeysConfig;
pub use limits::LimitsConfig;
pub use otp::OtpConfig;
pub use payouts::PayoutConfig;
pub use retention::RetentionConfig;
pub use secret::Secret;
pub use server::ServerConfig;
pub use sms::SmsConfig;
pub use webhooks::WebhookConfig;

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

#[derive(Clone, Debug)]
pub struct Config {
    /// `PRAKERJA_ENV`: `development` (default) or `production`.
    pub production: bool,
    /// `PRAKERJA_SANDBOX` (default true outside production): demo seed, SMS outbox, test cards.
    pub sandbox: bool,
    /// `PRAKERJA_LOG_FORMAT`: `pretty` (default) or `json`.
    pub log_json: bool,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: where spans go over OTLP/HTTP; none exported when unset.
    pub otlp_endpoint: Option<String>,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub keys: KeysConfig,
    pub otp: OtpConfig,
    pub sms: SmsConfig,
    pub retention: RetentionConfig,
    pub limits: LimitsConfig,
    pub payouts: PayoutConfig,
    pub webhooks: WebhookConfig,
}

impl Config {
    /// Reads the environment (after loading `.env` if present) and checks it.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::read(&Env::process())
    }

    pub fn read(env: &Env) -> Result<Self, ConfigError> {
        let production = match env.var("PRAKERJA_ENV").as_deref() {
            None | Some("development") => false,
            Some("production") => true,
            Some(other) => {
                return Err(ConfigError(format!(
                    "PRAKERJA_ENV={other:?} must be development or production"
                )));
            }
        };
        let config = Config {
            production,
            sandbox: env.bool("PRAKERJA_SANDBOX", !production)?,
            log_json: env.var("PRAKERJA_LOG_FORMAT").as_deref() == Some("json"),
            otlp_endpoint: env
                .var("OTEL_EXPORTER_OTLP_ENDPOINT")
                .filter(|v| !v.is_empty()),
            server: ServerConfig::from_env(env)?,
            database: DatabaseConfig::from_env(env)?,
            auth: AuthConfig::from_env(env)?,
            keys: KeysConfig::from_env(env, production)?,
            otp: OtpConfig::from_env(env)?,
            sms: SmsConfig::from_env(env)?,
            retention: RetentionConfig::from_env(env)?,
            limits: LimitsConfig::from_env(env)?,
            payouts: PayoutConfig::from_env(env)?,
            webhooks: WebhookConfig::from_env(env)?,
        };
        config.check()?;
        Ok(config)
    }

    /// Rules every configuration obeys, and the stricter ones of production.
    pub fn check(&self) -> Result<(), ConfigError> {
        let p = self.production;
        let mut problems = Vec::new();
        problems.extend(self.server.problems(p));
        problems.extend(self.database.problems());
        problems.extend(self.auth.problems(p));
        problems.extend(self.keys.problems(p));
        problems.extend(self.otp.problems());
        problems.extend(self.sms.problems(self.sandbox));
        problems.extend(self.retention.problems());
        problems.extend(self.limits.problems());
        problems.extend(self.payouts.problems(self.sandbox));
        problems.extend(self.webhooks.problems());
        if p {
            if self.sandbox {
                problems.push("PRAKERJA_SANDBOX must be false in production".into());
            }
            problems.extend(strength::reused(&self.named_secrets()));
        }
        if problems.is_empty() {
            return Ok(());
        }
        let prefix = if p {
            "refusing to start in production: "
        } else {
            ""
        };
        Err(ConfigError(format!("{prefix}{}", problems.join("; "))))
    }

    /// Every key and secret with the variable that holds it, for the one-key-one-purpose check.
    fn named_secrets(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut out = vec![(
            "PRAKERJA_JWT_SECRET",
            self.auth.jwt_secret.expose().as_bytes().to_vec(),
        )];
        for s in &self.auth.jwt_previous_secrets {
            out.push((
                "PRAKERJA_JWT_PREVIOUS_SECRETS",
                s.expose().as_bytes().to_vec(),
            ));
        }
        for key in self.keys.data_keys.values() {
            out.push(("PRAKERJA_DATA_KEYS", key.expose().to_vec()));
        }
        out.push(("PRAKERJA_INDEX_KEY", self.keys.index_key.expose().to_vec()));
        if let Some(t) = &self.server.metrics_token {
            out.push(("PRAKERJA_METRICS_TOKEN", t.expose().as_bytes().to_vec()));
        }
        if let Some((_, s)) = &self.auth.admin_client {
            out.push((
                "PRAKERJA_ADMIN_CLIENT_SECRET",
                s.expose().as_bytes().to_vec(),
            ));
        }
        out
    }

    /// A development configuration for tests: the defaults, the public test keys, no environment
    /// read, a free port, and limits high enough not to get in a test's way.
    pub fn for_tests(database_url: &str) -> Self {
        Config {
            production: false,
            sandbox: true,
            log_json: false,
            otlp_endpoint: None,
            server: ServerConfig {
                bind: "127.0.0.1:0".into(),
                ..Default::default()
            },
            database: DatabaseConfig {
                url: Secret::new(database_url.into()),
                pool_size: 4,
            },
            auth: AuthConfig::default(),
            keys: KeysConfig::for_tests(),
            otp: OtpConfig::default(),
            sms: SmsConfig::default(),
            retention: RetentionConfig::default(),
            limits: LimitsConfig {
                per_second: 1000,
                burst: 2000,
                validations_per_minute: 1000,
                token_requests_per_minute: 10_000,
                ..Default::default()
            },
            payouts: PayoutConfig::default(),
            webhooks: WebhookConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut all = vec![("PRAKERJA_ENV", "production")];
        all.extend_from_slice(pairs);
        Config::read(&Env::from_pairs(&all))
    }

    const GOOD: &[(&str, &str)] = &[
        (
            "PRAKERJA_JWT_SECRET",
            "Kx8vQ2mN7pL4rT9wY3zB6cF1hJ5kM0nP8sV2xZ4aD7g=",
        ),
        (
            "PRAKERJA_DATA_KEYS",
            "k1:7wSxN/Ga7pP8/jB25F1W20Ar8GuhpR9+ZVD2+GFMmvs=",
        ),
        (
            "PRAKERJA_INDEX_KEY",
            "c8gsCgQAR1czj4Y4R7IqjIYxyEsXaqzZsnT+ctYKkqs=",
        ),
        ("PRAKERJA_PUBLIC_URL", "https://api.example.id"),
        ("PRAKERJA_SMS_GATEWAY_URL", "https://sms.example.id/send"),
        (
            "PRAKERJA_PAYOUT_GATEWAY_URL",
            "https://payout.example.id/payouts",
        ),
    ];

    #[test]
    fn production_refuses_development_defaults_and_names_each_variable() {
        let err = production(&[("PRAKERJA_SANDBOX", "true")])
            .expect_err("dev defaults")
            .0;
        for var in [
            "PRAKERJA_SANDBOX",
            "PRAKERJA_JWT_SECRET",
            "PRAKERJA_DATA_KEYS",
            "PRAKERJA_INDEX_KEY",
            "PRAKERJA_PUBLIC_URL",
        ] {
            assert!(err.contains(var), "{err} should name {var}");
        }
        let no_gateway = production(&GOOD[..4]).expect_err("no SMS gateway").0;
        assert!(
            no_gateway.contains("PRAKERJA_SMS_GATEWAY_URL"),
            "{no_gateway}"
        );
    }

    #[test]
    fn production_starts_with_strong_keys_of_its_own() {
        let config = production(GOOD).expect("starts");
        assert!(!config.sandbox);
        assert!(
            !format!("{config:?}").contains("Kx8vQ2mN7pL4"),
            "Debug leaks no secret"
        );
    }

    #[test]
    fn production_refuses_a_weak_jwt_secret() {
        let mut pairs = GOOD.to_vec();
        let weak = "a".repeat(32);
        pairs[0] = ("PRAKERJA_JWT_SECRET", &weak);
        let err = production(&pairs).expect_err("weak").0;
        assert!(err.contains("PRAKERJA_JWT_SECRET is too weak"), "{err}");
    }

    #[test]
    fn production_refuses_one_key_for_two_purposes() {
        let mut pairs = GOOD.to_vec();
        pairs[2] = (
            "PRAKERJA_INDEX_KEY",
            "7wSxN/Ga7pP8/jB25F1W20Ar8GuhpR9+ZVD2+GFMmvs=",
        );
        let err = production(&pairs).expect_err("reused").0;
        assert!(
            err.contains("PRAKERJA_DATA_KEYS and PRAKERJA_INDEX_KEY must be different"),
            "{err}"
        );
        let mut pairs = GOOD.to_vec();
        pairs[0] = (
            "PRAKERJA_JWT_SECRET",
            "c8gsCgQAR1czj4Y4R7IqjIYxyEsXaqzZsnT+ctYKkqs=",
        );
        let err = production(&pairs).expect_err("reused").0;
        assert!(
            err.contains("PRAKERJA_JWT_SECRET and PRAKERJA_INDEX_KEY"),
            "{err}"
        );
    }

    #[test]
    fn production_refuses_a_data_key_of_one_repeated_byte() {
        use base64::Engine;
        let weak = format!(
            "k1:{}",
            base64::engine::general_purpose::STANDARD.encode([7u8; 32])
        );
        let mut pairs = GOOD.to_vec();
        pairs[1] = ("PRAKERJA_DATA_KEYS", &weak);
        let err = production(&pairs).expect_err("weak").0;
        assert!(
            err.contains("PRAKERJA_DATA_KEYS key \"k1\" is too weak"),
            "{err}"
        );
    }

    #[test]
    fn production_keeps_metrics_off_the_public_listener_without_a_token() {
        let config = production(GOOD).expect("starts");
        assert!(!config.server.public_metrics(true));
        assert!(Config::for_tests("sqlite://x").server.public_metrics(false));
    }
}
