//! Two real server processes on one PostgreSQL database act as one: purchases racing across them,
//! an `Idempotency-Key` replayed on the other, two disbursement runs at once, webhook workers on
//! both, and the request budgets that must hold across instances (in the database or in Redis).
//!
//! PostgreSQL only: several instances on one SQLite file are not a supported deployment (SQLite
//! is the one-process, zero-set-up choice; claims on idempotency keys of multi-step use cases are
//! then held in the process), so on SQLite these tests say so and stop.

use std::time::Duration;

use chrono::Timelike;
use prakerja_api::domain::CardNumber;
use serde_json::Value;

use crate::binary::Binary;
use crate::disbursement_helpers::*;
use crate::hardening::keyed;
use crate::helpers::*;
use crate::purchase_helpers::*;
use crate::webhook_helpers::*;

/// The test's app (for setting up and looking) and two binaries on its database, or `None` on
/// SQLite.
async fn two_instances(
    tweak: impl FnOnce(&mut prakerja_api::config::Config),
    env: &[(&str, &str)],
) -> Option<(TestApp, Binary, Binary)> {
    let app = spawn_with(tweak).await;
    if backend(&app) == prakerja_api::db::Backend::Sqlite {
        eprintln!("SKIPPED: many instances need PostgreSQL; run with TEST_DATABASE_URL");
        return None;
    }
    let first = Binary::serve(&app.database_url, env);
    let second = Binary::serve(&app.database_url, env);
    Some((app, first, second))
}

/// Sends `requests[i]` to instance `i % 2`, all at once.
async fn across(instances: [&Http; 2], requests: Vec<(String, String, Value)>) -> Vec<Response> {
    let sent = requests
        .into_iter()
        .enumerate()
        .map(|(i, (path, token, body))| async move {
            instances[i % 2].post(&path, &token, &body).await
        });
    futures_util::future::join_all(sent).await
}

#[actix_web::test]
async fn purchases_racing_across_two_instances_spend_a_card_once_and_sell_each_seat_once() {
    let Some((app, a, b)) = two_instances(|_| {}, &[]).await else {
        return;
    };
    let t = tokens(&app).await;

    // One card, two verified validations, one purchase on each instance.
    let course = approved_course(&app, &t, 600_000, None).await;
    let holder = register(&app, &t.admin).await;
    let first = validated(&app, &t.platform, &holder, &course).await;
    let second = validated(&app, &t.platform, &holder, &course).await;
    let (x, y) = futures_util::join!(
        buy(&a.http, &t.platform, &first, &course),
        buy(&b.http, &t.platform, &second, &course)
    );
    let created = [&x, &y].iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "{} / {}", x.body, y.body);
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 600_000
    );

    // Twelve holders after six seats, half of them on each instance.
    let course = approved_course(&app, &t, 100_000, Some((chrono::Duration::hours(2), 6))).await;
    let schedule = course.schedule.clone().expect("schedule");
    let mut cards = Vec::new();
    let mut requests = Vec::new();
    for _ in 0..12 {
        let holder = register(&app, &t.admin).await;
        let id = validated(&app, &t.platform, &holder, &course).await;
        let body = voucher_body(&id, &course.code, Some(&schedule), &order_id());
        requests.push(("/v1/vouchers".to_string(), t.platform.clone(), body));
        cards.push(holder.card);
    }
    let results = across([&a.http, &b.http], requests).await;
    assert_eq!(
        results.iter().filter(|r| r.status == 201).count(),
        6,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for refused in results.iter().filter(|r| r.status != 201) {
        refused.problem(409, "schedule_full");
    }
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        0
    );
    let cards: Vec<&str> = cards.iter().map(String::as_str).collect();
    crate::vouchers::assert_balances_add_up(&app, &t.admin, &cards).await;
}

#[actix_web::test]
async fn an_idempotency_key_replayed_on_the_other_instance_answers_as_the_first_time() {
    let Some((app, a, b)) = two_instances(|_| {}, &[]).await else {
        return;
    };
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 400_000, None).await;
    let holder = register(&app, &t.admin).await;
    let id = validated(&app, &t.platform, &holder, &course).await;
    let body = voucher_body(&id, &course.code, None, &order_id());
    let first = keyed(&a.http, &t.platform, "/v1/vouchers", "order-on-a", &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let replay = keyed(&b.http, &t.platform, "/v1/vouchers", "order-on-a", &body).await;
    assert_eq!(replay.status, 201, "{}", replay.body);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 400_000
    );
}

