//! Incentive payments through HTTP: runs, the payments a viewer reads, holders at each stage
//! before a payment, and the store rows a test reads or tampers with (a crash simulated in SQL,
//! the sandbox payout gateway's memory).

use chrono::{Datelike, Months, NaiveDate, Utc, Weekday};
use diesel::prelude::*;
use prakerja_api::db::schema::{
    disbursements as d, holidays as h, payout_accounts as pa, sandbox_payouts as sp,
};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::post_training_helpers::*;
use crate::purchase_helpers::*;

/// Each status and the label the contract gives it.
pub const LABELS: &[(&str, &str)] = &[
    ("scheduled", "Sedang Dijadwalkan"),
    ("pending", "Menunggu Diproses"),
    ("checking", "Dalam Pengecekan"),
    ("paid", "Berhasil Ditransfer"),
    ("failed", "Gagal Ditransfer"),
    ("held", "Dana Tertahan"),
];

/// The members of a run's summary.
pub const SUMMARY_COUNTS: &[&str] = &[
    "scheduled",
    "rescheduled",
    "failed_before_sending",
    "sent",
    "paid",
    "failed",
    "reconciled",
    "checking",
    "errors",
];

pub const TRAINING: &str = "training_incentive";
pub const SURVEY: &str = "survey_incentive";

/// Today in WIB (UTC+7).
pub fn wib_today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// `day` plus `k` calendar months.
pub fn months_after(day: NaiveDate, k: u32) -> NaiveDate {
    day.checked_add_months(Months::new(k))
        .expect("a representable date")
}

pub fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A `YYYY-MM-DD` member of a view.
#[track_caller]
pub fn date_of(v: &Value, field: &str) -> NaiveDate {
    NaiveDate::parse_from_str(v[field].as_str().unwrap_or(""), "%Y-%m-%d")
        .unwrap_or_else(|_| panic!("{field} is YYYY-MM-DD: {v}"))
}

#[track_caller]
pub fn label_of(status: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("{status} is not a disbursement status"))
}

/// `POST /v1/admin/disbursements/run`, with `as_of` when given.
pub async fn run_request(app: &Http, admin: &str, as_of: Option<NaiveDate>) -> Response {
    let body = match as_of {
        Some(day) => json!({"as_of": iso(day)}),
        None => json!({}),
    };
    app.post("/v1/admin/disbursements/run", admin, &body).await
}

/// A run as of `as_of` (today when `None`), asserting 200 and a summary of counts: the summary.
pub async fn run(app: &Http, admin: &str, as_of: Option<NaiveDate>) -> Value {
    let res = run_request(app, admin, as_of).await;
    assert_eq!(res.status, 200, "run: {}", res.body);
    assert_summary(&res.body, as_of.unwrap_or_else(wib_today));
    res.body
}

/// A summary: `as_of` and every count, nothing else; no step failed.
#[track_caller]
pub fn assert_summary(summary: &Value, as_of: NaiveDate) {
    assert_eq!(summary["as_of"], iso(as_of), "{summary}");
    assert_eq!(summary["errors"], 0, "no step of the run failed: {summary}");
    for count in SUMMARY_COUNTS {
        assert!(
            summary[*count].as_u64().is_some(),
            "{count} is a count: {summary}"
        );
    }
    assert_eq!(
        summary.as_object().map(|o| o.len()),
        Some(SUMMARY_COUNTS.len() + 1),
        "{summary}"
    );
}

pub fn count(summary: &Value, name: &str) -> u64 {
    summary[name]
        .as_u64()
        .unwrap_or_else(|| panic!("{name} in {summary}"))
}

/// Every page of a `{data, next_cursor}` list at `path` (which has a query already).
pub async fn all_pages(app: &Http, token: &str, path: &str, limit: u32) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let sep = if path.ends_with('?') { "" } else { "&" };
    loop {
        let page = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let res = app.get(&page, token).await;
        assert_eq!(res.status, 200, "{page}: {}", res.body);
        all.extend(res.body["data"].as_array().cloned().expect("data"));
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return all,
        }
    }
}

/// The payments of the holder of `card` as `token` reads them (all pages).
pub async fn payments_of(app: &Http, token: &str, card: &str) -> Vec<Value> {
    all_pages(
        app,
        token,
        &format!("/v1/disbursements?card_number={card}"),
        100,
    )
    .await
}

/// The holder's own payments (all pages).
pub async fn my_payments(app: &TestApp, holder_token: &str) -> Vec<Value> {
    all_pages(app, holder_token, "/v1/me/disbursements?", 100).await
}

