//! `GET /v1/events?since=`: a partner that was down replays what it missed, oldest first.

use serde_json::Value;

use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["id"].as_str().expect("an id").to_string())
        .collect()
}

#[actix_web::test]
async fn since_an_event_the_feed_gives_the_later_ones_oldest_first_and_nothing_after_the_last() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    for _ in 0..3 {
        issued_voucher(&app, &t).await;
    }
    let newest_first = app.get("/v1/events?limit=100", &t.platform).await;
    assert_eq!(newest_first.status, 200, "{}", newest_first.body);
    let mut all = ids(&newest_first.body);
    all.reverse();
    assert!(all.len() >= 3, "{all:?}");

    let res = app
        .get(
            &format!("/v1/events?since={}&limit=100", all[0]),
            &t.platform,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(ids(&res.body), all[1..].to_vec(), "oldest first, after it");
    assert!(res.body["next_cursor"].is_null());

    let res = app
        .get(&format!("/v1/events?since={}&limit=1", all[0]), &t.platform)
        .await;
    assert_eq!(ids(&res.body), all[1..2].to_vec(), "limit holds");

    let last = all.last().expect("an event");
    let res = app
        .get(&format!("/v1/events?since={last}"), &t.platform)
        .await;
    assert_eq!(ids(&res.body), Vec::<String>::new(), "caught up");
}

#[actix_web::test]
async fn since_refuses_another_partners_event_a_malformed_id_and_a_cursor_with_it() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    issued_voucher(&app, &t).await;
    let platform_event = ids(&app.get("/v1/events", &t.platform).await.body)[0].clone();

    app.get(&format!("/v1/events?since={platform_event}"), &t.lpk)
        .await
        .problem(404, "not_found");
    app.get("/v1/events?since=not-an-id", &t.platform)
        .await
        .problem(404, "not_found");
    let res = app
        .get(
            &format!("/v1/events?since={platform_event}&cursor=abc"),
            &t.platform,
        )
        .await;
    assert_field_error(
        res.problem(422, "validation_failed"),
        "cursor",
        Some("not_with_since"),
    );
}
