//! What the bench suite's scenarios share: a fresh database (a temp SQLite file, or a new
//! PostgreSQL database on `BENCH_DATABASE_URL`'s server, dropped afterwards), the real server
//! in-process on port 0, an HTTP client, percentiles and peak memory.
#![allow(
    dead_code,
    reason = "the suite's scenarios use different parts of this module"
)]

use std::time::Duration;

/// Which database a bench runs on: the crate's own enum, so a URL and a backend never disagree.
pub use prakerja_api::db::Backend;

/// The PostgreSQL server the benches create their databases on.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// `BENCH_DATABASE_URL`, or the local server every development machine of the project has.
pub fn postgres_admin_url() -> String {
    std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string())
}

/// How a backend is named in tables and messages.
pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

use prakerja_api::config::Config;
use prakerja_api::startup::Application;
use serde_json::{Value, json};

pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub struct Client {
    pub base: String,
    pub port: u16,
    pub http: reqwest::Client,
    server: actix_web::dev::ServerHandle,
}

impl Client {
    /// Stops the server (its pool with it), so the next backend's run has the cores to itself.
    pub async fn stop(&self) {
        self.server.stop(false).await;
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
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

    pub async fn get(&self, token: &str, path: &str) -> Value {
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

    pub async fn token(&self, id: &str, secret: &str) -> String {
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

    /// Registers holder `n` (unique NIK, KK and phone); returns its card number and phone.
    pub async fn holder(&self, admin: &str, n: usize) -> (String, String) {
        let phone = format!("0819{n:08}");
        let (status, h) = self
            .post(
                admin,
                "/v1/admin/participants",
                json!({
                    "nik": format!("3201011508{:02}{:04}", 70 + n / 9000, n % 9000 + 1),
                    "kk_number": format!("32010101{n:08}"),
                    "full_name": "Bench Peserta", "phone": phone, "wave": 1,
                    "passed_at": chrono::Utc::now().to_rfc3339(),
                }),
            )
            .await;
        assert_eq!(status, 201, "{h}");
        (h["card_number"].as_str().expect("card").to_string(), phone)
    }

    /// An approved one-session online course of the sandbox LPK; returns its code.
    pub async fn approved_course(&self, admin: &str, lpk: &str) -> String {
        let (_, course) = self
            .post(lpk, "/v1/courses", json!({"title": "Bench", "description": "Bench", "price": 250000, "mode": "online", "duration_hours": 1, "sessions": 1}))
            .await;
        let code = course["course_code"].as_str().expect("course").to_string();
        self.post(
            admin,
            &format!("/v1/admin/courses/{code}/approve"),
            json!({}),
        )
        .await;
        code
    }

    /// Holder `n` registers and buys `course` through `platform` (validate, OTP, verify, buy);
    /// returns the voucher's code and the holder's card number.
    pub async fn bought(
        &self,
        admin: &str,
        platform: &str,
        course: &str,
        n: usize,
    ) -> (String, String) {
        let (card, phone) = self.holder(admin, n).await;
        let (s, v) = self
            .post(
                platform,
                "/v1/card-validations",
                json!({"card_number": card, "course_code": course}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let otp = self.otp(platform, &phone).await;
        let (s, v) = self
            .post(
                platform,
                &format!("/v1/card-validations/{id}/verify"),
                json!({"otp": otp}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = self
            .post(platform, "/v1/vouchers", json!({"card_validation_id": id, "course_code": course, "external_order_id": format!("B-{n}")}))
            .await;
        assert_eq!(s, 201, "{v}");
        (v["code"].as_str().unwrap_or_default().to_string(), card)
    }

    /// The OTP of the newest sandbox SMS to `phone`.
    pub async fn otp(&self, token: &str, phone: &str) -> String {
        let sms = self
            .get(token, &format!("/v1/sandbox/sms?phone={phone}"))
            .await;
        sms["data"][0]["body"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_digit)
            .take(6)
            .collect()
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs one statement on the server `url` points at (database creation and removal).
pub fn postgres_admin(url: &str, statement: &str) -> Result<(), String> {
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::PgConnection::establish(url)
        .map_err(|e| format!("cannot connect to {url}: {e}"))?;
    diesel::sql_query(statement)
        .execute(&mut conn)
        .map(|_| ())
        .map_err(|e| format!("{statement}: {e}"))
}

/// The URL of database `name` on the server `admin_url` points at.
pub fn database_url(admin_url: &str, name: &str) -> Result<String, String> {
    let server = admin_url
        .rsplit_once('/')
        .ok_or_else(|| format!("{admin_url} names no database"))?
        .0;
    Ok(format!("{server}/{name}"))
}

/// `VmHWM` of this process, in MiB (Linux).
pub fn peak_rss_mib() -> Option<f64> {
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

/// A fresh database for one bench run; a PostgreSQL one is dropped with this value.
pub struct BenchDatabase {
    pub url: String,
    pub backend: Backend,
    admin_url: Option<String>,
    name: String,
    _dir: tempfile::TempDir,
}

impl BenchDatabase {
    /// An empty database (the server migrates it when it starts): a temp SQLite file, or a new
    /// database on `BENCH_DATABASE_URL`'s server. Err says why the backend cannot be used here.
    pub fn fresh(backend: Backend) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let name = format!("prakerja_bench_suite_{}", uuid::Uuid::new_v4().simple());
        let (url, admin_url) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("bench.db").display()),
                None,
            ),
            Backend::Postgres => {
                let admin = postgres_admin_url();
                postgres_admin(&admin, &format!("CREATE DATABASE \"{name}\""))?;
                (database_url(&admin, &name)?, Some(admin))
            }
        };
        Ok(Self {
            url,
            backend,
            admin_url,
            name,
            _dir: dir,
        })
    }

    /// A copy of the PostgreSQL database `template` on `admin`'s server (`CREATE DATABASE ...
    /// TEMPLATE`, a file copy: seconds where seeding takes minutes), dropped with this value.
    pub fn postgres_copy(admin: &str, template: &str) -> Self {
        let name = format!("prakerja_bench_{}", uuid::Uuid::new_v4().simple());
        postgres_admin(
            admin,
            &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
        )
        .expect("template copied");
        Self {
            url: database_url(admin, &name).expect("the URL names a database"),
            backend: Backend::Postgres,
            admin_url: Some(admin.to_string()),
            name,
            _dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A copy of the SQLite file `template` in a temporary directory, removed with this value.
    pub fn sqlite_copy(template: &std::path::Path) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bench.db");
        std::fs::copy(template, &path).expect("template copied");
        Self {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
            admin_url: None,
            name: String::new(),
            _dir: dir,
        }
    }

    /// Starts the server (release build, sandbox on, limits out of the way) on its own thread;
    /// returns a client for it.
    pub fn serve(&self) -> Client {
        let mut config = Config::for_tests(&self.url);
        // The server's default; `BENCH_POOL_SIZE` to try others (4 and 20 were slower, RESULTS.md).
        config.database.pool_size = env_or("BENCH_POOL_SIZE", 10) as u32;
        config.limits.per_second = 1_000_000;
        config.limits.burst = 1_000_000;
        config.limits.validations_per_minute = 1_000_000;
        config.otp.per_card_per_hour = 1_000_000;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(config).await.expect("server builds");
                let _ = tx.send((app.port(), app.handle()));
                let _ = app.run_until_stopped().await;
            })
        });
        let (port, server) = rx.recv().expect("server started");
        Client {
            base: format!("http://127.0.0.1:{port}"),
            port,
            http: reqwest::Client::new(),
            server,
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let Some(admin) = &self.admin_url {
            let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
            if let Err(e) = postgres_admin(admin, &drop) {
                eprintln!("could not drop the bench database: {e}");
            }
        }
    }
}
