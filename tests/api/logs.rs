//! The server's own logs, at debug level, through a whole flow: no NIK, KK, phone, full card
//! number, OTP or client secret appears in them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn debug_logs_of_a_full_flow_hold_no_personal_data_or_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_prakerja-api"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("logs.db").display()),
        )
        .env("PRAKERJA_BIND", "127.0.0.1:0")
        .env("PRAKERJA_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    for stream in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                lines.lock().expect("lock").push(line);
            }
        });
    }
    let started = Instant::now();
    let address = loop {
        let found = lines.lock().expect("lock").iter().find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v["fields"]["public_url"].as_str().map(String::from)
        });
        if let Some(a) = found {
            break a;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start: {:?}",
            lines.lock().expect("lock")
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let token = |id: &str, secret: &str| {
        let req = client.post(format!("{address}/v1/oauth/token")).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ]);
        async move {
            req.send()
                .await
                .expect("sent")
                .json::<serde_json::Value>()
                .await
                .expect("json")["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };
    let admin = token(ADMIN.0, ADMIN.1).await;
    let platform = token(PLATFORM.0, PLATFORM.1).await;
    let created: serde_json::Value = client
        .post(format!("{address}/v1/admin/partners"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Logged", "kind": "lpk"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let new_secret = created["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let body = participant_body(unique());
    let holder: serde_json::Value = client
        .post(format!("{address}/v1/admin/participants"))
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let card_number = holder["card_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(card_number.len(), 16, "{holder}");
    client
        .get(format!("{address}/v1/admin/participants/{card_number}"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("sent");
    let courses: serde_json::Value = client
        .get(format!("{address}/v1/courses"))
        .bearer_auth(&platform)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let course = &courses["data"][0];
    let validation: serde_json::Value = client
        .post(format!("{address}/v1/card-validations"))
        .bearer_auth(&platform)
        .json(&json!({"card_number": card_number, "course_code": course["course_code"], "schedule_code": course["schedules"][0]["schedule_code"]}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let sms: serde_json::Value = client
        .get(format!(
            "{address}/v1/sandbox/sms?phone={}",
            body["phone"].as_str().unwrap_or_default()
        ))
        .bearer_auth(&platform)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let otp: String = sms["data"][0]["body"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    assert_eq!(otp.len(), 6, "{sms}");
    client
        .post(format!(
            "{address}/v1/card-validations/{}/verify",
            validation["id"].as_str().unwrap_or_default()
        ))
        .bearer_auth(&platform)
        .json(&json!({"otp": otp}))
        .send()
        .await
        .expect("sent");
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();

    // Timestamps hold six-digit microsecond runs an OTP could equal by chance: leave them out.
    let log = lines
        .lock()
        .expect("lock")
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
