//! Hostile input: SQL and script fragments in every text a partner, admin or holder can store come
//! back byte for byte; invalid UTF-8, deep nesting and oversized bodies on every write are client
//! errors (400, 413, 422), never a 500, and the server keeps serving.

use serde_json::json;

use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;
use crate::security_tokens::{ROLES, call, served_operations, with_placeholders};
use crate::webhook_helpers::endpoints;

/// Free text with SQL, HTML, template and shell fragments, quotes, backslashes and non-ASCII.
const HOSTILE: &str = "Robert'); DROP TABLE vouchers;-- \" OR \"1\"=\"1 <script>alert('x')</script> \
                       ${jndi:ldap://x/a} {{7*7}} `id` \\' %27 \u{202e}kiri 漢字 🙂";
/// The same spirit within 100 characters.
const SHORT: &str = "x'); DROP TABLE v;-- <b onload=alert(1)> \\' %s 🙂";
/// A name the name pattern allows, still SQL-shaped.
const NAME: &str = "Robert'-- DROP TABLE holders, O'Reilly' OR 'a'";

#[track_caller]
fn stored(res: &Response, what: &str) {
    assert!(
        (200..300).contains(&res.status),
        "{what} refused: {} {}",
        res.status,
        res.body
    );
}

#[actix_web::test]
async fn sql_and_script_fragments_in_every_stored_text_come_back_byte_for_byte() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    // Course title and description (LPK), and an admin's rejection reason.
    let mut course = course_body(100_000, json!([]));
    course["title"] = json!(HOSTILE);
    course["description"] = json!(format!("{HOSTILE}\n{HOSTILE}"));
    let made = app.post("/v1/courses", &t.lpk, &course).await;
    stored(&made, "course");
    let code = made.body["course_code"].as_str().expect("code").to_string();
    let rejected = app
        .post(
            &format!("/v1/admin/courses/{code}/reject"),
            &t.admin,
            &json!({"reason": HOSTILE}),
        )
        .await;
    stored(&rejected, "rejection");
    let read = app.get(&format!("/v1/courses/{code}"), &t.lpk).await;
    assert_eq!(read.body["title"], HOSTILE);
    assert_eq!(read.body["description"], course["description"]);
    assert_eq!(read.body["review_reason"], HOSTILE);

    // A holder's name and a freeze reason (admin).
    let mut person = participant_body(unique());
    person["full_name"] = json!(NAME);
    let holder = app.post("/v1/admin/participants", &t.admin, &person).await;
    stored(&holder, "participant");
    let card = holder.body["card_number"]
        .as_str()
        .expect("card")
        .to_string();
    let path = format!("/v1/admin/participants/{card}");
    let frozen = app
        .post(
            &format!("{path}/freeze"),
            &t.admin,
            &json!({"reason": HOSTILE}),
        )
        .await;
    stored(&frozen, "freeze");
    let read = app.get(&path, &t.admin).await;
    assert_eq!(read.body["full_name"], NAME, "{}", read.body);
    assert_eq!(read.body["status_reason"], HOSTILE, "{}", read.body);

    // An order id (platform), certificate number and URL (LPK), a review (holder).
    let holder = register(&app, &t.admin).await;
    let course = approved_course(&app, &t, 100_000, None).await;
    let validation = validated(&app, &t.platform, &holder, &course).await;
    let bought = app
        .post(
            "/v1/vouchers",
            &t.platform,
            &voucher_body(&validation, &course.code, None, SHORT),
        )
        .await;
    stored(&bought, "voucher");
    assert_eq!(bought.body["external_order_id"], SHORT);
    let code = code_of(&bought.body);
    stored(&redeem(&app, &t.lpk, &code, &holder.card).await, "redeem");
    completed(&app, &t.lpk, &code, 90).await;
    let url = "https://lpk.example.id/c?q=%27);DROP%20TABLE%20x;--&s=<script>";
    let res = certify_with(
        &app,
        &t.lpk,
        &code,
        &certificate_body("lpk", SHORT, &now(), url),
    )
    .await;
    stored(&res, "certificate");
    let token = holder_token(&app, &t.admin, &holder).await;
    stored(&review(&app, &token, &code, 5, HOSTILE).await, "review");
    let read = voucher(&app, &t.platform, &code).await;
    assert_eq!(read["external_order_id"], SHORT);
    assert_eq!(read["certificates"][0]["number"], SHORT, "{read}");
    assert_eq!(read["certificates"][0]["url"], url, "{read}");
    let by_lpk = voucher(&app, &t.lpk, &code).await;
    assert_eq!(by_lpk["review"]["review"], HOSTILE, "{by_lpk}");
    assert_eq!(
        training(&app, &token, &code).await["review"]["review"],
        HOSTILE
    );

    // A payout account holder name (holder) and a webhook URL (platform).
    let res = put_payout(
        &app,
        &token,
        &json!({"kind": "bank", "bank_code": "014", "account_number": "1234567890", "holder_name": NAME}),
    )
    .await;
    assert!(res.status < 500, "{}", res.body);
    let hook = "https://platform.example.id/h?x=';DROP%20TABLE%20e;--&y=<svg/onload=1>";
    let res = app
        .post(
            "/v1/webhook-endpoints",
            &t.platform,
            &json!({"url": hook, "events": ["voucher.issued"]}),
        )
        .await;
    stored(&res, "webhook endpoint");
    assert!(
        endpoints(&app, &t.platform)
            .await
            .iter()
            .any(|e| e["url"] == hook),
        "the URL is listed as sent"
    );
    // The tables are all still there.
    assert_eq!(app.get("/v1/vouchers", &t.admin).await.status, 200);
}

