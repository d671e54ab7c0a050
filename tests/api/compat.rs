//! The Prakerja-compatible LPK endpoints, driven as an existing Prakerja integration drives them:
//! signed headers, raw bodies, answers in Prakerja's envelope.

use chrono::Utc;
use prakerja_api::auth::signature::{self, Signed};
use prakerja_api::service::retention;
use serde_json::{Value, json};

use crate::binary::Binary;
use crate::compat_helpers::*;
use crate::helpers::*;
use crate::purchase_helpers::*;

fn sequences(v: &Value) -> Vec<i64> {
    let mut s: Vec<i64> = v["attendance"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["sequence"].as_i64()).collect())
        .unwrap_or_default();
    s.sort();
    s
}

#[actix_web::test]
async fn status_then_commit_with_a_compact_signed_body_redeem_through_the_v1_use_case() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, code, course) = redeemable_voucher(&app, &t).await;
    let lpk = sandbox_signer();

    let res = call(&app, &lpk, STATUS, &body(&code, json!({}))).await;
    let v = accepted(&res);
    assert_eq!(v["code"], code.as_str());
    assert_eq!(v["status"], "issued");
    assert_eq!(v["course_code"], course.code.as_str());
    assert_eq!(v["schedule_code"], json!(course.schedule));
    // The LPK's /v1 view, no more: the card masked, no platform order id.
    let last4 = &holder.card[12..];
    assert_eq!(v["card_number_masked"], format!("************{last4}"));
    assert!(v.get("external_order_id").is_none(), "{v}");
    assert!(!res.body.to_string().contains(&holder.card), "{}", res.body);
    let v1 = app.get(&format!("/v1/vouchers/{code}"), &t.lpk).await;
    assert_eq!(
        *v, v1.body,
        "status answers what GET /v1/vouchers/{{code}} does"
    );

    let res = call(&app, &lpk, COMMIT, &body(&code, json!({}))).await;
    assert_eq!(accepted(&res)["status"], "redeemed");

    let v1 = app.get(&format!("/v1/vouchers/{code}"), &t.lpk).await;
    assert_eq!(v1.body["status"], "redeemed", "{}", v1.body);
    assert!(v1.body["redeemed_at"].is_string());
    let trail = audited(&app, &t.admin, "voucher.redeem", &code).await;
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0]["actor_id"], v1.body["lpk_id"]);
    assert_eq!(trail[0]["actor_role"], "lpk");
    assert_eq!(trail[0]["details"]["proof"], "code_only");
    let events = app.get("/v1/events?limit=100", &t.platform).await;
    assert!(
        events.body["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|e| e["type"] == "voucher.redeemed" && e["data"]["code"] == code.as_str()),
        "the platform is told, as after a /v1 redemption: {}",
        events.body
    );

    // Committing again answers why, in the envelope, and changes nothing.
    let again = call(&app, &lpk, COMMIT, &body(&code, json!({}))).await;
    refused(&again, 422, "voucher_already_redeemed");
    assert_eq!(
        audited(&app, &t.admin, "voucher.redeem", &code).await.len(),
        1
    );
}

