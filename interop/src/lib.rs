//! Live interoperability tests of callseal against real peers; the tests are in `tests/`.

use callseal::crypto::Backend;

/// Every AES-GCM backend this build of callseal has, with its position: every interop test runs
/// once per backend (the position gives each run keys of its own).
pub fn backends() -> impl Iterator<Item = (u64, Backend)> {
    Backend::available().enumerate().map(|(i, b)| (i as u64, b))
}

/// Each of `items` once per backend.
pub fn with_backends<T: Clone>(items: impl IntoIterator<Item = T>) -> Vec<(u64, Backend, T)> {
    let items: Vec<T> = items.into_iter().collect();
    backends()
        .flat_map(|(i, b)| items.iter().cloned().map(move |t| (i, b, t)))
        .collect()
}
