//! Writing and reading embeddings: `.npy` (+ ids sidecar), `.parquet`, `.jsonl`.
//!
//! Every output is written to a temporary file next to its final name and
//! renamed into place when complete ([`atomic`]).

pub mod atomic;
pub mod clash;
pub(crate) mod jsonl;
pub mod npy;
pub mod parquet;
pub mod parts;
pub mod rejects;

use std::path::Path;

use crate::error::Result;

use crate::embeddings::{first_non_finite_row, Embeddings};
use crate::error::UsageError;
use crate::input::{InputError, Statement};

/// Output formats of `volte embed`, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingFormat {
    Npy,
    Parquet,
    Jsonl,
}

impl EmbeddingFormat {
    /// The format a path's extension names; another extension is a
    /// [`UsageError`].
    pub fn from_path(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
        {
            Some(e) if e == "npy" => Ok(Self::Npy),
            Some(e) if e == "parquet" => Ok(Self::Parquet),
            Some(e) if e == "jsonl" || e == "ndjson" => Ok(Self::Jsonl),
            _ => Err(UsageError::new(format!(
                "cannot tell the output format of {}: use a .npy, .parquet or .jsonl name",
                path.display()
            ))
            .into()),
        }
    }
}

/// Writes embeddings block by block in the format the path names; the file
/// (with its ids sidecar for `.npy`) appears when [`EmbeddingWriter::finish`]
/// succeeds.
pub enum EmbeddingWriter {
    Npy(npy::NpyWriter),
    Parquet(Box<parquet::ParquetWriter>),
    Jsonl(jsonl::JsonlWriter),
}

impl EmbeddingWriter {
    /// Starts `path` for `rows` statements of dimension `dim`.
    pub fn create(path: &Path, rows: usize, dim: usize) -> Result<Self> {
        Ok(match EmbeddingFormat::from_path(path)? {
            EmbeddingFormat::Npy => Self::Npy(npy::NpyWriter::create(path, rows, dim)?),
            EmbeddingFormat::Parquet => {
                Self::Parquet(Box::new(parquet::ParquetWriter::create(path, dim)?))
            }
            EmbeddingFormat::Jsonl => Self::Jsonl(jsonl::JsonlWriter::create(path)?),
        })
    }

    /// Appends statements and their embeddings (one row each, in order).
    pub fn write(&mut self, statements: &[Statement], emb: &Embeddings) -> Result<()> {
        match self {
            Self::Npy(w) => {
                let ids: Vec<String> = statements.iter().map(|s| s.id.clone()).collect();
                w.write(&ids, emb)
            }
            Self::Parquet(w) => w.write(statements, emb),
            Self::Jsonl(w) => w.write(statements, emb),
        }
    }

    /// Completes the output and moves it into place.
    pub fn finish(self) -> Result<()> {
        match self {
            Self::Npy(w) => w.finish(),
            Self::Parquet(w) => w.finish(),
            Self::Jsonl(w) => w.finish(),
        }
    }
}

/// Writes embeddings in the format the path names.
pub fn write_embeddings(path: &Path, statements: &[Statement], emb: &Embeddings) -> Result<()> {
    let mut w = EmbeddingWriter::create(path, emb.len(), emb.dim())?;
    w.write(statements, emb)?;
    w.finish()
}

/// Reads ids and embeddings from a `.npy` or `.parquet` written by `volte
/// embed`. A row that is not finite is an [`InputError`] naming it.
pub fn read_embeddings(path: &Path) -> Result<(Vec<String>, Embeddings)> {
    let (ids, emb) = match EmbeddingFormat::from_path(path)? {
        EmbeddingFormat::Npy => npy::read(path)?,
        EmbeddingFormat::Parquet => parquet::read(path)?,
        EmbeddingFormat::Jsonl => {
            return Err(UsageError::new(format!(
                "{}: embeddings are read back from .npy or .parquet",
                path.display()
            ))
            .into())
        }
    };
    if let Some(row) = first_non_finite_row(&emb) {
        return Err(InputError {
            file: path.display().to_string(),
            line: 0,
            reason: format!(
                "row {} (id {:?}) holds values that are not finite (NaN or infinity)",
                row + 1,
                ids[row]
            ),
        }
        .into());
    }
    Ok((ids, emb))
}
