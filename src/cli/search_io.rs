//! What the search commands share: the similarity backend, statement labels
//! (id and, when the input had statements, text) and the output file.

use anyhow::Result;
use serde::Serialize;

use super::common::{Embedded, ModelArgs};
use volte::encoder::device::open_device;
use volte::similarity::Backend;

/// The similarity backend for `--device`: the CPU kernel, or candle on a GPU.
pub fn backend(model: &ModelArgs) -> Result<Backend> {
    Ok(Backend::for_device(&open_device(model.device)?))
}

/// A statement as written in search results.
#[derive(Debug, Serialize)]
pub struct Label<'a> {
    pub id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
}

/// The label of row `i`.
pub fn label(input: &Embedded, i: usize) -> Label<'_> {
    Label {
        id: &input.ids[i],
        text: input.statements.as_ref().map(|s| s[i].text.as_str()),
    }
}
