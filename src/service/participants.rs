//! Registering card holders (with the eligibility rules), reading them, and freezing, unfreezing
//! or revoking their cards.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
pub use super::registration::{NewParticipant, Registration};
use super::{Actor, Call, Core, Inner};
use crate::crypto::IndexKind;
use crate::db::participants::{self, Participant};
use crate::db::{self, DbConn};
use crate::domain::eligibility::{self, MAX_HOLDERS_PER_FAMILY};
use crate::domain::mask::mask_digits;
use crate::domain::participant::{CardAction, CardStatus};
use crate::domain::rupiah::TRAINING_BALANCE;
use crate::domain::time::{to_wib, today_wib};
use crate::domain::{CardNumber, ParticipantId, Rupiah};
use crate::error::{Error, ErrorCode};

/// A holder as program management sees it. NIK and KK are masked; see `reveal`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ParticipantView {
    #[schema(value_type = String)]
    pub card_number: CardNumber,
    pub full_name: String,
    /// E.164.
    pub phone: String,
    pub email: Option<String>,
    #[schema(example = "3171************")]
    pub nik_masked: String,
    #[schema(example = "3171************")]
    pub kk_number_masked: String,
    pub status: CardStatus,
    pub status_reason: Option<String>,
    /// Rupiah.
    #[schema(value_type = i64)]
    pub balance: Rupiah,
    pub wave: i32,
    pub passed_at: DateTime<FixedOffset>,
    pub purchase_deadline: DateTime<FixedOffset>,
    pub created_at: DateTime<FixedOffset>,
}

/// The clear identity numbers, for an admin who gave a reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevealedIdentity {
    #[schema(value_type = String)]
    pub card_number: CardNumber,
    pub nik: String,
    pub kk_number: String,
}

/// Registers a holder: eligibility, one card per NIK, two per family card, a fresh card number,
/// balance Rp1,000,000, deadline passed_at + 30 days; NIK, KK, phone and email sealed at rest.
/// `card` fixes the number (sandbox test cards); otherwise a random one is drawn. Runs in the
/// caller's transaction.
pub(crate) fn register(
    c: &mut DbConn,
    core: &Inner,
    actor: &Actor,
    p: &Registration,
    card: Option<CardNumber>,
) -> Result<ParticipantView, Error> {
    let now = db::now();
    eligibility::check_age(&p.nik, today_wib(now))?;
    let cipher = &core.cipher;
    let nik_index = cipher.blind_index(IndexKind::Nik, p.nik.as_str());
    let kk_index = cipher.blind_index(IndexKind::Kk, p.kk.as_str());
    if participants::nik_registered(c, &nik_index)? {
        return Err(ErrorCode::AlreadyRegistered.refusal());
    }
    if !participants::take_family_place(c, &kk_index, MAX_HOLDERS_PER_FAMILY)? {
        return Err(ErrorCode::FamilyQuotaReached.refusal());
    }
    let card = match card {
        Some(fixed) => fixed,
        None => loop {
            let candidate = CardNumber::generate();
            if !participants::card_exists(c, &candidate)? {
                break candidate;
            }
        },
    };
    let row = new_row(cipher, p, card, nik_index, kk_index, now);
    participants::insert(c, &row).map_err(|e| {
        if db::is_unique_violation(&e) {
            ErrorCode::AlreadyRegistered.refusal()
        } else {
            e.into()
        }
    })?;
    audit::record(c, actor, registered(&row))?;
    view(core, &row)
}

/// A new holder's row: a fresh id, identity sealed under it, the full balance and the deadline.
pub fn new_row(
    cipher: &crate::crypto::PiiCipher,
    p: &Registration,
    card: CardNumber,
    nik_index: String,
    kk_index: String,
    now: chrono::NaiveDateTime,
) -> Participant {
    let id = ParticipantId::new();
    let seal = |v: &str| cipher.encrypt(v, id.as_str());
    Participant {
        card_number: card,
        full_name: p.full_name.clone(),
        nik_cipher: seal(p.nik.as_str()),
        nik_index,
        kk_cipher: seal(p.kk.as_str()),
        kk_index,
        phone_cipher: seal(p.phone.as_str()),
        phone_index: cipher.blind_index(IndexKind::Phone, p.phone.as_str()),
        email_cipher: p.email.as_deref().map(seal),
        wave: p.wave,
        passed_at: p.passed_at,
        purchase_deadline: eligibility::purchase_deadline(p.passed_at),
        initial_balance: TRAINING_BALANCE,
        balance: TRAINING_BALANCE,
        status: CardStatus::Active,
        status_reason: None,
        first_purchase_at: None,
        created_at: now,
        updated_at: now,
        id,
    }
}

