//! When a training counts as finished, and what the post-training incentive still waits for.
//!
//! DOMAIN.md: "A training counts as finished only when it is completed, certified, and
//! rated/reviewed by the participant"; a holder buys the next training only when the current one is
//! finished. A failed (`not_completed`) or voided training is finished as it stands.

use serde::{Deserialize, Serialize};

use super::voucher::VoucherStatus;
use crate::error::{Error, ErrorCode};

super::stored_enum! {
    /// One thing a training, or the incentive, still waits for.
    pub enum Missing ("missing step") {
        /// The LPK has not reported the training completed.
        Completion = "completion",
        /// The LPK's own certificate (the national one is not required).
        LpkCertificate = "lpk_certificate",
        /// The holder's rating.
        Rating = "rating",
        /// The holder's written review.
        Review = "review",
        /// A confirmed bank account or e-wallet (for the incentive only).
        PayoutAccount = "payout_account",
    }
}

/// What the rule reads of one of the holder's vouchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingFacts {
    pub status: VoucherStatus,
    pub lpk_certified: bool,
    pub reviewed: bool,
}

impl TrainingFacts {
    /// What keeps this training from being finished; empty when it is.
    pub fn missing(&self) -> Vec<Missing> {
        let after_completion = |t: &Self| {
            let mut m = Vec::new();
            if !t.lpk_certified {
                m.push(Missing::LpkCertificate);
            }
            if !t.reviewed {
                m.extend([Missing::Rating, Missing::Review]);
            }
            m
        };
        match self.status {
            VoucherStatus::NotCompleted | VoucherStatus::Voided => Vec::new(),
            VoucherStatus::Completed => after_completion(self),
            VoucherStatus::Issued | VoucherStatus::Redeemed => {
                let mut m = vec![Missing::Completion];
                m.extend(after_completion(self));
                m
            }
        }
    }

    pub fn finished(&self) -> bool {
        self.missing().is_empty()
    }
}

/// The next training may be bought only when every earlier one is finished; the refusal names
/// what the unfinished one still needs (`missing`).
pub fn check_finished(trainings: &[TrainingFacts]) -> Result<(), Error> {
    let Some(unfinished) = trainings.iter().find(|t| !t.finished()) else {
        return Ok(());
    };
    let missing = unfinished.missing();
    let names: Vec<&str> = missing.iter().map(|m| m.as_str()).collect();
    Err(ErrorCode::TrainingInProgress
        .with(format!(
            "The holder's current training is not finished: it still needs {}.",
            names.join(", ")
        ))
        .extra("missing", names))
}

/// The evaluation surveys open once one of the holder's trainings is completed.
pub fn surveys_open(trainings: &[TrainingFacts]) -> bool {
    trainings
        .iter()
        .any(|t| t.status == VoucherStatus::Completed)
}

/// What the post-training incentive waits for, and whether it waits for nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Readiness {
    /// True when nothing is missing: the first tranche can be scheduled.
    pub ready: bool,
    pub missing: Vec<Missing>,
}

/// Only the first training that reaches `completed` earns the incentive (DOMAIN.md): it needs its
/// LPK certificate, the holder's rating and review, and a confirmed payout account. `trainings`
/// in the order they were bought.
pub fn incentive_readiness(trainings: &[TrainingFacts], payout_account: bool) -> Readiness {
    let mut missing = match trainings
        .iter()
        .find(|t| t.status == VoucherStatus::Completed)
    {
        Some(first) => first.missing(),
        None => vec![
            Missing::Completion,
            Missing::LpkCertificate,
            Missing::Rating,
            Missing::Review,
        ],
    };
    if !payout_account {
        missing.push(Missing::PayoutAccount);
    }
    Readiness {
        ready: missing.is_empty(),
        missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Missing::*;
    use VoucherStatus::*;

    fn t(status: VoucherStatus, lpk_certified: bool, reviewed: bool) -> TrainingFacts {
        TrainingFacts {
            status,
            lpk_certified,
            reviewed,
        }
    }

    #[test]
    fn a_training_is_finished_when_failed_voided_or_completed_certified_and_reviewed() {
        assert!(t(NotCompleted, false, false).finished());
        assert!(t(Voided, false, false).finished());
        assert!(t(Completed, true, true).finished());
        assert!(!t(Completed, true, false).finished());
        assert!(!t(Completed, false, true).finished());
        assert!(!t(Redeemed, false, false).finished());
    }

    #[test]
    fn missing_names_each_step_left() {
        assert_eq!(
            t(Issued, false, false).missing(),
            [Completion, LpkCertificate, Rating, Review]
        );
        assert_eq!(
            t(Completed, false, false).missing(),
            [LpkCertificate, Rating, Review]
        );
        assert_eq!(t(Completed, true, false).missing(), [Rating, Review]);
        assert_eq!(t(Completed, false, true).missing(), [LpkCertificate]);
    }

    #[test]
    fn the_refusal_carries_the_missing_steps() {
        let e = check_finished(&[t(Voided, false, false), t(Completed, true, false)]).unwrap_err();
        assert_eq!(e.code, ErrorCode::TrainingInProgress);
        assert_eq!(e.extra["missing"], serde_json::json!(["rating", "review"]));
        assert!(check_finished(&[t(NotCompleted, false, false), t(Completed, true, true)]).is_ok());
        assert!(check_finished(&[]).is_ok());
    }

    #[test]
    fn only_the_first_completed_training_counts_for_the_incentive() {
        let none = incentive_readiness(&[t(Redeemed, false, false)], false);
        assert_eq!(
            none.missing,
            [Completion, LpkCertificate, Rating, Review, PayoutAccount]
        );
        // A failed first training does not count; the completed second one does.
        let second = incentive_readiness(
            &[t(NotCompleted, false, false), t(Completed, true, true)],
            true,
        );
        assert!(second.ready && second.missing.is_empty());
        // The first completed one decides, even if a later one is further along.
        let first =
            incentive_readiness(&[t(Completed, true, false), t(Completed, true, true)], true);
        assert_eq!(first.missing, [Rating, Review]);
        assert_eq!(
            incentive_readiness(&[t(Completed, true, true)], false).missing,
            [PayoutAccount]
        );
    }
}
