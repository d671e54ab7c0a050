//! The holder's own side: sessions by SMS OTP, the dashboard (`/v1/me`), reviews, surveys and the
//! payout account, and the sandbox cards that sit at the post-training stages.

use base64::Engine;
use diesel::prelude::*;
use prakerja_api::db::Backend;
use prakerja_api::domain::{CardNumber, VoucherCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;

const ALL_INCENTIVE: &[&str] = &[
    "completion",
    "lpk_certificate",
    "rating",
    "review",
    "payout_account",
];
const ALL_TRAINING: &[&str] = &["completion", "lpk_certificate", "rating", "review"];

/// The claims of a JWT, unverified.
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

fn masked_card(card: &str) -> String {
    format!("************{}", &card[12..])
}

async fn survey(app: &TestApp, token: &str, n: i64, answers: &Value) -> Response {
    app.post(
        &format!("/v1/me/surveys/{n}"),
        token,
        &json!({"answers": answers}),
    )
    .await
}

// ---- Sessions ----

#[actix_web::test]
async fn a_session_sends_an_otp_to_the_registered_phone_and_verifies_to_a_participant_token() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let seen = sms_count(&app, &admin, &holder.phone).await;

    let res = open_session(&app, &holder.card).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let id = res.body["id"].as_str().expect("id").to_string();
    let masked = res.body["phone_masked"].as_str().expect("phone_masked");
    assert!(
        masked.ends_with(&holder.phone[holder.phone.len() - 4..]),
        "{masked}"
    );
    assert!(
        !res.body.to_string().contains(&holder.phone[1..]),
        "the full phone must not leak: {}",
        res.body
    );
    assert!(
        time_of(&res.body, "expires_at") > chrono::Utc::now(),
        "{}",
        res.body
    );
    let otp = otp_after(&app, &admin, &holder.phone, seen).await;

    let res = verify_session(&app, &id, &otp).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["token_type"], "Bearer");
    assert!(
        res.body["expires_in"].as_i64().is_some_and(|s| s > 0),
        "{}",
        res.body
    );
    let token = res.body["access_token"].as_str().expect("access_token");
    let c = claims(token);
    assert_eq!(c["role"], "participant", "{c}");
    assert_eq!(c["scope"], "me", "{c}");
    let me = me(&app, token).await;
    assert_eq!(me["card_number_masked"], masked_card(&holder.card));
}

#[actix_web::test]
async fn a_malformed_card_is_invalid_card_number_and_an_unknown_one_card_not_found() {
    let app = spawn_app().await;
    let good = test_card(0).card;
    let last = good.as_bytes()[15] - b'0';
    let typo = format!("{}{}", &good[..15], (last + 1) % 10);
    for bad in [typo.as_str(), "1234", "5200abcd00000015"] {
        open_session(&app, bad)
            .await
            .problem(422, "invalid_card_number");
    }
    let unknown = CardNumber::complete("999999999999999");
    open_session(&app, unknown.as_str())
        .await
        .problem(404, "card_not_found");
}

#[actix_web::test]
async fn four_wrong_session_codes_count_down_and_the_fifth_locks_even_the_right_code_out() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let (id, otp) = session_started(&app, &admin, &holder).await;
    let wrong = wrong_otp(&otp);
    for left in [4, 3, 2, 1] {
        let res = verify_session(&app, &id, &wrong).await;
        assert_eq!(
            res.problem(422, "otp_incorrect")["attempts_remaining"].as_i64(),
            Some(left),
            "{}",
            res.body
        );
    }
    verify_session(&app, &id, &wrong)
        .await
        .problem(409, "validation_locked");
    verify_session(&app, &id, &otp)
        .await
        .problem(409, "validation_locked");
}

#[actix_web::test]
async fn a_verified_session_cannot_be_verified_again() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let (id, otp) = session_started(&app, &admin, &holder).await;
    assert_eq!(verify_session(&app, &id, &otp).await.status, 200);
    verify_session(&app, &id, &otp)
        .await
        .problem(409, "otp_already_used");
}

#[actix_web::test]
async fn an_unknown_session_is_not_found_and_a_malformed_otp_validation_failed() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    verify_session(&app, &uuid::Uuid::new_v4().to_string(), "123456")
        .await
        .problem(404, "not_found");
    let (id, otp) = session_started(&app, &admin, &holder).await;
    for bad in ["12345", "1234567", "abcdef", ""] {
        verify_session(&app, &id, bad)
            .await
            .problem(422, "validation_failed");
    }
    // The malformed codes were no attempts at it.
    assert_eq!(verify_session(&app, &id, &otp).await.status, 200);
}

