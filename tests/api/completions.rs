//! The LPK closes a training: completion, certificates, the bulk endpoint, their events, and the
//! "finished" rule that gates the holder's next purchase.

use chrono::{Duration, Utc};
use prakerja_api::domain::VoucherCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;

fn wib() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7")
}

// ---- Completion ----

#[actix_web::test]
async fn a_passed_completion_makes_the_voucher_completed_and_a_failed_one_not_completed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, passed) = redeemed_voucher(&app, &t).await;
    let (_, failed) = redeemed_voucher(&app, &t).await;
    let at = Utc::now();

    let res = complete_with(
        &app,
        &t.lpk,
        &passed,
        &completion_body(&rfc3339(at), true, 87),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let v = &res.body;
    assert_eq!(v["code"], passed.as_str());
    assert_eq!(v["status"], "completed");
    assert_eq!(v["score"], 87);
    assert_eq!(v["certificates"], json!([]));
    assert!(v["review"].is_null(), "{v}");
    let completed_at = time_of(v, "completed_at");
    assert_eq!(
        completed_at.offset().local_minus_utc(),
        7 * 3600,
        "WIB: {v}"
    );
    assert_eq!(
        completed_at.timestamp_micros(),
        at.timestamp_micros(),
        "{v}"
    );
    assert!(
        v.get("external_order_id").is_none(),
        "the LPK's view has no order id: {v}"
    );

    let res = complete(&app, &t.lpk, &failed, false, 35).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["status"], "not_completed");
    assert_eq!(res.body["score"], 35);
    time_of(&res.body, "completed_at");

    for token in [&t.platform, &t.lpk, &t.admin] {
        let v = voucher(&app, token, &passed).await;
        assert_eq!(v["status"], "completed", "{v}");
        assert_eq!(v["score"], 87, "{v}");
        let v = voucher(&app, token, &failed).await;
        assert_eq!(v["status"], "not_completed", "{v}");
        assert_eq!(v["score"], 35, "{v}");
    }
}

#[actix_web::test]
async fn a_voucher_not_yet_completed_shows_null_score_no_certificates_and_no_review() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    for token in [&t.platform, &t.lpk, &t.admin] {
        let v = voucher(&app, token, &code).await;
        assert!(v["score"].is_null(), "{v}");
        assert_eq!(v["certificates"], json!([]), "{v}");
        assert!(v["review"].is_null(), "{v}");
    }
}

#[actix_web::test]
async fn repeating_a_completion_with_the_same_values_answers_the_same_view_and_adds_no_event() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    let at = Utc::now();
    let first = complete_with(
        &app,
        &t.lpk,
        &code,
        &completion_body(&rfc3339(at), true, 90),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let platform_events = events_about(&app, &t.platform, &code).await.len();
    let lpk_events = events_about(&app, &t.lpk, &code).await.len();

    // The same instant, written in WIB and without dashes in the code.
    let same_instant = at
        .with_timezone(&wib())
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
    for (form, completed_at) in [
        (code.clone(), rfc3339(at)),
        (code.replace('-', ""), same_instant),
    ] {
        let again = complete_with(
            &app,
            &t.lpk,
            &form,
            &completion_body(&completed_at, true, 90),
        )
        .await;
        assert_eq!(again.status, 200, "{form}: {}", again.body);
        assert_eq!(again.body, first.body, "the same view");
    }
    assert_eq!(
        events_about(&app, &t.platform, &code).await.len(),
        platform_events
    );
    assert_eq!(events_about(&app, &t.lpk, &code).await.len(), lpk_events);
    assert_eq!(
        count_events(&app, &t.lpk, &code, "voucher.completed").await,
        1
    );
}

#[actix_web::test]
async fn a_completed_voucher_cannot_be_completed_again_with_other_values() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    let at = Utc::now();
    let first = complete_with(
        &app,
        &t.lpk,
        &code,
        &completion_body(&rfc3339(at), true, 90),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let later = rfc3339(at + Duration::seconds(1));
    for body in [
        completion_body(&rfc3339(at), true, 91),
        completion_body(&rfc3339(at), false, 90),
        completion_body(&later, true, 90),
    ] {
        complete_with(&app, &t.lpk, &code, &body)
            .await
            .problem(409, "voucher_already_completed");
    }
    let v = voucher(&app, &t.lpk, &code).await;
    assert_eq!(v, first.body, "unchanged");
    assert_eq!(
        count_events(&app, &t.lpk, &code, "voucher.completed").await,
        1
    );
}

