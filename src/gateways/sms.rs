//! SMS delivery of OTPs: the sandbox outbox (readable at `GET /v1/sandbox/sms`) or an HTTP gateway.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::config::Config;
use crate::db::{self, Pool, sms_outbox};
use crate::domain::PhoneNumber;

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("the SMS gateway refused the message: HTTP {0}")]
    Rejected(u16),
    #[error("the SMS gateway did not answer: {0}")]
    Unreachable(String),
    #[error("the sandbox outbox could not store the message: {0}")]
    Outbox(String),
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

/// Sends one SMS. Implementations never log the message: it holds an OTP.
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a PhoneNumber, message: &'a str) -> SendFuture<'a>;
}

/// The sandbox: messages go to the `sms_outbox` table.
pub struct SandboxOutbox {
    pub pool: Pool,
}

impl SmsSender for SandboxOutbox {
    fn send<'a>(&'a self, to: &'a PhoneNumber, message: &'a str) -> SendFuture<'a> {
        let row = sms_outbox::SmsRow {
            id: uuid::Uuid::now_v7().to_string(),
            to_phone: to.as_str().to_string(),
            body: message.to_string(),
            sent_at: db::now(),
        };
        Box::pin(async move {
            db::run(&self.pool, move |c| {
                sms_outbox::insert(c, &row).map_err(crate::db::StoreError::from)
            })
            .await
            .map_err(|e: crate::db::StoreError| SmsError::Outbox(e.to_string()))
        })
    }
}

/// A JSON-over-HTTP gateway: POSTs the configured template, retries 5xx and timeouts.
pub struct HttpSms {
    client: reqwest::Client,
    url: String,
    authorization: Option<String>,
    template: String,
    /// Waits before each retry; their count is the number of retries.
    backoff: Vec<Duration>,
}

/// A JSON string's inside: the value with quotes and control characters escaped.
fn json_escape(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

impl HttpSms {
    pub fn new(
        url: &str,
        authorization: Option<String>,
        template: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("SMS client: {e}"))?;
        Ok(Self {
            client,
            url: url.to_string(),
            authorization,
            template: template.to_string(),
            backoff: vec![Duration::from_millis(200), Duration::from_millis(800)],
        })
    }

    pub fn body(&self, to: &PhoneNumber, message: &str) -> String {
        self.template
            .replace("{to}", &json_escape(to.as_str()))
            .replace("{message}", &json_escape(message))
    }

    async fn attempt(&self, body: &str) -> Result<(), (bool, SmsError)> {
        let mut req = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(auth) = &self.authorization {
            req = req.header("authorization", auth);
        }
        match req.send().await {
            Ok(res) if res.status().is_success() => Ok(()),
            Ok(res) => {
                let status = res.status().as_u16();
                Err((status >= 500 || status == 429, SmsError::Rejected(status)))
            }
            Err(e) => Err((true, SmsError::Unreachable(e.without_url().to_string()))),
        }
    }
}

impl SmsSender for HttpSms {
    fn send<'a>(&'a self, to: &'a PhoneNumber, message: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            let body = self.body(to, message);
            let mut waits = self.backoff.iter();
            loop {
                match self.attempt(&body).await {
                    Ok(()) => return Ok(()),
                    Err((retryable, err)) => match waits.next() {
                        Some(wait) if retryable => {
                            tracing::warn!(error = %err, "SMS gateway failed; retrying");
                            tokio::time::sleep(*wait).await;
                        }
                        _ => return Err(err),
                    },
                }
            }
        })
    }
}

/// The sender this configuration calls for: the outbox in sandbox, else the HTTP gateway.
pub fn from_config(config: &Config, pool: &Pool) -> Result<Box<dyn SmsSender>, String> {
    let sms = &config.sms;
    match (&sms.gateway_url, config.sandbox) {
        (_, true) => Ok(Box::new(SandboxOutbox { pool: pool.clone() })),
        (Some(url), false) => Ok(Box::new(HttpSms::new(
            url,
            sms.authorization.as_ref().map(|a| a.expose().clone()),
            &sms.body_template,
            sms.timeout,
        )?)),
        (None, false) => Err("PRAKERJA_SMS_GATEWAY_URL must be set when the sandbox is off".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_gets_json_escaped_values() {
        let sms = HttpSms::new(
            "http://x",
            None,
            r#"{"msisdn":"{to}","text":"{message}"}"#,
            Duration::from_secs(1),
        )
        .unwrap();
        let phone = PhoneNumber::parse("081234566789").unwrap();
        let body = sms.body(&phone, "kode \"123\"\nok");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["msisdn"], "+6281234566789");
        assert_eq!(v["text"], "kode \"123\"\nok");
    }
}
