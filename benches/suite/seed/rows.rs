//! One seeded holder's rows, built the way the server builds them: the registration parsed and
//! sealed by the crate's own `new_row` (NIK, KK, phone and email sealed, three blind indexes), a
//! card number and voucher codes with their check digits, three bought trainings (each with the
//! used card validation it was bought on), and for a holder in the due cohort a confirmed payout
//! account and the training incentive's tranches, the first due today.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use prakerja_api::crypto::{IndexKind, PiiCipher};
use prakerja_api::db::card_validations::Validation;
use prakerja_api::db::certificates::CertificateRow;
use prakerja_api::db::challenges::Challenge;
use prakerja_api::db::disbursements::Disbursement;
use prakerja_api::db::participants::Participant;
use prakerja_api::db::payout_accounts::PayoutAccount;
use prakerja_api::db::vouchers::Voucher;
use prakerja_api::domain::challenge::{ChallengeState, Purpose};
use prakerja_api::domain::completion::CertificateKind;
use prakerja_api::domain::disbursement::DisbursementStatus;
use prakerja_api::domain::incentive::{self, Scheme};
use prakerja_api::domain::payout::{PayoutAccountStatus, PayoutKind};
use prakerja_api::domain::validation::ValidationState;
use prakerja_api::domain::voucher::VoucherStatus;
use prakerja_api::domain::working_days::Calendar;
use prakerja_api::domain::{
    CardNumber, CertificateId, ChallengeId, CourseId, DisbursementId, PartnerId, PayoutAccountId,
    Rupiah, ValidationId, VoucherCode, VoucherId,
};
use prakerja_api::service::participants::{self, NewParticipant, Registration};

/// What every seeded holder shares: the sandbox's platform, its self-paced course, the incentive
/// scheme and the holiday calendar, the clock, and the numbers drawn so far (drawn at random like
/// the server's, so they are checked for repeats like the server checks its table).
pub struct Shared {
    pub cipher: PiiCipher,
    pub platform: PartnerId,
    pub lpk: PartnerId,
    pub course: CourseId,
    pub price: Rupiah,
    pub sessions: i32,
    pub scheme: Scheme,
    pub calendar: Calendar,
    pub now: NaiveDateTime,
    pub today: NaiveDate,
    pub cards: HashSet<String>,
    pub codes: HashSet<String>,
}

/// Rows of many holders, table by table, in the order they are written (parents first).
#[derive(Default)]
pub struct Batch {
    pub participants: Vec<Participant>,
    /// (kk_index, holders): two holders a family card, the most eligibility allows.
    pub families: Vec<(String, i32)>,
    pub validations: Vec<Validation>,
    pub vouchers: Vec<Voucher>,
    /// (voucher_id, sequence, attended_at)
    pub attendance: Vec<(VoucherId, i32, NaiveDateTime)>,
    pub certificates: Vec<CertificateRow>,
    pub challenges: Vec<Challenge>,
    pub accounts: Vec<PayoutAccount>,
    pub disbursements: Vec<Disbursement>,
}

/// A NIK for holder `i` (as benches/gen_holders.py): valid, distinct, born 1970-1999.
fn nik(i: usize) -> String {
    const PROVINCES: [&str; 9] = ["31", "32", "33", "34", "35", "36", "51", "61", "73"];
    let (serial, block) = (i % 9999 + 1, i / 9999);
    let day = block % 28 + 1 + if block % 2 == 1 { 40 } else { 0 };
    let month = (block / 28) % 12 + 1;
    let year = 70 + (block / 336) % 30;
    let district = (block / 10080) % 99 + 1;
    let province = PROVINCES[(block / 997_920) % PROVINCES.len()];
    format!("{province}73{district:02}{day:02}{month:02}{year:02}{serial:04}")
}

fn fresh<T>(seen: &mut HashSet<String>, draw: impl Fn() -> T, key: impl Fn(&T) -> &str) -> T {
    loop {
        let v = draw();
        if seen.insert(key(&v).to_string()) {
            return v;
        }
    }
}

