//! `.parquet` embeddings: columns id, text, speaker, date, source, lang and
//! `embedding` (a fixed-size list of float32).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{ensure, Result, WrapErr};
use arrow::array::{Array, ArrayRef, FixedSizeListArray, Float32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::atomic::AtomicFile;
use crate::embeddings::Embeddings;
use crate::input::{InputError, Statement};

fn schema(dim: i32) -> (Arc<Schema>, Arc<Field>) {
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("speaker", DataType::Utf8, true),
        Field::new("date", DataType::Utf8, true),
        Field::new("source", DataType::Utf8, true),
        Field::new("lang", DataType::Utf8, true),
        Field::new(
            "embedding",
            DataType::FixedSizeList(item.clone(), dim),
            false,
        ),
    ]));
    (schema, item)
}

/// Writes statements and their embeddings block by block, in input order.
pub struct ParquetWriter {
    writer: ArrowWriter<AtomicFile>,
    schema: Arc<Schema>,
    item: Arc<Field>,
    dim: usize,
    path: PathBuf,
}

impl ParquetWriter {
    pub fn create(path: &Path, dim: usize) -> Result<Self> {
        let (schema, item) = schema(dim as i32);
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(AtomicFile::create(path)?, schema.clone(), Some(props))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(Self {
            writer,
            schema,
            item,
            dim,
            path: path.to_path_buf(),
        })
    }

    /// Appends statements and their embeddings.
    pub fn write(&mut self, statements: &[Statement], emb: &Embeddings) -> Result<()> {
        ensure!(
            statements.len() == emb.len() && emb.dim() == self.dim,
            "{} statements for {} embeddings of dimension {} (expected {})",
            statements.len(),
            emb.len(),
            emb.dim(),
            self.dim
        );
        let col = |f: &dyn Fn(&Statement) -> Option<String>| -> ArrayRef {
            Arc::new(StringArray::from(
                statements.iter().map(f).collect::<Vec<Option<String>>>(),
            ))
        };
        let values = Arc::new(Float32Array::from(emb.as_slice().to_vec()));
        let list = FixedSizeListArray::try_new(self.item.clone(), self.dim as i32, values, None)?;
        let columns: Vec<ArrayRef> = vec![
            col(&|s| Some(s.id.clone())),
            col(&|s| Some(s.text.clone())),
            col(&|s| s.speaker.clone()),
            col(&|s| s.date.as_ref().map(|d| d.raw.clone())),
            col(&|s| s.source.clone()),
            col(&|s| s.lang.clone()),
            Arc::new(list),
        ];
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        self.writer
            .write(&batch)
            .with_context(|| format!("writing {}", self.path.display()))
    }

    /// Writes the footer and commits the file.
    pub fn finish(self) -> Result<()> {
        let file = self
            .writer
            .into_inner()
            .with_context(|| format!("writing {}", self.path.display()))?;
        file.commit()
    }
}

/// Writes statements and their embeddings, in input order.
pub fn write(path: &Path, statements: &[Statement], emb: &Embeddings) -> Result<()> {
    let mut w = ParquetWriter::create(path, emb.dim())?;
    w.write(statements, emb)?;
    w.finish()
}

/// Reads ids and embeddings back from a file written by [`write`] (any
/// parquet file with a string column `id` and a fixed-size float32 list
/// column `embedding`). A file that is not one is an [`InputError`].
pub fn read(path: &Path) -> Result<(Vec<String>, Embeddings)> {
    // The parquet crate can panic on a damaged footer; that is a bad file.
    crate::panic_guard::catch_quietly(|| read_unguarded(path)).unwrap_or_else(|panic| {
        Err(InputError {
            file: path.display().to_string(),
            line: 0,
            reason: format!("not a readable parquet file (the decoder failed: {panic})"),
        }
        .into())
    })
}

fn read_unguarded(path: &Path) -> Result<(Vec<String>, Embeddings)> {
    let fault = |reason: String| InputError {
        file: path.display().to_string(),
        line: 0,
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| fault(format!("cannot read: {e}")))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| fault(format!("not a parquet file ({e})")))?;
    let mut ids = Vec::new();
    let mut data = Vec::new();
    let mut dim = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| fault(format!("cannot read a row group ({e})")))?;
        let id_col = batch
            .column_by_name("id")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned())
            .ok_or_else(|| fault("no string column \"id\"".into()))?;
        let emb_col = batch
            .column_by_name("embedding")
            .and_then(|c| c.as_any().downcast_ref::<FixedSizeListArray>().cloned())
            .ok_or_else(|| fault("no fixed-size list column \"embedding\"".into()))?;
        if id_col.null_count() > 0 || emb_col.null_count() > 0 {
            return Err(fault("null ids or embeddings".into()).into());
        }
        dim = emb_col.value_length().max(0) as usize;
        let values = emb_col
            .values()
            .as_any()
            .downcast_ref::<Float32Array>()
            .ok_or_else(|| fault("embedding values are not float32".into()))?;
        let need = emb_col.len() * dim;
        let start = emb_col.offset() * dim;
        let Some(rows) = values.values().get(start..start + need) else {
            return Err(fault("embedding values are shorter than their rows".into()).into());
        };
        ids.extend((0..id_col.len()).map(|i| id_col.value(i).to_string()));
        data.extend_from_slice(rows);
    }
    if dim == 0 {
        return Err(fault("no rows".into()).into());
    }
    Ok((ids, Embeddings::new(dim, data)?))
}