/// Every write of the spec with a token of a role it serves.
/// `(method, path, token, whether it takes a body)`.
async fn writes(app: &TestApp) -> Vec<(String, String, String, bool)> {
    let t = tokens(app).await;
    let holder = register(app, &t.admin).await;
    let participant = holder_token(app, &t.admin, &holder).await;
    let token_of = |role: &str| match role {
        "admin" => t.admin.clone(),
        "platform" => t.platform.clone(),
        "lpk" => t.lpk.clone(),
        _ => participant.clone(),
    };
    served_operations(app)
        .await
        .into_iter()
        .filter(|o| o.bearer && o.method != "GET" && o.method != "DELETE")
        .map(|o| {
            let role = ROLES
                .iter()
                .find(|(id, _)| *id == o.id)
                .map(|(_, roles)| roles[0])
                .unwrap_or("admin");
            (o.method, with_placeholders(&o.path), token_of(role), o.body)
        })
        .collect()
}

async fn raw(app: &TestApp, method: &str, path: &str, token: &str, body: Vec<u8>) -> Response {
    let url = app.url(path);
    let req = if method == "PUT" {
        app.client.put(url)
    } else {
        app.client.post(url)
    };
    app.send(
        req.bearer_auth(token)
            .header("content-type", "application/json")
            .body(body),
    )
    .await
}

#[actix_web::test]
async fn invalid_utf8_and_deep_nesting_on_every_write_are_client_errors() {
    let app = spawn_app().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let nested = format!("{{\"answers\": {deep}, \"title\": {deep}}}");
    for (method, path, token, takes_body) in writes(&app).await {
        for (what, body) in [
            (
                "invalid UTF-8",
                b"{\"title\": \"\xff\xfe\xc3\x28\"}".to_vec(),
            ),
            ("a lone surrogate", br#"{"title": "\ud800"}"#.to_vec()),
            ("deep nesting", nested.clone().into_bytes()),
        ] {
            let res = raw(&app, &method, &path, &token, body).await;
            // A route without a body never reads one; it must still not fail.
            let floor = if takes_body { 400 } else { 200 };
            assert!(
                (floor..500).contains(&res.status),
                "{what} on {method} {path}: {} {}",
                res.status,
                res.body
            );
        }
    }
    let admin = app.token(ADMIN).await;
    for path in [
        "/v1/vouchers/%FF%FE",
        "/v1/admin/participants/%C3%28",
        "/v1/courses?cursor=%FF",
    ] {
        let res = app.get(path, &admin).await;
        assert!(
            (400..500).contains(&res.status),
            "{path}: {} {}",
            res.status,
            res.body
        );
    }
    let res = app
        .send(
            app.client
                .post(app.url("/v1/oauth/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(b"grant_type=client_credentials&client_id=%FF&client_secret=\xff".to_vec()),
        )
        .await;
    assert!(
        (400..500).contains(&res.status),
        "{} {}",
        res.status,
        res.body
    );
    let health = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(health.status, 200, "the server still serves");
}

#[actix_web::test]
async fn an_oversized_body_on_every_write_is_413() {
    let app = spawn_with(|c| c.server.max_body_bytes = 4096).await;
    let big = json!({"title": "x".repeat(64 * 1024)});
    let mut refused = 0;
    for (method, path, token, takes_body) in writes(&app).await {
        let res = call(&app, &method, &path, &token, &big).await;
        if takes_body {
            res.problem(413, "payload_too_large");
            refused += 1;
        } else {
            assert!(
                res.status < 500,
                "{method} {path}: {} {}",
                res.status,
                res.body
            );
        }
    }
    assert!(refused > 20, "{refused} writes with a body");
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret=x",
        "a".repeat(64 * 1024)
    );
    let res = app
        .send(
            app.client
                .post(app.url("/v1/oauth/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form),
        )
        .await;
    res.problem(413, "payload_too_large");
    let chunked = chunked_post(
        &app,
        "/v1/admin/partners",
        &app.token(ADMIN).await,
        64 * 1024,
    );
    assert!(
        chunked.starts_with("HTTP/1.1 413"),
        "a chunked body without a length is bounded too: {chunked}"
    );
}

/// POSTs `size` bytes of a JSON string in 1 KiB chunks with no Content-Length, over a raw
/// connection: the status line and headers of the answer.
fn chunked_post(app: &TestApp, path: &str, token: &str, size: usize) -> String {
    use std::io::{Read, Write};
    let address = app.address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(b"9\r\n{\"name\":\"\r\n");
    let chunk = format!("400\r\n{}\r\n", "x".repeat(1024));
    for _ in 0..size / 1024 {
        if stream.write_all(chunk.as_bytes()).is_err() {
            break; // the server answered and closed: what we want to read
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = vec![0u8; 1024];
    let n = stream.read(&mut answer).unwrap_or(0);
    String::from_utf8_lossy(&answer[..n]).into_owned()
}
