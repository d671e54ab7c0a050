//! Spans exported over OTLP/HTTP with protobuf (lighter to build than gRPC), through the reqwest
//! client the rest of the server uses. The SDK's batch processor exports from a thread of its own
//! without a Tokio runtime, so the uploads run on a small runtime of their own.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

/// The layer that turns tracing spans into OpenTelemetry spans, and the provider exporting them.
pub fn tracer<S>(
    endpoint: &str,
) -> Result<(Box<dyn Layer<S> + Send + Sync>, SdkTracerProvider), String>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
{
    // The variable names the collector's base URL, as in every OpenTelemetry SDK.
    let traces = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = SpanExporter::builder()
        .with_http()
        .with_http_client(Upload::start().map_err(|e| e.to_string())?)
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces)
        .build()
        .map_err(|e| e.to_string())?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name("prakerja-api")
                .build(),
        )
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("prakerja-api"));
    Ok((Box::new(layer), provider))
}

/// Posts export requests with reqwest on a one-thread runtime that lives as long as the process.
#[derive(Debug)]
struct Upload {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl Upload {
    fn start() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("otlp-upload".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Self {
            client,
            runtime: handle,
        })
    }
}

#[async_trait::async_trait]
impl HttpClient for Upload {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        let upload = self.runtime.spawn(async move {
            let res = client.execute(reqwest::Request::try_from(request)?).await?;
            let mut answer = Response::builder().status(res.status());
            if let Some(headers) = answer.headers_mut() {
                *headers = res.headers().clone();
            }
            let body = res.bytes().await?;
            Ok::<_, HttpError>(answer.body(body)?)
        });
        upload.await?
    }
}
