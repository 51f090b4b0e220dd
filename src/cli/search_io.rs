//! The similarity backend of the search commands for `--device`.

use anyhow::Result;

use super::model_args::ModelArgs;
use volte::encoder::device::open_device;
use volte::similarity::Backend;

/// The similarity backend for `--device`: the CPU kernel, or candle on a GPU.
pub fn backend(model: &ModelArgs) -> Result<Backend> {
    Ok(Backend::for_device(&open_device(model.device)?))
}
