use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::purchase_helpers::*;

/// Every voucher, as admin lists them (all pages).
pub(crate) async fn all_vouchers(app: &TestApp, admin: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/vouchers?limit=100&cursor={c}"),
            None => "/v1/vouchers?limit=100".to_string(),
        };
        let res = app.get(&path, admin).await;
        assert_eq!(res.status, 200, "voucher list: {}", res.body);
        all.extend(res.body["data"].as_array().cloned().unwrap_or_default());
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return all,
        }
    }
}

/// The balance invariant: for every card, balance + the amounts of its non-voided vouchers is the
/// full Rp1,000,000. Vouchers show only the card's last 4 digits, so cards sharing them are
/// checked together (their sums against n x 1,000,000). Pass every card that bought anything.
pub(crate) async fn assert_balances_add_up(app: &TestApp, admin: &str, cards: &[&str]) {
    let vouchers = all_vouchers(app, admin).await;
    // The seeded test cards 6-9 bought too: a new card sharing the last 4 digits of one must be
    // checked together with it.
    let seeded: Vec<String> = (5..=8).map(|i| test_card(i).card).collect();
    let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for card in cards
        .iter()
        .copied()
        .chain(seeded.iter().map(String::as_str))
    {
        groups.entry(&card[12..]).or_default().insert(card);
    }
    for (last4, group) in groups {
        let mut balances = 0;
        for card in &group {
            balances += balance(app, admin, card).await;
        }
        let spent: i64 = vouchers
            .iter()
            .filter(|v| v["status"] != "voided")
            .filter(|v| {
                v["card_number_masked"]
                    .as_str()
                    .is_some_and(|m| m.ends_with(last4))
            })
            .map(|v| v["amount"].as_i64().expect("amount"))
            .sum();
        assert_eq!(
            balances + spent,
            FULL_BALANCE * group.len() as i64,
            "cards ending {last4}: balance {balances} + vouchers {spent}"
        );
    }
}

fn code_of(voucher: &Value) -> String {
    voucher["code"].as_str().expect("code").to_string()
}

async fn void(app: &TestApp, admin: &str, code: &str) -> Response {
    app.post(
        &format!("/v1/admin/vouchers/{code}/void"),
        admin,
        &json!({"reason": "pembelian dibatalkan"}),
    )
    .await
}

async fn redeem(app: &TestApp, lpk: &str, code: &str, card: &str) -> Response {
    app.post(
        &format!("/v1/vouchers/{code}/redeem"),
        lpk,
        &json!({"card_number": card}),
    )
    .await
}

async fn attend(app: &TestApp, lpk: &str, code: &str, sequence: i64) -> Response {
    app.post(
        &format!("/v1/vouchers/{code}/attendance"),
        lpk,
        &json!({"sequence": sequence, "attended_at": Utc::now().to_rfc3339()}),
    )
    .await
}

async fn other_partner_token(app: &TestApp, admin: &str, kind: &str) -> String {
    let (_, client, secret) = app.new_partner(admin, kind).await;
    app.token((&client, &secret)).await
}