#[actix_web::test]
async fn a_python_style_body_with_spaces_signed_in_its_compact_form_passes() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code, _) = redeemable_voucher(&app, &t).await;
    let lpk = sandbox_signer();
    let ts = fresh_timestamp();
    // Prakerja's Python example signs the compact body and sends json.dumps output.
    let signed_body = format!(r#"{{"redeem_code":"{code}"}}"#);
    let sent_body = format!(r#"{{"redeem_code": "{code}"}}"#);
    let sig = mac(&lpk.key, &lpk.client_code, &ts, STATUS, &signed_body);
    let headers = [
        ("client_code", lpk.client_code.as_str()),
        ("timestamp", ts.as_str()),
        ("signature", sig.as_str()),
    ];
    let res = send_signed(&app, STATUS, &headers, &sent_body).await;
    assert_eq!(accepted(&res)["code"], code.as_str());

    // Another body under that signature is not: the compact form must be the signed one.
    let ts = fresh_timestamp();
    let sig = mac(&lpk.key, &lpk.client_code, &ts, STATUS, &signed_body);
    let headers = [
        ("client_code", lpk.client_code.as_str()),
        ("timestamp", ts.as_str()),
        ("signature", sig.as_str()),
    ];
    let tampered = format!(r#"{{"redeem_code": "{code}", "sequence": 1}}"#);
    refused(
        &send_signed(&app, STATUS, &headers, &tampered).await,
        401,
        "invalid_signature",
    );
}

#[actix_web::test]
async fn a_wrong_signature_an_unknown_client_code_or_missing_headers_are_invalid_signature() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code, _) = redeemable_voucher(&app, &t).await;
    let b = body(&code, json!({}));
    let wrong_key = Signer {
        client_code: LPK.0.into(),
        key: "not-the-key".into(),
    };
    refused(
        &call(&app, &wrong_key, COMMIT, &b).await,
        401,
        "invalid_signature",
    );
    let stranger = Signer {
        client_code: "lpk_nobody".into(),
        key: SANDBOX_KEY.into(),
    };
    refused(
        &call(&app, &stranger, COMMIT, &b).await,
        401,
        "invalid_signature",
    );
    // Signed for the status path, sent to commit.
    let ts = fresh_timestamp();
    let sig = mac(SANDBOX_KEY, LPK.0, &ts, STATUS, &b);
    let headers = [
        ("client_code", LPK.0),
        ("timestamp", ts.as_str()),
        ("signature", sig.as_str()),
    ];
    refused(
        &send_signed(&app, COMMIT, &headers, &b).await,
        401,
        "invalid_signature",
    );
    let ts = fresh_timestamp();
    refused(
        &send_signed(
            &app,
            COMMIT,
            &[("client_code", LPK.0), ("timestamp", &ts)],
            &b,
        )
        .await,
        401,
        "invalid_signature",
    );
    let res = app.get(&format!("/v1/vouchers/{code}"), &t.admin).await;
    assert_eq!(res.body["status"], "issued", "nothing was redeemed");
}

#[actix_web::test]
async fn a_timestamp_six_minutes_old_is_refused_even_when_correctly_signed() {
    let app = spawn_app().await;
    let lpk = sandbox_signer();
    let b = body("7KQ2-M9XD-4HTR-8WZ2", json!({}));
    let ts = (Utc::now().timestamp() - 360).to_string();
    let sig = mac(&lpk.key, &lpk.client_code, &ts, STATUS, &b);
    let headers = [
        ("client_code", LPK.0),
        ("timestamp", ts.as_str()),
        ("signature", sig.as_str()),
    ];
    refused(
        &send_signed(&app, STATUS, &headers, &b).await,
        401,
        "timestamp_out_of_window",
    );
    let millis = (Utc::now().timestamp() * 1000).to_string();
    let sig = mac(&lpk.key, &lpk.client_code, &millis, STATUS, &b);
    let headers = [
        ("client_code", LPK.0),
        ("timestamp", millis.as_str()),
        ("signature", sig.as_str()),
    ];
    refused(
        &send_signed(&app, STATUS, &headers, &b).await,
        401,
        "timestamp_out_of_window",
    );
}

#[actix_web::test]
async fn a_signature_is_accepted_once_on_every_instance_and_purged_once_out_of_its_window() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code, _) = redeemable_voucher(&app, &t).await;
    let b = body(&code, json!({}));
    let ts = Utc::now().timestamp().to_string();
    let sig = mac(SANDBOX_KEY, LPK.0, &ts, STATUS, &b);
    let upper = sig.to_uppercase();
    let once = [
        ("client_code", LPK.0),
        ("timestamp", ts.as_str()),
        ("signature", sig.as_str()),
    ];
    let capitals = [
        ("client_code", LPK.0),
        ("timestamp", ts.as_str()),
        ("signature", upper.as_str()),
    ];
    accepted(&send_signed(&app, STATUS, &once, &b).await);
    refused(
        &send_signed(&app, STATUS, &once, &b).await,
        401,
        "signature_reused",
    );
    refused(
        &send_signed(&app, STATUS, &capitals, &b).await,
        401,
        "signature_reused",
    );
    // A second instance on the same database knows it too.
    let other = Binary::serve(&app.database_url, &[]);
    refused(
        &send_signed(&other.http, STATUS, &once, &b).await,
        401,
        "signature_reused",
    );
    // Stopped before the backdating below: its own purge would otherwise race the test's.
    other.kill();

    let windows = app.state.config.retention;
    assert_eq!(
        app.db(move |c| retention::purge(c, windows))
            .await
            .seen_signatures,
        0
    );
    app.db(|c| {
        use diesel::prelude::*;
        use prakerja_api::db::schema::seen_signatures as s;
        let long_ago = Utc::now().naive_utc() - chrono::Duration::minutes(11);
        Ok(diesel::update(s::table)
            .set(s::signed_at.eq(long_ago))
            .execute(c)?)
    })
    .await;
    assert_eq!(
        app.db(move |c| retention::purge(c, windows))
            .await
            .seen_signatures,
        1
    );
}

