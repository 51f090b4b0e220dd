//! `volte sts`: Spearman correlation between cosine similarity and gold
//! scores on STS-benchmark CSVs.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::model_args::ModelArgs;
use volte::eval::sts::{evaluate, read_sts};
use volte::Settings;

/// Evaluate the model on an STS CSV (`sentence1,sentence2,score`, no header).
#[derive(Debug, Args)]
pub struct StsArgs {
    /// STS CSV file.
    pub file: PathBuf,
    /// Take sentence2 from this row-aligned file instead (cross-lingual pairs).
    #[arg(long)]
    pub cross: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: StsArgs, settings: &Settings) -> Result<()> {
    let pairs = read_sts(&args.file)?;
    let cross = args.cross.as_deref().map(read_sts).transpose()?;
    if let (Some(c), Some(path)) = (&cross, &args.cross) {
        if c.len() != pairs.len() {
            return Err(volte::error::UsageError::new(format!(
                "{}: {} rows, but {} has {}: --cross needs the same pairs, row for row",
                path.display(),
                c.len(),
                args.file.display(),
                pairs.len()
            ))
            .into());
        }
    }
    let mut engine = args.model.open(settings, false, false)?;
    let resolved = engine.model().clone();
    let encoder = engine.encoder_mut();
    let result = evaluate(encoder, &pairs, cross.as_deref())?;
    if args.json {
        let out = serde_json::json!({
            "file": args.file,
            "cross": args.cross,
            "model": resolved.spec,
            "prompt": encoder.prompt(),
            "pairs": result.pairs,
            "unique_sentences": result.unique_sentences,
            "spearman": result.spearman,
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        outln!(
            "{}{}: Spearman {} over {} pairs ({} distinct sentences, model {}, prompt {:?})",
            args.file.display(),
            args.cross
                .as_ref()
                .map(|c| format!(" x {}", c.display()))
                .unwrap_or_default(),
            match result.spearman {
                Some(r) => format!("{r:.4}"),
                None => "undefined (the gold scores or the cosines are all equal)".to_string(),
            },
            result.pairs,
            result.unique_sentences,
            resolved.spec,
            encoder.prompt()
        )?;
    }
    eprintln!("volte: {}", encoder.summary());
    Ok(())
}