#[actix_web::test]
async fn a_verified_validation_buys_a_voucher_and_a_repeated_order_id_returns_the_same_one() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 400_000, Some((Duration::days(2), 10))).await;
    let schedule = course.schedule.clone().expect("schedule");
    let id = validated(&app, &t.platform, &holder, &course).await;
    let order = order_id();
    let body = voucher_body(&id, &course.code, Some(&schedule), &order);

    let res = app.post("/v1/vouchers", &t.platform, &body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let v = res.body.clone();
    let code = code_of(&v);
    assert!(is_voucher_code(&code), "{code}");
    assert_eq!(v["status"], "issued");
    assert_eq!(v["course_code"], course.code.as_str());
    assert_eq!(v["schedule_code"], schedule.as_str());
    assert_eq!(v["amount"], 400_000);
    assert_eq!(v["balance_after"], FULL_BALANCE - 400_000);
    assert_eq!(
        v["card_number_masked"],
        format!("************{}", &holder.card[12..])
    );
    assert_eq!(v["external_order_id"], order.as_str());
    assert!(
        v["platform_id"].as_str().is_some_and(|p| !p.is_empty()),
        "{v}"
    );
    let detail = app
        .get(&format!("/v1/courses/{}", course.code), &t.platform)
        .await;
    assert_eq!(v["lpk_id"], detail.body["lpk_id"]);
    DateTime::parse_from_rfc3339(v["issued_at"].as_str().unwrap_or("")).expect("issued_at");
    assert!(
        v["redeemed_at"].is_null() && v["completed_at"].is_null(),
        "{v}"
    );
    assert_eq!(v["attendance"], json!([]));
    assert!(
        !v.to_string().contains(&holder.card),
        "the full card number must not leak: {v}"
    );

    let again = app.post("/v1/vouchers", &t.platform, &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["code"], code.as_str());
    assert_eq!(again.body["balance_after"], FULL_BALANCE - 400_000);

    let validation = app
        .get(&format!("/v1/card-validations/{id}"), &t.platform)
        .await;
    assert_eq!(validation.body["status"], "used", "{}", validation.body);
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 400_000
    );
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        9
    );
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn a_validation_buys_only_one_voucher() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, None).await;
    let id = validated(&app, &t.platform, &holder, &course).await;
    assert_eq!(buy(&app, &t.platform, &id, &course).await.status, 201);
    buy(&app, &t.platform, &id, &course)
        .await
        .problem(409, "validation_used");
    let otp = latest_otp(&app, &t.platform, &holder.phone).await;
    verify(&app, &t.platform, &id, &otp)
        .await
        .problem(409, "validation_used");
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 250_000
    );
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn an_unverified_validation_is_validation_not_verified() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, None).await;
    let (id, _) = started(&app, &t.platform, &holder, &course).await;
    buy(&app, &t.platform, &id, &course)
        .await
        .problem(409, "validation_not_verified");
    assert_eq!(balance(&app, &t.admin, &holder.card).await, FULL_BALANCE);
}

#[actix_web::test]
async fn a_purchase_must_name_the_validated_course_and_schedule() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, Some((Duration::days(2), 10))).await;
    let second_run = add_schedule(&app, &t.lpk, &course.code, Duration::days(9), 10).await;
    let other = approved_course(&app, &t, 250_000, None).await;
    let id = validated(&app, &t.platform, &holder, &course).await;

    buy(&app, &t.platform, &id, &other)
        .await
        .problem(422, "validation_mismatch");
    let other_run = Course {
        schedule: Some(second_run),
        ..course.clone()
    };
    buy(&app, &t.platform, &id, &other_run)
        .await
        .problem(422, "validation_mismatch");
    assert_eq!(balance(&app, &t.admin, &holder.card).await, FULL_BALANCE);
    // The mismatches did not use it up.
    assert_eq!(buy(&app, &t.platform, &id, &course).await.status, 201);
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn a_course_withdrawn_from_the_platform_after_verification_is_course_not_available() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, None).await;
    let other = approved_course(&app, &t, 250_000, None).await;
    let id = validated(&app, &t.platform, &holder, &course).await;
    // Management narrows the course to no platform at all, after the OTP was verified.
    let withdrawn = app
        .sql(&format!(
            "UPDATE courses SET all_platforms = false WHERE course_code = '{}'",
            course.code
        ))
        .await;
    assert_eq!(withdrawn, 1);

    // Naming another course is still the mismatch it was, not the withdrawal.
    buy(&app, &t.platform, &id, &other)
        .await
        .problem(422, "validation_mismatch");
    let refused = buy(&app, &t.platform, &id, &course).await;
    let problem = refused.problem(422, "course_not_available");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("no longer sold"),
        "{problem}"
    );
    assert_eq!(balance(&app, &t.admin, &holder.card).await, FULL_BALANCE);
}

#[actix_web::test]
async fn a_verified_validation_past_its_ttl_is_validation_expired() {
    let app = spawn_with(|c| c.otp.validation_ttl = StdDuration::from_secs(1)).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, None).await;
    let id = validated(&app, &t.platform, &holder, &course).await;
    actix_web::rt::time::sleep(StdDuration::from_millis(2100)).await;
    buy(&app, &t.platform, &id, &course)
        .await
        .problem(410, "validation_expired");
    assert_eq!(balance(&app, &t.admin, &holder.card).await, FULL_BALANCE);
}

