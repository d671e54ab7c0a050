//! Personal data at rest: AES-256-GCM with a random nonce per value and the row id as associated
//! data (a ciphertext copied to another row fails to decrypt), and HMAC-SHA256 blind indexes for
//! the lookups and uniqueness rules that need the clear value.
//!
//! Stored form: `<key id>:<base64(nonce || ciphertext || tag)>`, so keys can rotate: every row names
//! the key that sealed it, new values use the current key, `rotate-data-key` re-seals old rows.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("value was sealed with key {0:?}, which is not configured in PRAKERJA_DATA_KEYS")]
    UnknownKey(String),
    #[error("stored value is not in the <key id>:<base64> form")]
    Malformed,
    #[error("value does not decrypt: wrong key, wrong row, or tampered")]
    Integrity,
}

/// What a blind index is of: each kind gets its own HMAC domain, so equal digits of a NIK and a KK
/// never share an index.
#[derive(Debug, Clone, Copy)]
pub enum IndexKind {
    Nik,
    Kk,
    Phone,
}

#[derive(Clone)]
pub struct PiiCipher {
    keys: BTreeMap<String, Aes256Gcm>,
    current: String,
    index_key: [u8; 32],
}

impl PiiCipher {
    pub fn from_config(config: &Config) -> Self {
        let keys = &config.keys;
        let data: BTreeMap<String, [u8; 32]> = keys
            .data_keys
            .iter()
            .map(|(id, k)| (id.clone(), *k.expose()))
            .collect();
        Self::new(&data, &keys.data_key_id, *keys.index_key.expose())
    }

    pub fn new(keys: &BTreeMap<String, [u8; 32]>, current: &str, index_key: [u8; 32]) -> Self {
        Self {
            keys: keys
                .iter()
                .map(|(id, k)| (id.clone(), Aes256Gcm::new(k.into())))
                .collect(),
            current: current.to_string(),
            index_key,
        }
    }

    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    /// Seals `plain` for the row `row_id` with the current key.
    pub fn encrypt(&self, plain: &str, row_id: &str) -> String {
        let cipher = &self.keys[&self.current];
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: row_id.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{}:{}", self.current, B64.encode(out))
    }

    /// Opens a value sealed for `row_id`.
    pub fn decrypt(&self, stored: &str, row_id: &str) -> Result<String, CryptoError> {
        let (key_id, b64) = stored.split_once(':').ok_or(CryptoError::Malformed)?;
        let cipher = self
            .keys
            .get(key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?;
        let raw = B64.decode(b64).map_err(|_| CryptoError::Malformed)?;
        if raw.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = raw.split_at(12);
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: row_id.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Integrity)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Integrity)
    }

    /// True when `stored` was sealed with a key other than the current one.
    pub fn needs_rotation(&self, stored: &str) -> bool {
        stored.split_once(':').map(|(id, _)| id) != Some(self.current.as_str())
    }

    /// Deterministic keyed index of a normalised value: equal values, equal index; no key, no guess.
    pub fn blind_index(&self, kind: IndexKind, normalised: &str) -> String {
        self.mac(&format!("{kind:?}"), normalised)
    }

    /// The stored form of an OTP: keyed and bound to its validation, so a dump reveals no code and
    /// a hash cannot be replayed on another validation.
    pub fn otp_hash(&self, validation_id: &str, otp: &str) -> String {
        self.mac("Otp", &format!("{validation_id}:{otp}"))
    }

    /// HMAC-SHA256 under the index key of several byte strings (length-prefixed, so their
    /// boundaries are part of what is signed), separated by `domain`.
    pub fn digest(&self, domain: &str, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        mac.update(domain.as_bytes());
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// HMAC-SHA256 under the index key, separated by `domain`.
    fn mac(&self, domain: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(current: &str) -> PiiCipher {
        let keys = BTreeMap::from([("k1".to_string(), [1u8; 32]), ("k2".to_string(), [2u8; 32])]);
        PiiCipher::new(&keys, current, [3u8; 32])
    }

    #[test]
    fn a_value_round_trips_for_its_own_row_only() {
        let c = cipher("k1");
        let sealed = c.encrypt("3171011508900001", "row-a");
        assert!(!sealed.contains("3171011508900001"));
        assert_eq!(c.decrypt(&sealed, "row-a").unwrap(), "3171011508900001");
        assert!(matches!(
            c.decrypt(&sealed, "row-b"),
            Err(CryptoError::Integrity)
        ));
    }

    #[test]
    fn the_same_value_seals_differently_each_time() {
        let c = cipher("k1");
        assert_ne!(c.encrypt("x", "r"), c.encrypt("x", "r"));
    }

    #[test]
    fn old_keys_stay_readable_after_the_current_key_changes() {
        let sealed_k1 = cipher("k1").encrypt("secret", "r");
        let c2 = cipher("k2");
        assert!(c2.needs_rotation(&sealed_k1));
        assert_eq!(c2.decrypt(&sealed_k1, "r").unwrap(), "secret");
        assert!(!c2.needs_rotation(&c2.encrypt("secret", "r")));
    }

    #[test]
    fn tampering_or_an_unknown_key_is_detected() {
        let c = cipher("k1");
        let sealed = c.encrypt("secret", "r");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(c.decrypt(&String::from_utf8(bytes).unwrap(), "r").is_err());
        assert!(matches!(
            c.decrypt("k9:AAAA", "r"),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn blind_indexes_are_stable_and_separated_by_kind() {
        let c = cipher("k1");
        assert_eq!(
            c.blind_index(IndexKind::Nik, "1"),
            c.blind_index(IndexKind::Nik, "1")
        );
        assert_ne!(
            c.blind_index(IndexKind::Nik, "1"),
            c.blind_index(IndexKind::Kk, "1")
        );
    }
}