/// The payment of this kind and tranche in a list.
#[track_caller]
pub fn payment(list: &[Value], kind: &str, tranche: i64) -> Value {
    let found: Vec<&Value> = list
        .iter()
        .filter(|p| p["kind"] == kind && p["tranche"] == tranche)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one {kind} {tranche}: {}",
        Value::from(list.to_vec())
    );
    found[0].clone()
}

#[track_caller]
pub fn tranche(list: &[Value], k: i64) -> Value {
    payment(list, TRAINING, k)
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// The statuses of a payment's history, in order.
pub fn steps(v: &Value) -> Vec<String> {
    v["history"]
        .as_array()
        .unwrap_or_else(|| panic!("history is an array: {v}"))
        .iter()
        .map(|s| s["status"].as_str().expect("a step's status").to_string())
        .collect()
}

#[track_caller]
pub fn assert_steps(v: &Value, expected: &[&str]) {
    assert_eq!(steps(v), expected, "history of {v}");
}

/// A view agrees with itself: the label of its status, a `paid_at` only when paid, a reason and a
/// remedy only when failed, the last history step its status, steps in time order.
#[track_caller]
pub fn assert_consistent(v: &Value) {
    let status = v["status"]
        .as_str()
        .unwrap_or_else(|| panic!("status: {v}"));
    assert_eq!(v["status_label_id"], label_of(status), "{v}");
    assert!(
        v["card_number"].as_str().is_some_and(|c| c.len() == 16),
        "the holder's card: {v}"
    );
    assert_eq!(v["paid_at"].is_null(), status != "paid", "paid_at: {v}");
    if status == "paid" {
        assert!(
            v["paid_at"].as_str().unwrap_or("").ends_with("+07:00"),
            "paid_at in WIB: {v}"
        );
    }
    assert_eq!(
        v["failure_reason"].is_null(),
        status != "failed",
        "failure_reason: {v}"
    );
    if status == "failed" {
        assert!(
            v["failure_remedy"].as_str().is_some_and(|r| !r.is_empty()),
            "a failed payment says what to do: {v}"
        );
    } else {
        assert!(
            v.get("failure_remedy").is_none_or(|r| r.is_null()),
            "failure_remedy only when failed: {v}"
        );
    }
    let history = v["history"].as_array().expect("history");
    assert_eq!(
        history.last().map(|s| &s["status"]),
        Some(&v["status"]),
        "{v}"
    );
    let times: Vec<_> = history.iter().map(|s| time_of(s, "at")).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "steps in order: {v}"
    );
    assert!(
        history
            .iter()
            .all(|s| s["at"].as_str().unwrap_or("").ends_with("+07:00")),
        "step times in WIB: {v}"
    );
    assert!(
        date_of(v, "expected_by") > date_of(v, "scheduled_for"),
        "{v}"
    );
}

/// Fills survey `n` (asserting 201).
pub async fn fill_survey(app: &TestApp, holder_token: &str, n: i64) {
    let res = app
        .post(
            &format!("/v1/me/surveys/{n}"),
            holder_token,
            &json!({"answers": {"q1": 5, "q2": "Sangat membantu"}}),
        )
        .await;
    assert_eq!(res.status, 201, "survey {n}: {}", res.body);
}

/// A fresh holder whose first training is completed (passed) and LPK-certified, not reviewed:
/// `(holder, voucher code)`.
pub async fn certified_holder(app: &TestApp, t: &Tokens) -> (Holder, String) {
    let (holder, code) = redeemed_voucher(app, t).await;
    completed(app, &t.lpk, &code, 85).await;
    let number = format!("LPK-{}", uuid::Uuid::new_v4().simple());
    let res = certify(app, &t.lpk, &code, "lpk", &number).await;
    assert_eq!(res.status, 201, "certificate: {}", res.body);
    (holder, code)
}

/// A fresh holder with nothing missing: finished, reviewed, BCA `1234567890` linked.
/// `(holder, voucher code, holder token)`.
pub async fn ready_holder(app: &TestApp, t: &Tokens) -> (Holder, String, String) {
    let (holder, code, token) = finished_training(app, t).await;
    link_payout(app, &t.admin, &token, &holder).await;
    (holder, code, token)
}

/// Freezes, unfreezes or revokes a card (asserting 200).
pub async fn card_action(app: &TestApp, admin: &str, card: &str, action: &str) {
    let res = app
        .post(
            &format!("/v1/admin/participants/{card}/{action}"),
            admin,
            &json!({"reason": "pemeriksaan kecurangan"}),
        )
        .await;
    assert_eq!(res.status, 200, "{action}: {}", res.body);
}

// ---- The store ----

/// Rows in `sandbox_payouts` (every payment the sandbox gateway was asked to make).
pub async fn sandbox_payout_rows(app: &TestApp) -> i64 {
    app.db(|c| Ok(sp::table.count().get_result::<i64>(c)?))
        .await
}