#[actix_web::test]
async fn freezing_the_card_between_verification_and_purchase_is_card_frozen() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, None).await;
    let id = validated(&app, &t.platform, &holder, &course).await;
    let res = app
        .post(
            &format!("/v1/admin/participants/{}/freeze", holder.card),
            &t.admin,
            &json!({"reason": "laporan kecurangan"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    buy(&app, &t.platform, &id, &course)
        .await
        .problem(409, "card_frozen");
    start(&app, &t.platform, &holder.card, &course)
        .await
        .problem(409, "card_frozen");
    assert_eq!(balance(&app, &t.admin, &holder.card).await, FULL_BALANCE);
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn an_issued_voucher_makes_the_next_validation_training_in_progress() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let first = approved_course(&app, &t, 250_000, None).await;
    let second = approved_course(&app, &t, 250_000, None).await;
    purchase(&app, &t.platform, &holder, &first).await;
    let before = sms_count(&app, &t.platform, &holder.phone).await;
    start(&app, &t.platform, &holder.card, &second)
        .await
        .problem(409, "training_in_progress");
    assert_eq!(sms_count(&app, &t.platform, &holder.phone).await, before);
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn a_voucher_is_readable_by_its_platform_lpk_and_admin_in_any_code_form() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, None).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    let forms = [
        code.clone(),
        code.to_ascii_lowercase(),
        code.replace('-', ""),
        code.replace('-', "").to_ascii_lowercase(),
    ];
    for token in [&t.platform, &t.lpk, &t.admin] {
        for form in &forms {
            let res = app.get(&format!("/v1/vouchers/{form}"), token).await;
            assert_eq!(res.status, 200, "{form}: {}", res.body);
            assert_eq!(res.body["code"], code.as_str(), "{}", res.body);
        }
    }
    let other_platform = other_partner_token(&app, &t.admin, "platform").await;
    let other_lpk = other_partner_token(&app, &t.admin, "lpk").await;
    for token in [&other_platform, &other_lpk] {
        app.get(&format!("/v1/vouchers/{code}"), token)
            .await
            .problem(404, "not_found");
        let res = app.get("/v1/vouchers?limit=100", token).await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(res.body["data"], json!([]), "{}", res.body);
    }
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn a_code_with_a_wrong_check_character_or_a_foreign_symbol_is_invalid_voucher_code() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 250_000, None).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    let last = code.chars().last().expect("last");
    let changed = format!(
        "{}{}",
        &code[..code.len() - 1],
        if last == '2' { '3' } else { '2' }
    );
    app.get(&format!("/v1/vouchers/{changed}"), &t.admin)
        .await
        .problem(422, "invalid_voucher_code");
    let foreign = format!("O{}", &code[1..]);
    app.get(&format!("/v1/vouchers/{foreign}"), &t.admin)
        .await
        .problem(422, "invalid_voucher_code");
}

#[actix_web::test]
async fn voucher_lists_filter_by_status_and_course_and_follow_the_cursor() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let a = approved_course(&app, &t, 200_000, None).await;
    let b = approved_course(&app, &t, 300_000, None).await;
    let holders = [
        register(&app, &t.admin).await,
        register(&app, &t.admin).await,
        register(&app, &t.admin).await,
    ];
    let a1 = code_of(&purchase(&app, &t.platform, &holders[0], &a).await);
    let a2 = code_of(&purchase(&app, &t.platform, &holders[1], &a).await);
    let b1 = code_of(&purchase(&app, &t.platform, &holders[2], &b).await);
    assert_eq!(void(&app, &t.admin, &a2).await.status, 200);

    // The sandbox seeds vouchers of its own (sold by the sandbox platform for the sandbox LPK):
    // every listed voucher must match the filter, and of this test's vouchers exactly the
    // expected ones are listed.
    let mine = BTreeSet::from([a1.clone(), a2.clone(), b1.clone()]);
    let set =
        |items: &[&String]| -> BTreeSet<String> { items.iter().map(|s| s.to_string()).collect() };
    for token in [&t.platform, &t.lpk, &t.admin] {
        let filters = [
            (Some("issued"), Some(&a.code), set(&[&a1])),
            (None, Some(&a.code), set(&[&a1, &a2])),
            (Some("voided"), None, set(&[&a2])),
            (Some("issued"), None, set(&[&a1, &b1])),
        ];
        for (status, course_code, expected) in filters {
            let mut query = vec!["limit=100".to_string()];
            query.extend(status.map(|s| format!("status={s}")));
            query.extend(course_code.map(|c| format!("course_code={c}")));
            let query = query.join("&");
            let res = app.get(&format!("/v1/vouchers?{query}"), token).await;
            assert_eq!(res.status, 200, "{query}: {}", res.body);
            let data = res.body["data"].as_array().cloned().unwrap_or_default();
            for v in &data {
                if let Some(s) = status {
                    assert_eq!(v["status"], s, "{query}: {v}");
                }
                if let Some(c) = course_code {
                    assert_eq!(v["course_code"], c.as_str(), "{query}: {v}");
                }
            }
            let listed: BTreeSet<String> = data
                .iter()
                .map(code_of)
                .filter(|c| mine.contains(c))
                .collect();
            assert_eq!(listed, expected, "{query}: {}", res.body);
        }
    }

    let everything: BTreeSet<String> =
        app.get("/v1/vouchers?limit=100", &t.platform).await.body["data"]
            .as_array()
            .map(|d| d.iter().map(code_of).collect())
            .unwrap_or_default();
    assert!(everything.is_superset(&mine), "{everything:?}");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/vouchers?limit=1&cursor={c}"),
            None => "/v1/vouchers?limit=1".to_string(),
        };
        let res = app.get(&path, &t.platform).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let page = res.body["data"].as_array().cloned().unwrap_or_default();
        assert!(page.len() <= 1, "{}", res.body);
        seen.extend(page.iter().map(code_of));
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(
            seen.len() <= everything.len(),
            "the cursor never ends: {seen:?}"
        );
    }
    assert_eq!(seen.len(), everything.len(), "each voucher once: {seen:?}");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), everything);
    let cards: Vec<&str> = holders.iter().map(|h| h.card.as_str()).collect();
    assert_balances_add_up(&app, &t.admin, &cards).await;
}

