//! The purchase flow step by step, through HTTP: courses, holders, card validations with the OTP
//! read from the sandbox SMS outbox, and voucher purchases.

use chrono::{Duration, Utc};
use prakerja_api::service::sandbox::{TEST_CARDS, card};
use serde_json::{Value, json};

use crate::helpers::*;

/// The training balance every new card starts with (Rupiah).
pub const FULL_BALANCE: i64 = 1_000_000;

/// The symbols of voucher codes: no 0/O, no 1/I.
pub const VOUCHER_ALPHABET: &str = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Tokens of the three sandbox clients.
pub struct Tokens {
    pub admin: String,
    pub platform: String,
    pub lpk: String,
}

pub async fn tokens(app: &Http) -> Tokens {
    Tokens {
        admin: app.token(ADMIN).await,
        platform: app.token(PLATFORM).await,
        lpk: app.token(LPK).await,
    }
}

/// A card holder: the full card number and the phone the OTP goes to.
#[derive(Debug, Clone)]
pub struct Holder {
    pub card: String,
    pub phone: String,
}

/// A course as the tests buy it: its code, one of its schedules if it has any, its price.
#[derive(Debug, Clone)]
pub struct Course {
    pub code: String,
    pub schedule: Option<String>,
    pub price: i64,
}

/// Registers a new holder (born 1990, passed yesterday, full balance) and returns its card and phone.
pub async fn register(app: &Http, admin: &str) -> Holder {
    let body = participant_body(unique());
    let res = app.post("/v1/admin/participants", admin, &body).await;
    assert_eq!(res.status, 201, "register: {}", res.body);
    Holder {
        card: res.body["card_number"]
            .as_str()
            .expect("card_number")
            .to_string(),
        phone: body["phone"].as_str().expect("phone").to_string(),
    }
}

/// Sandbox test card `i` (0-based, README order) and its documented phone `08120000000{i+1}`.
pub fn test_card(i: usize) -> Holder {
    Holder {
        card: card(TEST_CARDS[i].0).as_str().to_string(),
        phone: format!("0812000000{:02}", i + 1),
    }
}

/// A course body (3 sessions) sold by `platform_ids` (empty: every platform).
pub fn course_body(price: i64, platform_ids: Value) -> Value {
    json!({
        "title": "Teknik Las Dasar",
        "description": "Pengelasan SMAW untuk pemula.",
        "price": price,
        "mode": "offline",
        "duration_hours": 16,
        "sessions": 3,
        "platform_ids": platform_ids,
    })
}

/// Adds a schedule of `quota` seats starting `starts_in` from now and lasting 8 hours.
pub async fn add_schedule(
    app: &Http,
    lpk: &str,
    course_code: &str,
    starts_in: Duration,
    quota: i32,
) -> String {
    let start = Utc::now() + starts_in;
    let res = app
        .post(
            &format!("/v1/courses/{course_code}/schedules"),
            lpk,
            &json!({
                "starts_at": start.to_rfc3339(),
                "ends_at": (start + Duration::hours(8)).to_rfc3339(),
                "quota": quota,
            }),
        )
        .await;
    assert_eq!(res.status, 201, "schedule: {}", res.body);
    res.body["schedule_code"]
        .as_str()
        .expect("schedule_code")
        .to_string()
}

/// A course of the sandbox LPK, optionally with one schedule `(starts_in, quota)`, approved by
/// admin when `approve`.
pub async fn course_with(
    app: &Http,
    t: &Tokens,
    price: i64,
    platform_ids: Value,
    approve: bool,
    schedule: Option<(Duration, i32)>,
) -> Course {
    let res = app
        .post("/v1/courses", &t.lpk, &course_body(price, platform_ids))
        .await;
    assert_eq!(res.status, 201, "course: {}", res.body);
    let code = res.body["course_code"]
        .as_str()
        .expect("course_code")
        .to_string();
    let schedule = match schedule {
        Some((starts_in, quota)) => Some(add_schedule(app, &t.lpk, &code, starts_in, quota).await),
        None => None,
    };
    if approve {
        let res = app
            .post(
                &format!("/v1/admin/courses/{code}/approve"),
                &t.admin,
                &json!({}),
            )
            .await;
        assert_eq!(res.body["status"], "approved", "approve: {}", res.body);
    }
    Course {
        code,
        schedule,
        price,
    }
}