#[actix_web::test]
async fn two_disbursement_runs_at_once_on_two_instances_pay_nothing_twice() {
    let Some((app, a, b)) = two_instances(|_| {}, &[]).await else {
        return;
    };
    let t = tokens(&app).await;
    let mut cards = Vec::new();
    for _ in 0..3 {
        cards.push(ready_holder(&app, &t).await.0.card);
    }
    let (x, y) = futures_util::join!(
        run_request(&a.http, &t.admin, None),
        run_request(&b.http, &t.admin, None)
    );
    assert_eq!((x.status, y.status), (200, 200), "{} / {}", x.body, y.body);
    // The three first tranches and the seeded ready test card's.
    assert_eq!(
        count(&x.body, "sent") + count(&y.body, "sent"),
        4,
        "each first tranche sent by one run: {} / {}",
        x.body,
        y.body
    );
    assert_eq!(count(&x.body, "errors") + count(&y.body, "errors"), 0);
    assert_eq!(
        sandbox_payout_rows(&app).await,
        4,
        "the gateway got each once"
    );
    assert_eq!(rows_in_status(&app, "paid").await, 4);
    for card in &cards {
        let first = tranche(&payments_of(&app, &t.admin, card).await, 1);
        assert_consistent(&first);
        assert_eq!(first["status"], "paid", "{first}");
        assert!(sandbox_outcome(&app, &id_of(&first)).await.is_some());
    }
    // A second pair of runs finds nothing left to send.
    let (x, y) = futures_util::join!(run(&a.http, &t.admin, None), run(&b.http, &t.admin, None));
    assert_eq!(count(&x, "sent") + count(&y, "sent"), 0, "{x} / {y}");
    assert_eq!(sandbox_payout_rows(&app).await, 4);
}

#[actix_web::test]
async fn webhook_workers_on_two_instances_deliver_every_event_once() {
    // The test's own server does not deliver: only the two binaries' workers do.
    let quiet = |c: &mut prakerja_api::config::Config| c.webhooks.poll = Duration::from_secs(3600);
    let Some((app, a, b)) = two_instances(quiet, &[("PRAKERJA_WEBHOOK_POLL_MS", "100")]).await
    else {
        return;
    };
    let t = tokens(&app).await;
    let hooks = receiver(Behaviour::Ok);
    subscribe(&app, &t.platform, &hooks.url, &["voucher.issued"]).await;
    let course = approved_course(&app, &t, 100_000, None).await;
    let mut requests = Vec::new();
    for _ in 0..10 {
        let holder = register(&app, &t.admin).await;
        let id = validated(&app, &t.platform, &holder, &course).await;
        let body = voucher_body(&id, &course.code, None, &order_id());
        requests.push(("/v1/vouchers".to_string(), t.platform.clone(), body));
    }
    let codes: Vec<String> = across([&a.http, &b.http], requests)
        .await
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["code"].as_str().expect("code").to_string()
        })
        .collect();
    let issued = |rs: &[Received]| {
        rs.iter()
            .map(Received::json)
            .filter(|v| v["type"] == "voucher.issued")
            .collect::<Vec<_>>()
    };
    hooks
        .wait_until(Duration::from_secs(30), |rs| {
            issued(rs).len() >= codes.len()
        })
        .await;
    // Let a duplicate, if any worker were to send one, arrive.
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let got = issued(&hooks.requests());
    for code in &codes {
        let n = got
            .iter()
            .filter(|v| v["data"]["code"] == code.as_str())
            .count();
        assert_eq!(n, 1, "voucher {code} announced {n} times: {got:?}");
    }
    assert_eq!(got.len(), codes.len());
}

/// Waits until the current minute has 15 s left at least, so a budget's fixed window does not
/// turn over in the middle of a test.
async fn fresh_window() {
    let second = chrono::Utc::now().second();
    if second > 45 {
        actix_web::rt::time::sleep(Duration::from_secs(u64::from(61 - second))).await;
    }
}

/// Starts `n` card validations on `a` and `b` in turn with an unknown card: their statuses.
async fn probe(a: &Http, b: &Http, platform: &str, course: &Course, n: usize) -> Vec<u16> {
    let unknown = CardNumber::complete("999999999999999");
    let mut statuses = Vec::new();
    for i in 0..n {
        let http = if i % 2 == 0 { a } else { b };
        let res = start(http, platform, unknown.as_str(), course).await;
        if res.status == 429 {
            assert!(retry_after(&res) >= 1);
        }
        statuses.push(res.status);
    }
    statuses
}

