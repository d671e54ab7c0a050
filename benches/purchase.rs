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

use std::time::{Duration, Instant};

use prakerja_api::config::Config;
use prakerja_api::startup::Application;
use serde_json::{Value, json};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("sent");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, token: &str, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json")
    }

    async fn token(&self, id: &str, secret: &str) -> String {
        let res = self
            .http
            .post(format!("{}/v1/oauth/token", self.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .expect("sent");
        res.json::<Value>().await.expect("json")["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs one statement on the server `url` points at (database creation and removal).
fn postgres_admin(url: &str, statement: &str) {
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::PgConnection::establish(url).expect("BENCH_DATABASE_URL reachable");
    diesel::sql_query(statement)
        .execute(&mut conn)
        .expect(statement);
}

/// `VmHWM` of this process, in MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let buyers = env_or("BENCH_BUYERS", 400);
    let concurrency = env_or("BENCH_CONCURRENCY", 8);
    let dir = tempfile::tempdir().expect("temp dir");
    // PostgreSQL: a fresh database on the given server, dropped afterwards.
    let admin_url = std::env::var("BENCH_DATABASE_URL").ok();
    let fresh = format!("prakerja_bench_{}", uuid::Uuid::new_v4().simple());
    let url = match &admin_url {
        Some(admin) => {
            postgres_admin(admin, &format!("CREATE DATABASE \"{fresh}\""));
            let server = admin.rsplit_once('/').expect("the URL names a database").0;
            format!("{server}/{fresh}")
        }
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let mut config = Config::for_tests(&url);
    config.database.pool_size = 10;
    config.limits.per_second = 1_000_000;
    config.limits.burst = 1_000_000;
    config.limits.validations_per_minute = 1_000_000;

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(config).await.expect("server builds");
            let _ = tx.send(app.port());
            let _ = app.run_until_stopped().await;
        })
    });
    let port = rx.recv().expect("server started");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let c = std::sync::Arc::new(Client { base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() });
        let admin = c.token("sandbox-admin", "sandbox-admin-secret").await;
        let platform = c.token("sandbox-platform", "sandbox-platform-secret").await;
        let lpk = c.token("sandbox-lpk", "sandbox-lpk-secret").await;
        let (_, course) = c
            .post(&lpk, "/v1/courses", json!({"title": "Bench", "description": "Bench", "price": 250000, "mode": "online", "duration_hours": 1, "sessions": 1}))
            .await;
        let code = course["course_code"].as_str().expect("course").to_string();
        c.post(&admin, &format!("/v1/admin/courses/{code}/approve"), json!({})).await;
        let mut holders = Vec::new();
        for n in 0..buyers {
            let phone = format!("0819{n:08}");
            let (status, h) = c
                .post(&admin, "/v1/admin/participants", json!({
                    "nik": format!("3201011508{:02}{:04}", 70 + n / 9000, n % 9000 + 1),
                    "kk_number": format!("32010101{n:08}"),
                    "full_name": "Bench Peserta", "phone": phone, "wave": 1,
                    "passed_at": chrono::Utc::now().to_rfc3339(),
                }))
                .await;
            assert_eq!(status, 201, "{h}");
            holders.push((h["card_number"].as_str().expect("card").to_string(), phone));
        }

        let started = Instant::now();
        let chunks: Vec<Vec<(String, String)>> = holders.chunks(buyers.div_ceil(concurrency)).map(<[_]>::to_vec).collect();
        let tasks = chunks.into_iter().map(|chunk| {
            let (c, platform, code) = (c.clone(), platform.clone(), code.clone());
            tokio::spawn(async move {
                let mut times = (Vec::new(), Vec::new(), Vec::new());
                for (i, (card, phone)) in chunk.into_iter().enumerate() {
                    let t = Instant::now();
                    let (s, v) = c.post(&platform, "/v1/card-validations", json!({"card_number": card, "course_code": code})).await;
                    times.0.push(t.elapsed());
                    assert_eq!(s, 201, "{v}");
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let sms = c.get(&platform, &format!("/v1/sandbox/sms?phone={phone}")).await;
                    let otp: String = sms["data"][0]["body"].as_str().unwrap_or_default().chars().filter(char::is_ascii_digit).take(6).collect();
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
        println!("\n### {backend}, {buyers} checkouts, {concurrency} concurrent clients ({})\n", chrono::Utc::now().format("%Y-%m-%d"));
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
    if let Some(admin) = admin_url {
        postgres_admin(
            &admin,
            &format!("DROP DATABASE IF EXISTS \"{fresh}\" WITH (FORCE)"),
        );
    }
}
