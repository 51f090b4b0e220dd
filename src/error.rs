//! The one error type of volte ([`Error`]), and the marker its internals
//! raise for a bad option ([`UsageError`]): what went wrong, typed, so that
//! callers can react (a bad record names its file and line; a device out of
//! memory can be retried with smaller batches) without reading messages.
//! A user error ([`Error::is_user_error`]) is exit code 2 in the command
//! line and `ValueError` in Python; anything else is exit code 1.

pub use crate::input::InputError;

/// An error at the edge of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad record or input file: the file, the 1-based line (0 for the
    /// whole file) and why.
    #[error("{0}")]
    Input(InputError),
    /// A bad option or value, found before any work.
    #[error("{0}")]
    Usage(UsageError),
    /// The model cannot be found, provisioned, loaded or run. The cause is
    /// kept with its chain (`{:#}` prints all of it; `source()` walks it).
    #[error(transparent)]
    Model(anyhow::Error),
    /// The embedding of a statement is not finite (NaN or infinity): the
    /// model overflows on its text, or its weights are damaged. `statement`
    /// is its id (or, for bare texts, the text) and `line` its 1-based line
    /// in the input (for bare texts, its position).
    #[error(
        "the embedding of statement {statement:?} (line {line}) is not finite (NaN or \
         infinity): the model overflows on this text, or its weights are damaged"
    )]
    NotFinite { statement: String, line: usize },
    /// The device (GPU or CPU memory) failed.
    #[error("{0}")]
    Device(DeviceError),
}

/// A bad option, option value or output path, found before any work.
/// Internals raise it inside their own errors; at the edge it becomes
/// [`Error::Usage`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// How a device failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// Out of memory even on a batch of one text.
    #[error("device out of memory: {0}")]
    OutOfMemory(String),
}

/// `return Err(anyhow!(…).into())`: anyhow's `bail!` for functions that
/// return either `anyhow::Result` or [`Result`].
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(anyhow::anyhow!($($arg)*).into())
    };
}
pub(crate) use bail;

/// `if !cond { bail!(…) }`: anyhow's `ensure!` for functions that return
/// either `anyhow::Result` or [`Result`].
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::error::bail!($($arg)*);
        }
    };
}
pub(crate) use ensure;

/// Results of the front door.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error that a message of context can be added to (see [`WrapErr`]).
pub trait Cause: Sized {
    /// This error as an [`Error`], with `message` saying what was being
    /// done: a failure of the model keeps its chain (`source()` walks it,
    /// `{:#}` prints it), the message first; a typed error stays what it is.
    fn wrap(self, message: String) -> Error;
}

impl Cause for Error {
    fn wrap(self, message: String) -> Error {
        match self {
            Error::Model(e) => Error::Model(e.context(message)),
            typed => typed,
        }
    }
}

impl Cause for anyhow::Error {
    fn wrap(self, message: String) -> Error {
        match self.downcast::<Error>() {
            Ok(typed) => typed.wrap(message),
            Err(e) => Error::from_internal(e.context(message)),
        }
    }
}

macro_rules! std_causes {
    ($($t:ty),*) => {$(
        impl Cause for $t {
            fn wrap(self, message: String) -> Error {
                Error::from_internal(anyhow::Error::new(self).context(message))
            }
        }
    )*};
}
std_causes!(
    std::io::Error,
    candle_core::Error,
    serde_json::Error,
    toml::de::Error,
    std::string::FromUtf8Error,
    std::num::ParseIntError
);

/// Context for results (and options) inside the library, as anyhow's
/// `Context`, but giving the crate's [`Error`] and keeping the cause as
/// its source.
pub trait WrapErr<T> {
    /// On error, says what was being done.
    fn context(self, message: impl std::fmt::Display) -> Result<T>;
    /// [`WrapErr::context`] with a message made only on error.
    fn with_context<M: std::fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T>;
}

impl<T, E: Cause> WrapErr<T> for std::result::Result<T, E> {
    fn context(self, message: impl std::fmt::Display) -> Result<T> {
        self.map_err(|e| e.wrap(message.to_string()))
    }
    fn with_context<M: std::fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T> {
        self.map_err(|e| e.wrap(message().to_string()))
    }
}

impl<T> WrapErr<T> for Option<T> {
    fn context(self, message: impl std::fmt::Display) -> Result<T> {
        self.ok_or_else(|| Error::Model(anyhow::anyhow!("{message}")))
    }
    fn with_context<M: std::fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T> {
        self.ok_or_else(|| Error::Model(anyhow::anyhow!("{}", message())))
    }
}

