//! Incentives and their disbursement: what a holder is owed and when, the run (schedule, refuse,
//! send, reconcile), failures and their recovery, frozen and revoked cards, runs at once, a crash
//! between sending and recording, who may read payments, results recorded by hand, events, the
//! sandbox cards and the CLI.

use std::time::Duration;

use prakerja_api::domain::CardNumber;
use prakerja_api::gateways::payout::SANDBOX_FAILING_ACCOUNTS;
use serde_json::{Value, json};

use crate::disbursement_helpers::*;
use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;

const TRANCHE: i64 = 600_000;
const SURVEY_AMOUNT: i64 = 50_000;
const PAID_STEPS: &[&str] = &["scheduled", "pending", "checking", "paid"];

/// A first run as of today, so the sandbox cards' payments are settled and the summaries of later
/// runs as of today count only what a test made.
async fn settle_the_sandbox_cards(app: &TestApp, admin: &str) {
    run(app, admin, None).await;
}

#[track_caller]
fn assert_counts(summary: &Value, expected: &[(&str, u64)]) {
    for name in SUMMARY_COUNTS {
        let want = expected
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, c)| *c);
        assert_eq!(count(summary, name), want, "{name} in {summary}");
    }
}

// ---- The whole life ----

#[actix_web::test]
async fn a_fresh_holder_is_paid_four_tranches_and_three_surveys_rp_2_550_000_and_a_second_training_earns_nothing()
 {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holidays = holidays(&app).await;
    let (holder, _, token) = ready_holder(&app, &t).await;
    for n in 1..=3 {
        fill_survey(&app, &token, n).await;
    }
    let today = wib_today();

    // As of today (the default): tranche 1 and the three surveys are paid, 2..4 wait their month.
    run(&app, &t.admin, None).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(list.len(), 7, "{}", Value::from(list.clone()));
    for v in &list {
        assert_consistent(v);
        assert_expected_by(&holidays, v);
    }
    for k in 1..=4 {
        let p = tranche(&list, k);
        assert_eq!(p["amount"], TRANCHE, "{p}");
        assert_eq!(
            date_of(&p, "scheduled_for"),
            months_after(today, k as u32 - 1),
            "tranches a month apart: {p}"
        );
    }
    let first = tranche(&list, 1);
    assert_eq!(first["status"], "paid", "{first}");
    assert_eq!(first["status_label_id"], "Berhasil Ditransfer");
    assert_steps(&first, PAID_STEPS);
    for k in 2..=4 {
        let p = tranche(&list, k);
        assert_eq!(p["status"], "scheduled", "{p}");
        assert_eq!(p["status_label_id"], "Sedang Dijadwalkan");
        assert!(p["paid_at"].is_null(), "{p}");
        assert_steps(&p, &["scheduled"]);
    }
    for n in 1..=3 {
        let p = payment(&list, SURVEY, n);
        assert_eq!(p["amount"], SURVEY_AMOUNT, "{p}");
        assert_eq!(date_of(&p, "scheduled_for"), today, "the day it was filled");
        assert_eq!(p["status"], "paid", "{p}");
        assert_steps(&p, PAID_STEPS);
    }

    // A month later each time: the next tranche is paid, the later ones still wait.
    for month in 1..=3 {
        run(&app, &t.admin, Some(months_after(today, month))).await;
        let list = payments_of(&app, &t.admin, &holder.card).await;
        assert_eq!(list.len(), 7);
        for k in 1..=4 {
            let p = tranche(&list, k);
            assert_consistent(&p);
            let expected = if k <= i64::from(month) + 1 {
                "paid"
            } else {
                "scheduled"
            };
            assert_eq!(p["status"], expected, "month {month}: {p}");
        }
    }

    let list = payments_of(&app, &t.admin, &holder.card).await;
    for v in &list {
        assert_eq!(v["status"], "paid", "{v}");
        assert_steps(v, PAID_STEPS);
        assert_consistent(v);
        assert_expected_by(&holidays, v);
        assert!(
            date_of(v, "expected_by") > date_of(v, "scheduled_for"),
            "{v}"
        );
    }
    let total: i64 = list.iter().map(|v| v["amount"].as_i64().unwrap_or(0)).sum();
    assert_eq!(total, 2_550_000);
    assert_eq!(
        my_payments(&app, &token).await,
        list,
        "the holder sees the same"
    );

    // A second training, completed and certified, earns nothing.
    let course = approved_course(&app, &t, 200_000, None).await;
    let second = redeemed_on(&app, &t, &t.lpk, &holder, &course).await;
    completed(&app, &t.lpk, &second, 90).await;
    let res = certify(&app, &t.lpk, &second, "lpk", "LPK-SECOND-1").await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = review(&app, &token, &second, 4, REVIEW_TEXT).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let summary = run(&app, &t.admin, Some(months_after(today, 4))).await;
    assert_eq!(count(&summary, "scheduled"), 0, "{summary}");
    assert_eq!(payments_of(&app, &t.admin, &holder.card).await, list);
}

