//! Object access over every operation of the served spec that names an object in its path: a
//! caller who does not own the object (another platform, another LPK, another holder, or a role
//! the route does not serve) gets exactly the answer it gets for an object that does not exist,
//! a 404 or the role's 403, never the data. The owners are a table here; an operation with a path
//! parameter that the table does not name fails the test.

use std::collections::{BTreeMap, BTreeSet};

use prakerja_api::domain::{CardNumber, VoucherCode};
use serde_json::{Value, json};

use crate::disbursement_helpers::{id_of, payments_of, ready_holder, run};
use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;
use crate::security_tokens::{call, served_operations};
use crate::webhook_helpers::subscribe;

/// For each operation with a path parameter: the object it names and who owns that object.
/// `platform`, `lpk` and `holder` own the world's objects; `platform2`, `lpk2` and `holder2` are
/// foreign owners of the same roles.
const OBJECTS: &[(&str, &str, &[&str])] = &[
    ("approveCourse", "course", &["admin"]),
    ("rejectCourse", "course", &["admin"]),
    ("getCourse", "course", &["admin", "platform", "lpk"]),
    ("addCourseSchedule", "course", &["lpk"]),
    ("recordDisbursementResult", "disbursement", &["admin"]),
    (
        "getDisbursement",
        "disbursement",
        &["admin", "platform", "lpk"],
    ),
    ("getParticipant", "card", &["admin"]),
    ("revealParticipant", "card", &["admin"]),
    ("freezeParticipant", "card", &["admin"]),
    ("unfreezeParticipant", "card", &["admin"]),
    ("revokeParticipant", "card", &["admin"]),
    ("disablePartner", "partner", &["admin"]),
    ("enablePartner", "partner", &["admin"]),
    ("rotatePartnerSecret", "partner", &["admin"]),
    ("rotatePartnerSigningKey", "partner", &["admin"]),
    ("voidVoucher", "voucher", &["admin"]),
    ("getVoucher", "voucher", &["admin", "platform", "lpk"]),
    ("redeemVoucher", "voucher", &["lpk"]),
    ("recordAttendance", "voucher", &["lpk"]),
    ("reportCompletion", "voucher", &["lpk"]),
    ("issueCertificate", "voucher", &["lpk"]),
    ("reviewMyTraining", "voucher", &["holder"]),
    ("getCardValidation", "validation", &["platform"]),
    ("resendCardValidationOtp", "validation", &["platform"]),
    ("verifyCardValidation", "validation", &["platform"]),
    ("listEventDeliveries", "event", &["platform"]),
    ("redeliverEvent", "event", &["platform"]),
    ("deleteWebhookEndpoint", "endpoint", &["platform"]),
    // `n` is a survey number (1..3), not an object: nobody else's survey can be named.
    ("submitSurvey", "none", &[]),
    // No token: the session id and its OTP are the credential; the OTP lock guards them.
    ("verifyParticipantSession", "none", &[]),
];

/// A valid body for each write, so a refusal is about the object, never about the body.
fn body_of(op: &str) -> Value {
    let now = now();
    match op {
        "rejectCourse"
        | "voidVoucher"
        | "freezeParticipant"
        | "unfreezeParticipant"
        | "revokeParticipant"
        | "revealParticipant" => json!({"reason": "security matrix"}),
        "addCourseSchedule" => {
            let start = chrono::Utc::now() + chrono::Duration::days(7);
            json!({"starts_at": rfc3339(start), "ends_at": rfc3339(start + chrono::Duration::hours(8)), "quota": 5})
        }
        "recordDisbursementResult" => json!({"status": "paid"}),
        "redeemVoucher" => json!({"card_number": "5200000000000015"}),
        "recordAttendance" => json!({"sequence": 1, "attended_at": now}),
        "reportCompletion" => completion_body(&now, true, 80),
        "issueCertificate" => {
            certificate_body("national", "NAT-1", &now, &certificate_url("NAT-1"))
        }
        "reviewMyTraining" => json!({"rating": 4, "review": REVIEW_TEXT}),
        "verifyCardValidation" => json!({"otp": "123456"}),
        _ => json!({}),
    }
}

