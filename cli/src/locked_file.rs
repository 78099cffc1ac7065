//! A small file the CLI keeps state in (the policy store, the continuity store): read in one
//! piece, and changed under an exclusive lock on a `.lock` file beside it, so concurrent
//! writers lose no update, then replaced atomically (temporary file, fsync, rename, fsync of
//! the directory), and never overwritten when it cannot be read.

use anyhow::Context as _;
use fs4::fs_std::FileExt;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's bytes; `None` when it does not exist.
pub(crate) fn read_bytes(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Under the lock, read the file (`None` when missing), let `change` make its new contents
/// (an error leaves the file as it is), and replace it atomically.
pub(crate) fn update<T>(
    path: &Path,
    change: impl FnOnce(Option<Vec<u8>>) -> anyhow::Result<(Vec<u8>, T)>,
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
    FileExt::lock_exclusive(&lock).with_context(|| format!("cannot lock {}", path.display()))?;
    let (contents, out) = change(read_bytes(path)?)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(&contents)?;
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
    FileExt::unlock(&lock).with_context(|| format!("cannot unlock {}", path.display()))?;
    Ok(out)
}