#[actix_web::test]
async fn sessions_beyond_the_per_address_limit_are_rate_limited_with_retry_after() {
    let app = spawn_with(|c| c.limits.sessions_per_minute = 2).await;
    let admin = app.token(ADMIN).await;
    let holders = [
        register(&app, &admin).await,
        register(&app, &admin).await,
        register(&app, &admin).await,
    ];
    for holder in &holders[..2] {
        session_started(&app, &admin, holder).await;
    }
    let before = sms_count(&app, &admin, &holders[2].phone).await;
    let res = open_session(&app, &holders[2].card).await;
    res.problem(429, "rate_limited");
    assert!(retry_after(&res) >= 1);
    assert_eq!(sms_count(&app, &admin, &holders[2].phone).await, before);
}

#[actix_web::test]
async fn session_card_validation_and_payout_otps_share_the_per_card_hourly_cap() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 3).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 200_000, None).await;
    started(&app, &t.platform, &holder, &course).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    payout_requested(&app, &t.admin, &token, &holder, &bank_account("1234567890")).await;

    let before = sms_count(&app, &t.admin, &holder.phone).await;
    let res = open_session(&app, &holder.card).await;
    res.problem(429, "rate_limited");
    assert!(retry_after(&res) >= 1);
    start(&app, &t.platform, &holder.card, &course)
        .await
        .problem(429, "rate_limited");
    assert_eq!(sms_count(&app, &t.admin, &holder.phone).await, before);

    let other = register(&app, &t.admin).await;
    assert_eq!(open_session(&app, &other.card).await.status, 201);
}

#[actix_web::test]
async fn session_otps_count_against_the_cap_of_later_card_validations() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 2).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 200_000, None).await;
    session_started(&app, &t.admin, &holder).await;
    session_started(&app, &t.admin, &holder).await;
    let res = start(&app, &t.platform, &holder.card, &course).await;
    res.problem(429, "rate_limited");
    assert!(retry_after(&res) >= 1);
}

#[actix_web::test]
async fn frozen_and_revoked_cards_may_still_open_a_session_and_read_their_dashboard() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    for (i, status) in [(1, "frozen"), (2, "revoked")] {
        let holder = test_card(i);
        let token = holder_token(&app, &admin, &holder).await;
        let me = me(&app, &token).await;
        assert_eq!(me["status"], status, "{me}");
        assert_eq!(me["card_number_masked"], masked_card(&holder.card));
    }
}

// ---- Dashboard ----

#[actix_web::test]
async fn me_shows_the_card_and_that_the_incentive_lacks_everything_before_any_purchase() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    let me = me(&app, &token).await;
    assert_eq!(me["card_number_masked"], masked_card(&holder.card));
    assert_eq!(me["holder_name"], "Budi Santoso");
    assert_eq!(me["status"], "active");
    assert_eq!(me["balance"], FULL_BALANCE);
    assert_eq!(me["wave"], 7);
    let passed = time_of(&me, "passed_at");
    let deadline = time_of(&me, "purchase_deadline");
    assert_eq!((deadline - passed).num_days(), 30, "{me}");
    assert!(me["first_purchase_at"].is_null(), "{me}");
    assert_eq!(me["surveys_submitted"], json!([]));
    assert_eq!(me["incentive"]["ready"], false, "{me}");
    assert_missing(&me["incentive"]["missing"], ALL_INCENTIVE);
    assert!(
        !me.to_string().contains(&holder.card),
        "the full card number must not show: {me}"
    );
}

/// `/v1/me` lacks exactly `incentive` and the training `code` exactly `training_missing`.
async fn stage(
    app: &TestApp,
    token: &str,
    code: &str,
    training_missing: &[&str],
    incentive: &[&str],
) {
    let me = me(app, token).await;
    assert_missing(&me["incentive"]["missing"], incentive);
    assert_eq!(me["incentive"]["ready"], incentive.is_empty(), "{me}");
    let training = training(app, token, code).await;
    assert_missing(&training["missing"], training_missing);
    assert_eq!(
        training["finished"],
        training_missing.is_empty(),
        "{training}"
    );
}

