//! The HTTP payout gateway (sandbox off) against a local stub server that also takes the SMS:
//! retries under the payment's id as `Idempotency-Key`, the body it posts, a refusal, and a
//! payment whose answer never came, asked about by a later run.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use prakerja_api::config::Config;
use prakerja_api::domain::partner::PartnerKind;
use prakerja_api::startup::Application;
use serde_json::{Value, json};

use crate::disbursement_helpers::*;
use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;

/// One request the payout stub received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    idempotency_key: Option<String>,
    body: Value,
}

/// What the stub received, and what it answers.
struct Script {
    sms: Mutex<Vec<Value>>,
    payouts: Mutex<Vec<Seen>>,
    /// Answers to the next POSTs, in order; then `post_then`.
    post_first: Mutex<VecDeque<(u16, Value)>>,
    post_then: Mutex<(u16, Value)>,
    /// How long a POST takes to answer.
    post_delay_ms: AtomicU64,
    /// The answer to `GET /payouts/{id}` (404: never received).
    get_answer: Mutex<(u16, Value)>,
}

impl Script {
    fn new(post_then: (u16, Value)) -> Self {
        Self {
            sms: Mutex::default(),
            payouts: Mutex::default(),
            post_first: Mutex::default(),
            post_then: Mutex::new(post_then),
            post_delay_ms: AtomicU64::new(0),
            get_answer: Mutex::new((404, json!({}))),
        }
    }

    fn payout_requests(&self, method: &str) -> Vec<Seen> {
        self.payouts
            .lock()
            .expect("lock")
            .iter()
            .filter(|s| s.method == method)
            .cloned()
            .collect()
    }
}

struct Stub {
    base: String,
    script: Arc<Script>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Stub {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn answer(status: u16, body: &Value) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .json(body)
}

async fn take_sms(body: String, script: web::Data<Arc<Script>>) -> HttpResponse {
    let parsed = serde_json::from_str(&body).unwrap_or(Value::String(body));
    script.sms.lock().expect("lock").push(parsed);
    HttpResponse::Ok().json(json!({"status": "queued"}))
}

fn record(req: &HttpRequest, body: &str, script: &Script) {
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    script.payouts.lock().expect("lock").push(Seen {
        method: req.method().to_string(),
        path: req.path().to_string(),
        idempotency_key: key,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    });
}

async fn take_payout(
    req: HttpRequest,
    body: String,
    script: web::Data<Arc<Script>>,
) -> HttpResponse {
    record(&req, &body, &script);
    let delay = script.post_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        actix_web::rt::time::sleep(Duration::from_millis(delay)).await;
    }
    let next = script.post_first.lock().expect("lock").pop_front();
    let (status, body) = next.unwrap_or_else(|| script.post_then.lock().expect("lock").clone());
    answer(status, &body)
}

async fn payout_status(req: HttpRequest, script: web::Data<Arc<Script>>) -> HttpResponse {
    record(&req, "", &script);
    let (status, body) = script.get_answer.lock().expect("lock").clone();
    answer(status, &body)
}

fn stub(script: Script) -> Stub {
    let script = Arc::new(script);
    let data = web::Data::new(script.clone());
    let (port, handle) = serve_stub(move |app| {
        app.app_data(data.clone())
            .route("/sms", web::post().to(take_sms))
            .route("/payouts", web::post().to(take_payout))
            .route("/payouts/{id}", web::get().to(payout_status));
    });
    Stub {
        base: format!("http://127.0.0.1:{port}"),
        script,
        handle,
    }
}

/// Sandbox off, OTPs and payouts through the stub.
fn through(stub: &Stub) -> impl FnOnce(&mut Config) + use<> {
    let base = stub.base.clone();
    move |c: &mut Config| {
        c.sandbox = false;
        c.sms.gateway_url = Some(format!("{base}/sms"));
        c.payouts.gateway_url = Some(format!("{base}/payouts"));
    }
}

/// Another server on the same database (a later instance, with its own configuration).
struct Instance {
    http: Http,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Instance {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn instance_on(database_url: &str, tweak: impl FnOnce(&mut Config)) -> Instance {
    let mut config = Config::for_tests(database_url);
    tweak(&mut config);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(config)
                .await
                .expect("application builds");
            let _ = tx.send((app.port(), app.handle()));
            let _ = app.run_until_stopped().await;
        })
    });
    let (port, handle) = rx.recv().expect("server thread started");
    Instance {
        http: Http::new(format!("http://127.0.0.1:{port}")),
        handle,
    }
}