/// The audit event of a registration (no identity number in it: the card's last four digits).
pub fn registered(row: &Participant) -> Event<'_> {
    Event {
        action: "participant.register",
        target_type: "participant",
        target_id: row.id.as_str(),
        details: serde_json::json!({"card_last4": row.card_number.last4(), "wave": row.wave}),
    }
}

fn open(core: &Inner, sealed: &str, row_id: &ParticipantId) -> Result<String, Error> {
    core.cipher
        .decrypt(sealed, row_id.as_str())
        .map_err(|e| Error::internal("decrypting personal data", e))
}

/// The admin view of a stored holder.
pub(crate) fn view(core: &Inner, row: &Participant) -> Result<ParticipantView, Error> {
    Ok(ParticipantView {
        card_number: row.card_number.clone(),
        full_name: row.full_name.clone(),
        phone: open(core, &row.phone_cipher, &row.id)?,
        email: row
            .email_cipher
            .as_deref()
            .map(|e| open(core, e, &row.id))
            .transpose()?,
        nik_masked: mask_digits(&open(core, &row.nik_cipher, &row.id)?),
        kk_number_masked: mask_digits(&open(core, &row.kk_cipher, &row.id)?),
        status: row.status,
        status_reason: row.status_reason.clone(),
        balance: row.balance,
        wave: row.wave,
        passed_at: to_wib(row.passed_at),
        purchase_deadline: to_wib(row.purchase_deadline),
        created_at: to_wib(row.created_at),
    })
}

fn load(conn: &mut DbConn, card: &CardNumber) -> Result<Participant, Error> {
    participants::find_by_card(conn, card)?.ok_or_else(|| ErrorCode::CardNotFound.refusal())
}

/// Freeze, unfreeze or revoke, with the reason audited. Runs in the caller's transaction.
pub(crate) fn change_status(
    c: &mut DbConn,
    core: &Inner,
    actor: &Actor,
    card: &CardNumber,
    action: CardAction,
    reason: &str,
) -> Result<ParticipantView, Error> {
    let row = load(c, card)?;
    let to = row.status.apply(action)?;
    if !participants::set_status(c, &row.id, row.status, to, reason, db::now())? {
        return Err(ErrorCode::InvalidTransition
            .with("The card's status changed meanwhile; read it and retry."));
    }
    // Payments follow the card: held while frozen, cancelled (if unsent) on revocation.
    let moved = super::disbursements::follow_card(c, &row.id, to)?;
    audit::record(
        c,
        actor,
        Event {
            action: action.name(),
            target_type: "participant",
            target_id: row.id.as_str(),
            details: serde_json::json!({"from": row.status, "to": to, "reason": reason, "disbursements_moved": moved}),
        },
    )?;
    view(core, &load(c, card)?)
}

impl Core {
    /// Registers a holder who passed selection.
    pub async fn register_participant(
        &self,
        call: &Call,
        form: Registration,
    ) -> Result<ParticipantView, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, core| register(c, core, &actor, &form, None))
            .await
    }

    /// A holder's record; NIK and KK masked.
    pub async fn participant(&self, card: CardNumber) -> Result<ParticipantView, Error> {
        self.read(move |c, core| view(core, &load(c, &card)?)).await
    }

    /// The clear NIK and KK; the reason is written to the audit trail in the same transaction.
    pub async fn reveal_identity(
        &self,
        call: &Call,
        card: CardNumber,
        reason: String,
    ) -> Result<RevealedIdentity, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            let row = load(c, &card)?;
            audit::record(
                c,
                &actor,
                Event {
                    action: "participant.reveal_identity",
                    target_type: "participant",
                    target_id: row.id.as_str(),
                    details: serde_json::json!({"reason": reason}),
                },
            )?;
            Ok(RevealedIdentity {
                card_number: row.card_number.clone(),
                nik: open(core, &row.nik_cipher, &row.id)?,
                kk_number: open(core, &row.kk_cipher, &row.id)?,
            })
        })
        .await
    }

    /// Freezes, unfreezes or revokes a card.
    pub async fn change_card_status(
        &self,
        call: &Call,
        card: CardNumber,
        action: CardAction,
        reason: String,
    ) -> Result<ParticipantView, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            change_status(c, core, &actor, &card, action, &reason)
        })
        .await
    }
}
