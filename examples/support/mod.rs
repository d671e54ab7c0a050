//! What the examples share: a small client for the sandbox server.
#![allow(
    dead_code,
    reason = "each example compiles this module and uses only part of it"
)]

use serde_json::{Value, json};

pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

impl Api {
    pub fn from_env() -> Self {
        let base = std::env::var("PRAKERJA_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
        Self {
            base,
            http: reqwest::Client::new(),
        }
    }

    /// OAuth2 client credentials.
    pub async fn token(&self, client_id: &str, secret: &str) -> Result<String> {
        let res = self
            .http
            .post(format!("{}/v1/oauth/token", self.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ])
            .send()
            .await?;
        let body = check(res).await?;
        Ok(body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    pub async fn get(&self, token: &str, path: &str) -> Result<Value> {
        check(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(token)
                .send()
                .await?,
        )
        .await
    }

    /// A POST with an Idempotency-Key, as every retrying client should send.
    pub async fn post(&self, token: &str, path: &str, body: Value) -> Result<Value> {
        let (status, body) = self.send(token, path, body).await?;
        answer(status, body)
    }

    /// A POST whose refusal the caller wants to read: the status and the body, whatever they are.
    pub async fn send(
        &self,
        token: &str,
        path: &str,
        body: Value,
    ) -> Result<(reqwest::StatusCode, Value)> {
        let key = format!("example-{}", uuid::Uuid::new_v4());
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    /// A platform sells `course_code` (and its run, if any) to a holder: card validation, the OTP
    /// from the sandbox SMS, verify, voucher. Returns the voucher's code.
    pub async fn sell(
        &self,
        platform: &str,
        (card, phone): (&str, &str),
        course_code: &str,
        schedule_code: Value,
    ) -> Result<String> {
        let validation = self
            .post(
                platform,
                "/v1/card-validations",
                json!({"card_number": card, "course_code": course_code, "schedule_code": schedule_code}),
            )
            .await?;
        let id = validation["id"].as_str().unwrap_or_default().to_string();
        let otp = self.sandbox_otp(platform, phone).await?;
        self.post(
            platform,
            &format!("/v1/card-validations/{id}/verify"),
            json!({"otp": otp}),
        )
        .await?;
        let order = format!("ORDER-{}", uuid::Uuid::new_v4().simple());
        let voucher = self
            .post(platform, "/v1/vouchers", json!({"card_validation_id": id, "course_code": course_code, "schedule_code": schedule_code, "external_order_id": order}))
            .await?;
        Ok(voucher["code"].as_str().unwrap_or_default().to_string())
    }

    /// The sandbox's newest SMS to `phone`, and the 6-digit code in it.
    pub async fn sandbox_otp(&self, token: &str, phone: &str) -> Result<String> {
        let query = phone.replace('+', "%2B");
        let sms = self
            .get(token, &format!("/v1/sandbox/sms?phone={query}"))
            .await?;
        let text = sms["data"][0]["body"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        println!("   SMS to {phone}: {text}");
        let digits: Vec<char> = text.chars().collect();
        let code = digits
            .windows(6)
            .find(|w| w.iter().all(char::is_ascii_digit))
            .map(|w| w.iter().collect::<String>())
            .ok_or("no OTP in the SMS")?;
        Ok(code)
    }

    /// A fresh active test holder (`POST /v1/sandbox/holders`, any sandbox token), so the example
    /// can run again and again: its card number and the phone its OTPs go to.
    pub async fn new_holder(&self, token: &str) -> Result<(String, String)> {
        let holder = self
            .post(token, "/v1/sandbox/holders", json!({"state": "active"}))
            .await?;
        let field = |k: &str| holder[k].as_str().unwrap_or_default().to_string();
        Ok((field("card_number"), field("phone")))
    }
}

/// The body of a 2xx answer, or the problem's code and detail as the error.
async fn check(res: reqwest::Response) -> Result<Value> {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    answer(status, body)
}

fn answer(status: reqwest::StatusCode, body: Value) -> Result<Value> {
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("HTTP {status}: {} ({})", body["code"], body["detail"]).into())
    }
}
