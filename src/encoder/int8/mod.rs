//! The fast CPU encoder: int8 linear layers (AVX-512 VNNI where present),
//! sequences packed without padding.

pub mod gemm;
pub mod model;
pub mod ops;
pub mod simd;
pub mod weights;

pub use model::Int8Encoder;
