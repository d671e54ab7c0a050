//! Client secrets: shown once, stored only as argon2id hashes.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use base64::Engine;
use rand::RngCore;

/// A new client secret: 32 random bytes, base64url, prefixed so leaked secrets are recognisable.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "sk_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn hash(secret: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .expect("argon2 hashing with default parameters cannot fail")
}

/// Constant-time check of a presented secret against its stored hash.
pub fn verify(secret: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that matches no secret, verified against when the client id is unknown, so that an
/// unknown id and a wrong secret take the same time.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&generate()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_verifies_against_its_hash_only() {
        let s = generate();
        let h = hash(&s);
        assert!(!h.contains(&s));
        assert!(verify(&s, &h));
        assert!(!verify("sk_wrong", &h));
        assert!(!verify(&s, "not-a-hash"));
    }
}
