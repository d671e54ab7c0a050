use diesel::prelude::*;
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
    app.db(audit::seal).await;
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

#[actix_web::test]
async fn a_recorded_event_leaves_the_chain_head_alone_until_the_sealer_chains_it() {
    use prakerja_api::db::{self, schema::audit_inbox as inbox};
    use prakerja_api::service::Actor;
    let app = spawn_app().await;
    // The sandbox seed's events first, so nothing but this test's event can move the head.
    app.db(audit::seal).await;
    // Inside the recording transaction (so no sealer can see it yet): the head has not moved
    // and the event waits in the inbox.
    let (before, during, waiting) = app
        .db(|c| {
            db::write_tx(c, |c| {
                let before = db::audit::head(c)?;
                audit::record(
                    c,
                    &Actor::operator("audit-test"),
                    audit::Event {
                        action: "test.inbox",
                        target_type: "test",
                        target_id: "inbox-1",
                        details: json!({}),
                    },
                )?;
                let during = db::audit::head(c)?;
                let waiting: i64 = inbox::table
                    .filter(inbox::action.eq("test.inbox"))
                    .count()
                    .get_result(c)?;
                Ok((before, during, waiting))
            })
        })
        .await;
    assert_eq!(before, during, "recording must not touch the head");
    assert_eq!(waiting, 1);
    // Sealed (here or by the server's own sealer meanwhile): in the chain once, after the head.
    let chain = app.db(|c| audit::verify(c, |_| {})).await;
    assert!(matches!(chain, ChainCheck::Intact { .. }), "{chain:?}");
    let admin = app.token(ADMIN).await;
    let page = app.get("/v1/admin/audit-events?limit=5", &admin).await;
    let sealed: Vec<_> = page.body["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["action"] == "test.inbox")
        .collect();
    assert_eq!(sealed.len(), 1, "{}", page.body);
    assert!(sealed[0]["seq"].as_i64().expect("seq") > before.0);
    let left: i64 = app.db(|c| Ok(inbox::table.count().get_result(c)?)).await;
    assert_eq!(left, 0, "the inbox is empty once sealed");
}

#[actix_web::test]
async fn concurrent_writes_and_sealers_put_every_event_in_the_chain_once_and_a_follower_misses_none()
 {
    use prakerja_api::db::schema::audit_events as a;
    // Connections enough for the writes, the sealers and the follower to overlap.
    let app = spawn_with(|c| c.database.pool_size = 16).await;
    let admin = app.token(ADMIN).await;
    const WRITES: usize = 24;
    let writes = (0..WRITES).map(|i| {
        let (app, admin) = (&app, &admin);
        async move {
            let body = json!({"name": format!("Racer {i}"), "kind": "platform"});
            let res = app.post("/v1/admin/partners", admin, &body).await;
            assert_eq!(res.status, 201, "{}", res.body);
            res.body["id"].as_str().expect("id").to_string()
        }
    });
    // Sealers racing each other and the writes, until the writes are done; beside them a
    // follower reading as `audit tail --follow` does, after the last seq it saw.
    let done = std::cell::Cell::new(false);
    let sealers = (0..4).map(|_| async {
        while !done.get() {
            app.db(audit::seal).await;
        }
    });
    let follower = async {
        let mut seen = Vec::new();
        while !done.get() {
            let last = seen.last().copied().unwrap_or(0);
            let batch = app
                .db(move |c| Ok(prakerja_api::db::audit::batch_after(c, last, 1000)?))
                .await;
            seen.extend(batch.into_iter().map(|r| r.seq));
        }
        seen
    };
    let writes = async {
        let ids = futures_util::future::join_all(writes).await;
        done.set(true);
        ids
    };
    let (ids, _, mut seen) =
        futures_util::join!(writes, futures_util::future::join_all(sealers), follower);
    let chain = app.db(|c| audit::verify(c, |_| {})).await;
    let ChainCheck::Intact { events, .. } = chain else {
        panic!("{chain:?}")
    };
    // What the follower saw while sealers raced is every seq from 1 with no hole: nothing
    // committed behind a seq it had already passed. Then it reads on to the end.
    let last = seen.last().copied().unwrap_or(0);
    let rest = app
        .db(move |c| Ok(prakerja_api::db::audit::batch_after(c, last, 100_000)?))
        .await;
    seen.extend(rest.into_iter().map(|r| r.seq));
    assert_eq!(seen, (1..=events).collect::<Vec<_>>());
    let mut chained: Vec<String> = app
        .db(|c| {
            Ok(a::table
                .filter(a::action.eq("partner.create"))
                .select(a::target_id)
                .load(c)?)
        })
        .await;
    chained.retain(|id| ids.contains(id));
    chained.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(chained, expected, "each write's event, once");
}

#[actix_web::test]
async fn an_event_whose_transaction_commits_late_is_sealed_after_the_ones_already_chained() {
    use prakerja_api::db::schema::audit_events as a;
    use prakerja_api::service::Actor;
    use std::sync::mpsc;
    let app = spawn_app().await;
    if backend(&app) != prakerja_api::db::Backend::Postgres {
        // SQLite has one writer at a time: ids are taken in commit order, no event commits late.
        return;
    }
    let event = |id: &'static str| audit::Event {
        action: "test.late",
        target_type: "test",
        target_id: id,
        details: json!({}),
    };
    // A records first (the lower inbox id) and holds its transaction open while B records and
    // commits and a sealer runs; then A commits and the sealer runs again.
    let pool = app.state.core.pool.clone();
    let (recorded, wait_recorded) = mpsc::channel();
    let (go, wait_go) = mpsc::channel::<()>();
    let a = std::thread::spawn(move || {
        let mut conn = pool.get().expect("connection");
        prakerja_api::db::write_tx(&mut conn, |c| -> Result<(), prakerja_api::error::Error> {
            audit::record(c, &Actor::operator("late"), event("first-recorded"))?;
            recorded.send(()).expect("test alive");
            wait_go.recv().expect("test alive");
            Ok(())
        })
        .expect("A commits");
    });
    wait_recorded.recv().expect("A recorded");
    app.db(move |c| audit::record(c, &Actor::operator("early"), event("committed-first")))
        .await;
    app.db(audit::seal).await;
    go.send(()).expect("A waiting");
    a.join().expect("A done");
    app.db(audit::seal).await;
    let order: Vec<String> = app
        .db(|c| {
            Ok(a::table
                .filter(a::action.eq("test.late"))
                .order(a::seq.asc())
                .select(a::target_id)
                .load(c)?)
        })
        .await;
    assert_eq!(order, ["committed-first", "first-recorded"]);
    let chain = app.db(|c| audit::verify(c, |_| {})).await;
    assert!(matches!(chain, ChainCheck::Intact { .. }), "{chain:?}");
}
