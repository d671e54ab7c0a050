//! Keys for personal data at rest: AES-256 data keys (rotatable) and the HMAC index key.
//!
//! Outside production, missing keys are generated once into `PRAKERJA_DEV_KEY_FILE` and read from
//! there afterwards, so sealed data stays readable across restarts of `cargo run`.

use std::collections::BTreeMap;

use super::ConfigError;
use super::env::Env;
use super::secret::Secret;

/// Public keys (32 bytes, base64) for tests; production refuses them by name.
pub(super) const TEST_DATA_KEY: &str = "ZGV2ZWxvcG1lbnQtb25seS1kYXRhLWtleS0zMmJ5dGU=";
pub(super) const TEST_INDEX_KEY: &str = "ZGV2ZWxvcG1lbnQtb25seS1pbmRleC1rZXktMzJieXQ=";
const DEFAULT_DEV_KEY_FILE: &str = "data/dev-keys";

#[derive(Clone, Debug)]
pub struct KeysConfig {
    /// `PRAKERJA_DATA_KEYS`: `id:base64key,id:base64key`, AES-256 keys for personal data at rest.
    pub data_keys: BTreeMap<String, Secret<[u8; 32]>>,
    /// `PRAKERJA_DATA_KEY_ID`: which of `data_keys` encrypts new values.
    pub data_key_id: String,
    /// `PRAKERJA_INDEX_KEY`: base64 HMAC key for blind indexes, OTP and request hashes.
    pub index_key: Secret<[u8; 32]>,
}

impl KeysConfig {
    /// The public test keys (`Config::for_tests`); production refuses them.
    pub fn for_tests() -> Self {
        Self {
            data_keys: BTreeMap::from([("dev".to_string(), Secret::new(known(TEST_DATA_KEY)))]),
            data_key_id: "dev".into(),
            index_key: Secret::new(known(TEST_INDEX_KEY)),
        }
    }

    pub fn from_env(env: &Env, production: bool) -> Result<Self, ConfigError> {
        let (data, index) = (env.var("PRAKERJA_DATA_KEYS"), env.var("PRAKERJA_INDEX_KEY"));
        let generated = if production || (data.is_some() && index.is_some()) {
            None
        } else {
            let path = env.string("PRAKERJA_DEV_KEY_FILE", DEFAULT_DEV_KEY_FILE);
            Some(generated_keys(&path)?)
        };
        let data_keys = match (data, &generated) {
            (Some(raw), _) => parse_data_keys(&raw)?,
            (None, Some((data, _))) => parse_data_keys(&format!("dev:{data}"))?,
            // Production without keys: the public test key, which `problems` then refuses by name.
            (None, None) => parse_data_keys(&format!("dev:{TEST_DATA_KEY}"))?,
        };
        let data_key_id = env
            .var("PRAKERJA_DATA_KEY_ID")
            .or_else(|| (data_keys.len() == 1).then(|| data_keys.keys().next().cloned()).flatten())
            .ok_or_else(|| {
                ConfigError("PRAKERJA_DATA_KEY_ID must name the key of PRAKERJA_DATA_KEYS that encrypts new data".into())
            })?;
        let index_key = match (index, &generated) {
            (Some(raw), _) => decode_key("PRAKERJA_INDEX_KEY", &raw)?,
            (None, Some((_, index))) => decode_key("generated index key", index)?,
            (None, None) => known(TEST_INDEX_KEY),
        };
        Ok(Self {
            data_keys,
            data_key_id,
            index_key: Secret::new(index_key),
        })
    }