#[actix_web::test]
async fn a_not_completed_voucher_cannot_be_completed_again_with_other_values() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    let at = rfc3339(Utc::now());
    let first = complete_with(&app, &t.lpk, &code, &completion_body(&at, false, 40)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    complete_with(&app, &t.lpk, &code, &completion_body(&at, true, 40))
        .await
        .problem(409, "voucher_already_completed");
    complete_with(&app, &t.lpk, &code, &completion_body(&at, false, 41))
        .await
        .problem(409, "voucher_already_completed");
    let again = complete_with(&app, &t.lpk, &code, &completion_body(&at, false, 40)).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(
        voucher(&app, &t.lpk, &code).await["status"],
        "not_completed"
    );
}

#[actix_web::test]
async fn only_a_redeemed_voucher_that_is_not_voided_can_be_completed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, issued) = issued_voucher(&app, &t).await;
    complete(&app, &t.lpk, &issued, true, 80)
        .await
        .problem(409, "voucher_not_redeemed");
    assert_eq!(voucher(&app, &t.lpk, &issued).await["status"], "issued");

    let (_, voided) = issued_voucher(&app, &t).await;
    assert_eq!(void(&app, &t.admin, &voided).await.status, 200);
    complete(&app, &t.lpk, &voided, true, 80)
        .await
        .problem(409, "voucher_voided");
    let v = voucher(&app, &t.lpk, &voided).await;
    assert_eq!(v["status"], "voided", "{v}");
    assert!(v["score"].is_null() && v["completed_at"].is_null(), "{v}");
}

#[actix_web::test]
async fn completion_values_are_validated_field_by_field_and_refusals_change_nothing() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    let redeemed_at =
        time_of(&voucher(&app, &t.lpk, &code).await, "redeemed_at").with_timezone(&Utc);

    for score in [-1, 101] {
        let res = complete_with(&app, &t.lpk, &code, &completion_body(&now(), true, score)).await;
        assert_field_error(res.problem(422, "validation_failed"), "score", None);
    }
    let future = rfc3339(Utc::now() + Duration::minutes(10));
    let res = complete_with(&app, &t.lpk, &code, &completion_body(&future, true, 80)).await;
    assert_field_error(
        res.problem(422, "validation_failed"),
        "completed_at",
        Some("in_future"),
    );
    let before = rfc3339(redeemed_at - Duration::hours(1));
    let res = complete_with(&app, &t.lpk, &code, &completion_body(&before, true, 80)).await;
    assert_field_error(
        res.problem(422, "validation_failed"),
        "completed_at",
        Some("before_redemption"),
    );
    let mut unknown = completion_body(&now(), true, 80);
    unknown["grade"] = json!("A");
    complete_with(&app, &t.lpk, &code, &unknown)
        .await
        .problem(422, "validation_failed");
    let v = voucher(&app, &t.lpk, &code).await;
    assert_eq!(v["status"], "redeemed", "no refusal changed it: {v}");
    assert!(v["score"].is_null(), "{v}");

    // Scores 0 and 100 are in range; a minute ahead is within the five minutes allowed.
    let res = complete(&app, &t.lpk, &code, false, 0).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let (_, other) = redeemed_voucher(&app, &t).await;
    let ahead = rfc3339(Utc::now() + Duration::minutes(1));
    let res = complete_with(&app, &t.lpk, &other, &completion_body(&ahead, true, 100)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["score"], 100);
}

#[actix_web::test]
async fn completion_of_a_malformed_unknown_or_foreign_code_is_refused_and_platforms_are_forbidden()
{
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    complete(&app, &t.lpk, "NOT-A-VOUCHER", true, 80)
        .await
        .problem(422, "invalid_voucher_code");
    let unknown = VoucherCode::generate().dashed();
    complete(&app, &t.lpk, &unknown, true, 80)
        .await
        .problem(404, "not_found");
    let stranger = other_lpk(&app, &t.admin).await;
    complete(&app, &stranger, &code, true, 80)
        .await
        .problem(404, "not_found");
    complete(&app, &t.platform, &code, true, 80)
        .await
        .problem(403, "forbidden");
    assert_eq!(voucher(&app, &t.lpk, &code).await["status"], "redeemed");
}

