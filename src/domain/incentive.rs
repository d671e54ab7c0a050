//! The incentive engine: what a holder is owed and when. Only the first training that reaches
//! `completed` earns the post-training incentive (a later one earns nothing); its tranches are
//! scheduled once that training has its LPK certificate, a month apart, and each is paid when the
//! holder's rating, review and payout account are in place. Each filled survey earns its own
//! incentive. Amounts, tranche count and spacing come from the wave's scheme, so a wave with other
//! figures needs no code change.

use chrono::{Months, NaiveDate};

use super::disbursement::DisbursementKind;
use super::rupiah::Rupiah;
use super::training::TrainingFacts;
use super::voucher::VoucherStatus;
use super::working_days::Calendar;

/// A wave's incentive figures (the `incentive_schemes` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    pub training_amount: Rupiah,
    pub tranches: i32,
    pub tranche_months: i32,
    pub survey_amount: Rupiah,
    pub surveys: i32,
}

/// A payment that should exist: its kind, its number within the kind, amount and date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub kind: DisbursementKind,
    /// 1..tranches for the training incentive, the survey's number for a survey incentive.
    pub tranche: i32,
    pub amount: Rupiah,
    pub scheduled_for: NaiveDate,
}

/// Payment lands 3 to 5 working days after its scheduled date (the seeds): the latest of them.
pub const WORKING_DAYS_TO_PAY: u32 = 5;

pub fn expected_by(calendar: &Calendar, scheduled_for: NaiveDate) -> NaiveDate {
    calendar.add_working_days(scheduled_for, WORKING_DAYS_TO_PAY)
}

/// The training that earns the incentive: the first to reach `completed`, once it has its LPK
/// certificate (the tranches are scheduled from then on).
pub fn earning_training(trainings: &[TrainingFacts]) -> Option<&TrainingFacts> {
    trainings
        .iter()
        .find(|t| t.status == VoucherStatus::Completed)
        .filter(|t| t.lpk_certified)
}

/// The training tranches, the first on `first`, each next `tranche_months` later.
pub fn training_tranches(scheme: &Scheme, first: NaiveDate) -> Vec<Planned> {
    (1..=scheme.tranches)
        .map(|k| Planned {
            kind: DisbursementKind::TrainingIncentive,
            tranche: k,
            amount: scheme.training_amount,
            scheduled_for: first
                .checked_add_months(Months::new((scheme.tranche_months * (k - 1)) as u32))
                .unwrap_or(first),
        })
        .collect()
}

/// One incentive per filled survey (up to the scheme's count), scheduled the day it was filled.
pub fn survey_incentives(scheme: &Scheme, filled: &[(i32, NaiveDate)]) -> Vec<Planned> {
    filled
        .iter()
        // A wave whose scheme pays nothing for surveys schedules nothing (no Rp0 payments).
        .filter(|(n, _)| (1..=scheme.surveys).contains(n) && scheme.survey_amount > Rupiah::ZERO)
        .map(|(n, day)| Planned {
            kind: DisbursementKind::SurveyIncentive,
            tranche: *n,
            amount: scheme.survey_amount,
            scheduled_for: *day,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn todays() -> Scheme {
        Scheme {
            training_amount: Rupiah::new(600_000).unwrap(),
            tranches: 4,
            tranche_months: 1,
            survey_amount: Rupiah::new(50_000).unwrap(),
            surveys: 3,
        }
    }

    fn t(status: VoucherStatus, lpk_certified: bool) -> TrainingFacts {
        TrainingFacts {
            status,
            lpk_certified,
            reviewed: false,
        }
    }

    #[test]
    fn four_monthly_tranches_and_three_surveys_make_rp_2_550_000() {
        let tranches = training_tranches(&todays(), d("2026-12-31"));
        let dates: Vec<_> = tranches.iter().map(|p| p.scheduled_for).collect();
        assert_eq!(
            dates,
            [
                d("2026-12-31"),
                d("2027-01-31"),
                d("2027-02-28"),
                d("2027-03-31")
            ]
        );
        let surveys = survey_incentives(
            &todays(),
            &[
                (1, d("2027-01-02")),
                (2, d("2027-01-03")),
                (3, d("2027-01-04")),
                (4, d("2027-01-05")),
            ],
        );
        let total: i64 = tranches
            .iter()
            .chain(&surveys)
            .map(|p| p.amount.amount())
            .sum();
        assert_eq!(total, 2_550_000, "survey 4 does not exist");
    }

    #[test]
    fn only_the_first_completed_and_certified_training_earns() {
        use VoucherStatus::*;
        assert!(earning_training(&[t(Redeemed, false)]).is_none());
        assert!(
            earning_training(&[t(Completed, false)]).is_none(),
            "waits for the certificate"
        );
        assert!(earning_training(&[t(NotCompleted, false), t(Completed, true)]).is_some());
        // The first completed decides: a later certified one does not stand in for it.
        assert!(earning_training(&[t(Completed, false), t(Completed, true)]).is_none());
    }

    #[test]
    fn payment_is_expected_within_five_working_days() {
        let cal = Calendar::new([d("2027-01-01")]);
        assert_eq!(expected_by(&cal, d("2026-12-31")), d("2027-01-08"));
    }

    #[test]
    fn a_scheme_that_pays_nothing_for_surveys_schedules_no_survey_payment() {
        let scheme = Scheme {
            survey_amount: Rupiah::ZERO,
            ..todays()
        };
        assert!(survey_incentives(&scheme, &[(1, d("2026-12-01"))]).is_empty());
        assert_eq!(
            survey_incentives(&todays(), &[(1, d("2026-12-01"))]).len(),
            1
        );
    }

    #[test]
    fn another_wave_pays_other_figures_without_code() {
        let wave = Scheme {
            training_amount: Rupiah::new(700_000).unwrap(),
            tranches: 3,
            tranche_months: 2,
            ..todays()
        };
        let plan = training_tranches(&wave, d("2027-01-15"));
        assert_eq!(plan.len(), 3);
        assert_eq!(plan[2].scheduled_for, d("2027-05-15"));
        assert_eq!(plan[0].amount, Rupiah::new(700_000).unwrap());
    }
}
