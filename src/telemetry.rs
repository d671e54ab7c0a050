//! Structured logs, and spans over OpenTelemetry when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. What
//! never goes in either: secrets, OTPs, full card numbers, NIK, KK, phone (the access log and the
//! request span name route patterns, not paths; domain types print masked in `Debug`).

mod otlp;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

use crate::config::Config;

/// Flushes the spans still buffered when dropped (at the end of `serve`).
pub struct Telemetry(Option<opentelemetry_sdk::trace::SdkTracerProvider>);

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("OpenTelemetry shutdown: {e}");
        }
    }
}

/// Logs to stdout as the configuration says; spans to the OTLP endpoint if one is set. With no
/// endpoint no exporter exists: nothing is buffered, no thread or connection is opened.
pub fn init(config: &Config) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = fmt::layer().with_target(false);
    let logs = if config.log_json {
        logs.json().boxed()
    } else {
        logs.boxed()
    };
    let (spans, provider) = match config.otlp_endpoint.as_deref().map(otlp::tracer) {
        Some(Ok((layer, provider))) => (Some(layer), Some(provider)),
        Some(Err(e)) => {
            eprintln!("OpenTelemetry export is off: {e}");
            (None, None)
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(spans)
        .with(logs)
        .with(filter)
        .try_init();
    if let Some(endpoint) = &config.otlp_endpoint
        && provider.is_some()
    {
        // The host only: an endpoint URL may carry a collector's credentials.
        let host = url::Url::parse(endpoint)
            .ok()
            .and_then(|u| u.host_str().map(String::from))
            .unwrap_or_default();
        tracing::info!(%host, "exporting spans over OTLP");
    }
    Telemetry(provider)
}
