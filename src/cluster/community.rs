//! Threshold community detection with the semantics of sentence-transformers'
//! `util.community_detection`, built on the tiled pair search instead of an
//! n × n similarity matrix.
//!
//! 1. Every row whose neighbourhood — the rows (itself included) with cosine
//!    similarity at least `threshold` — has at least `min_size` members
//!    proposes that neighbourhood as a community, most similar first.
//! 2. Proposals are taken largest first (ties: smaller proposing row); each
//!    keeps only its rows not already taken, and is accepted when at least
//!    `min_size` remain.
//!
//! Memory is the qualifying pairs (12 bytes each while searching, 16 per pair
//! in the neighbourhood lists) plus O(n); [`SearchOptions::max_pairs`] bounds it.

use anyhow::Result;

use super::assemble::assemble;
use super::Clustering;
use crate::embeddings::Embeddings;
use crate::similarity::{dot_f64, pairs_above, Pair, SearchOptions};

/// Communities of rows with similarity at least `threshold`, each of at least
/// `min_size` rows, computed on the CPU.
pub fn community_detection(
    emb: &Embeddings,
    threshold: f32,
    min_size: usize,
) -> Result<Clustering> {
    community_detection_with(emb, threshold, min_size, &SearchOptions::default())
}

/// [`community_detection`] with explicit search options (backend, pair limit,
/// progress).
pub fn community_detection_with(
    emb: &Embeddings,
    threshold: f32,
    min_size: usize,
    options: &SearchOptions,
) -> Result<Clustering> {
    let n = emb.len();
    if n == 0 {
        return Ok(Clustering::default());
    }
    let min_size = min_size.clamp(1, n);
    let pairs = pairs_above(emb, threshold, options)?;
    let proposals = neighbourhoods(emb, threshold, min_size, pairs);
    let communities = without_overlaps(proposals, n, min_size);
    Ok(assemble(emb, communities))
}

/// One row's neighbourhood: `(score, row)` best first.
struct Proposal {
    row: usize,
    members: Vec<(f32, u32)>,
}

/// Neighbourhoods of at least `min_size` rows, largest first (ties: smaller row).
fn neighbourhoods(
    emb: &Embeddings,
    threshold: f32,
    min_size: usize,
    pairs: Vec<Pair>,
) -> Vec<Proposal> {
    let n = emb.len();
    let self_score: Vec<f64> = (0..n).map(|i| dot_f64(emb.row(i), emb.row(i))).collect();
    let includes_self = |i: usize| self_score[i] >= threshold as f64;
    let mut size: Vec<usize> = (0..n).map(|i| includes_self(i) as usize).collect();
    for p in &pairs {
        size[p.a as usize] += 1;
        size[p.b as usize] += 1;
    }
    let mut lists: Vec<Option<Vec<(f32, u32)>>> = size
        .iter()
        .map(|&s| (s >= min_size).then(|| Vec::with_capacity(s)))
        .collect();
    for (i, list) in lists.iter_mut().enumerate() {
        if let Some(l) = list.as_mut().filter(|_| includes_self(i)) {
            l.push((self_score[i] as f32, i as u32));
        }
    }
    for p in &pairs {
        if let Some(l) = lists[p.a as usize].as_mut() {
            l.push((p.score, p.b));
        }
        if let Some(l) = lists[p.b as usize].as_mut() {
            l.push((p.score, p.a));
        }
    }
    drop(pairs);
    let mut proposals: Vec<Proposal> = lists
        .into_iter()
        .enumerate()
        .filter_map(|(row, list)| {
            list.map(|mut members| {
                members.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                Proposal { row, members }
            })
        })
        .collect();
    proposals.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.row.cmp(&b.row))
    });
    proposals
}

/// Greedy extraction: each proposal keeps its rows not taken yet and is
/// accepted with at least `min_size` of them.
fn without_overlaps(proposals: Vec<Proposal>, n: usize, min_size: usize) -> Vec<Vec<usize>> {
    let mut taken = vec![false; n];
    let mut free = n;
    let mut out = Vec::new();
    for p in proposals {
        if free < min_size {
            break;
        }
        let kept: Vec<usize> = p
            .members
            .iter()
            .map(|&(_, j)| j as usize)
            .filter(|&j| !taken[j])
            .collect();
        if kept.len() >= min_size {
            for &j in &kept {
                taken[j] = true;
            }
            free -= kept.len();
            out.push(kept);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emb(rows: &[[f32; 3]]) -> Embeddings {
        let mut e = Embeddings::new(3, rows.iter().flatten().copied().collect()).unwrap();
        e.normalize();
        e
    }

    #[test]
    fn finds_dense_groups_and_leaves_outliers() {
        let e = emb(&[
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.98, 0.1, 0.0],
            [0.97, -0.1, 0.05],
            [0.1, 0.99, 0.0],
            [0.0, 0.0, 1.0],
            [0.99, 0.0, 0.1],
        ]);
        let c = community_detection(&e, 0.9, 2).unwrap();
        assert_eq!(c.clusters.len(), 2);
        let mut first = c.clusters[0].members.clone();
        first.sort();
        assert_eq!(first, vec![0, 2, 3, 6]);
        let mut second = c.clusters[1].members.clone();
        second.sort();
        assert_eq!(second, vec![1, 4]);
        assert_eq!(c.unassigned, vec![5]);
    }

    #[test]
    fn overlapping_proposals_keep_their_remaining_rows() {
        // A chain a-b-c-d-e on a circle: neighbourhoods overlap.
        let rows: Vec<[f32; 3]> = (0..5)
            .map(|i| {
                let t = i as f32 * 0.3;
                [t.cos(), t.sin(), 0.0]
            })
            .collect();
        let e = emb(&rows);
        // cos(0.3) ≈ 0.955, cos(0.6) ≈ 0.825: only direct neighbours qualify.
        let c = community_detection(&e, 0.9, 2).unwrap();
        // Row 1 proposes {0,1,2} (size 3, smallest proposing row among the
        // size-3 ones); then row 3's {2,3,4} keeps {3,4}.
        let sets: Vec<Vec<usize>> = c
            .clusters
            .iter()
            .map(|c| {
                let mut m = c.members.clone();
                m.sort();
                m
            })
            .collect();
        assert_eq!(sets, vec![vec![0, 1, 2], vec![3, 4]]);
        assert!(c.unassigned.is_empty());
    }

    #[test]
    fn min_size_one_assigns_everything() {
        let e = emb(&[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
        let c = community_detection(&e, 0.99, 1).unwrap();
        assert_eq!(c.clusters.len(), 2);
        assert!(c.unassigned.is_empty());
        assert!(community_detection(&Embeddings::empty(3), 0.5, 2)
            .unwrap()
            .clusters
            .is_empty());
    }
}
