//! Opening the stance model: from a directory, or the one that comes with
//! volte.

use super::cross_encoder::{default_model_dir, StanceModel, StanceOptions};
use crate::error::{Error, Result};

/// Loads the stance model from `dir` (by default the one that comes with
/// volte), provisioning its base model when needed.
pub fn open_stance_model(
    dir: Option<&std::path::Path>,
    options: StanceOptions,
) -> Result<StanceModel> {
    let dir = dir
        .map(|d| d.to_path_buf())
        .unwrap_or_else(default_model_dir);
    let model = StanceModel::load(&dir, options).map_err(Error::from_internal)?;
    tracing::info!("stance model {} ({:?})", dir.display(), model.precision());
    Ok(model)
}
