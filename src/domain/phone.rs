//! Indonesian mobile numbers, normalised to E.164 (`+628...`).

use crate::error::Error;

#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `08..`, `628..` or `+628..`, with spaces, dashes or dots; 9 to 12 digits after `+62`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let cleaned: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let national = cleaned
            .strip_prefix("+62")
            .or_else(|| cleaned.strip_prefix("62"))
            .or_else(|| cleaned.strip_prefix('0'))
            .filter(|n| n.starts_with('8'))
            .filter(|n| (9..=12).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                Error::field(
                    "phone",
                    "invalid_phone",
                    "An Indonesian mobile number (08..., 628... or +628..., 10 to 13 digits) is required.",
                )
            })?;
        Ok(Self(format!("+62{national}")))
    }

    /// The E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `+62812****6789`: country and operator prefix, then the last four.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}{}{}", &self.0[..6], "*".repeat(n - 10), &self.0[n - 4..])
    }
}

impl std::fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_international_forms_normalise_to_e164() {
        for input in ["0812-3456-6789", "6281234566789", "+62 812 3456 6789"] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                "+6281234566789"
            );
        }
    }

    #[test]
    fn landlines_and_foreign_numbers_are_rejected() {
        for bad in [
            "021-5551234",
            "+6591234567",
            "0812",
            "08123456789012345",
            "08abc",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn masking_matches_the_contract_example() {
        assert_eq!(
            PhoneNumber::parse("081234566789").unwrap().masked(),
            "+62812****6789"
        );
    }
}
