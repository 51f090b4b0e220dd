//! Sentence encoders: tokenization, batching, the transformer, pooling.

pub(crate) mod backbone;
pub(crate) mod batching;
pub mod device;
pub(crate) mod embedder;
pub mod int8;
pub(crate) mod oom;
pub(crate) mod pooling;
pub(crate) mod precision;
pub(crate) mod runtime;
pub(crate) mod sentence;
pub mod tokenize;
pub(crate) mod transformer;
pub(crate) mod unigram;

pub use device::DeviceChoice;
pub use embedder::TextEmbedder;
pub use precision::Precision;
pub use runtime::RuntimeOptions;
pub use sentence::{EncodeStats, EncoderOptions, SentenceEncoder};
pub use tokenize::LongText;
