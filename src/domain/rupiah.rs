//! Money: whole rupiah, never negative, stored and sent as integers.

use serde::{Deserialize, Serialize};

/// The training balance every card starts with.
pub const TRAINING_BALANCE: Rupiah = Rupiah(1_000_000);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rupiah(i64);

impl Rupiah {
    /// Non-negative whole rupiah.
    pub fn new(amount: i64) -> Option<Self> {
        (amount >= 0).then_some(Self(amount))
    }

    pub fn amount(self) -> i64 {
        self.0
    }

    pub fn checked_sub(self, other: Rupiah) -> Option<Rupiah> {
        self.0.checked_sub(other.0).and_then(Rupiah::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_never_goes_negative() {
        assert!(Rupiah::new(-1).is_none());
        assert_eq!(
            TRAINING_BALANCE.checked_sub(Rupiah::new(400_000).unwrap()),
            Rupiah::new(600_000)
        );
        assert!(
            Rupiah::new(1)
                .unwrap()
                .checked_sub(TRAINING_BALANCE)
                .is_none()
        );
    }
}
