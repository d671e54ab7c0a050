//! The sandbox demo: seeded on an empty database when `PRAKERJA_SANDBOX=true`, never in production.
//! Credentials and test cards are fixed and documented in the README, so partners can integrate
//! every path without a real participant. The seed goes through the same use cases as the API.

use chrono::{Duration, Utc};

use super::catalog::{NewCourse, NewSchedule, Review};
use super::participants::{self as holders, NewParticipant, Registration};
use super::partners::{self, ClientCredentials};
use super::purchase::{BuyVoucher, Purchased};
use super::{Actor, Call, Core};
use crate::db::card_validations::{self as validations, Validation};
use crate::db::{self, participants, write_tx};
use crate::domain::course::CourseMode;
use crate::domain::participant::CardAction;
use crate::domain::partner::PartnerKind;
use crate::domain::time::wib;
use crate::domain::validation::ValidationState;
use crate::domain::{CardNumber, CourseCode, PartnerId, Rupiah, ValidationId, VoucherCode, Who};
use crate::error::Error;

/// `(client_id, client_secret, name, kind)` of the demo clients.
pub const CLIENTS: &[(&str, &str, &str, PartnerKind)] = &[
    (
        "sandbox-admin",
        "sandbox-admin-secret",
        "Sandbox PMO",
        PartnerKind::Admin,
    ),
    (
        "sandbox-platform",
        "sandbox-platform-secret",
        "Sandbox Platform",
        PartnerKind::Platform,
    ),
    (
        "sandbox-lpk",
        "sandbox-lpk-secret",
        "Sandbox LPK",
        PartnerKind::Lpk,
    ),
];

/// The sandbox LPK's fixed key for signing Prakerja-compatible requests (README), so a partner
/// can try those endpoints at once.
pub const LPK_SIGNING_KEY: &str = "sandbox-lpk-signing-key";

/// The documented test cards: the first 15 digits (the 16th is the Luhn check digit) and what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCard {
    Active,
    Frozen,
    Revoked,
    DeadlinePassed,
    LowBalance,
    TrainingInProgress,
    /// Completed with the LPK certificate, not yet rated and reviewed.
    CompletedAwaitingReview,
    /// Finished (certified, reviewed), no payout account linked.
    ReviewedWithoutPayoutAccount,
    /// Finished and a payout account linked: the incentive waits for nothing.
    ReadyForIncentive,
}

pub const TEST_CARDS: &[(&str, TestCard, &str)] = &[
    ("520000000000001", TestCard::Active, "active, full balance"),
    ("520000000000002", TestCard::Frozen, "frozen (card_frozen)"),
    (
        "520000000000003",
        TestCard::Revoked,
        "revoked (card_revoked)",
    ),
    (
        "520000000000004",
        TestCard::DeadlinePassed,
        "passed 40 days ago, never bought (purchase_deadline_passed)",
    ),
    (
        "520000000000005",
        TestCard::LowBalance,
        "balance Rp100,000 (insufficient_balance)",
    ),
    (
        "520000000000006",
        TestCard::TrainingInProgress,
        "bought a training it has not finished (training_in_progress)",
    ),
    (
        "520000000000007",
        TestCard::CompletedAwaitingReview,
        "completed and certified, not reviewed (training_in_progress: rating, review)",
    ),
    (
        "520000000000008",
        TestCard::ReviewedWithoutPayoutAccount,
        "finished and reviewed, no payout account (incentive waits for payout_account)",
    ),
    (
        "520000000000009",
        TestCard::ReadyForIncentive,
        "finished, reviewed, BCA account linked (incentive ready)",
    ),
];

/// The full card number of a test card.
pub fn card(payload: &str) -> CardNumber {
    CardNumber::complete(payload)
}

/// Any fixed number: the lock two instances take to seed one empty database once.
const SEED_LOCK: i64 = 0x7361_6e64_626f_7821; // "sandbox!"

