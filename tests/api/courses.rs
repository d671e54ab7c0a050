use serde_json::{Value, json};

use crate::helpers::*;

fn course(platform_ids: Value) -> Value {
    json!({
        "title": "Akuntansi Dasar",
        "description": "Pembukuan untuk usaha kecil.",
        "price": 400000,
        "mode": "hybrid",
        "duration_hours": 10,
        "sessions": 3,
        "platform_ids": platform_ids,
    })
}

fn codes(res: &Response) -> Vec<String> {
    res.body["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["course_code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn a_submitted_course_is_pending_and_only_sellable_after_approval() {
    let app = spawn_app().await;
    let (lpk, platform, admin) = (
        app.token(LPK).await,
        app.token(PLATFORM).await,
        app.token(ADMIN).await,
    );
    let res = app.post("/v1/courses", &lpk, &course(json!([]))).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["status"], "pending_review");
    let code = res.body["course_code"].as_str().expect("code").to_string();
    assert!(code.starts_with("CRS-"));
    assert!(!codes(&app.get("/v1/courses", &platform).await).contains(&code));
    app.get(&format!("/v1/courses/{code}"), &platform)
        .await
        .problem(404, "not_found");
    assert!(codes(&app.get("/v1/courses", &lpk).await).contains(&code));

    let res = app
        .post(
            &format!("/v1/admin/courses/{code}/approve"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(res.body["status"], "approved", "{}", res.body);
    assert!(codes(&app.get("/v1/courses", &platform).await).contains(&code));
    app.post(
        &format!("/v1/admin/courses/{code}/reject"),
        &admin,
        &json!({"reason": "too late"}),
    )
    .await
    .problem(409, "course_already_reviewed");
}

#[actix_web::test]
async fn rejection_needs_a_reason_and_blocks_schedules() {
    let app = spawn_app().await;
    let (lpk, admin) = (app.token(LPK).await, app.token(ADMIN).await);
    let code = app.post("/v1/courses", &lpk, &course(json!([]))).await.body["course_code"]
        .as_str()
        .expect("code")
        .to_string();
    app.post(
        &format!("/v1/admin/courses/{code}/reject"),
        &admin,
        &json!({}),
    )
    .await
    .problem(422, "validation_failed");
    let res = app
        .post(
            &format!("/v1/admin/courses/{code}/reject"),
            &admin,
            &json!({"reason": "materi tidak sesuai"}),
        )
        .await;
    assert_eq!(
        (
            res.body["status"].as_str(),
            res.body["review_reason"].as_str()
        ),
        (Some("rejected"), Some("materi tidak sesuai"))
    );
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    app.post(
        &format!("/v1/courses/{code}/schedules"),
        &lpk,
        &json!({"starts_at": start.to_rfc3339(), "ends_at": (start + chrono::Duration::days(1)).to_rfc3339(), "quota": 10}),
    )
    .await
    .problem(409, "course_rejected");
}

#[actix_web::test]
async fn a_course_listing_platforms_is_hidden_from_the_others() {
    let app = spawn_app().await;
    let (lpk, admin, platform) = (
        app.token(LPK).await,
        app.token(ADMIN).await,
        app.token(PLATFORM).await,
    );
    let (other_id, other_client, other_secret) = app.new_partner(&admin, "platform").await;
    let code = app
        .post("/v1/courses", &lpk, &course(json!([other_id])))
        .await
        .body["course_code"]
        .as_str()
        .expect("code")
        .to_string();
    app.post(
        &format!("/v1/admin/courses/{code}/approve"),
        &admin,
        &json!({}),
    )
    .await;
    let other = app.token((&other_client, &other_secret)).await;
    assert!(codes(&app.get("/v1/courses", &other).await).contains(&code));
    assert!(!codes(&app.get("/v1/courses", &platform).await).contains(&code));
    app.get(&format!("/v1/courses/{code}"), &platform)
        .await
        .problem(404, "not_found");
    let res = app.get(&format!("/v1/courses/{code}"), &other).await;
    assert_eq!(res.body["platform_ids"], json!([other_id]));
}

#[actix_web::test]
async fn platform_ids_must_name_registered_platforms() {
    let app = spawn_app().await;
    let (lpk, admin) = (app.token(LPK).await, app.token(ADMIN).await);
    let (lpk2_id, _, _) = app.new_partner(&admin, "lpk").await;
    app.post("/v1/courses", &lpk, &course(json!(["no-such-platform"])))
        .await
        .problem(422, "unknown_platform");
    app.post("/v1/courses", &lpk, &course(json!([lpk2_id])))
        .await
        .problem(422, "unknown_platform");
}

#[actix_web::test]
async fn course_fields_are_validated() {
    let app = spawn_app().await;
    let lpk = app.token(LPK).await;
    let mut body = course(json!([]));
    body["price"] = json!(1_000_001);
    body["sessions"] = json!(0);
    let res = app.post("/v1/courses", &lpk, &body).await;
    let fields: Vec<&str> = res.problem(422, "validation_failed")["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["price", "sessions"]);
}

#[actix_web::test]
async fn schedules_belong_to_the_owning_lpk_and_must_end_after_they_start() {
    let app = spawn_app().await;
    let (lpk, admin) = (app.token(LPK).await, app.token(ADMIN).await);
    let code = app.post("/v1/courses", &lpk, &course(json!([]))).await.body["course_code"]
        .as_str()
        .expect("code")
        .to_string();
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    let window = |from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>| json!({"starts_at": from.to_rfc3339(), "ends_at": to.to_rfc3339(), "quota": 20});
    let res = app
        .post(
            &format!("/v1/courses/{code}/schedules"),
            &lpk,
            &window(start, start + chrono::Duration::hours(8)),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(
        (res.body["quota"].as_i64(), res.body["seats_left"].as_i64()),
        (Some(20), Some(20))
    );
    let res = app
        .post(
            &format!("/v1/courses/{code}/schedules"),
            &lpk,
            &window(start, start - chrono::Duration::hours(1)),
        )
        .await;
    assert_eq!(
        res.problem(422, "validation_failed")["errors"][0]["code"],
        "ends_before_start"
    );
    let (_, c2, s2) = app.new_partner(&admin, "lpk").await;
    let other_lpk = app.token((&c2, &s2)).await;
    app.post(
        &format!("/v1/courses/{code}/schedules"),
        &other_lpk,
        &window(start, start + chrono::Duration::hours(8)),
    )
    .await
    .problem(404, "not_found");
    assert!(!codes(&app.get("/v1/courses", &other_lpk).await).contains(&code));
    let detail = app.get(&format!("/v1/courses/{code}"), &lpk).await;
    assert_eq!(detail.body["schedules"].as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn course_pages_follow_the_cursor_newest_first_without_repeats() {
    let app = spawn_app().await;
    let lpk = app.token(LPK).await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(
            app.post("/v1/courses", &lpk, &course(json!([]))).await.body["course_code"]
                .as_str()
                .expect("code")
                .to_string(),
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/courses?limit=2&cursor={c}"),
            None => "/v1/courses?limit=2".to_string(),
        };
        let res = app.get(&path, &lpk).await;
        assert!(res.body["data"].as_array().map(Vec::len).unwrap_or(0) <= 2);
        seen.extend(codes(&res));
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    // The LPK sees its 5 new courses and the 3 sandbox courses, each once, newest first.
    assert_eq!(seen.len(), 8, "{seen:?}");
    created.reverse();
    assert_eq!(&seen[..5], &created[..]);
}