#[actix_web::test]
async fn completion_events_reach_the_selling_platform_and_the_lpk() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, passed) = redeemed_voucher(&app, &t).await;
    let (_, failed) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &passed, 88).await;
    assert_eq!(complete(&app, &t.lpk, &failed, false, 20).await.status, 200);

    for token in [&t.platform, &t.lpk] {
        let events = events_about(&app, token, &passed).await;
        let e = events
            .iter()
            .find(|e| e["type"] == "voucher.completed")
            .unwrap_or_else(|| panic!("no voucher.completed: {events:?}"));
        assert!(e["id"].is_string(), "{e}");
        time_of(e, "created_at");
        assert_eq!(e["data"]["status"], "completed", "{e}");
        assert_eq!(e["data"]["score"], 88, "{e}");
        assert!(
            !events.iter().any(|e| e["type"] == "voucher.not_completed"),
            "{events:?}"
        );

        let events = events_about(&app, token, &failed).await;
        let e = events
            .iter()
            .find(|e| e["type"] == "voucher.not_completed")
            .unwrap_or_else(|| panic!("no voucher.not_completed: {events:?}"));
        assert_eq!(e["data"]["status"], "not_completed", "{e}");
        assert_eq!(e["data"]["score"], 20, "{e}");
        assert!(
            !events.iter().any(|e| e["type"] == "voucher.completed"),
            "{events:?}"
        );
    }
    // Newest first: the completion comes before the redemption and the issue.
    let feed = events_about(&app, &t.platform, &passed).await;
    assert_eq!(feed[0]["type"], "voucher.completed", "{feed:?}");
}

// ---- Certificates ----

#[actix_web::test]
async fn certificates_on_a_completed_voucher_are_201_and_listed_lpk_first() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 80).await;

    let issued_at = Utc::now();
    let national = certificate_body(
        "national",
        "BNSP-0001",
        &rfc3339(issued_at),
        "https://bnsp.example.id/c/0001",
    );
    let res = certify_with(&app, &t.lpk, &code, &national).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["code"], code.as_str());
    let certs = res.body["certificates"].as_array().expect("certificates");
    assert_eq!(certs.len(), 1, "{}", res.body);
    assert_eq!(certs[0]["kind"], "national");
    assert_eq!(certs[0]["number"], "BNSP-0001");
    assert_eq!(certs[0]["url"], "https://bnsp.example.id/c/0001");
    assert_eq!(
        time_of(&certs[0], "issued_at").timestamp_micros(),
        issued_at.timestamp_micros()
    );

    let res = certify(&app, &t.lpk, &code, "lpk", "LPK-0001").await;
    assert_eq!(res.status, 201, "{}", res.body);
    for v in [res.body.clone(), voucher(&app, &t.platform, &code).await] {
        let kinds: Vec<&str> = v["certificates"]
            .as_array()
            .expect("certificates")
            .iter()
            .filter_map(|c| c["kind"].as_str())
            .collect();
        assert_eq!(kinds, vec!["lpk", "national"], "{v}");
        assert_eq!(v["certificates"][0]["number"], "LPK-0001", "{v}");
        assert_eq!(
            v["certificates"][0]["url"],
            certificate_url("LPK-0001"),
            "{v}"
        );
    }
}

#[actix_web::test]
async fn the_very_same_certificate_again_is_200_with_the_same_view_and_no_new_event() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 80).await;
    let body = certificate_body("lpk", "LPK-7", &now(), &certificate_url("LPK-7"));
    let first = certify_with(&app, &t.lpk, &code, &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let platform_events = events_about(&app, &t.platform, &code).await.len();
    let lpk_events = events_about(&app, &t.lpk, &code).await.len();

    let again = certify_with(&app, &t.lpk, &code.replace('-', ""), &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(
        events_about(&app, &t.platform, &code).await.len(),
        platform_events
    );
    assert_eq!(events_about(&app, &t.lpk, &code).await.len(), lpk_events);
    assert_eq!(
        count_events(&app, &t.lpk, &code, "certificate.issued").await,
        1
    );
}

#[actix_web::test]
async fn a_certificate_needs_a_completed_voucher() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, issued) = issued_voucher(&app, &t).await;
    let (_, redeemed) = redeemed_voucher(&app, &t).await;
    let (_, failed) = redeemed_voucher(&app, &t).await;
    assert_eq!(complete(&app, &t.lpk, &failed, false, 10).await.status, 200);
    let (_, voided) = issued_voucher(&app, &t).await;
    assert_eq!(void(&app, &t.admin, &voided).await.status, 200);
    for (n, code) in [issued, redeemed, failed, voided].iter().enumerate() {
        certify(&app, &t.lpk, code, "lpk", &format!("LPK-{n}"))
            .await
            .problem(409, "voucher_not_completed");
        assert_eq!(
            voucher(&app, &t.lpk, code).await["certificates"],
            json!([]),
            "{code}"
        );
    }
}

