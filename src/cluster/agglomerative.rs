//! Average-linkage agglomerative clustering on cosine distance, cut at a
//! distance threshold (the `kodama` crate's nearest-neighbour-chain
//! algorithm on a condensed distance matrix).
//!
//! The condensed matrix holds n(n-1)/2 float32 distances (800 MB for 20,000
//! statements), so inputs above [`MAX_ROWS`] are refused with a pointer to
//! community detection, whose memory grows with the number of similar pairs
//! instead.

use crate::error::{bail, Result};

use super::assemble::assemble;
use super::Clustering;
use crate::embeddings::Embeddings;
use crate::similarity::condensed::condensed_distances;

/// The largest input clustered agglomeratively.
pub const MAX_ROWS: usize = 20_000;

/// Average-linkage clusters: two clusters merge while their mean pairwise
/// cosine distance (`1 - similarity`) is below `distance_threshold` (as
/// scikit-learn's `distance_threshold`). Clusters with fewer than `min_size`
/// rows are left `unassigned`.
pub fn agglomerative(
    emb: &Embeddings,
    distance_threshold: f32,
    min_size: usize,
) -> Result<Clustering> {
    let n = emb.len();
    if n > MAX_ROWS {
        bail!(
            "agglomerative clustering keeps all n(n-1)/2 distances in memory ({:.1} GiB for {n} \
             statements) and is limited to {MAX_ROWS} statements; use community detection for \
             larger inputs",
            (n as f64) * (n as f64 - 1.0) / 2.0 * 4.0 / (1u64 << 30) as f64
        );
    }
    if distance_threshold.is_nan() {
        bail!("the distance threshold is not a number");
    }
    let groups = if n < 2 {
        vec![(0..n).collect()]
    } else {
        let mut distances = condensed_distances(emb);
        if distances.iter().any(|d| !d.is_finite()) {
            bail!("embeddings contain values that are not finite");
        }
        let dendrogram = kodama::linkage(&mut distances, n, kodama::Method::Average);
        drop(distances);
        cut(n, dendrogram.steps(), distance_threshold)
    };
    let groups = groups
        .into_iter()
        .filter(|g: &Vec<usize>| g.len() >= min_size.max(1))
        .collect();
    Ok(assemble(emb, groups))
}

/// Flat clusters of a dendrogram: merges below `threshold` applied (average
/// linkage is monotone, so these merges form whole subtrees).
fn cut(n: usize, steps: &[kodama::Step<f32>], threshold: f32) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n + steps.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (s, step) in steps.iter().enumerate() {
        if step.dissimilarity < threshold {
            let merged = n + s;
            let a = root(&mut parent, step.cluster1);
            let b = root(&mut parent, step.cluster2);
            parent[a] = merged;
            parent[b] = merged;
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let r = root(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    by_root.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_close_rows_and_keeps_far_ones_apart() {
        let mut e = Embeddings::new(
            2,
            vec![
                1.0, 0.0, 0.99, 0.1, 0.98, -0.1, 0.0, 1.0, 0.1, 0.99, -1.0, 0.0,
            ],
        )
        .unwrap();
        e.normalize();
        let c = agglomerative(&e, 0.1, 2).unwrap();
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
        assert_eq!(c.unassigned, vec![5]);
        // A threshold above every distance merges everything.
        assert_eq!(agglomerative(&e, 2.5, 2).unwrap().clusters.len(), 1);
    }

    #[test]
    fn refuses_inputs_too_large_for_the_distance_matrix() {
        let e = Embeddings::new(1, vec![1.0; MAX_ROWS + 1]).unwrap();
        let err = agglomerative(&e, 0.3, 2).unwrap_err().to_string();
        assert!(err.contains("use community detection"), "{err}");
    }
}
