//! Where and how a transformer runs: device, precision, CPU kernel tier and
//! batch sizes. The sentence encoder and the stance model share these
//! options and open them the same way ([`RuntimeOptions::open`]).

use crate::error::Result;
use candle_core::Device;

use super::device::{open_device, DeviceChoice};
use super::int8::tier::{self, Tier, TierSource};
use super::precision::Precision;

/// How to run a transformer (the sentence encoder or the stance model).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RuntimeOptions {
    pub device: DeviceChoice,
    pub dtype: Precision,
    /// The int8 kernel tier; `None`: that of the settings (`VOLTE_CPU`),
    /// else the best this CPU supports.
    pub cpu_tier: Option<Tier>,
    /// Padded tokens per batch.
    pub token_budget: usize,
    /// Sequences per batch at most.
    pub max_batch: usize,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            device: DeviceChoice::Auto,
            dtype: Precision::Auto,
            cpu_tier: None,
            token_budget: 8192,
            max_batch: 128,
        }
    }
}

impl RuntimeOptions {
    pub fn with_device(mut self, device: DeviceChoice) -> Self {
        self.device = device;
        self
    }

    pub fn with_dtype(mut self, dtype: Precision) -> Self {
        self.dtype = dtype;
        self
    }

    pub fn with_cpu_tier(mut self, tier: Option<Tier>) -> Self {
        self.cpu_tier = tier;
        self
    }

    /// Padded tokens per batch (at least 1).
    pub fn with_token_budget(mut self, tokens: usize) -> Self {
        self.token_budget = tokens.max(1);
        self
    }

    /// Sequences per batch at most (at least 1).
    pub fn with_max_batch(mut self, n: usize) -> Self {
        self.max_batch = n.max(1);
        self
    }

    /// Opens the device, selects the CPU kernel tier (the settings' when
    /// none is asked for) and resolves `auto` precision for them.
    pub fn open(&self, settings: &crate::Settings) -> Result<Runtime> {
        let device = open_device(self.device)?;
        let (tier, tier_source) = tier::select(self.cpu_tier, settings.cpu_tier)?;
        let precision = self.dtype.resolve(&device, tier);
        Ok(Runtime {
            device,
            precision,
            tier,
            tier_source,
        })
    }
}

/// An opened runtime: what [`RuntimeOptions`] resolved to.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub device: Device,
    pub precision: Precision,
    pub tier: Tier,
    pub tier_source: TierSource,
}

impl Runtime {
    /// Logs the int8 tier in use and why (when the precision is int8).
    pub fn log_tier(&self) {
        if self.precision != Precision::Int8 {
            return;
        }
        tracing::info!(
            "int8 kernel tier {} ({}; CPU supports: {})",
            self.tier,
            match self.tier_source {
                TierSource::Detected => "the best this CPU supports".to_string(),
                TierSource::Requested => "requested".to_string(),
                TierSource::Environment => format!("forced by {}", tier::ENV),
            },
            Tier::supported()
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
