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
    let each: Vec<(&PartnerId, &serde_json::Value)> =
        recipients.iter().map(|p| (*p, data)).collect();
    publish_each(conn, event_type, &each)
}

/// [`publish`] with each recipient's own data (a voucher's seller and its LPK see different
/// views of it), the first one kept for a partner named twice. Every event is one multi-row
/// insert and every delivery another, whatever the number of recipients: they run in the
/// purchase's and the redemption's transactions.
pub fn publish_each(
    conn: &mut DbConn,
    event_type: EventType,
    messages: &[(&PartnerId, &serde_json::Value)],
) -> QueryResult<()> {
    let now = super::now();
    let mut written: Vec<(&PartnerId, EventId, String)> = Vec::with_capacity(messages.len());
    for (partner, data) in messages {
        if written.iter().any(|(p, _, _)| p == partner) {
            continue;
        }
        let id = EventId::new();
        let body = serde_json::json!({
            "id": id,
            "type": event_type,
            "created_at": crate::domain::time::to_wib(now),
            "data": data,
        });
        written.push((partner, id, body.to_string()));
    }
    if written.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = written
        .iter()
        .map(|(partner, id, body)| {
            (
                t::id.eq(id),
                t::partner_id.eq(*partner),
                t::event_type.eq(event_type.as_str()),
                t::payload.eq(body),
                t::created_at.eq(now),
            )
        })
        .collect();
    on_backend!(conn, |c| diesel::insert_into(t::table)
        .values(&rows)
        .execute(c))?;
    let events: Vec<(&PartnerId, &EventId)> = written.iter().map(|(p, id, _)| (*p, id)).collect();
    super::webhooks::enqueue(conn, event_type, &events, now)?;
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
