//! The error reference partners act on: for each wire code, what it means (for the partner's
//! engineer) and what to tell the holder, in Bahasa Indonesia and English. `GET /errors` renders
//! it as the page each problem's `type` links to, `GET /errors.json` as data.
//!
//! Keyed by wire code, not by [`ErrorCode`] variant: several variants answer the same code
//! (`not_found`), and a partner maps on the code.

use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorCode;

/// What to tell the holder.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq)]
pub struct Remedy {
    /// In Bahasa Indonesia.
    #[schema(example = "Kode OTP sudah kedaluwarsa. Minta kode baru, lalu segera masukkan.")]
    pub id: &'static str,
    /// In English.
    #[schema(example = "The OTP has expired. Ask for a new one and enter it promptly.")]
    pub en: &'static str,
}

/// One code of the reference.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq)]
pub struct ErrorEntry {
    #[schema(example = "otp_expired")]
    pub code: &'static str,
    #[schema(example = 410)]
    pub status: u16,
    /// The problem's `title`.
    pub title: &'static str,
    /// When it is answered and what the partner should do about it.
    pub description: &'static str,
    pub remedy: Remedy,
}

/// One entry per wire code, in [`ErrorCode::ALL`]'s order. A code without a text here is left
/// out (a test proves none is).
pub fn reference() -> Vec<ErrorEntry> {
    let mut seen = std::collections::BTreeSet::new();
    ErrorCode::ALL
        .iter()
        .filter(|c| seen.insert(c.code()))
        .filter_map(|c| {
            let (_, description, id, en) = texts().find(|t| t.0 == c.code())?;
            Some(ErrorEntry {
                code: c.code(),
                status: c.status(),
                title: c.title(),
                description,
                remedy: Remedy { id, en },
            })
        })
        .collect()
}

/// `(code, description, remedy in Indonesian, remedy in English)`.
type Text = (&'static str, &'static str, &'static str, &'static str);

macro_rules! texts {
    ($($code:literal => ($description:literal, $id:literal, $en:literal)),+ $(,)?) => {
        pub(super) const TEXTS: &[super::Text] = &[$(($code, $description, $id, $en)),+];
    };
}

mod edge;
mod program;

fn texts() -> impl Iterator<Item = &'static Text> {
    edge::TEXTS.iter().chain(program::TEXTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_code_has_its_texts_once_each_a_sentence_in_both_languages() {
        let wire: std::collections::BTreeSet<&str> =
            ErrorCode::ALL.iter().map(|c| c.code()).collect();
        let codes: Vec<&str> = texts().map(|t| t.0).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len(), "a code has two entries");
        assert_eq!(sorted, wire.iter().copied().collect::<Vec<_>>());
        assert_eq!(reference().len(), wire.len());
        for (code, description, id, en) in texts() {
            for text in [description, id, en] {
                assert!(text.len() > 20 && text.ends_with('.'), "{code}: {text:?}");
            }
            assert_ne!(id, en, "{code}");
        }
    }

    #[test]
    fn variants_sharing_a_wire_code_share_its_status_and_title() {
        for a in ErrorCode::ALL {
            for b in ErrorCode::ALL.iter().filter(|b| b.code() == a.code()) {
                assert_eq!(
                    (a.status(), a.title()),
                    (b.status(), b.title()),
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