#[actix_web::test]
async fn voiding_refunds_the_balance_and_frees_the_seat_once() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 400_000, Some((Duration::days(2), 5))).await;
    let schedule = course.schedule.clone().expect("schedule");
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 400_000
    );
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        4
    );

    void(&app, &t.platform, &code)
        .await
        .problem(403, "forbidden");
    let res = void(&app, &t.admin, &code).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["status"], "voided");
    assert_eq!(balance(&app, &t.admin, &holder.card).await, FULL_BALANCE);
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        5
    );
    let res = app.get(&format!("/v1/vouchers/{code}"), &t.platform).await;
    assert_eq!(res.body["status"], "voided", "{}", res.body);
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;

    void(&app, &t.admin, &code)
        .await
        .problem(409, "voucher_not_voidable");
    assert_eq!(balance(&app, &t.admin, &holder.card).await, FULL_BALANCE);
    // No training in progress any more: the holder may validate again.
    let res = start(&app, &t.platform, &holder.card, &course).await;
    assert_eq!(res.status, 201, "{}", res.body);
}

#[actix_web::test]
async fn an_lpk_redeems_its_voucher_once_inside_the_redeem_window() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let stranger = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 400_000, Some((Duration::minutes(30), 5))).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);

    let other_lpk = other_partner_token(&app, &t.admin, "lpk").await;
    redeem(&app, &other_lpk, &code, &holder.card)
        .await
        .problem(404, "not_found");
    redeem(&app, &t.platform, &code, &holder.card)
        .await
        .problem(403, "forbidden");
    redeem(&app, &t.lpk, &code, &stranger.card)
        .await
        .problem(422, "card_mismatch");

    let res = redeem(&app, &t.lpk, &code.to_ascii_lowercase(), &holder.card).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["status"], "redeemed");
    DateTime::parse_from_rfc3339(res.body["redeemed_at"].as_str().unwrap_or(""))
        .expect("redeemed_at");

    redeem(&app, &t.lpk, &code, &holder.card)
        .await
        .problem(409, "voucher_already_redeemed");
    void(&app, &t.admin, &code)
        .await
        .problem(409, "voucher_not_voidable");
    start(&app, &t.platform, &holder.card, &course)
        .await
        .problem(409, "training_in_progress");
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 400_000
    );
    assert_balances_add_up(&app, &t.admin, &[&holder.card, &stranger.card]).await;
}

