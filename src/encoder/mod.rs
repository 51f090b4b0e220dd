//! Sentence encoders.

pub mod embedder;

pub use embedder::TextEmbedder;
