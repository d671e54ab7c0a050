//! What the LPK reports when a training ends, and the holder's review: values that exist only
//! when valid, and the rules on their times.

use chrono::{Duration, NaiveDateTime};

use super::voucher::VoucherStatus;
use crate::error::Error;

/// Reports may run a little ahead of our clock (the LPK's clock may be off).
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// A score of 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score(i32);

impl Score {
    pub fn parse(n: i64) -> Result<Self, Error> {
        match i32::try_from(n) {
            Ok(s) if (0..=100).contains(&s) => Ok(Self(s)),
            _ => Err(Error::field("score", "range", "score is 0 to 100.")),
        }
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

/// The LPK's report that a redeemed training ended: passed (`completed`) or not (`not_completed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    pub completed_at: NaiveDateTime,
    pub passed: bool,
    pub score: Score,
}

impl Completion {
    /// Whether a voucher already records exactly this report (so reporting it again is no change).
    pub fn is_recorded_as(
        &self,
        status: VoucherStatus,
        completed_at: Option<NaiveDateTime>,
        score: Option<i32>,
    ) -> bool {
        let reported = if self.passed {
            VoucherStatus::Completed
        } else {
            VoucherStatus::NotCompleted
        };
        status == reported
            && completed_at == Some(self.completed_at)
            && score == Some(self.score.value())
    }
}

/// A reported time must not lie ahead of now (beyond clock skew), nor before the redemption.
pub fn check_reported_at(
    field: &str,
    at: NaiveDateTime,
    redeemed_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), Error> {
    if at > now + CLOCK_SKEW {
        return Err(Error::field(
            field,
            "in_future",
            format!("{field} cannot be in the future."),
        ));
    }
    if redeemed_at.is_some_and(|r| at < r) {
        return Err(Error::field(
            field,
            "before_redemption",
            format!("{field} cannot be before the voucher was redeemed."),
        ));
    }
    Ok(())
}

super::stored_enum! {
    /// The LPK's own certificate, or the national (Kemnaker) one issued from the LPK's input.
    pub enum CertificateKind ("certificate kind") {
        Lpk = "lpk",
        National = "national",
    }
}

/// A certificate as the LPK reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub kind: CertificateKind,
    pub number: String,
    pub issued_at: NaiveDateTime,
    /// Where the holder downloads it: always https.
    pub url: String,
}

impl Certificate {
    /// Checks the number and the URL; the time is checked against the voucher by
    /// [`check_reported_at`].
    pub fn parse(
        kind: CertificateKind,
        number: &str,
        issued_at: NaiveDateTime,
        url: &str,
    ) -> Result<Self, Error> {
        let number = number.trim();
        if number.is_empty() || number.chars().count() > 100 || number.chars().any(char::is_control)
        {
            return Err(Error::field(
                "number",
                "length",
                "number is 1 to 100 printable characters.",
            ));
        }
        Ok(Self {
            kind,
            number: number.to_string(),
            issued_at,
            url: https_url(url)?,
        })
    }
}

impl Certificate {
    /// Whether a stored certificate of this kind is exactly this one.
    pub fn is_recorded_as(&self, number: &str, issued_at: NaiveDateTime, url: &str) -> bool {
        self.number == number && self.issued_at == issued_at && self.url == url
    }
}

/// An absolute `https://` URL with a host, at most 2,048 characters, kept as sent (trimmed): the
/// LPK reads back the URL it reported, byte for byte.
fn https_url(raw: &str) -> Result<String, Error> {
    let bad = |code: &str, msg: &str| Error::field("url", code, msg);
    let raw = raw.trim();
    if raw.len() > 2048 {
        return Err(bad("length", "url is at most 2048 characters."));
    }
    // Kept as sent: nothing the parser would silently drop (tabs, line breaks) may be in it.
    if raw.chars().any(char::is_control) {
        return Err(bad(
            "invalid_url",
            "url must not contain control characters.",
        ));
    }
    let url = url::Url::parse(raw).map_err(|_| bad("invalid_url", "url is not a valid URL."))?;
    if url.scheme() != "https" {
        return Err(bad("not_https", "url must be an https:// URL."));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("invalid_url", "url has no host."));
    }
    Ok(raw.to_string())
}

/// The holder's rating (1-5) and review (20-2000 characters) of a completed training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub rating: i32,
    pub text: String,
}

impl Review {
    pub fn parse(rating: i64, text: &str) -> Result<Self, Error> {
        let mut errors = Vec::new();
        let rating = match i32::try_from(rating) {
            Ok(r) if (1..=5).contains(&r) => r,
            _ => {
                errors.extend(Error::field("rating", "range", "rating is 1 to 5.").errors);
                0
            }
        };
        let text = text.trim();
        let chars = text.chars().count();
        if !(20..=2000).contains(&chars) {
            errors.extend(
                Error::field("review", "length", "review is 20 to 2000 characters.").errors,
            );
        }
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        Ok(Self {
            rating,
            text: text.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(m: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + m * 60, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn scores_are_zero_to_a_hundred() {
        assert!(Score::parse(0).is_ok() && Score::parse(100).is_ok());
        for bad in [-1, 101, i64::MAX] {
            assert_eq!(Score::parse(bad).unwrap_err().errors[0].field, "score");
        }
    }

    #[test]
    fn a_report_lies_between_the_redemption_and_now() {
        assert!(check_reported_at("completed_at", t(10), Some(t(0)), t(10)).is_ok());
        assert!(check_reported_at("completed_at", t(14), Some(t(0)), t(10)).is_ok());
        let future = check_reported_at("completed_at", t(16), Some(t(0)), t(10)).unwrap_err();
        assert_eq!(future.errors[0].code, "in_future");
        let early = check_reported_at("completed_at", t(-1), Some(t(0)), t(10)).unwrap_err();
        assert_eq!(early.errors[0].code, "before_redemption");
    }

    #[test]
    fn certificates_need_a_number_and_an_https_url() {
        let ok = Certificate::parse(CertificateKind::Lpk, " LPK-1 ", t(0), "https://lpk.id/c/1");
        assert_eq!(ok.unwrap().number, "LPK-1");
        let url = "https://LPK.id/c?n=<1>&q='x'";
        let kept = Certificate::parse(CertificateKind::Lpk, "A", t(0), url).map(|c| c.url);
        assert_eq!(kept.ok().as_deref(), Some(url), "kept as sent");
        let code = |n: &str, u: &str| {
            Certificate::parse(CertificateKind::Lpk, n, t(0), u)
                .unwrap_err()
                .errors[0]
                .code
                .clone()
        };
        assert_eq!(code("A", "http://lpk.id/c/1"), "not_https");
        assert_eq!(code("A", "lpk.id/c/1"), "invalid_url");
        assert_eq!(code("A", "https://lpk.id/c/\r\n1"), "invalid_url");
        assert_eq!(code("", "https://lpk.id"), "length");
        assert_eq!(code(&"9".repeat(101), "https://lpk.id"), "length");
    }

    #[test]
    fn reviews_are_rated_one_to_five_and_say_something() {
        assert!(Review::parse(5, "Materinya jelas dan praktis sekali.").is_ok());
        let both = Review::parse(6, "Bagus.").unwrap_err();
        let fields: Vec<_> = both.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rating", "review"]);
        assert!(Review::parse(0, &"a".repeat(20)).is_err());
        assert!(Review::parse(1, &"a".repeat(2001)).is_err());
    }
}
