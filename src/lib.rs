//! volte: multilingual statement embeddings, similarity search, topic
//! clustering and stance-shift detection.
//!
//! The front door is [`Engine`]: open a model once ([`Engine::open`] with a
//! [`ModelSpec`] and [`EngineOptions`]), then embed [`Statement`]s (through
//! the on-disk embedding cache) and build reports; similarity search and
//! clustering are calls over the [`Embeddings`] ([`similarity`],
//! [`cluster::cluster`]). Errors are typed ([`Error`]); long work reports
//! progress through [`progress::Progress`] and messages through `tracing`.
//! What an application needs is re-exported here, one import away (the
//! modules hold the rest). What comes from the environment is read once
//! into [`Settings`]
//! ([`Settings::from_env`]) and passed explicitly: the engine keeps the
//! settings it was opened with; nothing in the library reads a variable.
//!
//! ```no_run
//! use volte::{
//!     cluster, read_statements, top_k_self, ClusterOptions, Engine, EngineOptions, ModelSpec,
//!     ReadOptions, ReportRequest, SearchOptions, Settings,
//! };
//!
//! let read = read_statements("statements.jsonl".as_ref(), &ReadOptions::default())?;
//! let options = EngineOptions::for_analysis().with_settings(Settings::from_env()?);
//! let mut engine = Engine::open(ModelSpec::default(), options)?;
//! let embeddings = engine.embed(&read.statements, None)?;
//! let neighbours = top_k_self(&embeddings, 5, &SearchOptions::default())?;
//! assert_eq!(neighbours.len(), read.statements.len());
//! let topics = cluster(&embeddings, None, &ClusterOptions::default().with_min_size(3))?;
//! println!("{} topic(s) by community detection", topics.clusters.len());
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

// The flat surface: what an application needs, one import away.

// The front door.
/// Stance axes and the name they are reported under.
pub use engine::Axes;
/// A loaded model and its embedding cache: embeds and builds reports.
pub use engine::Engine;
/// How to open and run the model (encoder, cache, prompt, settings).
pub use engine::EngineOptions;
/// Which model to open: a Hub id, a directory or an offline model name.
pub use engine::ModelSpec;
/// What a report is built from besides the statements.
pub use engine::ReportRequest;
/// What the environment decides, read once and passed explicitly.
pub use settings::Settings;

// Errors.
/// How a device failed (out of memory).
pub use error::DeviceError;
/// The one error type at the library's edge.
pub use error::Error;
/// A bad record or input file: file, line and why.
pub use error::InputError;
/// Results of the library.
pub use error::Result;
/// A bad option or value.
pub use error::UsageError;

// Statements and embeddings.
/// Cosine similarity of two vectors.
pub use embeddings::cosine;
/// Unit rows, one per statement.
pub use embeddings::Embeddings;
/// Reads statements from a file (JSONL, CSV, TSV, Parquet, text).
pub use input::read_statements;
/// The field names of an input's records.
pub use input::reader::FieldMap;
/// The file format of an input.
pub use input::InputFormat;
/// What to do with bad records.
pub use input::OnError;
/// How to read an input (format, field names, bad records).
pub use input::ReadOptions;
/// What reading an input gave: statements and rejected records.
pub use input::ReadOutcome;
/// One statement: text, speaker, date, source, id.
pub use input::Statement;
/// Reads embeddings written by [`write_embeddings`].
pub use output::read_embeddings;
/// Writes embeddings (`.npy` with an ids file, or `.parquet`).
pub use output::write_embeddings;

// The encoder's options.
/// The int8 kernel tier.
pub use encoder::int8::Tier;
/// Which device to run on.
pub use encoder::DeviceChoice;
/// Device, precision, prompt and batching of the sentence encoder.
pub use encoder::EncoderOptions;
/// Which precision to run in.
pub use encoder::Precision;
/// Where and how a transformer runs (device, precision, kernel tier).
pub use encoder::RuntimeOptions;

// Similarity search.
/// Every pair of rows above a cosine similarity, as indices.
pub use similarity::pair_indices_above;
/// Every pair across two sets above a cosine similarity, as indices.
pub use similarity::pair_indices_between;
/// Every pair of rows above a cosine similarity, with scores.
pub use similarity::pairs_above;
/// The `k` nearest rows of every query row in a corpus.
pub use similarity::top_k;
/// The `k` nearest other rows of every row.
pub use similarity::top_k_self;
/// Where a search runs (CPU, or a candle device).
pub use similarity::Backend;
/// A neighbour found by a top-k search.
pub use similarity::Neighbor;
/// A pair found by a pair search.
pub use similarity::Pair;
/// How a pair search chooses the pairs it compares.
pub use similarity::PairIndex;
/// How to run a search (backend, tiles, pair limit, index, progress).
pub use similarity::SearchOptions;

// Clustering.
/// Groups unit rows into topics.
pub use cluster::cluster;
/// Community detection or average-linkage clustering.
pub use cluster::ClusterMethod;
/// How to cluster.
pub use cluster::ClusterOptions;
/// Topics, their members, medoids and keywords.
pub use cluster::Clustering;

// Stance and reports.
/// Tunable settings of the report pipeline.
pub use report::build::ReportOptions;
/// The stance-shift report.
pub use report::model::Report;
/// Reads and checks an axes file.
pub use stance::axes::read_axes;
/// One stance axis: a thesis, or examples of both poles.
pub use stance::axes::AxisSpec;
/// Scores statement–thesis pairs (the stance model, or another scorer).
pub use stance::cross_encoder::PairStance;
/// The stance model (a cross-encoder scoring statement–thesis pairs).
pub use stance::cross_encoder::StanceModel;
/// How to run the stance model.
pub use stance::cross_encoder::StanceOptions;
/// A stance score: probabilities of agree, neutral, disagree.
pub use stance::cross_encoder::StanceScore;
/// Opens the stance model (by default the one that comes with volte).
pub use stance::open_stance_model;
/// Thresholds of the shift detector.
pub use stance::shifts::ShiftParams;

// Extraction.
/// Finds attributed statements in articles.
pub use extract::extract;
/// Reads articles from files.
pub use extract::read_articles;
/// An article to extract from.
pub use extract::Article;
/// How to extract.
pub use extract::ExtractOptions;
/// A statement found in an article.
pub use extract::ExtractedStatement;
/// A language extraction knows.
pub use extract::Lang;

// Progress.
/// Progress of long work, reported to the caller.
pub use progress::Progress;
