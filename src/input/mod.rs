//! Reading statements from JSONL, CSV/TSV and plain text.

mod delimited;
pub(crate) mod format;
pub mod reader;
pub(crate) mod record;
mod sniff;

pub use delimited::{Dialect, Item, Row, Rows};

pub use reader::{
    read_statements, InputError, InputFormat, OnError, ReadOptions, ReadOutcome, Reject,
};
pub use record::{Statement, StatementDate};
