//! The server's own logs, at debug level, through a purchase and through a holder's whole
//! lifecycle: no NIK, KK, phone, full card number, OTP, account number, token or secret appears.

use std::time::Duration;

use serde_json::{Value, json};

use crate::binary::Binary;
use crate::disbursement_helpers::{all_pages, fill_survey, payments_of, run};
use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;
use crate::webhook_helpers::*;

#[actix_web::test]
async fn debug_logs_of_a_full_flow_hold_no_personal_data_or_secrets() {
    let (url, _dir) = empty_database();
    let server = Binary::serve(&url, &[("RUST_LOG", "debug")]);
    let api = &server.http;
    let admin = api.token(ADMIN).await;
    let platform = api.token(PLATFORM).await;
    let created = api
        .post(
            "/v1/admin/partners",
            &admin,
            &json!({"name": "Logged", "kind": "lpk"}),
        )
        .await;
    let new_secret = created.body["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let body = participant_body(unique());
    let holder = api.post("/v1/admin/participants", &admin, &body).await;
    let card_number = holder.body["card_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(card_number.len(), 16, "{}", holder.body);
    api.get(&format!("/v1/admin/participants/{card_number}"), &admin)
        .await;
    let courses = api.get("/v1/courses", &platform).await;
    let course = &courses.body["data"][0];
    let validation = api
        .post(
            "/v1/card-validations",
            &platform,
            &json!({"card_number": card_number, "course_code": course["course_code"], "schedule_code": course["schedules"][0]["schedule_code"]}),
        )
        .await;
    let phone = body["phone"].as_str().unwrap_or_default();
    let sms = api
        .get(&format!("/v1/sandbox/sms?phone={phone}"), &platform)
        .await;
    let otp: String = sms.body["data"][0]["body"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    assert_eq!(otp.len(), 6, "{}", sms.body);
    let id = validation.body["id"].as_str().unwrap_or_default();
    api.post(
        &format!("/v1/card-validations/{id}/verify"),
        &platform,
        &json!({"otp": otp}),
    )
    .await;
    std::thread::sleep(Duration::from_millis(300));
    let lines = server.lines();
    server.kill();

    let phone_e164 = format!("+62{}", &body["phone"].as_str().unwrap_or("")[1..]);
    assert_clean(
        &lines,
        &[
            ("card number", card_number.as_str()),
            ("NIK", body["nik"].as_str().unwrap_or("?")),
            ("KK", body["kk_number"].as_str().unwrap_or("?")),
            ("phone", phone_e164.as_str()),
            ("email", body["email"].as_str().unwrap_or("?")),
            ("OTP", otp.as_str()),
            ("client secret", new_secret.as_str()),
        ],
    );
}

/// The log lines as one text, timestamps left out (they hold six-digit microsecond runs an OTP
/// could equal by chance); asserts it shows the access log and none of `secrets`, each of which
/// counts only as a whole word (an OTP inside a longer run of digits or hex is no leak).
fn assert_clean(lines: &[String], secrets: &[(&str, &str)]) {
    let log = lines
        .iter()
        .map(|l| match serde_json::from_str::<serde_json::Value>(l) {
            Ok(mut v) => {
                if let Some(o) = v.as_object_mut() {
                    o.remove("timestamp");
                }
                v.to_string()
            }
            Err(_) => l.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        log.contains("\"route\""),
        "the access log was captured: {log}"
    );
    for (what, secret) in secrets {
        assert!(!secret.is_empty(), "the {what} is known");
        assert!(!has_word(&log, secret), "the {what} appears in the logs");
    }
}

/// Whether `text` holds `word` with no letter or digit right before or after it.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        ![before, after]
            .iter()
            .any(|c| c.is_some_and(|c| c.is_ascii_alphanumeric()))
    })
}

/// A second instance, the binary, serves every request of a holder's whole lifecycle at debug
/// level (the test's own server only shares its database, and delivers no webhooks).
#[actix_web::test]
async fn debug_logs_of_the_whole_lifecycle_hold_no_personal_data_or_secrets() {
    let mut app = spawn_with(|c| c.webhooks.poll = Duration::from_secs(3600)).await;
    let server = Binary::serve(
        &app.database_url,
        &[("RUST_LOG", "debug"), ("PRAKERJA_WEBHOOK_POLL_MS", "100")],
    );
    app.http = Http::new(server.http.address.clone());
    let t = tokens(&app).await;
    let rx = receiver(Behaviour::Ok);
    let (_, hook_secret) = subscribe(
        &app,
        &t.platform,
        &rx.url,
        &[
            "voucher.issued",
            "voucher.completed",
            "certificate.issued",
            "disbursement.updated",
        ],
    )
    .await;
    let (_, client_id, client_secret) = app.new_partner(&t.admin, "lpk").await;
    app.token((&client_id, &client_secret)).await;
    let person = participant_body(unique());
    let registered = app.post("/v1/admin/participants", &t.admin, &person).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let phone = person["phone"].as_str().expect("phone").to_string();
    let holder = Holder {
        card: registered.body["card_number"]
            .as_str()
            .expect("card")
            .to_string(),
        phone: phone.clone(),
    };
    let course = approved_course(&app, &t, 200_000, None).await;
    let code = redeemed_on(&app, &t, &t.lpk, &holder, &course).await;
    completed(&app, &t.lpk, &code, 85).await;
    let res = certify(&app, &t.lpk, &code, "lpk", "LPK-LOG-1").await;
    assert_eq!(res.status, 201, "{}", res.body);
    let holder_jwt = holder_token(&app, &t.admin, &holder).await;
    assert_eq!(
        review(&app, &holder_jwt, &code, 5, REVIEW_TEXT)
            .await
            .status,
        201
    );
    link_payout_account(
        &app,
        &t.admin,
        &holder_jwt,
        &holder,
        &bank_account("8877665544"),
    )
    .await;
    fill_survey(&app, &holder_jwt, 1).await;
    run(&app, &t.admin, None).await;
    assert!(!payments_of(&app, &t.admin, &holder.card).await.is_empty());
    rx.event("voucher.completed", &code).await;
    let otps: Vec<String> = sms(&app, &t.admin, &phone)
        .await
        .iter()
        .filter_map(|m| otp_in(m["body"].as_str().unwrap_or("")))
        .collect();
    assert!(
        otps.len() >= 3,
        "validation, session and payout OTPs: {otps:?}"
    );
    let audit = Value::from(all_pages(&app, &t.admin, "/v1/admin/audit-events?", 100).await);
    std::thread::sleep(Duration::from_millis(300));
    let lines = server.lines();
    server.kill();
    let local = format!("62{}", &phone[1..]);
    let e164 = format!("+{local}");
    let mut secrets = vec![
        ("card number", holder.card.as_str()),
        ("NIK", person["nik"].as_str().unwrap_or("?")),
        ("KK", person["kk_number"].as_str().unwrap_or("?")),
        ("phone", e164.as_str()),
        ("phone as typed", phone.as_str()),
        ("email", person["email"].as_str().unwrap_or("?")),
        ("payout account number", "8877665544"),
        ("webhook secret", hook_secret.as_str()),
        ("client secret", client_secret.as_str()),
        ("holder token", holder_jwt.as_str()),
        ("platform token", t.platform.as_str()),
    ];
    secrets.extend(otps.iter().map(|o| ("OTP", o.as_str())));
    assert_clean(&lines, &secrets);
    // The append-only audit trail outlives every retention rule: no identity number, account
    // number, code or secret may be in it either.
    let audit = audit.to_string();
    assert!(audit.contains("participant"), "the trail was read: {audit}");
    for (what, secret) in secrets
        .iter()
        .filter(|(w, _)| !w.starts_with("phone") && *w != "card number" && *w != "email")
    {
        assert!(
            !has_word(&audit, secret),
            "the {what} is in the audit trail"
        );
    }
}

/// The access lines (`"request"`) of a JSON log, as their `fields`.
fn access_lines(lines: &[String]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "request")
        .map(|v| v["fields"].clone())
        .collect()
}

