//! `spawn_app()`: the real server on port 0 over a fresh database (a SQLite file, or a PostgreSQL
//! database cloned from a migrated template when `TEST_DATABASE_URL` is set), and a real client.

use std::sync::OnceLock;

use actix_web::web;
use diesel::prelude::*;
use prakerja_api::config::Config;
use prakerja_api::db::{self, DbConn};
use prakerja_api::error::Error;
use prakerja_api::startup::Application;
use prakerja_api::state::AppState;
use serde_json::{Value, json};

/// A client of a running server: the test's own, or a binary a test started.
pub struct Http {
    pub address: String,
    pub client: reqwest::Client,
}

/// The key `rotate_to_a_new_data_key` rotates to.
const NEW_DATA_KEY: [u8; 32] = [42u8; 32];

pub struct TestApp {
    pub http: Http,
    pub state: web::Data<AppState>,
    /// The test's own database, for running the CLI against it.
    pub database_url: String,
    server: actix_web::dev::ServerHandle,
    _dir: Option<tempfile::TempDir>,
}

impl std::ops::Deref for TestApp {
    type Target = Http;

    fn deref(&self) -> &Http {
        &self.http
    }
}

impl Drop for TestApp {
    /// Stops the workers, so the pool and its database connections go with the test.
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Response {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code, and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.code(), code, "body: {}", self.body);
        assert!(
            self.header("content-type")
                .unwrap_or("")
                .starts_with("application/problem+json"),
            "content-type {:?}",
            self.header("content-type")
        );
        for member in ["type", "title", "status", "detail", "request_id"] {
            assert!(
                !self.body[member].is_null(),
                "problem lacks {member}: {}",
                self.body
            );
        }
        &self.body
    }
}

pub const ADMIN: (&str, &str) = ("sandbox-admin", "sandbox-admin-secret");
pub const PLATFORM: (&str, &str) = ("sandbox-platform", "sandbox-platform-secret");
pub const LPK: (&str, &str) = ("sandbox-lpk", "sandbox-lpk-secret");

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let (database_url, dir) = fresh_database();
    let mut config = Config::for_tests(&database_url);
    let db_url = database_url.clone();
    tweak(&mut config);
    // The server runs on a thread and runtime of its own, so stopping it (on drop) completes even
    // after the test's runtime is gone, and its pool's connections close with it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(config)
                .await
                .expect("application builds");
            let _ = tx.send((app.port(), app.state(), app.handle()));
            let _ = app.run_until_stopped().await;
        })
    });
    let (port, state, server) = rx.recv().expect("server thread started");
    let address = format!("http://127.0.0.1:{port}");
    TestApp {
        http: Http::new(address),
        state,
        database_url: db_url,
        server,
        _dir: dir,
    }
}

fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => (postgres_database(&admin_url), None),
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, Some(dir))
        }
    }
}

/// A database with nothing in it, not even migrations: `(url, the temp dir that holds it)`.
pub fn empty_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = run_database_name("prakerja_t");
            let mut admin =
                PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL reachable");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut admin)
                .expect("create database");
            (with_database(&admin_url, &name), None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("empty.db").display());
            (url, Some(dir))
        }
    }
}

/// The URL of `admin_url`'s server with another database name.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL names a database");
    format!("{base}/{name}")
}

/// A new PostgreSQL database cloned from a template migrated once per test run.
fn postgres_database(admin_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let mut admin = PgConnection::establish(admin_url).expect("TEST_DATABASE_URL reachable");
        // Databases of earlier runs, old enough that no run still uses them (a run going on
        // beside this one keeps its own).
        let old: Vec<String> = diesel::sql_query(
            "SELECT datname AS name FROM pg_database WHERE datname LIKE 'prakerja_t_%' OR datname LIKE 'prakerja_tpl_%'",
        )
        .load::<Name>(&mut admin)
        .expect("list databases")
        .into_iter()
        .map(|n| n.name)
        .filter(|name| stale(name))
        .collect();
        for name in old {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut admin);
        }
        let name = run_database_name("prakerja_tpl");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).expect("create template");
        let mut conn = DbConn::Pg(PgConnection::establish(&with_database(admin_url, &name)).expect("template"));
        db::migrations::run_pending(&mut conn).expect("migrate template");
        name
    });
    let name = run_database_name("prakerja_t");
    let mut admin = PgConnection::establish(admin_url).expect("TEST_DATABASE_URL reachable");
    diesel::sql_query(format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
    ))
    .execute(&mut admin)
    .expect("clone template");
    with_database(admin_url, &name)
}

/// `<prefix>_<unix seconds>_<random>`: the time tells a later run whether it may drop it.
fn run_database_name(prefix: &str) -> String {
    let secs = chrono::Utc::now().timestamp();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{secs}_{}", &random[..12])
}