#[actix_web::test]
async fn a_platform_has_no_signing_key_and_its_credentials_cannot_call_these_endpoints() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code, _) = redeemable_voucher(&app, &t).await;
    let created = app
        .post(
            "/v1/admin/partners",
            &t.admin,
            &json!({"name": "Platform Baru", "kind": "platform"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        created.body.get("signing_key").is_none(),
        "{}",
        created.body
    );
    let b = body(&code, json!({}));
    for (client, secret) in [
        (
            created.body["client_id"].as_str().expect("client_id"),
            created.body["client_secret"].as_str().expect("secret"),
        ),
        PLATFORM,
    ] {
        let platform = Signer {
            client_code: client.into(),
            key: secret.into(),
        };
        refused(
            &call(&app, &platform, COMMIT, &b).await,
            401,
            "invalid_signature",
        );
    }
    // A bearer token is not a signature.
    let res = app
        .send(
            app.client
                .post(app.url(COMMIT))
                .bearer_auth(&t.platform)
                .header("content-type", "application/json")
                .body(b.clone()),
        )
        .await;
    refused(&res, 401, "invalid_signature");
    let res = app.get(&format!("/v1/vouchers/{code}"), &t.admin).await;
    assert_eq!(res.body["status"], "issued");
}

#[actix_web::test]
async fn another_lpks_voucher_and_a_code_no_voucher_can_have_are_not_found() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code, _) = redeemable_voucher(&app, &t).await;
    let (_, other, _) = new_lpk(&app, &t.admin).await;
    for path in [STATUS, COMMIT] {
        refused(
            &call(&app, &other, path, &body(&code, json!({}))).await,
            404,
            "not_found",
        );
    }
    refused(
        &call(
            &app,
            &sandbox_signer(),
            STATUS,
            &body("7KQ2-M9XD-4HTR-0000", json!({})),
        )
        .await,
        404,
        "invalid_voucher_code",
    );
    let res = app.get(&format!("/v1/vouchers/{code}"), &t.admin).await;
    assert_eq!(res.body["status"], "issued");
}

#[actix_web::test]
async fn commit_with_a_sequence_records_that_session_or_the_post_test_once_redeemed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, code, _) = redeemable_voucher(&app, &t).await;
    let lpk = sandbox_signer();
    let attend = |sequence: i64| body(&code, json!({"sequence": sequence}));

    refused(
        &call(&app, &lpk, COMMIT, &attend(1)).await,
        422,
        "voucher_not_redeemed",
    );
    accepted(&call(&app, &lpk, COMMIT, &body(&code, json!({}))).await);
    for sequence in [1, 999] {
        accepted(&call(&app, &lpk, COMMIT, &attend(sequence)).await);
    }
    // The course has 3 sessions.
    for sequence in [0, 4] {
        refused(
            &call(&app, &lpk, COMMIT, &attend(sequence)).await,
            422,
            "validation_failed",
        );
    }
    let res = call(&app, &lpk, COMMIT, &attend(1)).await;
    assert_eq!(
        sequences(accepted(&res)),
        vec![1, 999],
        "a repeat changes nothing"
    );
    let v1 = app.get(&format!("/v1/vouchers/{code}"), &t.lpk).await;
    assert_eq!(sequences(&v1.body), vec![1, 999], "{}", v1.body);
    let trail = audited(&app, &t.admin, "voucher.attendance", &code).await;
    assert_eq!(trail.len(), 2, "each session audited once: {trail:?}");
}

#[actix_web::test]
async fn a_redeeming_commit_that_carries_the_card_number_is_checked_as_in_v1() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, code, _) = redeemable_voucher(&app, &t).await;
    let stranger = register(&app, &t.admin).await;
    let lpk = sandbox_signer();
    let with_card = |card: &str| body(&code, json!({"card_number": card}));
    refused(
        &call(&app, &lpk, COMMIT, &with_card(&stranger.card)).await,
        422,
        "card_mismatch",
    );
    refused(
        &call(&app, &lpk, COMMIT, &with_card("5200000000000016")).await,
        422,
        "invalid_card_number",
    );
    let res = call(&app, &lpk, COMMIT, &with_card(&holder.card)).await;
    assert_eq!(accepted(&res)["status"], "redeemed");
    let trail = audited(&app, &t.admin, "voucher.redeem", &code).await;
    assert_eq!(trail[0]["details"]["proof"], "card");
}