/// The state of a holder's trainings: the due cohort completed its first (reviewed, rated,
/// certified); everyone else's first two ended `not_completed`; the third is spread over
/// issued, redeemed, voided (refunded) and not completed.
fn statuses(i: usize, due: bool) -> [VoucherStatus; 3] {
    use VoucherStatus::*;
    let third = [Issued, Redeemed, Voided, NotCompleted][i % 4];
    [
        if due { Completed } else { NotCompleted },
        NotCompleted,
        third,
    ]
}

impl Batch {
    /// Adds holder `i`; `due` puts it in the cohort whose incentive falls due today.
    pub fn holder(&mut self, s: &mut Shared, i: usize, due: bool) {
        let passed = s.now - Duration::days(120);
        let form = NewParticipant {
            nik: nik(i),
            kk_number: format!("3273{:012}", i / 2),
            full_name: "Peserta Gelombang Tujuh".into(),
            phone: format!("081{i:09}"),
            email: Some(format!("peserta{i}@example.com")),
            wave: 7,
            passed_at: passed.and_utc().fixed_offset(),
        };
        let reg = Registration::try_from(&form).expect("a valid seeded holder");
        let card = fresh(&mut s.cards, CardNumber::generate, CardNumber::as_str);
        let nik_index = s.cipher.blind_index(IndexKind::Nik, reg.nik.as_str());
        let kk_index = s.cipher.blind_index(IndexKind::Kk, reg.kk.as_str());
        if i % 2 == 0 {
            self.families.push((kk_index.clone(), 1));
        } else if let Some(last) = self.families.last_mut() {
            last.1 = 2;
        }
        let mut p = participants::new_row(&s.cipher, &reg, card, nik_index, kk_index, passed);
        let mut balance = p.initial_balance;
        for (k, status) in statuses(i, due).into_iter().enumerate() {
            let bought = passed + Duration::days(1 + 30 * k as i64);
            if status != VoucherStatus::Voided {
                balance = balance.checked_sub(s.price).expect("three trainings fit");
            }
            let v = self.training(s, &p, i, k, status, bought, balance);
            if k == 0 {
                p.first_purchase_at = Some(bought);
                if due {
                    self.payable(s, &p, &v);
                }
            }
        }
        p.balance = balance;
        p.updated_at = s.now;
        self.participants.push(p);
    }

