//! The edge's Prometheus metrics: requests by method, route pattern and status, and their latency,
//! in the core's registry beside the business metrics (`crate::metrics`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

use crate::state::AppState;

pub struct Metrics {
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl Metrics {
    pub fn new(registry: &Registry) -> Self {
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency"),
            &["method", "route"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(latency.clone()))
            .expect("unique metric");
        Self { requests, latency }
    }
}

pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let started = std::time::Instant::now();
    let res = next.call(req).await?;
    if let Some(state) = state {
        // The pattern, not the path: bounded label values, and no card numbers in metrics.
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "<unmatched>".into());
        let status = res.status().as_u16().to_string();
        state
            .metrics
            .requests
            .with_label_values(&[&method, &route, &status])
            .inc();
        state
            .metrics
            .latency
            .with_label_values(&[&method, &route])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(res)
}
