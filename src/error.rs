//! The one error type of volte ([`Error`]), the failure of the model or the
//! system it keeps with its chain of causes ([`ModelError`]), and the marker
//! its internals raise for a bad option ([`UsageError`]): what went wrong,
//! typed, so that callers can react (a bad record names its file and line; a
//! device out of memory can be retried with smaller batches) without reading
//! messages. A user error ([`Error::is_user_error`]) is exit code 2 in the
//! command line and `ValueError` in Python; anything else is exit code 1.

use std::error::Error as StdError;
use std::fmt;

pub use crate::input::InputError;

/// Any error of std or of a library volte runs on, kept as a cause.
type BoxError = Box<dyn StdError + Send + Sync + 'static>;

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
    Model(ModelError),
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
    /// Out of memory even on a batch of one text: what was being done and
    /// the device's own message, as one text.
    #[error("device out of memory: {0}")]
    OutOfMemory(String),
}

/// A failure of the model, of the system or of a library volte runs on:
/// what was being done, outermost first, down to the error that started it,
/// each layer the `source()` of the one before. `{}` prints the outermost
/// layer, `{:#}` the whole chain joined by `": "`.
#[derive(Debug)]
pub struct ModelError(Layer);

#[derive(Debug)]
enum Layer {
    /// A message of volte, over the error it adds to (if any).
    Message {
        message: String,
        source: Option<BoxError>,
    },
    /// An error of std or of another library as it is: its text and its
    /// own sources.
    Foreign(BoxError),
}

impl ModelError {
    /// A failure told by its message alone.
    pub(crate) fn message(message: impl fmt::Display) -> Self {
        ModelError(Layer::Message {
            message: message.to_string(),
            source: None,
        })
    }

    /// An error of std or of another library, kept as it is.
    fn foreign(e: BoxError) -> Self {
        ModelError(Layer::Foreign(e))
    }

    /// This failure, with `message` saying what was being done. An error of
    /// another library becomes the direct source of the message (so that
    /// `source()` finds it), a message of volte nests whole.
    fn context(self, message: String) -> Self {
        let source: BoxError = match self.0 {
            Layer::Foreign(e) => e,
            layer => Box::new(ModelError(layer)),
        };
        ModelError(Layer::Message {
            message,
            source: Some(source),
        })
    }

    /// The first error of the chain: this one, or the error of another
    /// library it is.
    fn first(&self) -> &(dyn StdError + 'static) {
        match &self.0 {
            Layer::Message { .. } => self,
            Layer::Foreign(e) => e.as_ref(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Layer::Message { message, .. } => f.write_str(message)?,
            Layer::Foreign(e) => write!(f, "{e}")?,
        }
        if f.alternate() {
            let mut next = self.source();
            while let Some(e) = next {
                write!(f, ": {e}")?;
                next = e.source();
            }
        }
        Ok(())
    }
}

impl StdError for ModelError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.0 {
            Layer::Message { source, .. } => source.as_deref().map(|e| e as _),
            Layer::Foreign(e) => e.source(),
        }
    }
}

/// `return Err(…)` of an [`Error::Model`] with a formatted message.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::model(format!($($arg)*)))
    };
}
pub(crate) use bail;

/// `if !cond { bail!(…) }`.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::error::bail!($($arg)*);
        }
    };
}
pub(crate) use ensure;

/// Results of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error that a message of context can be added to (see [`WrapErr`]):
/// [`Error`] itself, and any error of std or of another library.
pub trait Cause: Sized {
    /// This error as an [`Error`], with `message` saying what was being
    /// done: a failure of the model keeps its chain (`source()` walks it,
    /// `{:#}` prints it), the message first; a device out of memory adds
    /// the message to its text; a bad input or option stays what it is.
    fn wrap(self, message: String) -> Error;
}

impl<E: StdError + Send + Sync + 'static> Cause for E {
    fn wrap(self, message: String) -> Error {
        Error::from_boxed(Box::new(self)).layer(message)
    }
}

/// Context for results (and options) inside the library: what was being
/// done, giving the crate's [`Error`] and keeping the cause as its source.
pub trait WrapErr<T> {
    /// On error, says what was being done.
    fn context(self, message: impl fmt::Display) -> Result<T>;
    /// [`WrapErr::context`] with a message made only on error.
    fn with_context<M: fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T>;
}

