//! Webhooks end to end: endpoints registered over HTTP, events caused through the API, and a
//! receiver of the test's own that checks every signature with the secret it was given.

use std::time::Duration;

use prakerja_api::config::Config;
use prakerja_api::domain::partner::PartnerKind;
use prakerja_api::gateways::webhook::{Attempt, HttpWebhooks, Outgoing, WebhookSender};
use serde_json::json;

use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;
use crate::webhook_helpers::*;

/// The worker looks every 100 ms and retries after a second, so a test sees retries in seconds.
fn fast(c: &mut Config) {
    c.webhooks.poll = Duration::from_millis(100);
    c.webhooks.first_retry = Duration::from_secs(1);
}

/// Sandbox off: OTPs and payouts would go to real gateways (nothing listens on port 9 here).
fn sandbox_off(c: &mut Config) {
    fast(c);
    c.sandbox = false;
    c.sms.gateway_url = Some("http://127.0.0.1:9/sms".into());
    c.payouts.gateway_url = Some("http://127.0.0.1:9/payouts".into());
}

fn production(c: &mut Config) {
    sandbox_off(c);
    c.production = true;
}

/// A partner token on a server without the sandbox's seeded clients.
async fn own_platform(app: &TestApp) -> String {
    let creds = app.client_of(PartnerKind::Platform).await;
    app.token((&creds.client_id, &creds.client_secret)).await
}

fn event_id(r: &Received) -> String {
    r.header("prakerja-event-id")
        .expect("Prakerja-Event-Id")
        .to_string()
}

#[actix_web::test]
async fn each_event_reaches_the_endpoints_subscribed_to_it_signed_with_their_secret() {
    let app = spawn_with(fast).await;
    let t = tokens(&app).await;
    let platform_rx = receiver(Behaviour::Ok);
    let lpk_rx = receiver(Behaviour::Ok);
    let (_, platform_secret) = subscribe(
        &app,
        &t.platform,
        &platform_rx.url,
        &["voucher.issued", "voucher.redeemed"],
    )
    .await;
    let (_, lpk_secret) = subscribe(&app, &t.lpk, &lpk_rx.url, &["voucher.redeemed"]).await;

    let (holder, code) = issued_voucher(&app, &t).await;
    let res = redeem(&app, &t.lpk, &code, &holder.card).await;
    assert_eq!(res.status, 200, "{}", res.body);

    let issued = platform_rx.event("voucher.issued", &code).await;
    let redeemed = platform_rx.event("voucher.redeemed", &code).await;
    let lpk_redeemed = lpk_rx.event("voucher.redeemed", &code).await;
    for (got, secret) in [
        (&issued, &platform_secret),
        (&redeemed, &platform_secret),
        (&lpk_redeemed, &lpk_secret),
    ] {
        got.assert_signed(secret);
        assert_eq!(got.header("content-type"), Some("application/json"));
        assert_eq!(got.header("prakerja-event-id"), got.json()["id"].as_str());
        assert!(got.header("prakerja-delivery-id").is_some());
        assert_eq!(got.path, "/hooks");
    }
    // The body is the event exactly as the partner's feed has it.
    let feed = events_about(&app, &t.platform, &code).await;
    let in_feed = feed
        .iter()
        .find(|e| e["type"] == "voucher.issued")
        .expect("voucher.issued in the feed");
    assert_eq!(&issued.json(), in_feed);
    // The LPK asked for redemptions only, and each side got its own copy of the event.
    assert!(
        lpk_rx
            .requests()
            .iter()
            .all(|r| r.json()["type"] != "voucher.issued")
    );
    assert_ne!(event_id(&redeemed), event_id(&lpk_redeemed));
    // Another endpoint's secret does not verify it.
    assert!(!issued.signed_with(&lpk_secret));
}