#[actix_web::test]
async fn incentive_and_training_missing_shrink_with_each_step_until_ready() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    let course = approved_course(&app, &t, 200_000, None).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);

    let bought = me(&app, &token).await;
    time_of(&bought, "first_purchase_at");
    assert_eq!(bought["balance"], FULL_BALANCE - 200_000);
    stage(&app, &token, &code, ALL_TRAINING, ALL_INCENTIVE).await;
    assert_eq!(redeem(&app, &t.lpk, &code, &holder.card).await.status, 200);
    stage(&app, &token, &code, ALL_TRAINING, ALL_INCENTIVE).await;
    completed(&app, &t.lpk, &code, 80).await;
    stage(
        &app,
        &token,
        &code,
        &["lpk_certificate", "rating", "review"],
        &["lpk_certificate", "rating", "review", "payout_account"],
    )
    .await;
    assert_eq!(
        certify(&app, &t.lpk, &code, "lpk", "LPK-1").await.status,
        201
    );
    stage(
        &app,
        &token,
        &code,
        &["rating", "review"],
        &["rating", "review", "payout_account"],
    )
    .await;
    assert_eq!(
        review(&app, &token, &code, 5, REVIEW_TEXT).await.status,
        201
    );
    stage(&app, &token, &code, &[], &["payout_account"]).await;
    link_payout(&app, &t.admin, &token, &holder).await;
    stage(&app, &token, &code, &[], &[]).await;
}

#[actix_web::test]
async fn a_linked_payout_account_is_not_missing_even_before_any_training() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    link_payout(&app, &admin, &token, &holder).await;
    let me = me(&app, &token).await;
    assert_missing(&me["incentive"]["missing"], ALL_TRAINING);
    assert_eq!(me["incentive"]["ready"], false);
}

#[actix_web::test]
async fn a_not_completed_training_is_not_the_first_completed_one_for_the_incentive() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, failed) = redeemed_voucher(&app, &t).await;
    assert_eq!(complete(&app, &t.lpk, &failed, false, 30).await.status, 200);
    let token = holder_token(&app, &t.admin, &holder).await;
    assert_missing(
        &me(&app, &token).await["incentive"]["missing"],
        ALL_INCENTIVE,
    );

    let course = approved_course(&app, &t, 200_000, None).await;
    let passed = redeemed_on(&app, &t, &t.lpk, &holder, &course).await;
    completed(&app, &t.lpk, &passed, 90).await;
    assert_missing(
        &me(&app, &token).await["incentive"]["missing"],
        &["lpk_certificate", "rating", "review", "payout_account"],
    );
    assert_missing(&training(&app, &token, &failed).await["missing"], &[]);
    assert_eq!(training(&app, &token, &failed).await["finished"], true);
}

#[actix_web::test]
async fn my_trainings_are_only_my_vouchers_newest_first_with_course_title_and_pages() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, first, token) = finished_training(&app, &t).await;
    let course = approved_course(&app, &t, 200_000, None).await;
    let second = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    let stranger = register(&app, &t.admin).await;
    let theirs = code_of(&purchase(&app, &t.platform, &stranger, &course).await);

    let list = trainings(&app, &token).await;
    let codes: Vec<&str> = list.iter().filter_map(|v| v["code"].as_str()).collect();
    assert_eq!(codes, vec![second.as_str(), first.as_str()], "newest first");
    assert!(!codes.contains(&theirs.as_str()));
    for v in &list {
        assert_eq!(v["course_title"], "Teknik Las Dasar", "{v}");
        assert_eq!(v["card_number_masked"], masked_card(&holder.card), "{v}");
        assert!(v.get("external_order_id").is_none(), "{v}");
    }
    assert_eq!(list[0]["status"], "issued");
    assert_eq!(list[0]["finished"], false);
    assert_missing(&list[0]["missing"], ALL_TRAINING);
    assert_eq!(list[1]["status"], "completed");
    assert_eq!(list[1]["finished"], true);
    assert_missing(&list[1]["missing"], &[]);
    assert_eq!(list[1]["review"]["rating"], 5, "{}", list[1]);
    assert_eq!(list[1]["certificates"][0]["kind"], "lpk", "{}", list[1]);

    let page = app.get("/v1/me/trainings?limit=1", &token).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(page.body["data"][0]["code"], second.as_str());
    let cursor = page.body["next_cursor"].as_str().expect("next_cursor");
    let page = app
        .get(&format!("/v1/me/trainings?limit=1&cursor={cursor}"), &token)
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body["data"][0]["code"], first.as_str());
    assert!(page.body["next_cursor"].is_null(), "{}", page.body);
}

