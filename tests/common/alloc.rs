//! One counting allocator for the tests that measure memory: allocations made by the current
//! thread and by the whole process, bytes the current thread holds, bytes live and their peak
//! in the whole process, and, when armed, a scan of every freed block for byte patterns (key
//! material that must have been wiped).
//!
//! An allocation is a call of `alloc`, `alloc_zeroed` or `realloc` (a reallocation counts
//! once, as a new block).
//!
//! A test binary that uses it declares it:
//! `#[global_allocator] static A: common::alloc::Counting = common::alloc::Counting;`
//! (a crate outside this one, such as the C ABI's unit tests, includes this file by path).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

pub struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static NET: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static IN_SCAN: Cell<bool> = const { Cell::new(false) };
}

static ALL_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static SCANNING: AtomicBool = AtomicBool::new(false);
static POISON: AtomicBool = AtomicBool::new(false);

/// Patterns searched for in freed blocks, by their first 8 bytes.
type Patterns = HashMap<[u8; 8], Vec<(Vec<u8>, String)>>;
static PATTERNS: Mutex<Option<Patterns>> = Mutex::new(None);
static FOUND: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Allocations (and reallocations) made by this thread so far.
pub fn allocations() -> usize {
    ALLOCATIONS.with(|c| c.get())
}

/// Run `f`; returns what it returned and the allocations this thread made inside it.
pub fn counted<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = allocations();
    let r = f();
    (r, allocations() - before)
}

/// Allocations made by every thread of the process so far: with other tests running in
/// threads of their own, only a test binary of one test can count on it.
pub fn all_allocations() -> usize {
    ALL_ALLOCATIONS.load(SeqCst)
}

/// Bytes this thread allocated minus bytes it freed.
pub fn thread_net() -> isize {
    NET.with(|c| c.get())
}

/// Bytes allocated and not yet freed, in the whole process.
pub fn live() -> usize {
    LIVE.load(SeqCst)
}

/// The highest [`thread_net`] of this thread since its last [`reset_peak`]: what the code
/// under test held at most, whatever other threads (the test harness's) did meanwhile.
pub fn peak() -> isize {
    PEAK.with(|c| c.get())
}

/// Start measuring this thread's peak from now.
pub fn reset_peak() {
    PEAK.with(|c| c.set(thread_net()));
}

/// Scan every block freed from now on for `patterns` (each at least 8 bytes, with a name).
/// The test's own copies of what it looks for must be wiped before they are freed: a block
/// handed out again keeps its old bytes beyond what its new owner writes.
pub fn scan_freed(patterns: Vec<(Vec<u8>, String)>) {
    let mut map = Patterns::new();
    for (p, name) in patterns {
        assert!(p.len() >= 8);
        map.entry(p[..8].try_into().unwrap())
            .or_default()
            .push((p, name));
    }
    *PATTERNS.lock().unwrap() = Some(map);
    SCANNING.store(true, SeqCst);
}

/// Overwrite every block with a fixed byte when it is freed, from now on: memory handed out
/// again then never carries bytes of an earlier owner that no scan saw being freed.
pub fn poison_freed() {
    POISON.store(true, SeqCst);
}

/// Stop scanning; returns what was found in freed blocks. The patterns are wiped before they
/// are freed, so that a later scan never finds them where their memory was reused.
pub fn stop_scan() -> Vec<String> {
    SCANNING.store(false, SeqCst);
    if let Some(mut map) = PATTERNS.lock().unwrap().take() {
        for list in map.values_mut() {
            for (p, _) in list.iter_mut() {
                p.iter_mut().for_each(|b| *b = 0);
                std::hint::black_box(&p);
            }
        }
    }
    std::mem::take(&mut *FOUND.lock().unwrap())
}

fn scan(block: &[u8]) {
    if !SCANNING.load(SeqCst) || IN_SCAN.with(|s| s.replace(true)) {
        return;
    }
    if let (Ok(patterns), Ok(mut found)) = (PATTERNS.try_lock(), FOUND.try_lock()) {
        if let Some(map) = patterns.as_ref() {
            for w in block.windows(8) {
                if let Some(list) = map.get(<&[u8; 8]>::try_from(w).unwrap()) {
                    let at = w.as_ptr() as usize - block.as_ptr() as usize;
                    for (p, name) in list {
                        if block[at..].starts_with(p) && found.len() < 64 {
                            let mut what = format!(
                                "{name} in a freed block of {} bytes (at {at})",
                                block.len()
                            );
                            if std::env::var_os("CALLSEAL_SCAN_BACKTRACE").is_some() {
                                let bt = std::backtrace::Backtrace::force_capture();
                                what.push_str(&format!(":\n{bt}"));
                            }
                            found.push(what);
                        }
                    }
                }
            }
        }
    }
    IN_SCAN.with(|s| s.set(false));
}

/// An allocation of `n` bytes.
fn added(n: usize) {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    ALL_ALLOCATIONS.fetch_add(1, SeqCst);
    if let Ok(net) = NET.try_with(|c| {
        c.set(c.get() + n as isize);
        c.get()
    }) {
        let _ = PEAK.try_with(|p| p.set(p.get().max(net)));
    }
    LIVE.fetch_add(n, SeqCst);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        added(l.size());
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(l) }
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        added(l.size());
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc_zeroed(l) }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if SCANNING.load(SeqCst) {
            // SAFETY: the block is live until the call below and holds `l.size()` bytes.
            scan(unsafe { std::slice::from_raw_parts(p, l.size()) });
        }
        if POISON.load(SeqCst) {
            // SAFETY: as above; the block is ours until it is handed back.
            unsafe { std::ptr::write_bytes(p, 0xa5, l.size()) };
        }
        let _ = NET.try_with(|c| c.set(c.get() - l.size() as isize));
        LIVE.fetch_sub(l.size(), SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(p, l) }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        // A move to a new block leaves the old one behind: allocate, copy, free (and scan).
        // SAFETY: the layout of the new block differs from `l` only in size, as the
        // `GlobalAlloc` contract allows.
        let new_layout = unsafe { Layout::from_size_align_unchecked(n, l.align()) };
        // SAFETY: as above.
        let q = unsafe { self.alloc(new_layout) };
        if !q.is_null() {
            // SAFETY: both blocks are live and at least `min(l.size(), n)` bytes long.
            unsafe { std::ptr::copy_nonoverlapping(p, q, l.size().min(n)) };
            // SAFETY: `p` came from this allocator with layout `l`.
            unsafe { self.dealloc(p, l) };
        }
        q
    }
}
