//! `.jsonl` embeddings: one object per statement with its metadata and vector.

use std::io::Write;
use std::path::Path;

use crate::error::{Result, WrapErr};
use serde::Serialize;

use super::atomic::AtomicFile;
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

/// Writes one JSON object per statement, block by block, in input order.
pub struct JsonlWriter {
    file: AtomicFile,
}

impl JsonlWriter {
    pub fn create(path: &Path) -> Result<Self> {
        Ok(Self {
            file: AtomicFile::create(path)?,
        })
    }

    /// Appends statements and their embeddings.
    pub fn write(&mut self, statements: &[Statement], emb: &Embeddings) -> Result<()> {
        let path = self.file.path().to_path_buf();
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
            serde_json::to_writer(&mut self.file, &row)
                .map_err(std::io::Error::from)
                .and_then(|()| self.file.write_all(b"\n"))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        self.file.commit()
    }
}
