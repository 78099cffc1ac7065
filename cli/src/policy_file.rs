//! The policy store on disk: one JSON file, read as the defaults when missing, written
//! atomically (temporary file, fsync, rename) under an exclusive lock, never overwritten when it
//! cannot be read.

use crate::locked_file;
use anyhow::anyhow;
use callseal::policy::PolicyStore;
use std::path::{Path, PathBuf};

/// The store path: `--store`, else `CALLSEAL_POLICY_STORE`, else
/// `$XDG_CONFIG_HOME/callseal/policy.json` (or `~/.config/callseal/policy.json`).
pub(crate) fn store_path(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p);
    }
    if let Some(p) = std::env::var_os("CALLSEAL_POLICY_STORE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| anyhow!("no --store, CALLSEAL_POLICY_STORE or HOME to find the store"))?;
    Ok(base.join("callseal").join("policy.json"))
}

/// Read the store; a missing file reads as the defaults.
pub(crate) fn read(path: &Path) -> anyhow::Result<PolicyStore> {
    parse(path, locked_file::read_bytes(path)?)
}

fn parse(path: &Path, bytes: Option<Vec<u8>>) -> anyhow::Result<PolicyStore> {
    let Some(bytes) = bytes else {
        return Ok(PolicyStore::default());
    };
    let text =
        String::from_utf8(bytes).map_err(|_| anyhow!("{}: not UTF-8 text", path.display()))?;
    PolicyStore::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Read, change and write the store under an exclusive lock, so concurrent admins lose no
/// update. The store is replaced atomically; when it cannot be read it is left as it is.
pub(crate) fn update<T>(
    path: &Path,
    change: impl FnOnce(&mut PolicyStore) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    locked_file::update(path, |bytes| {
        let mut store = parse(path, bytes)?;
        let out = change(&mut store)?;
        Ok((store.to_json().into_bytes(), out))
    })
}
