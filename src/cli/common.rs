//! Options and steps shared by the subcommands: reading statements and
//! their rejects, loading the model, embedding (through the embedding cache
//! when it is usable) with a progress bar, and the run summary.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::values;
use volte::embed_cache::EmbeddingCache;
use volte::embeddings::{first_non_finite_row, Embeddings, NotFinite};
use volte::encoder::int8::Tier;
use volte::encoder::{DeviceChoice, EncoderOptions, LongText, Precision, SentenceEncoder};
use volte::errors::UsageError;
use volte::input::reader::FieldMap;
use volte::input::{read_statements, InputFormat, OnError, ReadOptions, ReadOutcome, Statement};
use volte::model::{self, ResolvedModel};
use volte::output::atomic::check_writable;
use volte::output::{read_embeddings, EmbeddingFormat};

/// Which model to use and how to run it.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Model: a Hugging Face repo id (optionally `repo@revision`), a local
    /// directory in sentence-transformers layout, or an offline model
    /// (`multilingual-e5-small-q4`). When the Hub is unreachable, the default
    /// model comes from the offline source.
    #[arg(long, default_value = model::DEFAULT_MODEL, env = "VOLTE_MODEL")]
    pub model: String,

    /// Where to run the encoder and the similarity search; `auto` uses a GPU
    /// when one is built in and present, else the CPU.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,

    /// Named prompt from the model's configuration, e.g. `query` or `passage`
    /// (E5 models expect one of them).
    #[arg(long)]
    pub prompt_name: Option<String>,

    /// Literal text prepended to every statement (overrides --prompt-name).
    #[arg(long)]
    pub prompt: Option<String>,

    /// Texts longer than the model's maximum: `truncate` keeps the first
    /// window (and counts it), `chunk` averages all windows.
    #[arg(long, value_enum, default_value_t = LongText::Truncate)]
    pub long_text: LongText,

    /// Padded tokens per encoder batch (memory/speed trade-off).
    #[arg(long, default_value_t = 8192, value_parser = values::at_least_one)]
    pub batch_tokens: usize,

    /// Numeric precision: `auto` is, on the CPU, int8 with the best kernel
    /// tier of this CPU where that beats float32 (cosine ≥ 0.99 to float32;
    /// `volte doctor` shows the choice), and f16 on CUDA; `f32` is the exact
    /// reference.
    #[arg(long, value_enum, default_value_t = Precision::Auto)]
    pub dtype: Precision,

    /// Force the int8 kernel tier: avx512vnni, avxvnni, avx2, neon-i8mm,
    /// neon-dot or portable (default: `VOLTE_CPU`, else the best this CPU
    /// supports). A tier the CPU lacks is an error.
    #[arg(long, value_parser = parse_tier)]
    pub cpu_tier: Option<Tier>,
}

pub fn parse_tier(s: &str) -> std::result::Result<Tier, String> {
    Tier::parse(s).map_err(|e| e.to_string())
}

impl ModelArgs {
    pub fn encoder_options(&self) -> EncoderOptions {
        EncoderOptions {
            device: self.device,
            prompt_name: self.prompt_name.clone(),
            prompt: self.prompt.clone(),
            long_text: self.long_text,
            token_budget: self.batch_tokens,
            dtype: self.dtype,
            cpu_tier: self.cpu_tier,
            ..EncoderOptions::default()
        }
    }

    /// Resolves and loads the model, reporting where it came from.
    pub fn load(&self) -> Result<(ResolvedModel, SentenceEncoder)> {
        let resolved = model::resolve(&self.model)?;
        let encoder = SentenceEncoder::load(&resolved, self.encoder_options())
            .with_context(|| format!("loading model from {}", resolved.dir.display()))?;
        tracing::info!(
            "model {} ({:?}) from {} on {}, {}",
            resolved.spec,
            resolved.origin,
            resolved.dir.display(),
            encoder.device_name(),
            precision_label(&encoder)
        );
        Ok((resolved, encoder))
    }
}

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
    /// Field holding the statement id (default: `line:N`, N the line number).
    #[arg(long, default_value = "id")]
    pub id_field: String,
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
        ReadOptions {
            format: self.input_format,
            fields: FieldMap {
                text: self.text_field.clone(),
                id: self.id_field.clone(),
                speaker: self.speaker_field.clone(),
                date: self.date_field.clone(),
                source: self.source_field.clone(),
                lang: self.lang_field.clone(),
                extra: extra.to_vec(),
            },
            on_error: self.on_error,
        }
    }

    /// The rejects file of a run reading `input` and writing `output`
    /// (`None` or `-` for standard output), checked for writability before
    /// any work when bad records are to be skipped.
    pub fn rejects_for(&self, input: &Path, output: Option<&Path>) -> Result<Rejects> {
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

/// A progress bar on stderr when it is a terminal, hidden otherwise.
pub fn progress(len: usize, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() || std::env::var_os("VOLTE_NO_PROGRESS").is_some() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
        )
        .expect("valid progress template"),
    );
    pb.set_message(what.to_string());
    pb
}

