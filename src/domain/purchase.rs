//! Whether a card may buy a course now: the checks run before an OTP is sent and again, in the
//! purchase transaction, before money moves.

use chrono::{Duration, NaiveDateTime};

use super::participant::CardStatus;
use super::rupiah::Rupiah;
use super::training::{TrainingFacts, check_finished};
use crate::error::{Error, ErrorCode};

/// What the rules need to know about a card.
#[derive(Debug, Clone)]
pub struct CardFacts {
    pub status: CardStatus,
    pub purchase_deadline: NaiveDateTime,
    /// None until the first voucher is bought.
    pub first_purchase_at: Option<NaiveDateTime>,
    /// The card's vouchers, as the "finished" rule reads them.
    pub trainings: Vec<TrainingFacts>,
    pub balance: Rupiah,
}

/// What the rules need to know about a schedule.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleFacts {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub quota: i32,
    pub seats_taken: i32,
}

/// The card's own state: active, within the first-purchase deadline, no unfinished training.
pub fn check_card(card: &CardFacts, now: NaiveDateTime) -> Result<(), Error> {
    match card.status {
        CardStatus::Frozen => return Err(ErrorCode::CardFrozen.refusal()),
        CardStatus::Revoked => return Err(ErrorCode::CardRevoked.refusal()),
        CardStatus::Active => {}
    }
    if card.first_purchase_at.is_none() && now > card.purchase_deadline {
        return Err(ErrorCode::PurchaseDeadlinePassed.refusal());
    }
    check_finished(&card.trainings)
}

/// The balance must cover the price. The refusal names no amounts: before the OTP, the balance is
/// the holder's to tell.
pub fn check_balance(balance: Rupiah, price: Rupiah) -> Result<(), Error> {
    if balance < price {
        return Err(ErrorCode::InsufficientBalance.refusal());
    }
    Ok(())
}

/// A run can be sold until it ends, while seats are left.
pub fn check_schedule(s: &ScheduleFacts, now: NaiveDateTime) -> Result<(), Error> {
    if now >= s.ends_at {
        return Err(ErrorCode::ScheduleNotAvailable.with("That schedule has already ended."));
    }
    if s.seats_taken >= s.quota {
        return Err(ErrorCode::ScheduleFull.refusal());
    }
    Ok(())
}

/// A scheduled course is redeemed from 1 hour before its start until its end.
pub fn check_redeem_window(s: &ScheduleFacts, now: NaiveDateTime) -> Result<(), Error> {
    if now < s.starts_at - Duration::hours(1) || now > s.ends_at {
        return Err(ErrorCode::OutsideRedeemWindow.refusal());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + h * 3600, 0)
            .unwrap()
            .naive_utc()
    }

    fn card() -> CardFacts {
        CardFacts {
            status: CardStatus::Active,
            purchase_deadline: t(24),
            first_purchase_at: None,
            trainings: Vec::new(),
            balance: Rupiah::new(1_000_000).unwrap(),
        }
    }

    #[test]
    fn an_active_card_within_its_deadline_may_buy() {
        assert!(check_card(&card(), t(0)).is_ok());
    }

    #[test]
    fn frozen_revoked_late_and_busy_cards_are_refused_with_their_codes() {
        let cases = [
            (
                CardFacts {
                    status: CardStatus::Frozen,
                    ..card()
                },
                ErrorCode::CardFrozen,
            ),
            (
                CardFacts {
                    status: CardStatus::Revoked,
                    ..card()
                },
                ErrorCode::CardRevoked,
            ),
            (
                CardFacts {
                    purchase_deadline: t(-1),
                    ..card()
                },
                ErrorCode::PurchaseDeadlinePassed,
            ),
            (
                CardFacts {
                    trainings: vec![TrainingFacts {
                        status: crate::domain::voucher::VoucherStatus::Redeemed,
                        lpk_certified: false,
                        reviewed: false,
                    }],
                    ..card()
                },
                ErrorCode::TrainingInProgress,
            ),
        ];
        for (facts, code) in cases {
            assert_eq!(check_card(&facts, t(0)).unwrap_err().code, code);
        }
    }

    #[test]
    fn the_deadline_binds_only_the_first_purchase() {
        let repeat = CardFacts {
            purchase_deadline: t(-100),
            first_purchase_at: Some(t(-200)),
            ..card()
        };
        assert!(check_card(&repeat, t(0)).is_ok());
    }

    #[test]
    fn balance_must_cover_the_price() {
        let rp = |n| Rupiah::new(n).unwrap();
        assert!(check_balance(rp(500_000), rp(500_000)).is_ok());
        assert_eq!(
            check_balance(rp(100_000), rp(500_000)).unwrap_err().code,
            ErrorCode::InsufficientBalance
        );
    }

    #[test]
    fn the_redeem_window_opens_an_hour_before_the_start_and_closes_at_the_end() {
        let s = ScheduleFacts {
            starts_at: t(10),
            ends_at: t(20),
            quota: 1,
            seats_taken: 1,
        };
        assert!(check_redeem_window(&s, t(8)).is_err());
        assert!(check_redeem_window(&s, t(9)).is_ok());
        assert!(check_redeem_window(&s, t(20)).is_ok());
        assert!(check_redeem_window(&s, t(21)).is_err());
    }

    #[test]
    fn full_or_ended_schedules_are_not_sold() {
        let open = ScheduleFacts {
            starts_at: t(10),
            ends_at: t(20),
            quota: 2,
            seats_taken: 1,
        };
        assert!(check_schedule(&open, t(0)).is_ok());
        assert_eq!(
            check_schedule(
                &ScheduleFacts {
                    seats_taken: 2,
                    ..open
                },
                t(0)
            )
            .unwrap_err()
            .code,
            ErrorCode::ScheduleFull
        );
        assert_eq!(
            check_schedule(&open, t(20)).unwrap_err().code,
            ErrorCode::ScheduleNotAvailable
        );
    }
}
