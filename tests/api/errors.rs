use serde_json::{Value, json};

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

/// The one field error of a shape refusal, as `(field, code)`, its message checked present.
#[track_caller]
fn shape_error(problem: &Value) -> (String, String) {
    let errors = problem["errors"].as_array().expect("errors[]");
    assert_eq!(errors.len(), 1, "{problem}");
    assert!(
        errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{problem}"
    );
    let text = |k: &str| errors[0][k].as_str().unwrap_or_default().to_string();
    (text("field"), text("code"))
}

#[track_caller]
fn expect(problem: &Value, field: &str, code: &str) {
    assert_eq!(
        shape_error(problem),
        (field.to_string(), code.to_string()),
        "{problem}"
    );
}

/// Posts `body` to `path` as `who` and expects a 422 with one field error `(field, code)`.
async fn refused_at(
    app: &TestApp,
    who: (&str, &str),
    path: &str,
    body: Value,
    (field, code): (&str, &str),
) {
    let token = app.token(who).await;
    let res = app.post(path, &token, &body).await;
    expect(res.problem(422, "validation_failed"), field, code);
}

const VALIDATIONS: &str = "/v1/card-validations";

#[actix_web::test]
async fn a_missing_member_is_a_required_field_error_naming_it() {
    let app = spawn_app().await;
    let partner = json!({"name": "X Corp"});
    refused_at(
        &app,
        ADMIN,
        "/v1/admin/partners",
        partner,
        ("kind", "required"),
    )
    .await;
    let validation = json!({"course_code": "CRS-22222222"});
    refused_at(
        &app,
        PLATFORM,
        VALIDATIONS,
        validation,
        ("card_number", "required"),
    )
    .await;
}

#[actix_web::test]
async fn a_wrong_type_is_an_invalid_type_field_error_at_its_path() {
    let app = spawn_app().await;
    let partner = json!({"name": "X Corp", "kind": "bank"});
    refused_at(
        &app,
        ADMIN,
        "/v1/admin/partners",
        partner,
        ("kind", "invalid_type"),
    )
    .await;
    let course = crate::purchase_helpers::course_body(100_000, json!(["sandbox-platform", 7]));
    let want = ("platform_ids[1]", "invalid_type");
    refused_at(&app, LPK, "/v1/courses", course, want).await;
}

#[actix_web::test]
async fn an_unknown_member_is_an_unknown_field_error_naming_it() {
    let app = spawn_app().await;
    let partner = json!({"name": "X Corp", "kind": "lpk", "extra": 1});
    refused_at(
        &app,
        ADMIN,
        "/v1/admin/partners",
        partner,
        ("extra", "unknown_field"),
    )
    .await;
    let validation =
        json!({"card_number": "5200000000000015", "course_code": "CRS-22222222", "cvv": "123"});
    refused_at(
        &app,
        PLATFORM,
        VALIDATIONS,
        validation,
        ("cvv", "unknown_field"),
    )
    .await;
}

#[actix_web::test]
async fn batch_rows_name_nested_members_by_their_path_within_the_row() {
    use crate::post_training_helpers::*;
    let app = spawn_app().await;
    let lpk = app.token(LPK).await;
    let code = prakerja_api::domain::VoucherCode::generate().dashed();
    let mut row = json!({"voucher_code": code, "completed_at": now(), "passed": true, "score": 80});
    let cert = |c: Value| {
        let mut row = row.clone();
        row["certificates"] = json!([
            certificate_body("lpk", "B-1", &now(), &certificate_url("B-1")),
            c
        ]);
        row
    };
    let mut no_number = certificate_body("lpk", "B-2", &now(), &certificate_url("B-2"));
    no_number.as_object_mut().expect("object").remove("number");
    let mut extra = certificate_body("lpk", "B-3", &now(), &certificate_url("B-3"));
    extra["signed_by"] = json!("me");
    let mut kind_typo = certificate_body("lpk", "B-4", &now(), &certificate_url("B-4"));
    kind_typo["kind"] = json!(["lpk"]);
    let items = vec![cert(no_number), cert(extra), cert(kind_typo), {
        row["score"] = json!("high");
        row
    }];
    let res = batch(&app, &lpk, items).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let want = [
        ("certificates[1].number", "required"),
        ("certificates[1].signed_by", "unknown_field"),
        ("certificates[1].kind", "invalid_type"),
        ("score", "invalid_type"),
    ];
    for (i, (field, code)) in want.iter().enumerate() {
        let error = &res.body["results"][i]["error"];
        assert_eq!(error["code"], "validation_failed", "row {i}: {error}");
        expect(error, field, code);
    }
    let res = app
        .post(
            "/v1/completions/batch",
            &lpk,
            &json!({"items": [], "dry_run": true}),
        )
        .await;
    expect(
        res.problem(422, "validation_failed"),
        "dry_run",
        "unknown_field",
    );
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
