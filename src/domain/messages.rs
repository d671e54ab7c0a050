//! What the program tells a holder by SMS, in Indonesian. Each OTP says what it is for, so a code
//! asked for one act (a purchase at checkout) cannot be passed off as another (linking a bank
//! account) without the holder reading so.

use std::time::Duration;

use super::payout::{BANKS, PayoutKind, mask_account};

fn minutes(ttl: Duration) -> u64 {
    ttl.as_secs().div_ceil(60).max(1)
}

/// The OTP a platform asks for at checkout.
pub fn purchase_otp(code: &str, ttl: Duration) -> String {
    format!(
        "Kode OTP Kartu Prakerja Anda: {code}. Berlaku {} menit. JANGAN berikan kode ini kepada siapa pun.",
        minutes(ttl)
    )
}

/// The OTP that signs the holder in to their own dashboard.
pub fn session_otp(code: &str, ttl: Duration) -> String {
    format!(
        "Kode masuk dasbor Kartu Prakerja: {code}. Berlaku {} menit. Hanya untuk masuk ke akun Anda sendiri; JANGAN berikan kepada siapa pun, termasuk penjual pelatihan.",
        minutes(ttl)
    )
}

/// The OTP that confirms a new payout account, naming it.
pub fn payout_otp(code: &str, ttl: Duration, account: &str) -> String {
    format!(
        "Kode {code} untuk MENGGANTI rekening penerima insentif Kartu Prakerja ke {account}. Berlaku {} menit. Bukan Anda? Abaikan pesan ini dan JANGAN berikan kode ini kepada siapa pun.",
        minutes(ttl)
    )
}

/// Sent once a new payout account replaced the previous one.
pub fn payout_changed(account: &str) -> String {
    format!(
        "Rekening penerima insentif Kartu Prakerja Anda telah diganti ke {account}. Bukan Anda? Segera hubungi layanan Kartu Prakerja."
    )
}

/// `BCA ******7890`, `GoPay **********6789`: which account, without its number.
pub fn account_label(kind: PayoutKind, bank_code: Option<&str>, number: &str) -> String {
    let name = match kind {
        PayoutKind::Bank => bank_code
            .and_then(|code| BANKS.iter().find(|(c, _)| *c == code))
            .map(|(_, name)| short_bank(name))
            .unwrap_or("bank"),
        PayoutKind::Gopay => "GoPay",
        PayoutKind::Ovo => "OVO",
        PayoutKind::Linkaja => "LinkAja",
    };
    format!("{name} {}", mask_account(number))
}

/// `Bank Central Asia (BCA)` → `BCA`.
fn short_bank(name: &str) -> &str {
    name.rsplit_once('(')
        .and_then(|(_, short)| short.strip_suffix(')'))
        .unwrap_or(name)
}

/// The code in one of these messages (the first run of exactly six digits; no other number in
/// them is six plain digits: account numbers are masked), so the sandbox outbox can show it as a
/// field.
pub fn otp_in(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_of_every_otp_message_is_found_and_a_notice_has_none() {
        let ttl = Duration::from_secs(300);
        assert_eq!(otp_in(&purchase_otp("123456", ttl)), Some("123456"));
        assert_eq!(otp_in(&session_otp("654321", ttl)), Some("654321"));
        let account = account_label(PayoutKind::Bank, Some("014"), "1234567890");
        assert_eq!(otp_in(&payout_otp("111222", ttl, &account)), Some("111222"));
        assert_eq!(otp_in(&payout_changed(&account)), None);
    }

    fn six_digit_runs(text: &str) -> usize {
        text.split(|c: char| !c.is_ascii_digit())
            .filter(|run| run.len() == 6)
            .count()
    }

    #[test]
    fn each_message_carries_only_its_code_and_says_what_it_is_for() {
        let ttl = Duration::from_secs(300);
        let account = account_label(PayoutKind::Bank, Some("014"), "1234567890");
        assert_eq!(account, "BCA ******7890");
        for m in [
            purchase_otp("123456", ttl),
            session_otp("123456", ttl),
            payout_otp("123456", ttl, &account),
        ] {
            assert!(m.contains("123456") && m.contains("5 menit"), "{m}");
            assert_eq!(six_digit_runs(&m), 1, "{m}");
        }
        assert!(payout_otp("123456", ttl, &account).contains("BCA ******7890"));
        assert_eq!(
            account_label(PayoutKind::Gopay, None, "+6281234566789"),
            "GoPay **********6789"
        );
        assert_eq!(six_digit_runs(&payout_changed(&account)), 0);
    }
}
