//! Masking for personal data shown to someone who has not proven the holder present.

/// `3171************` style: the first 4 digits (region), the rest starred.
pub fn mask_digits(s: &str) -> String {
    let keep = s.chars().take(4).collect::<String>();
    format!("{keep}{}", "*".repeat(s.chars().count().saturating_sub(4)))
}

/// `************1234`: a card number's last four digits.
pub fn mask_card(card: &str) -> String {
    let tail: String = card
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("************{tail}")
}

/// `B**** S*******`: each word's first letter, the rest starred.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(String::from).unwrap_or_default();
            format!("{first}{}", "*".repeat(chars.count()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_initials() {
        assert_eq!(mask_name("Budi  Santoso"), "B*** S******");
        assert_eq!(mask_name("Siti"), "S***");
    }

    #[test]
    fn digits_keep_the_region_prefix() {
        assert_eq!(mask_digits("3171011508900001"), "3171************");
    }
}
