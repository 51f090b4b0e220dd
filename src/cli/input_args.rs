//! How a command reads its statements (`--input-format`, the field names,
//! `--on-error`) and where the rejected records go (`--rejects`).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use clap::Args;

use volte::error::UsageError;
use volte::input::reader::FieldMap;
use volte::input::{read_statements, InputFormat, OnError, ReadOptions, ReadOutcome};
use volte::output::atomic::check_writable;
use volte::output::clash::{check_distinct, Role};
use volte::output::npy::ids_path;
use volte::output::EmbeddingFormat;
use volte::Error;

/// How to read the statements.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Input format. By default the extension decides (.jsonl/.ndjson/.json,
    /// .csv, .tsv/.tab, .txt/.text); otherwise (standard input, other names)
    /// the first non-blank line does: `{` is JSON lines, a header row naming
    /// the text column is CSV or TSV, anything else plain text. A first line
    /// that is only the text column's name is refused as ambiguous. CSV
    /// follows RFC 4180 quoting; TSV has no quoting (fields are read as
    /// written, quotes included).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Field (JSONL key or CSV column) holding the statement text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Field holding the statement id [default: id]. Without this option a
    /// record with no `id` gets `line:N` (N its line number); with it, every
    /// record must have the field (a record without is a bad record).
    #[arg(long)]
    pub id_field: Option<String>,
    /// Field holding who made the statement.
    #[arg(long, default_value = "speaker")]
    pub speaker_field: String,
    /// Field holding the date (YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339).
    #[arg(long, default_value = "date")]
    pub date_field: String,
    /// Field holding the source (article, file, URL).
    #[arg(long, default_value = "source")]
    pub source_field: String,
    /// Field holding the language code.
    #[arg(long, default_value = "lang")]
    pub lang_field: String,
    /// On a bad record: `fail` stops with exit code 2 naming file and line;
    /// `skip` goes on and writes each rejected line with its reason to the
    /// rejects file.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,
    /// Where rejected records go with `--on-error skip` (JSON lines, written
    /// even when empty). Default: `<output>.rejects.jsonl`, or
    /// `<input>.rejects.jsonl` when the output is standard output; that
    /// default file is removed by a run that rejects nothing, so it never
    /// outlives the output it belongs to.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

/// Where a run's rejected records go.
pub struct Rejects {
    path: Option<PathBuf>,
    explicit: bool,
    skip: bool,
}

impl InputArgs {
    fn options(&self, extra: &[String]) -> ReadOptions {
        ReadOptions::default()
            .with_format(self.input_format)
            .with_fields(
                FieldMap::default()
                    .with_text(self.text_field.clone())
                    .with_id(self.id_field.clone().unwrap_or_else(|| "id".to_string()))
                    .with_speaker(self.speaker_field.clone())
                    .with_date(self.date_field.clone())
                    .with_source(self.source_field.clone())
                    .with_lang(self.lang_field.clone())
                    .with_extra(extra.to_vec())
                    .with_require_id(self.id_field.is_some()),
            )
            .with_on_error(self.on_error)
    }

    /// The rejects file of a run reading `input` and writing `output`
    /// (`None` or `-` for standard output), checked for writability before
    /// any work when bad records are to be skipped.
    ///
    /// Refuses (exit code 2) an output or rejects file that is the same file
    /// as the input, or as each other.
    pub fn rejects_for(&self, input: &Path, output: Option<&Path>) -> Result<Rejects> {
        self.rejects_beside(input, &[], output)
    }

    /// Like [`InputArgs::rejects_for`] for a run that also reads `others`
    /// (queries, embeddings, axes), none of which an output may replace.
    pub fn rejects_beside(
        &self,
        input: &Path,
        others: &[Role],
        output: Option<&Path>,
    ) -> Result<Rejects> {
        let beside = |p: &Path| {
            let mut s = p.as_os_str().to_owned();
            s.push(".rejects.jsonl");
            PathBuf::from(s)
        };
        let skip = self.on_error == OnError::Skip;
        let path = match (&self.rejects, output.filter(|o| o.as_os_str() != "-")) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(o)) => Some(beside(o)),
            (None, None) if input.as_os_str() != "-" => Some(beside(input)),
            (None, None) if skip => {
                return Err(UsageError::new(
                    "--on-error skip reading standard input and writing standard output needs \
                     --rejects FILE for the rejected records",
                )
                .into())
            }
            (None, None) => None,
        };
        let mut inputs: Vec<Role> = vec![("input", input)];
        inputs.extend_from_slice(others);
        let sidecar = output.map(ids_path);
        let mut outputs: Vec<Role> = Vec::new();
        if let Some(o) = output {
            outputs.push(("output", o));
        }
        if let (Some(o), Some(side)) = (output, &sidecar) {
            if EmbeddingFormat::from_path(o).ok() == Some(EmbeddingFormat::Npy) {
                outputs.push(("ids file", side));
            }
        }
        if let Some(p) = path.as_deref().filter(|_| skip || self.rejects.is_some()) {
            outputs.push(("rejects file", p));
        }
        check_distinct(&inputs, &outputs)?;
        if skip {
            if let Some(p) = &path {
                check_writable(p)?;
            }
        }
        Ok(Rejects {
            path,
            explicit: self.rejects.is_some(),
            skip,
        })
    }

    /// Reads statements (rejects are kept in the outcome; see [`Rejects::settle`]).
    pub fn read(&self, path: &Path) -> Result<ReadOutcome> {
        self.read_with_fields(path, &[])
    }

    /// Like [`InputArgs::read`], also requiring the fields `extra` in every
    /// record (their values land in [`Statement::extra`]).
    pub fn read_with_fields(&self, path: &Path, extra: &[String]) -> Result<ReadOutcome> {
        Ok(read_statements(path, &self.options(extra))?)
    }
}

impl Rejects {
    /// Writes the rejected records of `reads` (each names its file and
    /// line), or removes a stale default rejects file when there are none.
    pub fn settle(&self, reads: &[&ReadOutcome]) -> Result<()> {
        let all: Vec<volte::input::Reject> = reads
            .iter()
            .flat_map(|r| r.rejects.iter().cloned())
            .collect();
        let Some(path) = &self.path else {
            return Ok(());
        };
        if all.is_empty() && !(self.explicit && self.skip) {
            if !self.explicit {
                match std::fs::remove_file(path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| {
                            format!("removing the stale rejects file {}", path.display())
                        })
                    }
                }
            }
            return Ok(());
        }
        volte::output::rejects::write(path, &all)?;
        if !all.is_empty() {
            eprintln!(
                "volte: {} bad record(s) skipped, listed with reasons in {}",
                all.len(),
                path.display()
            );
        }
        Ok(())
    }
}

/// The name of an input in messages.
pub fn input_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// The error for an embedding that is not finite, naming the input file
/// and line of its statement.
pub fn with_input(e: Error, input: &Path) -> anyhow::Error {
    match e {
        Error::NotFinite { statement, line } => anyhow!(
            "{}:{line}: the embedding of statement {statement:?} is not finite (NaN or \
             infinity); nothing was written. The model overflows on this text, or its weights \
             are damaged",
            input_name(input)
        ),
        e => e.into(),
    }
}
