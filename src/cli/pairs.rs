//! `volte pairs`: every pair of statements at least as similar as a
//! threshold, as JSON lines.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::documents::Label;
use super::input_args::InputArgs;
use super::load::{load_checked, LazyEngine};
use super::model_args::ModelArgs;
use super::output_file::OutputFile;
use super::progress_bar::Bar;
use super::search_io::{backend, IndexArgs};
use super::values;
use volte::similarity::{pairs_above, SearchOptions};
use volte::Settings;

/// Find every pair of statements whose cosine similarity reaches a threshold
/// (near-duplicates and paraphrases).
///
/// Results are exact (the same as comparing every pair in float64), most
/// similar first, each pair once with the earlier statement first. Above
/// 200,000 statements on the CPU, pairs come from an inverted-file index
/// (see --index): each pair found is exact, a few may be missed.
///
/// Output: one JSON line per pair:
/// {"a": {"id": ..., "text": ...}, "b": {"id": ..., "text": ...}, "score": 0.95}
/// ("text" only when the input had statements rather than embeddings).
/// With --device cuda (in a CUDA build) similarities are computed on the GPU.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    volte pairs statements.jsonl -o pairs.jsonl\n  \
    volte pairs statements.npy --threshold 0.95 -o near-duplicates.jsonl\n\n\
    With the default model (multilingual-e5-small) unrelated statements often\n\
    score 0.7-0.8; paraphrases, also across languages, mostly score above 0.9.")]
pub struct PairsArgs {
    /// Statements (JSONL, CSV/TSV with a header, plain text; embedded on the
    /// fly through the embedding cache) or embeddings from `volte embed`
    /// (.npy with its ids file, or .parquet).
    pub input: PathBuf,
    /// Smallest cosine similarity reported, in [-1, 1].
    #[arg(short, long, default_value_t = 0.9, value_parser = values::cosine)]
    pub threshold: f32,
    /// Stop with an error when more pairs than this qualify (they are held in
    /// memory, 12 bytes each, before writing).
    #[arg(long, default_value_t = 50_000_000)]
    pub max_pairs: usize,
    /// Output file (JSON lines); `-` writes to stdout.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub index: IndexArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

#[derive(Serialize)]
struct Line<'a> {
    a: Label<'a>,
    b: Label<'a>,
    score: f32,
}

pub fn run(args: PairsArgs, settings: &Settings) -> Result<()> {
    let loaded = load_checked(&args.input, &args.output, &args.input_args)?;
    let input = LazyEngine::new(&args.model, settings).embed(loaded)?;
    let backend = backend(&args.model)?;
    let index = args.index.index(input.embeddings.len(), &backend);
    let pb = Bar::new(0, "comparing");
    let options = SearchOptions::default()
        .with_backend(backend)
        .with_max_pairs(Some(args.max_pairs))
        .with_progress(Some(&pb))
        .with_index(index);
    let started = std::time::Instant::now();
    let pairs = pairs_above(&input.embeddings, args.threshold, &options)?;
    pb.finish();
    let seconds = started.elapsed().as_secs_f64();
    let mut out = OutputFile::create(&args.output)?;
    for p in &pairs {
        out.write_line(&Line {
            a: input.label(p.a as usize),
            b: input.label(p.b as usize),
            score: p.score,
        })?;
    }
    out.finish()?;
    eprintln!(
        "volte: {} pair(s) with similarity >= {} among {} statement(s) in {seconds:.2} s; wrote {}",
        pairs.len(),
        args.threshold,
        input.ids.len(),
        args.output.display()
    );
    Ok(())
}
