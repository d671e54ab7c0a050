//! The transactional outbox: events written in the same transaction as the change they announce.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::page::after_cursor;
use super::schema::events as t;
use crate::domain::event::EventType;
use crate::domain::{EventId, PartnerId};
use crate::page::PageRequest;

/// One stored event: `payload` is the JSON a webhook or the feed delivers.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t)]
pub struct Event {
    pub id: EventId,
    pub created_at: NaiveDateTime,
    pub payload: String,
}

/// Records `event_type` with `data` for each recipient partner (once each), and queues its
/// delivery to each of that partner's active webhook endpoints subscribed to the type: in the
/// caller's transaction, so an event is announced if and only if its change committed.
pub fn publish(
    conn: &mut DbConn,
    recipients: &[&PartnerId],
    event_type: EventType,
    data: &serde_json::Value,
) -> QueryResult<()> {
    let now = super::now();
    let mut unique: Vec<&PartnerId> = recipients.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for partner in unique {
        let id = EventId::new();
        let body = serde_json::json!({
            "id": id,
            "type": event_type,
            "created_at": crate::domain::time::to_wib(now),
            "data": data,
        });
        diesel::insert_into(t::table)
            .values((
                t::id.eq(&id),
                t::partner_id.eq(partner),
                t::event_type.eq(event_type.as_str()),
                t::payload.eq(body.to_string()),
                t::created_at.eq(now),
            ))
            .execute(conn)?;
        super::webhooks::enqueue(conn, partner, event_type, &id, now)?;
    }
    Ok(())
}

/// One of the partner's events: its type, for redelivering it.
pub fn type_of(
    conn: &mut DbConn,
    partner: &PartnerId,
    id: &EventId,
) -> QueryResult<Option<String>> {
    t::table
        .filter(t::id.eq(id))
        .filter(t::partner_id.eq(partner))
        .select(t::event_type)
        .get_result(conn)
        .optional()
}

/// A partner's events, newest first.
pub fn page(conn: &mut DbConn, partner: &PartnerId, req: &PageRequest) -> QueryResult<Vec<Event>> {
    let q = t::table
        .filter(t::partner_id.eq(partner.clone()))
        .into_boxed();
    let q = after_cursor!(q, t::created_at, t::id, req.after.as_ref());
    q.order((t::created_at.desc(), t::id.desc()))
        .limit(req.fetch())
        .select(Event::as_select())
        .load(conn)
}

/// A partner's events after one of theirs (`since`), oldest first, at most `limit`; `None` when
/// `since` is not one of the partner's events.
pub fn since(
    conn: &mut DbConn,
    partner: &PartnerId,
    since: &EventId,
    limit: i64,
) -> QueryResult<Option<Vec<Event>>> {
    let mark: Option<(NaiveDateTime, EventId)> = t::table
        .filter(t::id.eq(since))
        .filter(t::partner_id.eq(partner))
        .select((t::created_at, t::id))
        .get_result(conn)
        .optional()?;
    let Some((at, id)) = mark else {
        return Ok(None);
    };
    t::table
        .filter(t::partner_id.eq(partner))
        .filter(
            t::created_at
                .gt(at)
                .or(t::created_at.eq(at).and(t::id.gt(id))),
        )
        .order((t::created_at.asc(), t::id.asc()))
        .limit(limit)
        .select(Event::as_select())
        .load(conn)
        .map(Some)
}
