//! Grouping statements into topics.
//!
//! Interface shared by the clustering methods:
//! - `community::community_detection(emb, threshold, min_size) -> Clustering`
//!   (sentence-transformers semantics: threshold, minimum size,
//!   non-overlapping, central member first);
//! - `agglomerative::agglomerative(emb, distance_threshold) -> Clustering`
//!   (average linkage on cosine distance);
//! - `keywords::label_clusters(texts, &mut clustering, top_n)` fills
//!   `Cluster::keywords` (c-TF-IDF, multilingual stop words).

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
