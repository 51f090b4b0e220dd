//! Where volte keeps what it downloads or converts: the cache directory of
//! the [`Settings`] (`$VOLTE_CACHE`, else `$XDG_CACHE_HOME/volte`, for
//! settings read from the environment), else `~/.cache/volte`.

use std::path::PathBuf;

use crate::error::{Result, WrapErr};
use crate::Settings;

/// Root of volte's cache directory (not created here).
pub fn cache_root(settings: &Settings) -> Result<PathBuf> {
    if let Some(p) = &settings.cache_dir {
        return Ok(p.clone());
    }
    dirs::home_dir()
        .map(|h| h.join(".cache").join("volte"))
        .context("no cache directory: set VOLTE_CACHE or XDG_CACHE_HOME")
}

/// Directory of converted models.
pub fn models_dir(settings: &Settings) -> Result<PathBuf> {
    Ok(cache_root(settings)?.join("models"))
}

/// Directory of the on-disk embedding cache.
pub fn embeddings_dir(settings: &Settings) -> Result<PathBuf> {
    Ok(cache_root(settings)?.join("embeddings"))
}
