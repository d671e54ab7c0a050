//! Queries on `payout_accounts`: one active account per holder, each confirmed by its challenge.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::payout_accounts as t;
use crate::domain::payout::{PayoutAccountStatus, PayoutKind};
use crate::domain::{ChallengeId, ParticipantId, PayoutAccountId};

/// An account as stored: the number only sealed, with the row id as associated data.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct PayoutAccount {
    pub id: PayoutAccountId,
    pub participant_id: ParticipantId,
    pub challenge_id: ChallengeId,
    pub kind: PayoutKind,
    pub bank_code: Option<String>,
    pub account_cipher: String,
    pub holder_name: String,
    pub status: PayoutAccountStatus,
    pub created_at: NaiveDateTime,
    pub linked_at: Option<NaiveDateTime>,
    pub replaced_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &PayoutAccount) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The account a challenge confirms, if it is this holder's.
pub fn by_challenge(
    conn: &mut DbConn,
    challenge: &ChallengeId,
    holder: &ParticipantId,
) -> QueryResult<Option<PayoutAccount>> {
    t::table
        .filter(
            t::challenge_id
                .eq(challenge)
                .and(t::participant_id.eq(holder)),
        )
        .select(PayoutAccount::as_select())
        .first(conn)
        .optional()
}

/// One of the holder's accounts, whatever its status (the one a payment was sent to).
pub fn by_id(
    conn: &mut DbConn,
    id: &PayoutAccountId,
    holder: &ParticipantId,
) -> QueryResult<Option<PayoutAccount>> {
    t::table
        .filter(t::id.eq(id).and(t::participant_id.eq(holder)))
        .select(PayoutAccount::as_select())
        .get_result(conn)
        .optional()
}

/// The holder's active account, if any.
pub fn active(conn: &mut DbConn, holder: &ParticipantId) -> QueryResult<Option<PayoutAccount>> {
    t::table
        .filter(
            t::participant_id
                .eq(holder)
                .and(t::status.eq(PayoutAccountStatus::Active)),
        )
        .select(PayoutAccount::as_select())
        .first(conn)
        .optional()
}

/// Makes a pending account the holder's active one, retiring the one it replaces (whose id it
/// returns). The caller has checked, in this transaction, that the account is pending.
pub fn activate(
    conn: &mut DbConn,
    id: &PayoutAccountId,
    holder: &ParticipantId,
    at: NaiveDateTime,
) -> QueryResult<Option<PayoutAccountId>> {
    let previous = active(conn, holder)?.map(|a| a.id);
    if let Some(old) = &previous {
        diesel::update(t::table.find(old))
            .set((
                t::status.eq(PayoutAccountStatus::Replaced),
                t::replaced_at.eq(at),
            ))
            .execute(conn)?;
    }
    diesel::update(
        t::table.filter(
            t::id
                .eq(id)
                .and(t::status.eq(PayoutAccountStatus::PendingConfirmation)),
        ),
    )
    .set((
        t::status.eq(PayoutAccountStatus::Active),
        t::linked_at.eq(at),
    ))
    .execute(conn)?;
    Ok(previous)
}
