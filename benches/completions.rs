//! A cohort's end in one request: `POST /v1/completions/batch` with 1,000 rows, each a completion
//! and its two certificates, then the same batch again (every row accepted, nothing changed).
//!
//!     cargo bench --bench completions                  # SQLite (a temp file)
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench completions
//!
//! Sets up `BENCH_ROWS` (default 1,000) redeemed vouchers through the API (register, validate,
//! verify, buy, redeem; not timed), then times the two batch requests and prints a Markdown table
//! for benches/RESULTS.md.

#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{BenchDatabase, Client, env_or, peak_rss_mib};

/// One holder buys the course and the LPK redeems the voucher; returns the voucher's code.
async fn redeemed(c: &Client, t: &(String, String, String), code: &str, n: usize) -> String {
    let (admin, platform, lpk) = t;
    let (voucher, card) = c.bought(admin, platform, code, n).await;
    let (s, v) = c
        .post(
            lpk,
            &format!("/v1/vouchers/{voucher}/redeem"),
            json!({"card_number": card}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    voucher
}

fn main() {
    let rows = env_or("BENCH_ROWS", 1000);
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
        let tokens = std::sync::Arc::new((admin, platform, lpk.clone()));
        let setup = Instant::now();
        let workers = (0..8).map(|w| {
            let (c, tokens, code) = (c.clone(), tokens.clone(), code.clone());
            tokio::spawn(async move {
                let mut codes = Vec::new();
                for n in (w..rows).step_by(8) {
                    codes.push(redeemed(&c, &tokens, &code, n).await);
                }
                codes
            })
        });
        let mut vouchers = Vec::new();
        for w in futures_util::future::join_all(workers).await {
            vouchers.extend(w.expect("setup worker"));
        }
        eprintln!("{rows} redeemed vouchers set up in {:.1} s", setup.elapsed().as_secs_f64());

        let now = chrono::Utc::now().to_rfc3339();
        let items: Vec<Value> = vouchers
            .iter()
            .map(|v| {
                let cert = |kind: &str| {
                    let number = format!("{kind}-{}", v.replace('-', ""));
                    json!({"kind": kind, "number": number, "issued_at": now, "url": format!("https://lpk.example.id/c/{number}")})
                };
                json!({"voucher_code": v, "completed_at": now, "passed": true, "score": 85, "certificates": [cert("lpk"), cert("national")]})
            })
            .collect();
        let body = json!({"items": items});
        let mut timings: Vec<(&str, Duration)> = Vec::new();
        for run in ["first report (all applied)", "the same batch again (all unchanged)"] {
            let t = Instant::now();
            let (s, v) = c.post(&lpk, "/v1/completions/batch", body.clone()).await;
            let took = t.elapsed();
            assert_eq!(s, 200, "{v}");
            let accepted = v["results"]
                .as_array()
                .map(|r| r.iter().filter(|r| r["outcome"] == "accepted").count())
                .unwrap_or(0);
            assert_eq!(accepted, rows, "every row accepted: {}", v["results"][0]);
            timings.push((run, took));
        }
        println!("\n### {backend}, POST /v1/completions/batch, {rows} rows with 2 certificates each ({})\n", chrono::Utc::now().format("%Y-%m-%d"));
        println!("| request | seconds | rows per second |");
        println!("| --- | --- | --- |");
        for (run, took) in timings {
            println!("| {run} | {:.2} | {:.0} |", took.as_secs_f64(), rows as f64 / took.as_secs_f64());
        }
        if let Some(peak) = peak_rss_mib() {
            println!("\nPeak resident memory of the process (server and clients together): {peak:.0} MiB");
        }
    });
}