impl Error {
    /// A bad option or value ([`Error::Usage`]).
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(UsageError::new(message))
    }

    /// The internal error a [`Error::Model`] keeps, to look for a cause of
    /// a given type in its chain (`{:#}` already prints all of it).
    pub fn internal_cause(&self) -> Option<&anyhow::Error> {
        match self {
            Error::Model(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the caller must change something (an input or an option),
    /// as opposed to a failure of the model, the device or the system.
    pub fn is_user_error(&self) -> bool {
        matches!(self, Error::Input(_) | Error::Usage(_))
    }

    /// Whether `e`, or anything it wraps, is a user error (see
    /// [`Error::is_user_error`]): the same rule for errors of the
    /// internals, which carry [`InputError`] and [`UsageError`] inside.
    pub fn is_user_error_in(e: &anyhow::Error) -> bool {
        e.chain().any(|c| {
            c.is::<InputError>()
                || c.is::<UsageError>()
                || c.downcast_ref::<Error>().is_some_and(Error::is_user_error)
        })
    }

    /// Types an error from inside the library: a bad input or usage stays
    /// what it is, a device out of memory becomes [`Error::Device`], and
    /// anything else is a failure of the model, its chain of causes kept.
    pub fn from_internal(e: anyhow::Error) -> Self {
        let e = match e.downcast::<Error>() {
            Ok(typed) => return typed,
            Err(e) => e,
        };
        for cause in e.chain() {
            match cause.downcast_ref::<Error>() {
                Some(Error::Input(i)) => return Error::Input(i.clone()),
                Some(Error::Usage(u)) => return Error::Usage(u.clone()),
                _ => {}
            }
            if let Some(i) = cause.downcast_ref::<InputError>() {
                return Error::Input(i.clone());
            }
            if let Some(u) = cause.downcast_ref::<UsageError>() {
                return Error::Usage(u.clone());
            }
        }
        if crate::encoder::oom::is_out_of_memory(&e) {
            return Error::Device(DeviceError::OutOfMemory(format!("{e:#}")));
        }
        Error::Model(e)
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(e)
    }
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Error::Usage(e)
    }
}

/// A file or stream operation failed (its message says which file where
/// the caller added it as context).
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::from_internal(e.into())
    }
}

/// Candle failed: typed like any internal error, so that a device out of
/// memory becomes [`Error::Device`].
impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::from_internal(e.into())
    }
}

/// A JSON value could not be read or written.
impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::from_internal(e.into())
    }
}

/// A TOML text could not be read.
impl From<toml::de::Error> for Error {
    fn from(e: toml::de::Error) -> Self {
        Error::from_internal(e.into())
    }
}

impl From<std::array::TryFromSliceError> for Error {
    fn from(e: std::array::TryFromSliceError) -> Self {
        Error::Model(e.into())
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::from_internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_errors_come_back_unchanged_through_anyhow() {
        let inner = anyhow::Error::from(Error::usage("--threshold 2")).context("searching");
        assert!(matches!(Error::from_internal(inner), Error::Usage(u) if u.0 == "--threshold 2"));
        let direct = anyhow::Error::from(Error::NotFinite {
            statement: "s1".into(),
            line: 3,
        });
        assert!(matches!(
            Error::from_internal(direct),
            Error::NotFinite { line: 3, .. }
        ));
        let model = anyhow::anyhow!("weights damaged");
        assert!(matches!(Error::from_internal(model), Error::Model(_)));
    }

    #[test]
    fn an_io_error_stays_reachable_through_a_typed_error() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed");
        let typed = Error::from(io);
        let cause = typed.internal_cause().expect("kept as the model's cause");
        assert!(cause
            .chain()
            .any(|c| c.downcast_ref::<std::io::Error>().is_some()));
    }

    #[test]
    fn user_errors_are_found_through_context() {
        let usage = anyhow::Error::new(UsageError::new("--top-k 0")).context("reading options");
        assert!(Error::is_user_error_in(&usage));
        assert!(Error::from_internal(usage).is_user_error());
        let model = anyhow::anyhow!("no such tensor").context("loading model");
        assert!(!Error::is_user_error_in(&model));
        let wrapped = anyhow::Error::new(Error::usage("bad")).context("report");
        assert!(Error::is_user_error_in(&wrapped));
    }

    #[test]
    fn a_model_failure_keeps_its_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "config.json");
        let e = Error::from_internal(anyhow::Error::new(io).context("loading model from m"));
        assert!(matches!(e, Error::Model(_)));
        assert_eq!(e.to_string(), "loading model from m");
        assert_eq!(format!("{e:#}"), "loading model from m: config.json");
        let source = std::error::Error::source(&e).expect("a source");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        // Printed as a chain (as the command line does), nothing repeats.
        let outer = anyhow::Error::new(e).context("volte report");
        assert_eq!(
            format!("{outer:#}"),
            "volte report: loading model from m: config.json"
        );
    }
}
