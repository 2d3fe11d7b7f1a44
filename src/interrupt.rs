//! Stopping cleanly on SIGINT, SIGTERM and SIGHUP. The command line installs a signal handler that
//! records the signal here (one atomic store, which is async-signal-safe); the engine's run
//! loop and the sweep loop look at it and stop early, and the runner then discards
//! everything it staged, so an interrupted run leaves no partial file and an interrupted
//! sweep keeps the journal of its finished runs for `--resume`. Without a handler (the
//! library used on its own) nothing is ever recorded and nothing changes.

use std::sync::atomic::{AtomicI32, Ordering};

/// The first signal received, 0 for none.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Records that `signal` asked the process to stop (the first signal is kept). Safe to call
/// from a signal handler.
pub fn request(signal: i32) {
    let _ = SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
}

/// The signal that asked the process to stop, if any.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Whether a stop was asked (cheap: for polling in loops).
#[inline]
pub fn is_requested() -> bool {
    SIGNAL.load(Ordering::Relaxed) != 0
}

/// The usual name of `signal` ("SIGINT", "SIGTERM", else "signal N").
pub fn signal_name(signal: i32) -> String {
    match signal {
        2 => "SIGINT".to_owned(),
        15 => "SIGTERM".to_owned(),
        1 => "SIGHUP".to_owned(),
        s => format!("signal {s}"),
    }
}
