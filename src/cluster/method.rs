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
#[non_exhaustive]
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

impl Default for ClusterOptions<'_> {
    /// Community detection at its default threshold, topics of at least 2,
    /// 5 keywords (the command line's and the Python package's defaults).
    fn default() -> Self {
        Self {
            method: ClusterMethod::Community,
            threshold: ClusterMethod::Community.default_threshold(),
            min_size: 2,
            keywords: 5,
            search: SearchOptions::default(),
        }
    }
}

impl<'a> ClusterOptions<'a> {
    /// With this method.
    pub fn with_method(mut self, method: ClusterMethod) -> Self {
        self.method = method;
        self
    }

    /// With this cosine similarity holding a topic together.
    pub fn with_threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold;
        self
    }

    /// With this smallest topic.
    pub fn with_min_size(mut self, min_size: usize) -> Self {
        self.min_size = min_size;
        self
    }

    /// With this many keywords per topic.
    pub fn with_keywords(mut self, keywords: usize) -> Self {
        self.keywords = keywords;
        self
    }

    /// With these options of the similarity search.
    pub fn with_search(mut self, search: SearchOptions<'a>) -> Self {
        self.search = search;
        self
    }
}

impl ClusterOptions<'_> {
    /// Checks the threshold (a cosine similarity, for both methods) and the
    /// smallest topic size; a usage error names the option.
    pub fn validate(&self) -> Result<()> {
        use crate::values::{at_least_one, cosine, named};
        named("threshold", cosine(self.threshold))?;
        named("min_size", at_least_one(self.min_size))?;
        Ok(())
    }
}

/// Groups unit rows into topics, with keywords when `texts` are given.
pub fn cluster(
    embeddings: &Embeddings,
    texts: Option<&[&str]>,
    options: &ClusterOptions,
) -> Result<Clustering> {
    options.validate()?;
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