#[actix_web::test]
async fn a_review_needs_a_completed_training_and_is_taken_once() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    let course = approved_course(&app, &t, 200_000, None).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    review(&app, &token, &code, 5, REVIEW_TEXT)
        .await
        .problem(409, "voucher_not_completed");
    assert_eq!(redeem(&app, &t.lpk, &code, &holder.card).await.status, 200);
    review(&app, &token, &code, 5, REVIEW_TEXT)
        .await
        .problem(409, "voucher_not_completed");
    completed(&app, &t.lpk, &code, 80).await;

    for rating in [0, 6] {
        let res = review(&app, &token, &code, rating, REVIEW_TEXT).await;
        assert_field_error(res.problem(422, "validation_failed"), "rating", None);
    }
    for text in ["x".repeat(19), "x".repeat(2001)] {
        let res = review(&app, &token, &code, 4, &text).await;
        assert_field_error(res.problem(422, "validation_failed"), "review", None);
    }
    assert!(voucher(&app, &t.lpk, &code).await["review"].is_null());

    let text = "y".repeat(20);
    let res = review(&app, &token, &code, 1, &text).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["code"], code.as_str());
    assert_eq!(res.body["course_title"], "Teknik Las Dasar");
    assert_eq!(res.body["review"]["rating"], 1);
    assert_eq!(res.body["review"]["review"], text.as_str());
    time_of(&res.body["review"], "reviewed_at");

    review(&app, &token, &code, 5, REVIEW_TEXT)
        .await
        .problem(409, "review_already_submitted");
    // The LPK whose training it judges sees the review; the platform that sold it does not.
    let v = voucher(&app, &t.lpk, &code).await;
    assert_eq!(v["review"]["rating"], 1, "{v}");
    assert_eq!(v["review"]["review"], text.as_str(), "{v}");
    time_of(&v["review"], "reviewed_at");
    let sold = voucher(&app, &t.platform, &code).await;
    assert!(sold["review"].is_null(), "{sold}");
}

#[actix_web::test]
async fn a_review_of_up_to_2000_characters_is_accepted() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 80).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    let text = "z".repeat(2000);
    let res = review(&app, &token, &code, 5, &text).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["review"]["review"], text.as_str());
}

#[actix_web::test]
async fn a_not_completed_or_voided_training_cannot_be_reviewed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, failed) = redeemed_voucher(&app, &t).await;
    assert_eq!(complete(&app, &t.lpk, &failed, false, 30).await.status, 200);
    let course = approved_course(&app, &t, 200_000, None).await;
    let voided = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    assert_eq!(void(&app, &t.admin, &voided).await.status, 200);
    let token = holder_token(&app, &t.admin, &holder).await;
    for code in [&failed, &voided] {
        review(&app, &token, code, 5, REVIEW_TEXT)
            .await
            .problem(409, "voucher_not_completed");
    }
}

#[actix_web::test]
async fn surveys_open_once_a_training_is_completed_and_each_is_taken_once() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, failed) = redeemed_voucher(&app, &t).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    let answers = json!({"q1": "sangat puas", "q2": 5});
    survey(&app, &token, 1, &answers)
        .await
        .problem(409, "survey_not_open");
    assert_eq!(complete(&app, &t.lpk, &failed, false, 30).await.status, 200);
    survey(&app, &token, 1, &answers)
        .await
        .problem(409, "survey_not_open");

    let course = approved_course(&app, &t, 200_000, None).await;
    let passed = redeemed_on(&app, &t, &t.lpk, &holder, &course).await;
    completed(&app, &t.lpk, &passed, 90).await;
    for n in [0, 4] {
        survey(&app, &token, n, &answers)
            .await
            .problem(404, "not_found");
    }
    for bad in [json!({}), json!([]), json!("puas"), json!(5)] {
        survey(&app, &token, 2, &bad)
            .await
            .problem(422, "validation_failed");
    }
    assert_eq!(me(&app, &token).await["surveys_submitted"], json!([]));

    let res = survey(&app, &token, 1, &answers).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["n"], 1);
    time_of(&res.body, "submitted_at");
    survey(&app, &token, 1, &answers)
        .await
        .problem(409, "survey_already_submitted");
    let res = survey(&app, &token, 3, &answers).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["n"], 3);

    let me = me(&app, &token).await;
    let mut submitted: Vec<i64> = me["surveys_submitted"]
        .as_array()
        .expect("surveys_submitted")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    submitted.sort();
    assert_eq!(submitted, vec![1, 3], "{me}");
}

