//! The three evaluation surveys a holder fills after the training (Rp50,000 each, DOMAIN.md).

use crate::error::Error;

/// Stored answers are bounded: a survey is a form, not an upload.
const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Which survey: 1, 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SurveyNumber(i32);

impl SurveyNumber {
    pub const ALL: [SurveyNumber; 3] = [SurveyNumber(1), SurveyNumber(2), SurveyNumber(3)];

    /// None for anything but 1, 2 or 3 (such a survey does not exist).
    pub fn parse(n: i64) -> Option<Self> {
        (1..=3).contains(&n).then_some(Self(n as i32))
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

/// A survey's answers: a non-empty JSON object of bounded size, kept as its JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers(String);

impl Answers {
    pub fn parse(value: &serde_json::Value) -> Result<Self, Error> {
        let bad = |code: &str, msg: &str| Error::field("answers", code, msg);
        match value.as_object() {
            Some(map) if !map.is_empty() => {}
            Some(_) => return Err(bad("empty", "answers has no answer.")),
            None => return Err(bad("type", "answers is a JSON object.")),
        }
        let text = value.to_string();
        if text.len() > MAX_ANSWER_BYTES {
            return Err(bad("length", "answers is at most 16 KiB."));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn there_are_three_surveys() {
        assert_eq!(SurveyNumber::parse(1).map(SurveyNumber::value), Some(1));
        assert_eq!(SurveyNumber::parse(3).map(SurveyNumber::value), Some(3));
        assert!(SurveyNumber::parse(0).is_none() && SurveyNumber::parse(4).is_none());
    }

    #[test]
    fn answers_are_a_non_empty_bounded_object() {
        assert!(Answers::parse(&json!({"q1": 5})).is_ok());
        assert!(Answers::parse(&json!({})).is_err());
        assert!(Answers::parse(&json!(["q1"])).is_err());
        assert!(Answers::parse(&json!({"q": "x".repeat(17_000)})).is_err());
    }
}