#[actix_web::test]
async fn a_not_completed_first_training_does_not_forfeit_the_incentive_of_the_first_completed_one()
{
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, failed) = redeemed_voucher(&app, &t).await;
    let res = complete(&app, &t.lpk, &failed, false, 40).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["status"], "not_completed", "{}", res.body);
    run(&app, &t.admin, None).await;
    assert!(
        payments_of(&app, &t.admin, &holder.card).await.is_empty(),
        "a not_completed training earns nothing"
    );

    let course = approved_course(&app, &t, 200_000, None).await;
    let code = redeemed_on(&app, &t, &t.lpk, &holder, &course).await;
    completed(&app, &t.lpk, &code, 80).await;
    let res = certify(&app, &t.lpk, &code, "lpk", "LPK-RETRY-1").await;
    assert_eq!(res.status, 201, "{}", res.body);
    let token = holder_token(&app, &t.admin, &holder).await;
    assert_eq!(
        review(&app, &token, &code, 5, REVIEW_TEXT).await.status,
        201
    );
    link_payout(&app, &t.admin, &token, &holder).await;
    run(&app, &t.admin, None).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(list.len(), 4, "{}", Value::from(list.clone()));
    assert_eq!(tranche(&list, 1)["status"], "paid");
}

#[actix_web::test]
async fn tranches_wait_for_the_lpk_certificate_of_the_completed_training() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, code) = redeemed_voucher(&app, &t).await;
    completed(&app, &t.lpk, &code, 85).await;
    run(&app, &t.admin, None).await;
    assert!(payments_of(&app, &t.admin, &holder.card).await.is_empty());

    let res = certify(&app, &t.lpk, &code, "lpk", "LPK-LATE-1").await;
    assert_eq!(res.status, 201, "{}", res.body);
    run(&app, &t.admin, None).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(list.len(), 4, "{}", Value::from(list.clone()));
}

#[actix_web::test]
async fn expected_by_is_the_fifth_working_day_skipping_weekends_and_holidays() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    let christmas_eve = chrono::NaiveDate::from_ymd_opt(2026, 12, 24).expect("a date");
    run(&app, &t.admin, Some(christmas_eve)).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    let first = tranche(&list, 1);
    assert_eq!(first["scheduled_for"], "2026-12-24");
    // 25 Dec and 1 Jan are holidays, 26-27 Dec and 2-3 Jan a weekend.
    assert_eq!(first["expected_by"], "2027-01-04", "{first}");
    let holidays = holidays(&app).await;
    for v in &list {
        assert_expected_by(&holidays, v);
    }
}

// ---- Failures and their recovery ----