impl<T, E: Cause> WrapErr<T> for std::result::Result<T, E> {
    fn context(self, message: impl fmt::Display) -> Result<T> {
        self.map_err(|e| e.wrap(message.to_string()))
    }
    fn with_context<M: fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T> {
        self.map_err(|e| e.wrap(message().to_string()))
    }
}

impl<T> WrapErr<T> for Option<T> {
    fn context(self, message: impl fmt::Display) -> Result<T> {
        self.ok_or_else(|| Error::model(message))
    }
    fn with_context<M: fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T> {
        self.ok_or_else(|| Error::model(message()))
    }
}

impl Error {
    /// A bad option or value ([`Error::Usage`]).
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(UsageError::new(message))
    }

    /// A failure of the model told by its message alone ([`Error::Model`]).
    pub(crate) fn model(message: impl fmt::Display) -> Self {
        Error::Model(ModelError::message(message))
    }

    /// Whether the caller must change something (an input or an option),
    /// as opposed to a failure of the model, the device or the system.
    pub fn is_user_error(&self) -> bool {
        matches!(self, Error::Input(_) | Error::Usage(_))
    }

    /// This error and its causes, outermost first, as `source()` walks
    /// them, but starting, for a failure of the model that is an error of
    /// std or of another library (an [`std::io::Error`] without context),
    /// with that error itself, so that its type can be looked for.
    pub fn chain(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        let first: &(dyn StdError + 'static) = match self {
            Error::Model(m) => m.first(),
            other => other,
        };
        std::iter::successors(Some(first), |&e| e.source())
    }

    /// This error with `message` saying what was being done (see
    /// [`Cause::wrap`]).
    fn layer(self, message: String) -> Error {
        match self {
            Error::Model(e) => Error::Model(e.context(message)),
            Error::Device(DeviceError::OutOfMemory(text)) => {
                Error::Device(DeviceError::OutOfMemory(format!("{message}: {text}")))
            }
            typed => typed,
        }
    }

    /// Types any error: one of the crate's stays what it is, candle's is
    /// read for a device out of memory, anything else is a failure of the
    /// model.
    fn from_boxed(e: BoxError) -> Error {
        let e = match e.downcast::<Error>() {
            Ok(typed) => return *typed,
            Err(e) => e,
        };
        let e = match e.downcast::<InputError>() {
            Ok(i) => return Error::Input(*i),
            Err(e) => e,
        };
        let e = match e.downcast::<UsageError>() {
            Ok(u) => return Error::Usage(*u),
            Err(e) => e,
        };
        let e = match e.downcast::<ModelError>() {
            Ok(m) => return Error::Model(*m),
            Err(e) => e,
        };
        let e = match e.downcast::<DeviceError>() {
            Ok(d) => return Error::Device(*d),
            Err(e) => e,
        };
        match e.downcast::<candle_core::Error>() {
            Ok(c) => Error::from(*c),
            Err(e) => Error::Model(ModelError::foreign(e)),
        }
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

impl From<ModelError> for Error {
    fn from(e: ModelError) -> Self {
        Error::Model(e)
    }
}

impl From<DeviceError> for Error {
    fn from(e: DeviceError) -> Self {
        Error::Device(e)
    }
}

/// Candle failed. candle reports a device out of memory only in the text
/// of its backend's error (CUDA's `CUDA_ERROR_OUT_OF_MEMORY`, Metal's "out
/// of memory"), so that text is read here, once, and nowhere else: such a
/// failure is [`Error::Device`], any other a failure of the model.
impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        let first: &(dyn StdError + 'static) = &e;
        let from_device = std::iter::successors(Some(first), |&c| c.source()).any(|c| {
            c.downcast_ref::<candle_core::Error>().is_some_and(|c| {
                let text = c.to_string().to_ascii_lowercase();
                text.contains("out of memory") || text.contains("out_of_memory")
            })
        });
        let model = ModelError::foreign(Box::new(e));
        if from_device {
            Error::Device(DeviceError::OutOfMemory(format!("{model:#}")))
        } else {
            Error::Model(model)
        }
    }
}

