use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration};
use prakerja_api::domain::CardNumber;
use serde_json::json;

use crate::helpers::*;
use crate::purchase_helpers::*;
use crate::vouchers::assert_balances_add_up;

#[actix_web::test]
async fn a_validation_sends_an_otp_and_verifying_it_reveals_the_full_holder_name() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = sandbox_course(&app, &t.platform, 500_000).await;
    assert!(course.schedule.is_some(), "sandbox courses have a schedule");

    let res = start(&app, &t.platform, &holder.card, &course).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let v = &res.body;
    assert_eq!(v["status"], "otp_sent");
    assert_eq!(v["attempts_remaining"], 5);
    assert_eq!(v["holder_name_masked"], "B*** S******");
    assert_eq!(
        v["card_number_masked"],
        format!("************{}", &holder.card[12..])
    );
    let phone_masked = v["phone_masked"].as_str().expect("phone_masked");
    assert!(
        phone_masked.starts_with("+62813")
            && phone_masked.contains("****")
            && phone_masked.ends_with(&holder.phone[holder.phone.len() - 4..]),
        "{phone_masked}"
    );
    assert!(
        !v.to_string().contains(&holder.phone[1..]),
        "the full phone must not leak: {v}"
    );
    for field in ["expires_at", "resend_available_at"] {
        DateTime::parse_from_rfc3339(v[field].as_str().unwrap_or(""))
            .unwrap_or_else(|_| panic!("{field} is RFC 3339: {v}"));
    }
    let id = v["id"].as_str().expect("id").to_string();

    let otp = latest_otp(&app, &t.platform, &holder.phone).await;
    let res = verify(&app, &t.platform, &id, &otp).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["id"], id.as_str());
    assert_eq!(res.body["status"], "verified");
    assert_eq!(res.body["card"]["holder_name"], "Budi Santoso");
    assert_eq!(res.body["card"]["balance"], FULL_BALANCE);
    assert_eq!(
        res.body["card"]["card_number_masked"],
        format!("************{}", &holder.card[12..])
    );
    assert!(
        !res.body["card"]["purchase_deadline"].is_null(),
        "{}",
        res.body
    );
    DateTime::parse_from_rfc3339(res.body["valid_until"].as_str().unwrap_or(""))
        .expect("valid_until is RFC 3339");

    let res = app
        .get(&format!("/v1/card-validations/{id}"), &t.platform)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["status"], "verified");
}

#[actix_web::test]
async fn verifying_a_verified_validation_again_with_the_right_code_is_200() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, otp) = started(&app, &t.platform, &holder, &course).await;
    assert_eq!(verify(&app, &t.platform, &id, &otp).await.status, 200);
    let res = verify(&app, &t.platform, &id, &otp).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["status"], "verified");
}

#[actix_web::test]
async fn an_otp_that_is_not_six_digits_is_validation_failed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, _) = started(&app, &t.platform, &holder, &course).await;
    for bad in ["12345", "1234567", "abcdef", ""] {
        verify(&app, &t.platform, &id, bad)
            .await
            .problem(422, "validation_failed");
    }
}

#[actix_web::test]
async fn frozen_revoked_late_poor_and_busy_test_cards_fail_their_pre_checks_without_an_sms() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let barista = sandbox_course(&app, &t.platform, 750_000).await;
    let cases = [
        (1, 409, "card_frozen"),
        (2, 409, "card_revoked"),
        (3, 409, "purchase_deadline_passed"),
        (4, 409, "insufficient_balance"),
        (5, 409, "training_in_progress"),
    ];
    for (i, status, code) in cases {
        let holder = test_card(i);
        let before = sms_count(&app, &t.platform, &holder.phone).await;
        start(&app, &t.platform, &holder.card, &barista)
            .await
            .problem(status, code);
        assert_eq!(
            sms_count(&app, &t.platform, &holder.phone).await,
            before,
            "{code}: no OTP may be sent"
        );
    }
}

