//! The two kinds of error that mean "the user must change something" and
//! map to exit code 2: a bad record or file ([`InputError`], which names the
//! file and line), and a bad option or output path ([`UsageError`]).

pub use crate::input::InputError;

/// A bad option, option value or output path, found before any work.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Whether `e` (or anything it wraps) is a bad-input or usage error.
pub fn is_user_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<InputError>().is_some()
            || c.downcast_ref::<UsageError>().is_some()
            || c.downcast_ref::<crate::Error>()
                .is_some_and(|e| e.is_user_error())
    })
}

/// Whether `e` comes from writing into a pipe whose reader has gone
/// (`volte … -o - | head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
