//! `POST /v1/sandbox/holders`: a fresh test holder in any documented state, so a partner's script
//! can run again and again without using up the test cards. Made like a test card (the same use
//! cases, in one transaction, audited), with a random card, NIK, family card and phone no holder
//! has.

use chrono::{DateTime, FixedOffset};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::sandbox::{TEST_CARDS, TestCard, card};
use super::sandbox_seed::{SandboxParts, SeedHolder, seed_holder};
use super::{Call, Core, Inner};
use crate::crypto::IndexKind;
use crate::db::{self, DbConn, participants};
use crate::domain::participant::CardStatus;
use crate::domain::time::{to_wib, today_wib};
use crate::domain::{CardNumber, Nik, PhoneNumber, Rupiah};
use crate::error::{Error, ErrorCode};

/// A minted holder: everything a partner needs to use it at once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SandboxHolder {
    pub state: TestCard,
    /// The full number: validate it, sell to it, redeem with it.
    #[schema(value_type = String, example = "5891204417730364")]
    pub card_number: CardNumber,
    /// E.164: where its OTP SMS go; read them at `GET /v1/sandbox/sms?phone=`.
    #[schema(example = "+6281349120587")]
    pub phone: String,
    #[schema(example = "Budi Santoso")]
    pub holder_name: String,
    pub status: CardStatus,
    /// Training balance left, in rupiah.
    #[schema(value_type = i64, example = 1_000_000)]
    pub balance: Rupiah,
    pub purchase_deadline: DateTime<FixedOffset>,
    /// The voucher it bought, for the states with a training (sold by `sandbox-platform`, run by
    /// `sandbox-lpk`); else null.
    #[schema(example = "7KQ2-M9XD-4HTR-8WZ2")]
    pub voucher_code: Option<String>,
    /// The course of that voucher (the self-paced sandbox course).
    pub course_code: Option<String>,
}

const NAMES: &[&str] = &[
    "Ahmad Hidayat",
    "Putri Maharani",
    "Joko Susilo",
    "Nur Aini",
    "Bayu Saputra",
    "Lina Marlina",
    "Eko Prasetyo",
    "Wulan Sari",
];

/// `n` random decimal digits.
fn digits(rng: &mut impl Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A holder no one has: a random card (never a documented one), NIK (Bandung, born 1970-1999),
/// family card and phone (0813...), each checked against the store in the caller's transaction.
fn fresh_holder(c: &mut DbConn, core: &Inner) -> Result<SeedHolder, Error> {
    let mut rng = rand::rng();
    let documented: Vec<CardNumber> = TEST_CARDS.iter().map(|(p, ..)| card(p)).collect();
    let today = today_wib(db::now());
    let index = |kind, value: &str| core.cipher.blind_index(kind, value);
    for _ in 0..20 {
        let card = CardNumber::generate();
        let nik = format!(
            "327301{:02}{:02}{:02}{:04}",
            rng.random_range(1..=28u32),
            rng.random_range(1..=12u32),
            rng.random_range(70..=99u32),
            rng.random_range(1..=9999u32),
        );
        let kk = format!("327301{}", digits(&mut rng, 10));
        let phone = format!("0813{}", digits(&mut rng, 8));
        let e164 = PhoneNumber::parse(&phone)?;
        let nik_index = index(IndexKind::Nik, Nik::parse(&nik, today)?.as_str());
        let taken = documented.contains(&card)
            || participants::card_exists(c, &card)?
            || participants::nik_registered(c, &nik_index)?
            || db::sandbox::phone_taken(c, &index(IndexKind::Phone, e164.as_str()))?;
        if !taken {
            let name = NAMES[rng.random_range(0..NAMES.len())].to_string();
            return Ok(SeedHolder {
                card,
                nik,
                kk,
                phone,
                name,
            });
        }
    }
    Err(Error::internal("sandbox holder", "no free card number"))
}

impl Core {
    /// Mints a fresh holder in `state`; 404 when the sandbox is off.
    pub async fn mint_sandbox_holder(
        &self,
        call: &Call,
        state: TestCard,
    ) -> Result<SandboxHolder, Error> {
        if !self.sandbox {
            return Err(ErrorCode::SandboxDisabled.refusal());
        }
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            let parts = SandboxParts::find(c)?;
            let holder = fresh_holder(c, core)?;
            let order = format!("SANDBOX-HOLDER-{}", uuid::Uuid::new_v4().simple());
            let course = &parts.self_paced;
            let voucher = seed_holder(c, core, &actor, &parts, &holder, state, course, order)?;
            let row = participants::find_by_card(c, &holder.card)?
                .ok_or_else(|| Error::internal("sandbox holder", "vanished"))?;
            audit::record(
                c,
                &actor,
                Event {
                    action: "sandbox.holder.mint",
                    target_type: "participant",
                    target_id: row.id.as_str(),
                    details: serde_json::json!({"state": state, "card_last4": holder.card.last4()}),
                },
            )?;
            Ok(SandboxHolder {
                state,
                phone: PhoneNumber::parse(&holder.phone)?.as_str().to_string(),
                holder_name: row.full_name,
                status: row.status,
                balance: row.balance,
                purchase_deadline: to_wib(row.purchase_deadline),
                course_code: voucher.as_ref().map(|_| course.as_str().to_string()),
                voucher_code: voucher.map(|v| v.dashed()),
                card_number: holder.card,
            })
        })
        .await
    }
}
