//! Where incentives are paid: one bank account or e-wallet (GoPay, OVO, LinkAja) at a time. An
//! e-wallet must be registered to the card's own phone number (DOMAIN.md); a bank account names a
//! bank from the list below.

use super::participant::CardStatus;
use super::phone::PhoneNumber;
use crate::error::{Error, ErrorCode, FieldError};

super::stored_enum! {
    pub enum PayoutKind ("payout account kind") {
        Bank = "bank",
        Gopay = "gopay",
        Ovo = "ovo",
        Linkaja = "linkaja",
    }
}

super::stored_enum! {
    /// `pending_confirmation` until its OTP is entered; `replaced` once another account is confirmed.
    pub enum PayoutAccountStatus ("payout account status") {
        PendingConfirmation = "pending_confirmation",
        Active = "active",
        Replaced = "replaced",
    }
}

/// The banks incentives can be paid to: Bank Indonesia's three-digit bank codes.
pub const BANKS: &[(&str, &str)] = &[
    ("002", "Bank Rakyat Indonesia (BRI)"),
    ("008", "Bank Mandiri"),
    ("009", "Bank Negara Indonesia (BNI)"),
    ("011", "Bank Danamon"),
    ("013", "Bank Permata"),
    ("014", "Bank Central Asia (BCA)"),
    ("016", "Maybank Indonesia"),
    ("019", "Bank Panin"),
    ("022", "CIMB Niaga"),
    ("028", "OCBC NISP"),
    ("110", "Bank BJB"),
    ("111", "Bank DKI"),
    ("113", "Bank Jateng"),
    ("114", "Bank Jatim"),
    ("147", "Bank Muamalat"),
    ("200", "Bank Tabungan Negara (BTN)"),
    ("213", "Bank SMBC Indonesia"),
    ("426", "Bank Mega"),
    ("451", "Bank Syariah Indonesia (BSI)"),
];

/// An account as the holder submits it, checked; the e-wallet rule needs the card's phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayoutAccount {
    pub kind: PayoutKind,
    pub bank_code: Option<String>,
    /// Bank: the digits. E-wallet: the phone number in E.164.
    pub account_number: String,
    pub holder_name: String,
}

impl NewPayoutAccount {
    pub fn parse(
        kind: PayoutKind,
        bank_code: Option<&str>,
        account_number: &str,
        holder_name: &str,
        registered_phone: &PhoneNumber,
    ) -> Result<Self, Error> {
        let mut errors: Vec<FieldError> = Vec::new();
        let mut field = |f: &str, code: &str, msg: &str| {
            errors.extend(Error::field(f, code, msg).errors);
        };
        let holder_name = holder_name.split_whitespace().collect::<Vec<_>>().join(" ");
        if holder_name.is_empty() || holder_name.chars().count() > 100 {
            field(
                "holder_name",
                "length",
                "holder_name is 1 to 100 characters.",
            );
        }
        let bank_code = bank_code.map(str::trim);
        let account_number = match kind {
            PayoutKind::Bank => {
                if bank_code.is_none() {
                    field("bank_code", "required", "A bank account needs bank_code.");
                }
                let digits: String = account_number
                    .chars()
                    .filter(|c| !matches!(c, ' ' | '-' | '.'))
                    .collect();
                if !(6..=20).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    field(
                        "account_number",
                        "invalid_account_number",
                        "A bank account number is 6 to 20 digits.",
                    );
                }
                digits
            }
            PayoutKind::Gopay | PayoutKind::Ovo | PayoutKind::Linkaja => {
                if bank_code.is_some() {
                    field(
                        "bank_code",
                        "not_allowed",
                        "An e-wallet has no bank_code; leave it out.",
                    );
                }
                match PhoneNumber::parse(account_number) {
                    Ok(phone) => phone.as_str().to_string(),
                    Err(_) => {
                        field(
                            "account_number",
                            "invalid_phone",
                            "An e-wallet number is its Indonesian mobile number.",
                        );
                        String::new()
                    }
                }
            }
        };
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        if let Some(code) = bank_code
            && !BANKS.iter().any(|(c, _)| *c == code)
        {
            return Err(ErrorCode::UnknownBankCode.with(format!(
                "{code:?} is not a supported bank code; supported: {}.",
                BANKS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            )));
        }
        if kind != PayoutKind::Bank && account_number != registered_phone.as_str() {
            return Err(ErrorCode::EwalletPhoneMismatch.refusal());
        }
        Ok(Self {
            kind,
            bank_code: bank_code.map(String::from),
            account_number,
            holder_name,
        })
    }
}

/// A frozen or revoked card's payout account cannot change: a fraud hold must not be the moment
/// its incentive is redirected.
pub fn check_card_may_link(status: CardStatus) -> Result<(), Error> {
    match status {
        CardStatus::Active => Ok(()),
        CardStatus::Frozen => Err(ErrorCode::CardFrozen.refusal()),
        CardStatus::Revoked => Err(ErrorCode::CardRevoked.refusal()),
    }
}

/// `******7890`: all but the last four characters starred.
pub fn mask_account(number: &str) -> String {
    let n = number.chars().count();
    number
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("081234566789").unwrap()
    }

    #[test]
    fn a_bank_account_names_a_known_bank_and_digits() {
        let ok = NewPayoutAccount::parse(
            PayoutKind::Bank,
            Some("014"),
            "1234-567-890",
            " Budi  Santoso ",
            &phone(),
        )
        .unwrap();
        assert_eq!(
            (ok.account_number.as_str(), ok.holder_name.as_str()),
            ("1234567890", "Budi Santoso")
        );
        let unknown =
            NewPayoutAccount::parse(PayoutKind::Bank, Some("999"), "1234567890", "B", &phone());
        assert_eq!(unknown.unwrap_err().code, ErrorCode::UnknownBankCode);
        let missing =
            NewPayoutAccount::parse(PayoutKind::Bank, None, "12", "", &phone()).unwrap_err();
        let fields: Vec<_> = missing.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["holder_name", "bank_code", "account_number"]);
    }

    #[test]
    fn an_ewallet_is_the_cards_own_phone() {
        for number in ["081234566789", "+6281234566789", "62 812 3456 6789"] {
            let ok = NewPayoutAccount::parse(PayoutKind::Gopay, None, number, "Budi", &phone());
            assert_eq!(ok.unwrap().account_number, "+6281234566789");
        }
        let other = NewPayoutAccount::parse(PayoutKind::Ovo, None, "081299998888", "B", &phone());
        assert_eq!(other.unwrap_err().code, ErrorCode::EwalletPhoneMismatch);
        let with_bank =
            NewPayoutAccount::parse(PayoutKind::Ovo, Some("014"), "081234566789", "B", &phone());
        assert_eq!(with_bank.unwrap_err().errors[0].field, "bank_code");
    }

    #[test]
    fn masks_keep_the_last_four() {
        assert_eq!(mask_account("1234567890"), "******7890");
        assert_eq!(mask_account("+6281234566789"), "**********6789");
        assert_eq!(mask_account("123"), "123");
    }
}
