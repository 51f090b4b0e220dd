//! Measures the inverted-file pair search against the exact one on a set of
//! embeddings: pairs found, recall, and the time of each.
//!
//! ```text
//! cargo run --release --example ivf_recall -- VECTORS.npy THRESHOLD [LISTS PROBES]
//! ```
//!
//! `VECTORS.npy` is read as `volte embed` writes it (with its `.ids.txt`).
//! Prints one JSON line: `n`, `exact_pairs`, `ivf_pairs`, `recall`,
//! `false_pairs` (always 0: every pair the index reports is checked against
//! the exact result), `lists`, `probes`, `exact_seconds`, `ivf_seconds`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use volte::output::read_embeddings;
use volte::similarity::ivf::IvfParams;
use volte::similarity::{pair_indices_above, PairIndex, SearchOptions};

fn sorted(mut pairs: Vec<[u32; 2]>) -> Vec<[u32; 2]> {
    pairs.iter_mut().for_each(|p| p.sort());
    pairs.sort_unstable();
    pairs
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 && args.len() != 4 {
        bail!("usage: ivf_recall VECTORS.npy THRESHOLD [LISTS PROBES]");
    }
    let (_, mut emb) = read_embeddings(&PathBuf::from(&args[0]))?;
    emb.normalize();
    let threshold: f32 = args[1].parse().context("THRESHOLD")?;
    let mut params = IvfParams::for_rows(emb.len());
    if args.len() == 4 {
        params.lists = args[2].parse().context("LISTS")?;
        params.probes = args[3].parse().context("PROBES")?;
    }
    let started = Instant::now();
    let exact = sorted(pair_indices_above(
        &emb,
        threshold,
        &SearchOptions::default(),
    )?);
    let exact_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let options = SearchOptions::default().with_index(PairIndex::Ivf(params));
    let ivf = sorted(pair_indices_above(&emb, threshold, &options)?);
    let ivf_seconds = started.elapsed().as_secs_f64();
    let false_pairs = ivf
        .iter()
        .filter(|p| exact.binary_search(p).is_err())
        .count();
    let found = ivf.len() - false_pairs;
    println!(
        "{}",
        serde_json::json!({
            "n": emb.len(),
            "threshold": threshold,
            "lists": params.lists,
            "probes": params.probes,
            "exact_pairs": exact.len(),
            "ivf_pairs": ivf.len(),
            "false_pairs": false_pairs,
            "recall": if exact.is_empty() { 1.0 } else { found as f64 / exact.len() as f64 },
            "exact_seconds": exact_seconds,
            "ivf_seconds": ivf_seconds,
        })
    );
    Ok(())
}
