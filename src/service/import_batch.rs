//! The bulk import's fast path: a batch of registrations checked and written set-wise. One
//! registration takes a dozen statements (a savepoint, the NIK lookup, the family card's place,
//! the card number, the insert, the audit event); a batch of a thousand takes about a dozen in
//! all: one NIK lookup, one family-card read and one additive upsert, one card-number check,
//! multi-row inserts of holders and of their audit events (into the inbox, which the sealer
//! chains). The rules are `participants::register`'s, row for row and in row order.
//!
//! The set-wise reads do not lock: a writer that registers the same NIK, takes the same family
//! card's last place or draws the same card number meanwhile makes a constraint fail (the NIK and
//! card numbers are UNIQUE, a family card holds at most two by CHECK). The batch's savepoint is
//! then rolled back and the caller redoes the batch one row at a time, where each row meets the
//! other writer's commit as a plain refusal.

use std::collections::{BTreeMap, HashSet};

use super::Inner;
use super::audit;
use super::participants::{self, Registration};
use crate::crypto::IndexKind;
use crate::db::participants::Participant;
use crate::db::participants_bulk as bulk;
use crate::db::{self, DbConn};
use crate::domain::CardNumber;
use crate::domain::eligibility::{self, MAX_HOLDERS_PER_FAMILY};
use crate::domain::time::today_wib;
use crate::error::{Error, ErrorCode};
use crate::service::Actor;

/// Why the fast path gave up on a batch.
pub(crate) enum BatchFailure {
    /// Another writer got in between (a constraint failed): redo the batch row by row.
    Race,
    Failed(Error),
}

impl From<diesel::result::Error> for BatchFailure {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as D};
        match e {
            D::DatabaseError(
                K::UniqueViolation | K::CheckViolation | K::SerializationFailure,
                _,
            ) => BatchFailure::Race,
            // Two imports inserting overlapping rows in different orders: PostgreSQL breaks the
            // deadlock by failing one statement; that batch is redone row by row like any race.
            D::DatabaseError(_, ref info) if info.message().contains("deadlock detected") => {
                BatchFailure::Race
            }
            other => BatchFailure::Failed(other.into()),
        }
    }
}

impl From<Error> for BatchFailure {
    fn from(e: Error) -> Self {
        BatchFailure::Failed(e)
    }
}

/// One registration that passed every check so far, with its blind indexes.
struct Candidate<'a> {
    row: usize,
    reg: &'a Registration,
    nik_index: String,
    kk_index: String,
}

/// Registers the batch in the caller's transaction: per row the card number, or why not.
pub(crate) fn register_all(
    c: &mut DbConn,
    core: &Inner,
    actor: &Actor,
    regs: &[Result<Registration, Error>],
) -> Result<Vec<Result<CardNumber, Error>>, BatchFailure> {
    let now = db::now();
    let cipher = &core.cipher;
    let mut outcome: Vec<Option<Result<CardNumber, Error>>> = regs.iter().map(|_| None).collect();
    let mut candidates = Vec::with_capacity(regs.len());
    for (row, reg) in regs.iter().enumerate() {
        match reg
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|reg| eligibility::check_age(&reg.nik, today_wib(now)).map(|()| reg))
        {
            Err(e) => outcome[row] = Some(Err(e)),
            Ok(reg) => candidates.push(Candidate {
                row,
                reg,
                nik_index: cipher.blind_index(IndexKind::Nik, reg.nik.as_str()),
                kk_index: cipher.blind_index(IndexKind::Kk, reg.kk.as_str()),
            }),
        }
    }

    // One pass in row order, as one registration after another would decide: one card per NIK
    // (registered before, or by an earlier row), two holders per family card (counting the
    // earlier rows'). A row refused for its family card has not taken its NIK.
    let niks: Vec<&str> = candidates.iter().map(|k| k.nik_index.as_str()).collect();
    let mut taken_niks = bulk::registered_niks(c, &niks)?;
    let families: Vec<&str> = distinct(candidates.iter().map(|k| k.kk_index.as_str()));
    let mut holders = bulk::family_holders(c, &families)?;
    candidates.retain(|k| {
        let held = holders.entry(k.kk_index.clone()).or_insert(0);
        let refusal = if taken_niks.contains(&k.nik_index) {
            ErrorCode::AlreadyRegistered
        } else if *held >= MAX_HOLDERS_PER_FAMILY {
            ErrorCode::FamilyQuotaReached
        } else {
            *held += 1;
            taken_niks.insert(k.nik_index.clone());
            return true;
        };
        outcome[k.row] = Some(Err(refusal.refusal()));
        false
    });

    // In key order, so two batches that share family cards take their rows in the same order.
    let mut added: BTreeMap<&str, i32> = BTreeMap::new();
    for k in &candidates {
        *added.entry(k.kk_index.as_str()).or_default() += 1;
    }
    let added: Vec<(&str, i32)> = added.into_iter().collect();

    let cards = fresh_cards(c, candidates.len())?;
    let rows: Vec<Participant> = candidates
        .iter()
        .zip(cards)
        .map(|(k, card)| {
            participants::new_row(
                cipher,
                k.reg,
                card,
                k.nik_index.clone(),
                k.kk_index.clone(),
                now,
            )
        })
        .collect();

    bulk::add_family_holders(c, &added)?;
    bulk::insert_participants(c, &rows)?;
    audit::record_all(c, actor, rows.iter().map(participants::registered))?;
    for (k, r) in candidates.iter().zip(rows) {
        outcome[k.row] = Some(Ok(r.card_number));
    }
    Ok(outcome
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| Err(Error::internal("bulk import", "a row without an outcome")))
        })
        .collect())
}

/// `n` card numbers no holder has, distinct from each other.
fn fresh_cards(c: &mut DbConn, n: usize) -> Result<Vec<CardNumber>, BatchFailure> {
    let mut cards: Vec<CardNumber> = Vec::with_capacity(n);
    let mut seen = HashSet::new();
    while cards.len() < n {
        let drawn: Vec<CardNumber> = (cards.len()..n)
            .map(|_| CardNumber::generate())
            .filter(|card| seen.insert(card.as_str().to_string()))
            .collect();
        let numbers: Vec<&str> = drawn.iter().map(CardNumber::as_str).collect();
        let taken = bulk::taken_cards(c, &numbers)?;
        cards.extend(drawn.into_iter().filter(|d| !taken.contains(d.as_str())));
    }
    Ok(cards)
}

/// Each value once, in first-seen order.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    values.filter(|v| seen.insert(*v)).collect()
}
