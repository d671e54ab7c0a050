//! The business metrics on `/metrics`: each counter moved by the real flow that should move it
//! (and only once: replays and repeats count nothing), the stocks read from the database, the
//! pool and the process; and the Grafana dashboard querying only what the server exposes.

use std::time::Duration;

use serde_json::Value;

use crate::disbursement_helpers::*;
use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;
use crate::webhook_helpers::*;

/// One sample: its name, its labels and its value.
type Sample = (String, Vec<(String, String)>, f64);

/// One scrape: the text and every sample in it.
pub struct Scrape {
    pub text: String,
    samples: Vec<Sample>,
}

pub async fn scrape(app: &Http) -> Scrape {
    let res = app.send(app.client.get(app.url("/metrics"))).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let text = res.body.as_str().unwrap_or_default().to_string();
    let samples = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
                .collect();
            Some((name.to_string(), labels, value.parse().ok()?))
        })
        .collect();
    Scrape { text, samples }
}

impl Scrape {
    /// The sum of the samples named `name` that carry every one of `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|(n, ls, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| ls.iter().any(|(lk, lv)| lk == k && lv == v))
            })
            .map(|(_, _, v)| *v)
            .sum()
    }

    /// Whether any sample of `name` is exposed.
    pub fn has(&self, name: &str) -> bool {
        self.samples.iter().any(|(n, _, _)| n == name)
    }
}

/// The sandbox platform's partner id, as the voucher names it.
fn platform_of(voucher: &Value) -> String {
    voucher["platform_id"]
        .as_str()
        .expect("platform_id")
        .to_string()
}

#[actix_web::test]
async fn a_purchase_redeem_completion_and_void_each_count_once_for_the_selling_platform() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let before = scrape(&app).await;

    let (holder, code) = redeemed_voucher(&app, &t).await;
    let platform = platform_of(&voucher(&app, &t.admin, &code).await);
    // The same report twice: the second changes nothing, and counts nothing.
    let report = completion_body(&now(), true, 85);
    for _ in 0..2 {
        let res = complete_with(&app, &t.lpk, &code, &report).await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    let (_, voided) = issued_voucher(&app, &t).await;
    assert_eq!(void(&app, &t.admin, &voided).await.status, 200);
    // Bought twice under one idempotency key: one purchase.
    let course = approved_course(&app, &t, 150_000, None).await;
    let other = register(&app, &t.admin).await;
    let validation = validated(&app, &t.platform, &other, &course).await;
    let body = voucher_body(&validation, &course.code, None, &order_id());
    for _ in 0..2 {
        let res = app
            .send(
                app.client
                    .post(app.url("/v1/vouchers"))
                    .bearer_auth(&t.platform)
                    .header("Idempotency-Key", format!("buy-{}", holder.card))
                    .json(&body),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
    }

    let after = scrape(&app).await;
    let moved = |event: &str| {
        let labels = [("platform", platform.as_str()), ("event", event)];
        after.value("prakerja_vouchers_total", &labels)
            - before.value("prakerja_vouchers_total", &labels)
    };
    assert_eq!(moved("issued"), 3.0, "{}", after.text);
    assert_eq!(moved("redeemed"), 1.0);
    assert_eq!(moved("completed"), 1.0);
    assert_eq!(moved("voided"), 1.0);
    let debited = |s: &Scrape| s.value("prakerja_rupiah_debited_total", &[("platform", &platform)]);
    assert_eq!(debited(&after) - debited(&before), 550_000.0);
    assert!(
        !after.text.contains(&holder.card),
        "a card number in the metrics"
    );
}

#[actix_web::test]
async fn otps_sent_verified_failed_and_locked_are_counted_with_the_sms_gateway_calls() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 100_000, None).await;
    let before = scrape(&app).await;

    let holder = register(&app, &t.admin).await;
    validated(&app, &t.platform, &holder, &course).await;
    let other = register(&app, &t.admin).await;
    let (id, otp) = started(&app, &t.platform, &other, &course).await;
    let wrong = wrong_otp(&otp);
    let mut failed = 0.0;
    let mut last = verify(&app, &t.platform, &id, &wrong).await;
    while last.code() == "otp_incorrect" {
        failed += 1.0;
        last = verify(&app, &t.platform, &id, &wrong).await;
    }
    assert_eq!(last.code(), "validation_locked", "{}", last.body);
    assert!(failed >= 1.0);
    // Guessing at a locked validation locks nothing more.
    verify(&app, &t.platform, &id, &wrong).await;

    let after = scrape(&app).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    let otp = |outcome| moved("prakerja_otp_total", &[("outcome", outcome)]);
    assert_eq!(otp("sent"), 2.0, "{}", after.text);
    assert_eq!(otp("verified"), 1.0);
    assert_eq!(
        otp("failed"),
        failed,
        "the wrong guesses before the one that locked"
    );
    assert_eq!(otp("locked"), 1.0);
    let sms_ok = [("gateway", "sms"), ("outcome", "ok")];
    assert_eq!(moved("prakerja_gateway_requests_total", &sms_ok), 2.0);
    assert_eq!(
        moved(
            "prakerja_gateway_duration_seconds_count",
            &[("gateway", "sms")]
        ),
        2.0
    );
    assert_eq!(
        moved("prakerja_refusals_total", &[("code", "otp_incorrect")]),
        failed
    );
    assert_eq!(
        moved("prakerja_refusals_total", &[("code", "validation_locked")]),
        2.0
    );
}

