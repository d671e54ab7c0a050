//! Every setting: its environment variable, its default, and the production check.
//!
//! Defaults make `cargo run` work on a fresh machine (SQLite file, sandbox on, development keys).
//! `PRAKERJA_ENV=production` refuses to start on any development default and names the variable to set.

use std::collections::BTreeMap;
use std::time::Duration;

/// A development-only secret: production refuses it.
const DEV_JWT_SECRET: &str = "development-only-jwt-secret-change-me-0123456789";
/// Public keys (32 bytes, base64) for `Config::for_tests`; production refuses them by name.
/// `cargo run` does not use them: it generates its own (see `generated_keys`).
const TEST_DATA_KEY: &str = "ZGV2ZWxvcG1lbnQtb25seS1kYXRhLWtleS0zMmJ5dGU=";
const TEST_INDEX_KEY: &str = "ZGV2ZWxvcG1lbnQtb25seS1pbmRleC1rZXktMzJieXQ=";
const DEFAULT_SMS_TEMPLATE: &str = r#"{"to":"{to}","message":"{message}"}"#;

#[derive(Clone, Debug)]
pub struct Config {
    /// `PRAKERJA_ENV`: `development` (default) or `production`.
    pub production: bool,
    /// `DATABASE_URL`: `sqlite://path`, `postgres://...` or `postgresql://...`.
    pub database_url: String,
    /// `PRAKERJA_DB_POOL_SIZE`, default 10.
    pub db_pool_size: u32,
    /// `PRAKERJA_BIND`, default `127.0.0.1:8080` (port 0 picks a free port).
    pub bind: String,
    /// `PRAKERJA_PUBLIC_URL`: the base URL partners use; error `type` links start with it.
    pub public_url: Option<String>,
    /// `PRAKERJA_SANDBOX`, default true: demo seed, SMS outbox, test cards.
    pub sandbox: bool,
    /// `PRAKERJA_JWT_SECRET`: HS256 signing secret (at least 32 bytes).
    pub jwt_secret: String,
    /// `PRAKERJA_JWT_PREVIOUS_SECRETS`: comma-separated secrets still accepted for verification.
    pub jwt_previous_secrets: Vec<String>,
    /// `PRAKERJA_JWT_ISSUER`, default `prakerja-api`.
    pub jwt_issuer: String,
    /// `PRAKERJA_JWT_AUDIENCE`, default `prakerja-partners`.
    pub jwt_audience: String,
    /// `PRAKERJA_TOKEN_TTL_SECONDS`, default 900.
    pub token_ttl: Duration,
    /// `PRAKERJA_ADMIN_CLIENT_ID` and `PRAKERJA_ADMIN_CLIENT_SECRET`: an admin client ensured at start-up.
    pub admin_client: Option<(String, String)>,
    /// `PRAKERJA_RATE_LIMIT_PER_SECOND` (default 100) and `PRAKERJA_RATE_LIMIT_BURST` (default 200), per partner.
    pub rate_per_second: u32,
    pub rate_burst: u32,
    /// `PRAKERJA_MAX_BODY_BYTES`, default 2 MiB.
    pub max_body_bytes: usize,
    /// `PRAKERJA_DATA_KEYS`: `id:base64key,id:base64key`, AES-256 keys for personal data at rest.
    /// Outside production, when unset, keys are generated once into `PRAKERJA_DEV_KEY_FILE`
    /// (default `data/dev-keys`) and read from there afterwards.
    pub data_keys: BTreeMap<String, [u8; 32]>,
    /// `PRAKERJA_DATA_KEY_ID`: which of `data_keys` encrypts new values.
    pub data_key_id: String,
    /// `PRAKERJA_INDEX_KEY`: base64 HMAC key for blind indexes (lookups and uniqueness of NIK, KK, phone).
    pub index_key: [u8; 32],
    /// `PRAKERJA_OTP_TTL_SECONDS` (default 300): how long an OTP can be entered.
    pub otp_ttl: Duration,
    /// `PRAKERJA_OTP_MAX_ATTEMPTS` (default 5): wrong guesses before the validation locks.
    pub otp_max_attempts: u32,
    /// `PRAKERJA_OTP_RESEND_COOLDOWN_SECONDS` (default 60).
    pub otp_resend_cooldown: Duration,
    /// `PRAKERJA_OTP_MAX_RESENDS` (default 3) per validation.
    pub otp_max_resends: u32,
    /// `PRAKERJA_OTP_PER_CARD_PER_HOUR` (default 10): OTP SMS per card per hour, all causes together.
    pub otp_per_card_per_hour: u32,
    /// `PRAKERJA_VALIDATION_TTL_SECONDS` (default 900): how long a verified validation can buy.
    pub validation_ttl: Duration,
    /// `PRAKERJA_VALIDATIONS_PER_MINUTE` (default 60): card validations a platform may start per minute.
    pub validations_per_minute: u32,
    /// `PRAKERJA_SMS_GATEWAY_URL`: where OTP SMS are POSTed when the sandbox is off.
    pub sms_gateway_url: Option<String>,
    /// `PRAKERJA_SMS_GATEWAY_AUTHORIZATION`: the `Authorization` header value for the gateway.
    pub sms_gateway_authorization: Option<String>,
    /// `PRAKERJA_SMS_BODY_TEMPLATE` (default `{"to":"{to}","message":"{message}"}`): the JSON body,
    /// with `{to}` and `{message}` replaced by JSON-escaped values.
    pub sms_body_template: String,
    /// `PRAKERJA_SMS_TIMEOUT_MS` (default 5000) per attempt.
    pub sms_timeout: Duration,
    /// `PRAKERJA_RETENTION_IDEMPOTENCY_HOURS` (default 48; never below the 24 h replay window).
    pub retention_idempotency_hours: i64,
    /// `PRAKERJA_RETENTION_SMS_HOURS` (default 24): how long sandbox SMS are kept.
    pub retention_sms_hours: i64,
    /// `PRAKERJA_RETENTION_VALIDATION_HOURS` (default 24): card validations that bought nothing, and
    /// OTP send records (at least 1 h: the per-card cap counts the last hour).
    pub retention_validation_hours: i64,
    /// `PRAKERJA_LOG_FORMAT`: `pretty` (default) or `json`.
    pub log_json: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name}={v:?} is not a valid value"))),
    }
}

