//! Running third-party decoders that can panic on malformed input (the
//! parquet crate's thrift footer decoder does) so that a damaged file is an
//! error, not a crash.
//!
//! A panic inside [`catch_quietly`] is caught and returned as its message;
//! the process-wide panic hook is wrapped once so that such a panic is not
//! also printed. Panics elsewhere are reported by the previous hook as before.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic becomes `Err(message)`.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error() {
        assert_eq!(catch_quietly(|| 3), Ok(3));
        let e = catch_quietly(|| -> u8 { panic!("bad footer") }).unwrap_err();
        assert_eq!(e, "bad footer");
    }
}
