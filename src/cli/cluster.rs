//! `volte cluster`: group statements into topics, with a medoid and keywords
//! per topic, as one JSON document.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};

use super::documents::ClusterDocument;
use super::input_args::InputArgs;
use super::load::{load_checked, LazyEngine};
use super::model_args::ModelArgs;
use super::output_file::OutputFile;
use super::progress_bar::Bar;
use super::search_io::{backend, IndexArgs};
use super::values;
use volte::cluster::agglomerative::MAX_ROWS;
use volte::cluster::{cluster, ClusterMethod as Method, ClusterOptions};
use volte::similarity::SearchOptions;
use volte::Settings;

/// Group statements into topics.
///
/// Each topic lists its medoid (the statement most similar on average to the
/// others), its most distinctive keywords (c-TF-IDF, with stop words of en,
/// fr, de, es, it, nl, pt, pl, ru and zh removed) and its members, most
/// central first. Statements that fit no topic are listed as unassigned.
/// Topics are ordered largest first. The same input gives the same topics.
///
/// The default thresholds suit the default model (multilingual-e5-small):
/// on the 10-language STSb test set, embedded with --prompt-name query, they
/// group translations of the same sentence together (community: ARI 0.44,
/// V-measure 0.88; agglomerative: ARI 0.52, V-measure 0.90). Raise them for
/// tighter topics. With --device cuda (in a CUDA build) community detection
/// computes similarities on the GPU.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    volte cluster statements.jsonl -o clusters.json\n  \
    volte cluster statements.jsonl --method agglomerative --threshold 0.88 -o clusters.json\n  \
    volte cluster statements.npy --min-size 5 -o clusters.json   (no texts: no keywords)")]
pub struct ClusterArgs {
    /// Statements (JSONL, CSV/TSV with a header, plain text; embedded on the
    /// fly through the embedding cache) or embeddings from `volte embed`
    /// (.npy with its ids file, or .parquet; topics then have no keywords).
    pub input: PathBuf,
    /// Output file (JSON); `-` writes to stdout.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Clustering method.
    #[arg(long, value_enum, default_value_t = Method::Community)]
    pub method: Method,
    /// Cosine similarity that holds a topic together [default: 0.92 for
    /// community, 0.9 for agglomerative].
    #[arg(short, long, value_parser = values::cosine)]
    pub threshold: Option<f32>,
    /// Smallest topic; smaller groups are left unassigned.
    #[arg(long, default_value_t = 2)]
    pub min_size: usize,
    /// Keywords per topic.
    #[arg(long, default_value_t = 8)]
    pub keywords: usize,
    /// Community detection stops with an error when more similar pairs than
    /// this are found (16 bytes of memory each); raise --threshold instead.
    #[arg(long, default_value_t = 50_000_000)]
    pub max_pairs: usize,
    #[command(flatten)]
    pub index: IndexArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

pub fn run(args: ClusterArgs, settings: &Settings) -> Result<()> {
    let threshold = args
        .threshold
        .unwrap_or_else(|| args.method.default_threshold());
    let loaded = load_checked(&args.input, &args.output, &args.input_args)?;
    let n = loaded.len();
    // Refuse what the method cannot take before the model is loaded.
    if args.method == Method::Agglomerative && n > MAX_ROWS {
        bail!(
            "{n} statements: agglomerative clustering is limited to {MAX_ROWS} (it keeps every \
             pairwise distance in memory); use --method community"
        );
    }
    let input = LazyEngine::new(&args.model, settings).embed(loaded)?;
    let started = std::time::Instant::now();
    let backend = backend(&args.model)?;
    let index = args.index.index(input.embeddings.len(), &backend);
    let pb = Bar::new(0, "comparing");
    let options = ClusterOptions::default()
        .with_method(args.method)
        .with_threshold(threshold)
        .with_min_size(args.min_size)
        .with_keywords(args.keywords)
        .with_search(
            SearchOptions::default()
                .with_backend(backend)
                .with_max_pairs(Some(args.max_pairs))
                .with_progress(Some(&pb))
                .with_index(index),
        );
    let texts = input.texts();
    let clustering = cluster(&input.embeddings, texts.as_deref(), &options);
    pb.finish();
    let clustering = clustering?;
    let seconds = started.elapsed().as_secs_f64();
    let document = ClusterDocument::new(&clustering, &input.ids, texts.as_deref(), &options);
    let mut out = OutputFile::create(&args.output)?;
    let mut text = serde_json::to_vec_pretty(&document)?;
    text.push(b'\n');
    out.put(&text)?;
    out.finish()?;
    let clustered: usize = clustering.clusters.iter().map(|c| c.members.len()).sum();
    eprintln!(
        "volte: {} topic(s) covering {clustered} of {n} statement(s), {} unassigned \
         ({}, threshold {threshold}, min size {}) in {seconds:.2} s; wrote {}",
        clustering.clusters.len(),
        clustering.unassigned.len(),
        args.method
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default(),
        args.min_size,
        args.output.display()
    );
    Ok(())
}
