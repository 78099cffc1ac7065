//! The policy store on disk: one JSON file, read as the defaults when missing, written
//! atomically (temporary file, fsync, rename) under an exclusive lock, never overwritten when it
//! cannot be read.

use anyhow::{anyhow, Context as _};
use callseal::policy::PolicyStore;
use fs4::fs_std::FileExt;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
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
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow!("{}: not UTF-8 text", path.display()))?;
            PolicyStore::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(PolicyStore::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Read, change and write the store under an exclusive lock, so concurrent admins lose no
/// update. The store is replaced atomically; when it cannot be read it is left as it is.
pub(crate) fn update<T>(
    path: &Path,
    change: impl FnOnce(&mut PolicyStore) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(path))
        .with_context(|| format!("cannot open the lock file for {}", path.display()))?;
    FileExt::lock_exclusive(&lock).context("cannot lock the store")?;
    let mut store = read(path)?;
    let out = change(&mut store)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(store.to_json().as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    FileExt::unlock(&lock).context("cannot unlock the store")?;
    Ok(out)
}
