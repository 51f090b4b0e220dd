//! Writing and reading embeddings: `.npy` (+ ids sidecar), `.parquet`, `.jsonl`.

pub mod jsonl;
pub mod npy;
pub mod parquet;

use std::path::Path;

use anyhow::{bail, Result};

use crate::embeddings::Embeddings;
use crate::input::Statement;

/// Output formats of `volte embed`, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingFormat {
    Npy,
    Parquet,
    Jsonl,
}

impl EmbeddingFormat {
    /// The format a path's extension names.
    pub fn from_path(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
        {
            Some(e) if e == "npy" => Ok(Self::Npy),
            Some(e) if e == "parquet" => Ok(Self::Parquet),
            Some(e) if e == "jsonl" || e == "ndjson" => Ok(Self::Jsonl),
            _ => bail!(
                "cannot tell the output format of {}: use a .npy, .parquet or .jsonl name",
                path.display()
            ),
        }
    }
}

/// Writes embeddings in the format the path names.
pub fn write_embeddings(path: &Path, statements: &[Statement], emb: &Embeddings) -> Result<()> {
    match EmbeddingFormat::from_path(path)? {
        EmbeddingFormat::Npy => {
            let ids: Vec<String> = statements.iter().map(|s| s.id.clone()).collect();
            npy::write(path, &ids, emb)
        }
        EmbeddingFormat::Parquet => parquet::write(path, statements, emb),
        EmbeddingFormat::Jsonl => jsonl::write(path, statements, emb),
    }
}

/// Reads ids and embeddings from a `.npy` or `.parquet` written by `volte embed`.
pub fn read_embeddings(path: &Path) -> Result<(Vec<String>, Embeddings)> {
    match EmbeddingFormat::from_path(path)? {
        EmbeddingFormat::Npy => npy::read(path),
        EmbeddingFormat::Parquet => parquet::read(path),
        EmbeddingFormat::Jsonl => bail!(
            "{}: embeddings are read back from .npy or .parquet",
            path.display()
        ),
    }
}
