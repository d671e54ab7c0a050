use diesel::prelude::*;
use prakerja_api::db::Backend;
use prakerja_api::db::idempotency::advisory_key;
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
async fn a_key_whose_first_request_is_still_running_is_409_or_waits_for_it() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let sub = app.state.core.keys.verify(&admin).expect("valid").sub;
    let body = partner("Slow");
    match backend(&app) {
        // PostgreSQL: the first request's transaction holds the key's advisory lock.
        Backend::Postgres => {
            let mut first = diesel::PgConnection::establish(&app.database_url).expect("connect");
            diesel::sql_query("BEGIN")
                .execute(&mut first)
                .expect("begin");
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(advisory_key(&sub, "busy"))
                .execute(&mut first)
                .expect("lock");
            let res = post_with_key(&app, &admin, "busy", &body).await;
            res.problem(409, "idempotency_in_progress");
            assert_eq!(res.header("retry-after"), Some("1"));
            diesel::sql_query("ROLLBACK")
                .execute(&mut first)
                .expect("rollback");
            // The first request is gone: the key is free again.
            assert_eq!(post_with_key(&app, &admin, "busy", &body).await.status, 201);
        }
        // SQLite: write transactions run one at a time, so the retry waits for the first.
        Backend::Sqlite => {
            let path = app.database_url.trim_start_matches("sqlite://").to_string();
            let mut first = diesel::SqliteConnection::establish(&path).expect("connect");
            diesel::sql_query("BEGIN IMMEDIATE")
                .execute(&mut first)
                .expect("begin");
            let holder = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(500));
                diesel::sql_query("ROLLBACK")
                    .execute(&mut first)
                    .expect("rollback");
            });
            let started = std::time::Instant::now();
            let res = post_with_key(&app, &admin, "busy", &body).await;
            assert_eq!(res.status, 201, "{}", res.body);
            assert!(
                started.elapsed() >= std::time::Duration::from_millis(400),
                "it waited"
            );
            holder.join().expect("holder");
        }
    }
}

#[actix_web::test]
async fn concurrent_retries_under_one_key_change_state_once() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let before = app.db(|c| Ok(prakerja_api::db::partners::count(c)?)).await;
    let body = partner("Racing Co");
    let requests = (0..6).map(|_| post_with_key(&app, &admin, "race", &body));
    let answers = futures_util::future::join_all(requests).await;
    let created: Vec<_> = answers.iter().filter(|r| r.status == 201).collect();
    assert!(!created.is_empty(), "one of them runs");
    for r in &answers {
        assert!(
            (r.status == 201 && r.body["id"] == created[0].body["id"])
                || r.code() == "idempotency_in_progress",
            "a replay of the first answer or 409, never a second partner: {} {}",
            r.status,
            r.body
        );
    }
    let after = app.db(|c| Ok(prakerja_api::db::partners::count(c)?)).await;
    assert_eq!(after, before + 1);
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
    use prakerja_api::db::schema::idempotency_keys as idem;
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let first = post_with_key(&app, &admin, "sealed", &partner("Sealed Co")).await;
    let secret = first.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let stored: Vec<(String, String)> = app
        .db(|c| {
            Ok(idem::table
                .select((idem::request_hash, idem::result))
                .load(c)?)
        })
        .await;
    let (hash, body) = stored.first().cloned().expect("a stored record");
    assert!(
        !body.contains(&secret) && !body.contains("Sealed Co"),
        "stored in clear: {body}"
    );
    assert_eq!(hash.len(), 64);
    let again = post_with_key(&app, &admin, "sealed", &partner("Sealed Co")).await;
    assert_eq!(again.body["client_secret"], secret.as_str());
}
