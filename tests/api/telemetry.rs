//! OpenTelemetry export of the real binary to a stub OTLP/HTTP collector: spans arrive at
//! `/v1/traces` as protobuf, carrying the request id; with `OTEL_EXPORTER_OTLP_ENDPOINT` unset
//! nothing arrives, even with the SDK's per-signal variable pointing at the stub.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::binary::Binary;
use crate::helpers::*;

/// Every export request the stub received: (path, content type, body).
type Exports = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

struct Collector {
    base: String,
    exports: Exports,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Collector {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn take(req: HttpRequest, body: web::Bytes, exports: web::Data<Exports>) -> HttpResponse {
    let kind = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    exports
        .lock()
        .expect("lock")
        .push((req.path().to_string(), kind, body.to_vec()));
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .finish()
}

fn collector() -> Collector {
    let exports: Exports = Arc::default();
    let data = web::Data::new(exports.clone());
    let (port, handle) = serve_stub(move |app| {
        app.app_data(data.clone())
            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
            .default_service(web::to(take));
    });
    Collector {
        base: format!("http://127.0.0.1:{port}"),
        exports,
        handle,
    }
}

/// A few requests with a request id of our own: the id of the last.
async fn requests_with_an_id(http: &Http) -> String {
    let id = format!("otel-{}", uuid::Uuid::new_v4().simple());
    for _ in 0..3 {
        let res = http
            .send(
                http.client
                    .get(http.url("/healthz"))
                    .header("x-request-id", &id),
            )
            .await;
        assert_eq!(res.status, 200);
    }
    id
}

#[actix_web::test]
async fn with_an_otlp_endpoint_request_spans_reach_the_collector_with_their_request_id() {
    let stub = collector();
    let (url, _dir) = empty_database();
    let server = Binary::serve(
        &url,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", stub.base.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let id = requests_with_an_id(&server.http).await;
    let mut found = None;
    for _ in 0..100 {
        let exports = stub.exports.lock().expect("lock").clone();
        found = exports
            .into_iter()
            .find(|(_, _, body)| body.windows(id.len()).any(|w| w == id.as_bytes()));
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (path, kind, _) = found.unwrap_or_else(|| {
        panic!(
            "no export carried the request id; the collector got {} requests; log: {:?}",
            stub.exports.lock().expect("lock").len(),
            server.lines()
        )
    });
    assert_eq!(path, "/v1/traces");
    assert_eq!(kind, "application/x-protobuf");
}

#[actix_web::test]
async fn without_otel_exporter_otlp_endpoint_nothing_is_exported() {
    let stub = collector();
    let (url, _dir) = empty_database();
    let traces = format!("{}/v1/traces", stub.base);
    // The SDK alone would export to this; the server starts no exporter without the endpoint.
    let server = Binary::serve(
        &url,
        &[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    requests_with_an_id(&server.http).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(stub.exports.lock().expect("lock").is_empty());
    assert!(
        !server.lines().iter().any(|l| l.contains("exporting spans")),
        "{:?}",
        server.lines()
    );
}
