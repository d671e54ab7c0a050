//! Every hot path once, for reading their query plans at national size (see RESULTS.md,
//! "National size"): with PostgreSQL's `auto_explain` on for the database, or SQLite's statements
//! taken from the trace and given to `EXPLAIN QUERY PLAN`. A new holder buys a training (the
//! purchase flow's pre-checks, OTP and verify, the voucher insert and debit), the platform reads
//! the voucher, the LPK redeems it, reports attendance and the completion; then a seeded holder
//! with a national-size history signs in and reads the `/v1/me` pages.

use diesel::prelude::*;
use prakerja_api::config::Config;
use prakerja_api::crypto::PiiCipher;
use prakerja_api::db::schema::{disbursements, participants};
use serde_json::json;

use crate::support::{BenchDatabase, Client, postgres_admin};

/// On PostgreSQL, has every statement of the server's sessions on `db` logged with its plan
/// (`auto_explain`, into the server's log), those of at least `min_ms` milliseconds.
pub fn explain_all(admin: &str, db: &BenchDatabase, min_ms: u32) {
    let name = db.url.rsplit('/').next().expect("a database name");
    for setting in [
        "session_preload_libraries = 'auto_explain'".to_string(),
        format!("auto_explain.log_min_duration = {min_ms}"),
        "auto_explain.log_analyze = on".into(),
        "auto_explain.log_buffers = on".into(),
    ] {
        postgres_admin(admin, &format!("ALTER DATABASE \"{name}\" SET {setting}"))
            .expect("auto_explain set");
    }
}

pub async fn walk(db: &BenchDatabase) {
    let c = db.serve();
    let admin = c.token("sandbox-admin", "sandbox-admin-secret").await;
    let platform = c.token("sandbox-platform", "sandbox-platform-secret").await;
    let lpk = c.token("sandbox-lpk", "sandbox-lpk-secret").await;
    let course = c.approved_course(&admin, &lpk).await;
    let (code, card) = c.bought(&admin, &platform, &course, 1).await;
    let voucher = c.get(&platform, &format!("/v1/vouchers/{code}")).await;
    assert!(voucher["code"].is_string(), "{voucher}");
    for path in ["redeem", "attendance", "completion"] {
        // After the redemption, so that the times it reports come after it.
        let now = chrono::Utc::now().to_rfc3339();
        let body = match path {
            "redeem" => json!({"card_number": card}),
            "attendance" => json!({"sequence": 1, "attended_at": now}),
            _ => json!({"completed_at": now, "passed": true, "score": 85}),
        };
        let (s, v) = c
            .post(&lpk, &format!("/v1/vouchers/{code}/{path}"), body)
            .await;
        assert!(s < 300, "{path}: {s} {v}");
    }
    let (card, phone) = seeded_payee(db);
    let token = holder_token(&c, &admin, &card, &phone).await;
    for page in [
        "/v1/me",
        "/v1/me/trainings",
        "/v1/me/disbursements",
        "/v1/me/payout-account",
    ] {
        let v = c.get(&token, page).await;
        assert!(
            v.get("status").is_none_or(|s| !s.is_number()),
            "{page}: {v}"
        );
    }
}

/// A seeded holder of the due cohort: card number and phone (opened with the server's key).
fn seeded_payee(db: &BenchDatabase) -> (String, String) {
    let config = Config::for_tests(&db.url);
    let pool = prakerja_api::db::pool(&db.url, 1).expect("pool");
    let mut conn = pool.get().expect("connection");
    let (id, card, sealed): (String, String, String) = participants::table
        .inner_join(disbursements::table)
        .select((
            participants::id,
            participants::card_number,
            participants::phone_cipher,
        ))
        .first(&mut conn)
        .expect("a payee");
    let phone = PiiCipher::from_config(&config)
        .decrypt(&sealed, &id)
        .expect("phone");
    // Stored in E.164; the sandbox's SMS list takes the local form (a `+` in a query is a space).
    (card, phone.replacen("+62", "0", 1))
}

async fn holder_token(c: &Client, admin: &str, card: &str, phone: &str) -> String {
    let res = c
        .http
        .post(format!("{}/v1/participant/sessions", c.base))
        .json(&json!({"card_number": card}))
        .send()
        .await
        .expect("sent");
    let session: serde_json::Value = res.json().await.expect("json");
    let id = session["id"].as_str().expect("session id");
    let otp = c.otp(admin, phone).await;
    let res = c
        .http
        .post(format!("{}/v1/participant/sessions/{id}/verify", c.base))
        .json(&json!({"otp": otp}))
        .send()
        .await
        .expect("sent");
    let v: serde_json::Value = res.json().await.expect("json");
    v["access_token"]
        .as_str()
        .expect("holder token")
        .to_string()
}
