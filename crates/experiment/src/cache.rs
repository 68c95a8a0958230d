//! The stage cache of a run (`runs/NAME/cache/`): digests of the cohort's files and of the
//! running build, and the keys the features, CNN and embedding stages are stored under.
//!
//! A key is a SHA-256 of the build and of everything a stage depends on: a re-run of the same
//! build skips the stage, a changed setting or a rebuilt binary re-runs it. Cached stages are
//! reused only by the very build that made them, because a code change within a version must
//! not serve stale features or models.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use radlsig_cohort::Manifest;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// SHA-256 of the manifest file and of every image and mask it names (in manifest order), each
/// preceded by its file name.
pub fn cohort_digest(manifest: &Manifest) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut add = |path: &Path| -> Result<()> {
        let read = |e| Error::Read { path: path.to_path_buf(), source: e };
        let mut file = File::open(path).map_err(read)?;
        let mut buf = vec![0u8; 1 << 16];
        hasher
            .update(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        loop {
            let n = file.read(&mut buf).map_err(read)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(())
    };
    add(&manifest.path)?;
    for case in &manifest.cases {
        for pair in case.images.values() {
            add(&pair.image)?;
            add(&pair.mask)?;
        }
    }
    Ok(hex(&hasher.finalize()))
}

/// SHA-256 of `bytes`, hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of the running executable (and the crate version), computed once per process.
fn build_digest() -> &'static str {
    static DIGEST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DIGEST.get_or_init(|| {
        let mut hasher = Sha256::new();
        hasher.update(env!("CARGO_PKG_VERSION"));
        if let Ok(exe) = std::env::current_exe()
            && let Ok(bytes) = std::fs::read(&exe)
        {
            hasher.update(&bytes);
        }
        hex(&hasher.finalize())
    })
}

/// A cache key: the first 20 hex digits of the SHA-256 of the build and of the parts, each
/// length-prefixed (so that `["ab", "c"]` and `["a", "bc"]` differ).
pub fn key(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(build_digest());
    for p in parts {
        hasher.update((p.len() as u64).to_le_bytes());
        hasher.update(p.as_bytes());
    }
    hex(&hasher.finalize())[..20].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_length_prefixed_and_stable() {
        assert_eq!(key(&["ab", "c"]), key(&["ab", "c"]));
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert_eq!(key(&["x"]).len(), 20);
    }
}
