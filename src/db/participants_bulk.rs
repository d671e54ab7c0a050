//! Registering many holders at once (the bulk import): set-wise reads and multi-row writes, a few
//! statements a batch where one registration takes a dozen.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::DbConn;
use super::participants::Participant;
use super::schema::{family_cards as fam, participants as t};

use super::CHUNK;

/// Which of these NIK blind indexes are already registered.
pub fn registered_niks(conn: &mut DbConn, indexes: &[&str]) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in indexes.chunks(CHUNK) {
        found.extend(
            t::table
                .filter(t::nik_index.eq_any(chunk.to_vec()))
                .select(t::nik_index)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// Which of these card numbers are taken.
pub fn taken_cards(conn: &mut DbConn, cards: &[&str]) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in cards.chunks(CHUNK) {
        found.extend(
            t::table
                .filter(t::card_number.eq_any(chunk.to_vec()))
                .select(t::card_number)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// Holders per family card, for the family cards that have any.
pub fn family_holders(conn: &mut DbConn, kk: &[&str]) -> QueryResult<HashMap<String, i32>> {
    let mut found = HashMap::new();
    for chunk in kk.chunks(CHUNK) {
        found.extend(
            fam::table
                .filter(fam::kk_index.eq_any(chunk.to_vec()))
                .select((fam::kk_index, fam::holders))
                .load::<(String, i32)>(conn)?,
        );
    }
    Ok(found)
}

/// Adds holders to family cards. The addition is done by the database, so a writer that took a
/// place since `family_holders` was read is counted too; past two the CHECK constraint fails the
/// statement (and the caller redoes the batch one row at a time).
pub fn add_family_holders(conn: &mut DbConn, added: &[(&str, i32)]) -> QueryResult<()> {
    for chunk in added.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(kk, n)| (fam::kk_index.eq(*kk), fam::holders.eq(*n)))
            .collect();
        on_backend!(conn, |c| diesel::insert_into(fam::table)
            .values(rows)
            .on_conflict(fam::kk_index)
            .do_update()
            .set(fam::holders.eq(fam::holders + excluded(fam::holders)))
            .execute(c))?;
    }
    Ok(())
}

pub fn insert_participants(conn: &mut DbConn, rows: &[Participant]) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK) {
        on_backend!(conn, |c| diesel::insert_into(t::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}
