//! The fast CPU encoder: int8 linear layers with kernels for AVX-512 VNNI,
//! AVX-VNNI, AVX2, NEON (`sdot`, `smmla`) and a portable fallback, chosen
//! at run time ([`tier`]); sequences packed without padding.

pub(crate) mod cpu_features;
pub mod gemm;
pub(crate) mod model;
pub mod ops;
pub(crate) mod simd;
pub mod tensor_reader;
pub mod tier;

pub use model::Int8Encoder;
pub use tier::Tier;
