//! Voucher codes: 15 random symbols (75 bits from a CSPRNG) and a Luhn mod 32 check symbol, from an
//! alphabet without 0/O or 1/I, printed `XXXX-XXXX-XXXX-XXXX`, accepted in any case, with or
//! without dashes or spaces. The check symbol catches any single typo and most swaps.

use super::codes::{ALPHABET, random_symbols};
use crate::error::{Error, ErrorCode};

const RANDOM_LEN: usize = 15;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VoucherCode(String);

fn value(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|a| *a == c)
}

/// Luhn mod N over `values` (N = 32): the symbol that makes the whole sequence check.
fn check_value(values: &[usize]) -> usize {
    let n = ALPHABET.len();
    let mut factor = 2;
    let mut sum = 0;
    for v in values.iter().rev() {
        let addend = factor * v;
        sum += addend / n + addend % n;
        factor = if factor == 2 { 1 } else { 2 };
    }
    (n - sum % n) % n
}

impl VoucherCode {
    pub fn generate() -> Self {
        let body = random_symbols(RANDOM_LEN);
        let values: Vec<usize> = body.bytes().filter_map(value).collect();
        let check = char::from(ALPHABET[check_value(&values)]);
        Self(format!("{body}{check}"))
    }

    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = || ErrorCode::InvalidVoucherCode.refusal();
        let cleaned: String = s
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.len() != RANDOM_LEN + 1 {
            return Err(bad());
        }
        let values: Option<Vec<usize>> = cleaned.bytes().map(value).collect();
        let values = values.ok_or_else(bad)?;
        if check_value(&values[..RANDOM_LEN]) != values[RANDOM_LEN] {
            return Err(bad());
        }
        Ok(Self(cleaned))
    }

    /// A code read back from the store, trusted as written.
    pub fn stored(s: String) -> Self {
        Self(s)
    }

    /// The stored form: 16 symbols, no dashes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `XXXX-XXXX-XXXX-XXXX`: how partners and holders see it.
    pub fn dashed(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl std::fmt::Debug for VoucherCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VoucherCode({})", self.dashed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_in_any_case_with_or_without_dashes() {
        for _ in 0..200 {
            let code = VoucherCode::generate();
            let shown = code.dashed();
            assert_eq!(shown.len(), 19);
            assert_eq!(VoucherCode::parse(&shown).unwrap(), code);
            assert_eq!(VoucherCode::parse(&shown.to_lowercase()).unwrap(), code);
            assert_eq!(VoucherCode::parse(code.as_str()).unwrap(), code);
        }
    }

    #[test]
    fn every_single_symbol_typo_is_caught() {
        let code = VoucherCode::generate();
        for pos in 0..16 {
            for &sym in ALPHABET {
                let mut bytes = code.as_str().as_bytes().to_vec();
                if bytes[pos] == sym {
                    continue;
                }
                bytes[pos] = sym;
                let typo = String::from_utf8(bytes).unwrap();
                assert!(VoucherCode::parse(&typo).is_err(), "{typo} passed");
            }
        }
    }

    #[test]
    fn look_alike_and_wrong_length_codes_are_rejected() {
        assert!(VoucherCode::parse("0OI1-AAAA-AAAA-AAAA").is_err());
        assert!(VoucherCode::parse("ABCD").is_err());
    }
}
