//! The 16-digit card number: a payment credential, so it is never printed in full by `Debug`.

use rand::Rng;

use super::digits::{exact_digits, luhn_check_digit, luhn_valid};
use crate::error::{Error, ErrorCode};

#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CardNumber(String);

impl CardNumber {
    /// Accepts 16 digits (spaces and dashes ignored) whose last digit is the Luhn check digit.
    /// A typo is caught here, before any database work.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let digits = exact_digits(s, 16).ok_or_else(|| {
            ErrorCode::InvalidCardNumber.with("A card number is exactly 16 digits.")
        })?;
        if !luhn_valid(&digits) {
            return Err(ErrorCode::InvalidCardNumber
                .with("The card number's check digit is wrong: check it for a typo."));
        }
        Ok(Self(digits))
    }

    /// A new random card number: 15 random digits (first non-zero) and a Luhn check digit.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let mut payload = String::with_capacity(16);
        payload.push(char::from(b'1' + rng.random_range(0..9u8)));
        for _ in 0..14 {
            payload.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
        Self::complete(&payload)
    }

    /// The card whose first 15 digits are `payload` (used for documented sandbox cards).
    pub fn complete(payload: &str) -> Self {
        let check = luhn_check_digit(payload);
        Self(format!("{payload}{check}"))
    }

    /// A number read back from the store, trusted as written.
    pub fn stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits (what the audit trail and logs may name).
    pub fn last4(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }

    /// `************1234`: what partners see before an OTP proves the holder present.
    pub fn masked(&self) -> String {
        super::mask::mask_card(&self.0)
    }
}

impl std::fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_numbers_parse_and_a_single_typo_is_rejected() {
        for _ in 0..200 {
            let card = CardNumber::generate();
            assert_eq!(card.as_str().len(), 16);
            assert!(CardNumber::parse(card.as_str()).is_ok());
            let mut typo: Vec<u8> = card.as_str().bytes().collect();
            typo[5] = if typo[5] == b'9' { b'0' } else { typo[5] + 1 };
            let typo = String::from_utf8(typo).unwrap();
            assert_eq!(
                CardNumber::parse(&typo).unwrap_err().code,
                ErrorCode::InvalidCardNumber
            );
        }
    }

    #[test]
    fn wrong_length_or_letters_are_invalid_card_numbers() {
        for bad in ["", "123", "12345678901234567", "1234abcd12345678"] {
            assert_eq!(
                CardNumber::parse(bad).unwrap_err().code,
                ErrorCode::InvalidCardNumber
            );
        }
    }

    #[test]
    fn masked_and_debug_show_only_the_last_four_digits() {
        let card = CardNumber::complete("123456789012345");
        assert_eq!(
            card.masked(),
            format!("************{}", &card.as_str()[12..])
        );
        assert!(!format!("{card:?}").contains(&card.as_str()[..12]));
    }
}
