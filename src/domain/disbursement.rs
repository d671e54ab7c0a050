//! An incentive payment's life, and what the holder sees of it (the seeds' statuses):
//! `scheduled` (Sedang Dijadwalkan) → `pending` (Menunggu Diproses) → `checking` (Dalam
//! Pengecekan) → `paid`, or `failed` with a reason, back to `scheduled` once the cause is fixed;
//! `held` (Dana Tertahan) while the card is frozen. Money has left only at `paid`; a payment is
//! sent only from `pending`, once, under its own id as the gateway's idempotency key.

use crate::error::{Error, ErrorCode};

super::stored_enum! {
    pub enum DisbursementKind ("disbursement kind") {
        /// One of the monthly post-training tranches.
        TrainingIncentive = "training_incentive",
        /// The incentive for one filled evaluation survey.
        SurveyIncentive = "survey_incentive",
    }
}

super::stored_enum! {
    pub enum DisbursementStatus ("disbursement status") {
        Scheduled = "scheduled",
        Pending = "pending",
        Checking = "checking",
        Paid = "paid",
        Failed = "failed",
        Held = "held",
    }
}

super::stored_enum! {
    /// Why a payment failed. The first three are found before sending; the rest come from the
    /// bank or e-wallet.
    pub enum FailureReason ("failure reason") {
        ReviewMissing = "review_missing",
        RatingMissing = "rating_missing",
        PayoutAccountMissing = "payout_account_missing",
        AccountInactive = "account_inactive",
        EwalletNotVerified = "ewallet_not_verified",
        KycMismatch = "kyc_mismatch",
        EwalletLimit = "ewallet_limit",
    }
}

impl DisbursementStatus {
    /// The label the holder's dashboard shows (the seeds' words).
    pub fn label_id(self) -> &'static str {
        match self {
            DisbursementStatus::Scheduled => "Sedang Dijadwalkan",
            DisbursementStatus::Pending => "Menunggu Diproses",
            DisbursementStatus::Checking => "Dalam Pengecekan",
            DisbursementStatus::Paid => "Berhasil Ditransfer",
            DisbursementStatus::Failed => "Gagal Ditransfer",
            DisbursementStatus::Held => "Dana Tertahan",
        }
    }

    /// Waiting to be sent: a freeze holds it. A failed payment is not held: it keeps its reason
    /// (the holder's fix is still needed), and once fixed it is held when it falls due.
    pub fn is_holdable(self) -> bool {
        matches!(
            self,
            DisbursementStatus::Scheduled | DisbursementStatus::Pending
        )
    }
}

impl FailureReason {
    /// What the holder does about it.
    pub fn remedy(self) -> &'static str {
        match self {
            FailureReason::ReviewMissing => "Write the training's review on the dashboard.",
            FailureReason::RatingMissing => "Rate the training on the dashboard.",
            FailureReason::PayoutAccountMissing => "Link a bank account or e-wallet.",
            // A bank's refusal is tried again only after an account is confirmed anew (the same
            // one once fixed, or another): the texts say so.
            FailureReason::AccountInactive => {
                "The account is inactive: link and confirm an active one; the payment is then tried again."
            }
            FailureReason::EwalletNotVerified => {
                "Upgrade the e-wallet (KYC: ID card and selfie), then link and confirm it again, or link a bank account."
            }
            FailureReason::KycMismatch => {
                "The e-wallet's KYC data differ from the card's: fix them and link and confirm it again, or link another account."
            }
            FailureReason::EwalletLimit => {
                "The e-wallet's balance limit was reached: make room and link and confirm it again, or link a bank account."
            }
        }
    }

    /// Found before sending (the holder's own step is missing), not by the gateway.
    pub fn is_precondition(self) -> bool {
        matches!(
            self,
            FailureReason::ReviewMissing
                | FailureReason::RatingMissing
                | FailureReason::PayoutAccountMissing
        )
    }
}

/// What the send rules read about the holder when a payment falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayFacts {
    pub rated: bool,
    pub reviewed: bool,
    pub payout_account: bool,
}

