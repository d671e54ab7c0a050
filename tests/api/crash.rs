//! Crash safety: a stream of purchases, completions and disbursement runs goes to the real binary,
//! which is killed with SIGKILL midway and started again; every request whose answer was lost is
//! sent again with its `Idempotency-Key`. Then, for every card, the money adds up, every voucher
//! has its debit, no seat is sold twice, every payment reached the (sandbox) gateway once and is
//! recorded, and the webhook receiver got every event. On SQLite and PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::binary::Binary;
use crate::disbursement_helpers::*;
use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;
use crate::webhook_helpers::*;

/// One request of the stream; `key` is its `Idempotency-Key`.
#[derive(Clone)]
struct Sent {
    path: String,
    token: String,
    key: String,
    body: Value,
}

/// The answer, or `None` when the connection died with the server.
async fn attempt(http: &Http, r: &Sent) -> Option<(u16, Value)> {
    let res = http
        .client
        .post(http.url(&r.path))
        .bearer_auth(&r.token)
        .header("Idempotency-Key", &r.key)
        .json(&r.body)
        .send()
        .await
        .ok()?;
    let status = res.status().as_u16();
    let body = res.json::<Value>().await.ok()?;
    Some((status, body))
}

/// Sends `r` again until it is answered by something other than "in progress, come back".
async fn retried(http: &Http, r: &Sent) -> (u16, Value) {
    let since = Instant::now();
    loop {
        let answer = attempt(http, r).await;
        match answer {
            Some((409, ref body)) if body["code"] == "idempotency_in_progress" => {}
            Some((503, _)) | None => {}
            Some(done) => return done,
        }
        assert!(
            since.elapsed() < Duration::from_secs(20),
            "{} still unanswered: {answer:?}",
            r.path
        );
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    }
}

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("PRAKERJA_WEBHOOK_POLL_MS", "100"),
        // The restarted server asks the gateway about a payment whose answer died with the first.
        ("PRAKERJA_PAYOUT_CHECK_AFTER_SECONDS", "0"),
    ]
}

