//! Request signatures of the Prakerja-compatible LPK endpoints, as Prakerja's own redeem-code API
//! defines them: lowercase hex HMAC-SHA1, under the LPK's signing key, of
//! `client_code + timestamp + METHOD + path + body` (plain concatenation).
//!
//! SHA-1 is that API's choice, kept so existing integrations move by changing only the host; as an
//! HMAC it is still unforgeable without the key. The rest of this API signs with SHA-256.

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

use crate::error::{Error, ErrorCode};

/// How far a request's `timestamp` may be from our clock, either way (seconds). A signature is
/// accepted once within it (replays are refused), and after it not at all.
pub const WINDOW_SECONDS: i64 = 300;

/// What a signature covers, as the request carried it.
pub struct Signed<'a> {
    pub client_code: &'a str,
    pub timestamp: &'a str,
    /// Uppercase, as on the wire (`POST`).
    pub method: &'a str,
    /// The path without the query (`/api/v1/integration/payment/redeem-code/status`).
    pub path: &'a str,
    pub body: &'a [u8],
}

/// A new signing key: 32 random bytes, base64url, prefixed so a leaked key is recognisable. The
/// key is this text: HMAC takes its bytes as they are.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "sgk_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn mac(key: &[u8], s: &Signed<'_>, body: &[u8]) -> Hmac<Sha1> {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in [s.client_code, s.timestamp, s.method, s.path] {
        mac.update(part.as_bytes());
    }
    mac.update(body);
    mac
}

/// The signature a client computes: lowercase hex.
pub fn sign(key: &[u8], s: &Signed<'_>) -> String {
    hex::encode(mac(key, s, s.body).finalize().into_bytes())
}

/// Whether `signature` (hex, any case) signs the request under `key`, compared in constant time.
///
/// Over the raw body first; failing that, over the body with the whitespace between JSON tokens
/// removed. Prakerja's published Python example signs the compact `{"redeem_code":"X"}` but sends
/// `json.dumps` output (`{"redeem_code": "X"}`); its Node and Rust examples sign and send the
/// compact form. Removing only the whitespace keeps the key order and every escape as the client
/// wrote them, which a parse and re-serialisation would not (Python escapes non-ASCII as `\uXXXX`).
pub fn verify(key: &[u8], s: &Signed<'_>, signature: &str) -> bool {
    let Ok(presented) = hex::decode(signature) else {
        return false;
    };
    if mac(key, s, s.body).verify_slice(&presented).is_ok() {
        return true;
    }
    match compact(s.body) {
        Some(body) if body != s.body => mac(key, s, &body).verify_slice(&presented).is_ok(),
        _ => false,
    }
}

/// A valid JSON document without the whitespace between its tokens; `None` when not JSON.
pub fn compact(body: &[u8]) -> Option<Vec<u8>> {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).ok()?;
    let mut out = Vec::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in body {
        if in_string {
            out.push(b);
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            in_string = b == b'"';
            out.push(b);
        }
    }
    Some(out)
}

/// The request's `timestamp` (unix seconds), if it lies within the window around `now`.
pub fn check_timestamp(timestamp: &str, now: i64) -> Result<i64, Error> {
    let refused = |why: String| ErrorCode::TimestampOutOfWindow.with(why);
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| refused("The timestamp header must be unix time in seconds.".into()))?;
    if (now - at).abs() > WINDOW_SECONDS {
        return Err(refused(format!(
            "The timestamp is {}s from our clock; it must be within {WINDOW_SECONDS}s: sign each request when you send it.",
            now - at
        )));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"sandbox-lpk-signing-key";
    const COMPACT: &[u8] = br#"{"redeem_code":"7KQ2-M9XD-4HTR-8WZ2"}"#;

    fn request(body: &[u8]) -> Signed<'_> {
        Signed {
            client_code: "sandbox-lpk",
            timestamp: "1767225600",
            method: "POST",
            path: "/api/v1/integration/payment/redeem-code/status",
            body,
        }
    }

    #[test]
    fn the_signature_is_hmac_sha1_hex_of_the_concatenation() {
        // Computed independently: python3 -c 'import hmac,hashlib; print(hmac.new(
        // b"sandbox-lpk-signing-key", b"sandbox-lpk1767225600POST/api/v1/integration/payment/
        // redeem-code/status{\"redeem_code\":\"7KQ2-M9XD-4HTR-8WZ2\"}", hashlib.sha1).hexdigest())'
        assert_eq!(
            sign(KEY, &request(COMPACT)),
            "974b0300463618687772e325e530c26882c43e60"
        );
    }

    #[test]
    fn a_signature_verifies_over_the_raw_body_in_any_hex_case() {
        let sig = sign(KEY, &request(COMPACT));
        assert!(verify(KEY, &request(COMPACT), &sig));
        assert!(verify(KEY, &request(COMPACT), &sig.to_uppercase()));
        assert!(!verify(b"another key", &request(COMPACT), &sig));
        assert!(!verify(KEY, &request(COMPACT), "not hex"));
        let mut other = request(COMPACT);
        other.path = "/api/v1/integration/payment/redeem-code/commit";
        assert!(!verify(KEY, &other, &sig));
    }

    #[test]
    fn a_compactly_signed_body_sent_with_spaces_still_verifies_but_another_body_does_not() {
        let sig = sign(KEY, &request(COMPACT));
        let python = br#"{"redeem_code": "7KQ2-M9XD-4HTR-8WZ2"}"#;
        assert!(verify(KEY, &request(python), &sig));
        let other = br#"{"redeem_code": "7KQ2-M9XD-4HTR-8WZ3"}"#;
        assert!(!verify(KEY, &request(other), &sig));
        // Spaces inside a string are content, not layout.
        let spaced = br#"{"redeem_code":"7KQ2 M9XD"}"#;
        assert!(!verify(
            KEY,
            &request(spaced),
            &sign(KEY, &request(br#"{"redeem_code":"7KQ2M9XD"}"#))
        ));
    }

    #[test]
    fn compacting_keeps_order_strings_and_escapes_and_refuses_what_is_not_json() {
        let body = br#"{ "z": 1, "a": [ "x \" y", "\u00e9" ],
            "sequence": 999 }"#;
        assert_eq!(
            compact(body).as_deref(),
            Some(&br#"{"z":1,"a":["x \" y","\u00e9"],"sequence":999}"#[..])
        );
        assert_eq!(compact(b"{\"a\": "), None);
    }

    #[test]
    fn a_timestamp_more_than_five_minutes_off_either_way_is_refused() {
        let now = 1_767_225_600;
        assert_eq!(check_timestamp("1767225600", now).ok(), Some(now));
        assert!(check_timestamp(&(now - 300).to_string(), now).is_ok());
        assert!(check_timestamp(&(now + 300).to_string(), now).is_ok());
        for off in [now - 360, now + 301] {
            assert_eq!(
                check_timestamp(&off.to_string(), now).unwrap_err().code,
                ErrorCode::TimestampOutOfWindow
            );
        }
        assert!(check_timestamp("1767225600000x", now).is_err());
    }

    #[test]
    fn generated_keys_are_distinct_and_prefixed() {
        let (a, b) = (generate_key(), generate_key());
        assert!(a.starts_with("sgk_") && a.len() > 40 && a != b);
    }
}
