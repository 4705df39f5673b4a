//! Content hashes used to detect changed configs and cases between runs.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of the given bytes, truncated to 16 hex digits: enough to tell
/// versions apart, short enough to read in a report.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..8])
}

/// The first 64 bits of SHA-256: a compact identity for set membership (one in 2^64
/// chance of two values colliding).
pub fn hash64(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    u64::from_le_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
}