fn parse_bool(name: &str, default: bool) -> Result<bool, ConfigError> {
    match var(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(ConfigError(format!("{name}={v:?} must be true or false"))),
    }
}

pub fn decode_key(name: &str, b64: &str) -> Result<[u8; 32], ConfigError> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| ConfigError(format!("{name}: key is not valid base64")))?;
    bytes
        .try_into()
        .map_err(|_| ConfigError(format!("{name}: key must be exactly 32 bytes")))
}

/// Development keys, generated on first use and kept in `path` (`data=<b64>` and `index=<b64>`
/// lines), so sealed data stays readable across restarts. Never used in production.
fn generated_keys(path: &str) -> Result<(String, String), ConfigError> {
    use base64::Engine;
    let read = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(|v| v.trim().to_string())
    };
    if let Ok(text) = std::fs::read_to_string(path) {
        if let (Some(data), Some(index)) = (read(&text, "data"), read(&text, "index")) {
            return Ok((data, index));
        }
        return Err(ConfigError(format!(
            "{path} is not a key file (data= and index= lines)"
        )));
    }
    let b64 = |bytes: [u8; 32]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let (data, index) = (b64(rand::random()), b64(rand::random()));
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ConfigError(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, format!("# development data keys: keep with the database they sealed\ndata={data}\nindex={index}\n"))
        .map_err(|e| ConfigError(format!("cannot write {path}: {e}")))?;
    Ok((data, index))
}

fn parse_data_keys(raw: &str) -> Result<BTreeMap<String, [u8; 32]>, ConfigError> {
    let mut keys = BTreeMap::new();
    for entry in raw.split(',').filter(|e| !e.trim().is_empty()) {
        let (id, key) = entry.split_once(':').ok_or_else(|| {
            ConfigError("PRAKERJA_DATA_KEYS entries must look like id:base64key".into())
        })?;
        let id = id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConfigError(format!(
                "PRAKERJA_DATA_KEYS: key id {id:?} must be letters, digits or '-'"
            )));
        }
        keys.insert(id.to_string(), decode_key("PRAKERJA_DATA_KEYS", key)?);
    }
    Ok(keys)
}