    pub fn problems(&self, production: bool) -> Vec<String> {
        let mut out = Vec::new();
        if !self.data_keys.contains_key(&self.data_key_id) {
            out.push(format!(
                "PRAKERJA_DATA_KEY_ID={:?} is not one of the ids in PRAKERJA_DATA_KEYS",
                self.data_key_id
            ));
        }
        if !production {
            return out;
        }
        let test_data = known(TEST_DATA_KEY);
        if self.data_keys.values().any(|k| *k.expose() == test_data) {
            out.push(
                "PRAKERJA_DATA_KEYS must be set to your own keys (the development key is public)"
                    .into(),
            );
        }
        if *self.index_key.expose() == known(TEST_INDEX_KEY) {
            out.push(
                "PRAKERJA_INDEX_KEY must be set to your own key (the development key is public)"
                    .into(),
            );
        }
        for (id, key) in &self.data_keys {
            if let Some(why) = super::strength::weak_key(key.expose()) {
                out.push(format!("PRAKERJA_DATA_KEYS key {id:?} is too weak: {why}"));
            }
        }
        if let Some(why) = super::strength::weak_key(self.index_key.expose()) {
            out.push(format!("PRAKERJA_INDEX_KEY is too weak: {why}"));
        }
        out
    }
}

/// A key this module holds as a constant: valid base64 of 32 bytes by construction.
fn known(b64: &str) -> [u8; 32] {
    decode_key("built-in key", b64).unwrap_or([0; 32])
}

pub fn decode_key(name: &str, b64: &str) -> Result<[u8; 32], ConfigError> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| ConfigError(format!("{name}: key is not valid base64")))?;
    bytes
        .try_into()
        .map_err(|_| ConfigError(format!("{name}: key must be exactly 32 bytes")))
}

/// Development keys, generated on first use and kept in `path` (`data=<b64>` and `index=<b64>`
/// lines). Never used in production.
fn generated_keys(path: &str) -> Result<(String, String), ConfigError> {
    use base64::Engine;
    let read = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(|v| v.trim().to_string())
    };
    if let Ok(text) = std::fs::read_to_string(path) {
        if let (Some(data), Some(index)) = (read(&text, "data"), read(&text, "index")) {
            return Ok((data, index));
        }
        return Err(ConfigError(format!(
            "{path} is not a key file (data= and index= lines)"
        )));
    }
    let b64 = |bytes: [u8; 32]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let (data, index) = (b64(rand::random()), b64(rand::random()));
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ConfigError(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, format!("# development data keys: keep with the database they sealed\ndata={data}\nindex={index}\n"))
        .map_err(|e| ConfigError(format!("cannot write {path}: {e}")))?;
    Ok((data, index))
}

fn parse_data_keys(raw: &str) -> Result<BTreeMap<String, Secret<[u8; 32]>>, ConfigError> {
    let mut keys = BTreeMap::new();
    for entry in raw.split(',').filter(|e| !e.trim().is_empty()) {
        let (id, key) = entry.split_once(':').ok_or_else(|| {
            ConfigError("PRAKERJA_DATA_KEYS entries must look like id:base64key".into())
        })?;
        let id = id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConfigError(format!(
                "PRAKERJA_DATA_KEYS: key id {id:?} must be letters, digits or '-'"
            )));
        }
        keys.insert(
            id.to_string(),
            Secret::new(decode_key("PRAKERJA_DATA_KEYS", key)?),
        );
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_keys_parse_ids_and_reject_short_keys() {
        let keys = parse_data_keys(&format!("k1:{TEST_DATA_KEY},k2:{TEST_INDEX_KEY}")).unwrap();
        assert_eq!(keys.len(), 2);
        assert!(parse_data_keys("k1:c2hvcnQ=").is_err());
        assert!(parse_data_keys("nocolon").is_err());
    }

    #[test]
    fn development_keys_are_generated_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        let path = path.to_str().unwrap();
        let first = generated_keys(path).unwrap();
        assert_eq!(
            generated_keys(path).unwrap(),
            first,
            "the same keys on the next start"
        );
        assert_ne!(first.0, TEST_DATA_KEY);
        assert!(decode_key("data", &first.0).is_ok() && decode_key("index", &first.1).is_ok());
        let other = tempfile::tempdir().unwrap();
        let other_path = other.path().join("keys");
        assert_ne!(
            generated_keys(other_path.to_str().unwrap()).unwrap(),
            first,
            "each install its own"
        );
    }
}
