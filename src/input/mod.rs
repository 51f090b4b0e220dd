//! Reading statements from JSONL, CSV/TSV and plain text.

pub mod record;

pub use record::{Statement, StatementDate};