/// The sandbox gateway's stored outcome for a payment, if it ever got it.
pub async fn sandbox_outcome(app: &TestApp, id: &str) -> Option<Value> {
    let id = id.to_string();
    let stored = app
        .db(move |c| {
            Ok(sp::table
                .find(id)
                .select(sp::outcome)
                .first::<String>(c)
                .optional()?)
        })
        .await;
    stored.map(|s| serde_json::from_str(&s).expect("a JSON outcome"))
}

/// The gateway's reference stored on a payment.
pub async fn stored_reference(app: &TestApp, id: &str) -> Option<String> {
    let id = id.to_string();
    app.db(move |c| {
        Ok(d::table
            .find(id)
            .select(d::reference)
            .first::<Option<String>>(c)?)
    })
    .await
}

/// Payments (of every holder) in `status`.
pub async fn rows_in_status(app: &TestApp, status: &str) -> i64 {
    let status = status.to_string();
    app.db(move |c| {
        Ok(d::table
            .filter(d::status.eq(status))
            .count()
            .get_result::<i64>(c)?)
    })
    .await
}

pub async fn all_rows(app: &TestApp) -> i64 {
    app.db(|c| Ok(d::table.count().get_result::<i64>(c)?)).await
}

/// A crash between sending and recording, as the contract describes it: the payment `checking`,
/// sent `ago`, claimed for the holder's active payout account.
pub async fn left_checking(app: &TestApp, id: &str, ago: chrono::Duration) {
    let id = id.to_string();
    let sent = Utc::now().naive_utc() - ago;
    let n = app
        .db(move |c| {
            let holder: String = d::table.find(&id).select(d::participant_id).first(c)?;
            let account: String = pa::table
                .filter(pa::participant_id.eq(&holder).and(pa::status.eq("active")))
                .select(pa::id)
                .first(c)?;
            Ok(diesel::update(d::table.find(&id))
                .set((
                    d::status.eq("checking"),
                    d::sent_at.eq(Some(sent)),
                    d::payout_account_id.eq(Some(account)),
                ))
                .execute(c)?)
        })
        .await;
    assert_eq!(n, 1, "one payment left checking");
}

/// Sets a payment's status in SQL (a state a crash or a bank leaves).
pub async fn force_status(app: &TestApp, id: &str, status: &str) {
    let (id, status) = (id.to_string(), status.to_string());
    let n = app
        .db(move |c| {
            Ok(diesel::update(d::table.find(id))
                .set(d::status.eq(status))
                .execute(c)?)
        })
        .await;
    assert_eq!(n, 1);
}

/// The gateway remembers having paid `id` (a `sandbox_payouts` row), as the contract describes it.
pub async fn gateway_remembers(app: &TestApp, id: &str, outcome: &Value) {
    let (id, outcome) = (id.to_string(), outcome.to_string());
    app.db(move |c| {
        Ok(diesel::insert_into(sp::table)
            .values((
                sp::disbursement_id.eq(id),
                sp::outcome.eq(outcome),
                sp::created_at.eq(Utc::now().naive_utc() - chrono::Duration::hours(1)),
            ))
            .execute(c)?)
    })
    .await;
}

/// The holidays table.
pub async fn holidays(app: &TestApp) -> Vec<NaiveDate> {
    let days: Vec<String> = app.db(|c| Ok(h::table.select(h::day).load(c)?)).await;
    days.iter()
        .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a holiday date"))
        .collect()
}

/// The `n`th WIB working day after `day` (weekends and `holidays` skipped).
pub fn working_days_after(holidays: &[NaiveDate], day: NaiveDate, n: u32) -> NaiveDate {
    let mut at = day;
    let mut left = n;
    while left > 0 {
        at = at.succ_opt().expect("a next day");
        let weekend = matches!(at.weekday(), Weekday::Sat | Weekday::Sun);
        if !weekend && !holidays.contains(&at) {
            left -= 1;
        }
    }
    at
}

/// A payment's `expected_by` is the 5th working day after its `scheduled_for`.
#[track_caller]
pub fn assert_expected_by(holidays: &[NaiveDate], v: &Value) {
    let due = date_of(v, "scheduled_for");
    assert_eq!(
        date_of(v, "expected_by"),
        working_days_after(holidays, due, 5),
        "expected_by of {v}"
    );
}

/// The `disbursement.updated` events about payment `id` in `token`'s feed, newest first.
pub async fn payment_events(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    all_pages(app, token, "/v1/events?", 100)
        .await
        .into_iter()
        .filter(|e| e["type"] == "disbursement.updated" && e["data"]["id"] == id)
        .collect()
}
