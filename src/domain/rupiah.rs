//! Money: whole rupiah, never negative, stored and sent as integers.

use serde::{Deserialize, Serialize};

/// The training balance every card starts with.
pub const TRAINING_BALANCE: Rupiah = Rupiah(1_000_000);

/// A non-negative amount of whole rupiah. Arithmetic is checked: money never wraps or goes below
/// zero silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Rupiah(i64);

impl Rupiah {
    pub const ZERO: Rupiah = Rupiah(0);

    /// Non-negative whole rupiah.
    pub const fn new(amount: i64) -> Option<Self> {
        if amount >= 0 {
            Some(Self(amount))
        } else {
            None
        }
    }

    pub fn amount(self) -> i64 {
        self.0
    }

    /// The amount by reference, for binding it in a query.
    pub fn as_i64(&self) -> &i64 {
        &self.0
    }

    pub fn checked_sub(self, other: Rupiah) -> Option<Rupiah> {
        self.0.checked_sub(other.0).and_then(Rupiah::new)
    }

    pub fn checked_add(self, other: Rupiah) -> Option<Rupiah> {
        self.0.checked_add(other.0).map(Rupiah)
    }
}

/// Amounts arrive as JSON integers; a negative one is refused where it is read.
impl<'de> Deserialize<'de> for Rupiah {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        Rupiah::new(n).ok_or_else(|| serde::de::Error::custom("an amount cannot be negative"))
    }
}

impl TryFrom<i64> for Rupiah {
    type Error = super::UnknownValue;

    fn try_from(n: i64) -> Result<Self, Self::Error> {
        Rupiah::new(n).ok_or_else(|| super::UnknownValue::new("amount", &n.to_string()))
    }
}

impl std::fmt::Display for Rupiah {
    /// `Rp1.000.000`, as amounts are written in Indonesia.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.0.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push('.');
            }
            out.push(c);
        }
        write!(f, "Rp{out}")
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
        assert!(serde_json::from_str::<Rupiah>("-5").is_err());
    }

    #[test]
    fn amounts_print_the_indonesian_way() {
        assert_eq!(TRAINING_BALANCE.to_string(), "Rp1.000.000");
        assert_eq!(Rupiah::new(50_000).unwrap().to_string(), "Rp50.000");
        assert_eq!(Rupiah::ZERO.to_string(), "Rp0");
    }
}
