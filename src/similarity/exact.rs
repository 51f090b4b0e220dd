//! Exact scoring: float64 dot products, the float32 error bound that decides
//! which approximate scores must be re-checked, and the final float64 ranking.

use std::cmp::Ordering;

use super::candidates::Candidates;
use super::{Neighbor, Pair};
use crate::embeddings::Embeddings;

/// Dot product accumulated in float64 (the reference score): eight
/// interleaved partial sums, combined in a fixed order, so the result is the
/// same wherever it is computed.
#[inline]
pub fn dot_f64(a: &[f32], b: &[f32]) -> f64 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f64; LANES];
    let (ac, bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| *x as f64 * *y as f64)
        .sum();
    for (x, y) in ac.zip(bc) {
        for l in 0..LANES {
            acc[l] += x[l] as f64 * y[l] as f64;
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// Largest row norm of `emb` (0 for an empty matrix).
pub fn max_norm(emb: &Embeddings) -> f64 {
    (0..emb.len())
        .map(|i| dot_f64(emb.row(i), emb.row(i)).sqrt())
        .fold(0.0, f64::max)
}

/// A score margin covering twice the worst-case float32 dot-product error
/// between rows of norm at most `norm_a` and `norm_b` in dimension `dim`, in
/// any summation order (`|error| <= γ_dim · ‖a‖·‖b‖`, `γ_d = d·u / (1 - d·u)`).
///
/// Any candidate whose float64 score could reach the float64 k-th best (or a
/// threshold) has a float32 score within this margin of it.
pub fn error_margin(dim: usize, norm_a: f64, norm_b: f64) -> f32 {
    let u = f32::EPSILON as f64 / 2.0;
    let du = dim as f64 * u;
    let gamma = du / (1.0 - du).max(f64::MIN_POSITIVE);
    let e = gamma * norm_a * norm_b;
    // A little slack absorbs the rounding of `score - margin` itself.
    (2.02 * e) as f32 + 4.0 * f32::EPSILON
}

/// Score descending, then index ascending.
pub fn by_score_then_index(a: &(f64, u32), b: &(f64, u32)) -> Ordering {
    score_desc(a.0, b.0).then(a.1.cmp(&b.1))
}

/// Orders scores descending with NaN last (`-0.0` equals `0.0`).
pub fn score_desc(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (true, true) => Ordering::Equal,
    }
}

/// Re-scores a row's candidates in float64 and keeps the best `k`.
pub fn finalize_row(
    query: &[f32],
    corpus: &Embeddings,
    candidates: &Candidates,
    k: usize,
) -> Vec<Neighbor> {
    let scored: Vec<(f64, u32)> = candidates
        .items()
        .iter()
        .map(|c| (dot_f64(query, corpus.row(c.index as usize)), c.index))
        .collect();
    best_k(scored, k)
}

/// The `k` best of float64-scored rows (chosen by float64 score, then index),
/// listed by their float32 score descending, then index ascending.
pub fn best_k(mut scored: Vec<(f64, u32)>, k: usize) -> Vec<Neighbor> {
    scored.sort_by(by_score_then_index);
    scored.truncate(k);
    let mut out: Vec<Neighbor> = scored
        .into_iter()
        .map(|(score, index)| Neighbor {
            index,
            score: score as f32,
        })
        .collect();
    out.sort_by(|a, b| score_desc(a.score as f64, b.score as f64).then(a.index.cmp(&b.index)));
    out
}

/// Sorts pairs by score descending, then `a`, then `b`.
pub fn sort_pairs(mut pairs: Vec<Pair>) -> Vec<Pair> {
    pairs.sort_by(|x, y| {
        score_desc(x.score as f64, y.score as f64).then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_grows_with_dimension_and_norms() {
        let small = error_margin(384, 1.0, 1.0);
        assert!(small > 4.5e-5 && small < 5.0e-5, "{small}");
        assert!(error_margin(768, 1.0, 1.0) > small);
        assert!(error_margin(384, 2.0, 1.0) > small);
    }

    #[test]
    fn ranks_by_score_then_index() {
        let mut v = [(0.5, 3), (0.9, 7), (0.5, 1), (f64::NAN, 0)];
        v.sort_by(by_score_then_index);
        let idx: Vec<u32> = v.iter().map(|x| x.1).collect();
        assert_eq!(idx, vec![7, 1, 3, 0]);
    }
}