/// The objects of one platform, one LPK and one holder, the callers, and foreign callers.
struct World {
    callers: Vec<(&'static str, String)>,
    /// Object kind → (the real one, a well-formed one that does not exist).
    objects: BTreeMap<&'static str, (String, String)>,
    holder: Holder,
    voucher: String,
    validation: String,
}

fn claims_sub(app: &TestApp, token: &str) -> String {
    app.state.core.keys.verify(token).expect("valid").sub
}

async fn world(app: &TestApp) -> World {
    let t = tokens(app).await;
    let (holder, voucher, holder1) = ready_holder(app, &t).await;
    run(app, &t.admin, None).await;
    let payment = payments_of(app, &t.platform, &holder.card).await;
    let disbursement = id_of(payment.first().expect("a scheduled payment"));
    let (lpk2_id, lpk2_client, lpk2_secret) = app.new_partner(&t.admin, "lpk").await;
    let lpk2 = app.token((&lpk2_client, &lpk2_secret)).await;
    let (_, p2_client, p2_secret) = app.new_partner(&t.admin, "platform").await;
    let platform2 = app.token((&p2_client, &p2_secret)).await;
    let other = register(app, &t.admin).await;
    let holder2 = holder_token(app, &t.admin, &other).await;
    let only_p1 = json!([claims_sub(app, &t.platform)]);
    let course = course_with(app, &t, 100_000, only_p1, true, None).await;
    let (validation, _) = started(app, &t.platform, &register(app, &t.admin).await, &course).await;
    let (endpoint, _) = subscribe(
        app,
        &t.platform,
        "https://platform.example.id/hook",
        &["voucher.issued"],
    )
    .await;
    let events = app.get("/v1/events", &t.platform).await;
    let event = id_of(&events.body["data"][0]);
    let fresh = || uuid::Uuid::now_v7().to_string();
    let objects = BTreeMap::from([
        (
            "voucher",
            (voucher.clone(), VoucherCode::generate().dashed()),
        ),
        ("course", (course.code.clone(), "CRS-22222222".to_string())),
        (
            "card",
            (
                holder.card.clone(),
                CardNumber::generate().as_str().to_string(),
            ),
        ),
        ("disbursement", (disbursement, fresh())),
        ("partner", (lpk2_id, fresh())),
        ("validation", (validation.clone(), fresh())),
        ("endpoint", (endpoint, fresh())),
        ("event", (event, fresh())),
    ]);
    World {
        callers: vec![
            ("admin", t.admin),
            ("platform", t.platform),
            ("lpk", t.lpk),
            ("holder", holder1),
            ("platform2", platform2),
            ("lpk2", lpk2),
            ("holder2", holder2),
        ],
        objects,
        holder,
        voucher,
        validation,
    }
}

impl World {
    fn token(&self, caller: &str) -> &str {
        self.callers
            .iter()
            .find(|(c, _)| *c == caller)
            .map(|(_, t)| t.as_str())
            .expect("a caller")
    }
}

/// The operations with a path parameter, checked against the table.
async fn object_operations(app: &TestApp) -> Vec<crate::security_tokens::Operation> {
    let ops: Vec<_> = served_operations(app)
        .await
        .into_iter()
        .filter(|o| o.path.contains('{'))
        .collect();
    let served: BTreeSet<&str> = ops.iter().map(|o| o.id.as_str()).collect();
    let listed: BTreeSet<&str> = OBJECTS.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(
        served, listed,
        "every operation with a path parameter needs its object and owners in OBJECTS"
    );
    ops
}

fn code_of_course(v: &Value) -> String {
    v["course_code"].as_str().expect("course_code").to_string()
}

fn fill(path: &str, value: &str) -> String {
    let start = path.find('{').expect("a parameter");
    let end = path.find('}').expect("a parameter");
    format!("{}{value}{}", &path[..start], &path[end + 1..])
}

#[actix_web::test]
async fn no_caller_but_the_owner_learns_that_an_object_exists_on_any_route() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let before = app
        .get(&format!("/v1/vouchers/{}", w.voucher), w.token("admin"))
        .await;
    let mut probes = 0;
    for op in object_operations(&app).await {
        let (_, object, owners) = OBJECTS
            .iter()
            .find(|(id, _, _)| *id == op.id)
            .expect("listed");
        let Some((real, unknown)) = w.objects.get(object) else {
            continue;
        };
        let body = body_of(&op.id);
        for (caller, token) in &w.callers {
            let at = |v: &str| fill(&op.path, v);
            if owners.contains(caller) {
                if op.method == "GET" {
                    let res = call(&app, "GET", &at(real), token, &body).await;
                    assert_eq!(res.status, 200, "{caller} owns {}: {}", op.path, res.body);
                }
                continue;
            }
            let theirs = call(&app, &op.method, &at(real), token, &body).await;
            let none = call(&app, &op.method, &at(unknown), token, &body).await;
            let what = format!("{caller} on {} {} ({object})", op.method, op.path);
            assert!(
                matches!(theirs.status, 403 | 404),
                "{what}: {} {}",
                theirs.status,
                theirs.body
            );
            assert_eq!(
                (theirs.status, theirs.code()),
                (none.status, none.code()),
                "{what}: answers unlike a missing object: {} vs {}",
                theirs.body,
                none.body
            );
            let text = theirs.body.to_string();
            assert!(
                !text.contains("Budi") && (*object == "card" || !text.contains(&w.holder.card)),
                "{what} leaks the holder: {text}"
            );
            probes += 1;
        }
    }
    assert!(probes > 100, "the matrix ran: {probes} probes");
    let after = app
        .get(&format!("/v1/vouchers/{}", w.voucher), w.token("admin"))
        .await;
    assert_eq!(before.body, after.body, "no probe changed the voucher");
    let card = app
        .get(
            &format!("/v1/admin/participants/{}", w.holder.card),
            w.token("admin"),
        )
        .await;
    assert_eq!(card.body["status"], "active", "{}", card.body);
}

