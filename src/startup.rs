//! `Application::build(config)`: pool, migrations, seed, routes, listener. Tests bind port 0 and
//! read `port()`.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::db::{self, migrations};
use crate::error::{ApiError, ErrorCode};
use crate::http::{self, middleware};
use crate::openapi::ApiDoc;
use crate::service::{partners, retention, sandbox};
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

/// Opens the pool and applies pending migrations (start-up and `prakerja-api migrate`).
pub async fn prepare_database(config: &Config) -> Result<db::Pool, String> {
    let pool = db::pool(&config.database_url, config.db_pool_size)?;
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
        let pool = prepare_database(&config).await?;
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| format!("cannot bind {}: {e}", config.bind))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let port = local.port();
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let state = web::Data::new(AppState::new(pool, config, public_url.clone())?);
        initial_clients(&state).await?;

        let server_state = state.clone();
        // Served as built by `openapi::spec()`, the same document `prakerja-api openapi` prints.
        let api = crate::openapi::spec();
        let allowed = web::Data::new(http::AllowedMethods::from_spec(&api));
        let server = HttpServer::new(move || {
            let (json, path, query) = http::extractor_configs(server_state.config.max_body_bytes);
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .configure(http::routes)
                .split_for_parts();
            app.app_data(server_state.clone())
                .app_data(allowed.clone())
                .app_data(json)
                .app_data(path)
                .app_data(query)
                .app_data(web::PayloadConfig::new(server_state.config.max_body_bytes))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api.clone()))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        actix_web::HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(unrouted))
                .wrap(from_fn(middleware::idempotency::layer))
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

    /// Serves until stopped, with the hourly retention job beside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                state.shrink_limiters();
                let windows = retention::Windows::from_config(&state.config);
                match state.db(move |c| retention::purge(c, windows)).await {
                    Ok(purged) => tracing::info!(?purged, "retention purge"),
                    Err(e) => tracing::warn!(error = %e, "retention purge failed"),
                }
            }
        });
        self.server.await
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
            let mut res = ErrorCode::MethodNotAllowed
                .with(format!(
                    "{} is not allowed here; use {methods}.",
                    req.method()
                ))
                .error_response();
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&methods) {
                res.headers_mut().insert(actix_web::http::header::ALLOW, v);
            }
            res
        }
        None => ErrorCode::NotFound
            .with("No resource at this path; see /docs for the API.")
            .error_response(),
    }
}

/// The configured admin client, and the sandbox demo on an empty database.
async fn initial_clients(state: &web::Data<AppState>) -> Result<(), String> {
    let admin = state.config.admin_client.clone();
    let seed = state.config.sandbox;
    let cipher = state.cipher.clone();
    let created = state
        .db(move |c| -> Result<_, ApiError> {
            let created = if seed {
                sandbox::seed_if_empty(c, &cipher)?
            } else {
                Vec::new()
            };
            if let Some((id, secret)) = admin {
                partners::ensure_admin(c, &id, &secret)?;
            }
            Ok(created)
        })
        .await
        .map_err(|e| format!("start-up seeding failed: {e}"))?;
    for client in created {
        // Sandbox credentials are public by design (README); real ones are never logged.
        tracing::info!(
            role = client.role.as_str(),
            client_id = %client.client_id,
            client_secret = %client.client_secret,
            "sandbox client"
        );
    }
    Ok(())
}
