//! `volte embed`: statements in, embeddings out (.npy + ids, .parquet, .jsonl).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::common::{
    embed_texts, encode_summary, log_stage_times, precision_label, InputArgs, ModelArgs,
};
use volte::output::{write_embeddings, EmbeddingFormat};

/// Embed statements and write the vectors in input order.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Statements: JSONL, CSV/TSV with a header, or plain text (one per line); `-` reads stdin.
    pub input: PathBuf,
    /// Output file: `.npy` (float32, ids in `<file>.ids.txt`), `.parquet` or `.jsonl`.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

pub fn run(args: EmbedArgs) -> Result<()> {
    // Fail on a bad output name before doing any work.
    EmbeddingFormat::from_path(&args.output)?;
    let read = args.input_args.read(&args.input, Some(&args.output))?;
    let (resolved, mut encoder) = args.model.load()?;
    let texts: Vec<&str> = read.statements.iter().map(|s| s.text.as_str()).collect();
    let started = std::time::Instant::now();
    let emb = embed_texts(&mut encoder, &texts)?;
    let seconds = started.elapsed().as_secs_f64();
    log_stage_times(&encoder);
    write_embeddings(&args.output, &read.statements, &emb)?;
    eprintln!(
        "volte: wrote {} embedding(s) of dimension {} to {} (model {}, prompt {:?}, {} {}); encoded in {:.2} s ({:.1} texts/s); {}; {} bad record(s) skipped, {} blank line(s)",
        emb.len(),
        emb.dim(),
        args.output.display(),
        resolved.spec,
        encoder.prompt(),
        encoder.device_name(),
        precision_label(&encoder),
        seconds,
        emb.len() as f64 / seconds.max(1e-9),
        encode_summary(&encoder),
        read.rejects.len(),
        read.blank_lines
    );
    Ok(())
}
