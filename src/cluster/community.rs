//! Threshold community detection with the semantics of sentence-transformers'
//! `util.community_detection`, built on the tiled pair search instead of an
//! n × n similarity matrix.
//!
//! 1. Every row whose neighbourhood — the rows (itself included) with cosine
//!    similarity at least `threshold` — has at least `min_size` members
//!    proposes that neighbourhood as a community.
//! 2. Proposals are taken largest first (ties: smaller proposing row); each
//!    keeps only its rows not already taken, and is accepted when at least
//!    `min_size` remain.
//!
//! Memory is the qualifying pairs (8 bytes each while searching, 8 more in
//! the neighbourhood lists) plus O(n); [`SearchOptions::max_pairs`] bounds
//! it. Only pairs near the threshold are re-scored in float64, so membership
//! is exact.

use crate::error::{bail, Result};

use super::assemble::assemble;
use super::Clustering;
use crate::embeddings::Embeddings;
use crate::similarity::{dot_f64, pair_indices_above, SearchOptions};

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
    let min_size = min_size.max(1);
    if min_size > n {
        // No community can be that large: every row stays unassigned.
        return Ok(assemble(emb, Vec::new()));
    }
    let pairs = pair_indices_above(emb, threshold, options)?;
    community_detection_from_pairs(emb, threshold, min_size, pairs)
}

/// [`community_detection`] from pairs found elsewhere (tile by tile, on
/// several machines): `pairs` must hold every pair `[a, b]`, `a != b`,
/// whose similarity is at least `threshold`, each once, in any order.
pub fn community_detection_from_pairs(
    emb: &Embeddings,
    threshold: f32,
    min_size: usize,
    pairs: Vec<[u32; 2]>,
) -> Result<Clustering> {
    let n = emb.len();
    if let Some(bad) = pairs
        .iter()
        .find(|&&[a, b]| a == b || a as usize >= n || b as usize >= n)
    {
        bail!("pair {bad:?} does not name two distinct rows of {n}");
    }
    if n == 0 {
        return Ok(Clustering::default());
    }
    let min_size = min_size.max(1);
    if min_size > n {
        return Ok(assemble(emb, Vec::new()));
    }
    let graph = Neighbourhoods::new(emb, threshold, pairs);
    let communities = without_overlaps(&graph, min_size);
    Ok(assemble(emb, communities))
}

/// Every row's neighbourhood (itself included when its self-similarity
/// reaches the threshold) in compressed rows, neighbours in index order.
struct Neighbourhoods {
    offsets: Vec<usize>,
    members: Vec<u32>,
}

impl Neighbourhoods {
    fn new(emb: &Embeddings, threshold: f32, pairs: Vec<[u32; 2]>) -> Self {
        let n = emb.len();
        let includes_self: Vec<bool> = (0..n)
            .map(|i| dot_f64(emb.row(i), emb.row(i)) >= threshold as f64)
            .collect();
        let mut size: Vec<usize> = includes_self.iter().map(|&s| s as usize).collect();
        for &[a, b] in &pairs {
            size[a as usize] += 1;
            size[b as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for s in &size {
            offsets.push(offsets.last().unwrap() + s);
        }
        let mut fill = offsets[..n].to_vec();
        let mut members = vec![0u32; offsets[n]];
        let mut put = |row: usize, member: u32| {
            members[fill[row]] = member;
            fill[row] += 1;
        };
        for (i, &s) in includes_self.iter().enumerate() {
            if s {
                put(i, i as u32);
            }
        }
        for &[a, b] in &pairs {
            put(a as usize, b);
            put(b as usize, a);
        }
        drop(pairs);
        for i in 0..n {
            members[offsets[i]..offsets[i + 1]].sort_unstable();
        }
        Self { offsets, members }
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn of(&self, row: usize) -> &[u32] {
        &self.members[self.offsets[row]..self.offsets[row + 1]]
    }
}

/// Proposals of at least `min_size` rows, taken largest first (ties: smaller
/// proposing row); each keeps its rows not taken yet and is accepted with at
/// least `min_size` of them.
fn without_overlaps(graph: &Neighbourhoods, min_size: usize) -> Vec<Vec<usize>> {
    let n = graph.len();
    let mut proposals: Vec<usize> = (0..n).filter(|&i| graph.of(i).len() >= min_size).collect();
    proposals.sort_by(|&a, &b| graph.of(b).len().cmp(&graph.of(a).len()).then(a.cmp(&b)));
    let mut taken = vec![false; n];
    let mut free = n;
    let mut out = Vec::new();
    for row in proposals {
        if free < min_size {
            break;
        }
        let kept: Vec<usize> = graph
            .of(row)
            .iter()
            .map(|&j| j as usize)
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
    fn pairs_found_elsewhere_give_the_same_communities() {
        let rows: Vec<[f32; 3]> = (0..12)
            .map(|i| {
                let t = i as f32 * 0.21;
                [t.cos(), t.sin(), (i % 3) as f32 * 0.05]
            })
            .collect();
        let e = emb(&rows);
        let want = community_detection(&e, 0.95, 2).unwrap();
        // The pairs in reverse order and with their sides swapped.
        let mut pairs = pair_indices_above(&e, 0.95, &SearchOptions::default()).unwrap();
        pairs.reverse();
        let pairs: Vec<[u32; 2]> = pairs.into_iter().map(|[a, b]| [b, a]).collect();
        let got = community_detection_from_pairs(&e, 0.95, 2, pairs).unwrap();
        assert_eq!(got, want);
        assert!(community_detection_from_pairs(&e, 0.95, 2, vec![[3, 3]]).is_err());
        assert!(community_detection_from_pairs(&e, 0.95, 2, vec![[0, 12]]).is_err());
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
