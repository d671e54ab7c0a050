//! Queries on `participants` and `family_cards`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{family_cards as fam, participants as t};
use super::{DbConn, insert_unless_exists};
use crate::domain::participant::CardStatus;
use crate::domain::{CardNumber, ParticipantId, Rupiah};

/// A card holder as stored: NIK, KK, phone and email only sealed (`*_cipher`) beside their blind
/// indexes.
// A `None` is written as NULL, not DEFAULT (no nullable column has another default): one SQL text
// per insert whatever is missing, and the row can go through COPY (the national-size seeder). The
// same on every row struct.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct Participant {
    pub id: ParticipantId,
    pub card_number: CardNumber,
    pub full_name: String,
    pub nik_cipher: String,
    pub nik_index: String,
    pub kk_cipher: String,
    pub kk_index: String,
    pub phone_cipher: String,
    pub phone_index: String,
    pub email_cipher: Option<String>,
    pub wave: i32,
    pub passed_at: NaiveDateTime,
    pub purchase_deadline: NaiveDateTime,
    pub initial_balance: Rupiah,
    pub balance: Rupiah,
    pub status: CardStatus,
    pub status_reason: Option<String>,
    pub first_purchase_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &Participant) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_card(conn: &mut DbConn, card: &CardNumber) -> QueryResult<Option<Participant>> {
    t::table
        .filter(t::card_number.eq(card))
        .select(Participant::as_select())
        .get_result(conn)
        .optional()
}

pub fn card_exists(conn: &mut DbConn, card: &CardNumber) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        t::table.filter(t::card_number.eq(card)),
    ))
    .get_result(conn)
}

pub fn nik_registered(conn: &mut DbConn, nik_index: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        t::table.filter(t::nik_index.eq(nik_index)),
    ))
    .get_result(conn)
}

/// Takes one of the family card's two places; false when both are taken. Safe under concurrency:
/// the check and the increment are one conditional update.
pub fn take_family_place(conn: &mut DbConn, kk_index: &str, max: i32) -> QueryResult<bool> {
    insert_unless_exists(conn, |c| {
        diesel::insert_into(fam::table)
            .values((fam::kk_index.eq(kk_index), fam::holders.eq(0)))
            .execute(c)
    })?;
    let updated =
        diesel::update(fam::table.filter(fam::kk_index.eq(kk_index).and(fam::holders.lt(max))))
            .set(fam::holders.eq(fam::holders + 1))
            .execute(conn)?;
    Ok(updated == 1)
}

/// Moves the card from `from` to `to` only if it is still in `from`.
pub fn set_status(
    conn: &mut DbConn,
    id: &ParticipantId,
    from: CardStatus,
    to: CardStatus,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(t::table.filter(t::id.eq(id).and(t::status.eq(from))))
        .set((
            t::status.eq(to),
            t::status_reason.eq(reason),
            t::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Rows whose sealed values need re-encryption: `(id, nik, kk, phone, email)` ciphers, by id.
pub type SealedRow = (ParticipantId, String, String, String, Option<String>);

pub fn sealed_batch(
    conn: &mut DbConn,
    after: Option<&ParticipantId>,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    let after = after.map(ParticipantId::as_str).unwrap_or("");
    t::table
        .filter(t::id.gt(after))
        .order(t::id.asc())
        .limit(limit)
        .select((
            t::id,
            t::nik_cipher,
            t::kk_cipher,
            t::phone_cipher,
            t::email_cipher,
        ))
        .load(conn)
}

pub fn reseal(conn: &mut DbConn, row: &SealedRow) -> QueryResult<usize> {
    diesel::update(t::table.find(&row.0))
        .set((
            t::nik_cipher.eq(&row.1),
            t::kk_cipher.eq(&row.2),
            t::phone_cipher.eq(&row.3),
            t::email_cipher.eq(&row.4),
        ))
        .execute(conn)
}

/// Sandbox seeding only: a card that starts with less (the program itself never tops up). The
/// initial balance moves with it, so balance + vouchers = initial balance still holds.
pub fn sandbox_set_balance(
    conn: &mut DbConn,
    card: &CardNumber,
    balance: Rupiah,
) -> QueryResult<usize> {
    diesel::update(t::table.filter(t::card_number.eq(card)))
        .set((t::balance.eq(balance), t::initial_balance.eq(balance)))
        .execute(conn)
}

pub fn find(conn: &mut DbConn, id: &ParticipantId) -> QueryResult<Participant> {
    t::table
        .find(id)
        .select(Participant::as_select())
        .get_result(conn)
}

/// Debits `amount` only if the card is active and the balance covers it; stamps the first
/// purchase. The conditional update is the whole guard: no read-then-write, and on PostgreSQL it
/// holds the row lock until the transaction ends, so purchases on one card queue here.
pub fn debit(
    conn: &mut DbConn,
    id: &ParticipantId,
    amount: Rupiah,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let debited = diesel::update(
        t::table.filter(
            t::id
                .eq(id)
                .and(t::status.eq(CardStatus::Active))
                .and(t::balance.ge(amount)),
        ),
    )
    .set((
        t::balance.eq(t::balance - amount.amount()),
        t::updated_at.eq(at),
        // The first purchase is stamped in the same statement: one round trip, not two.
        t::first_purchase_at.eq(coalesce(t::first_purchase_at, Some(at))),
    ))
    .execute(conn)?;
    Ok(debited == 1)
}

#[diesel::declare_sql_function]
extern "SQL" {
    fn coalesce(
        x: diesel::sql_types::Nullable<diesel::sql_types::Timestamp>,
        y: diesel::sql_types::Nullable<diesel::sql_types::Timestamp>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Timestamp>;
}

/// Returns `amount` to the balance (a voided voucher).
pub fn refund(
    conn: &mut DbConn,
    id: &ParticipantId,
    amount: Rupiah,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(t::table.find(id))
        .set((
            t::balance.eq(t::balance + amount.amount()),
            t::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn clear_first_purchase(conn: &mut DbConn, id: &ParticipantId) -> QueryResult<usize> {
    diesel::update(t::table.find(id))
        .set(t::first_purchase_at.eq(None::<NaiveDateTime>))
        .execute(conn)
}

/// Takes the holder's row lock for the rest of the transaction (PostgreSQL; SQLite's write
/// transaction already excludes other writers) and returns the row as it is now.
pub fn lock(conn: &mut DbConn, id: &ParticipantId) -> QueryResult<Participant> {
    diesel::update(t::table.find(id))
        .set(t::updated_at.eq(t::updated_at))
        .execute(conn)?;
    find(conn, id)
}

/// [`lock`] by card number, in two statements where a find and the lock took three; `None` when
/// no holder has the card.
pub fn lock_by_card(conn: &mut DbConn, card: &CardNumber) -> QueryResult<Option<Participant>> {
    let locked = diesel::update(t::table.filter(t::card_number.eq(card)))
        .set(t::updated_at.eq(t::updated_at))
        .execute(conn)?;
    if locked == 0 {
        return Ok(None);
    }
    find_by_card(conn, card)
}
