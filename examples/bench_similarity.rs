//! Times volte's all-vs-all top-k search on a float32 `.npy` matrix and
//! writes the neighbours for an exactness check (used by
//! `scripts/bench_similarity.py`).
//!
//! ```text
//! cargo run --release --example bench_similarity -- VECTORS.npy K OUT_PREFIX [TILE]
//! ```
//!
//! Prints one JSON line (`n`, `dim`, `k`, `seconds`, `gflops`) and writes
//! `OUT_PREFIX.indices.npy` (int64, n × k) and `OUT_PREFIX.scores.npy`
//! (float32, n × k). The rows are L2-normalized after loading.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use ndarray::Array2;
use ndarray_npy::{read_npy, write_npy};

use volte::embeddings::Embeddings;
use volte::similarity::{top_k_self, SearchOptions};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        bail!("usage: bench_similarity VECTORS.npy K OUT_PREFIX [TILE]");
    }
    let path = PathBuf::from(&args[0]);
    let k: usize = args[1].parse().context("K")?;
    let prefix = &args[2];
    let tile = args.get(3).map(|t| t.parse()).transpose().context("TILE")?;

    let arr: Array2<f32> =
        read_npy(&path).with_context(|| format!("reading {}", path.display()))?;
    let (n, dim) = arr.dim();
    let mut emb = Embeddings::new(dim, arr.as_standard_layout().iter().copied().collect())?;
    emb.normalize();

    let options = SearchOptions::default().with_tile(tile);
    let started = Instant::now();
    let neighbors = top_k_self(&emb, k, &options)?;
    let seconds = started.elapsed().as_secs_f64();

    let mut indices = Array2::<i64>::from_elem((n, k), -1);
    let mut scores = Array2::<f32>::from_elem((n, k), f32::NAN);
    for (i, row) in neighbors.iter().enumerate() {
        for (j, nb) in row.iter().enumerate() {
            indices[[i, j]] = nb.index as i64;
            scores[[i, j]] = nb.score;
        }
    }
    write_npy(format!("{prefix}.indices.npy"), &indices)?;
    write_npy(format!("{prefix}.scores.npy"), &scores)?;
    // The useful work of an all-vs-all search is the full n × n × dim product.
    let gflops = 2.0 * (n as f64) * (n as f64) * dim as f64 / seconds / 1e9;
    println!(
        "{{\"n\": {n}, \"dim\": {dim}, \"k\": {k}, \"seconds\": {seconds:.4}, \"gflops\": {gflops:.2}}}"
    );
    Ok(())
}
