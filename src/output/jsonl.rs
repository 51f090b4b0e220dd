//! `.jsonl` embeddings: one object per statement with its metadata and vector.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::embeddings::Embeddings;
use crate::input::Statement;

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    speaker: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    text: &'a str,
    embedding: &'a [f32],
}

/// Writes one JSON object per statement, in input order.
pub fn write(path: &Path, statements: &[Statement], emb: &Embeddings) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    for (i, s) in statements.iter().enumerate() {
        let row = Row {
            id: &s.id,
            speaker: s.speaker.as_deref(),
            date: s.date.as_ref().map(|d| d.raw.as_str()),
            source: s.source.as_deref(),
            lang: s.lang.as_deref(),
            text: &s.text,
            embedding: emb.row(i),
        };
        serde_json::to_writer(&mut w, &row)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}
