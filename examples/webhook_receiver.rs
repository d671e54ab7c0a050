//! A partner's webhook receiver: listens on `PORT` (default 9090), checks `Prakerja-Signature`
//! with `WEBHOOK_SECRET`, answers 400 to a missing, wrong or stale (over 5 minutes) signature,
//! and prints each event. Delivery is at least once, so it also says when an event id comes again.
//!
//! Against `cargo run` (the sandbox accepts `http://` URLs; production wants public `https://`):
//!
//! ```sh
//! TOKEN=$(curl -s -X POST http://127.0.0.1:8080/v1/oauth/token \
//!   -d grant_type=client_credentials -d client_id=sandbox-platform -d client_secret=sandbox-platform-secret \
//!   | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
//! curl -s -X POST http://127.0.0.1:8080/v1/webhook-endpoints \
//!   -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
//!   -d '{"url":"http://127.0.0.1:9090/webhooks","events":["voucher.issued","voucher.redeemed"]}'
//! # the answer's "secret" is shown this once:
//! WEBHOOK_SECRET=whsec_... cargo run --example webhook_receiver
//! cargo run --example platform_checkout      # in another terminal: a voucher.issued arrives
//! ```
//!
//! The check is written out here rather than taken from the server's crate, as a partner would
//! write it in any language: HMAC-SHA256 with the secret over `"<t>.<raw body>"`, hex, compared
//! in constant time, and `t` close to now so a captured request cannot be replayed later.

use std::collections::HashSet;
use std::sync::Mutex;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far the signed time may be from ours.
const TOLERANCE_SECONDS: i64 = 300;

struct Receiver {
    secret: String,
    seen: Mutex<HashSet<String>>,
}

/// Why a request is refused.
fn verify(secret: &str, header: Option<&str>, body: &[u8], now: i64) -> Result<(), &'static str> {
    let header = header.ok_or("no Prakerja-Signature header")?;
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            // Several v1 values may come (during a secret change); one matching is enough.
            Some(("v1", v)) => signatures.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let t = t.ok_or("no t= in Prakerja-Signature")?;
    if (now - t).abs() > TOLERANCE_SECONDS {
        return Err("stale signature (more than 5 minutes off)");
    }
    let matches = |sig: &Vec<u8>| {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        mac.verify_slice(sig).is_ok()
    };
    if signatures.iter().any(matches) {
        Ok(())
    } else {
        Err("signature does not match")
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, rx: web::Data<Receiver>) -> HttpResponse {
    let header = req
        .headers()
        .get("prakerja-signature")
        .and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(why) = verify(&rx.secret, header, &body, now) {
        eprintln!("refused: {why}");
        return HttpResponse::BadRequest().body(why);
    }
    // Only now is the body trusted enough to parse.
    let event: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return HttpResponse::BadRequest().body(format!("not JSON: {e}")),
    };
    let id = event["id"].as_str().unwrap_or_default().to_string();
    let again = !rx
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id.clone());
    let delivery = req
        .headers()
        .get("prakerja-delivery-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("?");
    println!(
        "{} {id} (delivery {delivery}){}\n{}",
        event["type"].as_str().unwrap_or("?"),
        if again { " again: already handled" } else { "" },
        serde_json::to_string_pretty(&event["data"]).unwrap_or_default()
    );
    // Answer quickly with a 2xx; slow work belongs in the receiver's own queue.
    HttpResponse::NoContent().finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let Ok(secret) = std::env::var("WEBHOOK_SECRET") else {
        eprintln!("set WEBHOOK_SECRET to the secret POST /v1/webhook-endpoints answered with");
        std::process::exit(2);
    };
    let port = std::env::var("PORT").unwrap_or_else(|_| "9090".into());
    let rx = web::Data::new(Receiver {
        secret,
        seen: Mutex::new(HashSet::new()),
    });
    println!("listening on http://127.0.0.1:{port}/webhooks");
    HttpServer::new(move || {
        App::new()
            .app_data(rx.clone())
            .route("/webhooks", web::post().to(receive))
    })
    .workers(1)
    .bind(format!("127.0.0.1:{port}"))?
    .run()
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_matching_signature_passes_and_anything_else_is_refused() {
        let body = br#"{"id":"e1"}"#;
        // printf '1790000000.{"id":"e1"}' | openssl dgst -sha256 -hmac whsec_test
        let good =
            "t=1790000000,v1=fec1d53280e03e42801ca04f7ac540ed04a9ed454feefc5b17a34a262cad202b";
        assert_eq!(
            verify("whsec_test", Some(good), body, 1_790_000_100),
            Ok(())
        );
        assert!(verify("whsec_other", Some(good), body, 1_790_000_100).is_err());
        assert!(verify("whsec_test", Some(good), b"{}", 1_790_000_100).is_err());
        assert_eq!(
            verify("whsec_test", Some(good), body, 1_790_000_301),
            Err("stale signature (more than 5 minutes off)")
        );
        assert!(verify("whsec_test", None, body, 1_790_000_000).is_err());
    }
}
