//! The HTTP SMS gateway against a local stub server: template, auth header, retries, and what a
//! failed send leaves behind.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use prakerja_api::domain::PhoneNumber;
use prakerja_api::gateways::sms::{HttpSms, SmsSender};
use serde_json::json;

use crate::helpers::*;

#[derive(Default)]
struct Seen {
    bodies: Mutex<Vec<(Option<String>, String)>>,
    /// Answer this many requests with this status before answering 200.
    failures: AtomicUsize,
    failure_status: AtomicUsize,
}

struct Stub {
    url: String,
    seen: Arc<Seen>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Stub {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(req: HttpRequest, body: String, seen: web::Data<Arc<Seen>>) -> HttpResponse {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    seen.bodies.lock().expect("lock").push((auth, body));
    let failing = seen.failures.load(Ordering::SeqCst);
    if failing > 0 {
        seen.failures.store(failing - 1, Ordering::SeqCst);
        let status = seen.failure_status.load(Ordering::SeqCst) as u16;
        return HttpResponse::build(
            actix_web::http::StatusCode::from_u16(status).unwrap_or_default(),
        )
        .finish();
    }
    HttpResponse::Ok().json(json!({"status": "queued"}))
}

fn stub(failures: usize, failure_status: u16) -> Stub {
    let seen = Arc::new(Seen::default());
    seen.failures.store(failures, Ordering::SeqCst);
    seen.failure_status
        .store(usize::from(failure_status), Ordering::SeqCst);
    let data = web::Data::new(seen.clone());
    let (port, handle) = serve_stub(move |app| {
        app.app_data(data.clone())
            .route("/sms", web::post().to(receive));
    });
    Stub {
        url: format!("http://127.0.0.1:{port}/sms"),
        seen,
        handle,
    }
}

fn gateway(url: &str) -> HttpSms {
    HttpSms::new(
        url,
        Some("Bearer gw-token".into()),
        r#"{"msisdn":"{to}","text":"{message}"}"#,
        Duration::from_secs(2),
    )
    .expect("client")
}

#[actix_web::test]
async fn the_gateway_posts_the_template_with_the_auth_header() {
    let stub = stub(0, 200);
    let phone = PhoneNumber::parse("081234566789").expect("phone");
    gateway(&stub.url)
        .send(&phone, "Kode \"123456\"")
        .await
        .expect("sent");
    let bodies = stub.seen.bodies.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].0.as_deref(), Some("Bearer gw-token"));
    let body: serde_json::Value = serde_json::from_str(&bodies[0].1).expect("json body");
    assert_eq!(
        body,
        json!({"msisdn": "+6281234566789", "text": "Kode \"123456\""})
    );
}

#[actix_web::test]
async fn server_errors_are_retried_until_the_gateway_accepts() {
    let stub = stub(2, 503);
    let phone = PhoneNumber::parse("081234566789").expect("phone");
    gateway(&stub.url)
        .send(&phone, "x")
        .await
        .expect("third attempt succeeds");
    assert_eq!(stub.seen.bodies.lock().expect("lock").len(), 3);
}

#[actix_web::test]
async fn a_client_error_is_not_retried() {
    let stub = stub(5, 400);
    let phone = PhoneNumber::parse("081234566789").expect("phone");
    assert!(gateway(&stub.url).send(&phone, "x").await.is_err());
    assert_eq!(stub.seen.bodies.lock().expect("lock").len(), 1);
}

#[actix_web::test]
async fn an_unreachable_gateway_is_an_error_not_a_hang() {
    let phone = PhoneNumber::parse("081234566789").expect("phone");
    let started = std::time::Instant::now();
    assert!(
        gateway("http://127.0.0.1:9/sms")
            .send(&phone, "x")
            .await
            .is_err()
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[actix_web::test]
async fn a_failed_send_leaves_the_validation_resendable_at_once() {
    let stub = stub(3, 503);
    let url = stub.url.clone();
    let app = spawn_with(move |c| {
        c.sandbox = false;
        c.sms.gateway_url = Some(url);
        c.payouts.gateway_url = Some("http://127.0.0.1:9/payouts".into());
    })
    .await;
    // No sandbox seed: make the clients, a course and a holder.
    use prakerja_api::domain::partner::PartnerKind;
    let admin = app.client_of(PartnerKind::Admin).await;
    let platform = app.client_of(PartnerKind::Platform).await;
    let lpk = app.client_of(PartnerKind::Lpk).await;
    let (admin, platform, lpk) = (
        app.token((&admin.client_id, &admin.client_secret)).await,
        app.token((&platform.client_id, &platform.client_secret))
            .await,
        app.token((&lpk.client_id, &lpk.client_secret)).await,
    );
    let course = app
        .post("/v1/courses", &lpk, &json!({"title": "Las Listrik", "description": "Dasar", "price": 300000, "mode": "offline", "duration_hours": 8, "sessions": 2}))
        .await;
    let code = course.body["course_code"]
        .as_str()
        .expect("code")
        .to_string();
    app.post(
        &format!("/v1/admin/courses/{code}/approve"),
        &admin,
        &json!({}),
    )
    .await;
    let holder = app
        .post(
            "/v1/admin/participants",
            &admin,
            &participant_body(unique()),
        )
        .await;
    let card_number = holder.body["card_number"]
        .as_str()
        .expect("card")
        .to_string();

    let res = app
        .post(
            "/v1/card-validations",
            &platform,
            &json!({"card_number": card_number, "course_code": code}),
        )
        .await;
    let problem = res.problem(502, "sms_delivery_failed");
    let id = problem["card_validation_id"]
        .as_str()
        .expect("the validation is kept")
        .to_string();
    // The gateway is back: a resend goes out at once, without the cooldown, and is not counted.
    let res = app
        .post(
            &format!("/v1/card-validations/{id}/otp/resend"),
            &platform,
            &json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["resends_remaining"], 3);
    assert_eq!(
        stub.seen.bodies.lock().expect("lock").len(),
        4,
        "3 failed attempts, then 1 accepted"
    );
}
