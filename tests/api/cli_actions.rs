//! Program management's actions at the command line (`--json`), each checked through the HTTP API
//! or a later command, and in the audit trail under the operator's name.

use crate::cli::{assert_audited, operator_json, operator_run, refusal};
use crate::disbursement_helpers::*;
use crate::helpers::*;
use crate::purchase_helpers::*;

const WHY: &str = "Laporan kecurangan platform #4411";

async fn token_status(app: &TestApp, id: &str, secret: &str) -> u16 {
    app.token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ])
    .await
    .status
}

#[actix_web::test]
async fn participants_register_show_freeze_unfreeze_revoke_as_the_api_does() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let body = participant_body(unique());
    let s = |k: &str| body[k].as_str().expect(k).to_string();
    let (nik, kk, phone, passed) = (s("nik"), s("kk_number"), s("phone"), s("passed_at"));
    let made = operator_json(
        &app,
        &[
            "participants",
            "register",
            "--nik",
            &nik,
            "--kk-number",
            &kk,
            "--full-name",
            "Budi Santoso",
            "--phone",
            &phone,
            "--wave",
            "7",
            "--passed-at",
            &passed,
        ],
    );
    assert_audited(&app, "participant.register");
    let card = made["card_number"].as_str().expect("a card").to_string();
    let path = format!("/v1/admin/participants/{card}");
    assert_eq!(
        app.get(&path, &admin).await.body["full_name"],
        "Budi Santoso"
    );

    for (verb, status) in [
        ("freeze", "frozen"),
        ("unfreeze", "active"),
        ("revoke", "revoked"),
    ] {
        let view = operator_json(&app, &["participants", verb, &card, "--reason", WHY]);
        assert_eq!(view["status"], status, "{verb}: {view}");
        assert_eq!(
            app.get(&path, &admin).await.body["status"],
            status,
            "{verb} as the API sees it"
        );
        let event = assert_audited(&app, &format!("participant.{verb}"));
        assert_eq!(event["details"]["reason"], WHY);
    }
    let shown = operator_json(&app, &["participants", "show", &card]);
    assert_eq!(shown["status"], "revoked");
    assert_eq!(
        shown["nik_masked"],
        app.get(&path, &admin).await.body["nik_masked"]
    );

    let again = operator_run(&app, &["participants", "freeze", &card, "--reason", WHY]);
    assert_eq!(refusal(&again), (1, "invalid_status_transition".into()));
    let short = operator_run(&app, &["participants", "freeze", &card, "--reason", " x "]);
    assert_eq!(refusal(&short), (1, "validation_failed".into()));
}

#[actix_web::test]
async fn partners_create_list_rotate_secret_disable_and_enable() {
    let app = spawn_app().await;
    let made = operator_json(
        &app,
        &["partners", "create", "--kind", "lpk", "--name", "LPK Maju"],
    );
    let (id, client_id) = (
        made["id"].as_str().expect("id").to_string(),
        made["client_id"].as_str().expect("client_id").to_string(),
    );
    let first = made["client_secret"].as_str().expect("secret").to_string();
    assert!(
        made["signing_key"].is_string(),
        "an LPK gets its signing key: {made}"
    );
    assert_eq!(token_status(&app, &client_id, &first).await, 200);
    assert_eq!(
        assert_audited(&app, "partner.create")["target_id"],
        id.as_str()
    );

    let all = operator_json(&app, &["partners", "list"]);
    let listed = all
        .as_array()
        .expect("a list")
        .iter()
        .find(|p| p["id"] == id.as_str())
        .expect("the new partner is listed")
        .clone();
    assert_eq!(
        (listed["kind"].as_str(), listed["status"].as_str()),
        (Some("lpk"), Some("active"))
    );
    assert!(
        !all.to_string().contains("secret\"") && !all.to_string().contains(&first),
        "no secret in the list"
    );

    let rotated = operator_json(&app, &["partners", "rotate-secret", &id]);
    let second = rotated["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    assert_eq!(
        token_status(&app, &client_id, &first).await,
        401,
        "the old secret is dead"
    );
    assert_eq!(token_status(&app, &client_id, &second).await, 200);
    assert_audited(&app, "partner.rotate_secret");

    let off = operator_json(&app, &["partners", "disable", &id]);
    assert_eq!(off["status"], "disabled");
    assert_ne!(
        token_status(&app, &client_id, &second).await,
        200,
        "disabled"
    );
    assert_eq!(
        assert_audited(&app, "partner.set_status")["details"]["status"],
        "disabled"
    );
    operator_json(&app, &["partners", "enable", &id]);
    assert_eq!(
        token_status(&app, &client_id, &second).await,
        200,
        "enabled again"
    );

    let unknown = operator_run(
        &app,
        &[
            "partners",
            "disable",
            "0190a0a0-0000-7000-8000-000000000000",
        ],
    );
    assert_eq!(refusal(&unknown), (3, "not_found".into()));
}