#[actix_web::test]
async fn objects_named_in_a_query_or_a_body_are_as_missing_to_a_foreign_partner() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let unknown_card = CardNumber::generate();
    let lpk = w.token("lpk");
    let submitted = app
        .post("/v1/courses", lpk, &course_body(90_000, json!([])))
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let pending = code_of_course(&submitted.body);
    let own = app
        .get("/v1/courses?limit=100&status=pending_review", lpk)
        .await;
    assert!(own.body.to_string().contains(&pending), "the owner sees it");
    for caller in ["platform2", "lpk2"] {
        let token = w.token(caller);
        let ask = async |card: &str| {
            app.get(&format!("/v1/disbursements?card_number={card}"), token)
                .await
        };
        let theirs = ask(&w.holder.card).await;
        let none = ask(unknown_card.as_str()).await;
        theirs.problem(404, none.code());
        let course = w.objects["course"].0.as_str();
        let event = w.objects["event"].0.as_str();
        let lists = [
            (
                format!("/v1/vouchers?limit=100&course_code={course}"),
                w.voucher.as_str(),
            ),
            (
                "/v1/vouchers?limit=100&status=completed".into(),
                w.voucher.as_str(),
            ),
            ("/v1/events?limit=100".into(), event),
            (
                "/v1/webhook-endpoints".into(),
                w.objects["endpoint"].0.as_str(),
            ),
            ("/v1/courses?limit=100".into(), course),
            ("/v1/courses?limit=100&status=approved".into(), course),
            (
                "/v1/courses?limit=100&status=pending_review".into(),
                pending.as_str(),
            ),
        ];
        for (list, needle) in &lists {
            let res = app.get(list, token).await;
            assert_eq!(res.status, 200, "{caller} {list}: {}", res.body);
            assert!(
                !res.body.to_string().contains(needle),
                "{caller} sees {needle} in {list}"
            );
        }
        let theirs = app.get(&format!("/v1/events?since={event}"), token).await;
        let none = app
            .get(&format!("/v1/events?since={}", w.objects["event"].1), token)
            .await;
        assert_eq!((theirs.status, theirs.code()), (none.status, none.code()));
        assert!(matches!(theirs.status, 404 | 422), "{}", theirs.body);
    }
    for caller in ["platform", "lpk"] {
        let res = payments_of(&app, w.token(caller), &w.holder.card).await;
        assert!(!res.is_empty(), "{caller} served the holder");
    }
    // Another platform's verified validation cannot buy.
    let course = &w.objects["course"].0;
    let buy_with = async |id: &str| {
        app.post(
            "/v1/vouchers",
            w.token("platform2"),
            &voucher_body(id, course, None, &order_id()),
        )
        .await
    };
    let theirs = buy_with(&w.validation).await;
    let none = buy_with(&w.objects["validation"].1).await;
    assert_eq!(theirs.status, 404, "{}", theirs.body);
    assert_eq!((theirs.status, theirs.code()), (none.status, none.code()));
    // Another LPK's batch row about this voucher is refused as a missing voucher is.
    let row = |code: &str| json!({"voucher_code": code, "completed_at": now(), "passed": true, "score": 90, "certificates": []});
    let res = batch(
        &app,
        w.token("lpk2"),
        vec![row(&w.voucher), row(&w.objects["voucher"].1)],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let results = res.body["results"].as_array().expect("results");
    assert_eq!(results[0]["outcome"], "rejected", "{}", res.body);
    assert_eq!(
        results[0]["error"]["code"], results[1]["error"]["code"],
        "{}",
        res.body
    );
    // Nor does the other holder see the training.
    let mine = trainings(&app, w.token("holder2")).await;
    assert!(!Value::from(mine).to_string().contains(&w.voucher));
}
