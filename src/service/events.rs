//! A partner's own event feed: the same payloads webhooks carry, read from the outbox.

use super::{Call, Core};
use crate::db::events;
use crate::domain::{EventId, PartnerId};
use crate::error::Error;
use crate::page::{Cursor, Page, PageRequest};

/// The partner whose feed is read (the scope lets only partners in).
fn partner_of(call: &Call) -> Result<PartnerId, Error> {
    call.who()
        .partner_id()
        .cloned()
        .ok_or_else(|| Error::internal("events", "a non-partner reading a partner feed"))
}

impl Core {
    /// The caller's events, newest first: `{id, type, created_at, data}` each.
    pub async fn events(
        &self,
        call: &Call,
        req: PageRequest,
    ) -> Result<Page<serde_json::Value>, Error> {
        let partner = partner_of(call)?;
        self.read(move |c, _| {
            let rows = events::page(c, &partner, &req)?;
            Page::cut(rows, &req, |e| Cursor::Time(e.created_at, e.id.to_string())).try_map(|e| {
                serde_json::from_str(&e.payload).map_err(|err| Error::internal("stored event", err))
            })
        })
        .await
    }
}

impl Core {
    /// The caller's events after one of theirs, oldest first (catching up after being down):
    /// 404 when `since` is not one of the caller's events.
    pub async fn events_since(
        &self,
        call: &Call,
        since: EventId,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>, Error> {
        let partner = partner_of(call)?;
        self.read(move |c, _| {
            let rows = events::since(c, &partner, &since, limit)?
                .ok_or_else(|| Error::not_found("event"))?;
            rows.into_iter()
                .map(|e| {
                    serde_json::from_str(&e.payload)
                        .map_err(|err| Error::internal("stored event", err))
                })
                .collect()
        })
        .await
    }
}