impl Core {
    /// Seeds the demo when the database has no partner yet; returns the clients it created.
    pub async fn seed_sandbox_if_empty(&self) -> Result<Vec<ClientCredentials>, Error> {
        let system = Actor::system("sandbox-seed");
        let seeder = system.clone();
        let created = self
            .write(move |c, core| {
                db::lock_for_transaction(c, SEED_LOCK)?;
                if crate::db::partners::count(c)? > 0 {
                    return Ok(Vec::new());
                }
                CLIENTS
                    .iter()
                    .map(|(id, secret, name, kind)| {
                        let given = partners::Given {
                            client_id: id,
                            client_secret: secret,
                            signing_key: Some(LPK_SIGNING_KEY),
                        };
                        partners::create(c, core, &seeder, name, *kind, Some(given))
                    })
                    .collect()
            })
            .await?;
        let partner = |kind: PartnerKind| {
            created
                .iter()
                .find(|c| c.kind == kind.role())
                .map(|c| c.id.clone())
        };
        let (Some(lpk), Some(platform)) =
            (partner(PartnerKind::Lpk), partner(PartnerKind::Platform))
        else {
            return Ok(created);
        };
        let (course, self_paced) = self.seed_courses(&system, &lpk).await?;
        for (i, (payload, kind, _)) in TEST_CARDS.iter().enumerate() {
            let card = card(payload);
            self.seed_card(&system, i, &card, *kind).await?;
            let order = format!("SANDBOX-SEED-{}", i + 1);
            match kind {
                TestCard::TrainingInProgress => {
                    self.buy_without_otp(&platform, &card, &course, order)
                        .await?;
                }
                TestCard::CompletedAwaitingReview
                | TestCard::ReviewedWithoutPayoutAccount
                | TestCard::ReadyForIncentive => {
                    let voucher = self
                        .buy_without_otp(&platform, &card, &self_paced, order)
                        .await?;
                    self.seed_after_training(&lpk, &card, voucher, *kind)
                        .await?;
                }
                _ => {}
            }
        }
        Ok(created)
    }

    /// Two approved courses of the sandbox LPK, each with a 30-seat run a week ahead, and a
    /// self-paced one (no schedule); the codes of the first and the self-paced one.
    async fn seed_courses(
        &self,
        system: &Actor,
        lpk: &PartnerId,
    ) -> Result<(CourseCode, CourseCode), Error> {
        let as_lpk = Call::by(Actor {
            who: Who::Lpk(lpk.clone()),
            request_id: None,
        });
        let starts = db::now() + Duration::days(7);
        let mut first = None;
        for (title, price, mode) in [
            ("Digital Marketing untuk UMKM", 500_000, CourseMode::Online),
            ("Barista Profesional", 750_000, CourseMode::Offline),
        ] {
            let course = self
                .submit_course(
                    &as_lpk,
                    NewCourse {
                        title: title.into(),
                        description: format!("{title}: pelatihan sandbox untuk uji integrasi."),
                        price: Rupiah::new(price).unwrap_or_default(),
                        mode,
                        duration_hours: 12,
                        sessions: 4,
                        platform_ids: vec![],
                    },
                )
                .await?;
            let schedule = NewSchedule {
                starts_at: starts,
                ends_at: starts + Duration::days(5),
                quota: 30,
            };
            self.add_schedule(&as_lpk, course.course_code.clone(), schedule)
                .await?;
            self.review_course(
                &Call::by(system.clone()),
                course.course_code.clone(),
                Review::Approve,
            )
            .await?;
            first.get_or_insert(course.course_code);
        }
        let self_paced = self
            .submit_course(
                &as_lpk,
                NewCourse {
                    title: "Microsoft Excel untuk Administrasi Kantor".into(),
                    description: "Belajar mandiri kapan saja: pelatihan sandbox tanpa jadwal."
                        .into(),
                    price: Rupiah::new(300_000).unwrap_or_default(),
                    mode: CourseMode::Online,
                    duration_hours: 8,
                    sessions: 4,
                    platform_ids: vec![],
                },
            )
            .await?;
        self.review_course(
            &Call::by(system.clone()),
            self_paced.course_code.clone(),
            Review::Approve,
        )
        .await?;
        let first = first.ok_or_else(|| Error::internal("sandbox seed", "no course"))?;
        Ok((first, self_paced.course_code))
    }