#[actix_web::test]
async fn a_disbursement_run_counts_payout_calls_and_the_stocks_match_the_database() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let before = scrape(&app).await;
    ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;

    let after = scrape(&app).await;
    let ok = [("gateway", "payout"), ("outcome", "ok")];
    let calls = after.value("prakerja_gateway_requests_total", &ok)
        - before.value("prakerja_gateway_requests_total", &ok);
    assert!(calls >= 1.0, "{}", after.text);
    for status in ["scheduled", "pending", "checking", "paid", "failed", "held"] {
        assert_eq!(
            after.value("prakerja_disbursements", &[("status", status)]),
            rows_in_status(&app, status).await as f64,
            "{status}"
        );
    }
    let paid: i64 = app
        .db(|c| {
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let n: N = diesel::RunQueryDsl::get_result(
                diesel::sql_query(
                    "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS n FROM disbursements WHERE status = 'paid'",
                ),
                c,
            )?;
            Ok(n.n)
        })
        .await;
    assert!(paid > 0);
    assert_eq!(after.value("prakerja_rupiah_paid", &[]), paid as f64);
}

#[actix_web::test]
async fn webhook_attempts_count_delivered_and_failed_and_a_pending_delivery_shows_its_age() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let good = receiver(Behaviour::Ok);
    let bad = receiver(Behaviour::AlwaysFail);
    subscribe(&app, &t.platform, &good.url, &["voucher.issued"]).await;
    let before = scrape(&app).await;
    assert_eq!(
        before.value("prakerja_webhook_oldest_undelivered_seconds", &[]),
        0.0
    );
    let (_, code) = issued_voucher(&app, &t).await;
    good.event("voucher.issued", &code).await;
    subscribe(&app, &t.platform, &bad.url, &["voucher.issued"]).await;
    issued_voucher(&app, &t).await;
    bad.wait_until(Duration::from_secs(20), |r| !r.is_empty())
        .await;

    // The attempt is recorded just after the receiver answers.
    let mut after = scrape(&app).await;
    for _ in 0..100 {
        if after.value(
            "prakerja_webhook_deliveries_total",
            &[("outcome", "failed")],
        ) >= 1.0
        {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        after = scrape(&app).await;
    }
    let moved = |outcome| {
        let l = [("outcome", outcome)];
        after.value("prakerja_webhook_deliveries_total", &l)
            - before.value("prakerja_webhook_deliveries_total", &l)
    };
    assert!(moved("delivered") >= 2.0, "{}", after.text);
    assert!(moved("failed") >= 1.0, "{}", after.text);
    assert!(after.value("prakerja_webhook_oldest_undelivered_seconds", &[]) > 0.0);
}

#[actix_web::test]
async fn refusals_count_by_code_whichever_layer_answers() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let before = scrape(&app).await;
    let answers = [
        app.get("/v1/vouchers/AAAA-AAAA-AAAA-AAAA", &admin).await,
        app.get("/v1/no-such-path", &admin).await,
        app.send(app.client.get(app.url("/v1/courses"))).await,
        app.send(app.client.delete(app.url("/v1/courses"))).await,
        app.send(app.client.post(app.url("/api/v1/integration/nothing-here")))
            .await,
    ];
    let mut codes: Vec<String> = answers
        .iter()
        .map(|r| {
            let code = r.body["code"].as_str().or(r.body["data"]["code"].as_str());
            code.unwrap_or_else(|| panic!("no code: {}", r.body))
                .to_string()
        })
        .collect();
    assert!(codes.contains(&"invalid_token".to_string()), "{codes:?}");
    let after = scrape(&app).await;
    codes.sort();
    codes.dedup();
    for code in &codes {
        let l = [("code", code.as_str())];
        let moved = after.value("prakerja_refusals_total", &l)
            - before.value("prakerja_refusals_total", &l);
        let answered = answers
            .iter()
            .filter(|r| r.body["code"] == *code || r.body["data"]["code"] == *code)
            .count();
        assert_eq!(moved, answered as f64, "{code}: {}", after.text);
    }
}

