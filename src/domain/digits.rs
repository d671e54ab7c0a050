//! Shared checks for the program's fixed-length digit strings (card, NIK, KK).

/// `s` with spaces and dashes removed, if what is left is exactly `len` ASCII digits.
pub fn exact_digits(s: &str, len: usize) -> Option<String> {
    let cleaned: String = s.chars().filter(|c| *c != ' ' && *c != '-').collect();
    (cleaned.len() == len && cleaned.bytes().all(|b| b.is_ascii_digit())).then_some(cleaned)
}

/// The Luhn check digit that completes `payload` (digits only).
pub fn luhn_check_digit(payload: &str) -> u8 {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    ((10 - (sum % 10)) % 10) as u8
}

/// True when the last digit of `number` is the Luhn check digit of the rest.
pub fn luhn_valid(number: &str) -> bool {
    let (payload, check) = number.split_at(number.len() - 1);
    check.as_bytes()[0] - b'0' == luhn_check_digit(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_matches_the_textbook_example() {
        // 7992739871 has check digit 3 (the classic worked example).
        assert_eq!(luhn_check_digit("7992739871"), 3);
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
    }

    #[test]
    fn exact_digits_strips_separators_and_counts() {
        assert_eq!(
            exact_digits("1234-5678 9012", 12).as_deref(),
            Some("123456789012")
        );
        assert_eq!(exact_digits("12345", 6), None);
        assert_eq!(exact_digits("12a456", 6), None);
    }
}
