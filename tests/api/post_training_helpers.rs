//! After the training, through HTTP: redemption, completion and certificates by the LPK, the
//! holder's own session (OTP from the sandbox SMS outbox), reviews and the payout account.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::purchase_helpers::*;

/// A review long enough to be accepted (20-2000 characters).
pub const REVIEW_TEXT: &str = "Materinya jelas dan instrukturnya sabar sekali.";

/// Now, RFC 3339 in UTC with microseconds (the store's precision, so a repeat is the same instant).
pub fn now() -> String {
    rfc3339(Utc::now())
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An RFC 3339 time from an answer.
#[track_caller]
pub fn time_of(v: &Value, field: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(v[field].as_str().unwrap_or(""))
        .unwrap_or_else(|_| panic!("{field} is RFC 3339: {v}"))
}

/// The `code` of a voucher view.
pub fn code_of(v: &Value) -> String {
    v["code"].as_str().expect("code").to_string()
}

/// A `missing` array as a set, asserting it is an array without repeats.
#[track_caller]
pub fn missing_of(v: &Value) -> BTreeSet<String> {
    let items: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("missing is an array: {v}"))
        .iter()
        .map(|m| m.as_str().expect("a missing item is a string").to_string())
        .collect();
    let set: BTreeSet<String> = items.iter().cloned().collect();
    assert_eq!(set.len(), items.len(), "no repeats in missing: {v}");
    set
}

/// Asserts a `missing` array holds exactly these items (in any order).
#[track_caller]
pub fn assert_missing(v: &Value, expected: &[&str]) {
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(missing_of(v), expected, "missing: {v}");
}

/// `errors[]` of a problem holds an entry for `field` (with `code`, when given).
#[track_caller]
pub fn assert_field_error(problem: &Value, field: &str, code: Option<&str>) {
    let errors = problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors[] in {problem}"));
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == field && code.is_none_or(|c| e["code"] == c)),
        "no error for {field} ({code:?}) in {problem}"
    );
}

/// A voucher as `token` reads it (asserting 200).
pub async fn voucher(app: &Http, token: &str, code: &str) -> Value {
    let res = app.get(&format!("/v1/vouchers/{code}"), token).await;
    assert_eq!(res.status, 200, "voucher {code}: {}", res.body);
    res.body
}

pub async fn redeem(app: &Http, lpk: &str, code: &str, card: &str) -> Response {
    app.post(
        &format!("/v1/vouchers/{code}/redeem"),
        lpk,
        &json!({"card_number": card}),
    )
    .await
}

pub async fn void(app: &Http, admin: &str, code: &str) -> Response {
    app.post(
        &format!("/v1/admin/vouchers/{code}/void"),
        admin,
        &json!({"reason": "pembelian dibatalkan"}),
    )
    .await
}

/// A new LPK and its token.
pub async fn other_lpk(app: &Http, admin: &str) -> String {
    let (_, client, secret) = app.new_partner(admin, "lpk").await;
    app.token((&client, &secret)).await
}

/// An approved course without schedule (redeemable at any time) of the LPK `lpk`, every platform
/// may sell it.
pub async fn course_of(app: &Http, t: &Tokens, lpk: &str, price: i64) -> Course {
    let res = app
        .post("/v1/courses", lpk, &course_body(price, json!([])))
        .await;
    assert_eq!(res.status, 201, "course: {}", res.body);
    let code = res.body["course_code"]
        .as_str()
        .expect("course_code")
        .to_string();
    let res = app
        .post(
            &format!("/v1/admin/courses/{code}/approve"),
            &t.admin,
            &json!({}),
        )
        .await;
    assert_eq!(res.body["status"], "approved", "approve: {}", res.body);
    Course {
        code,
        schedule: None,
        price,
    }
}

/// A voucher of a fresh holder for a fresh course (no schedule) of the sandbox LPK, not redeemed.
pub async fn issued_voucher(app: &Http, t: &Tokens) -> (Holder, String) {
    let holder = register(app, &t.admin).await;
    let course = approved_course(app, t, 200_000, None).await;
    let code = code_of(&purchase(app, &t.platform, &holder, &course).await);
    (holder, code)
}

/// `holder` buys `course` (sold by the sandbox platform) and `lpk` redeems it: the voucher code.
pub async fn redeemed_on(
    app: &Http,
    t: &Tokens,
    lpk: &str,
    holder: &Holder,
    course: &Course,
) -> String {
    let code = code_of(&purchase(app, &t.platform, holder, course).await);
    let res = redeem(app, lpk, &code, &holder.card).await;
    assert_eq!(res.status, 200, "redeem: {}", res.body);
    assert_eq!(res.body["status"], "redeemed", "{}", res.body);
    code
}

