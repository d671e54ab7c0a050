//! What an outside attack on the purchase-path server found, each reproduced: crashes mid-request,
//! idempotency before authorization, a reused order id, racing migrations, revoked partners,
//! probing without a course, and the token endpoint as a CPU lever.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use prakerja_api::db::Backend;
use prakerja_api::domain::CardNumber;
use serde_json::json;

use crate::binary::{self, Binary};
use crate::helpers::*;
use crate::purchase_helpers::*;

/// Holds the holder's row lock from outside the server until dropped: a purchase of that card
/// waits there, mid-transaction, after its idempotency key was claimed.
struct Blocker(diesel::PgConnection);

impl Blocker {
    fn hold(app: &TestApp, card: &str) -> Blocker {
        let mut c = diesel::PgConnection::establish(&app.database_url).expect("connect");
        diesel::sql_query("BEGIN").execute(&mut c).expect("begin");
        diesel::sql_query(format!(
            "SELECT id FROM participants WHERE card_number = '{card}' FOR UPDATE"
        ))
        .execute(&mut c)
        .expect("lock the holder");
        Blocker(c)
    }
}

impl Drop for Blocker {
    fn drop(&mut self) {
        let _ = diesel::sql_query("ROLLBACK").execute(&mut self.0);
    }
}

pub async fn keyed(
    app: &Http,
    token: &str,
    path: &str,
    key: &str,
    body: &serde_json::Value,
) -> Response {
    app.send(
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

#[actix_web::test]
async fn a_keyed_purchase_cut_off_by_a_crash_can_be_retried_at_once() {
    let app = spawn_app().await;
    // Only PostgreSQL can stop a purchase midway from outside (a row lock): on SQLite the write
    // lock would stop it before its key was even claimed, so the crash would prove nothing.
    if backend(&app) == Backend::Sqlite {
        eprintln!("PostgreSQL only: run with TEST_DATABASE_URL");
        return;
    }
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 400_000, None).await;
    let validation = validated(&app, &t.platform, &holder, &course).await;
    let body = voucher_body(&validation, &course.code, None, &order_id());

    // A second instance takes the purchase and dies with it half done.
    let doomed = Binary::serve(&app.database_url, &[]);
    let blocker = Blocker::hold(&app, &holder.card);
    let request = doomed
        .http
        .client
        .post(doomed.http.url("/v1/vouchers"))
        .bearer_auth(&t.platform)
        .header("Idempotency-Key", "cut-off")
        .json(&body)
        .send();
    let pending = actix_web::rt::spawn(request);
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    doomed.kill();
    assert!(
        pending.await.expect("task").is_err(),
        "the answer was lost with the process"
    );
    drop(blocker);

    // The retry, on the instance still running, runs within seconds: nothing stays "in
    // progress". (PostgreSQL ends the dead client's transaction, and its claim on the key, as soon
    // as it notices the closed socket: a retry in that instant is told to come back in 1 s.)
    let since = Instant::now();
    let retry = loop {
        let res = keyed(&app, &t.platform, "/v1/vouchers", "cut-off", &body).await;
        if res.status != 409 || since.elapsed() > Duration::from_secs(5) {
            break res;
        }
        res.problem(409, "idempotency_in_progress");
        actix_web::rt::time::sleep(Duration::from_secs(retry_after(&res))).await;
    };
    assert_eq!(retry.status, 201, "{}", retry.body);
    let again = keyed(&app, &t.platform, "/v1/vouchers", "cut-off", &body).await;
    assert_eq!(
        again.status, 201,
        "a replay answers as the first time: {}",
        again.body
    );
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["code"], retry.body["code"]);
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 400_000
    );
}

#[actix_web::test]
async fn authorization_and_rate_limits_come_before_the_idempotency_key() {
    let app = spawn_with(|c| {
        c.limits.per_second = 1;
        c.limits.burst = 6;
    })
    .await;
    let platform = app.token(PLATFORM).await;
    let unknown = CardNumber::complete("999999999999999");
    let probe = |_: u32| json!({"card_number": unknown.as_str(), "course_code": "CRS-22222222"});
    // The platform uses a key for its own request...
    keyed(&app, &platform, "/v1/card-validations", "shared", &probe(0)).await;
    // ...then, with the same key, calls a route its role may not: the role decides, not the key.
    keyed(
        &app,
        &platform,
        "/v1/admin/partners",
        "shared",
        &json!({"name": "X", "kind": "lpk"}),
    )
    .await
    .problem(403, "forbidden");

    // The token's answer comes before the body's, whatever the body.
    app.post_raw(
        "/v1/admin/partners",
        &platform,
        "application/json",
        "{not json",
    )
    .await
    .problem(403, "forbidden");
    app.post_raw(
        "/v1/vouchers",
        "forged.token.here",
        "application/json",
        "{not json",
    )
    .await
    .problem(401, "invalid_token");

    // Requests refused by the rate limit never reach the store.
    let mut answered = 0;
    for n in 0..12 {
        let res = keyed(
            &app,
            &platform,
            "/v1/card-validations",
            &format!("k{n}"),
            &probe(n),
        )
        .await;
        if res.status != 429 {
            answered += 1;
        }
    }
    assert!(answered < 12, "the limit was hit");
    // Each answered probe is a final refusal (course_not_available), stored once; no 429 is.
    let stored: i64 = app
        .db(|c| {
            use prakerja_api::db::schema::idempotency_keys as k;
            Ok(k::table
                .filter(k::idem_key.like("k%"))
                .count()
                .get_result(c)?)
        })
        .await;
    assert_eq!(
        stored, answered,
        "one record per answered request, none per 429"
    );
}

