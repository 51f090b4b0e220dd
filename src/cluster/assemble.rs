//! Turning groups of row indices into a [`Clustering`]: medoids, member
//! order, cluster order and the unassigned rows.

use rayon::prelude::*;

use super::{Cluster, Clustering};
use crate::embeddings::Embeddings;
use crate::similarity::dot_f64;

/// Builds a clustering of the `emb.len()` rows from disjoint `groups`.
///
/// Each member's centrality is its mean similarity to the other members,
/// computed exactly as `(x·S - x·x) / (m - 1)` with `S` the float64 sum of the
/// members (O(m·dim) per group, no m × m matrix). Members are listed most
/// central first (ties: smaller index), so `members[0]` is the medoid.
/// Clusters are listed largest first (ties: smaller medoid); rows in no group
/// are `unassigned`, ascending.
pub fn assemble(emb: &Embeddings, groups: Vec<Vec<usize>>) -> Clustering {
    let mut assigned = vec![false; emb.len()];
    for &i in groups.iter().flatten() {
        assigned[i] = true;
    }
    let mut clusters: Vec<Cluster> = groups
        .into_par_iter()
        .filter(|g| !g.is_empty())
        .map(|g| order_by_centrality(emb, g))
        .collect();
    clusters.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.medoid.cmp(&b.medoid))
    });
    let unassigned = (0..emb.len()).filter(|&i| !assigned[i]).collect();
    Clustering {
        clusters,
        unassigned,
    }
}

/// `members` most central first: by their dot product with the members' sum
/// less their own square, the mean similarity to the others up to a factor.
pub(crate) fn order_by_centrality(emb: &Embeddings, mut members: Vec<usize>) -> Cluster {
    members.sort_unstable();
    let mut sum = vec![0f64; emb.dim()];
    for &i in &members {
        for (s, &x) in sum.iter_mut().zip(emb.row(i)) {
            *s += x as f64;
        }
    }
    let mut scored: Vec<(f64, usize)> = members
        .iter()
        .map(|&i| {
            let row = emb.row(i);
            let to_sum: f64 = row.iter().zip(&sum).map(|(&x, s)| x as f64 * s).sum();
            (to_sum - dot_f64(row, row), i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let members: Vec<usize> = scored.into_iter().map(|(_, i)| i).collect();
    Cluster {
        medoid: members[0],
        members,
        keywords: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medoid_is_the_most_central_member() {
        // Three rows near (1, 0) with row 1 in the middle, one far away.
        let mut emb =
            Embeddings::new(2, vec![1.0, -0.2, 1.0, 0.0, 1.0, 0.25, -1.0, 0.0, 0.0, 1.0]).unwrap();
        emb.normalize();
        let c = assemble(&emb, vec![vec![3], vec![2, 0, 1]]);
        assert_eq!(c.clusters.len(), 2);
        assert_eq!(c.clusters[0].medoid, 1);
        assert_eq!(c.clusters[0].members[0], 1);
        assert_eq!(c.clusters[0].members.len(), 3);
        assert_eq!(c.clusters[1].members, vec![3]);
        assert_eq!(c.unassigned, vec![4]);
    }
}