    async fn seed_card(
        &self,
        system: &Actor,
        i: usize,
        card: &CardNumber,
        kind: TestCard,
    ) -> Result<(), Error> {
        let now = Utc::now().with_timezone(&wib());
        let passed_at = if kind == TestCard::DeadlinePassed {
            now - Duration::days(40)
        } else {
            now - Duration::days(1)
        };
        let names = [
            "Budi Santoso",
            "Siti Rahayu",
            "Agus Pratama",
            "Dewi Lestari",
            "Rina Wijaya",
        ];
        let form = NewParticipant {
            nik: format!("31710115089{:05}", i + 1),
            kk_number: format!("31710101012{:05}", i + 1),
            full_name: names[i % names.len()].into(),
            phone: format!("0812000000{:02}", i + 1),
            email: None,
            wave: 1,
            passed_at,
        };
        let reg = Registration::try_from(&form)?;
        let (system, card) = (system.clone(), card.clone());
        self.write(move |c, core| {
            holders::register(c, core, &system, &reg, Some(card.clone()))?;
            let reason = "sandbox test card";
            match kind {
                TestCard::Frozen => drop(holders::change_status(
                    c,
                    core,
                    &system,
                    &card,
                    CardAction::Freeze,
                    reason,
                )?),
                TestCard::Revoked => drop(holders::change_status(
                    c,
                    core,
                    &system,
                    &card,
                    CardAction::Revoke,
                    reason,
                )?),
                TestCard::LowBalance => {
                    let low = Rupiah::new(100_000).unwrap_or_default();
                    participants::sandbox_set_balance(c, &card, low)?;
                }
                TestCard::Active
                | TestCard::DeadlinePassed
                | TestCard::TrainingInProgress
                | TestCard::CompletedAwaitingReview
                | TestCard::ReviewedWithoutPayoutAccount
                | TestCard::ReadyForIncentive => {}
            }
            Ok(())
        })
        .await
    }

    /// A voucher bought through the real purchase, with a validation recorded as verified (there is
    /// no holder to read an OTP at seed time).
    async fn buy_without_otp(
        &self,
        platform: &PartnerId,
        card: &CardNumber,
        course: &CourseCode,
        external_order_id: String,
    ) -> Result<VoucherCode, Error> {
        let (platform_id, card, code) = (platform.clone(), card.clone(), course.clone());
        let (validation, schedule) = self
            .read(move |c, _| {
                let now = db::now();
                let holder = participants::find_by_card(c, &card)?
                    .ok_or_else(|| Error::not_found("test card"))?;
                let viewer = crate::domain::Viewer::Platform(platform_id.clone());
                let course = crate::db::courses::find_visible(c, &viewer, &code)?
                    .ok_or_else(|| Error::not_found("sandbox course"))?;
                let schedule = crate::db::courses::schedules(c, &course.id)?
                    .into_iter()
                    .next();
                let row = Validation {
                    id: ValidationId::new(),
                    platform_id,
                    participant_id: holder.id,
                    course_id: course.id,
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
                write_tx(c, |c| validations::insert(c, &row))?;
                Ok((row.id, schedule.map(|s| s.schedule_code)))
            })
            .await?;
        let as_platform = Call::by(Actor {
            who: Who::Platform(platform.clone()),
            request_id: None,
        });
        let buy = BuyVoucher {
            validation,
            course: course.clone(),
            schedule,
            external_order_id,
        };
        let voucher = match self.buy_voucher(&as_platform, buy).await? {
            Purchased::Created(v) | Purchased::Existing(v) => v,
        };
        VoucherCode::parse(&voucher.code)
    }
}
