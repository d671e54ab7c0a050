//! `POST /v1/sandbox/holders` (fresh test holders in any documented state) and
//! `POST /v1/sandbox/reset` (the documented test cards back as the README describes them).

use diesel::prelude::*;
use prakerja_api::domain::CardNumber;
use prakerja_api::service::audit::{self, ChainCheck};
use prakerja_api::service::sandbox::{TEST_CARDS, card};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::post_training_helpers::count_events;
use crate::purchase_helpers::{
    Course, FULL_BALANCE, Holder, balance, purchase, sandbox_course, seats_left, sms, start,
    test_card, tokens,
};

const STATES: &[&str] = &[
    "active",
    "frozen",
    "revoked",
    "deadline_passed",
    "low_balance",
    "training_in_progress",
    "completed_awaiting_review",
    "reviewed_without_payout_account",
    "ready_for_incentive",
];

async fn mint(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post("/v1/sandbox/holders", token, body).await;
    assert_eq!(res.status, 201, "mint {body}: {}", res.body);
    res.body
}

fn holder_of(minted: &Value) -> Holder {
    Holder {
        card: minted["card_number"].as_str().expect("card").to_string(),
        phone: minted["phone"].as_str().expect("phone").to_string(),
    }
}

/// Sandbox off: OTPs would go to a real gateway (nothing listens on port 9 here).
fn sandbox_off(c: &mut prakerja_api::config::Config) {
    c.sandbox = false;
    c.sms.gateway_url = Some("http://127.0.0.1:9/sms".into());
    c.payouts.gateway_url = Some("http://127.0.0.1:9/payouts".into());
}

#[actix_web::test]
async fn each_minted_state_answers_a_card_validation_as_its_test_card_does() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = sandbox_course(&app, &t.platform, 500_000).await;
    let expected: &[(&str, Option<&str>, &str, i64)] = &[
        ("active", None, "active", FULL_BALANCE),
        ("frozen", Some("card_frozen"), "frozen", FULL_BALANCE),
        ("revoked", Some("card_revoked"), "revoked", FULL_BALANCE),
        (
            "deadline_passed",
            Some("purchase_deadline_passed"),
            "active",
            FULL_BALANCE,
        ),
        (
            "low_balance",
            Some("insufficient_balance"),
            "active",
            100_000,
        ),
        (
            "training_in_progress",
            Some("training_in_progress"),
            "active",
            700_000,
        ),
        (
            "completed_awaiting_review",
            Some("training_in_progress"),
            "active",
            700_000,
        ),
        ("reviewed_without_payout_account", None, "active", 700_000),
        ("ready_for_incentive", None, "active", 700_000),
    ];
    assert_eq!(expected.len(), STATES.len());
    for (state, refusal, status, money) in expected {
        let minted = mint(&app, &t.lpk, &json!({"state": state})).await;
        assert_eq!(minted["state"], *state, "{minted}");
        assert_eq!(minted["status"], *status, "{state}: {minted}");
        assert_eq!(minted["balance"], *money, "{state}: {minted}");
        let bought = minted["voucher_code"].is_string();
        assert_eq!(bought, *money == 700_000, "{state}: {minted}");
        let holder = holder_of(&minted);
        // What admin reads is what the mint said.
        assert_eq!(balance(&app, &t.admin, &holder.card).await, *money);
        let res = start(&app, &t.platform, &holder.card, &course).await;
        match refusal {
            Some(code) => drop(res.problem(409, code)),
            None => {
                assert_eq!(res.status, 201, "{state}: {}", res.body);
                let sent = sms(&app, &t.platform, &holder.phone).await;
                assert!(
                    sent[0]["otp"].is_string(),
                    "{state}: the OTP reached {sent:?}"
                );
            }
        }
    }
}

#[actix_web::test]
async fn an_empty_body_mints_an_active_holder_that_a_whole_purchase_works_for() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let minted = mint(&app, &t.platform, &json!({})).await;
    assert_eq!(minted["state"], "active");
    assert!(minted["voucher_code"].is_null(), "{minted}");
    let holder = holder_of(&minted);
    let course = sandbox_course(&app, &t.platform, 500_000).await;
    let voucher = purchase(&app, &t.platform, &holder, &course).await;
    assert_eq!(voucher["balance_after"], FULL_BALANCE - 500_000);
}

