//! Courses and their review, and the rules a schedule must meet.

use chrono::NaiveDateTime;

use crate::error::{ApiError, ErrorCode};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CourseMode {
    Online,
    Offline,
    Hybrid,
}

impl CourseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CourseMode::Online => "online",
            CourseMode::Offline => "offline",
            CourseMode::Hybrid => "hybrid",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "offline" => CourseMode::Offline,
            "hybrid" => CourseMode::Hybrid,
            _ => CourseMode::Online,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    PendingReview,
    Approved,
    Rejected,
}

impl CourseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CourseStatus::PendingReview => "pending_review",
            CourseStatus::Approved => "approved",
            CourseStatus::Rejected => "rejected",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "approved" => CourseStatus::Approved,
            "rejected" => CourseStatus::Rejected,
            _ => CourseStatus::PendingReview,
        }
    }

    /// Review happens once: only a pending course can be approved or rejected.
    pub fn review(self, approve: bool) -> Result<CourseStatus, ApiError> {
        match self {
            CourseStatus::PendingReview if approve => Ok(CourseStatus::Approved),
            CourseStatus::PendingReview => Ok(CourseStatus::Rejected),
            done => Err(ErrorCode::CourseNotReviewable
                .with(format!("The course is already {}.", done.as_str()))),
        }
    }

    /// Schedules may be added while pending or approved, never to a rejected course.
    pub fn accepts_schedules(self) -> Result<(), ApiError> {
        if self == CourseStatus::Rejected {
            return Err(
                ErrorCode::CourseRejected.with("The course was rejected; submit a new one.")
            );
        }
        Ok(())
    }
}

/// A run must end after it starts.
pub fn check_schedule_window(starts: NaiveDateTime, ends: NaiveDateTime) -> Result<(), ApiError> {
    if ends <= starts {
        return Err(ApiError::field(
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
    fn rejected_courses_take_no_schedules() {
        assert!(CourseStatus::Rejected.accepts_schedules().is_err());
        assert!(CourseStatus::PendingReview.accepts_schedules().is_ok());
    }
}