#[actix_web::test]
async fn an_unknown_card_with_a_valid_check_digit_is_card_not_found() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let unknown = CardNumber::complete("999999999999999");
    start(&app, &t.platform, unknown.as_str(), &course)
        .await
        .problem(404, "card_not_found");
}

#[actix_web::test]
async fn a_mistyped_or_malformed_card_number_is_invalid_card_number() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let good = test_card(0).card;
    let last = good.as_bytes()[15] - b'0';
    let typo = format!("{}{}", &good[..15], (last + 1) % 10);
    for bad in [
        typo.as_str(),
        "1234",
        "52000000000000151",
        "5200abcd00000015",
    ] {
        start(&app, &t.platform, bad, &course)
            .await
            .problem(422, "invalid_card_number");
    }
}

#[actix_web::test]
async fn a_pending_unknown_or_other_platforms_course_is_course_not_available() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let pending = course_with(&app, &t, 300_000, json!([]), false, None).await;
    start(&app, &t.platform, &holder.card, &pending)
        .await
        .problem(422, "course_not_available");

    let unknown = Course {
        code: "CRS-ZZZZZZZZ".into(),
        schedule: None,
        price: 1,
    };
    start(&app, &t.platform, &holder.card, &unknown)
        .await
        .problem(422, "course_not_available");

    let (other_id, other_client, other_secret) = app.new_partner(&t.admin, "platform").await;
    let restricted = course_with(&app, &t, 300_000, json!([other_id]), true, None).await;
    start(&app, &t.platform, &holder.card, &restricted)
        .await
        .problem(422, "course_not_available");
    let other = app.token((&other_client, &other_secret)).await;
    let res = start(&app, &other, &holder.card, &restricted).await;
    assert_eq!(
        res.status, 201,
        "the listed platform may sell it: {}",
        res.body
    );
}

#[actix_web::test]
async fn a_scheduled_course_needs_one_of_its_open_schedules() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, Some((Duration::days(2), 10))).await;
    let other = approved_course(&app, &t, 300_000, Some((Duration::days(2), 10))).await;

    let without = Course {
        schedule: None,
        ..course.clone()
    };
    start(&app, &t.platform, &holder.card, &without)
        .await
        .problem(422, "schedule_required");
    for wrong in [
        "SCH-ZZZZZZZZ".to_string(),
        other.schedule.clone().expect("schedule"),
    ] {
        let attempt = Course {
            schedule: Some(wrong),
            ..course.clone()
        };
        start(&app, &t.platform, &holder.card, &attempt)
            .await
            .problem(422, "schedule_not_available");
    }

    // A run that has already ended (moved into the past behind the API's back).
    let ended = add_schedule(&app, &t.lpk, &course.code, Duration::days(3), 10).await;
    app.sql(&format!(
        "UPDATE schedules SET starts_at = '2020-01-01 01:00:00', ends_at = '2020-01-02 01:00:00' WHERE schedule_code = '{ended}'"
    ))
    .await;
    let attempt = Course {
        schedule: Some(ended),
        ..course.clone()
    };
    start(&app, &t.platform, &holder.card, &attempt)
        .await
        .problem(422, "schedule_not_available");

    let res = start(&app, &t.platform, &holder.card, &course).await;
    assert_eq!(res.status, 201, "{}", res.body);
}

#[actix_web::test]
async fn a_schedule_with_no_seat_left_is_schedule_full() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 300_000, Some((Duration::days(2), 1))).await;
    let first = register(&app, &t.admin).await;
    let second = register(&app, &t.admin).await;
    purchase(&app, &t.platform, &first, &course).await;
    let before = sms_count(&app, &t.platform, &second.phone).await;
    start(&app, &t.platform, &second.card, &course)
        .await
        .problem(409, "schedule_full");
    assert_eq!(sms_count(&app, &t.platform, &second.phone).await, before);
    assert_balances_add_up(&app, &t.admin, &[&first.card, &second.card]).await;
}

