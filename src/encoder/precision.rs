//! The encoder's numeric precision (`--dtype`) and what `auto` resolves to
//! on each device.

use candle_core::Device;

use super::int8::tier::{self, CpuPath, Tier};

/// Numeric precision of the encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Precision {
    /// On the CPU the faster of int8 (with this CPU's kernel tier) and f32;
    /// f16 on CUDA, f32 on Metal.
    #[default]
    Auto,
    /// float32 everywhere (the reference).
    F32,
    /// float16 weights and activations (GPU).
    F16,
    /// bfloat16 weights and activations (GPU).
    Bf16,
    /// int8 linear layers, per-channel weights and per-token activations (CPU).
    Int8,
}

impl std::str::FromStr for Precision {
    type Err = crate::error::UsageError;

    /// `auto`, `f32`, `f16`, `bf16` or `int8` (the `--dtype` values).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "auto" => Self::Auto,
            "f32" => Self::F32,
            "f16" => Self::F16,
            "bf16" => Self::Bf16,
            "int8" => Self::Int8,
            _ => {
                return Err(crate::error::UsageError::new(format!(
                    "dtype {s:?}: one of auto, f32, f16, bf16, int8"
                )))
            }
        })
    }
}

impl Precision {
    /// What `auto` means on `device` with the int8 kernel tier `tier`: on
    /// the CPU int8 where that tier beats float32 (else float32), float16
    /// on CUDA, float32 elsewhere; other choices stay as they are.
    pub fn resolve(self, device: &Device, tier: Tier) -> Precision {
        match (self, device) {
            (Precision::Auto, Device::Cpu) => {
                let (path, why) = tier::auto_precision(tier);
                let p = match path {
                    CpuPath::Int8(_) => Precision::Int8,
                    CpuPath::F32 => Precision::F32,
                };
                tracing::info!("automatic precision on the CPU: {p:?} ({why})");
                p
            }
            (Precision::Auto, Device::Cuda(_)) => Precision::F16,
            (Precision::Auto, _) => Precision::F32,
            (p, _) => p,
        }
    }
}