#[actix_web::test]
async fn access_lines_of_the_lifecycle_name_caller_route_status_and_code_and_no_personal_data() {
    let (url, _dir) = empty_database();
    let server = Binary::serve(&url, &[("RUST_LOG", "debug")]);
    let api = &server.http;
    let t = tokens(api).await;
    let hooks = receiver(Behaviour::Ok);
    let (_, hook_secret) = subscribe(api, &t.platform, &hooks.url, &["voucher.completed"]).await;

    // A holder of our own, so its NIK, KK and phone are known here.
    let body = participant_body(unique());
    let res = api.post("/v1/admin/participants", &t.admin, &body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let holder = Holder {
        card: res.body["card_number"].as_str().expect("card").to_string(),
        phone: body["phone"].as_str().expect("phone").to_string(),
    };
    let course = approved_course(api, &t, 200_000, None).await;
    let code = redeemed_on(api, &t, &t.lpk, &holder, &course).await;
    completed(api, &t.lpk, &code, 85).await;
    let number = format!("LPK-{}", uuid::Uuid::new_v4().simple());
    assert_eq!(
        certify(api, &t.lpk, &code, "lpk", &number).await.status,
        201
    );
    let token = holder_token(api, &t.admin, &holder).await;
    assert_eq!(review(api, &token, &code, 5, REVIEW_TEXT).await.status, 201);
    link_payout(api, &t.admin, &token, &holder).await;
    run(api, &t.admin, None).await;
    hooks.event("voucher.completed", &code).await;
    let refused = api
        .get(&format!("/v1/admin/participants/{}", holder.card), &t.lpk)
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let lines = server
        .lines_when(|l| l.contains("/v1/admin/participants/{card_number}") && l.contains("403"))
        .await;
    server.kill();

    let access = access_lines(&lines);
    let line = |route: &str, status: u16| {
        access
            .iter()
            .find(|f| f["route"] == route && f["status"] == status)
            .unwrap_or_else(|| panic!("no access line for {route} {status}: {access:#?}"))
    };
    let run_line = line("/v1/admin/disbursements/run", 200);
    assert_eq!(run_line["role"], "admin", "{run_line}");
    assert!(
        run_line["partner_id"]
            .as_str()
            .is_some_and(|p| !p.is_empty()),
        "{run_line}"
    );
    assert!(run_line["request_id"].as_str().is_some(), "{run_line}");
    assert!(run_line["elapsed_ms"].is_u64(), "{run_line}");
    assert!(
        run_line["code"].is_null(),
        "a success has no code: {run_line}"
    );
    let completion = line("/v1/vouchers/{code}/completion", 200);
    assert_eq!(completion["role"], "lpk", "{completion}");
    let holder_line = access
        .iter()
        .find(|f| f["role"] == "participant")
        .expect("the holder's own requests are logged");
    assert!(
        holder_line["partner_id"].is_null(),
        "a holder is not a partner: {holder_line}"
    );
    let refusal = line("/v1/admin/participants/{card_number}", 403);
    assert_eq!(refusal["code"], "forbidden", "{refusal}");
    assert_eq!(refusal["role"], "lpk", "{refusal}");

    let phone_e164 = format!("+62{}", &holder.phone[1..]);
    assert_clean(
        &lines,
        &[
            ("card number", holder.card.as_str()),
            ("NIK", body["nik"].as_str().unwrap_or("?")),
            ("KK", body["kk_number"].as_str().unwrap_or("?")),
            ("phone", phone_e164.as_str()),
            ("phone as typed", holder.phone.as_str()),
            ("webhook secret", hook_secret.as_str()),
        ],
    );
}
