//! Client keys: stored as SHA-256 hashes, compared in constant time.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// One client key: a name (for logs and limits), the SHA-256 hash of the
/// secret, and optional limits. The secret itself is never stored.
/// `Debug` shows the name and limits only.
#[derive(Clone, PartialEq)]
pub struct ClientKey {
    name: String,
    hash: [u8; 32],
    requests_per_minute: Option<u32>,
    monthly_spend_usd: Option<f64>,
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKey")
            .field("name", &self.name)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("monthly_spend_usd", &self.monthly_spend_usd)
            .finish_non_exhaustive()
    }
}

/// The lower-case hex SHA-256 of a secret (what `key_sha256` holds and
/// `requesty-router hash-key` prints).
pub fn sha256_hex(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl ClientKey {
    /// A key named `name` for the bearer token `secret` (hashed at once).
    pub fn new(name: impl Into<String>, secret: &str) -> Self {
        ClientKey {
            name: name.into(),
            hash: Sha256::digest(secret.as_bytes()).into(),
            requests_per_minute: None,
            monthly_spend_usd: None,
        }
    }

    /// A key from the hex SHA-256 of its secret (64 hex digits).
    pub fn from_sha256_hex(name: impl Into<String>, hex: &str) -> Result<Self, String> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(
                "key_sha256 must be 64 hex digits (the output of `requesty-router hash-key`)"
                    .to_owned(),
            );
        }
        let mut hash = [0u8; 32];
        for (i, byte) in hash.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                .map_err(|_| "key_sha256 must be 64 hex digits".to_owned())?;
        }
        Ok(ClientKey {
            name: name.into(),
            hash,
            requests_per_minute: None,
            monthly_spend_usd: None,
        })
    }

    /// At most `n` requests per minute (a token bucket holding `n`).
    pub fn requests_per_minute(mut self, n: u32) -> Self {
        self.requests_per_minute = Some(n.max(1));
        self
    }

    /// At most `usd` of cost per calendar month (UTC).
    pub fn monthly_spend_usd(mut self, usd: f64) -> Self {
        self.monthly_spend_usd = Some(usd);
        self
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The request-rate limit.
    pub fn rate_limit(&self) -> Option<u32> {
        self.requests_per_minute
    }

    /// The monthly spend limit in USD.
    pub fn spend_limit(&self) -> Option<f64> {
        self.monthly_spend_usd
    }

    /// Whether both keys have the same secret.
    pub fn same_key(&self, other: &ClientKey) -> bool {
        bool::from(self.hash.ct_eq(&other.hash))
    }
}

/// Finds the key whose secret is `token`: every key is compared (in
/// constant time), so the time taken does not depend on which key matched
/// or how much of it did.
pub(crate) fn find_key<'a>(
    keys: impl IntoIterator<Item = &'a ClientKey>,
    token: &str,
) -> Option<usize> {
    let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let mut found = None;
    for (i, k) in keys.into_iter().enumerate() {
        if bool::from(k.hash.ct_eq(&hash)) {
            found = Some(i);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_finds() {
        let hex = sha256_hex("secret-1");
        assert_eq!(hex.len(), 64);
        let keys = vec![
            ClientKey::new("a", "secret-0"),
            ClientKey::from_sha256_hex("b", &hex).unwrap(),
        ];
        assert_eq!(find_key(&keys, "secret-1"), Some(1));
        assert_eq!(find_key(&keys, "secret-2"), None);
        assert!(ClientKey::from_sha256_hex("c", "xyz").is_err());
        assert!(!format!("{:?}", keys[1]).contains(&hex[..8]));
    }
}
