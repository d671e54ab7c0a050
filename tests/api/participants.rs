use chrono::DateTime;
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn registration_issues_a_luhn_card_with_the_full_balance_and_a_30_day_deadline() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let body = participant_body(unique());
    let res = app.post("/v1/admin/participants", &admin, &body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let card = res.body["card_number"].as_str().expect("card");
    assert!(
        prakerja_api::domain::CardNumber::parse(card).is_ok(),
        "{card} must pass Luhn"
    );
    assert_eq!(res.body["balance"], 1_000_000);
    assert_eq!(res.body["status"], "active");
    assert_eq!(
        res.body["phone"],
        format!("+62{}", &body["phone"].as_str().unwrap_or("")[1..])
    );
    let passed = DateTime::parse_from_rfc3339(res.body["passed_at"].as_str().unwrap_or(""))
        .expect("passed_at");
    let deadline =
        DateTime::parse_from_rfc3339(res.body["purchase_deadline"].as_str().unwrap_or(""))
            .expect("deadline");
    assert_eq!((deadline - passed).num_days(), 30);
    assert_eq!(res.body["nik_masked"], "3273************");
    assert!(res.body.get("nik").is_none());
}

#[actix_web::test]
async fn a_holder_under_18_is_ineligible() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let mut body = participant_body(unique());
    let birth = chrono::Utc::now() - chrono::Duration::days(17 * 365);
    body["nik"] = json!(format!("327301{}0001", birth.format("%d%m%y")));
    app.post("/v1/admin/participants", &admin, &body)
        .await
        .problem(422, "ineligible_age");
}

#[actix_web::test]
async fn one_card_per_nik() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let body = participant_body(unique());
    assert_eq!(
        app.post("/v1/admin/participants", &admin, &body)
            .await
            .status,
        201
    );
    let mut again = body.clone();
    again["kk_number"] = json!("3273019999999999");
    app.post("/v1/admin/participants", &admin, &again)
        .await
        .problem(409, "already_registered");
}

#[actix_web::test]
async fn a_third_holder_on_one_family_card_is_refused() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let kk = "3273011111111111";
    for i in 0..3 {
        let mut body = participant_body(unique());
        body["kk_number"] = json!(kk);
        let res = app.post("/v1/admin/participants", &admin, &body).await;
        if i < 2 {
            assert_eq!(res.status, 201, "{}", res.body);
        } else {
            res.problem(409, "family_quota_reached");
        }
    }
}

#[actix_web::test]
async fn racing_registrations_on_one_family_card_admit_exactly_two() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let requests = (0..6).map(|_| {
        let mut body = participant_body(unique());
        body["kk_number"] = json!("3273012222222222");
        let (app, admin) = (&app, &admin);
        async move {
            app.post("/v1/admin/participants", admin, &body)
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        4,
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn freeze_unfreeze_revoke_follow_the_rules_and_need_a_reason() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let res = app
        .post(
            "/v1/admin/participants",
            &admin,
            &participant_body(unique()),
        )
        .await;
    let card = res.body["card_number"].as_str().expect("card").to_string();
    let path = |action: &str| format!("/v1/admin/participants/{card}/{action}");
    app.post(&path("freeze"), &admin, &json!({}))
        .await
        .problem(422, "validation_failed");
    // Padding is not a reason: the length is counted after trimming.
    let blank = app
        .post(&path("freeze"), &admin, &json!({"reason": "     "}))
        .await;
    blank.problem(422, "validation_failed");
    assert_eq!(blank.body["errors"][0]["field"], "reason");
    let res = app
        .post(
            &path("freeze"),
            &admin,
            &json!({"reason": "laporan kecurangan"}),
        )
        .await;
    assert_eq!(
        (res.status, res.body["status"].as_str()),
        (200, Some("frozen")),
        "{}",
        res.body
    );
    assert_eq!(res.body["status_reason"], "laporan kecurangan");
    app.post(&path("freeze"), &admin, &json!({"reason": "again"}))
        .await
        .problem(409, "invalid_status_transition");
    let res = app
        .post(&path("unfreeze"), &admin, &json!({"reason": "cleared"}))
        .await;
    assert_eq!(res.body["status"], "active");
    let res = app
        .post(
            &path("revoke"),
            &admin,
            &json!({"reason": "terbukti curang"}),
        )
        .await;
    assert_eq!(res.body["status"], "revoked");
    app.post(&path("unfreeze"), &admin, &json!({"reason": "undo?"}))
        .await
        .problem(409, "invalid_status_transition");
}

#[actix_web::test]
async fn an_unknown_card_is_card_not_found() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let card = prakerja_api::domain::CardNumber::complete("999999999999999");
    app.get(&format!("/v1/admin/participants/{}", card.as_str()), &admin)
        .await
        .problem(404, "card_not_found");
}

#[actix_web::test]
async fn reading_a_holder_masks_nik_and_kk_and_revealing_them_is_audited() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let body = participant_body(unique());
    let card = app.post("/v1/admin/participants", &admin, &body).await.body["card_number"]
        .as_str()
        .expect("card")
        .to_string();
    let res = app
        .get(&format!("/v1/admin/participants/{card}"), &admin)
        .await;
    assert_eq!(res.body["kk_number_masked"], "3273************");
    let reveal = format!("/v1/admin/participants/{card}/reveal");
    app.post(&reveal, &admin, &json!({}))
        .await
        .problem(422, "validation_failed");
    let res = app
        .post(&reveal, &admin, &json!({"reason": "verifikasi aduan #77"}))
        .await;
    assert_eq!(res.body["nik"], body["nik"]);
    assert_eq!(res.body["kk_number"], body["kk_number"]);
    let audit = app.get("/v1/admin/audit-events?limit=1", &admin).await;
    assert_eq!(
        audit.body["data"][0]["action"],
        "participant.reveal_identity"
    );
    assert_eq!(
        audit.body["data"][0]["details"]["reason"],
        "verifikasi aduan #77"
    );
    let partner = app.token(PLATFORM).await;
    app.post(&reveal, &partner, &json!({"reason": "curious"}))
        .await
        .problem(403, "forbidden");
}

