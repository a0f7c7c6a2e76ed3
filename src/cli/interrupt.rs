//! Ctrl-C and `kill`: the first SIGINT or SIGTERM asks the run to stop at the next batch,
//! so that temporary outputs are removed and nothing partial is published; a second one
//! ends the process at once (temporary files may then remain; the next run removes them).

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Set once a stop has been asked for.
pub fn flag() -> &'static AtomicBool {
    &STOP
}

/// True once a stop has been asked for.
pub fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Installs the handler (once; later calls do nothing).
pub fn install() {
    #[cfg(target_os = "linux")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            // SAFETY: `on_signal` only touches an atomic and calls `_exit`, both
            // async-signal-safe.
            unsafe {
                libc::signal(libc::SIGINT, handler);
                libc::signal(libc::SIGTERM, handler);
            }
        });
    }
}

#[cfg(target_os = "linux")]
extern "C" fn on_signal(signal: libc::c_int) {
    if STOP.swap(true, Ordering::SeqCst) {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(128 + signal) };
    }
    let message = b"\nveil: stopping; outputs in progress are discarded (again to quit at once)\n";
    // SAFETY: `write` is async-signal-safe; the buffer outlives the call.
    unsafe { libc::write(2, message.as_ptr().cast(), message.len()) };
}

/// A writer that fails once a stop has been asked for, so that a long write (`veil
/// generate`) ends at once and its output is dropped (which removes its temp file).
pub struct Stoppable<W>(pub W);

impl<W: std::io::Write> std::io::Write for Stoppable<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if STOP.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("interrupted"));
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