/// Whether a due payment may be sent: the first missing precondition, if any. A survey
/// incentive needs only the account.
pub fn missing_for(kind: DisbursementKind, f: PayFacts) -> Option<FailureReason> {
    if kind == DisbursementKind::TrainingIncentive {
        if !f.rated {
            return Some(FailureReason::RatingMissing);
        }
        if !f.reviewed {
            return Some(FailureReason::ReviewMissing);
        }
    }
    (!f.payout_account).then_some(FailureReason::PayoutAccountMissing)
}

/// A failed payment goes back to `scheduled` once its cause is fixed: the precondition is now
/// met, or (a gateway refusal) another account was confirmed after the failure.
pub fn cause_fixed(
    kind: DisbursementKind,
    reason: FailureReason,
    facts: PayFacts,
    account_changed_since: bool,
) -> bool {
    if reason.is_precondition() {
        missing_for(kind, facts).is_none()
    } else {
        account_changed_since && facts.payout_account
    }
}

/// The gateway's idempotency key of a payment's attempt: the payment's id for the first, and
/// `<id>.<attempt>` after the bank refused one (asking again under the first key would only
/// replay the refusal).
pub fn payout_key(id: &str, attempt: i32) -> String {
    match attempt {
        1 => id.to_string(),
        n => format!("{id}.{n}"),
    }
}

/// A result recorded by hand (reconciling a bank's statement): only for a payment that was sent
/// (`checking`); one still `pending` never reached the bank, so no statement can show it.
pub fn check_recordable(status: DisbursementStatus) -> Result<(), Error> {
    match status {
        DisbursementStatus::Checking => Ok(()),
        other => Err(ErrorCode::DisbursementNotInFlight.with(format!(
            "The payment is {other}; a result is recorded only for one being processed."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DisbursementKind::*;
    use FailureReason::*;

    fn facts(rated: bool, reviewed: bool, payout_account: bool) -> PayFacts {
        PayFacts {
            rated,
            reviewed,
            payout_account,
        }
    }

    #[test]
    fn a_training_tranche_needs_rating_review_and_an_account_a_survey_only_the_account() {
        assert_eq!(
            missing_for(TrainingIncentive, facts(false, false, false)),
            Some(RatingMissing)
        );
        assert_eq!(
            missing_for(TrainingIncentive, facts(true, false, true)),
            Some(ReviewMissing)
        );
        assert_eq!(
            missing_for(TrainingIncentive, facts(true, true, false)),
            Some(PayoutAccountMissing)
        );
        assert_eq!(
            missing_for(TrainingIncentive, facts(true, true, true)),
            None
        );
        assert_eq!(
            missing_for(SurveyIncentive, facts(false, false, true)),
            None
        );
    }

    #[test]
    fn a_failure_is_fixed_by_the_missing_step_or_by_a_new_account() {
        let ready = facts(true, true, true);
        assert!(cause_fixed(TrainingIncentive, ReviewMissing, ready, false));
        assert!(!cause_fixed(
            TrainingIncentive,
            ReviewMissing,
            facts(true, false, true),
            true
        ));
        assert!(!cause_fixed(
            TrainingIncentive,
            AccountInactive,
            ready,
            false
        ));
        assert!(cause_fixed(TrainingIncentive, AccountInactive, ready, true));
    }

    #[test]
    fn a_retried_payment_travels_under_a_new_key() {
        assert_eq!(payout_key("abc", 1), "abc");
        assert_eq!(payout_key("abc", 2), "abc.2");
    }

    #[test]
    fn each_status_has_its_dashboard_label() {
        assert_eq!(
            DisbursementStatus::Scheduled.label_id(),
            "Sedang Dijadwalkan"
        );
        assert_eq!(DisbursementStatus::Pending.label_id(), "Menunggu Diproses");
        assert_eq!(DisbursementStatus::Checking.label_id(), "Dalam Pengecekan");
        assert_eq!(DisbursementStatus::Held.label_id(), "Dana Tertahan");
        assert!(check_recordable(DisbursementStatus::Paid).is_err());
        assert!(check_recordable(DisbursementStatus::Pending).is_err());
        assert!(check_recordable(DisbursementStatus::Checking).is_ok());
    }
}
