//! The clustering front door: which method groups unit rows into topics,
//! with what options, and the call that runs it (and labels the topics with
//! keywords).

use super::agglomerative::{agglomerative, MAX_ROWS};
use super::community::community_detection_with;
use super::keywords::label_clusters;
use super::Clustering;
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::similarity::SearchOptions;

/// How statements are grouped into topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ClusterMethod {
    /// Threshold communities (sentence-transformers' community detection):
    /// statements whose neighbourhood above the threshold is large enough
    /// seed a topic, largest first, without overlaps. Scales to millions of
    /// statements (memory grows with the number of similar pairs).
    Community,
    /// Average-linkage hierarchical clustering, merging while the mean
    /// similarity between two groups exceeds the threshold. Up to 20,000
    /// statements (it keeps every pairwise distance in memory).
    Agglomerative,
}

impl std::str::FromStr for ClusterMethod {
    type Err = crate::error::UsageError;

    /// `community` or `agglomerative`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "community" => Ok(Self::Community),
            "agglomerative" => Ok(Self::Agglomerative),
            _ => Err(crate::error::UsageError::new(format!(
                "method {s:?}: community or agglomerative"
            ))),
        }
    }
}

impl ClusterMethod {
    /// The default threshold of each method for the default model.
    pub fn default_threshold(self) -> f32 {
        match self {
            ClusterMethod::Community => 0.92,
            ClusterMethod::Agglomerative => 0.9,
        }
    }
}

/// How to cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions<'a> {
    pub method: ClusterMethod,
    /// Cosine similarity that holds a topic together.
    pub threshold: f32,
    /// Smallest topic; smaller groups are left unassigned.
    pub min_size: usize,
    /// Keywords per topic (when texts are given).
    pub keywords: usize,
    /// The similarity search of community detection (backend, pair limit,
    /// progress).
    pub search: SearchOptions<'a>,
}

/// Groups unit rows into topics, with keywords when `texts` are given.
pub fn cluster(
    embeddings: &Embeddings,
    texts: Option<&[&str]>,
    options: &ClusterOptions,
) -> Result<Clustering> {
    let n = embeddings.len();
    let mut clustering = match options.method {
        ClusterMethod::Agglomerative if n > MAX_ROWS => {
            return Err(Error::usage(format!(
                "{n} statements: agglomerative clustering is limited to {MAX_ROWS} (it keeps \
                 every pairwise distance in memory); use community detection"
            )))
        }
        ClusterMethod::Community => community_detection_with(
            embeddings,
            options.threshold,
            options.min_size,
            &options.search,
        ),
        ClusterMethod::Agglomerative => {
            agglomerative(embeddings, 1.0 - options.threshold, options.min_size)
        }
    }?;
    if let Some(texts) = texts {
        label_clusters(texts, &mut clustering, options.keywords);
    }
    Ok(clustering)
}