#[actix_web::test]
async fn without_a_review_tranche_one_fails_rating_missing_and_the_run_after_the_review_pays_it() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    settle_the_sandbox_cards(&app, &t.admin).await;
    let (holder, code) = certified_holder(&app, &t).await;
    let token = holder_token(&app, &t.admin, &holder).await;
    link_payout(&app, &t.admin, &token, &holder).await;
    fill_survey(&app, &token, 1).await;

    let summary = run(&app, &t.admin, None).await;
    assert_counts(
        &summary,
        &[
            ("scheduled", 5),
            ("failed_before_sending", 1),
            ("sent", 1),
            ("paid", 1),
        ],
    );
    let list = payments_of(&app, &t.admin, &holder.card).await;
    let first = tranche(&list, 1);
    assert_consistent(&first);
    assert_eq!(first["status"], "failed", "{first}");
    assert_eq!(first["failure_reason"], "rating_missing", "{first}");
    assert_eq!(first["status_label_id"], "Gagal Ditransfer");
    assert_steps(&first, &["scheduled", "failed"]);
    let survey = payment(&list, SURVEY, 1);
    assert_eq!(
        survey["status"], "paid",
        "a survey incentive needs only the account: {survey}"
    );

    // Nothing fixed: the next run leaves it failed.
    let summary = run(&app, &t.admin, None).await;
    assert_counts(&summary, &[]);
    let again = tranche(&payments_of(&app, &t.admin, &holder.card).await, 1);
    assert_eq!(again, first);

    assert_eq!(
        review(&app, &token, &code, 5, REVIEW_TEXT).await.status,
        201
    );
    let summary = run(&app, &t.admin, None).await;
    assert_counts(&summary, &[("rescheduled", 1), ("sent", 1), ("paid", 1)]);
    let first = tranche(&payments_of(&app, &t.admin, &holder.card).await, 1);
    assert_consistent(&first);
    assert_eq!(first["status"], "paid", "{first}");
    assert_steps(
        &first,
        &[
            "scheduled",
            "failed",
            "scheduled",
            "pending",
            "checking",
            "paid",
        ],
    );
}

#[actix_web::test]
async fn without_a_payout_account_it_fails_payout_account_missing_and_linking_one_gets_it_paid() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    settle_the_sandbox_cards(&app, &t.admin).await;
    let (holder, _, token) = finished_training(&app, &t).await;
    fill_survey(&app, &token, 1).await;

    let summary = run(&app, &t.admin, None).await;
    assert_counts(&summary, &[("scheduled", 5), ("failed_before_sending", 2)]);
    let list = payments_of(&app, &t.admin, &holder.card).await;
    for p in [tranche(&list, 1), payment(&list, SURVEY, 1)] {
        assert_consistent(&p);
        assert_eq!(p["status"], "failed", "{p}");
        assert_eq!(p["failure_reason"], "payout_account_missing", "{p}");
    }

    link_payout(&app, &t.admin, &token, &holder).await;
    let summary = run(&app, &t.admin, None).await;
    assert_counts(&summary, &[("rescheduled", 2), ("sent", 2), ("paid", 2)]);
    let list = payments_of(&app, &t.admin, &holder.card).await;
    for p in [tranche(&list, 1), payment(&list, SURVEY, 1)] {
        assert_consistent(&p);
        assert_eq!(p["status"], "paid", "{p}");
        assert_steps(
            &p,
            &[
                "scheduled",
                "failed",
                "scheduled",
                "pending",
                "checking",
                "paid",
            ],
        );
    }
}

#[actix_web::test]
async fn a_fixed_failure_is_scheduled_as_of_the_run_and_later_tranches_keep_a_month_apart() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let holidays = holidays(&app).await;
    let (holder, _, token) = finished_training(&app, &t).await;
    let today = wib_today();
    run(&app, &t.admin, Some(today)).await;
    assert_eq!(
        tranche(&payments_of(&app, &t.admin, &holder.card).await, 1)["failure_reason"],
        "payout_account_missing"
    );

    link_payout(&app, &t.admin, &token, &holder).await;
    let later = today + chrono::Duration::days(10);
    run(&app, &t.admin, Some(later)).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    let first = tranche(&list, 1);
    assert_eq!(first["status"], "paid", "{first}");
    assert_eq!(date_of(&first, "scheduled_for"), later, "{first}");
    for k in 2..=4 {
        let p = tranche(&list, k);
        assert_eq!(p["status"], "scheduled", "{p}");
        assert_eq!(
            date_of(&p, "scheduled_for"),
            months_after(later, k as u32 - 1),
            "{p}"
        );
    }
    for v in &list {
        assert_expected_by(&holidays, v);
    }
}

