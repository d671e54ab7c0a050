use serde_json::json;

use crate::helpers::*;

fn partner(name: &str) -> serde_json::Value {
    json!({"name": name, "kind": "platform"})
}

async fn post_with_key(
    app: &TestApp,
    token: &str,
    key: &str,
    body: &serde_json::Value,
) -> Response {
    app.send(
        app.client
            .post(app.url("/v1/admin/partners"))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

#[actix_web::test]
async fn a_retry_with_the_same_key_replays_the_first_response_and_creates_nothing() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let first = post_with_key(&app, &admin, "key-1", &partner("Bukalapak")).await;
    assert_eq!(first.status, 201);
    let again = post_with_key(&app, &admin, "key-1", &partner("Bukalapak")).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let partners = app.db(|c| Ok(prakerja_api::db::partners::count(c)?)).await;
    assert_eq!(partners, 4, "3 sandbox clients + 1, not 2");
}

#[actix_web::test]
async fn the_same_key_with_another_body_is_idempotency_key_reused() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    post_with_key(&app, &admin, "key-2", &partner("Alpha")).await;
    post_with_key(&app, &admin, "key-2", &partner("Beta"))
        .await
        .problem(422, "idempotency_key_reused");
}

#[actix_web::test]
async fn a_request_refused_for_its_shape_is_not_stored() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    post_with_key(&app, &admin, "key-3", &json!({"name": "", "kind": "lpk"}))
        .await
        .problem(422, "validation_failed");
    let fixed = post_with_key(
        &app,
        &admin,
        "key-3",
        &json!({"name": "Fixed", "kind": "lpk"}),
    )
    .await;
    assert_eq!(fixed.status, 201, "{}", fixed.body);
}

#[actix_web::test]
async fn keys_are_scoped_per_partner() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let lpk = app.token(LPK).await;
    let course = json!({"title": "Tata Boga", "description": "Memasak", "price": 100000, "mode": "online", "duration_hours": 5, "sessions": 2});
    let a = app
        .send(
            app.client
                .post(app.url("/v1/courses"))
                .bearer_auth(&lpk)
                .header("Idempotency-Key", "shared")
                .json(&course),
        )
        .await;
    assert_eq!(a.status, 201);
    let b = post_with_key(&app, &admin, "shared", &partner("Other")).await;
    assert_eq!(
        b.status, 201,
        "another partner's key must not collide: {}",
        b.body
    );
}

#[actix_web::test]
async fn a_key_whose_first_request_is_still_running_is_409() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let sub = app.state.keys.verify(&admin).expect("valid").sub;
    let body = partner("Slow");
    // The first request's claim, as the middleware writes it before running the handler.
    let hash = prakerja_api::http::middleware::idempotency::request_hash(
        &app.state.cipher,
        "POST",
        "/v1/admin/partners",
        body.to_string().as_bytes(),
    );
    app.db(move |c| {
        Ok(prakerja_api::db::idempotency::claim(
            c,
            &sub,
            "busy",
            &hash,
            prakerja_api::db::now(),
        )?)
    })
    .await;
    let res = post_with_key(&app, &admin, "busy", &body).await;
    res.problem(409, "idempotency_in_progress");
}

#[actix_web::test]
async fn an_overlong_key_is_refused() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    post_with_key(&app, &admin, &"k".repeat(256), &partner("X"))
        .await
        .problem(400, "invalid_idempotency_key");
}

#[actix_web::test]
async fn stored_responses_are_sealed_yet_replay_in_clear() {
    use diesel::prelude::*;
    use prakerja_api::db::schema::idempotency_records as idem;
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let first = post_with_key(&app, &admin, "sealed", &partner("Sealed Co")).await;
    let secret = first.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let stored: Vec<(String, Option<String>)> = app
        .db(|c| {
            Ok(idem::table
                .select((idem::request_hash, idem::response_body))
                .load(c)?)
        })
        .await;
    let (hash, body) = stored.first().cloned().expect("a stored record");
    let body = body.expect("completed");
    assert!(
        !body.contains(&secret) && !body.contains("Sealed Co"),
        "stored in clear: {body}"
    );
    assert_eq!(hash.len(), 64);
    let again = post_with_key(&app, &admin, "sealed", &partner("Sealed Co")).await;
    assert_eq!(again.body["client_secret"], secret.as_str());
}
