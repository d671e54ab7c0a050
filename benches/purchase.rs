//! The money path under load: card validation (pre-checks + OTP), OTP verification, purchase.
//!
//!     cargo bench --bench purchase                      # SQLite (a temp file)
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench purchase
//!
//! (on PostgreSQL the bench creates a fresh database on that server and drops it at the end)
//!
//! Starts the real server in-process on port 0 (release build, sandbox on), registers holders,
//! then runs `BENCH_BUYERS` (default 400) complete checkouts from `BENCH_CONCURRENCY` (default 8)
//! concurrent clients over HTTP, and prints latency percentiles per step as a Markdown table to
//! paste into benches/RESULTS.md. Reading the OTP from the sandbox outbox is not timed.
//!
//! `BENCH_RATE` (checkouts per second, all clients together; default 0 = as fast as they can)
//! paces the clients instead: client k starts its n-th checkout at n * BENCH_CONCURRENCY /
//! BENCH_RATE seconds, or at once when it is behind. That is how latency under a given load
//! (half of the saturated rate, say) is measured.

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use serde_json::json;
use support::{BenchDatabase, env_or, peak_rss_mib, percentile};

fn main() {
    let buyers = env_or("BENCH_BUYERS", 400);
    let concurrency = env_or("BENCH_CONCURRENCY", 8);
    let rate = env_or("BENCH_RATE", 0);
    // Each client's time between checkout starts, when paced.
    let period =
        (rate > 0).then(|| std::time::Duration::from_secs_f64(concurrency as f64 / rate as f64));
    let db = BenchDatabase::fresh();
    let backend = db.backend;
    let c = std::sync::Arc::new(db.serve());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let admin = c.token("sandbox-admin", "sandbox-admin-secret").await;
        let platform = c.token("sandbox-platform", "sandbox-platform-secret").await;
        let lpk = c.token("sandbox-lpk", "sandbox-lpk-secret").await;
        let code = c.approved_course(&admin, &lpk).await;
        let mut holders = Vec::new();
        for n in 0..buyers {
            holders.push(c.holder(&admin, n).await);
        }

        let started = Instant::now();
        let chunks: Vec<Vec<(String, String)>> = holders.chunks(buyers.div_ceil(concurrency)).map(<[_]>::to_vec).collect();
        let tasks = chunks.into_iter().map(|chunk| {
            let (c, platform, code) = (c.clone(), platform.clone(), code.clone());
            tokio::spawn(async move {
                let mut times = (Vec::new(), Vec::new(), Vec::new());
                for (i, (card, phone)) in chunk.into_iter().enumerate() {
                    if let Some(period) = period {
                        tokio::time::sleep_until((started + period * i as u32).into()).await;
                    }
                    let t = Instant::now();
                    let (s, v) = c.post(&platform, "/v1/card-validations", json!({"card_number": card, "course_code": code})).await;
                    times.0.push(t.elapsed());
                    assert_eq!(s, 201, "{v}");
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let otp = c.otp(&platform, &phone).await;
                    let t = Instant::now();
                    let (s, v) = c.post(&platform, &format!("/v1/card-validations/{id}/verify"), json!({"otp": otp})).await;
                    times.1.push(t.elapsed());
                    assert_eq!(s, 200, "{v}");
                    let t = Instant::now();
                    let (s, v) = c
                        .post(&platform, "/v1/vouchers", json!({"card_validation_id": id, "course_code": code, "external_order_id": format!("B-{card}-{i}")}))
                        .await;
                    times.2.push(t.elapsed());
                    assert_eq!(s, 201, "{v}");
                }
                times
            })
        });
        let mut all = (Vec::new(), Vec::new(), Vec::new());
        for task in futures_util::future::join_all(tasks).await {
            let t = task.expect("client task");
            all.0.extend(t.0);
            all.1.extend(t.1);
            all.2.extend(t.2);
        }
        let wall = started.elapsed();
        let paced = if rate > 0 { format!(", paced at {rate} checkouts/s") } else { String::new() };
        println!("\n### {backend}, {buyers} checkouts, {concurrency} concurrent clients{paced} ({})\n", chrono::Utc::now().format("%Y-%m-%d"));
        println!("| step | p50 ms | p95 ms | p99 ms | max ms |");
        println!("| --- | --- | --- | --- | --- |");
        for (name, mut v) in [("POST /v1/card-validations", all.0), ("POST .../verify", all.1), ("POST /v1/vouchers", all.2)] {
            v.sort();
            println!("| {name} | {:.1} | {:.1} | {:.1} | {:.1} |", percentile(&v, 0.5), percentile(&v, 0.95), percentile(&v, 0.99), percentile(&v, 1.0));
        }
        println!("\nCheckouts per second (three timed calls + one untimed SMS read each): {:.0}", buyers as f64 / wall.as_secs_f64());
        if let Some(peak) = peak_rss_mib() {
            println!("Peak resident memory of the process (server and load clients together): {peak:.0} MiB");
        }
    });
}
