use prakerja_api::auth::token::JwtKeys;
use prakerja_api::config::Config;
use serde_json::json;

use crate::helpers::*;

// Forged, unsigned, expired and misaddressed tokens: security_tokens.rs, over every route.

#[actix_web::test]
async fn client_credentials_work_as_form_json_and_basic_auth() {
    let app = spawn_app().await;
    let form = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PLATFORM.0),
            ("client_secret", PLATFORM.1),
        ])
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(form.body["token_type"], "Bearer");
    assert_eq!(form.body["expires_in"], 900);
    let json_body = app
        .send(app.client.post(app.url("/v1/oauth/token")).json(&json!({
            "grant_type": "client_credentials", "client_id": PLATFORM.0, "client_secret": PLATFORM.1
        })))
        .await;
    assert_eq!(json_body.status, 200, "{}", json_body.body);
    let basic = app
        .send(
            app.client
                .post(app.url("/v1/oauth/token"))
                .basic_auth(PLATFORM.0, Some(PLATFORM.1))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(basic.status, 200, "{}", basic.body);
}

#[actix_web::test]
async fn token_claims_carry_role_scope_issuer_audience_and_kid() {
    let app = spawn_app().await;
    let token = app.token(LPK).await;
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert!(header.kid.is_some());
    let claims = app.state.core.keys.verify(&token).expect("valid");
    assert_eq!(claims.role.as_str(), "lpk");
    assert_eq!(claims.iss, "prakerja-api");
    assert_eq!(claims.aud, "prakerja-partners");
    assert!(claims.scope.contains("vouchers:redeem"));
    assert_eq!(claims.exp - claims.iat, 900);
    assert!(!claims.jti.is_empty());
}

#[actix_web::test]
async fn wrong_secret_and_unknown_client_are_the_same_invalid_client() {
    let app = spawn_app().await;
    for (id, secret) in [(PLATFORM.0, "wrong"), ("no-such-client", "whatever")] {
        let res = app
            .token_form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .await;
        res.problem(401, "invalid_client");
    }
}

#[actix_web::test]
async fn other_grants_and_unknown_scopes_are_refused() {
    let app = spawn_app().await;
    let res = app
        .token_form(&[
            ("grant_type", "password"),
            ("client_id", "x"),
            ("client_secret", "y"),
        ])
        .await;
    res.problem(400, "unsupported_grant_type");
    let res = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PLATFORM.0),
            ("client_secret", PLATFORM.1),
            ("scope", "admin"),
        ])
        .await;
    res.problem(400, "invalid_scope");
    let res = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PLATFORM.0),
            ("client_secret", PLATFORM.1),
            ("scope", "catalog:read"),
        ])
        .await;
    assert_eq!(res.body["scope"], "catalog:read");
}

#[actix_web::test]
async fn a_previous_signing_key_still_verifies_during_rotation() {
    let mut old = Config::for_tests("sqlite://unused");
    old.auth.jwt_secret = "the-old-signing-secret-of-at-least-32-bytes".into();
    let rotated =
        spawn_with(|c| c.auth.jwt_previous_secrets = vec![old.auth.jwt_secret.clone()]).await;
    let admin_id = rotated
        .state
        .core
        .keys
        .verify(&rotated.token(ADMIN).await)
        .expect("valid")
        .sub;
    let (old_token, _) = JwtKeys::from_config(&old)
        .issue(&admin_id, prakerja_api::auth::Role::Admin, "admin", 0)
        .expect("issue");
    assert_eq!(
        rotated
            .get("/v1/admin/audit-events", &old_token)
            .await
            .status,
        200
    );
    let forgotten = spawn_app().await;
    forgotten
        .get("/v1/admin/audit-events", &old_token)
        .await
        .problem(401, "invalid_token");
}

#[actix_web::test]
async fn a_wrong_role_is_forbidden_and_no_token_is_invalid_token() {
    let app = spawn_app().await;
    let platform = app.token(PLATFORM).await;
    app.post(
        "/v1/admin/partners",
        &platform,
        &json!({"name": "X", "kind": "lpk"}),
    )
    .await
    .problem(403, "forbidden");
    app.post("/v1/courses", &platform, &json!({}))
        .await
        .problem(403, "forbidden");
    app.send(app.client.get(app.url("/v1/courses")))
        .await
        .problem(401, "invalid_token");
}

#[actix_web::test]
async fn rotating_a_secret_kills_the_old_one() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let (id, client_id, old_secret) = app.new_partner(&admin, "platform").await;
    app.token((&client_id, &old_secret)).await;
    let res = app
        .post(
            &format!("/v1/admin/partners/{id}/rotate-secret"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let new_secret = res.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    assert_ne!(new_secret, old_secret);
    let res = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", old_secret.as_str()),
        ])
        .await;
    res.problem(401, "invalid_client");
    app.token((&client_id, &new_secret)).await;
    app.post(
        "/v1/admin/partners/no-such-id/rotate-secret",
        &admin,
        &json!({}),
    )
    .await
    .problem(404, "not_found");
}

#[actix_web::test]
async fn a_partner_over_its_rate_limit_gets_429_with_retry_after() {
    let app = spawn_with(|c| {
        c.limits.per_second = 1;
        c.limits.burst = 3;
    })
    .await;
    let token = app.token(PLATFORM).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.get("/v1/courses", &token).await);
    }
    let limited = statuses
        .iter()
        .find(|r| r.status == 429)
        .expect("a 429 after the burst");
    limited.problem(429, "rate_limited");
    assert!(
        limited
            .header("retry-after")
            .is_some_and(|s| s.parse::<u64>().unwrap_or(0) >= 1)
    );
    assert_eq!(statuses[0].status, 200);
}

#[actix_web::test]
async fn a_token_narrowed_to_a_scope_cannot_do_more() {
    let app = spawn_app().await;
    let res = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PLATFORM.0),
            ("client_secret", PLATFORM.1),
            ("scope", "catalog:read"),
        ])
        .await;
    let narrow = res.body["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_eq!(app.get("/v1/courses", &narrow).await.status, 200);
    app.post(
        "/v1/card-validations",
        &narrow,
        &json!({"card_number": "5200000000000015", "course_code": "CRS-22222222"}),
    )
    .await
    .problem(403, "forbidden");
    app.get("/v1/vouchers", &narrow)
        .await
        .problem(403, "forbidden");
}