#[actix_web::test]
async fn an_order_id_reused_with_another_validation_is_external_order_id_conflict() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (first, second) = (
        register(&app, &t.admin).await,
        register(&app, &t.admin).await,
    );
    let order = order_id();
    let v1 = validated(&app, &t.platform, &first, &course).await;
    let bought = app
        .post(
            "/v1/vouchers",
            &t.platform,
            &voucher_body(&v1, &course.code, None, &order),
        )
        .await;
    assert_eq!(bought.status, 201, "{}", bought.body);

    let v2 = validated(&app, &t.platform, &second, &course).await;
    app.post(
        "/v1/vouchers",
        &t.platform,
        &voucher_body(&v2, &course.code, None, &order),
    )
    .await
    .problem(409, "external_order_id_conflict");
    let left = app
        .get(&format!("/v1/card-validations/{v2}"), &t.platform)
        .await;
    assert_eq!(
        left.body["status"], "verified",
        "the second validation is untouched"
    );
    assert_eq!(
        balance(&app, &t.admin, &second.card).await,
        FULL_BALANCE,
        "nothing charged"
    );
    // The true repeat still answers with the first voucher.
    let repeat = app
        .post(
            "/v1/vouchers",
            &t.platform,
            &voucher_body(&v1, &course.code, None, &order),
        )
        .await;
    assert_eq!(
        (repeat.status, &repeat.body["code"]),
        (200, &bought.body["code"])
    );
}