#[actix_web::test]
async fn a_second_certificate_of_a_kind_with_other_values_is_certificate_already_issued() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 80).await;
    let at = now();
    let first = certify_with(
        &app,
        &t.lpk,
        &code,
        &certificate_body("lpk", "LPK-1", &at, &certificate_url("LPK-1")),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    for other in [
        certificate_body("lpk", "LPK-2", &at, &certificate_url("LPK-2")),
        certificate_body("lpk", "LPK-1", &at, "https://lpk.example.id/lain"),
        certificate_body(
            "lpk",
            "LPK-1",
            &rfc3339(Utc::now() - Duration::days(1)),
            &certificate_url("LPK-1"),
        ),
    ] {
        certify_with(&app, &t.lpk, &code, &other)
            .await
            .problem(409, "certificate_already_issued");
    }
    assert_eq!(voucher(&app, &t.lpk, &code).await, first.body);
}

#[actix_web::test]
async fn a_certificate_number_is_unique_per_lpk_across_vouchers_and_kinds() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, first) = redeemed_voucher(&app, &t).await;
    let (_, second) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &first, 80).await;
    completed(&app, &t.lpk, &second, 80).await;
    assert_eq!(
        certify(&app, &t.lpk, &first, "lpk", "NO-42").await.status,
        201
    );

    certify(&app, &t.lpk, &second, "lpk", "NO-42")
        .await
        .problem(409, "certificate_number_taken");
    certify(&app, &t.lpk, &second, "national", "NO-42")
        .await
        .problem(409, "certificate_number_taken");
    certify(&app, &t.lpk, &first, "national", "NO-42")
        .await
        .problem(409, "certificate_number_taken");
    assert_eq!(
        voucher(&app, &t.lpk, &second).await["certificates"],
        json!([])
    );

    // Another LPK has numbers of its own.
    let stranger = other_lpk(&app, &t.admin).await;
    let course = course_of(&app, &t, &stranger, 150_000).await;
    let holder = register(&app, &t.admin).await;
    let theirs = redeemed_on(&app, &t, &stranger, &holder, &course).await;
    completed(&app, &stranger, &theirs, 70).await;
    let res = certify(&app, &stranger, &theirs, "lpk", "NO-42").await;
    assert_eq!(res.status, 201, "{}", res.body);
}

/// A certificate refused with 422 `validation_failed`, with an error for `field` when given.
async fn refused(
    app: &TestApp,
    lpk: &str,
    code: &str,
    body: Value,
    field: Option<(&str, Option<&str>)>,
) {
    let res = certify_with(app, lpk, code, &body).await;
    let problem = res.problem(422, "validation_failed");
    if let Some((field, c)) = field {
        assert_field_error(problem, field, c);
    }
}

#[actix_web::test]
async fn certificate_fields_are_validated_and_only_https_urls_are_accepted() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 80).await;
    refused(
        &app,
        &t.lpk,
        &code,
        certificate_body("lpk", "C-1", &now(), "http://lpk.example.id/c/1"),
        Some(("url", Some("not_https"))),
    )
    .await;
    refused(
        &app,
        &t.lpk,
        &code,
        certificate_body(
            "lpk",
            "C-1",
            &rfc3339(Utc::now() + Duration::minutes(10)),
            &certificate_url("C-1"),
        ),
        Some(("issued_at", Some("in_future"))),
    )
    .await;
    refused(
        &app,
        &t.lpk,
        &code,
        certificate_body("lpk", "", &now(), &certificate_url("x")),
        Some(("number", None)),
    )
    .await;
    let long = "N".repeat(101);
    refused(
        &app,
        &t.lpk,
        &code,
        certificate_body("lpk", &long, &now(), &certificate_url("x")),
        Some(("number", None)),
    )
    .await;
    refused(
        &app,
        &t.lpk,
        &code,
        certificate_body("provincial", "C-1", &now(), &certificate_url("C-1")),
        None,
    )
    .await;
    assert_eq!(
        voucher(&app, &t.lpk, &code).await["certificates"],
        json!([])
    );

    let longest = "N".repeat(100);
    let res = certify(&app, &t.lpk, &code, "lpk", &longest).await;
    assert_eq!(res.status, 201, "a 100-character number: {}", res.body);
    assert_eq!(res.body["certificates"][0]["number"], longest.as_str());
}

