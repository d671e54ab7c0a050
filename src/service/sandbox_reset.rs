//! `POST /v1/sandbox/reset`: the documented test cards back as the README describes them. Each is
//! wiped with everything made on it (validations, vouchers, completions, certificates, reviews,
//! surveys, payout accounts, payments, events, SMS) and seeded again by the seed's own code, in
//! one transaction. Minted holders, partners and courses stay as they are; seats taken by the
//! wiped vouchers go back to their runs; the audit trail keeps every row and records the reset.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::sandbox::{SEED_LOCK, TEST_CARDS, seed_order};
use super::sandbox_seed::{SandboxParts, SeedHolder, seed_holder};
use super::{Actor, Call, Core};
use crate::db::{self, participants};
use crate::domain::{CardNumber, PhoneNumber};
use crate::error::{Error, ErrorCode};

/// What a reset put back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SandboxReset {
    /// The documented test cards, each back in its documented state.
    #[schema(value_type = Vec<String>, example = json!(["5200000000000015", "5200000000000023"]))]
    pub cards: Vec<CardNumber>,
}

impl Core {
    /// Puts the documented test cards back in their documented states; 404 when the sandbox is
    /// off.
    pub async fn reset_sandbox(&self, call: &Call) -> Result<SandboxReset, Error> {
        if !self.sandbox {
            return Err(ErrorCode::SandboxDisabled.refusal());
        }
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            db::lock_for_transaction(c, SEED_LOCK)?;
            let parts = SandboxParts::find(c)?;
            // Seeded again as the seed made them: by the seed, so their trail reads alike.
            let seeder = Actor {
                request_id: actor.request_id.clone(),
                ..Actor::system("sandbox-seed")
            };
            let mut cards = Vec::new();
            for (i, (payload, kind, _)) in TEST_CARDS.iter().enumerate() {
                let holder = SeedHolder::documented(i, payload);
                if let Some(row) = participants::find_by_card(c, &holder.card)? {
                    let phone = PhoneNumber::parse(&holder.phone)?;
                    db::sandbox::wipe_holder(c, &row, phone.as_str())?;
                }
                let course = parts.documented_course(*kind);
                seed_holder(
                    c,
                    core,
                    &seeder,
                    &parts,
                    &holder,
                    *kind,
                    course,
                    seed_order(i),
                )?;
                cards.push(holder.card);
            }
            let last4: Vec<&str> = cards.iter().map(CardNumber::last4).collect();
            audit::record(
                c,
                &actor,
                Event {
                    action: "sandbox.reset",
                    target_type: "sandbox",
                    target_id: "test_cards",
                    details: serde_json::json!({"cards_last4": last4}),
                },
            )?;
            Ok(SandboxReset { cards })
        })
        .await
    }
}