/// The error for a statement whose embedding is not finite.
pub fn not_finite(input: &Path, s: &Statement) -> anyhow::Error {
    let name = if input.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        input.display().to_string()
    };
    anyhow!(
        "{name}:{}: the embedding of statement {:?} is not finite (NaN or infinity); nothing was \
         written. The model overflows on this text, or its weights are damaged",
        s.line,
        s.id
    )
}

/// Embeds statements in input order (a progress bar advancing per
/// statement); an embedding that is not finite is an error naming its
/// statement.
pub fn embed_statements(
    encoder: &mut SentenceEncoder,
    input: &Path,
    statements: &[Statement],
    bar: &ProgressBar,
) -> Result<Embeddings> {
    let texts: Vec<&str> = statements.iter().map(|s| s.text.as_str()).collect();
    let e = encoder.embed_with_progress(&texts, Some(bar))?;
    if let Some(row) = first_non_finite_row(&e) {
        return Err(not_finite(input, &statements[row]));
    }
    Ok(e)
}

/// `int8 (avx2)`, `F32`, …: the precision in use with the int8 kernel tier.
pub fn precision_label(encoder: &SentenceEncoder) -> String {
    match encoder.int8_tier() {
        Some(t) => format!("int8 ({t})"),
        None => format!("{:?}", encoder.precision()).to_lowercase(),
    }
}

/// Logs (at debug level, `-vv`) where the int8 encoder spent its time.
pub fn log_stage_times(encoder: &SentenceEncoder) {
    let Some(stages) = encoder.stage_seconds() else {
        return;
    };
    let total: f64 = stages.iter().map(|s| s.1).sum();
    if total <= 0.0 {
        return;
    }
    let parts: Vec<String> = stages
        .iter()
        .map(|(name, s)| format!("{name} {s:.2} s ({:.0}%)", 100.0 * s / total))
        .collect();
    tracing::debug!("int8 encoder stages: {}", parts.join(", "));
}

/// The encoder summary line printed after embedding.
pub fn encode_summary(encoder: &SentenceEncoder) -> String {
    let s = &encoder.stats;
    format!(
        "{} text(s), {} token(s) in {} window(s), {} truncated at {} tokens, {} empty",
        s.texts,
        s.tokens,
        s.windows,
        s.truncated,
        encoder.layout().max_seq_length,
        s.empty
    )
}

/// The embedding cache of `encoder`'s model, or `None` (with one warning
/// per run) when it cannot be used: the cache only saves time.
pub fn open_cache(encoder: &SentenceEncoder) -> Option<EmbeddingCache> {
    let dim = volte::encoder::TextEmbedder::dim(encoder);
    let fingerprint = volte::encoder::TextEmbedder::fingerprint(encoder);
    let opened = model::cache::embeddings_dir()
        .and_then(|dir| EmbeddingCache::open(&dir, &fingerprint, dim));
    match opened {
        Ok(c) => Some(c),
        Err(e) => {
            cache_warning(&e);
            None
        }
    }
}

/// Warns, once per run, that the embedding cache is not usable.
pub fn cache_warning(e: &anyhow::Error) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        eprintln!("volte: warning: the embedding cache is not usable ({e:#}); going on without it");
    }
}

/// Embeds texts through `cache` when there is one; the error for a text
/// whose embedding is not finite carries its index ([`NotFinite`]).
pub fn embed_cached(
    encoder: &mut SentenceEncoder,
    cache: Option<&mut EmbeddingCache>,
    texts: &[&str],
    bar: &ProgressBar,
) -> Result<(Embeddings, usize)> {
    match cache {
        Some(cache) => {
            let mut with_bar = ProgressEmbedder {
                inner: encoder,
                bar,
            };
            let c = cache.embed(&mut with_bar, texts)?;
            if let Some(e) = &c.not_stored {
                cache_warning(e);
            }
            Ok((c.embeddings, c.hits))
        }
        None => {
            let e = encoder.embed_with_progress(texts, Some(bar))?;
            if let Some(row) = first_non_finite_row(&e) {
                return Err(NotFinite { row }.into());
            }
            Ok((e, 0))
        }
    }
}

/// Statements (when the input had them) with their embeddings.
pub struct Embedded {
    pub ids: Vec<String>,
    pub statements: Option<Vec<Statement>>,
    pub embeddings: Embeddings,
}

/// An input as read: embeddings from `volte embed`, or statements to embed.
pub enum Loaded {
    Vectors(Vec<String>, Embeddings),
    Statements(PathBuf, ReadOutcome),
}

impl Loaded {
    pub fn len(&self) -> usize {
        match self {
            Self::Vectors(ids, _) => ids.len(),
            Self::Statements(_, r) => r.statements.len(),
        }
    }
}

