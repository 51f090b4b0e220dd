//! Reference float64 brute force: every score computed, nothing tiled. For
//! tests and benchmarks on small inputs; memory and time grow as n².

use super::exact::{best_k, dot_f64, sort_pairs};
use super::{Neighbor, Pair};
use crate::embeddings::Embeddings;

/// Top `k` corpus rows for each query row, excluding `i == j` when `exclude_self`.
pub fn top_k(
    queries: &Embeddings,
    corpus: &Embeddings,
    k: usize,
    exclude_self: bool,
) -> Vec<Vec<Neighbor>> {
    (0..queries.len())
        .map(|i| {
            let scored: Vec<(f64, u32)> = (0..corpus.len())
                .filter(|&j| !(exclude_self && i == j))
                .map(|j| (dot_f64(queries.row(i), corpus.row(j)), j as u32))
                .collect();
            best_k(scored, k)
        })
        .collect()
}

/// Every pair `a < b` scoring at least `threshold`, best first.
pub fn pairs_above(emb: &Embeddings, threshold: f32) -> Vec<Pair> {
    let mut out = Vec::new();
    for a in 0..emb.len() {
        for b in a + 1..emb.len() {
            let s = dot_f64(emb.row(a), emb.row(b));
            if s >= threshold as f64 {
                out.push((s, a as u32, b as u32));
            }
        }
    }
    sort_pairs(
        out.into_iter()
            .map(|(s, a, b)| Pair {
                a,
                b,
                score: s as f32,
            })
            .collect(),
    )
}