/// The clients of a server without sandbox seed.
async fn clients(app: &TestApp) -> Tokens {
    let mut tokens = Vec::new();
    for kind in [PartnerKind::Admin, PartnerKind::Platform, PartnerKind::Lpk] {
        let creds = app.client_of(kind).await;
        tokens.push(app.token((&creds.client_id, &creds.client_secret)).await);
    }
    let lpk = tokens.pop().expect("lpk");
    let platform = tokens.pop().expect("platform");
    let admin = tokens.pop().expect("admin");
    Tokens {
        admin,
        platform,
        lpk,
    }
}

/// SMS the stub got for `phone` (`08…`), oldest first.
fn sms_to(stub: &Stub, phone: &str) -> Vec<String> {
    let e164 = format!("+62{}", &phone[1..]);
    stub.script
        .sms
        .lock()
        .expect("lock")
        .iter()
        .filter(|m| m["to"] == e164.as_str())
        .map(|m| m["message"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The OTP of the first SMS to `phone` after the `seen` it had.
async fn otp_from_stub(stub: &Stub, phone: &str, seen: usize) -> String {
    for _ in 0..100 {
        let messages = sms_to(stub, phone);
        if messages.len() > seen {
            let body = &messages[seen];
            return otp_in(body).unwrap_or_else(|| panic!("no 6-digit OTP in {body:?}"));
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no new SMS to {phone}");
}

/// A fresh holder through the API with OTPs read from the stub, all the way to a due tranche 1:
/// bought, redeemed, completed, certified, reviewed, BCA `1234567890` linked. Its card.
async fn holder_owed_a_tranche(app: &TestApp, stub: &Stub, t: &Tokens) -> String {
    let course = approved_course(app, t, 300_000, None).await;
    let holder = register(app, &t.admin).await;

    let seen = sms_to(stub, &holder.phone).len();
    let res = start(app, &t.platform, &holder.card, &course).await;
    assert_eq!(res.status, 201, "validation: {}", res.body);
    let validation = res.body["id"].as_str().expect("id").to_string();
    let otp = otp_from_stub(stub, &holder.phone, seen).await;
    let res = verify(app, &t.platform, &validation, &otp).await;
    assert_eq!(res.status, 200, "verify: {}", res.body);
    let res = buy(app, &t.platform, &validation, &course).await;
    assert_eq!(res.status, 201, "purchase: {}", res.body);
    let code = code_of(&res.body);

    let res = redeem(app, &t.lpk, &code, &holder.card).await;
    assert_eq!(res.status, 200, "redeem: {}", res.body);
    completed(app, &t.lpk, &code, 85).await;
    let res = certify(app, &t.lpk, &code, "lpk", "LPK-GW-1").await;
    assert_eq!(res.status, 201, "certificate: {}", res.body);

    let seen = sms_to(stub, &holder.phone).len();
    let res = open_session(app, &holder.card).await;
    assert_eq!(res.status, 201, "session: {}", res.body);
    let session = res.body["id"].as_str().expect("session id").to_string();
    let otp = otp_from_stub(stub, &holder.phone, seen).await;
    let res = verify_session(app, &session, &otp).await;
    assert_eq!(res.status, 200, "session verify: {}", res.body);
    let token = res.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    assert_eq!(review(app, &token, &code, 5, REVIEW_TEXT).await.status, 201);

    let seen = sms_to(stub, &holder.phone).len();
    let res = put_payout(app, &token, &bank_account("1234567890")).await;
    assert_eq!(res.status, 202, "payout account: {}", res.body);
    let confirmation = res.body["confirmation_id"]
        .as_str()
        .expect("confirmation_id")
        .to_string();
    let otp = otp_from_stub(stub, &holder.phone, seen).await;
    let res = confirm_payout(app, &token, &confirmation, &otp).await;
    assert_eq!(res.status, 200, "confirm payout: {}", res.body);
    holder.card
}

#[actix_web::test]
async fn a_503_is_retried_under_the_same_idempotency_key_and_the_payment_is_paid() {
    let stub = stub(Script::new((
        200,
        json!({"status": "paid", "reference": "BANK-1"}),
    )));
    stub.script
        .post_first
        .lock()
        .expect("lock")
        .push_back((503, json!({})));
    let app = spawn_with(through(&stub)).await;
    let t = clients(&app).await;
    let card = holder_owed_a_tranche(&app, &stub, &t).await;

    let summary = run(&app, &t.admin, None).await;
    assert_eq!(count(&summary, "sent"), 1, "{summary}");
    assert_eq!(count(&summary, "paid"), 1, "{summary}");
    let first = tranche(&payments_of(&app, &t.admin, &card).await, 1);
    assert_consistent(&first);
    assert_eq!(first["status"], "paid", "{first}");
    let id = id_of(&first);
    assert_eq!(stored_reference(&app, &id).await.as_deref(), Some("BANK-1"));

    let posts = stub.script.payout_requests("POST");
    assert_eq!(posts.len(), 2, "the 503, then the answer: {posts:?}");
    for post in &posts {
        assert_eq!(post.path, "/payouts");
        assert_eq!(
            post.idempotency_key.as_deref(),
            Some(id.as_str()),
            "{post:?}"
        );
        let b = &post.body;
        assert_eq!(b["id"], id.as_str(), "{b}");
        assert_eq!(b["amount"], 600_000, "{b}");
        assert_eq!(b["currency"], "IDR", "{b}");
        assert_eq!(b["kind"], "bank", "{b}");
        assert_eq!(b["bank_code"], "014", "{b}");
        assert_eq!(b["account_number"], "1234567890", "{b}");
        assert_eq!(b["holder_name"], "Budi Santoso", "{b}");
    }
}

#[actix_web::test]
async fn a_refusal_by_the_gateway_fails_the_payment_with_its_reason() {
    let stub = stub(Script::new((
        200,
        json!({"status": "failed", "failure_reason": "account_inactive"}),
    )));
    let app = spawn_with(through(&stub)).await;
    let t = clients(&app).await;
    let card = holder_owed_a_tranche(&app, &stub, &t).await;

    let summary = run(&app, &t.admin, None).await;
    assert_eq!(count(&summary, "failed"), 1, "{summary}");
    let first = tranche(&payments_of(&app, &t.admin, &card).await, 1);
    assert_consistent(&first);
    assert_eq!(first["status"], "failed", "{first}");
    assert_eq!(first["failure_reason"], "account_inactive", "{first}");
    assert_steps(&first, &["scheduled", "pending", "checking", "failed"]);
}

#[actix_web::test]
async fn an_unanswered_payment_stays_checking_and_a_later_run_asks_the_gateway_and_records_its_answer()
 {
    let stub = stub(Script::new((
        200,
        json!({"status": "paid", "reference": "BANK-LATE"}),
    )));
    stub.script.post_delay_ms.store(1_000, Ordering::SeqCst);
    let config = through(&stub);
    let app = spawn_with(move |c| {
        config(c);
        c.payouts.timeout = Duration::from_millis(200);
    })
    .await;
    let t = clients(&app).await;
    let card = holder_owed_a_tranche(&app, &stub, &t).await;

    let summary = run(&app, &t.admin, None).await;
    assert_eq!(count(&summary, "sent"), 1, "{summary}");
    assert_eq!(count(&summary, "paid"), 0, "{summary}");
    assert_eq!(count(&summary, "checking"), 1, "{summary}");
    let first = tranche(&payments_of(&app, &t.admin, &card).await, 1);
    assert_consistent(&first);
    assert_eq!(first["status"], "checking", "{first}");
    assert_eq!(first["status_label_id"], "Dalam Pengecekan");
    let id = id_of(&first);
    let posts = stub.script.payout_requests("POST");
    assert!(!posts.is_empty());
    assert!(
        posts
            .iter()
            .all(|p| p.idempotency_key.as_deref() == Some(id.as_str())),
        "{posts:?}"
    );
    assert!(stub.script.payout_requests("GET").is_empty());
    // The call that timed out is what an operator sees as the payout gateway failing.
    let payout = |outcome| [("gateway", "payout"), ("outcome", outcome)];
    let scraped = crate::metrics::scrape(&app).await;
    let failed = scraped.value("prakerja_gateway_requests_total", &payout("failed"));
    assert!(failed >= 1.0, "{}", scraped.text);
    assert_eq!(
        scraped.value("prakerja_gateway_requests_total", &payout("ok")),
        0.0
    );

    // The gateway did pay it; a later run (checking at once) asks and records that answer.
    *stub.script.get_answer.lock().expect("lock") =
        (200, json!({"status": "paid", "reference": "BANK-2"}));
    stub.script.post_delay_ms.store(0, Ordering::SeqCst);
    let config = through(&stub);
    let later = instance_on(&app.database_url, move |c| {
        config(c);
        c.payouts.check_after = Duration::ZERO;
    });
    let res = later
        .http
        .post("/v1/admin/disbursements/run", &t.admin, &json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(count(&res.body, "reconciled"), 1, "{}", res.body);
    assert_eq!(count(&res.body, "paid"), 1, "{}", res.body);

    let gets = stub.script.payout_requests("GET");
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert_eq!(gets[0].path, format!("/payouts/{id}"));
    assert_eq!(
        stub.script.payout_requests("POST").len(),
        posts.len(),
        "not sent again"
    );
    let first = tranche(&payments_of(&app, &t.admin, &card).await, 1);
    assert_consistent(&first);
    assert_eq!(first["status"], "paid", "{first}");
    assert_eq!(stored_reference(&app, &id).await.as_deref(), Some("BANK-2"));
}
