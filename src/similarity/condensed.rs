//! All pairwise cosine distances in condensed form (the upper triangle, row
//! by row), as hierarchical clustering needs them. Memory is n(n-1)/2
//! floats, so this is for inputs of a few tens of thousands of rows.

use rayon::prelude::*;

use super::{score_tile, tiles, CPU_TILE};
use crate::embeddings::Embeddings;

/// Position of pair `(i, j)`, `i < j`, in a condensed matrix of `n` rows.
pub fn condensed_index(n: usize, i: usize, j: usize) -> usize {
    debug_assert!(i < j && j < n);
    i * n - i * (i + 1) / 2 + (j - i - 1)
}

/// `1 - a·b` for every pair of rows `a < b`, in condensed order. Scores come
/// from float32 GEMM tiles of fixed size, so the result does not depend on
/// the number of threads.
pub fn condensed_distances(emb: &Embeddings) -> Vec<f32> {
    let n = emb.len();
    let dim = emb.dim();
    if n < 2 {
        return Vec::new();
    }
    let mut out = vec![0f32; n * (n - 1) / 2];
    let blocks = tiles::blocks(n, CPU_TILE);
    // Rows of one block own a contiguous stretch of the condensed matrix.
    let mut parts: Vec<&mut [f32]> = Vec::with_capacity(blocks.len());
    let mut rest = out.as_mut_slice();
    for b in &blocks {
        let len: usize = b.clone().map(|i| n - i - 1).sum();
        let (head, tail) = rest.split_at_mut(len);
        parts.push(head);
        rest = tail;
    }
    parts.into_par_iter().enumerate().for_each_init(
        Vec::new,
        |scratch: &mut Vec<f32>, (bi, part)| {
            let ri = &blocks[bi];
            let base = condensed_index(n, ri.start, ri.start + 1);
            for rj in &blocks[bi..] {
                let len = ri.len() * rj.len();
                scratch.resize(len.max(scratch.len()), 0.0);
                let tile = &mut scratch[..len];
                score_tile::scores(
                    tiles::rows(emb.as_slice(), dim, ri),
                    tiles::rows(emb.as_slice(), dim, rj),
                    dim,
                    tile,
                );
                for (r, i) in ri.clone().enumerate() {
                    let from = rj.start.max(i + 1);
                    if from >= rj.end {
                        continue;
                    }
                    let at = condensed_index(n, i, from) - base;
                    let row = &tile[r * rj.len()..(r + 1) * rj.len()];
                    for (dst, &s) in part[at..at + (rj.end - from)]
                        .iter_mut()
                        .zip(&row[from - rj.start..])
                    {
                        *dst = 1.0 - s;
                    }
                }
            }
        },
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similarity::dot_f64;

    #[test]
    fn matches_pairwise_distances() {
        let n = 1100;
        let dim = 7;
        let data: Vec<f32> = (0..n * dim)
            .map(|i| ((i * 37 % 101) as f32).sin())
            .collect();
        let mut emb = Embeddings::new(dim, data).unwrap();
        emb.normalize();
        let d = condensed_distances(&emb);
        assert_eq!(d.len(), n * (n - 1) / 2);
        for (i, j) in [(0, 1), (0, n - 1), (511, 512), (600, 1099), (1097, 1098)] {
            let want = 1.0 - dot_f64(emb.row(i), emb.row(j));
            assert!((d[condensed_index(n, i, j)] as f64 - want).abs() < 1e-5);
        }
        assert!(condensed_distances(&Embeddings::empty(3)).is_empty());
    }
}