/// A redeemed voucher of a fresh holder for a fresh course of the sandbox LPK.
pub async fn redeemed_voucher(app: &Http, t: &Tokens) -> (Holder, String) {
    let holder = register(app, &t.admin).await;
    let course = approved_course(app, t, 200_000, None).await;
    let code = redeemed_on(app, t, &t.lpk, &holder, &course).await;
    (holder, code)
}

pub fn completion_body(completed_at: &str, passed: bool, score: i64) -> Value {
    json!({"completed_at": completed_at, "passed": passed, "score": score})
}

pub async fn complete_with(app: &Http, lpk: &str, code: &str, body: &Value) -> Response {
    app.post(&format!("/v1/vouchers/{code}/completion"), lpk, body)
        .await
}

/// Completes `code` now.
pub async fn complete(app: &Http, lpk: &str, code: &str, passed: bool, score: i64) -> Response {
    complete_with(app, lpk, code, &completion_body(&now(), passed, score)).await
}

/// Completes `code` now, passed with `score`, asserting 200 `completed`.
pub async fn completed(app: &Http, lpk: &str, code: &str, score: i64) -> Value {
    let res = complete(app, lpk, code, true, score).await;
    assert_eq!(res.status, 200, "completion: {}", res.body);
    assert_eq!(res.body["status"], "completed", "{}", res.body);
    res.body
}

/// The https URL of certificate `number`.
pub fn certificate_url(number: &str) -> String {
    format!("https://lpk.example.id/sertifikat/{number}")
}

pub fn certificate_body(kind: &str, number: &str, issued_at: &str, url: &str) -> Value {
    json!({"kind": kind, "number": number, "issued_at": issued_at, "url": url})
}

pub async fn certify_with(app: &Http, lpk: &str, code: &str, body: &Value) -> Response {
    app.post(&format!("/v1/vouchers/{code}/certificates"), lpk, body)
        .await
}

/// Issues a `kind` certificate `number` now, at its https URL.
pub async fn certify(app: &Http, lpk: &str, code: &str, kind: &str, number: &str) -> Response {
    certify_with(
        app,
        lpk,
        code,
        &certificate_body(kind, number, &now(), &certificate_url(number)),
    )
    .await
}

/// `POST /v1/completions/batch` with these items.
pub async fn batch(app: &Http, lpk: &str, items: Vec<Value>) -> Response {
    app.post("/v1/completions/batch", lpk, &json!({"items": items}))
        .await
}

/// A request without any token.
pub async fn anonymous_post(app: &Http, path: &str, body: &Value) -> Response {
    app.send(app.client.post(app.url(path)).json(body)).await
}

pub async fn anonymous_get(app: &Http, path: &str) -> Response {
    app.send(app.client.get(app.url(path))).await
}

pub async fn put(app: &Http, path: &str, token: &str, body: &Value) -> Response {
    app.send(app.client.put(app.url(path)).bearer_auth(token).json(body))
        .await
}

/// `POST /v1/participant/sessions` (no token).
pub async fn open_session(app: &Http, card: &str) -> Response {
    anonymous_post(
        app,
        "/v1/participant/sessions",
        &json!({"card_number": card}),
    )
    .await
}

/// `POST /v1/participant/sessions/{id}/verify` (no token).
pub async fn verify_session(app: &Http, id: &str, otp: &str) -> Response {
    anonymous_post(
        app,
        &format!("/v1/participant/sessions/{id}/verify"),
        &json!({"otp": otp}),
    )
    .await
}

/// Opens a session for `holder` (asserting 201): its id and the OTP sent (read with `admin`).
pub async fn session_started(app: &Http, admin: &str, holder: &Holder) -> (String, String) {
    let seen = sms_count(app, admin, &holder.phone).await;
    let res = open_session(app, &holder.card).await;
    assert_eq!(res.status, 201, "session: {}", res.body);
    let id = res.body["id"].as_str().expect("session id").to_string();
    let otp = otp_after(app, admin, &holder.phone, seen).await;
    (id, otp)
}

/// A participant token of `holder`: a session verified with the OTP from the sandbox SMS.
pub async fn holder_token(app: &Http, admin: &str, holder: &Holder) -> String {
    let (id, otp) = session_started(app, admin, holder).await;
    let res = verify_session(app, &id, &otp).await;
    assert_eq!(res.status, 200, "session verify: {}", res.body);
    res.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

pub async fn review(
    app: &Http,
    holder_token: &str,
    code: &str,
    rating: i64,
    text: &str,
) -> Response {
    app.post(
        &format!("/v1/me/trainings/{code}/review"),
        holder_token,
        &json!({"rating": rating, "review": text}),
    )
    .await
}

/// `GET /v1/me` (asserting 200).
pub async fn me(app: &Http, holder_token: &str) -> Value {
    let res = app.get("/v1/me", holder_token).await;
    assert_eq!(res.status, 200, "me: {}", res.body);
    res.body
}

/// Every training of the holder, newest first (all pages).
pub async fn trainings(app: &Http, holder_token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/me/trainings?limit=100&cursor={c}"),
            None => "/v1/me/trainings?limit=100".to_string(),
        };
        let res = app.get(&path, holder_token).await;
        assert_eq!(res.status, 200, "trainings: {}", res.body);
        all.extend(res.body["data"].as_array().cloned().unwrap_or_default());
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return all,
        }
    }
}