#[actix_web::test]
async fn each_sandbox_test_account_fails_with_its_reason_and_a_new_account_gets_it_paid() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    settle_the_sandbox_cards(&app, &t.admin).await;
    let mut holders = Vec::new();
    for (number, _) in SANDBOX_FAILING_ACCOUNTS {
        let (holder, _, token) = finished_training(&app, &t).await;
        link_payout_account(&app, &t.admin, &token, &holder, &bank_account(number)).await;
        holders.push((holder, token));
    }
    let n = SANDBOX_FAILING_ACCOUNTS.len() as u64;

    let summary = run(&app, &t.admin, None).await;
    assert_counts(
        &summary,
        &[("scheduled", 4 * n), ("sent", n), ("failed", n)],
    );
    for ((holder, _), (number, reason)) in holders.iter().zip(SANDBOX_FAILING_ACCOUNTS) {
        let first = tranche(&payments_of(&app, &t.admin, &holder.card).await, 1);
        assert_consistent(&first);
        assert_eq!(first["status"], "failed", "{number}: {first}");
        assert_eq!(first["failure_reason"], json!(reason), "{number}: {first}");
        assert_steps(&first, &["scheduled", "pending", "checking", "failed"]);
    }

    // The same account again fixes nothing.
    let summary = run(&app, &t.admin, None).await;
    assert_counts(&summary, &[]);

    for (holder, token) in &holders {
        link_payout_account(&app, &t.admin, token, holder, &bank_account("1234567890")).await;
    }
    let summary = run(&app, &t.admin, None).await;
    assert_counts(&summary, &[("rescheduled", n), ("sent", n), ("paid", n)]);
    for ((holder, _), (number, _)) in holders.iter().zip(SANDBOX_FAILING_ACCOUNTS) {
        let first = tranche(&payments_of(&app, &t.admin, &holder.card).await, 1);
        assert_consistent(&first);
        assert_eq!(
            first["status"], "paid",
            "paid after replacing {number}: {first}"
        );
        assert_steps(
            &first,
            &[
                "scheduled",
                "pending",
                "checking",
                "failed",
                "scheduled",
                "pending",
                "checking",
                "paid",
            ],
        );
    }
}

// ---- Frozen and revoked cards ----

#[actix_web::test]
async fn freezing_holds_what_waits_to_be_sent_a_failed_one_once_fixed_and_unfreezing_schedules_them()
 {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, token) = finished_training(&app, &t).await;
    let today = wib_today();
    run(&app, &t.admin, Some(today)).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(tranche(&list, 1)["status"], "failed");
    link_payout(&app, &t.admin, &token, &holder).await;

    card_action(&app, &t.admin, &holder.card, "freeze").await;
    let frozen = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(frozen.len(), 4);
    for k in 2..=4 {
        let p = tranche(&frozen, k);
        assert_consistent(&p);
        assert_eq!(p["status"], "held", "{p}");
        assert_eq!(p["status_label_id"], "Dana Tertahan");
    }
    // A failed payment keeps its reason (and the account linked since its failure still counts).
    let first = tranche(&frozen, 1);
    assert_eq!(first["status"], "failed", "{first}");
    assert_eq!(first["failure_reason"], "payout_account_missing");

    // The run finds its cause fixed; due, it is held rather than sent.
    run(&app, &t.admin, Some(months_after(today, 1))).await;
    let held = payments_of(&app, &t.admin, &holder.card).await;
    for p in &held {
        assert_consistent(p);
        assert_eq!(
            p["status"], "held",
            "a run sends nothing for a frozen card: {p}"
        );
    }
    run(&app, &t.admin, Some(months_after(today, 1))).await;
    assert_eq!(payments_of(&app, &t.admin, &holder.card).await, held);
    for p in &held {
        assert!(sandbox_outcome(&app, &id_of(p)).await.is_none(), "{p}");
    }

    card_action(&app, &t.admin, &holder.card, "unfreeze").await;
    for p in payments_of(&app, &t.admin, &holder.card).await {
        assert_consistent(&p);
        assert_eq!(p["status"], "scheduled", "{p}");
        assert_eq!(steps(&p).last().map(String::as_str), Some("scheduled"));
    }
    // The first tranche, fixed a month late, is paid now; the others keep a month after it.
    run(&app, &t.admin, Some(months_after(today, 1))).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    for k in 1..=4 {
        let p = tranche(&list, k);
        assert_consistent(&p);
        let expected = if k == 1 { "paid" } else { "scheduled" };
        assert_eq!(p["status"], expected, "{p}");
        assert_eq!(
            date_of(&p, "scheduled_for"),
            months_after(today, k as u32),
            "{p}"
        );
    }
}