    /// One training bought at `bought` and taken as far as `status` says.
    #[allow(
        clippy::too_many_arguments,
        reason = "one call site, all of them facts of one row"
    )]
    fn training(
        &mut self,
        s: &mut Shared,
        p: &Participant,
        i: usize,
        k: usize,
        status: VoucherStatus,
        bought: NaiveDateTime,
        balance_after: Rupiah,
    ) -> VoucherId {
        let validation = ValidationId::new();
        let sent = bought - Duration::minutes(3);
        self.validations.push(Validation {
            // Past the retention window (a day) the purge has cleared the code's hash.
            otp_hash: None,
            id: validation.clone(),
            platform_id: s.platform.clone(),
            participant_id: p.id.clone(),
            course_id: s.course.clone(),
            schedule_id: None,
            status: ValidationState::Used,
            otp_expires_at: sent + Duration::minutes(5),
            wrong_attempts: 0,
            resends: 0,
            last_sent_at: Some(sent),
            verified_at: Some(sent + Duration::minutes(1)),
            valid_until: Some(sent + Duration::minutes(16)),
            used_at: Some(bought),
            created_at: sent,
        });
        let id = VoucherId::new();
        let redeemed = (status != VoucherStatus::Issued && status != VoucherStatus::Voided)
            .then(|| bought + Duration::days(1));
        let ended = matches!(
            status,
            VoucherStatus::Completed | VoucherStatus::NotCompleted
        )
        .then(|| bought + Duration::days(10));
        let attended = match status {
            VoucherStatus::Completed => s.sessions,
            VoucherStatus::Redeemed | VoucherStatus::NotCompleted => 1,
            _ => 0,
        };
        for n in 1..=attended {
            self.attendance
                .push((id.clone(), n, bought + Duration::days(1 + i64::from(n))));
        }
        let completed = status == VoucherStatus::Completed;
        if completed {
            for kind in [CertificateKind::Lpk, CertificateKind::National] {
                let number = format!("NAT-{}-{i:07}", kind.as_str().to_uppercase());
                self.certificates.push(CertificateRow {
                    id: CertificateId::new(),
                    voucher_id: id.clone(),
                    lpk_id: s.lpk.clone(),
                    kind,
                    url: format!("https://lpk.example.com/certificates/{number}"),
                    number,
                    issued_at: ended.unwrap_or(s.now),
                    created_at: ended.unwrap_or(s.now),
                });
            }
        }
        self.vouchers.push(Voucher {
            id: id.clone(),
            code: fresh(&mut s.codes, VoucherCode::generate, VoucherCode::as_str),
            participant_id: p.id.clone(),
            course_id: s.course.clone(),
            schedule_id: None,
            platform_id: s.platform.clone(),
            lpk_id: s.lpk.clone(),
            card_validation_id: validation,
            external_order_id: format!("NAT-{i}-{k}"),
            amount: s.price,
            balance_after,
            status,
            issued_at: bought,
            redeemed_at: redeemed,
            completed_at: ended,
            voided_at: (status == VoucherStatus::Voided).then(|| bought + Duration::hours(2)),
            void_reason: (status == VoucherStatus::Voided).then(|| "customer_request".into()),
            score: ended.map(|_| if completed { 85 } else { 40 }),
            rating: completed.then_some(5),
            review: completed.then(|| "Materinya jelas dan bermanfaat.".into()),
            reviewed_at: ended.filter(|_| completed).map(|e| e + Duration::days(1)),
        });
        id
    }

    /// A confirmed bank account (its OTP challenge passed) and the training incentive's
    /// tranches, as the run schedules them, the first due today.
    fn payable(&mut self, s: &mut Shared, p: &Participant, voucher: &VoucherId) {
        let challenge = ChallengeId::new();
        let asked = s.now - Duration::days(30);
        self.challenges.push(Challenge {
            id: challenge.clone(),
            participant_id: p.id.clone(),
            purpose: Purpose::PayoutAccount,
            status: ChallengeState::Passed,
            otp_hash: None,
            otp_expires_at: asked + Duration::minutes(5),
            wrong_attempts: 0,
            created_at: asked,
            passed_at: Some(asked + Duration::minutes(1)),
        });
        let account = PayoutAccountId::new();
        self.accounts.push(PayoutAccount {
            account_cipher: s.cipher.encrypt(p.card_number.as_str(), account.as_str()),
            id: account,
            participant_id: p.id.clone(),
            challenge_id: challenge,
            kind: PayoutKind::Bank,
            bank_code: Some("002".into()),
            holder_name: p.full_name.clone(),
            status: PayoutAccountStatus::Active,
            created_at: asked,
            linked_at: Some(asked + Duration::minutes(1)),
            replaced_at: None,
        });
        for plan in incentive::training_tranches(&s.scheme, s.today) {
            self.disbursements.push(Disbursement {
                id: DisbursementId::new(),
                participant_id: p.id.clone(),
                voucher_id: Some(voucher.clone()),
                kind: plan.kind,
                tranche: plan.tranche,
                amount: plan.amount,
                status: DisbursementStatus::Scheduled,
                failure_reason: None,
                scheduled_for: plan.scheduled_for.format("%Y-%m-%d").to_string(),
                expected_by: incentive::expected_by(&s.calendar, plan.scheduled_for)
                    .format("%Y-%m-%d")
                    .to_string(),
                payout_account_id: None,
                sent_at: None,
                paid_at: None,
                failed_at: None,
                reference: None,
                attempt: 1,
                created_at: s.now,
                updated_at: s.now,
            });
        }
    }
}
