//! Reading statements from JSONL, CSV/TSV and plain text.

pub mod reader;
pub mod record;

pub use reader::{
    read_statements, InputError, InputFormat, OnError, ReadOptions, ReadOutcome, Reject,
};
pub use record::{Statement, StatementDate};
