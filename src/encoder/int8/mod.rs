//! The fast CPU encoder: int8 linear layers with kernels for AVX-512 VNNI,
//! AVX-VNNI, AVX2, NEON (`sdot`, `smmla`) and a portable fallback, chosen
//! at run time ([`tier`]); sequences packed without padding.

pub mod cpu_features;
pub mod gemm;
pub mod model;
pub mod ops;
pub mod simd;
pub mod tensor_reader;
pub mod tier;

pub use model::Int8Encoder;
pub use tier::Tier;
