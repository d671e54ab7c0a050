//! One sandbox holder in one of the documented states, made by the real use cases in the caller's
//! transaction: registered, then frozen, revoked or drained, or sold a training and walked through
//! it as far as the state says. The seed, the reset and the minting of fresh holders all come
//! through here, so a test card and a minted holder in the same state answer alike.

use chrono::{Duration, Utc};

use super::participants::{self as holders, NewParticipant, Registration};
use super::purchase::{self, BuyVoucher, Purchased};
use super::sandbox::{CLIENTS, SEED_COURSES, TestCard, card};
use super::{Actor, Inner};
use crate::db::card_validations::{self as validations, Validation};
use crate::db::{self, DbConn, participants};
use crate::domain::participant::CardAction;
use crate::domain::partner::PartnerKind;
use crate::domain::time::wib;
use crate::domain::validation::ValidationState;
use crate::domain::{CardNumber, CourseCode, PartnerId, Rupiah, ValidationId, VoucherCode, Who};
use crate::error::Error;

/// Who a sandbox holder is: the raw form values, checked by the registration like any other.
#[derive(Debug, Clone)]
pub struct SeedHolder {
    pub card: CardNumber,
    pub nik: String,
    pub kk: String,
    pub phone: String,
    pub name: String,
}

impl SeedHolder {
    /// The holder of the `i`-th documented test card (0-based), as the README lists it.
    pub fn documented(i: usize, payload: &str) -> Self {
        let names = [
            "Budi Santoso",
            "Siti Rahayu",
            "Agus Pratama",
            "Dewi Lestari",
            "Rina Wijaya",
        ];
        Self {
            card: card(payload),
            nik: format!("31710115089{:05}", i + 1),
            kk: format!("31710101012{:05}", i + 1),
            phone: format!("0812000000{:02}", i + 1),
            name: names[i % names.len()].into(),
        }
    }
}

/// What the seed made that a holder's training is bought from.
#[derive(Debug, Clone)]
pub struct SandboxParts {
    pub platform: PartnerId,
    pub lpk: PartnerId,
    /// The first seeded course, with a 30-seat run: what the documented "training in progress"
    /// card bought.
    pub scheduled: CourseCode,
    /// The self-paced one (no run, so no seat and no redeem window): what every other holder
    /// with a training bought.
    pub self_paced: CourseCode,
}

impl SandboxParts {
    /// The sandbox platform, LPK and seeded courses; not found when the database was not seeded.
    pub(crate) fn find(c: &mut DbConn) -> Result<Self, Error> {
        let missing = || Error::not_found("the sandbox seed (partners and courses)");
        let partner = |c: &mut DbConn, id: &str| -> Result<PartnerId, Error> {
            Ok(crate::db::partners::find_by_client_id(c, id)?
                .ok_or_else(missing)?
                .id)
        };
        let client_id = |kind: PartnerKind| {
            CLIENTS
                .iter()
                .find(|(.., k)| *k == kind)
                .map_or("", |(id, ..)| *id)
        };
        let platform = partner(c, client_id(PartnerKind::Platform))?;
        let lpk = partner(c, client_id(PartnerKind::Lpk))?;
        let course = |c: &mut DbConn, title: &str| -> Result<CourseCode, Error> {
            crate::db::sandbox::course_titled(c, &lpk, title)?.ok_or_else(missing)
        };
        let (first, self_paced) = SEED_COURSES;
        Ok(Self {
            scheduled: course(c, first)?,
            self_paced: course(c, self_paced)?,
            platform,
            lpk,
        })
    }

    /// The course a documented test card in `kind` bought.
    pub fn documented_course(&self, kind: TestCard) -> &CourseCode {
        match kind {
            TestCard::TrainingInProgress => &self.scheduled,
            _ => &self.self_paced,
        }
    }
}

