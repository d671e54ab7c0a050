//! The voucher's one-way life: issued → redeemed → completed | not_completed, and issued → voided
//! (admin only). Partners never cancel a purchase.

use crate::error::{ApiError, ErrorCode};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    Issued,
    Redeemed,
    Completed,
    NotCompleted,
    Voided,
}

/// Sequence number of the post-test in attendance reports.
pub const POST_TEST_SEQUENCE: i32 = 999;

impl VoucherStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherStatus::Issued => "issued",
            VoucherStatus::Redeemed => "redeemed",
            VoucherStatus::Completed => "completed",
            VoucherStatus::NotCompleted => "not_completed",
            VoucherStatus::Voided => "voided",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "redeemed" => VoucherStatus::Redeemed,
            "completed" => VoucherStatus::Completed,
            "not_completed" => VoucherStatus::NotCompleted,
            "voided" => VoucherStatus::Voided,
            _ => VoucherStatus::Issued,
        }
    }

    /// Statuses in which the holder's training is not finished (they block the next purchase).
    pub const UNFINISHED: [&'static str; 2] = ["issued", "redeemed"];

    pub fn redeem(self) -> Result<VoucherStatus, ApiError> {
        match self {
            VoucherStatus::Issued => Ok(VoucherStatus::Redeemed),
            VoucherStatus::Voided => {
                Err(ErrorCode::VoucherVoided.with("The voucher was voided by program management."))
            }
            _ => Err(ErrorCode::VoucherAlreadyRedeemed.with("The voucher was already redeemed.")),
        }
    }

    pub fn void(self) -> Result<VoucherStatus, ApiError> {
        match self {
            VoucherStatus::Issued => Ok(VoucherStatus::Voided),
            other => Err(ErrorCode::VoucherNotVoidable.with(format!(
                "The voucher is {}; only an issued voucher can be voided.",
                other.as_str()
            ))),
        }
    }

    /// Attendance is reported for a redeemed voucher only.
    pub fn accepts_attendance(self) -> Result<(), ApiError> {
        match self {
            VoucherStatus::Redeemed => Ok(()),
            VoucherStatus::Issued => {
                Err(ErrorCode::VoucherNotRedeemed.with("Redeem the voucher first."))
            }
            VoucherStatus::Voided => Err(ErrorCode::VoucherVoided.with("The voucher was voided.")),
            _ => Err(ErrorCode::VoucherAlreadyRedeemed.with("The training is already finished.")),
        }
    }
}

/// Sessions are numbered 1..=sessions; 999 is the post-test.
pub fn check_sequence(sequence: i32, sessions: i32) -> Result<(), ApiError> {
    if sequence == POST_TEST_SEQUENCE || (1..=sessions).contains(&sequence) {
        return Ok(());
    }
    Err(ApiError::field(
        "sequence",
        "out_of_range",
        format!(
            "sequence is 1 to {sessions} (this course's sessions) or {POST_TEST_SEQUENCE} for the post-test."
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use VoucherStatus::*;

    #[test]
    fn only_an_issued_voucher_redeems_or_voids() {
        assert_eq!(Issued.redeem().unwrap(), Redeemed);
        assert_eq!(Issued.void().unwrap(), Voided);
        assert_eq!(
            Redeemed.redeem().unwrap_err().code,
            ErrorCode::VoucherAlreadyRedeemed
        );
        assert_eq!(Voided.redeem().unwrap_err().code, ErrorCode::VoucherVoided);
        assert_eq!(
            Redeemed.void().unwrap_err().code,
            ErrorCode::VoucherNotVoidable
        );
    }

    #[test]
    fn attendance_needs_a_redeemed_voucher_and_a_known_session() {
        assert!(Redeemed.accepts_attendance().is_ok());
        assert_eq!(
            Issued.accepts_attendance().unwrap_err().code,
            ErrorCode::VoucherNotRedeemed
        );
        assert!(
            check_sequence(1, 4).is_ok()
                && check_sequence(4, 4).is_ok()
                && check_sequence(999, 4).is_ok()
        );
        assert!(check_sequence(0, 4).is_err() && check_sequence(5, 4).is_err());
    }
}
