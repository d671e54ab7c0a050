//! `Application::build(config)`: pool, migrations, seed, routes, listener. Tests bind port 0 and
//! read `port()`.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::config::Config;
use crate::db::{self, migrations};
use crate::error::ErrorCode;
use crate::http::problem::ApiError;
use crate::http::{self, middleware};
use crate::metrics::Metrics;
use crate::openapi::ApiDoc;
use crate::service::{Actor, Call, Core};
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    metrics_server: Option<Server>,
    state: web::Data<AppState>,
}

/// Opens the pool and applies pending migrations (start-up and `prakerja-api migrate`).
pub async fn prepare_database(config: &Config) -> Result<db::Pool, String> {
    prepare_observed_database(config, &Metrics::new()).await
}

/// As [`prepare_database`], the pool's checkout waits going to `metrics`.
async fn prepare_observed_database(config: &Config, metrics: &Metrics) -> Result<db::Pool, String> {
    let db = &config.database;
    let pool = db::pool_with(db.url.expose(), db.pool_size, metrics.pool_wait())?;
    let migrate_pool = pool.clone();
    let applied = web::block(move || {
        let mut conn = migrate_pool
            .get()
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        migrations::run_pending(&mut conn)
    })
    .await
    .map_err(|e| e.to_string())??;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    Ok(pool)
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, String> {
        let metrics = Metrics::new();
        let pool = prepare_observed_database(&config, &metrics).await?;
        let core = Core::observed(pool, &config, metrics)?;
        initial_clients(&core, &config).await?;
        let bind = &config.server.bind;
        let listener = TcpListener::bind(bind).map_err(|e| format!("cannot bind {bind}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let port = local.port();
        let public_url = config
            .server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let state = web::Data::new(AppState::new(core, config, public_url.clone()));
        let metrics_server = metrics_listener(&state)?;

        let server_state = state.clone();
        // Served as `prakerja-api openapi` prints it (`openapi::spec_json()`).
        let api = crate::openapi::spec();
        let allowed = web::Data::new(http::AllowedMethods::from_spec(&api));
        let served: serde_json::Value =
            serde_json::from_str(&crate::openapi::spec_json()).map_err(|e| e.to_string())?;
        let server = HttpServer::new(move || {
            let max_body = server_state.config.server.max_body_bytes;
            let (path, query) = http::extractor_configs();
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .configure(http::routes)
                .split_for_parts();
            app.app_data(server_state.clone())
                .app_data(allowed.clone())
                .app_data(path)
                .app_data(query)
                .app_data(web::PayloadConfig::new(max_body))
                .service(http::docs::swagger_ui(served.clone()))
                .route("/docs", web::get().to(http::docs::redirect_to_docs))
                .default_service(web::to(unrouted))
                .wrap(from_fn(middleware::idempotency::layer))
                .wrap(from_fn(middleware::authenticate::layer))
                .wrap(from_fn(middleware::metrics::layer))
                .wrap(from_fn(middleware::request_id::layer))
        })
        .listen(listener)
        .map_err(|e| e.to_string())?
        .shutdown_timeout(10)
        .run();
        tracing::info!(%public_url, docs = %format!("{public_url}/docs/"), "serving");
        Ok(Self {
            port,
            server,
            metrics_server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere (tests stop theirs when done, so pooled connections close).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until stopped, with the hourly retention job, the webhook delivery worker and the
    /// audit sealer beside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                state.limits.shrink().await;
                match state.core.purge().await {
                    Ok(purged) => tracing::info!(?purged, "retention purge"),
                    Err(e) => tracing::warn!(error = %e, "retention purge failed"),
                }
            }
        });
        actix_web::rt::spawn(webhook_worker(self.state.clone()));
        actix_web::rt::spawn(audit_sealer(self.state.clone()));
        if let Some(every) = self.state.config.payouts.run_every {
            let state = self.state.clone();
            actix_web::rt::spawn(async move {
                let mut tick = actix_web::rt::time::interval(every);
                let timer = Call::by(Actor::system("disbursement-timer"));
                loop {
                    tick.tick().await;
                    match state.core.run_disbursements(&timer, None).await {
                        Ok(summary) => tracing::info!(?summary, "disbursement run"),
                        Err(e) => tracing::warn!(error = %e, "disbursement run failed"),
                    }
                }
            });
        }
        if let Some(metrics) = self.metrics_server {
            actix_web::rt::spawn(metrics);
        }
        self.server.await
    }
}

/// Seals recorded audit events into the chain every second: an event waits at most about that
/// long before it is hash-linked (reads of the trail seal first, so they never miss one). Every
/// instance runs one; they take turns on the chain head.
async fn audit_sealer(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let core = state.core.clone();
        match actix_web::rt::spawn(async move { core.seal_audit_trail().await }).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "audit sealing failed"),
            Err(e) => tracing::error!(error = %e, "audit sealing panicked"),
        }
    }
}