/// An approved course every platform may sell, optionally with one schedule `(starts_in, quota)`.
pub async fn approved_course(
    app: &Http,
    t: &Tokens,
    price: i64,
    schedule: Option<(Duration, i32)>,
) -> Course {
    course_with(app, t, price, json!([]), true, schedule).await
}

/// The seeded sandbox course with this price (500,000 or 750,000) and its schedule a week ahead.
pub async fn sandbox_course(app: &Http, token: &str, price: i64) -> Course {
    let res = app.get("/v1/courses?limit=100", token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let course = res.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|c| c["price"] == price && c["title"] != "Teknik Las Dasar")
        .unwrap_or_else(|| panic!("no sandbox course priced {price}: {}", res.body))
        .clone();
    Course {
        code: course["course_code"].as_str().expect("code").to_string(),
        schedule: course["schedules"][0]["schedule_code"]
            .as_str()
            .map(String::from),
        price,
    }
}

/// The body of `POST /v1/card-validations`.
pub fn validation_body(card: &str, course_code: &str, schedule: Option<&str>) -> Value {
    let mut body = json!({"card_number": card, "course_code": course_code});
    if let Some(s) = schedule {
        body["schedule_code"] = json!(s);
    }
    body
}

/// Starts a card validation for `course` (and its schedule, if any).
pub async fn start(app: &Http, platform: &str, card: &str, course: &Course) -> Response {
    app.post(
        "/v1/card-validations",
        platform,
        &validation_body(card, &course.code, course.schedule.as_deref()),
    )
    .await
}

/// The sandbox SMS sent to `phone`, newest first.
pub async fn sms(app: &Http, token: &str, phone: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/v1/sandbox/sms?phone={phone}"), token)
        .await;
    assert_eq!(res.status, 200, "sms: {}", res.body);
    res.body["data"].as_array().cloned().unwrap_or_default()
}

pub async fn sms_count(app: &Http, token: &str, phone: &str) -> usize {
    sms(app, token, phone).await.len()
}

