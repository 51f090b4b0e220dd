//! `volte embed`: statements in, embeddings out (.npy + ids, .parquet, .jsonl).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::input_args::{with_input, InputArgs};
use super::load::log_stage_times;
use super::model_args::ModelArgs;
use super::progress_bar::Bar;
use super::values;
use volte::output::atomic::check_writable;
use volte::output::parts::{parts_dir, PartStore, RunKey};
use volte::output::{EmbeddingFormat, EmbeddingWriter};
use volte::Settings;

/// Embed statements into vectors (.npy, .parquet, .jsonl), in input order.
///
/// The output appears when it is complete (it is written under a temporary
/// name next to it and renamed), so an interrupted or failed run leaves any
/// previous output as it was. With --resume, a large input is embedded part
/// by part into `<output>.parts/` (Parquet parts and a manifest); when a run
/// is interrupted, running the same command again continues where it
/// stopped, and the output is the same, byte for byte, as that of an
/// uninterrupted run. The parts directory is removed once the output is
/// written.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    volte embed statements.jsonl -o statements.npy\n  \
    volte embed big.csv -o big.parquet --resume   (run it again after an interruption)")]
pub struct EmbedArgs {
    /// Statements: JSONL, CSV/TSV with a header, or plain text (one per line); `-` reads stdin.
    pub input: PathBuf,
    /// Output file: `.npy` (float32, ids in `<file>.ids.txt`), `.parquet` or `.jsonl`.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Keep finished parts in `<output>.parts/` and continue from them when
    /// the same command is run again after an interruption.
    #[arg(long)]
    pub resume: bool,
    /// Embed what `volte report` groups statements by: the text without the
    /// words of the speakers' names (of the whole input) and without
    /// reporting verbs, for `volte report --embeddings` with theses or
    /// without axes (with axes given by examples, embed the full text).
    #[arg(long)]
    pub mask_speakers: bool,
    /// Statements embedded (and, with --resume, saved) together.
    #[arg(long, default_value_t = 4096, value_parser = values::at_least_one)]
    pub part_size: usize,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

pub fn run(args: EmbedArgs, settings: &Settings) -> Result<()> {
    // Refuse a bad or unwritable output before doing any work.
    EmbeddingFormat::from_path(&args.output)?;
    check_writable(&args.output)?;
    let rejects = args
        .input_args
        .rejects_for(&args.input, Some(&args.output))?;
    let read = args.input_args.read(&args.input)?;
    rejects.settle(&[&read])?;
    let masked;
    let statements: &[volte::input::Statement] = if args.mask_speakers {
        masked = volte::cluster::masking::masked_statements(&read.statements);
        &masked
    } else {
        &read.statements
    };
    if EmbeddingFormat::from_path(&args.output)? == EmbeddingFormat::Npy {
        volte::output::npy::check_ids(&args.output, statements.iter().map(|s| s.id.as_str()))?;
    }
    // Every statement is embedded here once: the embedding cache would
    // only hold a second copy.
    let mut engine = args.model.open(settings, false, false)?;
    let dim = engine.dim();
    let n = statements.len();
    let started = std::time::Instant::now();
    let pb = Bar::new(n, "embedding");

    let mut store = if args.resume {
        let key = RunKey::new(statements, engine.fingerprint(), dim, args.part_size);
        let store = PartStore::open(&parts_dir(&args.output), &key)?;
        if store.done() > 0 {
            eprintln!(
                "volte: resuming: {} of {} statement(s) already embedded in {} part(s) in {}",
                store.done_rows(),
                n,
                store.done(),
                parts_dir(&args.output).display()
            );
        }
        pb.inc(store.done_rows() as u64);
        Some(store)
    } else {
        None
    };
    let mut writer = match &store {
        Some(_) => None,
        None => Some(EmbeddingWriter::create(&args.output, n, dim)?),
    };
    let first = store.as_ref().map_or(0, |s| s.done());
    for part in statements.chunks(args.part_size).skip(first) {
        let emb = engine
            .embed(part, Some(&Progressed(&pb)))
            .map_err(|e| with_input(e, &args.input))?;
        match (&mut store, &mut writer) {
            (Some(s), _) => s.add(part, &emb)?,
            (None, Some(w)) => w.write(part, &emb)?,
            (None, None) => unreachable!("a writer or a parts store"),
        }
    }
    pb.finish();
    let seconds = started.elapsed().as_secs_f64();
    log_stage_times(&engine);
    if let Some(store) = store {
        let mut w = EmbeddingWriter::create(&args.output, n, dim)?;
        for (k, part) in statements.chunks(args.part_size).enumerate() {
            let (ids, emb) = store.read(k)?;
            anyhow::ensure!(
                ids.iter().eq(part.iter().map(|s| &s.id)),
                "part {k} of {} does not hold the statements it should",
                parts_dir(&args.output).display()
            );
            w.write(part, &emb)?;
        }
        w.finish()?;
        store.remove()?;
    } else if let Some(w) = writer {
        w.finish()?;
    }
    let encoder = engine.encoder();
    let encoded = encoder.stats.texts;
    eprintln!(
        "volte: wrote {} embedding(s) of dimension {} to {} (model {}, prompt {:?}, {} {}); encoded in {:.2} s ({:.1} texts/s); {}; {} bad record(s) skipped, {} blank line(s)",
        n,
        dim,
        args.output.display(),
        engine.model().spec,
        encoder.prompt(),
        encoder.device_name(),
        encoder.precision_label(),
        seconds,
        encoded as f64 / seconds.max(1e-9),
        encoder.summary(),
        read.rejects.len(),
        read.blank_lines
    );
    Ok(())
}

/// The whole run's bar, which a part must advance rather than restart.
struct Progressed<'a>(&'a Bar);

impl volte::progress::Progress for Progressed<'_> {
    fn start(&self, _total: u64) {}
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}