#[actix_web::test]
async fn rotating_the_signing_key_refuses_the_old_key_at_once_and_leaves_the_secret_alone() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (id, old, secret) = new_lpk(&app, &t.admin).await;
    let b = body("7KQ2-M9XD-4HTR-8WZ2", json!({}));
    refused(&call(&app, &old, STATUS, &b).await, 404, "not_found");

    let path = format!("/v1/admin/partners/{id}/rotate-signing-key");
    let res = app.post(&path, &t.admin, &json!({})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["client_id"], old.client_code.as_str());
    let new = Signer {
        client_code: old.client_code.clone(),
        key: res.body["signing_key"]
            .as_str()
            .expect("signing_key")
            .into(),
    };
    assert_ne!(new.key, old.key);
    refused(
        &call(&app, &old, STATUS, &b).await,
        401,
        "invalid_signature",
    );
    refused(&call(&app, &new, STATUS, &b).await, 404, "not_found");
    assert_eq!(
        audited(&app, &t.admin, "partner.rotate_signing_key", &id)
            .await
            .len(),
        1
    );
    // The client secret and its tokens are another credential, rotated on their own.
    let token = app.token((&old.client_code, &secret)).await;
    assert_eq!(app.get("/v1/vouchers", &token).await.status, 200);

    // Only LPKs have signing keys; platforms' ids are not found here.
    let (platform_id, _, _) = app.new_partner(&t.admin, "platform").await;
    app.post(
        &format!("/v1/admin/partners/{platform_id}/rotate-signing-key"),
        &t.admin,
        &json!({}),
    )
    .await
    .problem(404, "not_found");
    app.post(&path, &t.lpk, &json!({}))
        .await
        .problem(403, "forbidden");
}

#[actix_web::test]
async fn refusals_from_outside_the_handlers_are_in_the_envelope_too() {
    let app = spawn_app().await;
    let lpk = sandbox_signer();
    let res = app.send(app.client.get(app.url(STATUS))).await;
    refused(&res, 405, "method_not_allowed");
    refused(
        &call(&app, &lpk, STATUS, r#"{"redeem_code": "#).await,
        400,
        "malformed_json",
    );
    refused(
        &call(&app, &lpk, STATUS, r#"{"code": "7KQ2-M9XD-4HTR-8WZ2"}"#).await,
        422,
        "validation_failed",
    );
    let res = app
        .send(
            app.client
                .post(app.url("/api/v1/integration/payment/nothing-here")),
        )
        .await;
    refused(&res, 404, "not_found");
    assert!(res.header("x-request-id").is_some());
}

#[actix_web::test]
async fn the_readme_worked_example_is_what_the_server_computes_and_its_sandbox_key_works() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let (client_code, timestamp) = ("sandbox-lpk", "1767225600");
    let example = r#"{"redeem_code":"7KQ2-M9XD-4HTR-8WZ2"}"#;
    let key = prakerja_api::service::sandbox::LPK_SIGNING_KEY;
    let sig = signature::sign(
        key.as_bytes(),
        &Signed {
            client_code,
            timestamp,
            method: "POST",
            path: STATUS,
            body: example.as_bytes(),
        },
    );
    assert_eq!(sig, mac(key, client_code, timestamp, STATUS, example));
    for line in [
        format!("signing key     {key}"),
        format!("client_code     {client_code}"),
        format!("timestamp       {timestamp}"),
        format!("body            {example}"),
        format!("string to sign  {client_code}{timestamp}POST{STATUS}{example}"),
        format!("signature       {sig}"),
        format!("| LPK | `sandbox-lpk` | `sandbox-lpk-secret` | `{key}` |"),
    ] {
        assert!(readme.contains(&line), "README lacks {line:?}");
    }

    // The documented sandbox key signs for the seeded sandbox LPK.
    let app = spawn_app().await;
    let res = call(&app, &sandbox_signer(), STATUS, example).await;
    refused(&res, 404, "not_found");
}

#[actix_web::test]
async fn rotating_the_data_key_reseals_lpk_signing_keys() {
    use diesel::prelude::*;
    use prakerja_api::db::schema::partners as p;

    let app = spawn_app().await;
    let only_new = app.rotate_to_a_new_data_key().await;

    let (id, sealed) = app
        .db(|c| {
            Ok(p::table
                .filter(p::client_id.eq(LPK.0))
                .select((p::id, p::signing_key_cipher.assume_not_null()))
                .first::<(String, String)>(c)?)
        })
        .await;
    let opened = only_new
        .decrypt(&sealed, &format!("signing_key:{id}"))
        .expect("opens under the new key alone");
    assert_eq!(opened, SANDBOX_KEY);
}
