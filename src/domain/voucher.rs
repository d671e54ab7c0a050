//! The voucher's one-way life: issued → redeemed → completed | not_completed, and issued → voided
//! (admin only). Partners never cancel a purchase.

use crate::error::{Error, ErrorCode};

super::stored_enum! {
    pub enum VoucherStatus ("voucher status") {
        Issued = "issued",
        Redeemed = "redeemed",
        Completed = "completed",
        NotCompleted = "not_completed",
        Voided = "voided",
    }
}

/// Sequence number of the post-test in attendance reports.
pub const POST_TEST_SEQUENCE: i32 = 999;

impl VoucherStatus {
    pub fn redeem(self) -> Result<VoucherStatus, Error> {
        match self {
            VoucherStatus::Issued => Ok(VoucherStatus::Redeemed),
            VoucherStatus::Voided => Err(ErrorCode::VoucherVoided.refusal()),
            _ => Err(ErrorCode::VoucherAlreadyRedeemed.refusal()),
        }
    }

    pub fn void(self) -> Result<VoucherStatus, Error> {
        match self {
            VoucherStatus::Issued => Ok(VoucherStatus::Voided),
            other => Err(ErrorCode::VoucherNotVoidable.with(format!(
                "The voucher is {other}; only an issued voucher can be voided."
            ))),
        }
    }

    /// The LPK's report that the training ended: passed → `completed`, else `not_completed`.
    pub fn complete(self, passed: bool) -> Result<VoucherStatus, Error> {
        match self {
            VoucherStatus::Redeemed if passed => Ok(VoucherStatus::Completed),
            VoucherStatus::Redeemed => Ok(VoucherStatus::NotCompleted),
            VoucherStatus::Issued => Err(ErrorCode::VoucherNotRedeemed.refusal()),
            VoucherStatus::Voided => Err(ErrorCode::VoucherVoided.refusal()),
            VoucherStatus::Completed | VoucherStatus::NotCompleted => {
                Err(ErrorCode::VoucherAlreadyCompleted.with(format!(
                    "The voucher is already {self}, with other values; a completion is reported once."
                )))
            }
        }
    }

    /// Certificates and the holder's review follow a passed training only.
    pub fn check_completed(self) -> Result<(), Error> {
        match self {
            VoucherStatus::Completed => Ok(()),
            other => Err(ErrorCode::VoucherNotCompleted.with(format!(
                "The voucher is {other}; this needs a completed (passed) training."
            ))),
        }
    }

    /// Attendance is reported for a redeemed voucher only.
    pub fn accepts_attendance(self) -> Result<(), Error> {
        match self {
            VoucherStatus::Redeemed => Ok(()),
            VoucherStatus::Issued => Err(ErrorCode::VoucherNotRedeemed.refusal()),
            VoucherStatus::Voided => Err(ErrorCode::VoucherVoided.refusal()),
            _ => Err(ErrorCode::VoucherAlreadyRedeemed.with("The training is already finished.")),
        }
    }
}

/// Sessions are numbered 1..=sessions; 999 is the post-test.
pub fn check_sequence(sequence: i32, sessions: i32) -> Result<(), Error> {
    if sequence == POST_TEST_SEQUENCE || (1..=sessions).contains(&sequence) {
        return Ok(());
    }
    Err(Error::field(
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
    fn only_a_redeemed_voucher_completes_and_only_once() {
        assert_eq!(Redeemed.complete(true).unwrap(), Completed);
        assert_eq!(Redeemed.complete(false).unwrap(), NotCompleted);
        let code = |s: VoucherStatus| s.complete(true).unwrap_err().code;
        assert_eq!(code(Issued), ErrorCode::VoucherNotRedeemed);
        assert_eq!(code(Voided), ErrorCode::VoucherVoided);
        assert_eq!(code(Completed), ErrorCode::VoucherAlreadyCompleted);
        assert_eq!(code(NotCompleted), ErrorCode::VoucherAlreadyCompleted);
        assert!(Completed.check_completed().is_ok());
        for s in [Issued, Redeemed, NotCompleted, Voided] {
            assert_eq!(
                s.check_completed().unwrap_err().code,
                ErrorCode::VoucherNotCompleted
            );
        }
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
