use crate::helpers::*;

#[actix_web::test]
async fn healthz_and_readyz_answer_ok_on_a_migrated_database() {
    let app = spawn_app().await;
    let res = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!((res.status, res.body["status"].as_str()), (200, Some("ok")));
    let res = app.send(app.client.get(app.url("/readyz"))).await;
    assert_eq!(
        (res.status, res.body["status"].as_str()),
        (200, Some("ready"))
    );
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_not_raw_path() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    app.get("/v1/admin/participants/5200000000000013", &admin)
        .await;
    let res = app.send(app.client.get(app.url("/metrics"))).await;
    let text = res.body.as_str().unwrap_or_default().to_string();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(
        text.contains("/v1/admin/participants/{card_number}"),
        "{text}"
    );
    assert!(
        !text.contains("5200000000000013"),
        "raw card number leaked into metrics"
    );
}

#[actix_web::test]
async fn request_id_is_echoed_when_given_and_generated_otherwise() {
    let app = spawn_app().await;
    let res = app
        .send(
            app.client
                .get(app.url("/healthz"))
                .header("X-Request-Id", "abc-123"),
        )
        .await;
    assert_eq!(res.header("x-request-id"), Some("abc-123"));
    let res = app.send(app.client.get(app.url("/healthz"))).await;
    assert!(res.header("x-request-id").is_some_and(|id| id.len() >= 32));
}

#[actix_web::test]
async fn unknown_route_is_a_problem_with_the_request_id() {
    let app = spawn_app().await;
    let res = app
        .send(
            app.client
                .get(app.url("/v1/nothing-here"))
                .header("X-Request-Id", "rid-9"),
        )
        .await;
    let body = res.problem(404, "not_found");
    assert_eq!(body["request_id"], "rid-9");
}

#[actix_web::test]
async fn error_type_links_resolve_to_an_anchor_on_the_error_page() {
    let app = spawn_app().await;
    let res = app.send(app.client.get(app.url("/v1/courses"))).await;
    let type_uri = res.problem(401, "invalid_token")["type"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(type_uri.ends_with("/errors#invalid_token"), "{type_uri}");
    let page = app.send(app.client.get(app.url("/errors"))).await;
    assert!(
        page.body
            .as_str()
            .unwrap_or_default()
            .contains("id=\"invalid_token\"")
    );
}

#[actix_web::test]
async fn docs_render_swagger_ui_without_a_cdn() {
    let app = spawn_app().await;
    let res = app.send(app.client.get(app.url("/docs/"))).await;
    assert_eq!(res.status, 200);
    let html = res.body.as_str().unwrap_or_default();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("unpkg.com") && !html.contains("cdn."),
        "docs must not load from a CDN"
    );
}

#[actix_web::test]
async fn a_known_path_with_another_method_is_405_with_allow() {
    let app = spawn_app().await;
    let res = app.send(app.client.delete(app.url("/healthz"))).await;
    res.problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("GET"));
    let res = app
        .send(app.client.put(app.url("/v1/vouchers/7KQ2-M9XD-4HTR-8WZC")))
        .await;
    res.problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("GET"));
}

#[actix_web::test]
async fn allow_names_the_literal_path_over_a_parameter_one() {
    let app = spawn_app().await;
    let res = app
        .send(app.client.request(
            reqwest::Method::OPTIONS,
            app.url("/v1/admin/participants/import"),
        ))
        .await;
    res.problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("POST"));
    // GET too, though a GET route takes /v1/admin/participants/{card_number}: "import" is no card.
    let admin = app.token(ADMIN).await;
    let res = app
        .send(
            app.client
                .get(app.url("/v1/admin/participants/import"))
                .bearer_auth(&admin),
        )
        .await;
    res.problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("POST"));
}

/// The pool does not test each checkout with a query (that cost a round trip per request); a
/// connection the database closed is found by the query that fails on it and dropped then, so the
/// next checkout gets a fresh one.
#[actix_web::test]
async fn a_pooled_connection_the_database_closed_fails_once_and_is_replaced() {
    let app = spawn_app().await;
    if backend(&app) != prakerja_api::db::Backend::Postgres {
        return; // SQLite connections are open files; no server closes them
    }
    let pool = app.state.core.pool.clone();
    let url = app.state.config.database.url.expose().clone();
    let (killed, after) = tokio::task::spawn_blocking(move || {
        use diesel::{Connection, RunQueryDsl};
        let size = pool.max_size() as usize;
        type Held = Vec<diesel::r2d2::PooledConnection<prakerja_api::db::ConnectionManager>>;
        let answers = |held: &mut Held| {
            held.iter_mut()
                .map(|c| diesel::sql_query("SELECT 1").execute(&mut **c).is_ok())
                .collect::<Vec<bool>>()
        };
        // Every connection out at once and held through the kill, so no background worker (the
        // audit sealer, the webhook poller) meets a closed one first and has it replaced.
        let mut held: Held = (0..size).map(|_| pool.get().expect("connection")).collect();
        assert!(answers(&mut held).iter().all(|ok| *ok), "all open before");
        let mut killer = diesel::PgConnection::establish(&url).expect("a connection of its own");
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut killer)
        .expect("terminated");
        let killed = answers(&mut held);
        drop(held);
        let mut again: Held = (0..size).map(|_| pool.get().expect("connection")).collect();
        (killed, answers(&mut again))
    })
    .await
    .expect("blocking task");
    assert!(
        killed.contains(&false),
        "a closed connection was handed out untested: {killed:?}"
    );
    assert!(
        after.iter().all(|ok| *ok),
        "a closed connection went back into the pool: {after:?}"
    );
}