#[actix_web::test]
async fn two_mints_give_two_holders_with_valid_cards_no_test_card_has() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let one = mint(&app, &admin, &json!({"state": "active"})).await;
    let two = mint(&app, &admin, &json!({"state": "active"})).await;
    assert_ne!(one["card_number"], two["card_number"]);
    assert_ne!(one["phone"], two["phone"]);
    let documented: Vec<String> = TEST_CARDS
        .iter()
        .map(|(p, ..)| card(p).as_str().to_string())
        .collect();
    for minted in [&one, &two] {
        let number = minted["card_number"].as_str().expect("card");
        assert!(
            CardNumber::parse(number).is_ok(),
            "{number} has 16 digits and a check digit"
        );
        assert!(!documented.iter().any(|d| d == number), "{number}");
        let phone = minted["phone"].as_str().expect("phone");
        assert!(phone.starts_with("+628"), "the E.164 form: {phone}");
    }
}

#[actix_web::test]
async fn a_mint_retried_with_its_idempotency_key_answers_the_same_holder() {
    let app = spawn_app().await;
    let token = app.token(PLATFORM).await;
    let send = || {
        app.send(
            app.client
                .post(app.url("/v1/sandbox/holders"))
                .bearer_auth(&token)
                .header("Idempotency-Key", "mint-1")
                .json(&json!({"state": "frozen"})),
        )
    };
    let first = send().await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = send().await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

#[actix_web::test]
async fn minting_refuses_an_unknown_state() {
    let app = spawn_app().await;
    let token = app.token(PLATFORM).await;
    app.post("/v1/sandbox/holders", &token, &json!({"state": "rich"}))
        .await
        .problem(422, "validation_failed");
}

#[actix_web::test]
async fn minting_and_resetting_need_a_token_and_are_404_with_the_sandbox_off() {
    let app = spawn_app().await;
    for path in ["/v1/sandbox/holders", "/v1/sandbox/reset"] {
        app.post(path, "not-a-token", &json!({}))
            .await
            .problem(401, "invalid_token");
    }
    let off = spawn_with(sandbox_off).await;
    let admin = {
        let creds = off
            .client_of(prakerja_api::domain::partner::PartnerKind::Admin)
            .await;
        off.token((&creds.client_id, &creds.client_secret)).await
    };
    for path in ["/v1/sandbox/holders", "/v1/sandbox/reset"] {
        off.post(path, &admin, &json!({}))
            .await
            .problem(404, "not_found");
    }
}

/// `(status, balance, purchase deadline)` of every documented test card, as admin reads them.
async fn documented_states(app: &TestApp, admin: &str) -> Vec<(Value, Value, i64)> {
    let mut all = Vec::new();
    for (payload, ..) in TEST_CARDS {
        let path = format!("/v1/admin/participants/{}", card(payload).as_str());
        let res = app.get(&path, admin).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let deadline = chrono::DateTime::parse_from_rfc3339(
            res.body["purchase_deadline"].as_str().unwrap_or(""),
        )
        .expect("deadline");
        // To the hour: the reset seeds them again a few seconds after the seed did.
        all.push((
            res.body["status"].clone(),
            res.body["balance"].clone(),
            deadline.timestamp() / 3600,
        ));
    }
    all
}

async fn reset(app: &TestApp, token: &str) -> Value {
    let res = app.post("/v1/sandbox/reset", token, &json!({})).await;
    assert_eq!(res.status, 200, "reset: {}", res.body);
    res.body
}

/// The code of the voucher the seed (or a reset) bought for test card `n` (1-based).
async fn seeded_voucher(app: &TestApp, n: usize) -> String {
    use prakerja_api::db::schema::vouchers as v;
    let order = format!("SANDBOX-SEED-{n}");
    let code = app
        .db(move |c| {
            Ok(v::table
                .filter(v::external_order_id.eq(order))
                .select(v::code)
                .first::<String>(c)?)
        })
        .await;
    // As partners see it (and events print it).
    prakerja_api::domain::VoucherCode::stored(code).dashed()
}

async fn audit_actions(app: &TestApp, action: &'static str) -> i64 {
    use prakerja_api::db::schema::audit_events as a;
    app.db(move |c| {
        Ok(a::table
            .filter(a::action.eq(action))
            .count()
            .get_result(c)?)
    })
    .await
}

#[actix_web::test]
async fn a_reset_after_a_purchase_lets_the_active_test_card_buy_again_with_its_full_balance() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let before = documented_states(&app, &t.admin).await;
    let course = sandbox_course(&app, &t.platform, 500_000).await;
    let schedule = course.schedule.clone().expect("a run");
    let seats = seats_left(&app, &t.platform, &course.code, &schedule).await;
    let minted = mint(&app, &t.platform, &json!({"state": "training_in_progress"})).await;

    let active = test_card(0);
    let voucher = purchase(&app, &t.platform, &active, &course).await;
    let code = voucher["code"].as_str().expect("code").to_string();
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        seats - 1
    );
    start(&app, &t.platform, &active.card, &course)
        .await
        .problem(409, "training_in_progress");
    assert_eq!(
        count_events(&app, &t.platform, &code, "voucher.issued").await,
        1
    );

    let answer = reset(&app, &t.lpk).await;
    let cards: Vec<String> = TEST_CARDS
        .iter()
        .map(|(p, ..)| card(p).as_str().to_string())
        .collect();
    assert_eq!(answer, json!({"cards": cards}));
    assert_eq!(documented_states(&app, &t.admin).await, before);
    assert_eq!(balance(&app, &t.admin, &active.card).await, FULL_BALANCE);
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        seats,
        "the wiped voucher's seat is back"
    );
    assert_eq!(
        count_events(&app, &t.platform, &code, "voucher.issued").await,
        0
    );
    let voucher = purchase(&app, &t.platform, &active, &course).await;
    assert_eq!(voucher["balance_after"], FULL_BALANCE - 500_000);

    // The minted holder is as it was: its card, its balance, its training.
    assert_eq!(
        balance(
            &app,
            &t.admin,
            minted["card_number"].as_str().expect("card")
        )
        .await,
        700_000
    );
    let path = format!(
        "/v1/vouchers/{}",
        minted["voucher_code"].as_str().expect("code")
    );
    let res = app.get(&path, &t.platform).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["status"], "issued", "{}", res.body);

    let chain = app.db(|c| audit::verify(c, |_| {})).await;
    assert!(matches!(chain, ChainCheck::Intact { .. }), "{chain:?}");
    assert_eq!(audit_actions(&app, "sandbox.reset").await, 1);
}

