//! Why management did something (froze a card, rejected a course, voided a voucher): the text kept
//! in the audit trail, whichever edge it came through.

use crate::error::Error;

/// The reason as kept: trimmed first, so blank padding never passes for a reason; 3 to 500
/// characters.
pub fn management_reason(raw: &str) -> Result<String, Error> {
    let text = raw.trim();
    if !(3..=500).contains(&text.chars().count()) {
        return Err(Error::field(
            "reason",
            "length",
            "reason is 3 to 500 characters.",
        ));
    }
    Ok(text.to_string())
}
