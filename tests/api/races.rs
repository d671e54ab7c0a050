use chrono::Duration;

use crate::helpers::*;
use crate::purchase_helpers::*;
use crate::vouchers::assert_balances_add_up;

#[actix_web::test]
async fn racing_purchases_on_one_card_spend_its_balance_once() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 600_000, None).await;
    let holder = register(&app, &t.admin).await;
    // Nothing is bought yet, so both validations pass the training_in_progress pre-check.
    let first = validated(&app, &t.platform, &holder, &course).await;
    let second = validated(&app, &t.platform, &holder, &course).await;

    let purchases = [first, second].map(|id| {
        let (app, platform, course) = (&app, &t.platform, &course);
        async move { buy(app, platform, &id, course).await }
    });
    let results = futures_util::future::join_all(purchases).await;
    let statuses: Vec<(u16, String)> = results
        .iter()
        .map(|r| (r.status, r.code().to_string()))
        .collect();
    assert_eq!(
        statuses.iter().filter(|(s, _)| *s == 201).count(),
        1,
        "{statuses:?}"
    );
    let refused: Vec<&Response> = results.iter().filter(|r| r.status != 201).collect();
    assert_eq!(refused.len(), 1, "{statuses:?}");
    assert!(
        ["insufficient_balance", "training_in_progress"].contains(&refused[0].code()),
        "{}",
        refused[0].body
    );
    refused[0].problem(409, refused[0].code());
    assert_eq!(
        balance(&app, &t.admin, &holder.card).await,
        FULL_BALANCE - 600_000
    );
    assert_balances_add_up(&app, &t.admin, &[&holder.card]).await;
}

#[actix_web::test]
async fn twenty_racing_purchases_on_ten_seats_sell_exactly_ten() {
    let app = spawn_with(|c| {
        c.otp.per_card_per_hour = 100;
        c.limits.validations_per_minute = 1000;
    })
    .await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 100_000, Some((Duration::hours(2), 10))).await;
    let schedule = course.schedule.clone().expect("schedule");
    let mut holders = Vec::new();
    let mut validations = Vec::new();
    for _ in 0..20 {
        let holder = register(&app, &t.admin).await;
        validations.push(validated(&app, &t.platform, &holder, &course).await);
        holders.push(holder);
    }

    let purchases = validations.iter().map(|id| {
        let (app, platform, course) = (&app, &t.platform, &course);
        async move { buy(app, platform, id, course).await }
    });
    let results = futures_util::future::join_all(purchases).await;
    let statuses: Vec<(u16, String)> = results
        .iter()
        .map(|r| (r.status, r.code().to_string()))
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.status == 201).count(),
        10,
        "{statuses:?}"
    );
    for refused in results.iter().filter(|r| r.status != 201) {
        refused.problem(409, "schedule_full");
    }
    assert_eq!(
        seats_left(&app, &t.platform, &course.code, &schedule).await,
        0
    );
    let mut charged = 0;
    for holder in &holders {
        let left = balance(&app, &t.admin, &holder.card).await;
        assert!(
            left == FULL_BALANCE || left == FULL_BALANCE - 100_000,
            "{left}"
        );
        charged += usize::from(left != FULL_BALANCE);
    }
    assert_eq!(charged, 10, "exactly the ten buyers are charged");
    let cards: Vec<&str> = holders.iter().map(|h| h.card.as_str()).collect();
    assert_balances_add_up(&app, &t.admin, &cards).await;
}
