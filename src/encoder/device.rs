//! Choosing where the encoder runs: `--device auto|cpu|cuda|metal`.

use crate::error::{bail, Result};
use candle_core::Device;

/// The user's device choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum DeviceChoice {
    /// CUDA or Metal when built in and present, else the CPU.
    #[default]
    Auto,
    Cpu,
    Cuda,
    Metal,
}

impl std::str::FromStr for DeviceChoice {
    type Err = crate::error::UsageError;

    /// `auto`, `cpu`, `cuda` or `metal`, as the program and the Python
    /// package take them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "auto" => Self::Auto,
            "cpu" => Self::Cpu,
            "cuda" => Self::Cuda,
            "metal" => Self::Metal,
            _ => {
                return Err(crate::error::UsageError::new(format!(
                    "device {s:?}: one of auto, cpu, cuda, metal"
                )))
            }
        })
    }
}

/// Opens the chosen device. `auto` falls back to the CPU with a one-line notice.
pub fn open_device(choice: DeviceChoice) -> Result<Device> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Cuda => {
            if !cfg!(feature = "cuda") {
                bail!("this volte was built without CUDA support (rebuild with --features cuda)");
            }
            Ok(Device::new_cuda(0)?)
        }
        DeviceChoice::Metal => {
            if !cfg!(feature = "metal") {
                bail!("this volte was built without Metal support (rebuild with --features metal)");
            }
            Ok(Device::new_metal(0)?)
        }
        DeviceChoice::Auto => {
            if cfg!(feature = "cuda") {
                match Device::new_cuda(0) {
                    Ok(d) => return Ok(d),
                    Err(e) => tracing::warn!("no usable CUDA device ({e}); using the CPU"),
                }
                return Ok(Device::Cpu);
            }
            if cfg!(feature = "metal") {
                match Device::new_metal(0) {
                    Ok(d) => return Ok(d),
                    Err(e) => tracing::warn!("no usable Metal device ({e}); using the CPU"),
                }
                return Ok(Device::Cpu);
            }
            tracing::info!("built without GPU support; using the CPU");
            Ok(Device::Cpu)
        }
    }
}

/// A short human name of a device.
pub fn device_name(d: &Device) -> &'static str {
    match d {
        Device::Cpu => "cpu",
        Device::Cuda(_) => "cuda",
        Device::Metal(_) => "metal",
    }
}
