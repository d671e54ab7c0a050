//! The sandbox demo: seeded on an empty database when `PRAKERJA_SANDBOX=true`, never in production.
//! Credentials and test cards are fixed and documented in the README, so partners can integrate
//! every path without a real participant. The seed goes through the same use cases as the API.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::catalog::{NewCourse, NewSchedule, Review};
use super::partners::{self, ClientCredentials};
use super::sandbox_seed::{SandboxParts, SeedHolder, seed_holder};
use super::{Actor, Call, Core};
use crate::db;
use crate::domain::course::CourseMode;
use crate::domain::partner::PartnerKind;
use crate::domain::{CardNumber, PartnerId, Rupiah, Who};
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

/// The state of a documented test card (README), which a minted sandbox holder can be made in too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SandboxState)]
pub enum TestCard {
    #[default]
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

/// The documented test cards: the first 15 digits (the 16th is the Luhn check digit), their state
/// and what it does.
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

/// The titles of the seeded courses holders buy: the first (with a run) and the self-paced one.
pub const SEED_COURSES: (&str, &str) = (
    "Digital Marketing untuk UMKM",
    "Microsoft Excel untuk Administrasi Kantor",
);

/// The platform order id of the `i`-th test card's seeded voucher.
pub(super) fn seed_order(i: usize) -> String {
    format!("SANDBOX-SEED-{}", i + 1)
}

/// Any fixed number: the lock two instances take to seed one empty database once, and a reset
/// takes so that it never runs beside a seed or another reset.
pub(super) const SEED_LOCK: i64 = 0x7361_6e64_626f_7821; // "sandbox!"

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
        let Some(lpk) = partner(PartnerKind::Lpk) else {
            return Ok(created);
        };
        self.seed_courses(&system, &lpk).await?;
        self.write(move |c, core| {
            let parts = SandboxParts::find(c)?;
            for (i, (payload, kind, _)) in TEST_CARDS.iter().enumerate() {
                let holder = SeedHolder::documented(i, payload);
                let course = parts.documented_course(*kind);
                seed_holder(
                    c,
                    core,
                    &system,
                    &parts,
                    &holder,
                    *kind,
                    course,
                    seed_order(i),
                )?;
            }
            Ok(())
        })
        .await?;
        Ok(created)
    }

    /// Two approved courses of the sandbox LPK, each with a 30-seat run a week ahead, and a
    /// self-paced one (no schedule), titled as [`SEED_COURSES`] says.
    async fn seed_courses(&self, system: &Actor, lpk: &PartnerId) -> Result<(), Error> {
        let as_lpk = Call::by(Actor {
            who: Who::Lpk(lpk.clone()),
            request_id: None,
        });
        let starts = db::now() + Duration::days(7);
        let (first, self_paced) = SEED_COURSES;
        for (title, price, mode) in [
            (first, 500_000, CourseMode::Online),
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
        }
        let self_paced = self
            .submit_course(
                &as_lpk,
                NewCourse {
                    title: self_paced.into(),
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
        Ok(())
    }
}