#[actix_web::test]
async fn certificates_are_only_for_the_lpks_own_vouchers() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 80).await;
    let stranger = other_lpk(&app, &t.admin).await;
    certify(&app, &stranger, &code, "lpk", "X-1")
        .await
        .problem(404, "not_found");
    certify(
        &app,
        &t.lpk,
        &VoucherCode::generate().dashed(),
        "lpk",
        "X-1",
    )
    .await
    .problem(404, "not_found");
    certify(&app, &t.lpk, "NOT-A-VOUCHER", "lpk", "X-1")
        .await
        .problem(422, "invalid_voucher_code");
    assert_eq!(
        voucher(&app, &t.lpk, &code).await["certificates"],
        json!([])
    );
}

#[actix_web::test]
async fn certificate_issued_events_reach_the_platform_and_the_lpk_with_the_voucher_view() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 80).await;
    assert_eq!(
        certify(&app, &t.lpk, &code, "lpk", "EV-1").await.status,
        201
    );
    for token in [&t.platform, &t.lpk] {
        let events = events_about(&app, token, &code).await;
        let e = events
            .iter()
            .find(|e| e["type"] == "certificate.issued")
            .unwrap_or_else(|| panic!("no certificate.issued: {events:?}"));
        assert_eq!(e["data"]["code"], code.as_str(), "{e}");
        assert_eq!(e["data"]["status"], "completed", "{e}");
        assert_eq!(e["data"]["certificates"][0]["number"], "EV-1", "{e}");
        assert_eq!(e["data"]["certificates"][0]["kind"], "lpk", "{e}");
        assert_eq!(events[0]["type"], "certificate.issued", "newest first");
    }
}

// ---- Bulk ----

fn row(code: &str, passed: bool, score: i64) -> Value {
    json!({"voucher_code": code, "completed_at": now(), "passed": passed, "score": score})
}

fn outcome(results: &Value, i: usize) -> (&str, &str) {
    let r = &results[i];
    (
        r["outcome"].as_str().unwrap_or("?"),
        r["error"]["code"].as_str().unwrap_or(""),
    )
}

