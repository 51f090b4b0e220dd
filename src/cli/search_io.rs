//! What the search commands share: the similarity backend, statement labels
//! (id and, when the input had statements, text) and the output file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
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

/// A buffered writer on `path`, or on stdout for `-`.
pub fn create_output(path: &Path) -> Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufWriter::new(std::io::stdout().lock())));
    }
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(Box::new(BufWriter::new(file)))
}

/// Writes `value` as one JSON line.
pub fn write_line<T: Serialize>(out: &mut dyn Write, value: &T) -> Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}
