//! Sentence encoders: tokenization, batching, the transformer, pooling.

pub mod backbone;
pub mod batching;
pub mod device;
pub mod embedder;
pub mod int8;
pub mod oom;
pub mod pooling;
pub mod sentence;
pub mod tokenize;
pub mod transformer;
pub mod unigram;

pub use device::DeviceChoice;
pub use embedder::TextEmbedder;
pub use sentence::{EncodeStats, EncoderOptions, Precision, SentenceEncoder};
pub use tokenize::LongText;