#[actix_web::test]
async fn payments_first_owed_while_the_card_is_frozen_start_held() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    card_action(&app, &t.admin, &holder.card, "freeze").await;
    run(&app, &t.admin, None).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(list.len(), 4);
    for p in &list {
        assert_consistent(p);
        assert_eq!(p["status"], "held", "{p}");
        assert_steps(p, &["held"]);
        assert!(sandbox_outcome(&app, &id_of(p)).await.is_none());
    }
}

#[actix_web::test]
async fn revoking_a_card_deletes_its_unsent_payments_and_keeps_the_paid_ones() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, token) = ready_holder(&app, &t).await;
    fill_survey(&app, &token, 1).await;
    let today = wib_today();
    run(&app, &t.admin, Some(today)).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(list.len(), 5);
    let paid: Vec<Value> = list
        .iter()
        .filter(|p| p["status"] == "paid")
        .cloned()
        .collect();
    assert_eq!(paid.len(), 2, "tranche 1 and survey 1");

    card_action(&app, &t.admin, &holder.card, "revoke").await;
    assert_eq!(payments_of(&app, &t.admin, &holder.card).await, paid);
    run(&app, &t.admin, Some(months_after(today, 3))).await;
    assert_eq!(
        payments_of(&app, &t.admin, &holder.card).await,
        paid,
        "nothing is owed after revocation"
    );
}

// ---- Runs at once ----

#[actix_web::test]
async fn two_runs_at_once_and_a_run_repeated_pay_each_payment_once() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let mut holders = Vec::new();
    for _ in 0..3 {
        let (holder, _, token) = ready_holder(&app, &t).await;
        fill_survey(&app, &token, 1).await;
        holders.push(holder);
    }

    let (a, b) = tokio::join!(
        run_request(&app, &t.admin, None),
        run_request(&app, &t.admin, None)
    );
    let again = run(&app, &t.admin, None).await;
    let summaries = [a.body.clone(), b.body.clone(), again.clone()];
    for (res, summary) in [(&a, &summaries[0]), (&b, &summaries[1])] {
        assert_eq!(res.status, 200, "{}", res.body);
        assert_summary(summary, wib_today());
    }
    assert_counts(&again, &[]);

    let sum = |name: &str| summaries.iter().map(|s| count(s, name)).sum::<u64>() as i64;
    let payouts = sandbox_payout_rows(&app).await;
    assert_eq!(
        sum("sent"),
        payouts,
        "each payment sent once: {summaries:?}"
    );
    assert_eq!(
        sum("paid"),
        rows_in_status(&app, "paid").await,
        "{summaries:?}"
    );
    assert_eq!(sum("paid"), payouts, "{summaries:?}");
    assert_eq!(sum("scheduled"), all_rows(&app).await, "{summaries:?}");

    let mut paid_views = 0;
    for holder in &holders {
        let list = payments_of(&app, &t.admin, &holder.card).await;
        assert_eq!(list.len(), 5, "each kind and tranche once");
        for p in [tranche(&list, 1), payment(&list, SURVEY, 1)] {
            assert_eq!(p["status"], "paid", "{p}");
            assert_steps(&p, PAID_STEPS);
            assert!(sandbox_outcome(&app, &id_of(&p)).await.is_some());
        }
        paid_views += list.iter().filter(|p| p["status"] == "paid").count();
    }
    assert_eq!(paid_views, 6);
    // Only the sandbox cards 6 and 7 were refused before sending, each once.
    assert_eq!(
        sum("failed_before_sending"),
        rows_in_status(&app, "failed").await,
        "{summaries:?}"
    );
}

// ---- A crash between sending and recording ----

