//! Guessing and flooding: an OTP cannot be guessed past the lock (a resend does not reset the
//! count), card numbers cannot be probed faster than the limits (past the limit a real card and an
//! unknown one answer alike), and a partner rotated or disabled at the command line loses its
//! existing tokens within seconds, not at their `exp`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use prakerja_api::domain::CardNumber;

use crate::cli::operator_json;
use crate::helpers::*;
use crate::post_training_helpers::open_session;
use crate::purchase_helpers::*;

/// The members of a problem and its status and code: what a prober can tell apart.
fn shape(res: &Response) -> (u16, String, BTreeSet<String>) {
    let members = res
        .body
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    (res.status, res.code().to_string(), members)
}

#[actix_web::test]
async fn a_resend_does_not_give_a_guesser_fresh_attempts() {
    let app = spawn_with(|c| c.otp.resend_cooldown = Duration::ZERO).await;
    let t = tokens(&app).await;
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 300_000, None).await;
    let (id, otp) = started(&app, &t.platform, &holder, &course).await;
    for _ in 0..4 {
        verify(&app, &t.platform, &id, &wrong_otp(&otp))
            .await
            .problem(422, "otp_incorrect");
    }
    assert_eq!(resend(&app, &t.platform, &id).await.status, 200);
    let fresh = latest_otp(&app, &t.platform, &holder.phone).await;
    let res = verify(&app, &t.platform, &id, &wrong_otp(&fresh)).await;
    res.problem(409, "validation_locked");
    verify(&app, &t.platform, &id, &fresh)
        .await
        .problem(409, "validation_locked");
}

#[actix_web::test]
async fn past_the_platform_limit_a_real_card_and_an_unknown_one_answer_alike() {
    let app = spawn_with(|c| c.limits.validations_per_minute = 4).await;
    let t = tokens(&app).await;
    let course = approved_course(&app, &t, 100_000, None).await;
    let real = register(&app, &t.admin).await;
    for _ in 0..4 {
        let unknown = CardNumber::generate();
        start(&app, &t.platform, unknown.as_str(), &course)
            .await
            .problem(404, "card_not_found");
    }
    let known = start(&app, &t.platform, &real.card, &course).await;
    let unknown = start(&app, &t.platform, CardNumber::generate().as_str(), &course).await;
    known.problem(429, "rate_limited");
    assert_eq!(shape(&known), shape(&unknown));
    // Both waits count down to the same window's end; the second answer came a few
    // milliseconds later, so it may have crossed a whole second (CI saw 22 then 21).
    let (k, u) = (retry_after(&known), retry_after(&unknown));
    assert!(k >= 1 && u >= 1 && k.abs_diff(u) <= 1, "{k} vs {u}");
    assert_eq!(
        sms_count(&app, &t.admin, &real.phone).await,
        0,
        "a limited probe sends nothing"
    );
    // The budget is the platform's: another platform still validates.
    let (_, id, secret) = app.new_partner(&t.admin, "platform").await;
    let other = app.token((&id, &secret)).await;
    assert_eq!(start(&app, &other, &real.card, &course).await.status, 201);
}

#[actix_web::test]
async fn past_the_session_limit_a_real_card_and_an_unknown_one_answer_alike_whatever_x_forwarded_for_says()
 {
    let app = spawn_with(|c| c.limits.sessions_per_minute = 3).await;
    let admin = app.token(ADMIN).await;
    let real = register(&app, &admin).await;
    // Each probe claims another client address: no proxy is trusted, so none counts.
    let probe = async |card: &str| {
        let spoofed = format!("203.0.113.{}", unique() % 250);
        let req = app
            .client
            .post(app.url("/v1/participant/sessions"))
            .header("x-forwarded-for", spoofed)
            .json(&serde_json::json!({"card_number": card}));
        app.send(req).await
    };
    for _ in 0..3 {
        probe(CardNumber::generate().as_str())
            .await
            .problem(404, "card_not_found");
    }
    let known = probe(&real.card).await;
    let unknown = open_session(&app, CardNumber::generate().as_str()).await;
    known.problem(429, "rate_limited");
    assert_eq!(shape(&known), shape(&unknown));
    assert_eq!(sms_count(&app, &admin, &real.phone).await, 0);
}

/// Polls `GET /v1/courses` with `token` until it is refused (at most 5 s): that refusal.
async fn refused_within_seconds(app: &TestApp, token: &str) -> Response {
    let since = Instant::now();
    loop {
        let res = app.get("/v1/courses", token).await;
        if res.status != 200 {
            return res;
        }
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "still accepted after 5 s"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn tokens_of_a_partner_rotated_or_disabled_at_the_command_line_stop_within_seconds() {
    let app = spawn_with(|c| c.auth.revocation_check = Duration::from_secs(1)).await;
    let admin = app.token(ADMIN).await;
    let (id, client_id, secret) = app.new_partner(&admin, "lpk").await;
    let before_rotation = app.token((&client_id, &secret)).await;
    assert_eq!(app.get("/v1/courses", &before_rotation).await.status, 200);

    let rotated = operator_json(&app, &["partners", "rotate-secret", &id]);
    refused_within_seconds(&app, &before_rotation)
        .await
        .problem(401, "invalid_token");
    let secret = rotated["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let before_disable = app.token((&client_id, &secret)).await;
    assert_eq!(app.get("/v1/courses", &before_disable).await.status, 200);

    operator_json(&app, &["partners", "disable", &id]);
    refused_within_seconds(&app, &before_disable)
        .await
        .problem(401, "invalid_token");
    operator_json(&app, &["partners", "enable", &id]);
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    app.get("/v1/courses", &before_disable)
        .await
        .problem(401, "invalid_token");
}
