//! Reports racing each other on one voucher: a bulk report against single reports of the same
//! vouchers, a batch re-sent while the first is still running, one certificate sent twice at once.
//! Whatever the interleaving, the same report is accepted again and nothing answers 500.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;

fn row(code: &str, at: &str) -> Value {
    json!({"voucher_code": code, "completed_at": at, "passed": true, "score": 80})
}

async fn redeemed_vouchers(app: &TestApp, t: &Tokens, n: usize) -> Vec<String> {
    let mut codes = Vec::new();
    for _ in 0..n {
        codes.push(redeemed_voucher(app, t).await.1);
    }
    codes
}

/// Every row of a batch answer that was not accepted.
fn not_accepted(res: &Response) -> Vec<Value> {
    res.body["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["outcome"] != "accepted")
        .cloned()
        .collect()
}

#[actix_web::test]
async fn a_bulk_report_and_single_reports_of_the_same_vouchers_all_succeed() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let codes = redeemed_vouchers(&app, &t, 40).await;
    let at = now();
    let items: Vec<Value> = codes.iter().map(|c| row(c, &at)).collect();
    let body = completion_body(&at, true, 80);
    let singles = futures_util::future::join_all(
        codes[20..]
            .iter()
            .map(|c| complete_with(&app, &t.lpk, c, &body)),
    );
    let (bulk, singles) = tokio::join!(batch(&app, &t.lpk, items), singles);
    assert_eq!(bulk.status, 200, "{}", bulk.body);
    assert_eq!(not_accepted(&bulk), Vec::<Value>::new());
    for s in &singles {
        assert_eq!(s.status, 200, "{}", s.body);
    }
}

#[actix_web::test]
async fn a_batch_sent_again_while_the_first_runs_is_accepted_row_for_row() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let codes = redeemed_vouchers(&app, &t, 30).await;
    let at = now();
    let items: Vec<Value> = codes.iter().map(|c| row(c, &at)).collect();
    let (a, b) = tokio::join!(
        batch(&app, &t.lpk, items.clone()),
        batch(&app, &t.lpk, items)
    );
    for res in [&a, &b] {
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(not_accepted(res), Vec::<Value>::new());
    }
    let completions = count_events(&app, &t.lpk, &codes[0], "voucher.completed").await;
    assert_eq!(completions, 1, "one completion event, whichever batch won");
}

#[actix_web::test]
async fn one_certificate_sent_twice_at_once_is_created_once_and_answered_twice() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    for i in 0..4 {
        let (_, code) = redeemed_voucher(&app, &t).await;
        completed(&app, &t.lpk, &code, 80).await;
        let number = format!("RACE-{i}");
        let body = certificate_body("lpk", &number, &now(), &certificate_url(&number));
        let (a, b) = tokio::join!(
            certify_with(&app, &t.lpk, &code, &body),
            certify_with(&app, &t.lpk, &code, &body)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 201], "{} / {}", a.body, b.body);
    }
}

#[actix_web::test]
async fn one_idempotency_key_never_runs_two_different_batches() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let codes = redeemed_vouchers(&app, &t, 30).await;
    let at = now();
    let keyed = |score: i64| {
        let items: Vec<Value> = codes
            .iter()
            .map(|c| json!({"voucher_code": c, "completed_at": at, "passed": true, "score": score}))
            .collect();
        app.send(
            app.client
                .post(app.url("/v1/completions/batch"))
                .bearer_auth(&t.lpk)
                .header("Idempotency-Key", "cohort-7")
                .json(&json!({"items": items})),
        )
    };
    let (a, b) = tokio::join!(keyed(80), keyed(90));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(
        statuses == [200, 409] || statuses == [200, 422],
        "one runs; the other is in progress or a reused key: {} / {}",
        a.body,
        b.body
    );
    let loser = if a.status == 200 { &b } else { &a };
    assert!(
        ["idempotency_in_progress", "idempotency_key_reused"].contains(&loser.code()),
        "{}",
        loser.body
    );
}