#[actix_web::test]
async fn a_batch_applies_good_rows_rejects_bad_ones_alone_and_answers_in_request_order() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, good) = redeemed_voucher(&app, &t).await;
    let (_, failed) = redeemed_voucher(&app, &t).await;
    let (_, issued) = issued_voucher(&app, &t).await;
    let (_, voided) = issued_voucher(&app, &t).await;
    assert_eq!(void(&app, &t.admin, &voided).await.status, 200);
    let (_, too_high) = redeemed_voucher(&app, &t).await;
    let (_, wrong_type) = redeemed_voucher(&app, &t).await;
    let (_, missing_field) = redeemed_voucher(&app, &t).await;
    let stranger = other_lpk(&app, &t.admin).await;
    let foreign_course = course_of(&app, &t, &stranger, 150_000).await;
    let foreign_holder = register(&app, &t.admin).await;
    let foreign = redeemed_on(&app, &t, &stranger, &foreign_holder, &foreign_course).await;
    let unknown = VoucherCode::generate().dashed();

    let mut good_row = row(&good, true, 92);
    good_row["certificates"] = json!([certificate_body(
        "lpk",
        "B-1",
        &now(),
        &certificate_url("B-1")
    )]);
    let failed_form = failed.replace('-', "").to_ascii_lowercase();
    let mut wrong_type_row = row(&wrong_type, true, 80);
    wrong_type_row["passed"] = json!("yes");
    let mut missing_field_row = row(&missing_field, true, 80);
    missing_field_row
        .as_object_mut()
        .expect("object")
        .remove("completed_at");
    let mut no_code_row = row("", true, 80);
    no_code_row
        .as_object_mut()
        .expect("object")
        .remove("voucher_code");
    let items = vec![
        good_row,
        row(&issued, true, 80),
        row(&foreign, true, 80),
        row(&unknown, true, 80),
        row("NOT-A-VOUCHER", true, 80),
        row(&too_high, true, 101),
        wrong_type_row,
        missing_field_row,
        no_code_row,
        row(&failed_form, false, 30),
        row(&voided, true, 80),
    ];
    let sent: Vec<String> = [
        good.as_str(),
        issued.as_str(),
        foreign.as_str(),
        unknown.as_str(),
        "NOT-A-VOUCHER",
        too_high.as_str(),
        wrong_type.as_str(),
        missing_field.as_str(),
        "",
        failed_form.as_str(),
        voided.as_str(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let expected = [
        ("accepted", ""),
        ("rejected", "voucher_not_redeemed"),
        ("rejected", "not_found"),
        ("rejected", "not_found"),
        ("rejected", "invalid_voucher_code"),
        ("rejected", "validation_failed"),
        ("rejected", "validation_failed"),
        ("rejected", "validation_failed"),
        ("rejected", "validation_failed"),
        ("accepted", ""),
        ("rejected", "voucher_voided"),
    ];

    let res = batch(&app, &t.lpk, items).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let results = &res.body["results"];
    assert_eq!(
        results.as_array().map(Vec::len),
        Some(expected.len()),
        "{}",
        res.body
    );
    for (i, (want, code)) in expected.iter().enumerate() {
        assert_eq!(
            results[i]["voucher_code"],
            sent[i].as_str(),
            "row {i}: {}",
            results[i]
        );
        assert_eq!(
            outcome(results, i),
            (*want, *code),
            "row {i}: {}",
            results[i]
        );
        if *want == "accepted" {
            assert!(results[i]["error"].is_null(), "row {i}: {}", results[i]);
        } else {
            assert!(
                results[i]["error"]["detail"].is_string(),
                "row {i}: {}",
                results[i]
            );
        }
    }

    let v = voucher(&app, &t.lpk, &good).await;
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["score"], 92, "{v}");
    assert_eq!(v["certificates"][0]["number"], "B-1", "{v}");
    let v = voucher(&app, &t.lpk, &failed).await;
    assert_eq!(v["status"], "not_completed", "{v}");
    for code in [&too_high, &wrong_type, &missing_field] {
        let v = voucher(&app, &t.lpk, code).await;
        assert_eq!(v["status"], "redeemed", "{v}");
        assert!(v["score"].is_null(), "{v}");
    }
    assert_eq!(voucher(&app, &t.lpk, &issued).await["status"], "issued");
    assert_eq!(voucher(&app, &t.lpk, &voided).await["status"], "voided");
    assert_eq!(
        voucher(&app, &stranger, &foreign).await["status"],
        "redeemed"
    );
    assert_eq!(
        count_events(&app, &t.platform, &good, "voucher.completed").await,
        1
    );
    assert_eq!(
        count_events(&app, &t.platform, &good, "certificate.issued").await,
        1
    );
    assert_eq!(
        count_events(&app, &t.platform, &failed, "voucher.not_completed").await,
        1
    );
}

#[actix_web::test]
async fn a_batch_row_is_all_or_nothing_with_its_certificates() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, taken_by) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &taken_by, 80).await;
    assert_eq!(
        certify(&app, &t.lpk, &taken_by, "lpk", "T-1").await.status,
        201
    );
    let (_, bad_url) = redeemed_voucher(&app, &t).await;
    let (_, taken) = redeemed_voucher(&app, &t).await;
    let (_, certified) = redeemed_voucher(&app, &t).await;
    let at = now();
    let first = complete_with(&app, &t.lpk, &certified, &completion_body(&at, true, 75)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let issued_at = now();
    let cert = certify_with(
        &app,
        &t.lpk,
        &certified,
        &certificate_body("lpk", "C-9", &issued_at, &certificate_url("C-9")),
    )
    .await;
    assert_eq!(cert.status, 201, "{}", cert.body);
    let (_, scored) = redeemed_voucher(&app, &t).await;
    let scored_at = now();
    let scored_first = complete_with(
        &app,
        &t.lpk,
        &scored,
        &completion_body(&scored_at, true, 80),
    )
    .await;
    assert_eq!(scored_first.status, 200, "{}", scored_first.body);

    let with_cert = |code: &str, cert: Value| {
        let mut r = row(code, true, 90);
        r["certificates"] = json!([cert]);
        r
    };
    let mut same_completion_other_cert = json!({
        "voucher_code": certified, "completed_at": at, "passed": true, "score": 75,
    });
    same_completion_other_cert["certificates"] = json!([certificate_body(
        "lpk",
        "C-10",
        &now(),
        &certificate_url("C-10")
    )]);
    let items = vec![
        with_cert(
            &bad_url,
            certificate_body("lpk", "U-1", &now(), "http://lpk.example.id/u/1"),
        ),
        with_cert(
            &taken,
            certificate_body("lpk", "T-1", &now(), &certificate_url("T-1")),
        ),
        same_completion_other_cert,
        json!({"voucher_code": scored, "completed_at": scored_at, "passed": true, "score": 70}),
    ];
    let res = batch(&app, &t.lpk, items).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let results = &res.body["results"];
    assert_eq!(
        outcome(results, 0),
        ("rejected", "validation_failed"),
        "{}",
        res.body
    );
    assert_eq!(
        outcome(results, 1),
        ("rejected", "certificate_number_taken"),
        "{}",
        res.body
    );
    assert_eq!(
        outcome(results, 2),
        ("rejected", "certificate_already_issued"),
        "{}",
        res.body
    );
    assert_eq!(
        outcome(results, 3),
        ("rejected", "voucher_already_completed"),
        "{}",
        res.body
    );

    // The completions of the rejected rows were not applied either.
    for code in [&bad_url, &taken] {
        let v = voucher(&app, &t.lpk, code).await;
        assert_eq!(v["status"], "redeemed", "{v}");
        assert!(v["score"].is_null(), "{v}");
        assert_eq!(v["certificates"], json!([]), "{v}");
    }
    assert_eq!(voucher(&app, &t.lpk, &certified).await, cert.body);
    assert_eq!(voucher(&app, &t.lpk, &scored).await, scored_first.body);
}