#[actix_web::test]
async fn the_holders_payments_are_an_empty_page_until_a_run_schedules_them() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (_, _, token) = finished_training(&app, &t).await;
    let res = app.get("/v1/me/disbursements", &token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body, json!({"data": [], "next_cursor": null}));

    crate::disbursement_helpers::run(&app, &t.admin, None).await;
    let res = app.get("/v1/me/disbursements", &token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let mut tranches: Vec<i64> = res.body["data"]
        .as_array()
        .expect("a page")
        .iter()
        .filter(|d| d["kind"] == "training_incentive")
        .map(|d| d["tranche"].as_i64().expect("a tranche"))
        .collect();
    tranches.sort();
    assert_eq!(tranches, [1, 2, 3, 4], "{}", res.body);
}

// ---- Payout account ----

#[actix_web::test]
async fn a_bank_account_is_linked_only_once_its_otp_is_confirmed_and_is_shown_masked() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    app.get("/v1/me/payout-account", &token)
        .await
        .problem(404, "not_found");

    let seen = sms_count(&app, &admin, &holder.phone).await;
    let body = json!({
        "kind": "bank", "bank_code": "014", "account_number": "0123456789",
        "holder_name": "Budi Santoso",
    });
    let res = put_payout(&app, &token, &body).await;
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(res.body["status"], "pending_confirmation");
    let id = res.body["confirmation_id"]
        .as_str()
        .expect("confirmation_id")
        .to_string();
    let masked = res.body["phone_masked"].as_str().expect("phone_masked");
    assert!(
        masked.ends_with(&holder.phone[holder.phone.len() - 4..]),
        "{masked}"
    );
    assert!(time_of(&res.body, "expires_at") > chrono::Utc::now());
    let otp = otp_after(&app, &admin, &holder.phone, seen).await;
    app.get("/v1/me/payout-account", &token)
        .await
        .problem(404, "not_found");

    let res = confirm_payout(&app, &token, &id, &otp).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let account = res.body.clone();
    assert_eq!(account["kind"], "bank");
    assert_eq!(account["bank_code"], "014");
    assert_eq!(account["account_number_masked"], "******6789");
    assert_eq!(account["holder_name"], "Budi Santoso");
    assert_eq!(account["status"], "active");
    time_of(&account, "linked_at");
    assert!(!account.to_string().contains("0123456789"), "{account}");

    let res = app.get("/v1/me/payout-account", &token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body, account);
}

#[actix_web::test]
async fn each_listed_bank_code_is_accepted_and_any_other_is_unknown_bank_code() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 100).await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    for bank in ["014", "002", "009", "008", "451"] {
        let mut body = bank_account("1234567890");
        body["bank_code"] = json!(bank);
        let res = put_payout(&app, &token, &body).await;
        assert_eq!(res.status, 202, "{bank}: {}", res.body);
    }
    let mut body = bank_account("1234567890");
    body["bank_code"] = json!("999");
    put_payout(&app, &token, &body)
        .await
        .problem(422, "unknown_bank_code");
}

/// A payout account refused with 422 `validation_failed`, with an error for `field` when given.
async fn refused(app: &TestApp, token: &str, body: Value, field: Option<&str>) {
    let res = put_payout(app, token, &body).await;
    let problem = res.problem(422, "validation_failed");
    if let Some(field) = field {
        assert_field_error(problem, field, None);
    }
}

#[actix_web::test]
async fn payout_account_fields_are_validated() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 100).await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    let mut no_bank = bank_account("1234567890");
    no_bank.as_object_mut().expect("object").remove("bank_code");
    refused(&app, &token, no_bank, Some("bank_code")).await;
    for number in ["12345", "123456789012345678901", "12345abcde"] {
        refused(&app, &token, bank_account(number), Some("account_number")).await;
    }
    for name in [String::new(), "N".repeat(101)] {
        let mut body = bank_account("1234567890");
        body["holder_name"] = json!(name);
        refused(&app, &token, body, Some("holder_name")).await;
    }
    let mut unknown_kind = bank_account("1234567890");
    unknown_kind["kind"] = json!("dana");
    refused(&app, &token, unknown_kind, None).await;
    refused(&app, &token,
        json!({"kind": "gopay", "bank_code": "014", "account_number": holder.phone, "holder_name": "Budi Santoso"}),
        Some("bank_code"),
    )
    .await;
    app.get("/v1/me/payout-account", &token)
        .await
        .problem(404, "not_found");

    // The bounds themselves are accepted.
    for number in ["123456", "12345678901234567890"] {
        let res = put_payout(&app, &token, &bank_account(number)).await;
        assert_eq!(res.status, 202, "{number}: {}", res.body);
    }
    let mut body = bank_account("1234567890");
    body["holder_name"] = json!("N".repeat(100));
    assert_eq!(put_payout(&app, &token, &body).await.status, 202);
}