/// For commands that write one output from one input: refuses an
/// unwritable output before any work, reads the input (statements or
/// embeddings) and settles the rejects of statements.
pub fn load_checked(input: &Path, output: &Path, args: &InputArgs) -> Result<Loaded> {
    check_writable(output)?;
    let rejects = args.rejects_for(input, Some(output))?;
    let loaded = load_input(input, args)?;
    if let Loaded::Statements(_, read) = &loaded {
        rejects.settle(&[read])?;
    }
    Ok(loaded)
}

/// Reads `.npy`/`.parquet` embeddings as they are, or statements.
pub fn load_input(path: &Path, input: &InputArgs) -> Result<Loaded> {
    if matches!(
        EmbeddingFormat::from_path(path),
        Ok(EmbeddingFormat::Npy | EmbeddingFormat::Parquet)
    ) {
        let (ids, mut embeddings) = read_embeddings(path)?;
        embeddings.normalize();
        return Ok(Loaded::Vectors(ids, embeddings));
    }
    Ok(Loaded::Statements(path.to_path_buf(), input.read(path)?))
}

/// The model, loaded on first need and shared by the inputs of one run.
pub struct LazyEncoder<'a> {
    args: &'a ModelArgs,
    encoder: Option<SentenceEncoder>,
    cache: Option<Option<EmbeddingCache>>,
}

impl<'a> LazyEncoder<'a> {
    pub fn new(args: &'a ModelArgs) -> Self {
        Self {
            args,
            encoder: None,
            cache: None,
        }
    }

    /// The loaded encoder.
    pub fn get(&mut self) -> Result<&mut SentenceEncoder> {
        if self.encoder.is_none() {
            self.encoder = Some(self.args.load()?.1);
        }
        Ok(self.encoder.as_mut().expect("loaded"))
    }

    /// Embeds texts that are not statements (`what` names them in errors)
    /// through the embedding cache.
    pub fn embed_texts(&mut self, texts: &[&str], what: &str) -> Result<Embeddings> {
        self.get()?;
        let encoder = self.encoder.as_mut().expect("loaded");
        let cache = self.cache.get_or_insert_with(|| open_cache(encoder));
        let (e, _) =
            embed_cached(encoder, cache.as_mut(), texts, &ProgressBar::hidden()).map_err(|e| {
                match e.downcast_ref::<NotFinite>() {
                    Some(nf) => anyhow!(
                        "the embedding of {what} {:?} is not finite (NaN or infinity): the model \
                     overflows on this text, or its weights are damaged",
                        texts[nf.row]
                    ),
                    None => e,
                }
            })?;
        Ok(e)
    }

    /// Embeds a loaded input through the embedding cache.
    pub fn embed(&mut self, loaded: Loaded) -> Result<Embedded> {
        let (path, read) = match loaded {
            Loaded::Vectors(ids, embeddings) => {
                return Ok(Embedded {
                    ids,
                    statements: None,
                    embeddings,
                })
            }
            Loaded::Statements(path, read) => (path, read),
        };
        let statements = read.statements;
        self.get()?;
        let encoder = self.encoder.as_mut().expect("loaded");
        let cache = self.cache.get_or_insert_with(|| open_cache(encoder));
        let texts: Vec<&str> = statements.iter().map(|s| s.text.as_str()).collect();
        let pb = progress(texts.len(), "embedding");
        let result = embed_cached(encoder, cache.as_mut(), &texts, &pb);
        pb.finish_and_clear();
        log_stage_times(encoder);
        let (embeddings, hits) = result.map_err(|e| match e.downcast_ref::<NotFinite>() {
            Some(nf) => not_finite(&path, &statements[nf.row]),
            None => e,
        })?;
        let from_cache = if cache.is_some() {
            format!(": {hits} from the embedding cache")
        } else {
            " (no cache)".to_string()
        };
        eprintln!(
            "volte: {} statement(s){from_cache}; {}",
            texts.len(),
            encode_summary(encoder)
        );
        Ok(Embedded {
            ids: statements.iter().map(|s| s.id.clone()).collect(),
            statements: Some(statements),
            embeddings,
        })
    }
}

struct ProgressEmbedder<'a> {
    inner: &'a mut SentenceEncoder,
    bar: &'a ProgressBar,
}

impl volte::encoder::TextEmbedder for ProgressEmbedder<'_> {
    fn dim(&self) -> usize {
        volte::encoder::TextEmbedder::dim(self.inner)
    }
    fn embed(&mut self, texts: &[&str]) -> Result<Embeddings> {
        self.bar.set_length(texts.len() as u64);
        self.inner.embed_with_progress(texts, Some(self.bar))
    }
    fn fingerprint(&self) -> String {
        volte::encoder::TextEmbedder::fingerprint(self.inner)
    }
}