/// A test database from a run over three hours ago (or of the older, untimed naming).
fn stale(name: &str) -> bool {
    let created = name
        .trim_start_matches("prakerja_tpl_")
        .trim_start_matches("prakerja_t_")
        .split('_')
        .next()
        .and_then(|s| s.parse::<i64>().ok());
    match created {
        Some(secs) => chrono::Utc::now().timestamp() - secs > 3 * 3600,
        None => true,
    }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

impl Http {
    pub fn new(address: String) -> Self {
        // A fresh connection per request: a reused keep-alive connection can be closed by the
        // server just as the next request goes out (hyper's IncompleteMessage), which on a loaded
        // machine failed a test now and then. Tests measure answers, not connection reuse.
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client");
        Self { address, client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Response {
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("request not answered: {e:?}"));
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Response {
            status,
            headers,
            body,
        }
    }

    pub async fn token(&self, (id, secret): (&str, &str)) -> String {
        let res = self
            .send(self.client.post(self.url("/v1/oauth/token")).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ]))
            .await;
        assert_eq!(res.status, 200, "token for {id}: {}", res.body);
        res.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// A token request with these form fields (`grant_type` and the rest as given).
    pub async fn token_form(&self, fields: &[(&str, &str)]) -> Response {
        self.send(self.client.post(self.url("/v1/oauth/token")).form(fields))
            .await
    }

    /// A POST with a body of any content type, as a partner's bug might send it.
    pub async fn post_raw(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: &str,
    ) -> Response {
        let req = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type);
        self.send(req.body(body.to_string())).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// Registers a partner and returns `(partner id, client id, secret)`.
    pub async fn new_partner(&self, admin: &str, kind: &str) -> (String, String, String) {
        let res = self
            .post(
                "/v1/admin/partners",
                admin,
                &json!({"name": format!("Test {kind}"), "kind": kind}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        let s = |k: &str| res.body[k].as_str().expect(k).to_string();
        (s("id"), s("client_id"), s("client_secret"))
    }
}

impl TestApp {
    /// Runs a store call, as the server would.
    /// Re-encrypts every sealed secret under a new data key `k2` (the old keys still read), as
    /// `prakerja-api rotate-data-key` does; returns a cipher that knows `k2` alone, to prove a
    /// value no longer needs the old key.
    pub async fn rotate_to_a_new_data_key(&self) -> prakerja_api::crypto::PiiCipher {
        use prakerja_api::crypto::PiiCipher;
        let config = self.state.config.as_ref().clone();
        let mut keys: std::collections::BTreeMap<String, [u8; 32]> = config
            .keys
            .data_keys
            .iter()
            .map(|(k, v)| (k.clone(), *v.expose()))
            .collect();
        keys.insert("k2".into(), NEW_DATA_KEY);
        let index_key = *config.keys.index_key.expose();
        let rotated = PiiCipher::new(&keys, "k2", index_key);
        self.db(move |c| prakerja_api::service::keys::rotate(c, &rotated, 100, |_, _| {}))
            .await;
        PiiCipher::new(
            &std::collections::BTreeMap::from([("k2".into(), NEW_DATA_KEY)]),
            "k2",
            index_key,
        )
    }

    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    ) -> T {
        db::run(&self.state.core.pool, f)
            .await
            .expect("database call")
    }

    /// A client made through the core, as the CLI makes one (for servers with no sandbox seed).
    pub async fn client_of(
        &self,
        kind: prakerja_api::domain::partner::PartnerKind,
    ) -> prakerja_api::service::partners::ClientCredentials {
        use prakerja_api::service::{Actor, Call};
        self.state
            .core
            .create_partner(&Call::by(Actor::system("test")), "Test client".into(), kind)
            .await
            .expect("client created")
    }

    /// Runs raw SQL (test set-up and tampering).
    pub async fn sql(&self, statement: &str) -> usize {
        let statement = statement.to_string();
        self.db(move |c| Ok(diesel::sql_query(statement).execute(c)?))
            .await
    }
}

/// Which database a test app runs on.
pub fn backend(app: &TestApp) -> db::Backend {
    db::Backend::from_url(&app.database_url).expect("a known database URL")
}

/// A registration body with unique NIK and KK, born 15 Aug 1990, passed yesterday.
pub fn participant_body(n: u32) -> Value {
    let passed = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    json!({
        "nik": format!("327301150890{:04}", n % 10000),
        "kk_number": format!("3273010101{:06}", n),
        "full_name": "Budi Santoso",
        "phone": format!("0813{:08}", n),
        "email": format!("peserta{n}@example.com"),
        "wave": 7,
        "passed_at": passed,
    })
}

/// A number that differs per call within a test run (NIKs and KKs must not collide).
pub fn unique() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A stub server (a gateway, a webhook receiver, a collector) on a thread and runtime of its own,
/// one worker on a free loopback port, its routes set by `configure`: `(port, its handle)`.
pub fn serve_stub(
    configure: impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
) -> (u16, actix_web::dev::ServerHandle) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                actix_web::App::new().configure(configure.clone())
            })
            .workers(1)
            .bind("127.0.0.1:0")
            .expect("bind stub");
            let port = server.addrs()[0].port();
            let server = server.run();
            let _ = tx.send((port, server.handle()));
            let _ = server.await;
        })
    });
    rx.recv().expect("stub started")
}