#[actix_web::test]
async fn an_ewallet_account_must_be_the_registered_phone_in_any_of_its_forms() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 100).await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let stranger = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    let national = &holder.phone[1..];
    let forms = [
        holder.phone.clone(),
        format!("62{national}"),
        format!("+62{national}"),
    ];
    let wallet = |kind: &str, number: &str| json!({"kind": kind, "account_number": number, "holder_name": "Budi Santoso"});
    for kind in ["gopay", "ovo", "linkaja"] {
        for form in &forms {
            let res = put_payout(&app, &token, &wallet(kind, form)).await;
            assert_eq!(res.status, 202, "{kind} {form}: {}", res.body);
        }
        put_payout(&app, &token, &wallet(kind, &stranger.phone))
            .await
            .problem(422, "ewallet_phone_mismatch");
    }

    let account = link_payout_account(
        &app,
        &admin,
        &token,
        &holder,
        &wallet("ovo", &format!("+62{national}")),
    )
    .await;
    assert_eq!(account["kind"], "ovo");
    assert!(account["bank_code"].is_null(), "{account}");
    let masked = account["account_number_masked"]
        .as_str()
        .expect("account_number_masked");
    let (stars, tail) = masked.split_at(masked.len() - 4);
    assert_eq!(tail, &holder.phone[holder.phone.len() - 4..], "{masked}");
    assert!(
        !stars.is_empty() && stars.chars().all(|c| c == '*'),
        "{masked}"
    );
}

#[actix_web::test]
async fn payout_confirmation_codes_count_down_lock_and_are_single_use() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 100).await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    let (id, otp) =
        payout_requested(&app, &admin, &token, &holder, &bank_account("1234567890")).await;
    let wrong = wrong_otp(&otp);
    for left in [4, 3, 2, 1] {
        let res = confirm_payout(&app, &token, &id, &wrong).await;
        assert_eq!(
            res.problem(422, "otp_incorrect")["attempts_remaining"].as_i64(),
            Some(left),
            "{}",
            res.body
        );
    }
    confirm_payout(&app, &token, &id, &wrong)
        .await
        .problem(409, "validation_locked");
    confirm_payout(&app, &token, &id, &otp)
        .await
        .problem(409, "validation_locked");
    app.get("/v1/me/payout-account", &token)
        .await
        .problem(404, "not_found");

    let (id, otp) =
        payout_requested(&app, &admin, &token, &holder, &bank_account("1234567890")).await;
    assert_eq!(confirm_payout(&app, &token, &id, &otp).await.status, 200);
    confirm_payout(&app, &token, &id, &otp)
        .await
        .problem(409, "otp_already_used");
    confirm_payout(&app, &token, &uuid::Uuid::new_v4().to_string(), &otp)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn confirming_a_new_payout_account_replaces_the_active_one() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 100).await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    let first = link_payout(&app, &admin, &token, &holder).await;
    assert_eq!(first["account_number_masked"], "******7890");

    // A change that is not confirmed leaves the active account in place.
    payout_requested(&app, &admin, &token, &holder, &bank_account("5555000011")).await;
    let res = app.get("/v1/me/payout-account", &token).await;
    assert_eq!(res.body, first, "unconfirmed: {}", res.body);

    let mut bri = bank_account("9876543210");
    bri["bank_code"] = json!("002");
    let second = link_payout_account(&app, &admin, &token, &holder, &bri).await;
    assert_eq!(second["bank_code"], "002");
    assert_eq!(second["account_number_masked"], "******3210");
    let res = app.get("/v1/me/payout-account", &token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body, second);

    let wallet =
        json!({"kind": "gopay", "account_number": holder.phone, "holder_name": "Budi Santoso"});
    let third = link_payout_account(&app, &admin, &token, &holder, &wallet).await;
    let res = app.get("/v1/me/payout-account", &token).await;
    assert_eq!(res.body, third);
    assert_eq!(res.body["kind"], "gopay");
}