#[actix_web::test]
async fn a_payment_left_checking_that_the_gateway_has_is_recorded_from_its_answer_without_resending()
 {
    let app = spawn_with(|c| c.payouts.check_after = Duration::ZERO).await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let second = id_of(&tranche(
        &payments_of(&app, &t.admin, &holder.card).await,
        2,
    ));
    left_checking(&app, &second, chrono::Duration::hours(1)).await;
    let lost = json!({"status": "paid", "reference": "SANDBOX-LOST"});
    gateway_remembers(&app, &second, &lost).await;
    let before = sandbox_payout_rows(&app).await;

    let summary = run(&app, &t.admin, None).await;
    assert_counts(&summary, &[("reconciled", 1), ("paid", 1)]);
    let v = tranche(&payments_of(&app, &t.admin, &holder.card).await, 2);
    assert_consistent(&v);
    assert_eq!(v["status"], "paid", "{v}");
    assert_eq!(
        stored_reference(&app, &second).await.as_deref(),
        Some("SANDBOX-LOST")
    );
    assert_eq!(sandbox_outcome(&app, &second).await, Some(lost));
    assert_eq!(sandbox_payout_rows(&app).await, before, "not sent again");
}

#[actix_web::test]
async fn a_payment_left_checking_that_the_gateway_never_got_is_sent_again_under_its_id_and_paid() {
    let app = spawn_with(|c| c.payouts.check_after = Duration::ZERO).await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let second = id_of(&tranche(
        &payments_of(&app, &t.admin, &holder.card).await,
        2,
    ));
    left_checking(&app, &second, chrono::Duration::hours(1)).await;
    assert!(sandbox_outcome(&app, &second).await.is_none());
    let before = sandbox_payout_rows(&app).await;

    let summary = run(&app, &t.admin, None).await;
    assert_counts(&summary, &[("reconciled", 1), ("paid", 1)]);
    let v = tranche(&payments_of(&app, &t.admin, &holder.card).await, 2);
    assert_consistent(&v);
    assert_eq!(v["status"], "paid", "{v}");
    let outcome = sandbox_outcome(&app, &second)
        .await
        .expect("sent under the same id");
    assert_eq!(outcome["status"], "paid", "{outcome}");
    assert_eq!(sandbox_payout_rows(&app).await, before + 1);
    assert_eq!(
        stored_reference(&app, &second).await,
        outcome["reference"].as_str().map(String::from)
    );
}

// ---- Who reads payments ----

#[actix_web::test]
async fn the_selling_platform_the_lpk_admin_and_the_holder_see_the_payments_and_no_one_else() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, token) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    fill_survey(&app, &token, 1).await;
    run(&app, &t.admin, None).await;

    let list = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(list.len(), 5);
    assert_eq!(
        (&list[0]["kind"], &list[0]["tranche"]),
        (&json!(SURVEY), &json!(1)),
        "newest first: {}",
        list[0]
    );
    let paged = all_pages(
        &app,
        &t.platform,
        &format!("/v1/disbursements?card_number={}", holder.card),
        2,
    )
    .await;
    assert_eq!(paged, list, "pages of 2 make the same list");
    for served in [&t.platform, &t.lpk] {
        assert_eq!(payments_of(&app, served, &holder.card).await, list);
        for p in &list {
            let res = app
                .get(&format!("/v1/disbursements/{}", id_of(p)), served)
                .await;
            assert_eq!(res.status, 200, "{}", res.body);
            assert_eq!(&res.body, p);
        }
    }
    let one = app
        .get(&format!("/v1/disbursements/{}", id_of(&list[1])), &t.admin)
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body, list[1]);
    assert_eq!(my_payments(&app, &token).await, list);
    let res = app.get("/v1/me/disbursements", &token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.get("next_cursor").is_some(), "{}", res.body);

    let (_, id, secret) = app.new_partner(&t.admin, "platform").await;
    let stranger = app.token((&id, &secret)).await;
    let other_lpk = other_lpk(&app, &t.admin).await;
    let unknown = CardNumber::complete("999999999999999");
    for outsider in [&stranger, &other_lpk] {
        app.get(
            &format!("/v1/disbursements?card_number={}", holder.card),
            outsider,
        )
        .await
        .problem(404, "not_found");
        app.get(&format!("/v1/disbursements/{}", id_of(&list[0])), outsider)
            .await
            .problem(404, "not_found");
    }
    for viewer in [&stranger, &t.platform, &t.admin] {
        app.get(
            &format!("/v1/disbursements?card_number={}", unknown.as_str()),
            viewer,
        )
        .await
        .problem(404, "not_found");
        app.get(
            &format!("/v1/disbursements/{}", uuid::Uuid::new_v4()),
            viewer,
        )
        .await
        .problem(404, "not_found");
    }
    let last = holder.card.as_bytes()[15] - b'0';
    let typo = format!("{}{}", &holder.card[..15], (last + 1) % 10);
    for bad in [typo.as_str(), "1234", "5200abcd00000015"] {
        app.get(&format!("/v1/disbursements?card_number={bad}"), &t.platform)
            .await
            .problem(422, "invalid_card_number");
    }

    // Another holder's dashboard shows only their own (none).
    let other = register(&app, &t.admin).await;
    let other_token = holder_token(&app, &t.admin, &other).await;
    assert!(my_payments(&app, &other_token).await.is_empty());
}

