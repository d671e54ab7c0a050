use prakerja_api::service::audit::{self, ChainCheck};
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn every_admin_and_partner_write_appends_an_event_with_actor_and_request_id() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let admin_id = app.state.core.keys.verify(&admin).expect("valid").sub;
    let res = app
        .send(
            app.client
                .post(app.url("/v1/admin/partners"))
                .bearer_auth(&admin)
                .header("X-Request-Id", "req-audit-1")
                .json(&json!({"name": "Pintaria", "kind": "platform"})),
        )
        .await;
    assert_eq!(res.status, 201);
    let page = app.get("/v1/admin/audit-events?limit=1", &admin).await;
    let event = &page.body["data"][0];
    assert_eq!(event["action"], "partner.create");
    assert_eq!(event["actor_id"], admin_id.as_str());
    assert_eq!(event["actor_role"], "admin");
    assert_eq!(event["request_id"], "req-audit-1");
    assert_eq!(page.body["chain_head"]["hash"], event["hash"]);
    assert_eq!(page.body["chain_head"]["seq"], event["seq"]);
}

#[actix_web::test]
async fn audit_pages_chain_back_to_the_first_event() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let mut events = Vec::new();
    let mut path = "/v1/admin/audit-events?limit=7".to_string();
    loop {
        let res = app.get(&path, &admin).await;
        events.extend(res.body["data"].as_array().cloned().unwrap_or_default());
        match res.body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/admin/audit-events?limit=7&cursor={c}"),
            None => break,
        }
    }
    // Newest first: each event's prev_hash is the next one's hash, down to seq 1 and the genesis.
    for pair in events.windows(2) {
        assert_eq!(pair[0]["prev_hash"], pair[1]["hash"]);
        assert_eq!(
            pair[0]["seq"].as_i64(),
            pair[1]["seq"].as_i64().map(|s| s + 1)
        );
    }
    let last = events.last().expect("the sandbox seed is audited");
    assert_eq!(last["seq"], 1);
    assert_eq!(last["prev_hash"], "0".repeat(64));
}

#[actix_web::test]
async fn verify_passes_on_an_untouched_chain_and_names_an_edited_event() {
    let app = spawn_app().await;
    let intact = app.db(|c| audit::verify(c, |_| {})).await;
    assert!(
        matches!(intact, ChainCheck::Intact { events, .. } if events > 5),
        "{intact:?}"
    );
    app.sql("UPDATE audit_events SET details = '{\"reason\":\"rewritten\"}' WHERE seq = 3")
        .await;
    let broken = app.db(|c| audit::verify(c, |_| {})).await;
    assert!(
        matches!(broken, ChainCheck::Broken { seq: 3, .. }),
        "{broken:?}"
    );
}

#[actix_web::test]
async fn verify_catches_a_deleted_tail_event() {
    let app = spawn_app().await;
    let (head, _) = app.db(|c| Ok(prakerja_api::db::audit::head(c)?)).await;
    app.sql(&format!("DELETE FROM audit_events WHERE seq = {head}"))
        .await;
    let broken = app.db(|c| audit::verify(c, |_| {})).await;
    assert!(
        matches!(broken, ChainCheck::Broken { seq, .. } if seq == head),
        "{broken:?}"
    );
}

#[actix_web::test]
async fn partners_cannot_read_the_audit_trail() {
    let app = spawn_app().await;
    let lpk = app.token(LPK).await;
    app.get("/v1/admin/audit-events", &lpk)
        .await
        .problem(403, "forbidden");
}