#[actix_web::test]
async fn the_pool_the_process_and_the_uptime_are_exposed() {
    let app = spawn_with(|c| c.database.pool_size = 7).await;
    let s = scrape(&app).await;
    assert_eq!(s.value("prakerja_db_pool_max", &[]), 7.0, "{}", s.text);
    let open = s.value("prakerja_db_pool_connections", &[]);
    assert!((1.0..=7.0).contains(&open), "{}", s.text);
    assert!(s.value("prakerja_db_pool_wait_seconds_count", &[]) >= 1.0);
    assert!(s.value("process_resident_memory_bytes", &[]) > 1_000_000.0);
    assert!(s.value("prakerja_uptime_seconds", &[]) > 0.0);
    for state in ["idle", "in_use"] {
        assert!(s.text.contains(&format!(
            "prakerja_db_pool_connections{{state=\"{state}\"}}"
        )));
    }
}

/// The metric names a PromQL expression reads (identifiers followed by `{`, `[` or `)`), less
/// the functions and keywords around them.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == '_') {
                i += 1;
            }
            let word: String = bytes[start..i].iter().collect();
            let inside_labels =
                expr[..start].matches('{').count() > expr[..start].matches('}').count();
            let next = bytes.get(i).copied().unwrap_or(' ');
            let is_call = next == '(';
            if !inside_labels
                && !is_call
                && (word.starts_with("prakerja_")
                    || word.starts_with("process_")
                    || word.starts_with("http_"))
            {
                names.push(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

#[actix_web::test]
async fn the_grafana_dashboard_parses_and_queries_only_metrics_the_server_exposes() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/grafana/prakerja.json"
    ))
    .expect("deploy/grafana/prakerja.json");
    let dashboard: Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let mut queried = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            queried.extend(metric_names(target["expr"].as_str().expect("expr")));
        }
    }
    assert!(queried.len() >= 15, "{queried:?}");

    // A server that has sold, redeemed, completed, voided and refused, so every series exists.
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 85).await;
    let (_, other) = issued_voucher(&app, &t).await;
    void(&app, &t.admin, &other).await;
    app.get("/v1/no-such-path", &t.admin).await;
    let s = scrape(&app).await;
    for name in queried {
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .filter(|base| s.has(&format!("{base}_count")))
            .map_or(name.clone(), |b| format!("{b}_count"));
        assert!(
            s.has(&base),
            "the dashboard queries {name}, which /metrics lacks"
        );
    }
}

#[actix_web::test]
async fn an_audit_event_the_sealer_has_not_chained_shows_its_age() {
    use diesel::prelude::*;
    use prakerja_api::db::{self, schema::audit_inbox as a};
    use prakerja_api::metrics::Metrics;
    let app = spawn_app().await;
    app.db(prakerja_api::service::audit::seal).await;
    let idle = scrape(&app).await;
    assert_eq!(
        idle.value("prakerja_audit_oldest_unsealed_seconds", &[]),
        0.0
    );
    // Recorded an hour ago and, inside this open transaction, out of the server's sealer's sight:
    // what a stopped sealer would leave.
    let (stock, now) = app
        .db(|c| {
            db::write_tx(c, |c| {
                let now = db::now();
                diesel::insert_into(a::table)
                    .values((
                        a::occurred_at.eq(now - chrono::Duration::hours(1)),
                        a::actor_id.eq("metrics-test"),
                        a::actor_role.eq("operator"),
                        a::action.eq("test.unsealed"),
                        a::target_type.eq("test"),
                        a::target_id.eq("1"),
                        a::details.eq("{}"),
                    ))
                    .execute(c)?;
                Ok((db::stock::read(c)?, now))
            })
        })
        .await;
    let metrics = Metrics::new();
    metrics.set_stock(&stock, now);
    let text = metrics.render();
    let age: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("prakerja_audit_oldest_unsealed_seconds "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no unsealed age in\n{text}"));
    assert_eq!(age, 3600.0);
}
