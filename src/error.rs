//! The errors of volte's front door ([`crate::Engine`] and the calls of
//! [`crate::pipeline`]): what went wrong, typed, so that callers can react
//! (a bad record names its file and line; a device out of memory can be
//! retried with smaller batches) without reading messages.

use std::path::PathBuf;

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
    Usage(String),
    /// The model cannot be found, provisioned, loaded or run.
    #[error("{0}")]
    Model(String),
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
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How a device failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// Out of memory even on a batch of one text.
    #[error("device out of memory: {0}")]
    OutOfMemory(String),
}

/// Results of the front door.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether the caller must change something (an input or an option),
    /// as opposed to a failure of the model, the device or the system.
    pub fn is_user_error(&self) -> bool {
        matches!(self, Error::Input(_) | Error::Usage(_))
    }

    /// Types an error from inside the library: a bad input or usage stays
    /// what it is, a device out of memory becomes [`Error::Device`], and
    /// anything else is reported as a failure of the model with its whole
    /// chain of causes.
    pub fn from_internal(e: anyhow::Error) -> Self {
        for cause in e.chain() {
            if let Some(i) = cause.downcast_ref::<InputError>() {
                return Error::Input(i.clone());
            }
            if let Some(u) = cause.downcast_ref::<crate::errors::UsageError>() {
                return Error::Usage(u.0.clone());
            }
        }
        if crate::encoder::oom::is_out_of_memory(&e) {
            return Error::Device(DeviceError::OutOfMemory(format!("{e:#}")));
        }
        Error::Model(format!("{e:#}"))
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(e)
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::from_internal(e)
    }
}