#[actix_web::test]
async fn a_sandbox_voucher_a_week_ahead_is_outside_the_redeem_window() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = sandbox_course(&app, &t.platform, 500_000).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    redeem(&app, &t.lpk, &code, &holder.card)
        .await
        .problem(409, "outside_redeem_window");
    let res = app.get(&format!("/v1/vouchers/{code}"), &t.lpk).await;
    assert_eq!(res.body["status"], "issued", "{}", res.body);
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn a_voided_voucher_cannot_be_redeemed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 400_000, Some((Duration::minutes(30), 5))).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    assert_eq!(void(&app, &t.admin, &code).await.status, 200);
    redeem(&app, &t.lpk, &code, &holder.card)
        .await
        .problem(409, "voucher_voided");
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn attendance_needs_a_redeemed_voucher_and_a_known_session_and_is_recorded_once() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    // A run that started an hour ago and lasts the day: inside the redeem window, attended now.
    let course = approved_course(&app, &t, 300_000, Some((Duration::hours(-1), 5))).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);

    attend(&app, &t.lpk, &code, 1)
        .await
        .problem(409, "voucher_not_redeemed");
    assert_eq!(redeem(&app, &t.lpk, &code, &holder.card).await.status, 200);

    for sequence in [1, 999] {
        let res = attend(&app, &t.lpk, &code, sequence).await;
        assert_eq!(res.status, 200, "sequence {sequence}: {}", res.body);
    }
    // The course has 3 sessions.
    for sequence in [0, 4] {
        attend(&app, &t.lpk, &code, sequence)
            .await
            .problem(422, "validation_failed");
    }
    let res = attend(&app, &t.lpk, &code, 1).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let sequences = |v: &Value| -> Vec<i64> {
        let mut s: Vec<i64> = v["attendance"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["sequence"].as_i64()).collect())
            .unwrap_or_default();
        s.sort();
        s
    };
    assert_eq!(sequences(&res.body), vec![1, 999], "{}", res.body);
    let res = app.get(&format!("/v1/vouchers/{code}"), &t.admin).await;
    assert_eq!(sequences(&res.body), vec![1, 999], "{}", res.body);
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