/// The first run of exactly six digits in an SMS body.
pub fn otp_in(body: &str) -> Option<String> {
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let from = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - from == 6 {
                return Some(chars[from..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The OTP of the newest SMS to `phone`, once more than `seen` messages were sent to it (the
/// sandbox may write the outbox just after answering).
pub async fn otp_after(app: &Http, token: &str, phone: &str, seen: usize) -> String {
    for _ in 0..100 {
        let messages = sms(app, token, phone).await;
        if messages.len() > seen {
            let body = messages[0]["body"].as_str().unwrap_or("");
            return otp_in(body).unwrap_or_else(|| panic!("no 6-digit OTP in {body:?}"));
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no new SMS to {phone} after {seen}");
}

/// The OTP of the newest SMS to `phone`.
pub async fn latest_otp(app: &Http, token: &str, phone: &str) -> String {
    otp_after(app, token, phone, 0).await
}

/// A six-digit code different from `otp`.
pub fn wrong_otp(otp: &str) -> String {
    let n: u32 = otp.parse().expect("numeric otp");
    format!("{:06}", (n + 1) % 1_000_000)
}

pub async fn verify(app: &Http, platform: &str, id: &str, otp: &str) -> Response {
    app.post(
        &format!("/v1/card-validations/{id}/verify"),
        platform,
        &json!({"otp": otp}),
    )
    .await
}

pub async fn resend(app: &Http, platform: &str, id: &str) -> Response {
    app.post(
        &format!("/v1/card-validations/{id}/otp/resend"),
        platform,
        &json!({}),
    )
    .await
}

/// Starts a validation (asserting 201) and returns its id and the OTP that was sent.
pub async fn started(
    app: &Http,
    platform: &str,
    holder: &Holder,
    course: &Course,
) -> (String, String) {
    let seen = sms_count(app, platform, &holder.phone).await;
    let res = start(app, platform, &holder.card, course).await;
    assert_eq!(res.status, 201, "validation: {}", res.body);
    let id = res.body["id"].as_str().expect("id").to_string();
    let otp = otp_after(app, platform, &holder.phone, seen).await;
    (id, otp)
}

/// A verified card validation of `holder` for `course`: its id.
pub async fn validated(app: &Http, platform: &str, holder: &Holder, course: &Course) -> String {
    let (id, otp) = started(app, platform, holder, course).await;
    let res = verify(app, platform, &id, &otp).await;
    assert_eq!(res.status, 200, "verify: {}", res.body);
    assert_eq!(res.body["status"], "verified", "{}", res.body);
    id
}

/// A fresh external order id.
pub fn order_id() -> String {
    format!("ORD-{}", uuid::Uuid::new_v4().simple())
}

/// The body of `POST /v1/vouchers`.
pub fn voucher_body(
    validation_id: &str,
    course_code: &str,
    schedule: Option<&str>,
    order: &str,
) -> Value {
    let mut body = json!({
        "card_validation_id": validation_id,
        "course_code": course_code,
        "external_order_id": order,
    });
    if let Some(s) = schedule {
        body["schedule_code"] = json!(s);
    }
    body
}

/// Buys `course` with a validation under a fresh external order id.
pub async fn buy(app: &Http, platform: &str, validation_id: &str, course: &Course) -> Response {
    app.post(
        "/v1/vouchers",
        platform,
        &voucher_body(
            validation_id,
            &course.code,
            course.schedule.as_deref(),
            &order_id(),
        ),
    )
    .await
}

/// Validates, verifies and buys `course` for `holder`: the voucher (asserting 201).
pub async fn purchase(app: &Http, platform: &str, holder: &Holder, course: &Course) -> Value {
    let id = validated(app, platform, holder, course).await;
    let res = buy(app, platform, &id, course).await;
    assert_eq!(res.status, 201, "purchase: {}", res.body);
    assert_eq!(res.body["amount"], course.price, "{}", res.body);
    res.body
}

/// The holder's balance as admin reads it.
pub async fn balance(app: &Http, admin: &str, card: &str) -> i64 {
    let res = app
        .get(&format!("/v1/admin/participants/{card}"), admin)
        .await;
    assert_eq!(res.status, 200, "participant: {}", res.body);
    res.body["balance"].as_i64().expect("balance")
}

/// Seats left on one schedule of a course, from the course detail.
pub async fn seats_left(app: &Http, token: &str, course_code: &str, schedule: &str) -> i64 {
    let res = app.get(&format!("/v1/courses/{course_code}"), token).await;
    assert_eq!(res.status, 200, "course: {}", res.body);
    res.body["schedules"]
        .as_array()
        .expect("schedules")
        .iter()
        .find(|s| s["schedule_code"] == schedule)
        .and_then(|s| s["seats_left"].as_i64())
        .unwrap_or_else(|| panic!("no schedule {schedule}: {}", res.body))
}

/// `XXXX-XXXX-XXXX-XXXX` over the voucher alphabet.
pub fn is_voucher_code(code: &str) -> bool {
    let groups: Vec<&str> = code.split('-').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| VOUCHER_ALPHABET.contains(c)))
}

/// A `Retry-After` header in whole seconds.
pub fn retry_after(res: &Response) -> u64 {
    res.header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {}", res.body))
        .trim()
        .parse()
        .unwrap_or_else(|_| {
            panic!(
                "Retry-After is not seconds: {:?}",
                res.header("retry-after")
            )
        })
}
