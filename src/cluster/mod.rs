//! Grouping statements into topics: [`cluster`] with a [`ClusterMethod`]
//! is the front door.
//!
//! Interface shared by the clustering methods:
//! - [`community::community_detection`]`(emb, threshold, min_size) -> Result<Clustering>`
//!   (sentence-transformers semantics: threshold, minimum size,
//!   non-overlapping; built on the tiled pair search, no n × n matrix);
//! - [`agglomerative::agglomerative`]`(emb, distance_threshold, min_size) -> Result<Clustering>`
//!   (average linkage on cosine distance, up to [`agglomerative::MAX_ROWS`] rows);
//! - [`keywords::label_clusters`]`(texts, &mut clustering, top_n)` fills
//!   `Cluster::keywords` (c-TF-IDF, multilingual stop words).
//!
//! Both methods return members most central first (the medoid leads) and
//! put every statement that fits no cluster in `unassigned`. Results are the
//! same for the same input whatever the number of threads.
//! [`metrics`] scores a clustering against a reference partition.

pub mod agglomerative;
pub(crate) mod assemble;
pub mod community;
pub mod keywords;
pub mod masking;
mod method;
pub mod metrics;
pub mod tokens;

pub use method::{cluster, ClusterMethod, ClusterOptions};

use serde::{Deserialize, Serialize};

/// One cluster of statement indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Member indices, most central first (so `members[0] == medoid`).
    pub members: Vec<usize>,
    /// Index of the member with the highest mean similarity to the others.
    pub medoid: usize,
    /// Distinctive words, most distinctive first.
    pub keywords: Vec<String>,
}

/// A partition of some statements into clusters; the rest are `unassigned`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    /// Largest first; ties broken by smallest medoid index.
    pub clusters: Vec<Cluster>,
    /// Indices that fit no cluster, ascending (never dropped).
    pub unassigned: Vec<usize>,
}

impl Clustering {
    /// One topic per row of `n`, BERTopic's convention: the cluster's
    /// position in [`Clustering::clusters`], or -1 for a row no cluster
    /// holds.
    pub fn topic_of_rows(&self, n: usize) -> Vec<i64> {
        let mut labels = vec![-1i64; n];
        for (c, cluster) in self.clusters.iter().enumerate() {
            for &m in &cluster.members {
                if let Some(l) = labels.get_mut(m) {
                    *l = c as i64;
                }
            }
        }
        labels
    }

    /// One label per row of `n`: the cluster's position, and a fresh label
    /// for each unassigned row (a singleton), as partition metrics expect.
    pub fn labels(&self, n: usize) -> Vec<usize> {
        let mut labels = vec![usize::MAX; n];
        for (c, cluster) in self.clusters.iter().enumerate() {
            for &i in &cluster.members {
                labels[i] = c;
            }
        }
        let unassigned = labels.iter_mut().filter(|l| **l == usize::MAX);
        for (next, l) in (self.clusters.len()..).zip(unassigned) {
            *l = next;
        }
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unassigned_rows_get_their_own_labels() {
        let c = Clustering {
            clusters: vec![Cluster {
                members: vec![2, 0],
                medoid: 2,
                keywords: vec![],
            }],
            unassigned: vec![1, 3],
        };
        assert_eq!(c.labels(4), vec![0, 1, 0, 2]);
        assert_eq!(c.topic_of_rows(4), vec![0, -1, 0, -1]);
    }
}
