//! Sentence encoders: tokenization, batching, the transformer, pooling.

pub mod backbone;
pub mod batching;
pub mod device;
pub mod embedder;
pub mod int8;
pub mod oom;
pub mod pooling;
pub mod precision;
pub mod runtime;
pub mod sentence;
pub mod tokenize;
pub mod transformer;
pub mod unigram;

pub use device::DeviceChoice;
pub use embedder::TextEmbedder;
pub use precision::Precision;
pub use runtime::RuntimeOptions;
pub use sentence::{EncodeStats, EncoderOptions, SentenceEncoder};
pub use tokenize::LongText;