/// The holder's training `code` from `/v1/me/trainings`.
pub async fn training(app: &Http, holder_token: &str, code: &str) -> Value {
    trainings(app, holder_token)
        .await
        .into_iter()
        .find(|v| v["code"] == code)
        .unwrap_or_else(|| panic!("training {code} not listed"))
}

/// A bank account body (BCA).
pub fn bank_account(number: &str) -> Value {
    json!({"kind": "bank", "bank_code": "014", "account_number": number, "holder_name": "Budi Santoso"})
}

pub async fn put_payout(app: &Http, holder_token: &str, body: &Value) -> Response {
    put(app, "/v1/me/payout-account", holder_token, body).await
}

pub async fn confirm_payout(app: &Http, holder_token: &str, id: &str, otp: &str) -> Response {
    app.post(
        "/v1/me/payout-account/confirm",
        holder_token,
        &json!({"confirmation_id": id, "otp": otp}),
    )
    .await
}

/// Asks to link `body` (asserting 202): the confirmation id and the OTP sent (read with `admin`).
pub async fn payout_requested(
    app: &Http,
    admin: &str,
    holder_token: &str,
    holder: &Holder,
    body: &Value,
) -> (String, String) {
    let seen = sms_count(app, admin, &holder.phone).await;
    let res = put_payout(app, holder_token, body).await;
    assert_eq!(res.status, 202, "payout account: {}", res.body);
    let id = res.body["confirmation_id"]
        .as_str()
        .expect("confirmation_id")
        .to_string();
    let otp = otp_after(app, admin, &holder.phone, seen).await;
    (id, otp)
}

/// Links and confirms `body` as the holder's payout account: the confirmed account.
pub async fn link_payout_account(
    app: &Http,
    admin: &str,
    holder_token: &str,
    holder: &Holder,
    body: &Value,
) -> Value {
    let (id, otp) = payout_requested(app, admin, holder_token, holder, body).await;
    let res = confirm_payout(app, holder_token, &id, &otp).await;
    assert_eq!(res.status, 200, "confirm payout: {}", res.body);
    assert_eq!(res.body["status"], "active", "{}", res.body);
    res.body
}

/// Links a BCA account `1234567890` for the holder: the confirmed account.
pub async fn link_payout(app: &Http, admin: &str, holder_token: &str, holder: &Holder) -> Value {
    link_payout_account(
        app,
        admin,
        holder_token,
        holder,
        &bank_account("1234567890"),
    )
    .await
}

/// A fresh holder all the way to a finished training: redeemed, completed (passed, score 85),
/// its LPK certificate issued and reviewed by the holder. `(holder, voucher code, holder token)`.
pub async fn finished_training(app: &Http, t: &Tokens) -> (Holder, String, String) {
    let (holder, code) = redeemed_voucher(app, t).await;
    completed(app, &t.lpk, &code, 85).await;
    let res = certify(
        app,
        &t.lpk,
        &code,
        "lpk",
        &format!("LPK-{}", uuid::Uuid::new_v4().simple()),
    )
    .await;
    assert_eq!(res.status, 201, "certificate: {}", res.body);
    let token = holder_token(app, &t.admin, &holder).await;
    let res = review(app, &token, &code, 5, REVIEW_TEXT).await;
    assert_eq!(res.status, 201, "review: {}", res.body);
    (holder, code, token)
}

/// The events about voucher `code` in `token`'s feed, newest first (all pages).
pub async fn events_about(app: &Http, token: &str, code: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/events?limit=100&cursor={c}"),
            None => "/v1/events?limit=100".to_string(),
        };
        let res = app.get(&path, token).await;
        assert_eq!(res.status, 200, "events: {}", res.body);
        all.extend(
            res.body["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|e| e["data"]["code"] == code),
        );
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return all,
        }
    }
}

/// How many events of `kind` about `code` are in `token`'s feed.
pub async fn count_events(app: &Http, token: &str, code: &str, kind: &str) -> usize {
    events_about(app, token, code)
        .await
        .iter()
        .filter(|e| e["type"] == kind)
        .count()
}