/// Sends due webhooks every `PRAKERJA_WEBHOOK_POLL_MS`, going again at once while rounds come back
/// full. Each round runs as its own task, so a panic in one is logged and the next round still
/// comes.
async fn webhook_worker(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(state.config.webhooks.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        loop {
            let core = state.core.clone();
            match actix_web::rt::spawn(async move { core.deliver_due_webhooks().await }).await {
                Ok(Ok(n)) if n >= crate::service::webhook_delivery::BATCH => continue,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "webhook delivery round failed"),
                Err(e) => tracing::error!(error = %e, "webhook delivery round panicked"),
            }
            break;
        }
    }
}

/// A path no route takes: 405 with `Allow` when the path exists under other methods, else 404.
async fn unrouted(
    req: actix_web::HttpRequest,
    allowed: web::Data<http::AllowedMethods>,
) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    match allowed.for_path(req.path()) {
        Some(methods) => {
            let mut res = ApiError(ErrorCode::MethodNotAllowed.with(format!(
                "{} is not allowed here; use {methods}.",
                req.method()
            )))
            .error_response();
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&methods) {
                res.headers_mut().insert(actix_web::http::header::ALLOW, v);
            }
            res
        }
        None => ApiError(ErrorCode::MalformedPath.refusal()).error_response(),
    }
}

/// `/metrics` on its own address (`PRAKERJA_METRICS_BIND`), for an internal network.
fn metrics_listener(state: &web::Data<AppState>) -> Result<Option<Server>, String> {
    let Some(bind) = state.config.server.metrics_bind.clone() else {
        if state.config.production && state.config.server.metrics_token.is_none() {
            tracing::warn!(
                "/metrics is off: set PRAKERJA_METRICS_BIND or PRAKERJA_METRICS_TOKEN to read it"
            );
        }
        return Ok(None);
    };
    let state = state.clone();
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let state = state.clone();
                async move { http::meta::metrics_page(&state).await }
            }),
        )
    })
    .workers(1)
    .bind(&bind)
    .map_err(|e| format!("cannot bind PRAKERJA_METRICS_BIND={bind}: {e}"))?
    .run();
    tracing::info!(%bind, "metrics");
    Ok(Some(server))
}

/// The sandbox demo on an empty database, and the configured admin client.
async fn initial_clients(core: &Core, config: &Config) -> Result<(), String> {
    let failed = |e: crate::error::Error| format!("start-up seeding failed: {e}");
    if config.sandbox {
        for client in core.seed_sandbox_if_empty().await.map_err(failed)? {
            // Sandbox credentials are public by design (README); real ones are never logged.
            tracing::info!(
                role = client.kind.as_str(),
                client_id = %client.client_id,
                client_secret = %client.client_secret,
                signing_key = client.signing_key.as_deref().unwrap_or("-"),
                "sandbox client"
            );
        }
    }
    if let Some((id, secret)) = config.auth.admin_client.clone() {
        core.ensure_admin(id, secret.expose().clone())
            .await
            .map_err(failed)?;
    }
    Ok(())
}
