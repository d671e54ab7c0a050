//! A partner's webhook receiver for the tests: a small actix-web server on 127.0.0.1, port 0,
//! recording every request and answering as told; and the signature check a partner writes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::*;

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    Ok,
    /// 500 to the first `n` requests, then 200.
    FailFirst(usize),
    AlwaysFail,
    /// 302 to another path of its own (which answers 200, so following it would look delivered).
    Redirect,
    /// Answers 200 after this long.
    Slow(Duration),
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether `Prakerja-Signature` checks out as the README tells partners to check it:
    /// HMAC-SHA256 over `"<t>.<raw body>"` with the endpoint's secret, `t` within five minutes.
    pub fn signed_with(&self, secret: &str) -> bool {
        let Some(header) = self.header("prakerja-signature") else {
            return false;
        };
        let mut t = None;
        let mut v1 = None;
        for part in header.split(',') {
            match part.split_once('=') {
                Some(("t", value)) => t = value.parse::<i64>().ok(),
                Some(("v1", value)) => v1 = Some(value.to_string()),
                _ => {}
            }
        }
        let (Some(t), Some(v1)) = (t, v1) else {
            return false;
        };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("{t}.{}", self.body).as_bytes());
        let fresh = (chrono::Utc::now().timestamp() - t).abs() < 300;
        fresh && v1 == hex::encode(mac.finalize().into_bytes())
    }

    #[track_caller]
    pub fn assert_signed(&self, secret: &str) {
        assert!(
            self.signed_with(secret),
            "signature {:?} of {}",
            self.header("prakerja-signature"),
            self.body
        );
    }
}

#[derive(Default)]
struct Log {
    requests: Mutex<Vec<Received>>,
    answered: AtomicUsize,
}

pub struct Receiver {
    /// Where endpoints are registered: `http://127.0.0.1:<port>/hooks`.
    pub url: String,
    log: Arc<Log>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(
    req: HttpRequest,
    body: String,
    log: web::Data<Arc<Log>>,
    behaviour: web::Data<Behaviour>,
) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    log.requests.lock().expect("lock").push(Received {
        path: req.path().to_string(),
        headers,
        body,
        at: Instant::now(),
    });
    let n = log.answered.fetch_add(1, Ordering::SeqCst);
    match *behaviour.get_ref() {
        _ if req.path() == "/elsewhere" => HttpResponse::Ok().finish(),
        Behaviour::Ok => HttpResponse::Ok().json(json!({"ok": true})),
        Behaviour::FailFirst(k) if n < k => HttpResponse::InternalServerError().finish(),
        Behaviour::FailFirst(_) => HttpResponse::NoContent().finish(),
        Behaviour::AlwaysFail => HttpResponse::InternalServerError().finish(),
        Behaviour::Redirect => HttpResponse::Found()
            .insert_header(("location", "/elsewhere"))
            .finish(),
        Behaviour::Slow(wait) => {
            actix_web::rt::time::sleep(wait).await;
            HttpResponse::Ok().finish()
        }
    }
}

/// Starts a receiver on a thread of its own.
pub fn receiver(behaviour: Behaviour) -> Receiver {
    let log = Arc::new(Log::default());
    let data = web::Data::new(log.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .app_data(web::Data::new(behaviour))
                    .default_service(web::to(receive))
            })
            .workers(1)
            .bind("127.0.0.1:0")
            .expect("bind receiver");
            let port = server.addrs()[0].port();
            let server = server.run();
            let _ = tx.send((port, server.handle()));
            let _ = server.await;
        })
    });
    let (port, handle) = rx.recv().expect("receiver started");
    Receiver {
        url: format!("http://127.0.0.1:{port}/hooks"),
        log,
        handle,
    }
}

impl Receiver {
    pub fn requests(&self) -> Vec<Received> {
        self.log.requests.lock().expect("lock").clone()
    }

    /// The requests once `done` holds of them, within `within`.
    pub async fn wait_until(
        &self,
        within: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let requests = self.requests();
            if done(&requests) {
                return requests;
            }
            assert!(
                start.elapsed() < within,
                "the receiver's requests never got there: {requests:#?}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first request announcing `event_type` about voucher `code`.
    pub async fn event(&self, event_type: &str, code: &str) -> Received {
        let is = |r: &Received| {
            let v = r.json();
            v["type"] == event_type && v["data"]["code"] == code
        };
        let requests = self
            .wait_until(Duration::from_secs(20), |rs| rs.iter().any(is))
            .await;
        requests
            .into_iter()
            .find(is)
            .expect("the event was received")
    }
}

/// Registers `url` for `events` with `token`: `(endpoint id, secret)`.
pub async fn subscribe(app: &Http, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let res = app
        .post(
            "/v1/webhook-endpoints",
            token,
            &json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(res.status, 201, "register: {}", res.body);
    let s = |k: &str| res.body[k].as_str().expect(k).to_string();
    (s("id"), s("secret"))
}

pub async fn endpoints(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get("/v1/webhook-endpoints", token).await;
    assert_eq!(res.status, 200, "endpoints: {}", res.body);
    res.body["data"].as_array().cloned().unwrap_or_default()
}

pub async fn delete(app: &TestApp, path: &str, token: &str) -> Response {
    app.send(app.client.delete(app.url(path)).bearer_auth(token))
        .await
}

pub async fn deliveries(app: &TestApp, token: &str, event_id: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/v1/events/{event_id}/deliveries"), token)
        .await;
    assert_eq!(res.status, 200, "deliveries: {}", res.body);
    res.body["data"].as_array().cloned().unwrap_or_default()
}

/// The deliveries of `event_id` once `done` holds of them (the worker records an answer just
/// after the receiver sees the request).
pub async fn deliveries_when(
    app: &TestApp,
    token: &str,
    event_id: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let list = deliveries(app, token, event_id).await;
        if done(&list) {
            return list;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "deliveries never got there: {list:#?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}