#[actix_web::test]
async fn a_balance_below_the_price_is_insufficient_balance_and_an_equal_one_is_enough() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let low = test_card(4);
    let barista = sandbox_course(&app, &t.platform, 750_000).await;
    start(&app, &t.platform, &low.card, &barista)
        .await
        .problem(409, "insufficient_balance");
    let just_above = approved_course(&app, &t, 100_001, None).await;
    start(&app, &t.platform, &low.card, &just_above)
        .await
        .problem(409, "insufficient_balance");
    let exact = approved_course(&app, &t, 100_000, None).await;
    let res = start(&app, &t.platform, &low.card, &exact).await;
    assert_eq!(
        res.status, 201,
        "a balance equal to the price suffices: {}",
        res.body
    );
}

#[actix_web::test]
async fn an_otp_entered_after_its_ttl_is_otp_expired() {
    let app = spawn_with(|c| c.otp.ttl = StdDuration::from_secs(1)).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, otp) = started(&app, &t.platform, &holder, &course).await;
    actix_web::rt::time::sleep(StdDuration::from_millis(2100)).await;
    verify(&app, &t.platform, &id, &otp)
        .await
        .problem(410, "otp_expired");
    let res = app
        .get(&format!("/v1/card-validations/{id}"), &t.platform)
        .await;
    assert_eq!(res.body["status"], "expired", "{}", res.body);
}

#[actix_web::test]
async fn four_wrong_codes_count_down_and_the_fifth_locks_even_the_right_code_out() {
    let app = spawn_with(|c| c.otp.resend_cooldown = StdDuration::from_secs(0)).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, otp) = started(&app, &t.platform, &holder, &course).await;
    let wrong = wrong_otp(&otp);
    for left in [4, 3, 2, 1] {
        let res = verify(&app, &t.platform, &id, &wrong).await;
        assert_eq!(
            res.problem(422, "otp_incorrect")["attempts_remaining"].as_i64(),
            Some(left),
            "{}",
            res.body
        );
    }
    verify(&app, &t.platform, &id, &wrong)
        .await
        .problem(409, "validation_locked");
    verify(&app, &t.platform, &id, &otp)
        .await
        .problem(409, "validation_locked");
    let res = app
        .get(&format!("/v1/card-validations/{id}"), &t.platform)
        .await;
    assert_eq!(res.body["status"], "locked", "{}", res.body);
    buy(&app, &t.platform, &id, &course)
        .await
        .problem(409, "validation_locked");
}

#[actix_web::test]
async fn a_resend_for_a_locked_validation_is_validation_locked_and_sends_nothing() {
    let app = spawn_with(|c| c.otp.resend_cooldown = StdDuration::from_secs(0)).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, otp) = started(&app, &t.platform, &holder, &course).await;
    let wrong = wrong_otp(&otp);
    for _ in 0..5 {
        verify(&app, &t.platform, &id, &wrong).await;
    }
    let before = sms_count(&app, &t.platform, &holder.phone).await;
    resend(&app, &t.platform, &id)
        .await
        .problem(409, "validation_locked");
    assert_eq!(sms_count(&app, &t.platform, &holder.phone).await, before);
}

#[actix_web::test]
async fn a_resend_inside_the_cooldown_is_otp_resend_too_soon_with_retry_after() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, otp) = started(&app, &t.platform, &holder, &course).await;
    let res = resend(&app, &t.platform, &id).await;
    res.problem(429, "otp_resend_too_soon");
    let wait = retry_after(&res);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // The first code still works.
    assert_eq!(verify(&app, &t.platform, &id, &otp).await.status, 200);
}