/// Seeds `holder` in `kind`: registered by `actor`, then taken where `kind` says; a state with a
/// training buys `course` under the platform order id `order`. Returns that voucher's code.
#[allow(
    clippy::too_many_arguments,
    reason = "each is a different fact of the holder to make"
)]
pub(crate) fn seed_holder(
    c: &mut DbConn,
    core: &Inner,
    actor: &Actor,
    parts: &SandboxParts,
    holder: &SeedHolder,
    kind: TestCard,
    course: &CourseCode,
    order: String,
) -> Result<Option<VoucherCode>, Error> {
    register_in_state(c, core, actor, holder, kind)?;
    let after = match kind {
        TestCard::TrainingInProgress => false,
        TestCard::CompletedAwaitingReview
        | TestCard::ReviewedWithoutPayoutAccount
        | TestCard::ReadyForIncentive => true,
        TestCard::Active
        | TestCard::Frozen
        | TestCard::Revoked
        | TestCard::DeadlinePassed
        | TestCard::LowBalance => return Ok(None),
    };
    let on_behalf = |who: Who| Actor {
        who,
        request_id: actor.request_id.clone(),
    };
    let platform = on_behalf(Who::Platform(parts.platform.clone()));
    let voucher = buy_without_otp(c, &platform, &holder.card, course, order)?;
    if after {
        let lpk = on_behalf(Who::Lpk(parts.lpk.clone()));
        super::sandbox_trainings::seed_after_training(c, core, &lpk, &holder.card, &voucher, kind)?;
    }
    Ok(Some(voucher))
}

/// Registers the holder, then freezes, revokes or drains the card as `kind` says.
fn register_in_state(
    c: &mut DbConn,
    core: &Inner,
    actor: &Actor,
    holder: &SeedHolder,
    kind: TestCard,
) -> Result<(), Error> {
    let now = Utc::now().with_timezone(&wib());
    let passed_at = if kind == TestCard::DeadlinePassed {
        now - Duration::days(40)
    } else {
        now - Duration::days(1)
    };
    let form = NewParticipant {
        nik: holder.nik.clone(),
        kk_number: holder.kk.clone(),
        full_name: holder.name.clone(),
        phone: holder.phone.clone(),
        email: None,
        wave: 1,
        passed_at,
    };
    let reg = Registration::try_from(&form)?;
    let card = &holder.card;
    holders::register(c, core, actor, &reg, Some(card.clone()))?;
    let reason = "sandbox test card";
    match kind {
        TestCard::Frozen => drop(holders::change_status(
            c,
            core,
            actor,
            card,
            CardAction::Freeze,
            reason,
        )?),
        TestCard::Revoked => drop(holders::change_status(
            c,
            core,
            actor,
            card,
            CardAction::Revoke,
            reason,
        )?),
        TestCard::LowBalance => {
            let low = Rupiah::new(100_000).unwrap_or_default();
            participants::sandbox_set_balance(c, card, low)?;
        }
        TestCard::Active
        | TestCard::DeadlinePassed
        | TestCard::TrainingInProgress
        | TestCard::CompletedAwaitingReview
        | TestCard::ReviewedWithoutPayoutAccount
        | TestCard::ReadyForIncentive => {}
    }
    Ok(())
}

/// A voucher bought through the real purchase, with a validation recorded as verified (there is
/// no holder to read an OTP). The course's first run still on sale is taken, if it has one.
fn buy_without_otp(
    c: &mut DbConn,
    platform: &Actor,
    card: &CardNumber,
    course: &CourseCode,
    external_order_id: String,
) -> Result<VoucherCode, Error> {
    let Who::Platform(platform_id) = &platform.who else {
        return Err(Error::internal(
            "sandbox seed",
            "a purchase needs a platform",
        ));
    };
    let now = db::now();
    let holder =
        participants::find_by_card(c, card)?.ok_or_else(|| Error::not_found("test card"))?;
    let viewer = crate::domain::Viewer::Platform(platform_id.clone());
    let found = crate::db::courses::find_visible(c, &viewer, course)?
        .ok_or_else(|| Error::not_found("sandbox course"))?;
    let schedule = crate::db::courses::schedules(c, &found.id)?
        .into_iter()
        .find(|s| s.ends_at > now && s.seats_taken < s.quota);
    let row = Validation {
        id: ValidationId::new(),
        platform_id: platform_id.clone(),
        participant_id: holder.id,
        course_id: found.id,
        schedule_id: schedule.as_ref().map(|s| s.id.clone()),
        status: ValidationState::Verified,
        otp_hash: None,
        otp_expires_at: now,
        wrong_attempts: 0,
        resends: 0,
        last_sent_at: None,
        verified_at: Some(now),
        valid_until: Some(now + Duration::minutes(5)),
        used_at: None,
        created_at: now,
    };
    validations::insert(c, &row)?;
    let buy = BuyVoucher {
        validation: row.id,
        course: course.clone(),
        schedule: schedule.map(|s| s.schedule_code),
        external_order_id,
    };
    let voucher = match purchase::buy(c, platform, platform_id, &buy)? {
        Purchased::Created(v) | Purchased::Existing(v) => v,
    };
    VoucherCode::parse(&voucher.code)
}