#[actix_web::test]
async fn the_validation_token_and_session_budgets_hold_across_two_instances() {
    let env = [
        ("PRAKERJA_VALIDATIONS_PER_MINUTE", "4"),
        ("PRAKERJA_TOKEN_REQUESTS_PER_MINUTE", "4"),
        ("PRAKERJA_SESSIONS_PER_MINUTE", "2"),
    ];
    let Some((app, a, b)) = two_instances(|_| {}, &env).await else {
        return;
    };
    fresh_window().await;
    let platform = app.token(PLATFORM).await;
    let course = sandbox_course(&app, &platform, 500_000).await;
    let statuses = probe(&a.http, &b.http, &platform, &course, 6).await;
    assert_eq!(
        statuses,
        [404, 404, 404, 404, 429, 429],
        "4 a minute in all"
    );

    // The test's own token request counted too: three more, then both instances refuse.
    let mut answers = Vec::new();
    for i in 0..5 {
        let http = if i % 2 == 0 { &a.http } else { &b.http };
        let res = http
            .token_form(&[
                ("grant_type", "client_credentials"),
                ("client_id", PLATFORM.0),
                ("client_secret", PLATFORM.1),
            ])
            .await;
        answers.push(res.status);
    }
    assert_eq!(answers, [200, 200, 200, 429, 429], "4 a minute per address");

    // Holder sessions (each would send an OTP) per address: 2 a minute, both instances together.
    let unknown = CardNumber::complete("999999999999999");
    let mut sessions = Vec::new();
    for http in [&a.http, &b.http, &a.http] {
        let res = http
            .send(
                http.client
                    .post(http.url("/v1/participant/sessions"))
                    .json(&serde_json::json!({"card_number": unknown.as_str()})),
            )
            .await;
        sessions.push(res.status);
    }
    assert_eq!(sessions, [404, 404, 429], "2 a minute per address");
}

/// Redis at 127.0.0.1:6379 reachable; outside CI a missing Redis skips the test.
fn redis_reachable() -> bool {
    let up = std::net::TcpStream::connect_timeout(
        &"127.0.0.1:6379".parse().expect("address"),
        Duration::from_secs(1),
    )
    .is_ok();
    if !up {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Redis is not reachable at 127.0.0.1:6379 and CI=true"
        );
        eprintln!("SKIPPED: Redis is not reachable at 127.0.0.1:6379");
    }
    up
}

#[actix_web::test]
async fn with_redis_a_platforms_validation_budget_holds_across_two_instances() {
    if !redis_reachable() {
        return;
    }
    let env = [
        ("PRAKERJA_VALIDATIONS_PER_MINUTE", "3"),
        ("PRAKERJA_REDIS_URL", "redis://127.0.0.1:6379"),
    ];
    let Some((app, a, b)) = two_instances(|_| {}, &env).await else {
        return;
    };
    let t = tokens(&app).await;
    // A platform of this test alone: Redis is shared by every test and run.
    let (partner, client_id, secret) = app.new_partner(&t.admin, "platform").await;
    let course = approved_course(&app, &t, 500_000, None).await;
    fresh_window().await;
    let platform = app.token((&client_id, &secret)).await;
    let statuses = probe(&a.http, &b.http, &platform, &course, 5).await;
    assert_eq!(statuses, [404, 404, 404, 429, 429], "3 a minute in all");
    let mut redis = redis::Client::open("redis://127.0.0.1:6379")
        .and_then(|c| c.get_connection())
        .expect("Redis");
    let counted: i64 = redis::cmd("GET")
        .arg(format!("prakerja:budget:validations:{partner}"))
        .query(&mut redis)
        .expect("the budget's counter");
    assert_eq!(counted, 5, "counted in Redis, not in the database");
}

#[actix_web::test]
async fn with_redis_unreachable_the_budgeted_requests_are_refused_not_let_through() {
    let app = spawn_with(|c| c.limits.redis_url = Some("redis://127.0.0.1:9".into())).await;
    let refused = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PLATFORM.0),
            ("client_secret", PLATFORM.1),
        ])
        .await;
    refused.problem(503, "service_unavailable");
    assert_eq!(retry_after(&refused), 1);
}

/// An instance whose clock lags a window behind counts into the current window: it must not
/// start the count again and hand out a fresh budget (on both backends).
#[actix_web::test]
async fn a_lagging_clock_counts_into_the_current_window_instead_of_restarting_it() {
    use prakerja_api::db::rate_limits::bump;
    let app = spawn_app().await;
    let minute = 60_000;
    let now = 1_800_000_000_000_i64;
    let seen = app
        .db(move |c| {
            let first = bump(c, "skew:test", now, minute)?;
            let lagging = bump(c, "skew:test", now - minute, minute)?;
            let later = bump(c, "skew:test", now + minute, minute)?;
            Ok((first, lagging, later))
        })
        .await;
    let window = now - now % minute;
    assert_eq!(seen.0, (window, 1));
    assert_eq!(
        seen.1,
        (window, 2),
        "the lagging bump counts in the current window"
    );
    assert_eq!(seen.2, (window + minute, 1), "a later window starts again");
}
