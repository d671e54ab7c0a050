use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn malformed_json_is_400_malformed_json() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let res = app
        .post_raw(
            "/v1/admin/partners",
            &admin,
            "application/json",
            "{\"name\": ",
        )
        .await;
    res.problem(400, "malformed_json");
}

#[actix_web::test]
async fn a_non_json_content_type_is_415() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let res = app
        .post_raw("/v1/admin/partners", &admin, "text/plain", "name=x")
        .await;
    res.problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn unknown_fields_and_wrong_types_are_validation_failed() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    app.post(
        "/v1/admin/partners",
        &admin,
        &json!({"name": "X Corp", "kind": "lpk", "extra": 1}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        "/v1/admin/partners",
        &admin,
        &json!({"name": "X Corp", "kind": "bank"}),
    )
    .await
    .problem(422, "validation_failed");
}

#[actix_web::test]
async fn field_errors_name_each_invalid_field() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let mut body = participant_body(unique());
    body["nik"] = json!("123");
    body["phone"] = json!("021-5551234");
    body["wave"] = json!(0);
    let res = app.post("/v1/admin/participants", &admin, &body).await;
    let problem = res.problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors[]")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["nik", "phone", "wave"], "{problem}");
    assert!(
        problem["errors"][0]["code"].is_string() && problem["errors"][0]["message"].is_string()
    );
}

#[actix_web::test]
async fn an_oversized_body_is_413() {
    let app = spawn_with(|c| c.server.max_body_bytes = 1024).await;
    let admin = app.token(ADMIN).await;
    let res = app
        .post(
            "/v1/admin/partners",
            &admin,
            &json!({"name": "x".repeat(4096), "kind": "lpk"}),
        )
        .await;
    res.problem(413, "payload_too_large");
}

#[actix_web::test]
async fn a_mistyped_card_number_in_a_path_is_invalid_card_number_before_any_lookup() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    app.get("/v1/admin/participants/123", &admin)
        .await
        .problem(422, "invalid_card_number");
    // 16 digits, wrong check digit.
    let good = prakerja_api::domain::CardNumber::complete("520000000000001");
    let last = good.as_str().as_bytes()[15] - b'0';
    let typo = format!("{}{}", &good.as_str()[..15], (last + 1) % 10);
    app.get(&format!("/v1/admin/participants/{typo}"), &admin)
        .await
        .problem(422, "invalid_card_number");
}

#[actix_web::test]
async fn a_bad_query_parameter_is_a_problem_not_plain_text() {
    let app = spawn_app().await;
    let token = app.token(PLATFORM).await;
    app.get("/v1/courses?limit=abc", &token)
        .await
        .problem(400, "malformed_query");
    app.get("/v1/courses?limit=0", &token)
        .await
        .problem(422, "validation_failed");
    app.get("/v1/courses?cursor=%%%", &token)
        .await
        .problem(400, "invalid_cursor");
}

#[actix_web::test]
async fn a_nul_character_is_a_client_error_on_every_backend() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let res = app
        .post(
            "/v1/admin/partners",
            &admin,
            &json!({"name": "Nul\u{0}Corp", "kind": "lpk"}),
        )
        .await;
    assert!(res.status < 500, "{}: {}", res.status, res.body);
    let platform = app.token(PLATFORM).await;
    let res = app
        .post(
            "/v1/vouchers",
            &platform,
            &json!({"card_validation_id": "x\u{0}", "course_code": "CRS-22222222", "external_order_id": "A\u{0}"}),
        )
        .await;
    assert!(res.status < 500, "{}: {}", res.status, res.body);
}

#[actix_web::test]
async fn a_cursor_from_outside_time_is_invalid_cursor() {
    use base64::Engine;
    let app = spawn_app().await;
    let token = app.token(PLATFORM).await;
    let far = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("-6000000000000000|x");
    app.get(&format!("/v1/courses?cursor={far}"), &token)
        .await
        .problem(400, "invalid_cursor");
}
