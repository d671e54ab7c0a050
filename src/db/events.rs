//! The transactional outbox: events written in the same transaction as the change they announce.

use diesel::prelude::*;

use super::DbConn;
use super::schema::events as t;

/// Records `event_type` with `payload` for each recipient partner.
pub fn publish(
    conn: &mut DbConn,
    recipients: &[&str],
    event_type: &str,
    payload: &serde_json::Value,
) -> QueryResult<()> {
    let now = super::now();
    let mut unique: Vec<&str> = recipients.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for partner in unique {
        let id = uuid::Uuid::now_v7().to_string();
        let body = serde_json::json!({"id": id, "type": event_type, "created_at": crate::domain::time::to_wib(now), "data": payload});
        diesel::insert_into(t::table)
            .values((
                t::id.eq(&id),
                t::partner_id.eq(partner),
                t::event_type.eq(event_type),
                t::payload.eq(body.to_string()),
                t::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A partner's events, newest first, strictly older than `before` (created_at, id).
pub fn page(
    conn: &mut DbConn,
    partner_id: &str,
    before: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<(String, chrono::NaiveDateTime, String)>> {
    let mut q = t::table
        .filter(t::partner_id.eq(partner_id.to_string()))
        .into_boxed();
    if let Some((at, id)) = before {
        q = q.filter(
            t::created_at
                .lt(at)
                .or(t::created_at.eq(at).and(t::id.lt(id))),
        );
    }
    q.order((t::created_at.desc(), t::id.desc()))
        .limit(limit)
        .select((t::id, t::created_at, t::payload))
        .load(conn)
}
