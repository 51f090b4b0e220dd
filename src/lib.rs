//! volte: multilingual statement embeddings, similarity search, topic
//! clustering and stance-shift detection.
//!
//! The front door is [`Engine`]: open a model once ([`Engine::open`] with a
//! [`ModelSpec`] and [`EngineOptions`]), then embed [`Statement`]s (through
//! the on-disk embedding cache) and build reports; similarity search and
//! clustering are calls over the [`Embeddings`] ([`similarity`],
//! [`cluster::cluster`]). Errors are typed ([`Error`]); long work reports
//! progress through [`progress::Progress`] and messages through `tracing`.
//! What comes from the environment is read once into [`Settings`]
//! ([`Settings::from_env`]) and passed explicitly: the engine keeps the
//! settings it was opened with; nothing in the library reads a variable.
//!
//! ```no_run
//! use volte::input::{read_statements, ReadOptions};
//! use volte::similarity::{top_k_self, SearchOptions};
//! use volte::{Engine, EngineOptions, ModelSpec, ReportRequest, Settings};
//!
//! let read = read_statements("statements.jsonl".as_ref(), &ReadOptions::default())?;
//! let options = EngineOptions::for_analysis().with_settings(Settings::from_env()?);
//! let mut engine = Engine::open(ModelSpec::default(), options)?;
//! let embeddings = engine.embed(&read.statements, None)?;
//! let neighbours = top_k_self(&embeddings, 5, &SearchOptions::default())?;
//! assert_eq!(neighbours.len(), read.statements.len());
//! let report = engine.report(&read.statements, ReportRequest::default())?;
//! println!("{} topic(s), {} shift(s)", report.topics.len(), report.shifts.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// The `tracing` target of messages meant for the person running a job
/// (a model being fetched or converted, a run resuming): the CLI shows them
/// without `-v`. Warnings use the `WARN` level under any target.
pub const NOTICE: &str = "volte::notice";

pub mod cluster;
pub mod embed_cache;
pub mod embeddings;
pub mod encoder;
pub mod engine;
pub mod error;
pub mod eval;
pub mod extract;
pub mod input;
pub mod model;
pub mod output;
pub(crate) mod panic_guard;
pub mod progress;
pub mod report;
pub(crate) mod settings;
pub mod similarity;
pub mod stance;
#[doc(hidden)]
pub mod test_rng;
pub mod values;

pub use embeddings::Embeddings;
pub use engine::{Engine, EngineOptions, ModelSpec, ReportRequest};
pub use error::{Error, Result};
pub use input::Statement;
pub use settings::Settings;