/// A voucher read alone comes in one statement (its attendance and certificates as JSON columns);
/// the list reads them in batch queries. Both must show the same marks and certificates, in order,
/// to the microsecond.
#[actix_web::test]
async fn a_voucher_read_alone_shows_what_the_list_shows_in_order_to_the_microsecond() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, Some((Duration::hours(-1), 5))).await;
    let code = code_of(&purchase(&app, &t.platform, &holder, &course).await);
    assert_eq!(redeem(&app, &t.lpk, &code, &holder.card).await.status, 200);
    let at = |seconds_ago: i64, micros: i64| {
        let t = Utc::now() - Duration::seconds(seconds_ago);
        t - Duration::nanoseconds(t.timestamp_subsec_nanos().into())
            + Duration::microseconds(micros)
    };
    // Reported out of order: the view lists them by session.
    for (sequence, when) in [(3, at(20, 654_321)), (1, at(40, 123_456)), (999, at(10, 1))] {
        let res = app
            .post(
                &format!("/v1/vouchers/{code}/attendance"),
                &t.lpk,
                &json!({"sequence": sequence, "attended_at": when.to_rfc3339()}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    crate::post_training_helpers::completed(&app, &t.lpk, &code, 90).await;
    // After the redemption (a certificate cannot predate it), to the microsecond.
    let now = Utc::now();
    let issued = now - Duration::nanoseconds((now.timestamp_subsec_nanos() % 1000).into());
    for (kind, number) in [("national", "BNSP-\"Q\"-1"), ("lpk", "LPK-é-1")] {
        let body = crate::post_training_helpers::certificate_body(
            kind,
            number,
            &issued.to_rfc3339(),
            &format!("https://lpk.example.id/c/{kind}"),
        );
        let res = crate::post_training_helpers::certify_with(&app, &t.lpk, &code, &body).await;
        assert_eq!(res.status, 201, "{}", res.body);
    }

    let alone = app.get(&format!("/v1/vouchers/{code}"), &t.lpk).await;
    assert_eq!(alone.status, 200, "{}", alone.body);
    let listed = app.get("/v1/vouchers?limit=100", &t.lpk).await;
    let in_list = listed.body["data"]
        .as_array()
        .and_then(|all| all.iter().find(|v| v["code"] == code.as_str()))
        .cloned()
        .expect("the voucher in the LPK's list");
    assert_eq!(alone.body, in_list, "alone and listed differ");

    let v = &alone.body;
    let sequences: Vec<i64> = v["attendance"]
        .as_array()
        .expect("attendance")
        .iter()
        .filter_map(|m| m["sequence"].as_i64())
        .collect();
    assert_eq!(sequences, vec![1, 3, 999], "{v}");
    let micros = |m: &Value, field: &str| {
        DateTime::parse_from_rfc3339(m[field].as_str().expect("a time"))
            .expect("rfc3339")
            .timestamp_subsec_micros()
    };
    assert_eq!(micros(&v["attendance"][0], "attended_at"), 123_456, "{v}");
    assert_eq!(micros(&v["attendance"][1], "attended_at"), 654_321, "{v}");
    assert_eq!(v["certificates"][0]["kind"], "lpk", "{v}");
    assert_eq!(v["certificates"][0]["number"], "LPK-é-1", "{v}");
    assert_eq!(v["certificates"][1]["number"], "BNSP-\"Q\"-1", "{v}");
    assert_eq!(
        micros(&v["certificates"][1], "issued_at"),
        issued.timestamp_subsec_micros(),
        "{v}"
    );
}

#[actix_web::test]
async fn the_lpk_never_sees_the_platforms_order_id() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 200_000, None).await;
    let voucher = purchase(&app, &t.platform, &holder, &course).await;
    let code = voucher["code"].as_str().expect("code").to_string();
    assert!(
        voucher["external_order_id"].is_string(),
        "the seller sees it: {voucher}"
    );
    let as_lpk = app.get(&format!("/v1/vouchers/{code}"), &t.lpk).await;
    assert_eq!(as_lpk.status, 200);
    assert!(
        as_lpk.body.get("external_order_id").is_none(),
        "{}",
        as_lpk.body
    );
    let listed = app.get("/v1/vouchers?limit=100", &t.lpk).await;
    assert!(
        listed.body["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|v| v.get("external_order_id").is_none())
    );
    let as_admin = app.get(&format!("/v1/vouchers/{code}"), &t.admin).await;
    assert_eq!(
        as_admin.body["external_order_id"],
        voucher["external_order_id"]
    );
}

#[actix_web::test]
async fn voiding_the_only_purchase_makes_the_first_purchase_deadline_bind_again() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 200_000, None).await;
    let voucher = purchase(&app, &t.platform, &holder, &course).await;
    let code = voucher["code"].as_str().expect("code").to_string();
    // The 30 days run out while the voucher exists; then it is voided.
    app.sql(&format!(
        "UPDATE participants SET purchase_deadline = created_at, passed_at = created_at WHERE card_number = '{}'",
        holder.card
    ))
    .await;
    let res = app
        .post(
            &format!("/v1/admin/vouchers/{code}/void"),
            &t.admin,
            &json!({"reason": "refund: fraud"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    start(&app, &t.platform, &holder.card, &course)
        .await
        .problem(409, "purchase_deadline_passed");
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn each_partner_reads_its_own_voucher_events_newest_first() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 150_000, None).await;
    let voucher = purchase(&app, &t.platform, &holder, &course).await;
    let code = voucher["code"].as_str().expect("code").to_string();
    let void = app
        .post(
            &format!("/v1/admin/vouchers/{code}/void"),
            &t.admin,
            &json!({"reason": "refund: test"}),
        )
        .await;
    assert_eq!(void.status, 200, "{}", void.body);

    let feed = app.get("/v1/events?limit=2", &t.platform).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    let types: Vec<&str> = feed.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types, vec!["voucher.voided", "voucher.issued"]);
    assert_eq!(feed.body["data"][1]["data"]["code"], code.as_str());
    assert!(
        feed.body["data"][1]["data"]["external_order_id"].is_string(),
        "the seller's copy has its order id"
    );
    assert!(feed.body["data"][0]["id"].is_string());

    let lpk_feed = app.get("/v1/events", &t.lpk).await;
    let mine: Vec<&serde_json::Value> = lpk_feed.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|e| e["data"]["code"] == code.as_str())
        .collect();
    assert_eq!(mine.len(), 2);
    assert!(
        mine.iter()
            .all(|e| e["data"].get("external_order_id").is_none()),
        "the LPK's copy has no order id"
    );

    let (_, other_id, other_secret) = app.new_partner(&t.admin, "platform").await;
    let other = app.token((&other_id, &other_secret)).await;
    let nothing = app.get("/v1/events", &other).await;
    assert_eq!(nothing.body["data"], json!([]));
    app.get("/v1/events", &t.admin)
        .await
        .problem(403, "forbidden");
}
