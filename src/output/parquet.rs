//! `.parquet` embeddings: columns id, text, speaker, date, source, lang and
//! `embedding` (a fixed-size list of float32).

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use arrow::array::{Array, ArrayRef, FixedSizeListArray, Float32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::embeddings::Embeddings;
use crate::input::Statement;

/// Writes statements and their embeddings, in input order.
pub fn write(path: &Path, statements: &[Statement], emb: &Embeddings) -> Result<()> {
    let dim = emb.dim() as i32;
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
    let col = |f: &dyn Fn(&Statement) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(
            statements.iter().map(f).collect::<Vec<Option<String>>>(),
        ))
    };
    let values = Arc::new(Float32Array::from(emb.as_slice().to_vec()));
    let list = FixedSizeListArray::try_new(item, dim, values, None)?;
    let columns: Vec<ArrayRef> = vec![
        col(&|s| Some(s.id.clone())),
        col(&|s| Some(s.text.clone())),
        col(&|s| s.speaker.clone()),
        col(&|s| s.date.as_ref().map(|d| d.raw.clone())),
        col(&|s| s.source.clone()),
        col(&|s| s.lang.clone()),
        Arc::new(list),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = ArrowWriter::try_new(file, schema, Some(props))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(())
}

/// Reads ids and embeddings back from a file written by [`write`].
pub fn read(path: &Path) -> Result<(Vec<String>, Embeddings)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is not a parquet file", path.display()))?
        .build()?;
    let mut ids = Vec::new();
    let mut data = Vec::new();
    let mut dim = 0usize;
    for batch in reader {
        let batch = batch?;
        let id_col = batch
            .column_by_name("id")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned())
            .with_context(|| format!("{}: no string column \"id\"", path.display()))?;
        let emb_col = batch
            .column_by_name("embedding")
            .and_then(|c| c.as_any().downcast_ref::<FixedSizeListArray>().cloned())
            .with_context(|| {
                format!(
                    "{}: no fixed-size list column \"embedding\"",
                    path.display()
                )
            })?;
        dim = emb_col.value_length() as usize;
        let values = emb_col
            .values()
            .as_any()
            .downcast_ref::<Float32Array>()
            .with_context(|| format!("{}: embedding values are not float32", path.display()))?;
        if emb_col.offset() != 0 {
            bail!(
                "{}: sliced embedding arrays are not supported",
                path.display()
            );
        }
        ids.extend((0..id_col.len()).map(|i| id_col.value(i).to_string()));
        data.extend_from_slice(&values.values()[..emb_col.len() * dim]);
    }
    if dim == 0 {
        bail!("{}: no rows", path.display());
    }
    Ok((ids, Embeddings::new(dim, data)?))
}