#[actix_web::test]
async fn courses_pending_approve_and_reject() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let a = course_with(&app, &t, 300_000, serde_json::json!([]), false, None).await;
    let b = course_with(&app, &t, 400_000, serde_json::json!([]), false, None).await;
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|c| c["course_code"].as_str().expect("code").to_string())
            .collect()
    };
    let pending = codes(&operator_json(&app, &["courses", "pending"]));
    assert!(
        pending.contains(&a.code) && pending.contains(&b.code),
        "{pending:?}"
    );

    let approved = operator_json(&app, &["courses", "approve", &a.code]);
    assert_eq!(approved["status"], "approved");
    assert_eq!(
        assert_audited(&app, "course.approve")["target_id"],
        a.code.as_str()
    );
    let rejected = operator_json(
        &app,
        &[
            "courses",
            "reject",
            &b.code,
            "--reason",
            "Silabus belum lengkap",
        ],
    );
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(
        assert_audited(&app, "course.reject")["details"]["reason"],
        "Silabus belum lengkap"
    );

    let seen = app
        .get(&format!("/v1/courses/{}", a.code), &t.platform)
        .await;
    assert_eq!(
        seen.body["status"], "approved",
        "platforms see it: {}",
        seen.body
    );
    let pending = codes(&operator_json(&app, &["courses", "pending"]));
    assert!(
        !pending.contains(&a.code) && !pending.contains(&b.code),
        "{pending:?}"
    );
    let twice = operator_run(&app, &["courses", "approve", &b.code]);
    assert_eq!(
        refusal(&twice).0,
        1,
        "a reviewed course is not reviewed again"
    );
}

#[actix_web::test]
async fn vouchers_show_and_void_returns_the_amount() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, None).await;
    let bought = purchase(&app, &t.platform, &holder, &course).await;
    let code = bought["code"].as_str().expect("code").to_string();
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 250_000
    );

    let shown = operator_json(&app, &["vouchers", "show", &code]);
    assert_eq!(
        (shown["status"].as_str(), shown["amount"].as_i64()),
        (Some("issued"), Some(250_000))
    );
    let voided = operator_json(&app, &["vouchers", "void", &code, "--reason", WHY]);
    assert_eq!(voided["status"], "voided");
    assert_eq!(balance(&app, &t.admin, &holder.card).await, FULL_BALANCE);
    assert_eq!(
        assert_audited(&app, "voucher.void")["target_id"],
        code.replace('-', "").as_str()
    );
    let again = operator_run(&app, &["vouchers", "void", &code, "--reason", WHY]);
    assert_eq!(refusal(&again).0, 1);
}

#[actix_web::test]
async fn disbursements_run_and_show() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    let summary = operator_json(&app, &["disbursements", "run"]);
    assert_summary(&summary, wib_today());
    assert!(count(&summary, "scheduled") >= 4, "{summary}");
    assert_audited(&app, "disbursements.run");

    let first = id_of(&tranche(
        &payments_of(&app, &t.admin, &holder.card).await,
        1,
    ));
    let shown = operator_json(&app, &["disbursements", "show", &first]);
    let api = app
        .get(&format!("/v1/disbursements/{first}"), &t.admin)
        .await;
    assert_eq!(shown, api.body, "the CLI shows what the API serves");
}
