//! The JSON documents the commands write about statements: a statement
//! named by id (and text), and a clustering (`volte cluster`).

use volte::cluster::{ClusterMethod, ClusterOptions, Clustering};

/// A topic of a [`ClusterDocument`].
#[derive(Debug, serde::Serialize)]
pub struct TopicEntry<'a> {
    pub id: usize,
    pub size: usize,
    pub medoid: Label<'a>,
    pub keywords: &'a [String],
    pub members: Vec<&'a str>,
}

/// A statement as written in results: its id and, when known, its text.
#[derive(Debug, serde::Serialize)]
pub struct Label<'a> {
    pub id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
}

/// The JSON document of a clustering (`volte cluster`).
#[derive(Debug, serde::Serialize)]
pub struct ClusterDocument<'a> {
    pub method: ClusterMethod,
    pub threshold: f32,
    pub min_size: usize,
    pub statements: usize,
    pub clusters: Vec<TopicEntry<'a>>,
    pub unassigned: Vec<&'a str>,
}

impl<'a> ClusterDocument<'a> {
    /// The document of `clustering` over rows named `ids` (with `texts`
    /// when the input had statements).
    pub fn new(
        clustering: &'a Clustering,
        ids: &'a [String],
        texts: Option<&[&'a str]>,
        options: &ClusterOptions,
    ) -> Self {
        let label = |i: usize| Label {
            id: &ids[i],
            text: texts.map(|t| t[i]),
        };
        Self {
            method: options.method,
            threshold: options.threshold,
            min_size: options.min_size,
            statements: ids.len(),
            clusters: clustering
                .clusters
                .iter()
                .enumerate()
                .map(|(id, c)| TopicEntry {
                    id,
                    size: c.members.len(),
                    medoid: label(c.medoid),
                    keywords: &c.keywords,
                    members: c.members.iter().map(|&i| ids[i].as_str()).collect(),
                })
                .collect(),
            unassigned: clustering
                .unassigned
                .iter()
                .map(|&i| ids[i].as_str())
                .collect(),
        }
    }
}