#[actix_web::test]
async fn three_resends_are_allowed_and_only_the_newest_code_works() {
    let app = spawn_with(|c| c.otp.resend_cooldown = StdDuration::from_secs(0)).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, first) = started(&app, &t.platform, &holder, &course).await;
    let mut newest = first.clone();
    for n in 1..=3 {
        let seen = sms_count(&app, &t.platform, &holder.phone).await;
        let res = resend(&app, &t.platform, &id).await;
        assert_eq!(res.status, 200, "resend {n}: {}", res.body);
        assert_eq!(res.body["id"], id.as_str());
        assert_eq!(res.body["status"], "otp_sent");
        for field in [
            "phone_masked",
            "holder_name_masked",
            "card_number_masked",
            "expires_at",
            "resend_available_at",
            "attempts_remaining",
        ] {
            assert!(
                !res.body[field].is_null(),
                "resend lacks {field}: {}",
                res.body
            );
        }
        newest = otp_after(&app, &t.platform, &holder.phone, seen).await;
        if n == 1 && newest != first {
            verify(&app, &t.platform, &id, &first)
                .await
                .problem(422, "otp_incorrect");
        }
    }
    resend(&app, &t.platform, &id)
        .await
        .problem(429, "otp_resend_limit");
    let res = verify(&app, &t.platform, &id, &newest).await;
    assert_eq!(res.status, 200, "the newest code works: {}", res.body);
    resend(&app, &t.platform, &id)
        .await
        .problem(409, "validation_not_pending");
}

#[actix_web::test]
async fn a_card_past_its_hourly_otp_cap_is_rate_limited_with_retry_after() {
    let app = spawn_with(|c| c.otp.per_card_per_hour = 2).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    for _ in 0..2 {
        started(&app, &t.platform, &holder, &course).await;
    }
    let before = sms_count(&app, &t.platform, &holder.phone).await;
    let res = start(&app, &t.platform, &holder.card, &course).await;
    res.problem(429, "rate_limited");
    assert!(retry_after(&res) >= 1);
    assert_eq!(sms_count(&app, &t.platform, &holder.phone).await, before);
    // Another card is not affected.
    let other = register(&app, &t.admin).await;
    assert_eq!(
        start(&app, &t.platform, &other.card, &course).await.status,
        201
    );
}

#[actix_web::test]
async fn a_platform_past_its_validations_per_minute_is_rate_limited_with_retry_after() {
    let app = spawn_with(|c| c.limits.validations_per_minute = 2).await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    for _ in 0..2 {
        let holder = register(&app, &t.admin).await;
        started(&app, &t.platform, &holder, &course).await;
    }
    let holder = register(&app, &t.admin).await;
    let res = start(&app, &t.platform, &holder.card, &course).await;
    res.problem(429, "rate_limited");
    assert!(retry_after(&res) >= 1);
}

#[actix_web::test]
async fn a_validation_is_not_found_for_another_platform() {
    let app = spawn_with(|c| c.otp.resend_cooldown = StdDuration::from_secs(0)).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, otp) = started(&app, &t.platform, &holder, &course).await;
    let (_, client, secret) = app.new_partner(&t.admin, "platform").await;
    let other = app.token((&client, &secret)).await;
    app.get(&format!("/v1/card-validations/{id}"), &other)
        .await
        .problem(404, "not_found");
    verify(&app, &other, &id, &otp)
        .await
        .problem(404, "not_found");
    resend(&app, &other, &id).await.problem(404, "not_found");
    // Nothing the other platform did touched it.
    let res = verify(&app, &t.platform, &id, &otp).await;
    assert_eq!(res.status, 200, "{}", res.body);
}

#[actix_web::test]
async fn an_unknown_validation_id_is_not_found() {
    let app = spawn_app().await;
    let platform = app.token(PLATFORM).await;
    let id = uuid::Uuid::new_v4();
    app.get(&format!("/v1/card-validations/{id}"), &platform)
        .await
        .problem(404, "not_found");
    verify(&app, &platform, &id.to_string(), "123456")
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn lpk_and_admin_tokens_may_not_start_validations() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let holder = test_card(0);
    for token in [&t.lpk, &t.admin] {
        start(&app, token, &holder.card, &course)
            .await
            .problem(403, "forbidden");
    }
}

#[actix_web::test]
async fn unknown_fields_in_a_validation_request_are_validation_failed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let mut body = validation_body(&test_card(0).card, &course.code, None);
    body["nik"] = json!("3273011508900001");
    app.post("/v1/card-validations", &t.platform, &body)
        .await
        .problem(422, "validation_failed");
}
