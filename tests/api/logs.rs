//! The server's own logs, at debug level, through a whole flow: no NIK, KK, phone, full card
//! number, OTP or client secret appears in them.

use std::time::Duration;

use serde_json::json;

use crate::binary::Binary;
use crate::helpers::*;

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
