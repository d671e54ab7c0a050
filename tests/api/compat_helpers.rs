//! A Prakerja-compatible LPK client, as an existing integration is written: it signs with its own
//! HMAC-SHA1 (not the server's code) and sends raw bytes.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha1::Sha1;

use crate::helpers::*;
use crate::purchase_helpers::*;

pub const STATUS: &str = "/api/v1/integration/payment/redeem-code/status";
pub const COMMIT: &str = "/api/v1/integration/payment/redeem-code/commit";

/// The sandbox LPK's documented signing key.
pub const SANDBOX_KEY: &str = "sandbox-lpk-signing-key";

/// An LPK's signing credentials.
#[derive(Debug, Clone)]
pub struct Signer {
    pub client_code: String,
    pub key: String,
}

pub fn sandbox_signer() -> Signer {
    Signer {
        client_code: LPK.0.into(),
        key: SANDBOX_KEY.into(),
    }
}

/// Lowercase hex HMAC-SHA1 of `client_code + timestamp + METHOD + path + body`.
pub fn mac(key: &str, client_code: &str, timestamp: &str, path: &str, body: &str) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes()).expect("key");
    mac.update(format!("{client_code}{timestamp}POST{path}{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A unix time within the window, never the same twice in this run: two requests with one body
/// and one timestamp would carry one signature, and the second be refused as a replay, which is
/// not what most tests are about. (Counting back from now per call repeated a value whenever the
/// clock ticked between two calls.)
pub fn fresh_timestamp() -> String {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = Utc::now().timestamp();
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        // Strictly after the last one, from a minute back; ahead of the clock only under a burst.
        let next = (last + 1).max(now - 60);
        match LAST.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next.to_string(),
            Err(seen) => last = seen,
        }
    }
}

/// A request with these exact headers and body.
pub async fn send_signed(
    http: &Http,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut req = http
        .client
        .post(http.url(path))
        .header("content-type", "application/json");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    http.send(req.body(body.to_string())).await
}

/// `body` signed as sent, with a fresh timestamp.
pub async fn call(http: &Http, signer: &Signer, path: &str, body: &str) -> Response {
    let ts = fresh_timestamp();
    let sig = mac(&signer.key, &signer.client_code, &ts, path, body);
    let headers = [
        ("client_code", signer.client_code.as_str()),
        ("timestamp", ts.as_str()),
        ("signature", sig.as_str()),
    ];
    send_signed(http, path, &headers, body).await
}

/// The compact body of `{"redeem_code": code}` plus `extra` members.
pub fn body(code: &str, extra: Value) -> String {
    let mut v = json!({"redeem_code": code});
    if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    v.to_string()
}

/// Asserts a success envelope and returns its `data`.
#[track_caller]
pub fn accepted(res: &Response) -> &Value {
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["success"], true, "{}", res.body);
    assert!(res.body["message"].is_string(), "{}", res.body);
    &res.body["data"]
}

/// Asserts a refusal envelope (not problem+json) with this status and code.
#[track_caller]
pub fn refused(res: &Response, status: u16, code: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    assert_eq!(res.body["success"], false, "{}", res.body);
    assert_eq!(res.body["data"]["code"], code, "{}", res.body);
    assert!(
        res.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        res.body
    );
    assert_eq!(res.header("content-type"), Some("application/json"));
}

/// A voucher of a run of the sandbox LPK that started an hour ago (so it is redeemable now), for
/// a new holder: `(holder, voucher code, course)`.
pub async fn redeemable_voucher(app: &TestApp, t: &Tokens) -> (Holder, String, Course) {
    let holder = register(app, &t.admin).await;
    let course = approved_course(app, t, 300_000, Some((Duration::hours(-1), 5))).await;
    let voucher = purchase(app, &t.platform, &holder, &course).await;
    let code = voucher["code"].as_str().expect("code").to_string();
    (holder, code, course)
}

/// Registers an LPK through the admin API: `(partner id, its signer, its client secret)`.
pub async fn new_lpk(app: &TestApp, admin: &str) -> (String, Signer, String) {
    let res = app
        .post(
            "/v1/admin/partners",
            admin,
            &json!({"name": "LPK Baru", "kind": "lpk"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let s = |k: &str| res.body[k].as_str().expect(k).to_string();
    (
        s("id"),
        Signer {
            client_code: s("client_id"),
            key: s("signing_key"),
        },
        s("client_secret"),
    )
}

/// The audit events with this action on this target, newest first.
pub async fn audited(app: &TestApp, admin: &str, action: &str, target: &str) -> Vec<Value> {
    let res = app.get("/v1/admin/audit-events?limit=100", admin).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|e| {
            // Codes are compared without their dashes: a form of the same code.
            let id = e["target_id"].as_str().unwrap_or("").replace('-', "");
            e["action"] == action && id == target.replace('-', "")
        })
        .cloned()
        .collect()
}
