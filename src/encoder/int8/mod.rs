//! The fast CPU encoder: int8 linear layers with kernels for AVX-512 VNNI,
//! AVX-VNNI, AVX2, NEON (`sdot`, `smmla`) and a portable fallback, chosen
//! at run time ([`tier`]); sequences packed without padding.

pub mod gemm;
pub mod model;
pub mod ops;
pub mod simd;
pub mod tier;
pub mod weights;

pub use model::Int8Encoder;
pub use tier::Tier;