// ---- Results recorded by hand ----

#[actix_web::test]
async fn a_result_is_recorded_by_hand_only_for_a_payment_in_flight() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    let (first, second, third, fourth) = (
        id_of(&tranche(&list, 1)),
        id_of(&tranche(&list, 2)),
        id_of(&tranche(&list, 3)),
        id_of(&tranche(&list, 4)),
    );
    left_checking(&app, &second, chrono::Duration::zero()).await;
    left_checking(&app, &third, chrono::Duration::zero()).await;
    let path = |id: &str| format!("/v1/admin/disbursements/{id}/result");

    let res = app
        .post(
            &path(&second),
            &t.admin,
            &json!({"status": "paid", "reference": "BCA-20261205-000123"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_consistent(&res.body);
    assert_eq!(res.body["status"], "paid");
    assert_eq!(res.body["id"], second.as_str());
    let history = res.body["history"].as_array().expect("history");
    assert_eq!(
        history.last().map(|s| &s["note"]),
        Some(&json!("recorded by hand: BCA-20261205-000123")),
        "{}",
        res.body
    );
    let read = app
        .get(&format!("/v1/disbursements/{second}"), &t.admin)
        .await;
    assert_eq!(read.body, res.body);

    let paid_again = json!({"status": "paid", "reference": "BCA-X"});
    for done in [&second, &first, &fourth] {
        app.post(&path(done), &t.admin, &paid_again)
            .await
            .problem(409, "disbursement_not_in_flight");
    }
    // A pending payment never reached the bank: no statement can show it paid.
    force_status(&app, &fourth, "pending").await;
    app.post(&path(&fourth), &t.admin, &paid_again)
        .await
        .problem(409, "disbursement_not_in_flight");

    let problem = app
        .post(
            &path(&third),
            &t.admin,
            &json!({"status": "failed", "reference": "BCA-REJ-1"}),
        )
        .await;
    assert_field_error(
        problem.problem(422, "validation_failed"),
        "failure_reason",
        None,
    );
    app.post(
        &path(&third),
        &t.admin,
        &json!({"status": "paid", "failure_reason": "account_inactive", "reference": "BCA-REJ-1"}),
    )
    .await
    .problem(422, "validation_failed");
    let res = app
        .post(
            &path(&third),
            &t.admin,
            &json!({"status": "failed", "failure_reason": "kyc_mismatch", "reference": "BCA-REJ-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_consistent(&res.body);
    assert_eq!(res.body["failure_reason"], "kyc_mismatch");

    app.post(
        &path(&uuid::Uuid::new_v4().to_string()),
        &t.admin,
        &paid_again,
    )
    .await
    .problem(404, "not_found");
    for partner in [&t.platform, &t.lpk] {
        app.post(&path(&fourth), partner, &paid_again)
            .await
            .problem(403, "forbidden");
        app.post("/v1/admin/disbursements/run", partner, &json!({}))
            .await
            .problem(403, "forbidden");
    }
}

// ---- as_of ----

#[actix_web::test]
async fn a_future_as_of_is_refused_outside_the_sandbox_and_accepted_in_it() {
    let off = spawn_with(|c| {
        c.sandbox = false;
        c.sms.gateway_url = Some("http://127.0.0.1:9/sms".into());
        c.payouts.gateway_url = Some("http://127.0.0.1:9/payouts".into());
    })
    .await;
    let admin = {
        let creds = off
            .client_of(prakerja_api::domain::partner::PartnerKind::Admin)
            .await;
        off.token((&creds.client_id, &creds.client_secret)).await
    };
    let tomorrow = wib_today() + chrono::Duration::days(1);
    let res = run_request(&off, &admin, Some(tomorrow)).await;
    assert_field_error(res.problem(422, "validation_failed"), "as_of", None);
    run(&off, &admin, Some(wib_today())).await;
    run(&off, &admin, None).await;

    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    run(&app, &admin, Some(months_after(wib_today(), 2))).await;
}

// ---- Events ----

#[actix_web::test]
async fn every_change_reaches_the_selling_platform_and_the_lpk_as_disbursement_updated_with_the_view()
 {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    for served in [&t.platform, &t.lpk] {
        for p in &list {
            let events = payment_events(&app, served, &id_of(p)).await;
            assert!(!events.is_empty(), "no event about {p}");
            assert_eq!(events[0]["data"], *p, "the newest event carries the view");
        }
        let paid = tranche(&list, 1);
        let statuses: Vec<Value> = payment_events(&app, served, &id_of(&paid))
            .await
            .iter()
            .map(|e| e["data"]["status"].clone())
            .collect();
        for status in ["pending", "checking", "paid"] {
            assert!(
                statuses.contains(&json!(status)),
                "an event for {status}: {statuses:?}"
            );
        }
    }
}

// ---- The sandbox cards ----

#[actix_web::test]
async fn one_run_pays_the_ready_sandbox_card_and_fails_the_two_that_miss_a_step() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    run(&app, &t.admin, None).await;
    for (i, status, reason) in [
        (8, "paid", None),
        (7, "failed", Some("payout_account_missing")),
        (6, "failed", Some("rating_missing")),
    ] {
        let card = test_card(i).card;
        let list = payments_of(&app, &t.admin, &card).await;
        assert_eq!(list.len(), 4, "card {i}: {}", Value::from(list.clone()));
        let first = tranche(&list, 1);
        assert_consistent(&first);
        assert_eq!(first["status"], status, "card {i}: {first}");
        assert_eq!(first["failure_reason"], json!(reason), "card {i}: {first}");
        assert_eq!(first["amount"], TRANCHE);
        for k in 2..=4 {
            assert_eq!(tranche(&list, k)["status"], "scheduled");
        }
    }
    assert_eq!(test_card(8).card, "5200000000000098");
}

// ---- The CLI ----

fn cli_run(app: &TestApp, extra: &[&str]) -> Value {
    let out = crate::binary::command(&app.database_url)
        .args(["--json", "--as", "pmo", "disbursements", "run"])
        .args(extra)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "stdout is the JSON summary: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[actix_web::test]
async fn the_cli_runs_disbursements_on_the_database_and_prints_the_summary_as_json() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let summary = cli_run(&app, &[]);
    assert_summary(&summary, wib_today());
    assert_eq!(count(&summary, "scheduled") as i64, all_rows(&app).await);
    assert_eq!(
        count(&summary, "paid") as i64,
        rows_in_status(&app, "paid").await
    );
    let ready = payments_of(&app, &admin, &test_card(8).card).await;
    assert_eq!(tranche(&ready, 1)["status"], "paid");

    let next_month = months_after(wib_today(), 1);
    let summary = cli_run(&app, &["--as-of", &iso(next_month)]);
    assert_summary(&summary, next_month);
    assert_eq!(count(&summary, "scheduled"), 0, "{summary}");
    let ready = payments_of(&app, &admin, &test_card(8).card).await;
    assert_eq!(tranche(&ready, 2)["status"], "paid");
}