#[actix_web::test]
async fn a_reset_takes_back_payments_events_and_deliveries_and_seats_stay_right() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let before = documented_states(&app, &t.admin).await;
    let course: Course = sandbox_course(&app, &t.platform, 500_000).await;
    let schedule = course.schedule.clone().expect("a run");
    let seats = seats_left(&app, &t.platform, &course.code, &schedule).await;
    crate::webhook_helpers::subscribe(
        &app,
        &t.platform,
        "http://127.0.0.1:9/hook",
        &["voucher.issued", "voucher.voided", "disbursement.updated"],
    )
    .await;
    // The "ready for incentive" card is paid; the "training in progress" one's voucher voided,
    // its seat given back, so the reset must not give it back twice.
    crate::disbursement_helpers::run(&app, &t.admin, None).await;
    let ready = test_card(8);
    let paid = crate::disbursement_helpers::payments_of(&app, &t.platform, &ready.card).await;
    assert!(!paid.is_empty(), "the run made payments");
    let seeded = seeded_voucher(&app, 6).await;
    let res = crate::post_training_helpers::void(&app, &t.admin, &seeded).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        seats + 1
    );

    assert_eq!(
        count_events(&app, &t.platform, &seeded, "voucher.voided").await,
        1
    );

    reset(&app, &t.admin).await;
    reset(&app, &t.platform).await;
    assert_eq!(documented_states(&app, &t.admin).await, before);
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        seats,
        "card 6 holds one seat again, as seeded"
    );
    let paid = crate::disbursement_helpers::payments_of(&app, &t.platform, &ready.card).await;
    assert!(paid.is_empty(), "{paid:?}");
    assert_eq!(
        count_events(&app, &t.platform, &seeded, "voucher.voided").await,
        0
    );
    assert_ne!(seeded_voucher(&app, 6).await, seeded, "a new voucher");
    // Paid again by the next run, as a fresh seed would be.
    crate::disbursement_helpers::run(&app, &t.admin, None).await;
    let paid = crate::disbursement_helpers::payments_of(&app, &t.platform, &ready.card).await;
    assert!(!paid.is_empty());
    let chain = app.db(|c| audit::verify(c, |_| {})).await;
    assert!(matches!(chain, ChainCheck::Intact { .. }), "{chain:?}");
    assert_eq!(audit_actions(&app, "sandbox.reset").await, 2);
}
