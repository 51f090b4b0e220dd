//! Where volte keeps what it downloads or converts: the cache directory of
//! the [`crate::Settings`] (`$VOLTE_CACHE`, else `$XDG_CACHE_HOME/volte`),
//! else `~/.cache/volte`.

use std::path::PathBuf;

use crate::error::Result;
use anyhow::anyhow;

/// Root of volte's cache directory (not created here).
pub fn cache_root() -> Result<PathBuf> {
    if let Some(p) = &crate::Settings::current().cache_dir {
        return Ok(p.clone());
    }
    Ok(dirs::home_dir()
        .map(|h| h.join(".cache").join("volte"))
        .ok_or_else(|| anyhow!("no cache directory: set VOLTE_CACHE or XDG_CACHE_HOME"))?)
}

/// Directory of converted models.
pub fn models_dir() -> Result<PathBuf> {
    Ok(cache_root()?.join("models"))
}

/// Directory of the on-disk embedding cache.
pub fn embeddings_dir() -> Result<PathBuf> {
    Ok(cache_root()?.join("embeddings"))
}
