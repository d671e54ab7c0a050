use std::collections::BTreeMap;

use diesel::prelude::*;
use prakerja_api::crypto::PiiCipher;
use serde_json::json;

use crate::helpers::*;

#[derive(QueryableByName, Debug)]
struct RawRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    everything: String,
}

/// Every column of every holder, concatenated, as a dump would show them.
async fn dump(app: &TestApp) -> String {
    let rows: Vec<RawRow> = app
        .db(|c| {
            Ok(diesel::sql_query(
                "SELECT id || '|' || card_number || '|' || full_name || '|' || nik_cipher || '|' || nik_index || '|' || \
                 kk_cipher || '|' || kk_index || '|' || phone_cipher || '|' || phone_index || '|' || \
                 COALESCE(email_cipher, '') AS everything FROM participants",
            )
            .load(c)?)
        })
        .await;
    rows.into_iter()
        .map(|r| r.everything)
        .collect::<Vec<_>>()
        .join("\n")
}

#[actix_web::test]
async fn a_raw_select_of_holders_shows_no_nik_kk_phone_or_email() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let body = participant_body(unique());
    assert_eq!(
        app.post("/v1/admin/participants", &admin, &body)
            .await
            .status,
        201
    );
    let raw = dump(&app).await;
    assert!(
        raw.contains(body["full_name"].as_str().unwrap_or("?")),
        "the dump query must see the row"
    );
    let phone_e164 = format!("+62{}", &body["phone"].as_str().unwrap_or("")[1..]);
    for secret in [
        body["nik"].as_str().unwrap_or("?"),
        body["kk_number"].as_str().unwrap_or("?"),
        body["phone"].as_str().unwrap_or("?"),
        &phone_e164[1..],
        body["email"].as_str().unwrap_or("?"),
    ] {
        assert!(!raw.contains(secret), "{secret} is stored in clear");
    }
}

#[actix_web::test]
async fn a_ciphertext_copied_to_another_row_does_not_decrypt() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let a = app
        .post(
            "/v1/admin/participants",
            &admin,
            &participant_body(unique()),
        )
        .await
        .body["card_number"]
        .as_str()
        .expect("a")
        .to_string();
    let b = app
        .post(
            "/v1/admin/participants",
            &admin,
            &participant_body(unique()),
        )
        .await
        .body["card_number"]
        .as_str()
        .expect("b")
        .to_string();
    app.sql(&format!(
        "UPDATE participants SET phone_cipher = (SELECT phone_cipher FROM participants WHERE card_number = '{a}') WHERE card_number = '{b}'"
    ))
    .await;
    let res = app
        .get(&format!("/v1/admin/participants/{b}"), &admin)
        .await;
    res.problem(500, "internal_error");
    assert_eq!(
        app.get(&format!("/v1/admin/participants/{a}"), &admin)
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn rotating_the_data_key_keeps_every_holder_readable_and_retires_the_old_key() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let body = participant_body(unique());
    let card = app.post("/v1/admin/participants", &admin, &body).await.body["card_number"]
        .as_str()
        .expect("card")
        .to_string();

    let config = app.state.config.as_ref().clone();
    let mut keys: BTreeMap<String, [u8; 32]> = config
        .keys
        .data_keys
        .iter()
        .map(|(id, k)| (id.clone(), *k.expose()))
        .collect();
    keys.insert("k2".into(), [42u8; 32]);
    let index_key = *config.keys.index_key.expose();
    let rotated = PiiCipher::new(&keys, "k2", index_key);
    let resealed = app
        .db(move |c| prakerja_api::service::keys::rotate(c, &rotated, 2, |_, _| {}))
        .await;
    assert!(
        resealed >= 6,
        "the 5 test cards and the new holder: {resealed}"
    );
    assert!(
        !dump(&app).await.contains("dev:"),
        "no value is left under the old key"
    );

    // Only the new key now: every value still opens.
    let only_new = PiiCipher::new(
        &BTreeMap::from([("k2".to_string(), [42u8; 32])]),
        "k2",
        index_key,
    );
    let card_clone = card.clone();
    let phone = app
        .db(move |c| {
            let card = prakerja_api::domain::CardNumber::stored(card_clone);
            let row = prakerja_api::db::participants::find_by_card(c, &card)?.expect("row");
            Ok(only_new
                .decrypt(&row.phone_cipher, row.id.as_str())
                .expect("opens under k2"))
        })
        .await;
    assert_eq!(
        phone,
        format!("+62{}", &body["phone"].as_str().unwrap_or("")[1..])
    );
    let again = PiiCipher::new(&keys, "k2", index_key);
    let second = app
        .db(move |c| prakerja_api::service::keys::rotate(c, &again, 100, |_, _| {}))
        .await;
    assert_eq!(second, 0, "a second run finds nothing to do");
}

#[actix_web::test]
async fn uniqueness_rules_hold_on_blind_indexes() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let body = participant_body(unique());
    assert_eq!(
        app.post("/v1/admin/participants", &admin, &body)
            .await
            .status,
        201
    );
    let mut same_nik_spaced = participant_body(unique());
    let nik = body["nik"].as_str().unwrap_or("");
    same_nik_spaced["nik"] = json!(format!("{} {}", &nik[..6], &nik[6..]));
    app.post("/v1/admin/participants", &admin, &same_nik_spaced)
        .await
        .problem(409, "already_registered");
}