/// Errors of std and of the libraries volte runs on: failures of the model
/// or the system (a file operation's message says which file where the
/// caller added it as context), kept as they are.
macro_rules! foreign_errors {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Model(ModelError::foreign(Box::new(e)))
            }
        }
    )*};
}
foreign_errors!(
    std::io::Error,
    serde_json::Error,
    toml::de::Error,
    std::string::FromUtf8Error,
    std::str::Utf8Error,
    std::num::ParseIntError,
    std::num::ParseFloatError,
    std::array::TryFromSliceError,
    arrow::error::ArrowError,
    parquet::errors::ParquetError,
    zip::result::ZipError,
    safetensors::SafeTensorError,
    hf_hub::api::sync::ApiError,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// `e` and its sources joined by `": "`, as the command line prints an
    /// error (each cause once).
    fn printed(e: &(dyn StdError + 'static)) -> String {
        std::iter::successors(Some(e), |&c| c.source())
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(": ")
    }

    fn failed<E: Cause>(e: E, message: &str) -> Error {
        Err::<(), E>(e).context(message).unwrap_err()
    }

    #[test]
    fn typed_errors_come_back_unchanged_through_context() {
        let usage = failed(Error::usage("--threshold 2"), "searching");
        assert!(matches!(usage, Error::Usage(u) if u.0 == "--threshold 2"));
        let marker = failed(UsageError::new("--top-k 0"), "reading options");
        assert!(matches!(marker, Error::Usage(u) if u.0 == "--top-k 0"));
        let input = InputError {
            file: "a.jsonl".into(),
            line: 3,
            reason: "no text".into(),
        };
        let input = failed(failed(input, "reading"), "report");
        assert!(matches!(input, Error::Input(ref i) if i.line == 3));
        let not_finite = Error::NotFinite {
            statement: "s1".into(),
            line: 3,
        };
        assert!(matches!(
            failed(not_finite, "embedding"),
            Error::NotFinite { line: 3, .. }
        ));
        assert!(matches!(
            failed(Error::model("weights damaged"), "loading"),
            Error::Model(_)
        ));
        let missing: Option<u32> = None;
        assert!(matches!(
            missing.context("no tensor x"),
            Err(Error::Model(_))
        ));
    }

    #[test]
    fn an_io_error_stays_reachable_through_a_typed_error() {
        let io = || std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed");
        let bare = Error::from(io());
        assert!(matches!(bare, Error::Model(_)));
        assert_eq!(printed(&bare), "closed");
        assert!(bare
            .chain()
            .any(|c| c.downcast_ref::<std::io::Error>().is_some()));
        let wrapped = failed(io(), "writing out.jsonl");
        let source = StdError::source(&wrapped).expect("a source");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert!(wrapped
            .chain()
            .any(|c| c.downcast_ref::<std::io::Error>().is_some()));
    }

    #[test]
    fn user_errors_are_found_through_context() {
        assert!(failed(UsageError::new("--top-k 0"), "reading options").is_user_error());
        assert!(failed(Error::usage("bad"), "report").is_user_error());
        assert!(!failed(Error::model("no such tensor"), "loading model").is_user_error());
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "x");
        assert!(!failed(io, "reading").is_user_error());
    }

    #[test]
    fn a_model_failure_keeps_its_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "config.json");
        let e = failed(io, "loading model from m");
        assert!(matches!(e, Error::Model(_)));
        assert_eq!(e.to_string(), "loading model from m");
        assert_eq!(format!("{e:#}"), "loading model from m: config.json");
        let source = StdError::source(&e).expect("a source");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        // Layers nest as sources; printed as a chain (as the command line
        // does), nothing repeats.
        let outer = failed(e, "opening the engine");
        assert_eq!(outer.to_string(), "opening the engine");
        assert_eq!(
            format!("{outer:#}"),
            "opening the engine: loading model from m: config.json"
        );
        assert_eq!(
            printed(&outer),
            "opening the engine: loading model from m: config.json"
        );
        assert_eq!(outer.chain().count(), 3);
        let message = failed(Error::model("no tensor w"), "loading");
        assert_eq!(printed(&message), "loading: no tensor w");
        assert_eq!(format!("{message:#}"), "loading: no tensor w");
    }
}
