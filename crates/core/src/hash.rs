//! Content hashes used to detect changed configs and cases between runs.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of the given bytes, truncated to 16 hex digits: enough to tell
/// versions apart, short enough to read in a report.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..8])
}
