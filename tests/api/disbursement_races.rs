//! Payments against what can happen around them: a card frozen or revoked while a payment is on
//! its way, a failure recorded by hand that the bank had in fact paid, a run that meets a payment
//! it cannot handle.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::disbursement_helpers::*;
use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;

diesel::table! {
    participants (id) {
        id -> Text,
        card_number -> Text,
        status -> Text,
    }
}

/// Sets a card's status in SQL only, as a freeze racing a run would leave it: the payments not
/// yet moved by the freeze.
async fn card_status_only(app: &TestApp, card: &str, status: &str) {
    let (card, status) = (card.to_string(), status.to_string());
    let n = app
        .db(move |c| {
            Ok(
                diesel::update(participants::table.filter(participants::card_number.eq(card)))
                    .set(participants::status.eq(status))
                    .execute(c)?,
            )
        })
        .await;
    assert_eq!(n, 1);
}

#[actix_web::test]
async fn a_payment_queued_before_a_freeze_it_missed_is_held_not_sent() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let second = id_of(&tranche(
        &payments_of(&app, &t.admin, &holder.card).await,
        2,
    ));
    force_status(&app, &second, "pending").await;
    card_status_only(&app, &holder.card, "frozen").await;

    let summary = run(&app, &t.admin, None).await;
    assert_eq!(count(&summary, "sent"), 0, "{summary}");
    let v = tranche(&payments_of(&app, &t.admin, &holder.card).await, 2);
    assert_consistent(&v);
    assert_eq!(v["status"], "held", "{v}");
    assert!(sandbox_outcome(&app, &second).await.is_none());

    card_action(&app, &t.admin, &holder.card, "unfreeze").await;
    run(&app, &t.admin, Some(months_after(wib_today(), 1))).await;
    let v = tranche(&payments_of(&app, &t.admin, &holder.card).await, 2);
    assert_eq!(v["status"], "paid", "{v}");
}

#[actix_web::test]
async fn a_payment_the_gateway_never_got_is_held_for_a_frozen_card_and_dropped_for_a_revoked_one() {
    let app = spawn_with(|c| c.payouts.check_after = Duration::ZERO).await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    let (second, third) = (id_of(&tranche(&list, 2)), id_of(&tranche(&list, 3)));
    left_checking(&app, &second, chrono::Duration::hours(1)).await;
    card_status_only(&app, &holder.card, "frozen").await;

    let summary = run(&app, &t.admin, None).await;
    assert_eq!(count(&summary, "reconciled"), 0, "{summary}");
    let v = tranche(&payments_of(&app, &t.admin, &holder.card).await, 2);
    assert_consistent(&v);
    assert_eq!(v["status"], "held", "not sent to a frozen card: {v}");
    assert!(sandbox_outcome(&app, &second).await.is_none());

    left_checking(&app, &third, chrono::Duration::hours(1)).await;
    card_status_only(&app, &holder.card, "revoked").await;
    let before = sandbox_payout_rows(&app).await;
    run(&app, &t.admin, None).await;
    assert_eq!(sandbox_payout_rows(&app).await, before, "nothing sent");
    let left: Vec<i64> = payments_of(&app, &t.admin, &holder.card)
        .await
        .iter()
        .map(|p| p["tranche"].as_i64().expect("a tranche"))
        .collect();
    assert!(
        !left.contains(&3),
        "a revoked card's unreceived payment is gone: {left:?}"
    );
}

#[actix_web::test]
async fn a_failure_recorded_by_hand_that_the_gateway_paid_is_recorded_paid_and_not_sent_again() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, token) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let second = id_of(&tranche(
        &payments_of(&app, &t.admin, &holder.card).await,
        2,
    ));
    left_checking(&app, &second, chrono::Duration::zero()).await;
    let res = app
        .post(
            &format!("/v1/admin/disbursements/{second}/result"),
            &t.admin,
            &json!({"status": "failed", "failure_reason": "account_inactive", "reference": "BCA-WRONG-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // The bank had in fact paid it under the payment's key.
    let paid = json!({"status": "paid", "reference": "SANDBOX-LATE"});
    gateway_remembers(&app, &second, &paid).await;
    link_payout_account(&app, &t.admin, &token, &holder, &bank_account("2222333344")).await;

    let summary = run(&app, &t.admin, Some(months_after(wib_today(), 1))).await;
    assert_eq!(count(&summary, "rescheduled"), 0, "{summary}");
    let v = tranche(&payments_of(&app, &t.admin, &holder.card).await, 2);
    assert_consistent(&v);
    assert_eq!(v["status"], "paid", "{v}");
    assert_eq!(
        stored_reference(&app, &second).await.as_deref(),
        Some("SANDBOX-LATE")
    );
    assert!(
        sandbox_outcome(&app, &format!("{second}.2"))
            .await
            .is_none(),
        "no second attempt"
    );
}

#[actix_web::test]
async fn every_view_names_the_holders_card() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, token) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let mine = my_payments(&app, &token).await;
    assert_eq!(mine.len(), 4);
    for p in mine
        .iter()
        .chain(&payments_of(&app, &t.platform, &holder.card).await)
    {
        assert_eq!(p["card_number"], holder.card.as_str(), "{p}");
    }
}
