//! The audit trail: record (inside the caller's transaction), seal into the chain, verify it,
//! read pages.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{Actor, Core};
use crate::db::DbConn;
use crate::db::audit::{self, AuditRow, InboxRow};
use crate::domain::time::to_wib;
use crate::error::Error;
use crate::page::{Cursor, Page, PageRequest};

/// What happened, to what.
pub struct Event<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    /// Facts worth keeping; never personal data (NIK, KK, phone, email, full card numbers).
    pub details: serde_json::Value,
}

/// The hash of a row: SHA-256 over its content and the previous row's hash.
pub fn row_hash(r: &AuditRow) -> String {
    let mut h = Sha256::new();
    for part in [
        r.seq.to_string(),
        r.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        r.actor_id.clone(),
        r.actor_role.clone(),
        r.action.clone(),
        r.target_type.clone(),
        r.target_id.clone(),
        r.details.clone(),
        r.request_id.clone().unwrap_or_default(),
        r.prev_hash.clone(),
    ] {
        h.update(part.len().to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Records an event; call inside the transaction of the change it records. It reaches the chain
/// when a sealer next runs: the server's every second, a read of the trail's first, and the
/// command line's when its command ends.
pub fn record(conn: &mut DbConn, actor: &Actor, event: Event<'_>) -> Result<(), Error> {
    record_all(conn, actor, [event])
}

/// Records events in order, in multi-row inserts (the bulk import's thousand registrations a
/// batch). Nothing shared is locked: audited writes no longer wait for each other here.
pub fn record_all<'a>(
    conn: &mut DbConn,
    actor: &Actor,
    events: impl IntoIterator<Item = Event<'a>>,
) -> Result<(), Error> {
    let occurred_at = crate::db::now();
    let rows: Vec<InboxRow> = events
        .into_iter()
        .map(|e| inbox_row(occurred_at, actor, e))
        .collect();
    audit::enqueue(conn, &rows)?;
    Ok(())
}

/// What the sealer moves at most per transaction.
const SEAL_BATCH: i64 = 1000;

/// Moves every committed inbox event into the chain, oldest id first, in transactions of up to
/// `SEAL_BATCH` that each hold the head: seqs are given in sealing order, so a later seq always
/// committed later (`audit tail --follow` relies on it). Returns how many were sealed.
pub fn seal(conn: &mut DbConn) -> Result<usize, Error> {
    let mut sealed = 0;
    loop {
        let n = seal_batch(conn)?;
        sealed += n;
        if (n as i64) < SEAL_BATCH {
            return Ok(sealed);
        }
    }
}

/// What a read of the trail does first: seals one batch, so a reader sees what was just
/// recorded, but never waits through a backlog (a big import) and never fails because of it (a
/// read-only standby cannot seal; the server's sealer will).
fn seal_before_reading(conn: &mut DbConn) {
    if let Err(e) = seal_batch(conn) {
        tracing::warn!(error = %e, "could not seal the audit inbox before reading the trail");
    }
}

/// One sealing transaction of up to `SEAL_BATCH` events; 0 when the inbox is empty.
fn seal_batch(conn: &mut DbConn) -> Result<usize, Error> {
    // Unlocked look first: the common case, an empty inbox, takes no lock at all.
    if !audit::inbox_waiting(conn)? {
        return Ok(0);
    }
    crate::db::write_tx(conn, |c| {
        // The head before the inbox: a sealer that waited for another reads the inbox after the
        // other's commit, so never seals a row twice.
        let (mut seq, mut prev_hash) = audit::lock_head(c)?;
        let batch = audit::inbox_batch(c, SEAL_BATCH)?;
        let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
        let mut rows = Vec::with_capacity(batch.len());
        for (_, event) in batch {
            seq += 1;
            let row = chained(seq, prev_hash, event);
            prev_hash = row.hash.clone();
            rows.push(row);
        }
        audit::append(c, &rows)?;
        // Every row chained must leave the inbox in this transaction, or none is chained.
        let gone = audit::forget_sealed(c, &ids)?;
        if gone != ids.len() {
            return Err(Error::internal(
                "audit sealing",
                format!("{gone} of {} sealed events left the inbox", ids.len()),
            ));
        }
        Ok(rows.len())
    })
}

/// An event as recorded, before the sealer gives it a place in the chain.
pub fn inbox_row(occurred_at: chrono::NaiveDateTime, actor: &Actor, event: Event<'_>) -> InboxRow {
    InboxRow {
        occurred_at,
        actor_id: actor.who.id().to_string(),
        actor_role: actor.who.role_name().to_string(),
        action: event.action.into(),
        target_type: event.target_type.into(),
        target_id: event.target_id.into(),
        details: event.details.to_string(),
        request_id: actor.request_id.clone(),
    }
}

/// Event number `seq` of the chain, after the event whose hash is `prev_hash`, with its own hash.
pub fn chained(seq: i64, prev_hash: String, e: InboxRow) -> AuditRow {
    let mut row = AuditRow {
        seq,
        occurred_at: e.occurred_at,
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        action: e.action,
        target_type: e.target_type,
        target_id: e.target_id,
        details: e.details,
        request_id: e.request_id,
        prev_hash,
        hash: String::new(),
    };
    row.hash = row_hash(&row);
    row
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum ChainCheck {
    Intact {
        events: i64,
        head: String,
    },
    /// The first row whose link or content does not match.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// Seals what is waiting, then walks the chain in batches up to the head as it was read first
/// (a sealer may chain more meanwhile: those are the next check's); `progress` is called after
/// each batch with the last seq seen.
pub fn verify(conn: &mut DbConn, mut progress: impl FnMut(i64)) -> Result<ChainCheck, Error> {
    if let Err(e) = seal(conn) {
        tracing::warn!(error = %e, "could not seal the audit inbox; checking the sealed chain");
    }
    let (head_seq, head_hash) = audit::head(conn)?;
    let genesis = "0".repeat(64);
    let (mut last_seq, mut last_hash) = (0i64, genesis);
    while last_seq < head_seq {
        let batch = audit::batch_after(conn, last_seq, 1000.min(head_seq - last_seq))?;
        if batch.is_empty() {
            break;
        }
        for row in batch {
            if row.seq != last_seq + 1 {
                return Ok(ChainCheck::Broken {
                    seq: last_seq + 1,
                    reason: format!("event {} is missing", last_seq + 1),
                });
            }
            if row.prev_hash != last_hash {
                return Ok(ChainCheck::Broken {
                    seq: row.seq,
                    reason: "prev_hash does not match the previous event's hash".into(),
                });
            }
            if row_hash(&row) != row.hash {
                return Ok(ChainCheck::Broken {
                    seq: row.seq,
                    reason: "content does not match its hash (edited)".into(),
                });
            }
            last_seq = row.seq;
            last_hash = row.hash;
        }
        progress(last_seq);
    }
    if head_seq != last_seq {
        return Ok(ChainCheck::Broken {
            seq: last_seq + 1,
            reason: format!(
                "the chain head names event {head_seq} but the trail ends at {last_seq} (events deleted)"
            ),
        });
    }
    if head_hash != last_hash {
        return Ok(ChainCheck::Broken {
            seq: last_seq,
            reason: "the chain head's hash is not the last event's (the head was rewritten)".into(),
        });
    }
    Ok(ChainCheck::Intact {
        events: last_seq,
        head: last_hash,
    })
}

/// One event of the trail, as management reads it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// Position in the chain (1 = first).
    pub seq: i64,
    pub occurred_at: DateTime<FixedOffset>,
    /// The partner id, or `config`/`sandbox-seed`/`cli` for the system.
    pub actor_id: String,
    pub actor_role: String,
    #[schema(example = "participant.freeze")]
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub request_id: Option<String>,
    pub prev_hash: String,
    /// SHA-256 of this event's content and `prev_hash`.
    pub hash: String,
}

/// The newest event: its seq and hash. Record it elsewhere to detect rewrites.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            seq: r.seq,
            occurred_at: to_wib(r.occurred_at),
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            request_id: r.request_id,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

impl Core {
    /// A page of the trail, newest first, with the chain head.
    pub async fn audit_events(
        &self,
        req: PageRequest,
    ) -> Result<(Page<AuditEvent>, ChainHead), Error> {
        self.read(move |c, _| {
            seal_before_reading(c);
            let rows = audit::page(c, &req)?;
            let (seq, hash) = audit::head(c)?;
            let page = Page::cut(rows, &req, |r| Cursor::Seq(r.seq)).map(AuditEvent::from);
            Ok((page, ChainHead { seq, hash }))
        })
        .await
    }

    /// Up to `limit` events after `seq`, oldest first: what `audit tail --follow` polls for. The
    /// sealer holds the chain's head until each batch commits, so seqs commit in order and nothing
    /// committed later can land behind the last one seen.
    pub async fn audit_events_after(&self, seq: i64, limit: i64) -> Result<Vec<AuditEvent>, Error> {
        self.read(move |c, _| {
            seal_before_reading(c);
            Ok(audit::batch_after(c, seq, limit)?
                .into_iter()
                .map(AuditEvent::from)
                .collect())
        })
        .await
    }

    /// Seals the inbox's committed events into the chain: what the server does every second.
    pub async fn seal_audit_trail(&self) -> Result<usize, Error> {
        self.read(|c, _| seal(c)).await
    }

    /// Walks the whole chain; `progress` hears the last seq checked after each batch.
    pub async fn verify_audit_chain(
        &self,
        progress: impl FnMut(i64) + Send + 'static,
    ) -> Result<ChainCheck, Error> {
        self.read(move |c, _| verify(c, progress)).await
    }
}
