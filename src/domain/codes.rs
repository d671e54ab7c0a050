//! Random public codes, read aloud and typed by people: no 0/O or 1/I. Course and schedule codes
//! are parsed once (trimmed, upper-cased, checked), so a lookup never normalises by hand.

use rand::Rng;

/// 32 symbols (5 bits each) with no look-alikes.
pub const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// `len` symbols from a CSPRNG (`rand::rng()` is a ChaCha generator seeded by the OS).
pub fn random_symbols(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A partner's OAuth client id, e.g. `plt_xxxxxxxxxxxx`.
pub fn client_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_symbols(12).to_ascii_lowercase())
}

/// `PREFIX-XXXXXXXX` over the alphabet, in any case and with surrounding spaces.
fn normalise(s: &str, prefix: &str) -> Option<String> {
    let code = s.trim().to_ascii_uppercase();
    let body = code.strip_prefix(prefix)?.strip_prefix('-')?;
    (body.len() == 8 && body.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

macro_rules! public_code {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        super::text_newtype!($(#[$doc])* $name);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh code (40 random bits: unique, not secret).
            pub fn generate() -> Self {
                Self(format!("{}-{}", $prefix, random_symbols(8)))
            }

            /// A code as a caller typed it; `None` when it cannot be one.
            pub fn parse(s: &str) -> Option<Self> {
                normalise(s, $prefix).map(Self)
            }
        }
    };
}

public_code!(
    /// A course's public code, `CRS-XXXXXXXX`.
    CourseCode,
    "CRS"
);
public_code!(
    /// A schedule's (a run of a course) public code, `SCH-XXXXXXXX`.
    ScheduleCode,
    "SCH"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_only_the_unambiguous_alphabet() {
        let code = random_symbols(1000);
        assert!(!code.contains(['0', 'O', '1', 'I']));
        let course = CourseCode::generate();
        assert!(course.as_str().starts_with("CRS-") && course.as_str().len() == 12);
    }

    #[test]
    fn codes_parse_in_any_case_and_refuse_other_shapes() {
        let code = CourseCode::generate();
        let typed = format!("  {}  ", code.as_str().to_lowercase());
        assert_eq!(CourseCode::parse(&typed), Some(code.clone()));
        assert_eq!(ScheduleCode::parse(code.as_str()), None, "wrong prefix");
        for bad in [
            "CRS-2345678",
            "CRS-23456789A",
            "CRS-0OI12345",
            "CRS23456789",
            "",
        ] {
            assert_eq!(CourseCode::parse(bad), None, "{bad}");
        }
    }
}