#[derive(QueryableByName)]
struct TextValue {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Every row of every table as text (`(table, row)`), columns found from the catalogue.
async fn every_stored_row(app: &TestApp) -> Vec<(String, String)> {
    let backend = backend(app);
    app.db(move |c| {
        let texts = |c: &mut prakerja_api::db::DbConn, sql: String| -> Result<Vec<String>, diesel::result::Error> {
            Ok(diesel::sql_query(sql)
                .load::<TextValue>(c)?
                .into_iter()
                .map(|t| t.value)
                .collect())
        };
        let mut out = Vec::new();
        match backend {
            Backend::Sqlite => {
                let tables = texts(
                    c,
                    "SELECT name AS value FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'".into(),
                )?;
                for table in tables {
                    let columns = texts(
                        c,
                        format!("SELECT name AS value FROM pragma_table_info('{table}')"),
                    )?;
                    let row = columns
                        .iter()
                        .map(|col| format!("COALESCE(quote(\"{col}\"), '')"))
                        .collect::<Vec<_>>()
                        .join(" || '|' || ");
                    for r in texts(c, format!("SELECT {row} AS value FROM \"{table}\""))? {
                        out.push((table.clone(), r));
                    }
                }
            }
            Backend::Postgres => {
                let tables = texts(
                    c,
                    "SELECT table_name::text AS value FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                        .into(),
                )?;
                for table in tables {
                    for r in texts(c, format!("SELECT CAST(t AS text) AS value FROM \"{table}\" t"))? {
                        out.push((table.clone(), r));
                    }
                }
            }
        }
        Ok(out)
    })
    .await
}

#[actix_web::test]
async fn the_payout_account_number_is_never_stored_in_clear() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let holder = register(&app, &admin).await;
    let token = holder_token(&app, &admin, &holder).await;
    let number = "7301928374650";
    let account = link_payout_account(&app, &admin, &token, &holder, &bank_account(number)).await;
    assert!(!account.to_string().contains(number), "{account}");
    // A second, pending one too.
    let pending = "6402817395064";
    payout_requested(&app, &admin, &token, &holder, &bank_account(pending)).await;

    let rows = every_stored_row(&app).await;
    assert!(
        rows.iter().any(|(table, _)| table == "payout_accounts"),
        "the payout_accounts table holds the account"
    );
    for secret in [number, pending] {
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        for (table, row) in &rows {
            assert!(
                !row.contains(secret) && !row.to_ascii_lowercase().contains(&hex),
                "{table} stores {secret} in clear: {row}"
            );
        }
    }
}

// ---- Who may read what ----

#[actix_web::test]
async fn partner_tokens_are_forbidden_on_me_routes_and_no_token_is_invalid_token() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let code = VoucherCode::generate().dashed();
    let gets = [
        "/v1/me",
        "/v1/me/trainings",
        "/v1/me/disbursements",
        "/v1/me/payout-account",
    ];
    let review_path = format!("/v1/me/trainings/{code}/review");
    let posts = [
        (
            review_path.as_str(),
            json!({"rating": 5, "review": REVIEW_TEXT}),
        ),
        ("/v1/me/surveys/1", json!({"answers": {"q": 1}})),
        (
            "/v1/me/payout-account/confirm",
            json!({"confirmation_id": uuid::Uuid::new_v4(), "otp": "123456"}),
        ),
    ];
    for token in [&t.admin, &t.platform, &t.lpk] {
        for path in gets {
            app.get(path, token).await.problem(403, "forbidden");
        }
        for (path, body) in &posts {
            app.post(path, token, body).await.problem(403, "forbidden");
        }
        put_payout(&app, token, &bank_account("1234567890"))
            .await
            .problem(403, "forbidden");
    }
    for path in gets {
        anonymous_get(&app, path)
            .await
            .problem(401, "invalid_token");
    }
    for (path, body) in &posts {
        anonymous_post(&app, path, body)
            .await
            .problem(401, "invalid_token");
    }
    let res = app
        .send(
            app.client
                .put(app.url("/v1/me/payout-account"))
                .json(&bank_account("1234567890")),
        )
        .await;
    res.problem(401, "invalid_token");
}

