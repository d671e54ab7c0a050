//! Random public codes, read aloud and typed by people: no 0/O or 1/I.

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

/// A course code, `CRS-XXXXXXXX` (40 random bits: unique, not secret).
pub fn course_code() -> String {
    format!("CRS-{}", random_symbols(8))
}

/// A schedule code, `SCH-XXXXXXXX`.
pub fn schedule_code() -> String {
    format!("SCH-{}", random_symbols(8))
}

/// A partner's OAuth client id, e.g. `plt_XXXXXXXXXXXX`.
pub fn client_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_symbols(12).to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_only_the_unambiguous_alphabet() {
        let code = random_symbols(1000);
        assert!(!code.contains(['0', 'O', '1', 'I']));
        assert!(course_code().starts_with("CRS-") && course_code().len() == 12);
    }
}
