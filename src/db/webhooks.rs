//! Queries on `webhook_endpoints` and `webhook_deliveries`: registering endpoints, queueing a
//! delivery per subscribed endpoint in the event's own transaction, and the worker's claims.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::events as ev;
use super::schema::webhook_deliveries as d;
use super::schema::webhook_endpoints as e;
use crate::domain::event::EventType;
use crate::domain::webhook::{DeliveryStatus, EndpointStatus};
use crate::domain::{EventId, PartnerId, WebhookDeliveryId, WebhookEndpointId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = e)]
pub struct EndpointRow {
    pub id: WebhookEndpointId,
    pub partner_id: PartnerId,
    pub url: String,
    /// Space-separated event types.
    pub events: String,
    pub secret_cipher: String,
    pub status: EndpointStatus,
    pub consecutive_failures: i32,
    pub last_error: Option<String>,
    pub last_error_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = d, treat_none_as_default_value = false)]
pub struct DeliveryRow {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: EventId,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl DeliveryRow {
    /// A delivery due now.
    pub fn new(endpoint_id: WebhookEndpointId, event_id: EventId, now: NaiveDateTime) -> Self {
        Self {
            id: WebhookDeliveryId::new(),
            endpoint_id,
            event_id,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            claimed_until: None,
            last_status: None,
            last_error: None,
            delivered_at: None,
            created_at: now,
        }
    }
}

pub fn insert_endpoint(conn: &mut DbConn, row: &EndpointRow) -> QueryResult<()> {
    diesel::insert_into(e::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A partner's endpoints that are not deleted, oldest first.
pub fn live_endpoints(conn: &mut DbConn, partner: &PartnerId) -> QueryResult<Vec<EndpointRow>> {
    e::table
        .filter(e::partner_id.eq(partner))
        .filter(e::status.ne(EndpointStatus::Deleted))
        .order((e::created_at.asc(), e::id.asc()))
        .select(EndpointRow::as_select())
        .load(conn)
}

/// One of the partner's endpoints, unless deleted.
pub fn find_live(
    conn: &mut DbConn,
    partner: &PartnerId,
    id: &WebhookEndpointId,
) -> QueryResult<Option<EndpointRow>> {
    e::table
        .filter(e::id.eq(id))
        .filter(e::partner_id.eq(partner))
        .filter(e::status.ne(EndpointStatus::Deleted))
        .select(EndpointRow::as_select())
        .get_result(conn)
        .optional()
}

/// Marks one of the partner's endpoints deleted; 0 when it has none by that id.
pub fn delete_endpoint(
    conn: &mut DbConn,
    partner: &PartnerId,
    id: &WebhookEndpointId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        e::table
            .filter(e::id.eq(id))
            .filter(e::partner_id.eq(partner))
            .filter(e::status.ne(EndpointStatus::Deleted)),
    )
    .set((e::status.eq(EndpointStatus::Deleted), e::updated_at.eq(now)))
    .execute(conn)
}

/// Ends an endpoint's pending deliveries (it was deleted or disabled), saying why.
pub fn fail_pending_of(
    conn: &mut DbConn,
    endpoint: &WebhookEndpointId,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(
        d::table
            .filter(d::endpoint_id.eq(endpoint))
            .filter(d::status.eq(DeliveryStatus::Pending)),
    )
    .set((
        d::status.eq(DeliveryStatus::Failed),
        d::last_error.eq(reason),
        d::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Every endpoint's sealed secret, for re-sealing under a new data key (deleted endpoints' too, so
/// no value is left under a key about to be retired).
pub fn secrets(conn: &mut DbConn) -> QueryResult<Vec<(WebhookEndpointId, String)>> {
    e::table.select((e::id, e::secret_cipher)).load(conn)
}

pub fn set_secret(conn: &mut DbConn, id: &WebhookEndpointId, sealed: &str) -> QueryResult<usize> {
    diesel::update(e::table.find(id))
        .set(e::secret_cipher.eq(sealed))
        .execute(conn)
}

/// The partner's active endpoints subscribed to `event_type`.
pub fn subscribed(
    conn: &mut DbConn,
    partner: &PartnerId,
    event_type: EventType,
) -> QueryResult<Vec<WebhookEndpointId>> {
    Ok(subscribers(conn, &[partner], event_type)?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// The active endpoints of these partners subscribed to `event_type`, each with its partner: one
/// read. Matched by name, not parsed: a corrupt subscription must not fail the purchase or
/// redemption whose transaction publishes the event.
fn subscribers(
    conn: &mut DbConn,
    partners: &[&PartnerId],
    event_type: EventType,
) -> QueryResult<Vec<(WebhookEndpointId, PartnerId)>> {
    let active: Vec<(WebhookEndpointId, PartnerId, String)> = e::table
        .filter(e::partner_id.eq_any(partners))
        .filter(e::status.eq(EndpointStatus::Active))
        .select((e::id, e::partner_id, e::events))
        .load(conn)?;
    Ok(active
        .into_iter()
        .filter(|(_, _, events)| events.split_whitespace().any(|t| t == event_type.as_str()))
        .map(|(id, partner, _)| (id, partner))
        .collect())
}

pub fn insert_delivery(conn: &mut DbConn, row: &DeliveryRow) -> QueryResult<()> {
    diesel::insert_into(d::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Queues each event (of `event_type`, one per partner) for each of its partner's active
/// endpoints subscribed to the type (called by `events::publish`, in the transaction that writes
/// the events): one read of the endpoints, one insert of the deliveries.
pub fn enqueue(
    conn: &mut DbConn,
    event_type: EventType,
    events: &[(&PartnerId, &EventId)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let partners: Vec<&PartnerId> = events.iter().map(|(p, _)| *p).collect();
    let rows: Vec<DeliveryRow> = subscribers(conn, &partners, event_type)?
        .into_iter()
        .flat_map(|(endpoint, partner)| {
            events
                .iter()
                .filter(move |(p, _)| **p == partner)
                .map(move |(_, event)| DeliveryRow::new(endpoint.clone(), (*event).clone(), now))
        })
        .collect();
    if !rows.is_empty() {
        on_backend!(conn, |c| diesel::insert_into(d::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// The deliveries of one event, newest first (at most 100: redeliveries add rows).
pub fn deliveries_of(conn: &mut DbConn, event: &EventId) -> QueryResult<Vec<DeliveryRow>> {
    d::table
        .filter(d::event_id.eq(event))
        .order((d::created_at.desc(), d::id.desc()))
        .limit(100)
        .select(DeliveryRow::as_select())
        .load(conn)
}

/// Pending, due, not claimed by a worker still within its claim, to an active endpoint.
macro_rules! claimable {
    ($now:expr) => {
        d::table
            .filter(d::status.eq(DeliveryStatus::Pending))
            .filter(d::next_attempt_at.le($now))
            .filter(d::claimed_until.is_null().or(d::claimed_until.lt($now)))
            .filter(
                d::endpoint_id.eq_any(
                    e::table
                        .filter(e::status.eq(EndpointStatus::Active))
                        .select(e::id),
                ),
            )
    };
}

/// Whether anything is due (a plain read, so an idle worker never takes SQLite's write lock).
pub fn any_due(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(claimable!(now))).get_result(conn)
}

/// A delivery claimed by this worker, with what sending it needs.
#[derive(Debug, Clone, Queryable)]
pub struct Claimed {
    pub id: WebhookDeliveryId,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub endpoint_id: WebhookEndpointId,
    pub url: String,
    pub secret_cipher: String,
    pub event_id: EventId,
    /// The event exactly as stored: the bytes that are signed and sent.
    pub payload: String,
}

/// Claims up to `limit` due deliveries until `until`. Call inside a write transaction. Each
/// claim is a conditional update, so two workers never both hold one; on PostgreSQL the
/// candidates are also locked with `SKIP LOCKED`, so concurrent workers pick different rows
/// instead of queueing behind each other.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let candidates: Vec<WebhookDeliveryId> = match conn {
        DbConn::Pg(pg) => claimable!(now)
            .order(d::next_attempt_at.asc())
            .limit(limit)
            .select(d::id)
            .for_update()
            .skip_locked()
            .load(pg)?,
        DbConn::Sqlite(_) => claimable!(now)
            .order(d::next_attempt_at.asc())
            .limit(limit)
            .select(d::id)
            .load(conn)?,
    };
    let mut claimed = Vec::with_capacity(candidates.len());
    for id in candidates {
        let took = diesel::update(claimable!(now).filter(d::id.eq(&id)))
            .set(d::claimed_until.eq(until))
            .execute(conn)?;
        if took == 1 {
            claimed.push(id);
        }
    }
    d::table
        .inner_join(e::table)
        .inner_join(ev::table)
        .filter(d::id.eq_any(&claimed))
        .select((
            d::id,
            d::created_at,
            d::attempts,
            e::id,
            e::url,
            e::secret_cipher,
            ev::id,
            ev::payload,
        ))
        .load(conn)
}

/// What one attempt ended in, for its delivery row.
pub struct AttemptRecord<'a> {
    pub status: DeliveryStatus,
    pub http_status: Option<i32>,
    pub error: Option<&'a str>,
    pub next_attempt_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// Records an attempt on a delivery this worker still holds (claim `claim`, still pending);
/// `false` when the claim was lost (it lapsed and another worker took it, or the endpoint was
/// deleted meanwhile): then the other owner's record stands.
pub fn record_attempt(
    conn: &mut DbConn,
    id: &WebhookDeliveryId,
    claim: NaiveDateTime,
    r: &AttemptRecord<'_>,
) -> QueryResult<bool> {
    let n = diesel::update(
        d::table
            .filter(d::id.eq(id))
            .filter(d::claimed_until.eq(claim))
            .filter(d::status.eq(DeliveryStatus::Pending)),
    )
    .set((
        d::status.eq(r.status),
        d::attempts.eq(d::attempts + 1),
        d::last_status.eq(r.http_status),
        d::last_error.eq(r.error),
        d::next_attempt_at.eq(r.next_attempt_at),
        d::delivered_at.eq(r.delivered_at),
        d::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A success: the endpoint's run of failures ends.
pub fn endpoint_succeeded(
    conn: &mut DbConn,
    id: &WebhookEndpointId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(e::table.find(id))
        .set((
            e::consecutive_failures.eq(0),
            e::failing_since.eq(None::<NaiveDateTime>),
            e::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A failure: counted, remembered, and the endpoint disabled when it has failed `disable_after`
/// times in a row over at least `failing_for`. True when this failure disabled it.
pub fn endpoint_failed(
    conn: &mut DbConn,
    id: &WebhookEndpointId,
    error: &str,
    now: NaiveDateTime,
    disable_after: i32,
    failing_for: chrono::Duration,
) -> QueryResult<bool> {
    diesel::update(e::table.find(id))
        .set((
            e::consecutive_failures.eq(e::consecutive_failures + 1),
            e::last_error.eq(error),
            e::last_error_at.eq(now),
            e::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(e::table.find(id).filter(e::failing_since.is_null()))
        .set(e::failing_since.eq(now))
        .execute(conn)?;
    let disabled = diesel::update(
        e::table
            .find(id)
            .filter(e::status.eq(EndpointStatus::Active))
            .filter(e::consecutive_failures.ge(disable_after))
            .filter(e::failing_since.le(now - failing_for)),
    )
    .set(e::status.eq(EndpointStatus::Disabled))
    .execute(conn)?;
    Ok(disabled == 1)
}
