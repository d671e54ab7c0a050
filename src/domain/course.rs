//! Courses and their review, and the rules a schedule must meet.

use chrono::NaiveDateTime;

use crate::error::{Error, ErrorCode};

super::stored_enum! {
    // How a course is delivered.
    pub enum CourseMode ("course mode") {
        Online = "online",
        Offline = "offline",
        Hybrid = "hybrid",
    }
}

super::stored_enum! {
    // A course's review state: only approved courses are sold.
    pub enum CourseStatus ("course status") {
        PendingReview = "pending_review",
        Approved = "approved",
        Rejected = "rejected",
    }
}

impl CourseStatus {
    /// Review happens once: only a pending course can be approved or rejected.
    pub fn review(self, approve: bool) -> Result<CourseStatus, Error> {
        match self {
            CourseStatus::PendingReview if approve => Ok(CourseStatus::Approved),
            CourseStatus::PendingReview => Ok(CourseStatus::Rejected),
            done => {
                Err(ErrorCode::CourseNotReviewable.with(format!("The course is already {done}.")))
            }
        }
    }

    /// Schedules may be added while pending or approved, never to a rejected course.
    pub fn accepts_schedules(self) -> Result<(), Error> {
        if self == CourseStatus::Rejected {
            return Err(ErrorCode::CourseRejected.refusal());
        }
        Ok(())
    }
}

/// No card could pay more than its training balance.
pub fn check_price(price: super::Rupiah) -> Result<(), Error> {
    if price > super::rupiah::TRAINING_BALANCE {
        return Err(Error::field(
            "price",
            "range",
            "price cannot exceed the Rp1,000,000 training balance.",
        ));
    }
    Ok(())
}

/// A run must end after it starts, and not in the past.
pub fn check_new_schedule(
    starts: NaiveDateTime,
    ends: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), Error> {
    check_schedule_window(starts, ends)?;
    if ends <= now {
        return Err(Error::field(
            "ends_at",
            "in_past",
            "ends_at must be in the future.",
        ));
    }
    Ok(())
}

/// A run must end after it starts.
pub fn check_schedule_window(starts: NaiveDateTime, ends: NaiveDateTime) -> Result<(), Error> {
    if ends <= starts {
        return Err(Error::field(
            "ends_at",
            "ends_before_start",
            "ends_at must be after starts_at.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_course_is_reviewed_once() {
        assert_eq!(
            CourseStatus::PendingReview.review(true).unwrap(),
            CourseStatus::Approved
        );
        assert_eq!(
            CourseStatus::PendingReview.review(false).unwrap(),
            CourseStatus::Rejected
        );
        assert_eq!(
            CourseStatus::Approved.review(false).unwrap_err().code,
            ErrorCode::CourseNotReviewable
        );
    }

    #[test]
    fn stored_names_read_back_and_unknown_ones_fail() {
        for s in CourseStatus::ALL {
            assert_eq!(s.as_str().parse::<CourseStatus>().unwrap(), *s);
        }
        assert!("archived".parse::<CourseStatus>().is_err());
        assert!("".parse::<CourseMode>().is_err());
    }

    #[test]
    fn rejected_courses_take_no_schedules() {
        assert!(CourseStatus::Rejected.accepts_schedules().is_err());
        assert!(CourseStatus::PendingReview.accepts_schedules().is_ok());
    }
}
