use prakerja_api::domain::partner::PartnerKind;
use prakerja_api::service::sandbox::{CLIENTS, TEST_CARDS, card};

use crate::helpers::*;

/// Sandbox off: OTPs would go to a real gateway (nothing listens on port 9 here).
fn sandbox_off(c: &mut prakerja_api::config::Config) {
    c.sandbox = false;
    c.sms.gateway_url = Some("http://127.0.0.1:9/sms".into());
    c.payouts.gateway_url = Some("http://127.0.0.1:9/payouts".into());
}

#[actix_web::test]
async fn the_seeded_test_cards_have_their_documented_states() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let mut seen = Vec::new();
    for (payload, _, _) in TEST_CARDS {
        let res = app
            .get(
                &format!("/v1/admin/participants/{}", card(payload).as_str()),
                &admin,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        seen.push((
            res.body["status"].as_str().unwrap_or("").to_string(),
            res.body["balance"].as_i64().unwrap_or(-1),
        ));
    }
    let expect = |s: &str, b: i64| (s.to_string(), b);
    assert_eq!(
        seen,
        vec![
            expect("active", 1_000_000),
            expect("frozen", 1_000_000),
            expect("revoked", 1_000_000),
            expect("active", 1_000_000),
            expect("active", 100_000),
            expect("active", 500_000),
            expect("active", 700_000),
            expect("active", 700_000),
            expect("active", 700_000),
        ]
    );
    let deadline_card = card(TEST_CARDS[3].0);
    let res = app
        .get(
            &format!("/v1/admin/participants/{}", deadline_card.as_str()),
            &admin,
        )
        .await;
    let deadline =
        chrono::DateTime::parse_from_rfc3339(res.body["purchase_deadline"].as_str().unwrap_or(""))
            .expect("deadline");
    assert!(
        deadline < chrono::Utc::now(),
        "the deadline card's deadline has passed"
    );
}

#[actix_web::test]
async fn the_sms_outbox_answers_in_sandbox_and_is_404_when_off() {
    let app = spawn_app().await;
    let token = app.token(PLATFORM).await;
    let res = app.get("/v1/sandbox/sms?phone=081200000001", &token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body["data"].is_array());
    app.get("/v1/sandbox/sms?phone=12", &token)
        .await
        .problem(422, "validation_failed");

    // Each message carries its code as a field, the same as in its text.
    let t = crate::purchase_helpers::tokens(&app).await;
    let holder = crate::purchase_helpers::register(&app, &t.admin).await;
    let course = crate::purchase_helpers::approved_course(&app, &t, 150_000, None).await;
    let started = crate::purchase_helpers::start(&app, &t.platform, &holder.card, &course).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let sent = crate::purchase_helpers::sms(&app, &token, &holder.phone).await;
    let otp = sent[0]["otp"].as_str().expect("an otp field");
    assert_eq!(otp.len(), 6);
    assert!(
        sent[0]["body"].as_str().is_some_and(|b| b.contains(otp)),
        "{}",
        sent[0]
    );

    let off = spawn_with(sandbox_off).await;
    let admin_off = {
        let creds = off.client_of(PartnerKind::Admin).await;
        off.token((&creds.client_id, &creds.client_secret)).await
    };
    off.get("/v1/sandbox/sms?phone=081200000001", &admin_off)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn no_sandbox_means_no_seeded_clients() {
    let app = spawn_with(sandbox_off).await;
    let count = app.db(|c| Ok(prakerja_api::db::partners::count(c)?)).await;
    assert_eq!(count, 0);
}

#[test]
fn the_readme_documents_every_sandbox_credential_and_test_card() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for (id, secret, _, _) in CLIENTS {
        assert!(
            readme.contains(id) && readme.contains(secret),
            "README lacks {id}"
        );
    }
    for (payload, _, _) in TEST_CARDS {
        let number = card(payload);
        assert!(
            readme.contains(number.as_str()),
            "README lacks test card {}",
            number.as_str()
        );
    }
}

#[test]
fn the_readme_names_every_environment_variable_the_config_reads() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/config");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(dir).expect("src/config").flatten() {
        let text = std::fs::read_to_string(entry.path()).expect("readable");
        for part in text.split('"').skip(1).step_by(2) {
            let is_var = part.starts_with("PRAKERJA_")
                && part.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
            if is_var && !readme.contains(part) {
                missing.push(part.to_string());
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "README.md lacks {missing:?}");
}
