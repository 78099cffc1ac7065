//! Standard output as a Unix tool uses it: when the reader goes away (`callseal … | head`), the
//! command ends quietly with status 0, never with an error message or a panic.
//!
//! Output written through [`Stdout`] (or [`print`]) returns the error of a closed pipe and
//! remembers it, so that `main` can tell it from a real failure ([`closed`]). `println!` and
//! `eprintln!` panic on a closed pipe instead; [`quiet_closed_pipe_panics`] ends the process
//! quietly then, for the code that still prints with them (the demo's report).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a write to standard output found the pipe closed.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output, remembering a closed pipe.
pub(crate) struct Stdout;

impl Stdout {
    fn note<T>(r: io::Result<T>) -> io::Result<T> {
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::BrokenPipe) {
            CLOSED.store(true, Ordering::Relaxed);
        }
        r
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Self::note(io::stdout().lock().write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Self::note(io::stdout().lock().flush())
    }
}

/// Write `text` to standard output as it is (with its newlines).
pub(crate) fn print(text: &str) -> io::Result<()> {
    let mut out = Stdout;
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Whether standard output was found closed: the error that follows is no failure.
pub(crate) fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Make the panic of `println!` or `eprintln!` on a closed pipe a quiet exit with `status`.
pub(crate) fn quiet_closed_pipe_panics(status: i32) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        // The message std gives: "failed printing to stdout: Broken pipe (os error 32)".
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(status);
        }
        default(info);
    }));
}