impl Config {
    /// Reads the environment (after loading `.env` if present) and checks production rules.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let production = match var("PRAKERJA_ENV").as_deref() {
            None | Some("development") => false,
            Some("production") => true,
            Some(other) => {
                return Err(ConfigError(format!(
                    "PRAKERJA_ENV={other:?} must be development or production"
                )));
            }
        };
        let admin_client = match (
            var("PRAKERJA_ADMIN_CLIENT_ID"),
            var("PRAKERJA_ADMIN_CLIENT_SECRET"),
        ) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            _ => {
                return Err(ConfigError(
                    "set both PRAKERJA_ADMIN_CLIENT_ID and PRAKERJA_ADMIN_CLIENT_SECRET, or neither".into(),
                ));
            }
        };
        // Outside production, missing keys are generated once and kept in a file beside the data.
        let generated = if production
            || (var("PRAKERJA_DATA_KEYS").is_some() && var("PRAKERJA_INDEX_KEY").is_some())
        {
            None
        } else {
            Some(generated_keys(
                &var("PRAKERJA_DEV_KEY_FILE").unwrap_or_else(|| "data/dev-keys".into()),
            )?)
        };
        let data_keys = match (var("PRAKERJA_DATA_KEYS"), &generated) {
            (Some(raw), _) => parse_data_keys(&raw)?,
            (None, Some((data, _))) => parse_data_keys(&format!("dev:{data}"))?,
            // Production without keys: the public test key, which `check` then refuses by name.
            (None, None) => parse_data_keys(&format!("dev:{TEST_DATA_KEY}"))?,
        };
        let data_key_id = var("PRAKERJA_DATA_KEY_ID")
            .or_else(|| (data_keys.len() == 1).then(|| data_keys.keys().next().cloned()).flatten())
            .ok_or_else(|| {
                ConfigError("PRAKERJA_DATA_KEY_ID must name the key of PRAKERJA_DATA_KEYS that encrypts new data".into())
            })?;
        let config = Config {
            production,
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/prakerja.db".into()),
            db_pool_size: parse("PRAKERJA_DB_POOL_SIZE", 10)?,
            bind: var("PRAKERJA_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            public_url: var("PRAKERJA_PUBLIC_URL"),
            sandbox: parse_bool("PRAKERJA_SANDBOX", !production)?,
            jwt_secret: var("PRAKERJA_JWT_SECRET").unwrap_or_else(|| DEV_JWT_SECRET.into()),
            jwt_previous_secrets: var("PRAKERJA_JWT_PREVIOUS_SECRETS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            jwt_issuer: var("PRAKERJA_JWT_ISSUER").unwrap_or_else(|| "prakerja-api".into()),
            jwt_audience: var("PRAKERJA_JWT_AUDIENCE")
                .unwrap_or_else(|| "prakerja-partners".into()),
            token_ttl: Duration::from_secs(parse("PRAKERJA_TOKEN_TTL_SECONDS", 900)?),
            admin_client,
            rate_per_second: parse("PRAKERJA_RATE_LIMIT_PER_SECOND", 100)?,
            rate_burst: parse("PRAKERJA_RATE_LIMIT_BURST", 200)?,
            max_body_bytes: parse("PRAKERJA_MAX_BODY_BYTES", 2 * 1024 * 1024)?,
            data_keys,
            data_key_id,
            index_key: match (var("PRAKERJA_INDEX_KEY"), &generated) {
                (Some(raw), _) => decode_key("PRAKERJA_INDEX_KEY", &raw)?,
                (None, Some((_, index))) => decode_key("generated index key", index)?,
                (None, None) => decode_key("test key", TEST_INDEX_KEY)?,
            },
            otp_ttl: Duration::from_secs(parse("PRAKERJA_OTP_TTL_SECONDS", 300)?),
            otp_max_attempts: parse("PRAKERJA_OTP_MAX_ATTEMPTS", 5)?,
            otp_resend_cooldown: Duration::from_secs(parse(
                "PRAKERJA_OTP_RESEND_COOLDOWN_SECONDS",
                60,
            )?),
            otp_max_resends: parse("PRAKERJA_OTP_MAX_RESENDS", 3)?,
            otp_per_card_per_hour: parse("PRAKERJA_OTP_PER_CARD_PER_HOUR", 10)?,
            validation_ttl: Duration::from_secs(parse("PRAKERJA_VALIDATION_TTL_SECONDS", 900)?),
            validations_per_minute: parse("PRAKERJA_VALIDATIONS_PER_MINUTE", 60)?,
            sms_gateway_url: var("PRAKERJA_SMS_GATEWAY_URL"),
            sms_gateway_authorization: var("PRAKERJA_SMS_GATEWAY_AUTHORIZATION"),
            sms_body_template: var("PRAKERJA_SMS_BODY_TEMPLATE")
                .unwrap_or_else(|| DEFAULT_SMS_TEMPLATE.into()),
            sms_timeout: Duration::from_millis(parse("PRAKERJA_SMS_TIMEOUT_MS", 5000)?),
            retention_idempotency_hours: parse("PRAKERJA_RETENTION_IDEMPOTENCY_HOURS", 48)?,
            retention_sms_hours: parse("PRAKERJA_RETENTION_SMS_HOURS", 24)?,
            retention_validation_hours: parse("PRAKERJA_RETENTION_VALIDATION_HOURS", 24)?,
            log_json: var("PRAKERJA_LOG_FORMAT").as_deref() == Some("json"),
        };
        config.check()?;
        Ok(config)
    }

    /// Rules every configuration obeys, and the stricter ones of production.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.jwt_secret.len() < 32 {
            return Err(ConfigError(
                "PRAKERJA_JWT_SECRET must be at least 32 bytes".into(),
            ));
        }
        if !self.data_keys.contains_key(&self.data_key_id) {
            return Err(ConfigError(format!(
                "PRAKERJA_DATA_KEY_ID={:?} is not one of the ids in PRAKERJA_DATA_KEYS",
                self.data_key_id
            )));
        }
        if self.otp_max_attempts == 0
            || self.otp_per_card_per_hour == 0
            || self.validations_per_minute == 0
        {
            return Err(ConfigError(
                "PRAKERJA_OTP_MAX_ATTEMPTS, PRAKERJA_OTP_PER_CARD_PER_HOUR and PRAKERJA_VALIDATIONS_PER_MINUTE must be above 0".into(),
            ));
        }
        if self.rate_per_second == 0 || self.rate_burst == 0 {
            return Err(ConfigError(
                "PRAKERJA_RATE_LIMIT_PER_SECOND and PRAKERJA_RATE_LIMIT_BURST must be above 0"
                    .into(),
            ));
        }
        if self.retention_idempotency_hours < crate::db::idempotency::REPLAY_WINDOW_HOURS
            || self.retention_sms_hours < 1
            || self.retention_validation_hours < 1
        {
            return Err(ConfigError(
                "PRAKERJA_RETENTION_IDEMPOTENCY_HOURS must be at least 24, PRAKERJA_RETENTION_SMS_HOURS and PRAKERJA_RETENTION_VALIDATION_HOURS at least 1".into(),
            ));
        }
        if !self.production {
            return Ok(());
        }
        let dev_data_key = decode_key("dev", TEST_DATA_KEY)?;
        let mut problems = Vec::new();
        if self.sandbox {
            problems.push("PRAKERJA_SANDBOX must be false in production");
        }
        if self.jwt_secret == DEV_JWT_SECRET
            || self
                .jwt_previous_secrets
                .iter()
                .any(|s| s == DEV_JWT_SECRET)
        {
            problems.push("PRAKERJA_JWT_SECRET must be set to your own secret (the development default is public)");
        }
        if self.data_keys.values().any(|k| *k == dev_data_key) {
            problems.push(
                "PRAKERJA_DATA_KEYS must be set to your own keys (the development key is public)",
            );
        }
        if self.index_key == decode_key("dev", TEST_INDEX_KEY)? {
            problems.push(
                "PRAKERJA_INDEX_KEY must be set to your own key (the development key is public)",
            );
        }
        if self.sms_gateway_url.is_none() {
            problems.push("PRAKERJA_SMS_GATEWAY_URL must be set (OTPs are sent through it)");
        }
        if self.public_url.is_none() {
            problems.push("PRAKERJA_PUBLIC_URL must be set to the URL partners use");
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError(format!(
                "refusing to start in production: {}",
                problems.join("; ")
            )))
        }
    }

    pub fn otp_policy(&self) -> crate::domain::otp::OtpPolicy {
        crate::domain::otp::OtpPolicy {
            ttl: self.otp_ttl,
            max_attempts: self.otp_max_attempts,
            resend_cooldown: self.otp_resend_cooldown,
            max_resends: self.otp_max_resends,
            per_card_per_hour: self.otp_per_card_per_hour,
        }
    }

    /// A development configuration for tests: no environment read.
    pub fn for_tests(database_url: &str) -> Self {
        Config {
            production: false,
            database_url: database_url.into(),
            db_pool_size: 4,
            bind: "127.0.0.1:0".into(),
            public_url: None,
            sandbox: true,
            jwt_secret: DEV_JWT_SECRET.into(),
            jwt_previous_secrets: vec![],
            jwt_issuer: "prakerja-api".into(),
            jwt_audience: "prakerja-partners".into(),
            token_ttl: Duration::from_secs(900),
            admin_client: None,
            rate_per_second: 1000,
            rate_burst: 2000,
            max_body_bytes: 2 * 1024 * 1024,
            data_keys: parse_data_keys(&format!("dev:{TEST_DATA_KEY}")).unwrap_or_default(),
            data_key_id: "dev".into(),
            index_key: decode_key("dev", TEST_INDEX_KEY).unwrap_or_default(),
            otp_ttl: Duration::from_secs(300),
            otp_max_attempts: 5,
            otp_resend_cooldown: Duration::from_secs(60),
            otp_max_resends: 3,
            otp_per_card_per_hour: 10,
            validation_ttl: Duration::from_secs(900),
            validations_per_minute: 1000,
            sms_gateway_url: None,
            sms_gateway_authorization: None,
            sms_body_template: DEFAULT_SMS_TEMPLATE.into(),
            sms_timeout: Duration::from_secs(5),
            retention_idempotency_hours: 48,
            retention_sms_hours: 24,
            retention_validation_hours: 24,
            log_json: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_development_defaults_and_names_each_variable() {
        let mut c = Config::for_tests("sqlite://x.db");
        c.production = true;
        let err = c.check().expect_err("dev defaults must be refused").0;
        for var in [
            "PRAKERJA_SANDBOX",
            "PRAKERJA_JWT_SECRET",
            "PRAKERJA_DATA_KEYS",
            "PRAKERJA_INDEX_KEY",
            "PRAKERJA_PUBLIC_URL",
            "PRAKERJA_SMS_GATEWAY_URL",
        ] {
            assert!(err.contains(var), "{err} should name {var}");
        }
    }

    #[test]
    fn production_starts_with_own_secrets() {
        let mut c = Config::for_tests("sqlite://x.db");
        c.production = true;
        c.sandbox = false;
        c.jwt_secret = "a-production-secret-that-is-long-enough!!".into();
        c.data_keys = BTreeMap::from([("k1".to_string(), [7u8; 32])]);
        c.data_key_id = "k1".into();
        c.index_key = [9u8; 32];
        c.public_url = Some("https://api.example.id".into());
        c.sms_gateway_url = Some("https://sms.example.id/send".into());
        assert!(c.check().is_ok());
    }

    #[test]
    fn data_keys_parse_ids_and_reject_short_keys() {
        let keys = parse_data_keys(&format!("k1:{TEST_DATA_KEY},k2:{TEST_INDEX_KEY}")).unwrap();
        assert_eq!(keys.len(), 2);
        assert!(parse_data_keys("k1:c2hvcnQ=").is_err());
        assert!(parse_data_keys("nocolon").is_err());
    }

    #[test]
    fn development_keys_are_generated_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        let path = path.to_str().unwrap();
        let first = generated_keys(path).unwrap();
        assert_eq!(
            generated_keys(path).unwrap(),
            first,
            "the same keys on the next start"
        );
        assert_ne!(first.0, TEST_DATA_KEY);
        assert!(decode_key("data", &first.0).is_ok() && decode_key("index", &first.1).is_ok());
        let other = tempfile::tempdir().unwrap();
        let other_path = other.path().join("keys");
        assert_ne!(
            generated_keys(other_path.to_str().unwrap()).unwrap(),
            first,
            "each install its own"
        );
    }
}
