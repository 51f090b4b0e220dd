//! `volte similar`: the most similar statements of every statement, or of
//! each query, as JSON lines.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::documents::Label;
use super::input_args::InputArgs;
use super::load::{load_input, LazyEngine, Loaded};
use super::model_args::ModelArgs;
use super::output_file::OutputFile;
use super::progress_bar::Bar;
use super::search_io::backend;
use super::values;
use volte::error::UsageError;
use volte::output::atomic::check_writable;
use volte::similarity::{top_k, top_k_self, SearchOptions};
use volte::Settings;

/// Find the most similar statements (cosine similarity of the embeddings).
///
/// Without --queries, every input statement is compared with all the others
/// (never with itself). With --queries, each query is compared with every
/// input statement. Results are exact (the same as comparing every pair in
/// float64) and ordered by score, then input order.
///
/// Output: one JSON line per statement (or query):
/// {"id": ..., "text": ..., "neighbors": [{"id": ..., "text": ..., "score": 0.93}, ...]}
/// ("text" only when the input had statements rather than embeddings).
/// With --device cuda (in a CUDA build) similarities are computed on the GPU.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    volte similar statements.jsonl --top-k 5 -o similar.jsonl\n  \
    volte embed statements.jsonl -o statements.npy && volte similar statements.npy -o similar.jsonl\n  \
    volte similar statements.jsonl --queries questions.txt -k 3 -o answers.jsonl")]
pub struct SimilarArgs {
    /// Statements (JSONL, CSV/TSV with a header, plain text; embedded on the
    /// fly through the embedding cache) or embeddings from `volte embed`
    /// (.npy with its ids file, or .parquet).
    pub input: PathBuf,
    /// Neighbours per statement.
    #[arg(short = 'k', long, default_value_t = 10, value_parser = values::at_least_one)]
    pub top_k: usize,
    /// Search for these statements (or embeddings, same model) among the input
    /// instead of every input statement among the others.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Leave out neighbours whose similarity (a cosine, in [-1, 1]) is below this.
    #[arg(long, value_parser = values::cosine)]
    pub min_score: Option<f32>,
    /// Output file (JSON lines); `-` writes to stdout.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

#[derive(Serialize)]
struct Neighbor<'a> {
    #[serde(flatten)]
    statement: Label<'a>,
    score: f32,
}

#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    statement: Label<'a>,
    neighbors: Vec<Neighbor<'a>>,
}

pub fn run(args: SimilarArgs, settings: &Settings) -> Result<()> {
    check_writable(&args.output)?;
    let rejects = args.input_args.rejects_beside(
        &args.input,
        &args
            .queries
            .as_deref()
            .map(|q| ("queries", q))
            .into_iter()
            .collect::<Vec<_>>(),
        Some(&args.output),
    )?;
    let corpus = load_input(&args.input, &args.input_args)?;
    let queries = match &args.queries {
        Some(q) => Some(load_input(q, &args.input_args)?),
        None => None,
    };
    let reads: Vec<_> = [Some(&corpus), queries.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|l| match l {
            Loaded::Statements(_, r) => Some(r),
            _ => None,
        })
        .collect();
    rejects.settle(&reads)?;
    let mut encoder = LazyEngine::new(&args.model, settings);
    let corpus = encoder.embed(corpus)?;
    let queries = match queries {
        Some(q) => Some(encoder.embed(q)?),
        None => None,
    };
    if let Some(q) = &queries {
        let (qd, cd) = (q.embeddings.dim(), corpus.embeddings.dim());
        if qd != cd {
            return Err(UsageError::new(format!(
                "the queries {} have dimension {qd} but the corpus {} has dimension {cd}: \
                 embed both with the same model",
                args.queries.as_deref().unwrap_or(Path::new("-")).display(),
                args.input.display()
            ))
            .into());
        }
    }
    let pb = Bar::new(0, "searching");
    let options = SearchOptions::default()
        .with_backend(backend(&args.model)?)
        .with_progress(Some(&pb));
    let started = std::time::Instant::now();
    let results = match &queries {
        Some(q) => top_k(&q.embeddings, &corpus.embeddings, args.top_k, &options)?,
        None => top_k_self(&corpus.embeddings, args.top_k, &options)?,
    };
    pb.finish();
    let seconds = started.elapsed().as_secs_f64();

    let askers = queries.as_ref().unwrap_or(&corpus);
    let mut out = OutputFile::create(&args.output)?;
    let min = args.min_score.unwrap_or(f32::NEG_INFINITY);
    for (i, row) in results.iter().enumerate() {
        let neighbors = row
            .iter()
            .filter(|n| n.score >= min)
            .map(|n| Neighbor {
                statement: corpus.label(n.index as usize),
                score: n.score,
            })
            .collect();
        out.write_line(&Line {
            statement: askers.label(i),
            neighbors,
        })?;
    }
    out.finish()?;
    eprintln!(
        "volte: top {} of {} statement(s) for {} {} in {seconds:.2} s; wrote {}",
        args.top_k,
        corpus.ids.len(),
        askers.ids.len(),
        if queries.is_some() {
            "query(ies)"
        } else {
            "statement(s)"
        },
        args.output.display()
    );
    Ok(())
}
