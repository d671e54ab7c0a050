//! Retention: what the program no longer needs is purged, and nothing else.

use chrono::Duration;
use diesel::prelude::*;
use prakerja_api::config::RetentionConfig;
use prakerja_api::db::schema::{
    card_validations as cv, idempotency_keys as idem, otp_sends, sms_outbox,
};
use prakerja_api::service::retention::{self, Purged};
use prakerja_api::service::sandbox::{TEST_CARDS, card};
use serde_json::json;

use crate::helpers::*;

fn windows() -> RetentionConfig {
    RetentionConfig {
        idempotency_hours: 48,
        sandbox_sms_hours: 24,
        validation_hours: 24,
    }
}

#[actix_web::test]
async fn purging_removes_expired_records_and_keeps_recent_ones_and_voucher_proofs() {
    let app = spawn_app().await;
    let platform = app.token(PLATFORM).await;
    let admin = app.token(ADMIN).await;
    let courses = app.get("/v1/courses", &platform).await;
    let course = &courses.body["data"][0];
    let start = json!({
        "card_number": card(TEST_CARDS[0].0).as_str(),
        "course_code": course["course_code"],
        "schedule_code": course["schedules"][0]["schedule_code"],
    });
    // Two validations (and two SMS): one will be made old, one stays recent.
    let old = app.post("/v1/card-validations", &platform, &start).await;
    assert_eq!(old.status, 201, "{}", old.body);
    let old_id = old.body["id"].as_str().expect("id").to_string();
    let recent = app.post("/v1/card-validations", &platform, &start).await;
    assert_eq!(recent.status, 201, "{}", recent.body);
    let recent_id = recent.body["id"].as_str().expect("id").to_string();
    // Idempotency records: one old, one recent.
    for key in ["old-key", "recent-key"] {
        let res = app
            .send(
                app.client
                    .post(app.url("/v1/admin/partners"))
                    .bearer_auth(&admin)
                    .header("Idempotency-Key", key)
                    .json(&json!({"name": key, "kind": "lpk"})),
            )
            .await;
        assert_eq!(res.status, 201);
    }
    let three_days_ago = prakerja_api::db::now() - Duration::days(3);
    let old_for_db = old_id.clone();
    app.db(move |c| {
        diesel::update(cv::table.filter(cv::id.eq(&old_for_db)))
            .set(cv::created_at.eq(three_days_ago))
            .execute(c)?;
        // The seeded purchase's validation is a voucher's proof: old, used, still holding a hash.
        diesel::update(cv::table.filter(cv::status.eq("used")))
            .set((
                cv::created_at.eq(three_days_ago),
                cv::otp_hash.eq(Some("stale")),
            ))
            .execute(c)?;
        diesel::update(otp_sends::table)
            .set(otp_sends::sent_at.eq(three_days_ago))
            .execute(c)?;
        diesel::update(idem::table.filter(idem::idem_key.eq("old-key")))
            .set(idem::created_at.eq(three_days_ago))
            .execute(c)?;
        let one_sms: String = sms_outbox::table
            .select(sms_outbox::id)
            .order(sms_outbox::sent_at.asc())
            .first(c)?;
        diesel::update(sms_outbox::table.filter(sms_outbox::id.eq(one_sms)))
            .set(sms_outbox::sent_at.eq(three_days_ago))
            .execute(c)?;
        Ok(())
    })
    .await;

    let purged = app.db(|c| retention::purge(c, windows())).await;
    assert_eq!(
        purged,
        Purged {
            idempotency_records: 1,
            sandbox_sms: 1,
            card_validations: 1,
            otp_sends: 2,
            otp_challenges: 0,
            pending_payout_accounts: 0,
            seen_signatures: 0,
        }
    );

    let (validations, used_hashes, keys, sms) = app
        .db(|c| {
            let ids: Vec<String> = cv::table.select(cv::id).load(c)?;
            let used: Vec<Option<String>> = cv::table
                .filter(cv::status.eq("used"))
                .select(cv::otp_hash)
                .load(c)?;
            let keys: Vec<String> = idem::table.select(idem::idem_key).load(c)?;
            let sms: i64 = sms_outbox::table.count().get_result(c)?;
            Ok((ids, used, keys, sms))
        })
        .await;
    assert!(
        !validations.contains(&old_id),
        "the old unused validation is gone"
    );
    assert!(
        validations.contains(&recent_id),
        "the recent validation stays"
    );
    assert_eq!(
        used_hashes,
        vec![None; 4],
        "the seeded vouchers' validations stay, without their OTP hashes"
    );
    assert_eq!(keys, vec!["recent-key".to_string()]);
    assert_eq!(sms, 1, "the recent SMS stays");
    // Nothing left to purge the second time.
    assert_eq!(
        app.db(|c| retention::purge(c, windows())).await,
        Purged::default()
    );
}