#[actix_web::test]
async fn another_holders_token_never_reads_or_changes_this_holders_data() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 100).await;
    let t = tokens(&app).await;
    let (holder, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 80).await;
    let mine = holder_token(&app, &t.admin, &holder).await;
    let other = register(&app, &t.admin).await;
    let theirs = holder_token(&app, &t.admin, &other).await;

    assert_eq!(
        me(&app, &theirs).await["card_number_masked"],
        masked_card(&other.card)
    );
    assert!(
        trainings(&app, &theirs)
            .await
            .iter()
            .all(|v| v["code"] != code.as_str()),
        "another holder's trainings"
    );
    review(&app, &theirs, &code, 1, REVIEW_TEXT)
        .await
        .problem(404, "not_found");
    assert!(voucher(&app, &t.lpk, &code).await["review"].is_null());

    let (id, otp) =
        payout_requested(&app, &t.admin, &mine, &holder, &bank_account("1234567890")).await;
    confirm_payout(&app, &theirs, &id, &otp)
        .await
        .problem(404, "not_found");
    app.get("/v1/me/payout-account", &mine)
        .await
        .problem(404, "not_found");
    app.get("/v1/me/payout-account", &theirs)
        .await
        .problem(404, "not_found");
    // The owner's confirmation is untouched by the other's try.
    assert_eq!(confirm_payout(&app, &mine, &id, &otp).await.status, 200);
    app.get("/v1/me/payout-account", &theirs)
        .await
        .problem(404, "not_found");
    assert_eq!(review(&app, &mine, &code, 4, REVIEW_TEXT).await.status, 201);
}

// ---- Sandbox cards ----

#[actix_web::test]
async fn sandbox_test_cards_6_7_and_8_sit_at_the_documented_post_training_stages() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    for (i, payload, phone) in [
        (6, "520000000000007", "081200000007"),
        (7, "520000000000008", "081200000008"),
        (8, "520000000000009", "081200000009"),
    ] {
        let card = test_card(i);
        assert_eq!(
            card.card,
            CardNumber::complete(payload).as_str(),
            "card {i}"
        );
        assert_eq!(card.phone, phone, "card {i}");
    }
    let course = approved_course(&app, &t, 100_000, None).await;

    let reviewed_not = test_card(6);
    let before = sms_count(&app, &t.admin, &reviewed_not.phone).await;
    let res = start(&app, &t.platform, &reviewed_not.card, &course).await;
    assert_missing(
        &res.problem(409, "training_in_progress")["missing"],
        &["rating", "review"],
    );
    assert_eq!(sms_count(&app, &t.admin, &reviewed_not.phone).await, before);

    let no_payout = test_card(7);
    let res = start(&app, &t.platform, &no_payout.card, &course).await;
    assert_eq!(res.status, 201, "card 7 may buy again: {}", res.body);
    let token = holder_token(&app, &t.admin, &no_payout).await;
    let me7 = me(&app, &token).await;
    assert_eq!(
        me7["incentive"]["missing"],
        json!(["payout_account"]),
        "{me7}"
    );
    assert_eq!(me7["incentive"]["ready"], false, "{me7}");

    let ready = test_card(8);
    let token = holder_token(&app, &t.admin, &ready).await;
    let me8 = me(&app, &token).await;
    assert_eq!(me8["incentive"]["ready"], true, "{me8}");
    assert_eq!(me8["incentive"]["missing"], json!([]), "{me8}");
}

#[actix_web::test]
async fn the_payout_otp_names_the_new_account_and_a_replacement_is_told_to_the_holder() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    link_payout(&app, &t.admin, &token, &holder).await;
    let otp_text = sms(&app, &t.admin, &holder.phone).await[0]["body"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        otp_text.contains("MENGGANTI rekening") && otp_text.contains("BCA ******7890"),
        "the code says what it is for: {otp_text}"
    );
    assert!(!otp_text.contains("1234567890"), "never the full number");
    link_payout_account(&app, &t.admin, &token, &holder, &bank_account("9876543210")).await;
    let notice = sms(&app, &t.admin, &holder.phone).await[0]["body"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        notice.contains("telah diganti") && notice.contains("BCA ******3210"),
        "{notice}"
    );
}

#[actix_web::test]
async fn a_frozen_card_cannot_change_its_payout_account() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    let pending = put_payout(&app, &token, &bank_account("1234567890")).await;
    assert_eq!(pending.status, 202, "{}", pending.body);
    let res = app
        .post(
            &format!("/v1/admin/participants/{}/freeze", holder.card),
            &t.admin,
            &json!({"reason": "laporan kecurangan"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    put_payout(&app, &token, &bank_account("1234567890"))
        .await
        .problem(409, "card_frozen");
    let id = pending.body["confirmation_id"].as_str().unwrap_or("");
    let otp = latest_otp(&app, &t.admin, &holder.phone).await;
    confirm_payout(&app, &token, id, &otp)
        .await
        .problem(409, "card_frozen");
    app.get("/v1/me/payout-account", &token)
        .await
        .problem(404, "not_found");
}