#[actix_web::test]
async fn a_receiver_that_fails_for_a_while_still_gets_the_event_after_doubling_waits() {
    let app = spawn_with(fast).await;
    let t = tokens(&app).await;
    let rx = receiver(Behaviour::FailFirst(2));
    let (endpoint, secret) = subscribe(&app, &t.platform, &rx.url, &["voucher.issued"]).await;
    issued_voucher(&app, &t).await;

    let got = rx
        .wait_until(Duration::from_secs(20), |rs| rs.len() >= 3)
        .await;
    let first = &got[0];
    for attempt in &got[..3] {
        attempt.assert_signed(&secret);
        assert_eq!(event_id(attempt), event_id(first), "the same event");
        assert_eq!(
            attempt.header("prakerja-delivery-id"),
            first.header("prakerja-delivery-id")
        );
    }
    // First retry after about first_retry (1 s), the next after about twice that.
    let gaps = [got[1].at - got[0].at, got[2].at - got[1].at];
    assert!(gaps[0] >= Duration::from_millis(900), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(1900), "{gaps:?}");

    let list = deliveries_when(&app, &t.platform, &event_id(first), |d| {
        d.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["attempts"], 3);
    assert_eq!(list[0]["last_status"], 204);
    assert_eq!(list[0]["endpoint_id"], endpoint.as_str());
    assert!(list[0]["delivered_at"].is_string() && list[0]["next_attempt_at"].is_null());
    let shown = &endpoints(&app, &t.platform).await[0];
    assert_eq!(
        shown["consecutive_failures"], 0,
        "a success resets the count"
    );
    assert_eq!(shown["last_error"], "HTTP 500");
    assert_eq!(shown["status"], "active");
}

#[actix_web::test]
async fn more_failures_in_a_row_than_the_limit_during_a_brief_outage_do_not_disable_an_endpoint() {
    // The limit is reached, but the endpoint has not failed for the hours the rule also asks.
    let app = spawn_with(|c| {
        fast(c);
        c.webhooks.disable_after = 2;
    })
    .await;
    let t = tokens(&app).await;
    let rx = receiver(Behaviour::FailFirst(3));
    subscribe(&app, &t.platform, &rx.url, &["voucher.issued"]).await;
    issued_voucher(&app, &t).await;

    let got = rx
        .wait_until(Duration::from_secs(30), |rs| rs.len() >= 4)
        .await;
    let list = deliveries_when(&app, &t.platform, &event_id(&got[0]), |d| {
        d.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(list[0]["attempts"], 4);
    let shown = &endpoints(&app, &t.platform).await[0];
    assert_eq!(shown["status"], "active", "{shown}");
}

#[actix_web::test]
async fn an_endpoint_that_keeps_failing_is_disabled_and_shows_its_last_error() {
    let app = spawn_with(|c| {
        fast(c);
        c.webhooks.disable_after = 3;
        c.webhooks.disable_failing_for = Duration::ZERO;
    })
    .await;
    let t = tokens(&app).await;
    let rx = receiver(Behaviour::AlwaysFail);
    let (endpoint, _) = subscribe(&app, &t.platform, &rx.url, &["voucher.issued"]).await;
    issued_voucher(&app, &t).await;

    let got = rx
        .wait_until(Duration::from_secs(20), |rs| rs.len() >= 3)
        .await;
    let event = event_id(&got[0]);
    let list = deliveries_when(&app, &t.platform, &event, |d| {
        d.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    assert_eq!(list[0]["attempts"], 3);
    assert_eq!(list[0]["last_status"], 500);
    assert_eq!(list[0]["last_error"], "endpoint disabled");
    let shown = &endpoints(&app, &t.platform).await[0];
    assert_eq!(shown["status"], "disabled", "{shown}");
    assert_eq!(shown["consecutive_failures"], 3);
    assert_eq!(shown["last_error"], "HTTP 500");
    assert!(shown["last_error_at"].is_string());

    // Nothing more goes to it: not new events, not a redelivery.
    issued_voucher(&app, &t).await;
    let res = app
        .post(
            &format!("/v1/events/{event}/redeliver"),
            &t.platform,
            &json!({}),
        )
        .await;
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(
        res.body["data"],
        json!([]),
        "no active endpoint asks for it"
    );
    app.post(
        &format!("/v1/events/{event}/redeliver"),
        &t.platform,
        &json!({"endpoint_id": endpoint}),
    )
    .await
    .problem(409, "webhook_endpoint_disabled");
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.requests().len(), 3);
}

#[actix_web::test]
async fn a_partner_lists_an_events_deliveries_and_asks_for_a_redelivery() {
    let app = spawn_with(fast).await;
    let t = tokens(&app).await;
    let rx = receiver(Behaviour::Ok);
    let other_rx = receiver(Behaviour::Ok);
    let (endpoint, secret) = subscribe(&app, &t.platform, &rx.url, &["voucher.issued"]).await;
    let (other, _) = subscribe(&app, &t.platform, &other_rx.url, &["voucher.voided"]).await;
    let (_, code) = issued_voucher(&app, &t).await;
    let first = rx.event("voucher.issued", &code).await;
    let event = event_id(&first);
    let list = deliveries_when(&app, &t.platform, &event, |d| {
        d.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(list.len(), 1, "only the subscribed endpoint: {list:?}");
    assert_eq!(list[0]["endpoint_id"], endpoint.as_str());
    assert_eq!(list[0]["attempts"], 1);
    assert_eq!(list[0]["last_status"], 200);

    // Again, to every subscribed endpoint; retried with the same key, it is queued once.
    let path = format!("/v1/events/{event}/redeliver");
    let again = || {
        app.client
            .post(app.url(&path))
            .bearer_auth(&t.platform)
            .header("idempotency-key", "redeliver-1")
    };
    let res = app.send(again()).await;
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(res.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(res.body["data"][0]["status"], "pending");
    assert_eq!(app.send(again()).await.body, res.body, "replayed");
    let got = rx
        .wait_until(Duration::from_secs(20), |rs| rs.len() >= 2)
        .await;
    assert_eq!(event_id(&got[1]), event);
    assert_ne!(
        got[1].header("prakerja-delivery-id"),
        first.header("prakerja-delivery-id"),
        "a redelivery is a new delivery"
    );
    got[1].assert_signed(&secret);

    // To one endpoint by name, even one that did not subscribe to the type.
    let res = app
        .post(&path, &t.platform, &json!({"endpoint_id": other}))
        .await;
    assert_eq!(res.status, 202, "{}", res.body);
    other_rx.event("voucher.issued", &code).await;
    let list = deliveries_when(&app, &t.platform, &event, |d| {
        d.len() == 3 && d.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(list[0]["endpoint_id"], other.as_str(), "newest first");
    assert_eq!(rx.requests().len(), 2, "sent once per delivery");
}

#[actix_web::test]
async fn workers_running_side_by_side_send_each_delivery_once() {
    let app = spawn_with(fast).await;
    let t = tokens(&app).await;
    let rx = receiver(Behaviour::Slow(Duration::from_millis(150)));
    subscribe(&app, &t.platform, &rx.url, &["voucher.issued"]).await;
    let (_, code) = issued_voucher(&app, &t).await;
    let event = event_id(&rx.event("voucher.issued", &code).await);
    for _ in 0..30 {
        let res = app
            .post(
                &format!("/v1/events/{event}/redeliver"),
                &t.platform,
                &json!({}),
            )
            .await;
        assert_eq!(res.status, 202, "{}", res.body);
    }
    // Four more workers beside the server's own, as other instances would be.
    let core = &app.state.core;
    let rounds = futures_util::future::join_all((0..4).map(|_| async {
        let mut sent = 0;
        for _ in 0..5 {
            sent += core.deliver_due_webhooks().await.expect("a round");
        }
        sent
    }))
    .await;
    let got = rx
        .wait_until(Duration::from_secs(20), |rs| rs.len() >= 31)
        .await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let mut ids: Vec<String> = rx
        .requests()
        .iter()
        .filter_map(|r| r.header("prakerja-delivery-id").map(String::from))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 31, "{} requests, rounds {rounds:?}", got.len());
    assert_eq!(rx.requests().len(), 31, "no delivery sent twice");
}

#[actix_web::test]
async fn deleting_an_endpoint_stops_its_deliveries_even_those_being_retried() {
    let app = spawn_with(fast).await;
    let t = tokens(&app).await;
    let rx = receiver(Behaviour::AlwaysFail);
    let (endpoint, _) = subscribe(&app, &t.platform, &rx.url, &["voucher.issued"]).await;
    issued_voucher(&app, &t).await;
    let got = rx
        .wait_until(Duration::from_secs(20), |rs| !rs.is_empty())
        .await;
    let event = event_id(&got[0]);

    let path = format!("/v1/webhook-endpoints/{endpoint}");
    let res = delete(&app, &path, &t.platform).await;
    assert_eq!(res.status, 204, "{}", res.body);
    assert!(endpoints(&app, &t.platform).await.is_empty());
    delete(&app, &path, &t.platform)
        .await
        .problem(404, "not_found");
    let list = deliveries(&app, &t.platform, &event).await;
    assert_eq!(list[0]["status"], "failed");
    assert_eq!(list[0]["last_error"], "endpoint deleted");

    // Its retry was due within a second or so, and new events would be queued at once.
    issued_voucher(&app, &t).await;
    actix_web::rt::time::sleep(Duration::from_millis(3000)).await;
    let seen = rx.requests().len();
    assert!(seen <= 2, "at most an attempt already under way: {seen}");
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.requests().len(), seen);
}

#[actix_web::test]
async fn another_partner_can_neither_see_nor_delete_nor_redeliver() {
    let app = spawn_with(fast).await;
    let t = tokens(&app).await;
    let rx = receiver(Behaviour::Ok);
    let (endpoint, _) = subscribe(&app, &t.platform, &rx.url, &["voucher.issued"]).await;
    let (_, code) = issued_voucher(&app, &t).await;
    let event = event_id(&rx.event("voucher.issued", &code).await);

    let (_, client, secret) = app.new_partner(&t.admin, "platform").await;
    let intruder = app.token((&client, &secret)).await;
    let (theirs, _) = subscribe(&app, &intruder, &rx.url, &["voucher.issued"]).await;
    let listed = endpoints(&app, &intruder).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], theirs.as_str());
    delete(
        &app,
        &format!("/v1/webhook-endpoints/{endpoint}"),
        &intruder,
    )
    .await
    .problem(404, "not_found");
    app.get(&format!("/v1/events/{event}/deliveries"), &intruder)
        .await
        .problem(404, "not_found");
    app.post(
        &format!("/v1/events/{event}/redeliver"),
        &intruder,
        &json!({}),
    )
    .await
    .problem(404, "not_found");
    // Nor may the owner aim its event at another partner's endpoint.
    app.post(
        &format!("/v1/events/{event}/redeliver"),
        &t.platform,
        &json!({"endpoint_id": theirs}),
    )
    .await
    .problem(404, "not_found");
    assert_eq!(endpoints(&app, &t.platform).await.len(), 1);
    // Holders and program management have no endpoints.
    app.get("/v1/webhook-endpoints", &t.admin)
        .await
        .problem(403, "forbidden");
}

#[actix_web::test]
async fn registration_checks_the_url_and_event_types_and_shows_the_secret_once() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let post =
        async |body: serde_json::Value| app.post("/v1/webhook-endpoints", &t.lpk, &body).await;
    let res =
        post(json!({"url": "https://lpk.example.id/hook", "events": ["voucher.eaten"]})).await;
    let problem = res.problem(422, "validation_failed");
    assert_field_error(problem, "events[0]", Some("unknown_event_type"));
    let res = post(json!({"url": "lpk.example.id", "events": []})).await;
    let problem = res.problem(422, "validation_failed");
    assert_field_error(problem, "url", Some("invalid_url"));
    assert_field_error(problem, "events", Some("length"));
    post(json!({"url": "https://lpk.example.id/hook"}))
        .await
        .problem(422, "validation_failed");

    let res = post(json!({
        "url": "https://lpk.example.id/hook",
        "events": ["certificate.issued", "voucher.completed", "voucher.completed"],
    }))
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["status"], "active");
    assert_eq!(
        res.body["events"],
        json!(["voucher.completed", "certificate.issued"])
    );
    let secret = res.body["secret"].as_str().expect("secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    let listed = endpoints(&app, &t.lpk).await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("secret").is_none(), "{}", listed[0]);
    assert_eq!(listed[0]["consecutive_failures"], 0);
    assert!(listed[0]["last_error"].is_null());
    let stored = app
        .db(|c| {
            use diesel::prelude::*;
            use prakerja_api::db::schema::webhook_endpoints as e;
            Ok(e::table.select(e::secret_cipher).first::<String>(c)?)
        })
        .await;
    assert!(!stored.contains(secret), "sealed at rest");
}

#[actix_web::test]
async fn with_the_sandbox_off_only_https_urls_are_accepted() {
    let app = spawn_with(sandbox_off).await;
    let token = own_platform(&app).await;
    let res = app
        .post(
            "/v1/webhook-endpoints",
            &token,
            &json!({"url": "http://hooks.example.id/x", "events": ["voucher.issued"]}),
        )
        .await;
    res.problem(422, "webhook_url_not_allowed");
    assert_eq!(res.body["reason"], "not_https");
    // Not production: a receiver on one's own machine is fine.
    subscribe(&app, &token, "https://127.0.0.1:9/x", &["voucher.issued"]).await;
}

#[actix_web::test]
async fn production_refuses_urls_that_reach_private_addresses() {
    let app = spawn_with(production).await;
    let token = own_platform(&app).await;
    for (url, reason) in [
        ("https://10.0.0.1/x", "not_public"),
        ("https://169.254.169.254/latest", "not_public"),
        ("https://[::1]:8443/x", "not_public"),
        ("https://localhost:8443/x", "not_public"),
        ("https://no-such-host.invalid/x", "unresolvable"),
    ] {
        let res = app
            .post(
                "/v1/webhook-endpoints",
                &token,
                &json!({"url": url, "events": ["voucher.issued"]}),
            )
            .await;
        res.problem(422, "webhook_url_not_allowed");
        assert_eq!(res.body["reason"], reason, "{url}: {}", res.body);
    }
    assert!(endpoints(&app, &token).await.is_empty());
}

fn outgoing(url: &str) -> Outgoing<'_> {
    Outgoing {
        url,
        body: "{}",
        signature: "t=1,v1=00",
        event_id: "e",
        delivery_id: "d",
    }
}

#[actix_web::test]
async fn the_gateway_follows_no_redirect_and_names_a_timeout() {
    let redirecting = receiver(Behaviour::Redirect);
    let gateway = HttpWebhooks::new(Duration::from_millis(500), false).expect("client");
    match gateway.send(&outgoing(&redirecting.url)).await {
        Attempt::Failed { status, error } => {
            assert_eq!(status, Some(302));
            assert!(error.contains("redirects are not followed"), "{error}");
        }
        other => panic!("a redirect is not a delivery: {other:?}"),
    }
    assert!(
        redirecting
            .requests()
            .iter()
            .all(|r| r.path != "/elsewhere")
    );

    let slow = receiver(Behaviour::Slow(Duration::from_secs(3)));
    match gateway.send(&outgoing(&slow.url)).await {
        Attempt::Failed {
            status: None,
            error,
        } => {
            assert_eq!(error, "no answer within 500 ms")
        }
        other => panic!("a timeout fails: {other:?}"),
    }
}

#[actix_web::test]
async fn in_production_the_gateway_refuses_a_name_that_resolves_to_a_private_address() {
    let rx = receiver(Behaviour::Ok);
    let by_name = rx.url.replace("127.0.0.1", "localhost");
    let gateway = HttpWebhooks::new(Duration::from_secs(2), true).expect("client");
    match gateway.send(&outgoing(&by_name)).await {
        Attempt::Failed {
            status: None,
            error,
        } => {
            assert!(error.contains("no public address"), "{error}")
        }
        other => panic!("localhost is not public: {other:?}"),
    }
    assert!(rx.requests().is_empty());
    let open = HttpWebhooks::new(Duration::from_secs(2), false).expect("client");
    assert_eq!(
        open.send(&outgoing(&by_name)).await,
        Attempt::Delivered { status: 200 }
    );
}

#[actix_web::test]
async fn rotating_the_data_key_reseals_signing_secrets() {
    use diesel::prelude::*;
    use prakerja_api::db::schema::webhook_endpoints as e;

    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (id, secret) = subscribe(
        &app,
        &t.lpk,
        "https://lpk.example.id/h",
        &["voucher.issued"],
    )
    .await;
    let only_new = app.rotate_to_a_new_data_key().await;

    let stored = app
        .db(|c| Ok(e::table.select(e::secret_cipher).first::<String>(c)?))
        .await;
    let opened = only_new
        .decrypt(&stored, &format!("webhook_secret:{id}"))
        .expect("opens under the new key alone");
    assert_eq!(opened, secret);
}
