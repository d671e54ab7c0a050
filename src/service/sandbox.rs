//! The sandbox demo: seeded on an empty database when `PRAKERJA_SANDBOX=true`, never in production.
//! Credentials and test cards are fixed and documented in the README, so partners can integrate
//! every path without a real participant.

use chrono::{Duration, Utc};

use crate::auth::Role;
use crate::crypto::PiiCipher;
use crate::db::card_validations::ValidationRow;
use crate::db::{DbConn, participants, partners};
use crate::domain::CardNumber;
use crate::domain::course::CourseMode;
use crate::domain::participant::CardAction;
use crate::domain::time::wib;
use crate::error::ApiError;
use crate::service::audit::Actor;
use crate::service::courses::{self, NewCourse, NewSchedule};
use crate::service::participants::{self as holders, NewParticipant};
use crate::service::partners::{self as clients, Credentials};
use crate::service::purchase::{self, NewVoucher};

/// `(client_id, client_secret, name, role)` of the demo clients.
pub const CLIENTS: &[(&str, &str, &str, Role)] = &[
    (
        "sandbox-admin",
        "sandbox-admin-secret",
        "Sandbox PMO",
        Role::Admin,
    ),
    (
        "sandbox-platform",
        "sandbox-platform-secret",
        "Sandbox Platform",
        Role::Platform,
    ),
    (
        "sandbox-lpk",
        "sandbox-lpk-secret",
        "Sandbox LPK",
        Role::Lpk,
    ),
];

/// The documented test cards: the first 15 digits (the 16th is the Luhn check digit) and what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCard {
    Active,
    Frozen,
    Revoked,
    DeadlinePassed,
    LowBalance,
    TrainingInProgress,
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
];

/// The full card number of a test card.
pub fn card(payload: &str) -> CardNumber {
    CardNumber::complete(payload)
}

/// Seeds the demo when the database has no partner yet; returns the clients it created.
pub fn seed_if_empty(conn: &mut DbConn, cipher: &PiiCipher) -> Result<Vec<Credentials>, ApiError> {
    if partners::count(conn)? > 0 {
        return Ok(Vec::new());
    }
    let system = Actor::system("sandbox-seed");
    let mut created = Vec::new();
    for (id, secret, name, role) in CLIENTS {
        created.push(clients::create(
            conn,
            &system,
            name,
            *role,
            Some((id, secret)),
        )?);
    }
    let lpk = created
        .iter()
        .find(|c| c.role == Role::Lpk)
        .map(|c| c.partner_id.clone())
        .unwrap_or_default();
    let lpk_actor = Actor {
        id: lpk.clone(),
        role: "lpk".into(),
        request_id: None,
    };
    let platform = created
        .iter()
        .find(|c| c.role == Role::Platform)
        .map(|c| c.partner_id.clone())
        .unwrap_or_default();
    let starts = Utc::now().with_timezone(&wib()) + Duration::days(7);
    let mut first_course = None;
    for (title, price, mode) in [
        ("Digital Marketing untuk UMKM", 500_000, CourseMode::Online),
        ("Barista Profesional", 750_000, CourseMode::Offline),
    ] {
        let course = courses::submit(
            conn,
            &lpk_actor,
            &lpk,
            NewCourse {
                title: title.into(),
                description: format!("{title}: pelatihan sandbox untuk uji integrasi."),
                price,
                mode,
                duration_hours: 12,
                sessions: 4,
                platform_ids: vec![],
            },
        )?;
        courses::add_schedule(
            conn,
            &lpk_actor,
            &lpk,
            &course.course_code,
            NewSchedule {
                starts_at: starts,
                ends_at: starts + Duration::days(5),
                quota: 30,
            },
        )?;
        courses::review(conn, &system, &course.course_code, true, None)?;
        first_course.get_or_insert(course.course_code);
    }
    for (i, (payload, kind, _)) in TEST_CARDS.iter().enumerate() {
        seed_card(conn, cipher, &system, i, payload, *kind)?;
        if *kind == TestCard::TrainingInProgress {
            let code = first_course.clone().unwrap_or_default();
            buy_without_otp(conn, &platform, &card(payload), &code)?;
        }
    }
    Ok(created)
}

/// Sandbox only: a voucher bought through the real purchase transaction, with a validation recorded
/// as verified (there is no holder to read an OTP at seed time).
fn buy_without_otp(
    conn: &mut DbConn,
    platform_id: &str,
    card: &CardNumber,
    course_code: &str,
) -> Result<(), ApiError> {
    let now = crate::db::now();
    let holder = participants::find_by_card(conn, card.as_str())?
        .ok_or_else(|| ApiError::not_found("test card"))?;
    let course = crate::db::courses::find_visible(
        conn,
        &crate::db::courses::Viewer::Platform(platform_id),
        course_code,
    )?
    .ok_or_else(|| ApiError::not_found("sandbox course"))?;
    let schedule = crate::db::courses::schedules(conn, &course.id)?
        .into_iter()
        .next();
    let validation = ValidationRow {
        id: uuid::Uuid::now_v7().to_string(),
        platform_id: platform_id.into(),
        participant_id: holder.id,
        course_id: course.id,
        schedule_id: schedule.as_ref().map(|s| s.id.clone()),
        status: "verified".into(),
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
    crate::db::card_validations::insert(conn, &validation)?;
    let actor = Actor {
        id: platform_id.into(),
        role: "platform".into(),
        request_id: None,
    };
    purchase::purchase(
        conn,
        &actor,
        platform_id,
        &NewVoucher {
            card_validation_id: validation.id,
            course_code: course.course_code,
            schedule_code: schedule.map(|s| s.schedule_code),
            external_order_id: "SANDBOX-SEED-1".into(),
        },
    )?;
    Ok(())
}

fn seed_card(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    system: &Actor,
    i: usize,
    payload: &str,
    kind: TestCard,
) -> Result<(), ApiError> {
    let now = Utc::now().with_timezone(&wib());
    let passed_at = if kind == TestCard::DeadlinePassed {
        now - Duration::days(40)
    } else {
        now - Duration::days(1)
    };
    let card = card(payload);
    holders::register(
        conn,
        cipher,
        system,
        &NewParticipant {
            nik: format!("31710115089{:05}", i + 1),
            kk_number: format!("31710101012{:05}", i + 1),
            full_name: [
                "Budi Santoso",
                "Siti Rahayu",
                "Agus Pratama",
                "Dewi Lestari",
                "Rina Wijaya",
            ][i % 5]
                .into(),
            phone: format!("0812000000{:02}", i + 1),
            email: None,
            wave: 1,
            passed_at,
        },
        Some(card.clone()),
    )?;
    let reason = "sandbox test card";
    match kind {
        TestCard::Frozen => drop(holders::change_status(
            conn,
            cipher,
            system,
            &card,
            CardAction::Freeze,
            reason,
        )?),
        TestCard::Revoked => drop(holders::change_status(
            conn,
            cipher,
            system,
            &card,
            CardAction::Revoke,
            reason,
        )?),
        TestCard::LowBalance => drop(participants::sandbox_set_balance(
            conn,
            card.as_str(),
            100_000,
        )?),
        TestCard::Active | TestCard::DeadlinePassed | TestCard::TrainingInProgress => {}
    }
    Ok(())
}