#[test]
fn instances_migrating_one_empty_database_at_once_all_succeed() {
    let (url, _dir) = empty_database();
    let children: Vec<_> = (0..4)
        .map(|_| {
            binary::command(&url)
                .arg("migrate")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("migrate starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("migrate ends");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[actix_web::test]
async fn production_serves_metrics_only_behind_a_token_or_on_its_own_address() {
    let closed = spawn_with(|c| c.production = true).await;
    closed
        .send(closed.client.get(closed.url("/metrics")))
        .await
        .problem(404, "not_found");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let app = spawn_with(move |c| {
        c.production = true;
        c.server.metrics_token = Some("metrics-reader-token-0123456789-abcdef".into());
        c.server.metrics_bind = Some(format!("127.0.0.1:{port}"));
    })
    .await;
    app.send(app.client.get(app.url("/metrics")))
        .await
        .problem(401, "invalid_token");
    let read = app
        .send(
            app.client
                .get(app.url("/metrics"))
                .bearer_auth("metrics-reader-token-0123456789-abcdef"),
        )
        .await;
    assert_eq!(read.status, 200);
    assert!(
        read.body
            .as_str()
            .unwrap_or("")
            .contains("http_requests_total")
    );
    let internal = Http::new(format!("http://127.0.0.1:{port}"));
    let mut served = None;
    for _ in 0..50 {
        if let Ok(res) = internal.client.get(internal.url("/metrics")).send().await {
            served = Some(res.status().as_u16());
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(served, Some(200), "PRAKERJA_METRICS_BIND serves /metrics");
}

#[actix_web::test]
async fn rotated_or_disabled_partners_are_cut_off_within_seconds_on_every_instance() {
    let app = spawn_with(|c| c.auth.revocation_check = Duration::from_secs(1)).await;
    let admin = app.token(ADMIN).await;
    let (id, client_id, secret) = app.new_partner(&admin, "platform").await;
    let token = app.token((&client_id, &secret)).await;
    assert_eq!(app.get("/v1/courses", &token).await.status, 200);

    let rotated = app
        .post(
            &format!("/v1/admin/partners/{id}/rotate-secret"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    app.get("/v1/courses", &token)
        .await
        .problem(401, "invalid_token");
    app.token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &client_id),
        ("client_secret", &secret),
    ])
    .await
    .problem(401, "invalid_client");
    let new_secret = rotated.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let token = app.token((&client_id, &new_secret)).await;
    assert_eq!(app.get("/v1/courses", &token).await.status, 200);

    // Another instance disables the partner; this one stops the token within seconds.
    let other = Binary::serve(&app.database_url, &[]);
    let disabled = other
        .http
        .post(
            &format!("/v1/admin/partners/{id}/disable"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(disabled.status, 204, "{}", disabled.body);
    let since = Instant::now();
    while app.get("/v1/courses", &token).await.status == 200 {
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "still accepted after 5 s"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    app.get("/v1/courses", &token)
        .await
        .problem(401, "invalid_token");
    app.token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &client_id),
        ("client_secret", &new_secret),
    ])
    .await
    .problem(401, "invalid_client");

    // Enabling again does not revive the old token; a new one works.
    let enabled = app
        .post(
            &format!("/v1/admin/partners/{id}/enable"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(enabled.status, 204, "{}", enabled.body);
    app.get("/v1/courses", &token)
        .await
        .problem(401, "invalid_token");
    let fresh = app.token((&client_id, &new_secret)).await;
    assert_eq!(app.get("/v1/courses", &fresh).await.status, 200);
}

#[actix_web::test]
async fn probing_a_card_needs_a_real_course_and_counts_against_the_platform() {
    let app = spawn_with(|c| c.limits.validations_per_minute = 3).await;
    let platform = app.token(PLATFORM).await;
    let made_up = "CRS-22222222";
    for card in [
        CardNumber::complete("999999999999999"),
        CardNumber::stored(test_card(1).card),
    ] {
        app.post(
            "/v1/card-validations",
            &platform,
            &validation_body(card.as_str(), made_up, None),
        )
        .await
        .problem(422, "course_not_available");
    }
    let real = sandbox_course(&app, &platform, 500_000).await;
    let unknown = CardNumber::complete("999999999999999");
    start(&app, &platform, unknown.as_str(), &real)
        .await
        .problem(404, "card_not_found");
    let limited = start(&app, &platform, unknown.as_str(), &real).await;
    limited.problem(429, "rate_limited");
    assert!(retry_after(&limited) >= 1);
}

#[actix_web::test]
async fn an_idempotency_key_with_a_space_is_refused_as_the_spec_says() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    keyed(
        &app,
        &admin,
        "/v1/admin/partners",
        "two words",
        &json!({"name": "Spaced", "kind": "lpk"}),
    )
    .await
    .problem(400, "invalid_idempotency_key");
}

#[actix_web::test]
async fn token_requests_are_bounded_per_source_address() {
    let app = spawn_with(|c| c.limits.token_requests_per_minute = 3).await;
    let ask = || async {
        let client_id = format!("nobody-{}", unique());
        app.token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", "wrong"),
        ])
        .await
    };
    for _ in 0..3 {
        ask().await.problem(401, "invalid_client");
    }
    let limited = ask().await;
    limited.problem(429, "rate_limited");
    assert!(retry_after(&limited) >= 1);
}

#[actix_web::test]
async fn secret_checks_beyond_the_cap_are_503_with_retry_after() {
    let app = spawn_with(|c| {
        c.limits.secret_checks_in_flight = 1;
        c.limits.secret_check_wait = Duration::ZERO;
    })
    .await;
    let app = &app;
    let wrong = |n: u32| async move {
        let secret = format!("wrong-{n}");
        app.token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PLATFORM.0),
            ("client_secret", &secret),
        ])
        .await
    };
    let answers = futures_util::future::join_all((0..10).map(wrong)).await;
    let busy: Vec<_> = answers.iter().filter(|r| r.status == 503).collect();
    assert!(
        answers.iter().all(|r| [401, 503].contains(&r.status)),
        "only 401 or 503"
    );
    assert!(
        !busy.is_empty(),
        "some waited for a check and were told to retry"
    );
    for r in busy {
        r.problem(503, "service_unavailable");
        assert!(retry_after(r) >= 1);
    }
}

#[actix_web::test]
async fn a_correct_secret_is_checked_once_and_an_unknown_client_costs_no_check() {
    let app = spawn_app().await;
    let checks = || app.state.core.tokens.secret_checks();
    let before = checks();
    for _ in 0..4 {
        app.token(LPK).await;
    }
    assert_eq!(
        checks(),
        before + 1,
        "a correct secret is remembered after its first check"
    );
    app.token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "nobody"),
        ("client_secret", "x"),
    ])
    .await
    .problem(401, "invalid_client");
    assert_eq!(
        checks(),
        before + 1,
        "an unknown client id costs no password hash"
    );
    app.token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", LPK.0),
        ("client_secret", "wrong"),
    ])
    .await
    .problem(401, "invalid_client");
    assert_eq!(checks(), before + 2, "a wrong secret is checked");
}
