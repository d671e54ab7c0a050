//! Queries on `surveys`: each of the three, once per holder.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::surveys as t;
use crate::domain::ParticipantId;

/// Records a survey's answers; false when this survey was already filled.
pub fn insert(
    conn: &mut DbConn,
    holder: &ParticipantId,
    n: i32,
    answers: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    super::insert_unless_exists(conn, |c| {
        diesel::insert_into(t::table)
            .values((
                t::participant_id.eq(holder),
                t::n.eq(n),
                t::answers.eq(answers),
                t::submitted_at.eq(at),
            ))
            .execute(c)
    })
}

/// The surveys a holder filled: `(n, submitted_at)`, by number.
pub fn submitted(
    conn: &mut DbConn,
    holder: &ParticipantId,
) -> QueryResult<Vec<(i32, NaiveDateTime)>> {
    t::table
        .filter(t::participant_id.eq(holder))
        .order(t::n.asc())
        .select((t::n, t::submitted_at))
        .load(conn)
}
