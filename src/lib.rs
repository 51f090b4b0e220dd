//! volte: multilingual statement embeddings, similarity search, topic
//! clustering and stance-shift detection.

pub mod cluster;
pub mod embed_cache;
pub mod embeddings;
pub mod encoder;
pub mod errors;
pub mod eval;
pub mod input;
pub mod model;
pub mod output;
pub mod panic_guard;
pub mod report;
pub mod similarity;
pub mod stance;
#[doc(hidden)]
pub mod test_rng;
