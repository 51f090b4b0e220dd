//! Opening the stance model: from a directory, or the one that comes with
//! volte.

use super::cross_encoder::{default_model_dir, StanceModel, StanceOptions};
use crate::error::Result;
use crate::Settings;

/// Loads the stance model from `dir` (by default the one that comes with
/// volte), provisioning its base model when needed.
pub fn open_stance_model(
    dir: Option<&std::path::Path>,
    options: StanceOptions,
    settings: &Settings,
) -> Result<StanceModel> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => default_model_dir(settings)?,
    };
    let model = StanceModel::load(&dir, options, settings)?;
    tracing::info!("stance model {} ({:?})", dir.display(), model.precision());
    Ok(model)
}