#[actix_web::test]
async fn repeated_batch_rows_are_accepted_and_change_nothing_a_second_time() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    let mut item = row(&code, true, 77);
    item["certificates"] = json!([certificate_body(
        "lpk",
        "R-1",
        &now(),
        &certificate_url("R-1")
    )]);

    let res = batch(&app, &t.lpk, vec![item.clone(), item.clone()]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    for i in 0..2 {
        assert_eq!(
            outcome(&res.body["results"], i),
            ("accepted", ""),
            "{}",
            res.body
        );
    }
    let stored = voucher(&app, &t.lpk, &code).await;
    assert_eq!(stored["status"], "completed", "{stored}");
    let platform_events = events_about(&app, &t.platform, &code).await.len();
    let lpk_events = events_about(&app, &t.lpk, &code).await.len();
    for token in [&t.platform, &t.lpk] {
        assert_eq!(
            count_events(&app, token, &code, "voucher.completed").await,
            1
        );
        assert_eq!(
            count_events(&app, token, &code, "certificate.issued").await,
            1
        );
    }

    let res = batch(&app, &t.lpk, vec![item]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        outcome(&res.body["results"], 0),
        ("accepted", ""),
        "{}",
        res.body
    );
    assert_eq!(voucher(&app, &t.lpk, &code).await, stored);
    assert_eq!(
        events_about(&app, &t.platform, &code).await.len(),
        platform_events
    );
    assert_eq!(events_about(&app, &t.lpk, &code).await.len(), lpk_events);
}

#[actix_web::test]
async fn a_batch_of_more_than_1000_items_is_batch_too_large_and_applies_nothing() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code) = redeemed_voucher(&app, &t).await;
    let mut items = vec![row(&code, true, 80)];
    items.extend((0..1000).map(|_| row(&VoucherCode::generate().dashed(), true, 80)));
    assert_eq!(items.len(), 1001);
    batch(&app, &t.lpk, items.clone())
        .await
        .problem(422, "batch_too_large");
    let v = voucher(&app, &t.lpk, &code).await;
    assert_eq!(v["status"], "redeemed", "nothing applied: {v}");
    assert_eq!(
        count_events(&app, &t.lpk, &code, "voucher.completed").await,
        0
    );

    // 1,000 items are allowed.
    items.truncate(1000);
    let res = batch(&app, &t.lpk, items).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let results = res.body["results"].as_array().expect("results");
    assert_eq!(results.len(), 1000);
    assert_eq!(outcome(&res.body["results"], 0), ("accepted", ""));
    assert!(
        results[1..]
            .iter()
            .all(|r| r["outcome"] == "rejected" && r["error"]["code"] == "not_found"),
        "unknown codes are not_found"
    );
    assert_eq!(voucher(&app, &t.lpk, &code).await["status"], "completed");
}

#[actix_web::test]
async fn an_empty_batch_is_validation_failed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    batch(&app, &t.lpk, vec![])
        .await
        .problem(422, "validation_failed");
}

// ---- The "finished" rule ----

