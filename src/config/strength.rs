//! Production keys must be strong and used for one purpose only. A key that is short, repetitive,
//! or shared between purposes is refused, naming its variable.

/// Why a text secret (a JWT signing secret, a token) is too weak, if it is: fewer than 32 bytes,
/// or under 128 bits by a per-character entropy estimate (so `aaaa…` or `abab…` fail, while
/// `openssl rand -hex 32` or a long passphrase pass).
pub fn weak_text(secret: &str) -> Option<String> {
    if secret.len() < 32 {
        return Some("it must be at least 32 bytes".into());
    }
    let bits = entropy_bits(secret.as_bytes());
    (bits < 128.0).then(|| {
        format!("it has too little variety (about {bits:.0} bits; use 32 random bytes, e.g. openssl rand -base64 32)")
    })
}

/// Why a 32-byte binary key is too weak, if it is: random keys have about 30 distinct bytes; fewer
/// than 16 means it was not drawn at random.
pub fn weak_key(key: &[u8; 32]) -> Option<String> {
    let mut seen = [false; 256];
    key.iter().for_each(|b| seen[*b as usize] = true);
    let distinct = seen.iter().filter(|s| **s).count();
    (distinct < 16).then(|| {
        format!("it has only {distinct} distinct bytes: generate it with openssl rand -base64 32")
    })
}

/// Shannon entropy of the byte frequencies, times the length.
fn entropy_bits(bytes: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    bytes.iter().for_each(|b| counts[*b as usize] += 1);
    let n = bytes.len() as f64;
    let per_byte: f64 = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / n;
            -p * p.log2()
        })
        .sum();
    per_byte * n
}

/// Pairs of named secrets that hold the same bytes. Each secret is compared as given and, when it
/// is base64, as decoded, so the same key in two encodings is still caught.
pub fn reused(secrets: &[(&str, Vec<u8>)]) -> Vec<String> {
    let forms = |raw: &Vec<u8>| {
        use base64::Engine;
        let mut forms = vec![raw.clone()];
        if let Ok(decoded) =
            base64::engine::general_purpose::STANDARD.decode(String::from_utf8_lossy(raw).trim())
        {
            forms.push(decoded);
        }
        forms.push(
            base64::engine::general_purpose::STANDARD
                .encode(raw)
                .into_bytes(),
        );
        forms
    };
    let mut out = Vec::new();
    for (i, (a, ka)) in secrets.iter().enumerate() {
        for (b, kb) in &secrets[i + 1..] {
            let (fa, fb) = (forms(ka), forms(kb));
            if fa.iter().any(|x| fb.contains(x)) {
                out.push(format!(
                    "{a} and {b} must be different keys (one key, one purpose)"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_repetitive_text_secrets_are_weak() {
        assert!(weak_text(&"a".repeat(32)).is_some());
        assert!(weak_text(&"ab".repeat(32)).is_some());
        assert!(weak_text("too-short").is_some());
        assert!(
            weak_text("3f9a0c5d7e21b4a68c0d9e7f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d").is_none()
        );
        assert!(weak_text("Kx8vQ2mN7pL4rT9wY3zB6cF1hJ5kM0nP8sV2xZ4aD7g=").is_none());
    }

    #[test]
    fn binary_keys_need_variety() {
        assert!(weak_key(&[7u8; 32]).is_some());
        let random: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
        assert!(weak_key(&random).is_none());
    }

    #[test]
    fn the_same_key_in_two_places_is_found_even_in_another_encoding() {
        use base64::Engine;
        let key = vec![9u8; 32];
        let as_text = base64::engine::general_purpose::STANDARD
            .encode(&key)
            .into_bytes();
        let found = reused(&[("A", key.clone()), ("B", vec![1u8; 32]), ("C", as_text)]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains('A') && found[0].contains('C'),
            "{found:?}"
        );
    }
}
