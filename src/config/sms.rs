//! The SMS gateway OTPs go through when the sandbox is off.

use std::time::Duration;

use super::ConfigError;
use super::env::Env;
use super::secret::Secret;

#[derive(Clone, Debug)]
pub struct SmsConfig {
    /// `PRAKERJA_SMS_GATEWAY_URL`: where OTP SMS are POSTed when the sandbox is off.
    pub gateway_url: Option<String>,
    /// `PRAKERJA_SMS_GATEWAY_AUTHORIZATION`: the `Authorization` header value for the gateway.
    pub authorization: Option<Secret<String>>,
    /// `PRAKERJA_SMS_BODY_TEMPLATE`: the JSON body, with `{to}` and `{message}` replaced by
    /// JSON-escaped values.
    pub body_template: String,
    /// `PRAKERJA_SMS_TIMEOUT_MS` per attempt.
    pub timeout: Duration,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            gateway_url: None,
            authorization: None,
            body_template: r#"{"to":"{to}","message":"{message}"}"#.into(),
            timeout: Duration::from_millis(5000),
        }
    }
}

impl SmsConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            gateway_url: env.var("PRAKERJA_SMS_GATEWAY_URL"),
            authorization: env
                .var("PRAKERJA_SMS_GATEWAY_AUTHORIZATION")
                .map(Secret::new),
            body_template: env.string("PRAKERJA_SMS_BODY_TEMPLATE", &d.body_template),
            timeout: env.millis("PRAKERJA_SMS_TIMEOUT_MS", d.timeout)?,
        })
    }

    pub fn problems(&self, sandbox: bool) -> Vec<String> {
        if !sandbox && self.gateway_url.is_none() {
            return vec!["PRAKERJA_SMS_GATEWAY_URL must be set (OTPs are sent through it)".into()];
        }
        Vec::new()
    }
}
