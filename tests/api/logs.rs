//! The server's own logs, at debug level, through a whole flow: no NIK, KK, phone, full card
//! number, OTP or client secret appears in them.

use std::time::Duration;

use serde_json::json;

use crate::binary::Binary;
use crate::disbursement_helpers::run;
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

    // Timestamps hold six-digit microsecond runs an OTP could equal by chance: leave them out.
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
    let phone_e164 = format!("+62{}", &body["phone"].as_str().unwrap_or("")[1..]);
    for (what, secret) in [
        ("card number", card_number.as_str()),
        ("NIK", body["nik"].as_str().unwrap_or("?")),
        ("KK", body["kk_number"].as_str().unwrap_or("?")),
        ("phone", phone_e164.as_str()),
        ("email", body["email"].as_str().unwrap_or("?")),
        ("OTP", otp.as_str()),
        ("client secret", new_secret.as_str()),
    ] {
        assert!(!log.contains(secret), "the {what} appears in the logs");
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

    let log = lines.join("\n");
    let phone_e164 = format!("+62{}", &holder.phone[1..]);
    for (what, secret) in [
        ("card number", holder.card.as_str()),
        ("NIK", body["nik"].as_str().unwrap_or("?")),
        ("KK", body["kk_number"].as_str().unwrap_or("?")),
        ("phone", phone_e164.as_str()),
        ("phone", holder.phone.as_str()),
        ("webhook secret", hook_secret.as_str()),
    ] {
        assert!(!log.contains(secret), "the {what} appears in the logs");
    }
}
