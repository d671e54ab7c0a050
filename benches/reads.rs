//! Reads against their ceilings: the constant JSON route (`/healthz`: no auth, no database) and the
//! authenticated `GET /v1/vouchers/{code}`, each under the same closed-loop load; on PostgreSQL also
//! `pgbench -S` (single-row reads straight to the database) on the same server.
//!
//!     cargo bench --bench reads                        # SQLite (a temp file)
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench reads
//!
//! Starts the real server in-process on port 0 (release build), buys `BENCH_VOUCHERS` (default 16)
//! vouchers through the API (not timed), then for each route runs `BENCH_CONNECTIONS` (default 32)
//! keep-alive clients for `BENCH_SECONDS` (default 10) after a one-second warm-up, latencies in an
//! HDR histogram, and prints a Markdown table for benches/RESULTS.md. The pgbench ceiling
//! initialises scale 10 in a scratch database (dropped afterwards) and runs
//! `pgbench -S -c 16 -j 2 -T BENCH_SECONDS`.

#[path = "support/mod.rs"]
mod support;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use support::{BenchDatabase, Client, env_or, peak_rss_mib, postgres_admin};

/// What one route did under load.
struct Load {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `connections` clients each send `GET paths[i % len]` back to back for `duration`.
async fn load(
    c: &Arc<Client>,
    token: Option<&str>,
    paths: &[String],
    connections: usize,
    duration: Duration,
) -> Load {
    let started = Instant::now();
    let until = started + duration;
    let tasks = (0..connections).map(|w| {
        let (c, token, paths) = (c.clone(), token.map(str::to_string), paths.to_vec());
        tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
            let mut i = w;
            while Instant::now() < until {
                let url = format!("{}{}", c.base, paths[i % paths.len()]);
                i += 1;
                let t = Instant::now();
                let mut req = c.http.get(url);
                if let Some(token) = &token {
                    req = req.bearer_auth(token);
                }
                let res = req.send().await.expect("sent");
                assert_eq!(res.status().as_u16(), 200);
                res.bytes().await.expect("body");
                hist.record(t.elapsed().as_micros() as u64)
                    .expect("in range");
            }
            hist
        })
    });
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
    for h in futures_util::future::join_all(tasks).await {
        all.add(h.expect("load task")).expect("same bounds");
    }
    let wall = started.elapsed().as_secs_f64();
    Load {
        per_second: all.len() as f64 / wall,
        p50_ms: all.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: all.value_at_quantile(0.99) as f64 / 1000.0,
    }
}

/// `pgbench -S` on a scratch database of `admin_url`'s server: single-row reads per second.
fn pgbench_select(admin_url: &str, seconds: usize) -> Option<f64> {
    let name = format!("prakerja_bench_pgbench_{}", uuid::Uuid::new_v4().simple());
    postgres_admin(admin_url, &format!("CREATE DATABASE \"{name}\""));
    let url = format!("{}/{name}", admin_url.rsplit_once('/')?.0);
    let run = |args: &[&str]| Command::new("pgbench").args(args).arg(&url).output();
    let tps = run(&["-i", "-s", "10", "-q"]).ok().and_then(|init| {
        if !init.status.success() {
            eprintln!("pgbench -i: {}", String::from_utf8_lossy(&init.stderr));
            return None;
        }
        let out = run(&["-S", "-c", "16", "-j", "2", "-T", &seconds.to_string()]).ok()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.lines()
            .find(|l| l.starts_with("tps = "))?
            .trim_start_matches("tps = ")
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    });
    postgres_admin(
        admin_url,
        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    );
    tps
}

fn main() {
    let seconds = env_or("BENCH_SECONDS", 10);
    let connections = env_or("BENCH_CONNECTIONS", 32);
    let vouchers = env_or("BENCH_VOUCHERS", 16);
    let db = BenchDatabase::fresh();
    let backend = db.backend;
    let c = Arc::new(db.serve());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (ceiling, read) = runtime.block_on(async {
        let admin = c.token("sandbox-admin", "sandbox-admin-secret").await;
        let platform = c.token("sandbox-platform", "sandbox-platform-secret").await;
        let lpk = c.token("sandbox-lpk", "sandbox-lpk-secret").await;
        let course = c.approved_course(&admin, &lpk).await;
        let mut paths = Vec::new();
        for n in 0..vouchers {
            let (code, _) = c.bought(&admin, &platform, &course, n).await;
            paths.push(format!("/v1/vouchers/{code}"));
        }
        let health = ["/healthz".to_string()];
        let (warm, run) = (Duration::from_secs(1), Duration::from_secs(seconds as u64));
        load(&c, None, &health, connections, warm).await;
        let ceiling = load(&c, None, &health, connections, run).await;
        load(&c, Some(&platform), &paths, connections, warm).await;
        let read = load(&c, Some(&platform), &paths, connections, run).await;
        (ceiling, read)
    });
    let pgbench = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .and_then(|url| pgbench_select(&url, seconds));

    println!(
        "\n### {backend}, reads, {connections} keep-alive connections, {seconds} s each ({})\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!("| route | req/s | p50 ms | p99 ms | ratio to /healthz |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, l) in [
        ("GET /healthz (ceiling)", &ceiling),
        ("GET /v1/vouchers/{code} (platform token)", &read),
    ] {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.2} |",
            l.per_second,
            l.p50_ms,
            l.p99_ms,
            l.per_second / ceiling.per_second
        );
    }
    if let Some(tps) = pgbench {
        println!(
            "\n`pgbench -S -c 16 -j 2` (scale 10, same server): {tps:.0} reads/s; voucher GET / pgbench -S = {:.2}",
            read.per_second / tps
        );
    }
    if let Some(peak) = peak_rss_mib() {
        println!(
            "Peak resident memory of the process (server and clients together): {peak:.0} MiB"
        );
    }
}