#[actix_web::test]
async fn a_server_killed_mid_stream_and_restarted_loses_no_money_seat_payment_or_event() {
    // The test's own server only sets up and looks: the binary delivers the webhooks.
    let app = spawn_with(|c| c.webhooks.poll = Duration::from_secs(3600)).await;
    let t = tokens(&app).await;
    let hooks = receiver(Behaviour::Ok);
    let kinds = [
        "voucher.issued",
        "voucher.completed",
        "disbursement.updated",
    ];
    subscribe(&app, &t.platform, &hooks.url, &kinds).await;

    // Eight holders after four seats, four redeemed vouchers to complete, two incentives due.
    let seats = approved_course(&app, &t, 100_000, Some((chrono::Duration::minutes(30), 4))).await;
    let schedule = seats.schedule.clone().expect("schedule");
    let mut stream = Vec::new();
    let mut cards = Vec::new();
    for i in 0..8 {
        let holder = register(&app, &t.admin).await;
        let id = validated(&app, &t.platform, &holder, &seats).await;
        let body = voucher_body(&id, &seats.code, Some(&schedule), &order_id());
        let key = format!("buy-{i}");
        stream.push(Sent {
            path: "/v1/vouchers".into(),
            token: t.platform.clone(),
            key,
            body,
        });
        cards.push(holder.card);
    }
    let mut to_complete = Vec::new();
    for _ in 0..4 {
        let (holder, code) = redeemed_voucher(&app, &t).await;
        cards.push(holder.card);
        to_complete.push(code);
    }
    let mut paid_cards = Vec::new();
    for _ in 0..2 {
        paid_cards.push(ready_holder(&app, &t).await.0.card);
    }
    for (i, code) in to_complete.iter().enumerate() {
        let at = stream.len().min(2 * i + 1);
        stream.insert(
            at,
            Sent {
                path: format!("/v1/vouchers/{code}/completion"),
                token: t.lpk.clone(),
                key: format!("done-{code}"),
                body: completion_body(&now(), true, 80),
            },
        );
    }
    for at in [3, 9] {
        stream.insert(
            at,
            Sent {
                path: "/v1/admin/disbursements/run".into(),
                token: t.admin.clone(),
                key: format!("run-{at}"),
                body: json!({}),
            },
        );
    }

    // The stream, one request every 20 ms; the server dies once a third of it is answered.
    let doomed = Binary::serve(&app.database_url, &env());
    let http = Arc::new(Http::new(doomed.http.address.clone()));
    let answered = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = stream
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, r)| {
            let (http, answered) = (http.clone(), answered.clone());
            actix_web::rt::spawn(async move {
                actix_web::rt::time::sleep(Duration::from_millis(20 * i as u64)).await;
                let answer = attempt(&http, &r).await;
                answered.fetch_add(usize::from(answer.is_some()), Ordering::SeqCst);
                answer
            })
        })
        .collect();
    let since = Instant::now();
    while answered.load(Ordering::SeqCst) < stream.len() / 3 {
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "the stream stalled"
        );
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    doomed.kill();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    let lost = answers.iter().filter(|a| a.is_none()).count();
    eprintln!("{lost} of {} answers lost with the server", answers.len());

    // Restarted: every lost request again, under its key.
    let server = Binary::serve(&app.database_url, &env());
    let mut final_answers = Vec::new();
    for (r, answer) in stream.iter().zip(answers) {
        final_answers.push(match answer {
            Some(a) => a,
            None => retried(&server.http, r).await,
        });
    }
    let mut codes = Vec::new();
    for (r, (status, body)) in stream.iter().zip(&final_answers) {
        match r.path.as_str() {
            "/v1/vouchers" if *status == 201 => {
                codes.push(body["code"].as_str().expect("code").to_string())
            }
            "/v1/vouchers" => assert_eq!(body["code"], "schedule_full", "{status} {body}"),
            _ => assert_eq!(*status, 200, "{}: {body}", r.path),
        }
    }
    // A run after the restart records what the killed one left unanswered.
    run(&server.http, &t.admin, None).await;

    // Money: every card's balance and its live vouchers add up; every voucher was debited.
    let all: Vec<&str> = cards
        .iter()
        .chain(&paid_cards)
        .map(String::as_str)
        .collect();
    crate::vouchers::assert_balances_add_up(&app, &t.admin, &all).await;
    // Seats: four sold, each to one answered purchase.
    assert_eq!(codes.len(), 4, "{final_answers:?}");
    assert_eq!(
        seats_left(&app, &t.platform, &seats.code, &schedule).await,
        0
    );
    let sold: Vec<Value> = crate::vouchers::all_vouchers(&app, &t.admin)
        .await
        .into_iter()
        .filter(|v| v["course_code"] == seats.code.as_str())
        .collect();
    assert_eq!(
        sold.len(),
        4,
        "no voucher beyond the answered ones: {sold:?}"
    );
    for code in &to_complete {
        assert_eq!(voucher(&app, &t.lpk, code).await["status"], "completed");
    }
    // Payments: each first tranche (of these holders and of the seeded ready card) reached the
    // gateway under its own id once, no second attempt, and is recorded paid.
    for card in &paid_cards {
        let first = tranche(&payments_of(&app, &t.admin, card).await, 1);
        assert_consistent(&first);
        assert_eq!(first["status"], "paid", "{first}");
        assert!(sandbox_outcome(&app, &id_of(&first)).await.is_some());
        assert!(
            sandbox_outcome(&app, &format!("{}.2", id_of(&first)))
                .await
                .is_none()
        );
    }
    assert_eq!(
        sandbox_payout_rows(&app).await,
        rows_in_status(&app, "paid").await,
        "every payment the gateway got is recorded paid, and nothing else was sent"
    );
    // Events: every one of them reached the receiver.
    let announced = |rs: &[Received], kind: &str, code: &str| {
        rs.iter().any(|r| {
            let v = r.json();
            v["type"] == kind && v["data"]["code"] == code
        })
    };
    let paid_events = |rs: &[Received]| {
        rs.iter()
            .filter(|r| {
                let v = r.json();
                v["type"] == "disbursement.updated" && v["data"]["status"] == "paid"
            })
            .count()
    };
    hooks
        .wait_until(Duration::from_secs(30), |rs| {
            codes.iter().all(|c| announced(rs, "voucher.issued", c))
                && to_complete
                    .iter()
                    .all(|c| announced(rs, "voucher.completed", c))
                && paid_events(rs) >= paid_cards.len()
        })
        .await;
}