#[actix_web::test]
async fn json_import_reports_each_row_and_one_bad_row_sinks_nothing() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let good = participant_body(unique());
    let mut bad = participant_body(unique());
    bad["nik"] = json!("bad");
    let dup = good.clone();
    let rows = json!([good, bad, dup, {"nope": true}, participant_body(unique())]);
    let res = app
        .post("/v1/admin/participants/import", &admin, &rows)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let outcomes: Vec<&str> = res.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["outcome"].as_str())
        .collect();
    assert_eq!(
        outcomes,
        vec!["created", "rejected", "rejected", "rejected", "created"]
    );
    assert_eq!(
        res.body["results"][2]["error"]["code"],
        "already_registered"
    );
    assert_eq!(res.body["results"][1]["error"]["code"], "validation_failed");
    assert_eq!(
        (res.body["created"].as_u64(), res.body["rejected"].as_u64()),
        (Some(2), Some(3))
    );
}

#[actix_web::test]
async fn an_import_decides_each_row_as_registrations_one_after_another_would() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let earlier = participant_body(unique());
    let registered = app.post("/v1/admin/participants", &admin, &earlier).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let family = participant_body(unique())["kk_number"].clone();
    let in_family = |kk: &serde_json::Value| {
        let mut b = participant_body(unique());
        b["kk_number"] = kk.clone();
        b
    };
    let (first, second, third) = (in_family(&family), in_family(&family), in_family(&family));
    let mut third_again = participant_body(unique());
    third_again["nik"] = third["nik"].clone();
    let mut child = participant_body(unique());
    child["nik"] = json!("3273011508150001");
    let rows = json!([first, earlier, second, third, third_again, child]);
    let res = app
        .post("/v1/admin/participants/import", &admin, &rows)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let results = res.body["results"].as_array().expect("results");
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap_or("created"))
        .collect();
    assert_eq!(
        codes,
        [
            "created",
            "already_registered",
            "created",
            "family_quota_reached",
            "created", // the NIK refused for its family card was still free
            "ineligible_age",
        ]
    );
    // What a batch stores reads back as one registration's would (sealed under the row's id).
    let card = results[4]["card_number"].as_str().expect("a card");
    let shown = app
        .get(&format!("/v1/admin/participants/{card}"), &admin)
        .await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["status"], "active");
    assert_eq!(shown.body["balance"], 1_000_000);
    assert_eq!(
        shown.body["nik_masked"].as_str().map(|n| &n[..4]),
        third["nik"].as_str().map(|n| &n[..4])
    );
    let audited = app.get("/v1/admin/audit-events?limit=3", &admin).await;
    let actions: Vec<&str> = audited.body["data"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["participant.register"; 3], "one event per holder");
}

#[actix_web::test]
async fn csv_import_registers_rows() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let row = |n: u32| {
        let b = participant_body(n);
        format!(
            "{},{},{},{},,{},{}\n",
            b["nik"].as_str().unwrap_or(""),
            b["kk_number"].as_str().unwrap_or(""),
            "Siti Aminah",
            b["phone"].as_str().unwrap_or(""),
            7,
            b["passed_at"].as_str().unwrap_or("")
        )
    };
    let csv = format!(
        "nik,kk_number,full_name,phone,email,wave,passed_at\n{}{}",
        row(unique()),
        row(unique())
    );
    let res = app
        .send(
            app.client
                .post(app.url("/v1/admin/participants/import"))
                .bearer_auth(&admin)
                .header("content-type", "text/csv")
                .body(csv),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["created"], 2, "{}", res.body);
}