/// Starting a validation for `next` is `training_in_progress` missing exactly `expected`, and no
/// OTP is sent.
async fn blocked(app: &TestApp, platform: &str, holder: &Holder, next: &Course, expected: &[&str]) {
    let before = sms_count(app, platform, &holder.phone).await;
    let res = start(app, platform, &holder.card, next).await;
    assert_missing(
        &res.problem(409, "training_in_progress")["missing"],
        expected,
    );
    assert_eq!(
        sms_count(app, platform, &holder.phone).await,
        before,
        "no OTP"
    );
}

#[actix_web::test]
async fn the_next_purchase_is_training_in_progress_until_completion_lpk_certificate_and_review() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let first = approved_course(&app, &t, 200_000, None).await;
    let next = approved_course(&app, &t, 200_000, None).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &first).await);

    let all = &["completion", "lpk_certificate", "rating", "review"];
    blocked(&app, &t.platform, &holder, &next, all).await;
    assert_eq!(redeem(&app, &t.lpk, &code, &holder.card).await.status, 200);
    blocked(&app, &t.platform, &holder, &next, all).await;
    completed(&app, &t.lpk, &code, 80).await;
    blocked(
        &app,
        &t.platform,
        &holder,
        &next,
        &["lpk_certificate", "rating", "review"],
    )
    .await;
    // The national certificate is not what is missing.
    assert_eq!(
        certify(&app, &t.lpk, &code, "national", "NAT-1")
            .await
            .status,
        201
    );
    blocked(
        &app,
        &t.platform,
        &holder,
        &next,
        &["lpk_certificate", "rating", "review"],
    )
    .await;
    assert_eq!(
        certify(&app, &t.lpk, &code, "lpk", "LPK-1").await.status,
        201
    );
    blocked(&app, &t.platform, &holder, &next, &["rating", "review"]).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    assert_eq!(
        review(&app, &token, &code, 4, REVIEW_TEXT).await.status,
        201
    );

    let res = start(&app, &t.platform, &holder.card, &next).await;
    assert_eq!(res.status, 201, "finished: {}", res.body);
    let voucher = purchase(&app, &t.platform, &holder, &next).await;
    assert_eq!(voucher["status"], "issued");
}

#[actix_web::test]
async fn a_review_before_the_lpk_certificate_leaves_only_the_certificate_missing() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, code) = redeemed_voucher(&app, &t).await;
    let next = approved_course(&app, &t, 200_000, None).await;
    completed(&app, &t.lpk, &code, 80).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    assert_eq!(
        review(&app, &token, &code, 3, REVIEW_TEXT).await.status,
        201
    );
    let res = start(&app, &t.platform, &holder.card, &next).await;
    assert_missing(
        &res.problem(409, "training_in_progress")["missing"],
        &["lpk_certificate"],
    );
    assert_eq!(
        certify(&app, &t.lpk, &code, "lpk", "LPK-2").await.status,
        201
    );
    let res = start(&app, &t.platform, &holder.card, &next).await;
    assert_eq!(res.status, 201, "{}", res.body);
}

#[actix_web::test]
async fn a_finished_training_allows_the_next_purchase() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = finished_training(&app, &t).await;
    let next = approved_course(&app, &t, 200_000, None).await;
    let voucher = purchase(&app, &t.platform, &holder, &next).await;
    assert_eq!(voucher["status"], "issued");
}

#[actix_web::test]
async fn a_not_completed_training_is_finished_and_allows_the_next_purchase() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, code) = redeemed_voucher(&app, &t).await;
    let next = approved_course(&app, &t, 200_000, None).await;
    assert_eq!(complete(&app, &t.lpk, &code, false, 30).await.status, 200);
    let voucher = purchase(&app, &t.platform, &holder, &next).await;
    assert_eq!(voucher["status"], "issued");
}

#[actix_web::test]
async fn a_voided_voucher_does_not_block_the_next_purchase() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = finished_training(&app, &t).await;
    let second = approved_course(&app, &t, 200_000, None).await;
    let voided = code_of(&purchase(&app, &t.platform, &holder, &second).await);
    let third = approved_course(&app, &t, 200_000, None).await;
    start(&app, &t.platform, &holder.card, &third)
        .await
        .problem(409, "training_in_progress");
    assert_eq!(void(&app, &t.admin, &voided).await.status, 200);
    let voucher = purchase(&app, &t.platform, &holder, &third).await;
    assert_eq!(voucher["status"], "issued");
}
