//! Options and steps shared by the subcommands: reading statements, loading
//! the model, embedding with a progress bar, and the run summary.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use volte::embed_cache::EmbeddingCache;
use volte::embeddings::Embeddings;
use volte::encoder::int8::Tier;
use volte::encoder::{DeviceChoice, EncoderOptions, LongText, Precision, SentenceEncoder};
use volte::input::reader::{write_rejects, FieldMap};
use volte::input::{read_statements, InputFormat, OnError, ReadOptions, ReadOutcome, Statement};
use volte::model::{self, ResolvedModel};
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
    #[arg(long, default_value_t = 8192)]
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

fn parse_tier(s: &str) -> std::result::Result<Tier, String> {
    Tier::parse(s).map_err(|e| e.to_string())
}

impl ModelArgs {
    pub fn encoder_options(&self) -> EncoderOptions {
        EncoderOptions {
            device: self.device,
            prompt_name: self.prompt_name.clone(),
            prompt: self.prompt.clone(),
            long_text: self.long_text,
            token_budget: self.batch_tokens.max(1),
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
    /// Input format; by default guessed from the extension (.jsonl, .csv,
    /// .tsv, .txt), else from the content.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Field (JSONL key or CSV column) holding the statement text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Field holding the statement id (default: the line number).
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
    /// Where rejected records go with `--on-error skip` (JSON lines).
    /// Default: `<output>.rejects.jsonl`, or `volte-rejects.jsonl`.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

impl InputArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            format: self.input_format,
            fields: FieldMap {
                text: self.text_field.clone(),
                id: self.id_field.clone(),
                speaker: self.speaker_field.clone(),
                date: self.date_field.clone(),
                source: self.source_field.clone(),
                lang: self.lang_field.clone(),
            },
            on_error: self.on_error,
        }
    }

    /// Reads statements, writes the rejects file if any, and reports counts.
    pub fn read(&self, path: &Path, output: Option<&Path>) -> Result<ReadOutcome> {
        let out = read_statements(path, &self.options())?;
        if !out.rejects.is_empty() {
            let rejects = self.rejects.clone().unwrap_or_else(|| match output {
                Some(o) => {
                    let mut s = o.as_os_str().to_owned();
                    s.push(".rejects.jsonl");
                    PathBuf::from(s)
                }
                None => PathBuf::from("volte-rejects.jsonl"),
            });
            write_rejects(&rejects, &out.rejects)
                .with_context(|| format!("writing {}", rejects.display()))?;
            eprintln!(
                "volte: {} bad record(s) skipped, listed with reasons in {}",
                out.rejects.len(),
                rejects.display()
            );
        }
        Ok(out)
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

/// Embeds texts in input order with a progress bar.
pub fn embed_texts(encoder: &mut SentenceEncoder, texts: &[&str]) -> Result<Embeddings> {
    let pb = progress(texts.len(), "embedding");
    // Chunks keep sorting and padding local while the bar advances steadily.
    let mut out = Embeddings::empty(volte::encoder::TextEmbedder::dim(encoder));
    for chunk in texts.chunks(4096) {
        let e = encoder.embed_with_progress(chunk, Some(&pb))?;
        for i in 0..e.len() {
            out.push_row(e.row(i))?;
        }
    }
    pb.finish_and_clear();
    Ok(out)
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

/// Statements (when the input had them) with their embeddings.
pub struct Embedded {
    pub ids: Vec<String>,
    pub statements: Option<Vec<Statement>>,
    pub embeddings: Embeddings,
    /// The loaded model, when the statements were embedded here.
    pub encoder: Option<SentenceEncoder>,
}

/// Loads `.npy`/`.parquet` embeddings as they are, or reads statements and
/// embeds them through the on-disk embedding cache.
pub fn load_or_embed(path: &Path, input: &InputArgs, model_args: &ModelArgs) -> Result<Embedded> {
    if matches!(
        EmbeddingFormat::from_path(path),
        Ok(EmbeddingFormat::Npy | EmbeddingFormat::Parquet)
    ) {
        let (ids, mut embeddings) = read_embeddings(path)?;
        embeddings.normalize();
        return Ok(Embedded {
            ids,
            statements: None,
            embeddings,
            encoder: None,
        });
    }
    let read = input.read(path, None)?;
    let statements = read.statements;
    let (_, mut encoder) = model_args.load()?;
    let texts: Vec<&str> = statements.iter().map(|s| s.text.as_str()).collect();
    let dim = volte::encoder::TextEmbedder::dim(&encoder);
    let fingerprint = volte::encoder::TextEmbedder::fingerprint(&encoder);
    let mut cache = EmbeddingCache::open(&model::cache::embeddings_dir()?, &fingerprint, dim)?;
    let pb = progress(texts.len(), "embedding");
    let (embeddings, hits) = {
        let mut with_bar = ProgressEmbedder {
            inner: &mut encoder,
            bar: &pb,
        };
        cache.embed(&mut with_bar, &texts)?
    };
    pb.finish_and_clear();
    log_stage_times(&encoder);
    eprintln!(
        "volte: {} statement(s): {} from the embedding cache; {}",
        texts.len(),
        hits,
        encode_summary(&encoder)
    );
    Ok(Embedded {
        ids: statements.iter().map(|s| s.id.clone()).collect(),
        statements: Some(statements),
        embeddings,
        encoder: Some(encoder),
    })
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
