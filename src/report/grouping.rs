//! Grouping statements into topics in the analysis space, and (with axes)
//! gathering the groups that debate the same axis into one topic.

use anyhow::Result;

use super::matching::Assigned;
use crate::cluster::agglomerative::agglomerative;
use crate::cluster::keywords::label_clusters;
use crate::cluster::{Cluster, Clustering};
use crate::embeddings::Embeddings;
use crate::input::Statement;
use crate::stance::space::dot;

/// Average-linkage clusters of the analysis-space vectors, cut at a cosine
/// distance of `distance_threshold`; every statement is in exactly one
/// cluster (singletons included), largest first.
pub fn cluster(space: &Embeddings, distance_threshold: f32) -> Result<Clustering> {
    agglomerative(space, distance_threshold, 1)
}

/// Members ordered by mean similarity to the other members, most central
/// first (ties by index).
pub fn by_centrality(space: &Embeddings, members: &[usize]) -> Vec<usize> {
    let mean_sim = |i: usize| -> f64 {
        if members.len() < 2 {
            return 0.0;
        }
        members
            .iter()
            .filter(|&&j| j != i)
            .map(|&j| dot(space.row(i), space.row(j)))
            .sum::<f64>()
            / (members.len() - 1) as f64
    };
    let mut scored: Vec<(usize, f64)> = members.iter().map(|&i| (i, mean_sim(i))).collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().map(|(i, _)| i).collect()
}

/// A topic before scoring: its members (most central first) and, with axes,
/// the axis it debates.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicGroup {
    pub members: Vec<usize>,
    /// Index into the axis set, with the cosine between the topic and the axis.
    pub axis: Option<(usize, f32)>,
}

/// Turns clusters into topics. Without axes, every cluster of at least
/// `min_size` statements is a topic. With axes, `assigned` gives each
/// statement's axis ([`super::matching`]) and all statements of one axis
/// form a single topic — the axis is the question they debate, and a speaker's series on
/// it must see both sides; clusters that match no axis stay topics of their
/// own (without a stance) when they have `min_size` statements. Returns the
/// topics, largest first, and the statements left in no topic.
pub fn topics(
    space: &Embeddings,
    clustering: &Clustering,
    assigned: &[Option<Assigned>],
    min_size: usize,
) -> (Vec<TopicGroup>, Vec<usize>) {
    let mut unassigned: Vec<usize> = Vec::new();
    let mut plain: Vec<TopicGroup> = Vec::new();
    let mut per_axis: Vec<(Vec<usize>, f32, usize)> = Vec::new();
    let mut take = |i: usize, rest: &mut Vec<usize>| match assigned.get(i).copied().flatten() {
        Some(a) => match per_axis.iter_mut().find(|(_, _, x)| *x == a.axis) {
            // The topic's similarity to its axis is that of its
            // best-matching cluster.
            Some(entry) => {
                entry.0.push(i);
                entry.1 = entry.1.max(a.similarity);
            }
            None => per_axis.push((vec![i], a.similarity, a.axis)),
        },
        None => rest.push(i),
    };
    for c in &clustering.clusters {
        let mut rest = Vec::new();
        for &i in &c.members {
            take(i, &mut rest);
        }
        // What no axis took stays a topic of its own when large enough.
        if rest.len() >= min_size.max(1) {
            let members = if rest.len() == c.members.len() {
                rest
            } else {
                by_centrality(space, &rest)
            };
            plain.push(TopicGroup {
                members,
                axis: None,
            });
        } else {
            unassigned.extend(rest);
        }
    }
    for &i in &clustering.unassigned {
        take(i, &mut unassigned);
    }
    let mut out: Vec<TopicGroup> = per_axis
        .into_iter()
        .map(|(members, sim, axis)| TopicGroup {
            members: by_centrality(space, &members),
            axis: Some((axis, sim)),
        })
        .chain(plain)
        .collect();
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    unassigned.sort_unstable();
    (out, unassigned)
}

/// Distinctive words of each topic, most distinctive first (c-TF-IDF
/// against the other topics and the unassigned statements).
pub fn keywords(
    statements: &[Statement],
    groups: &[TopicGroup],
    unassigned: &[usize],
    top_n: usize,
) -> Vec<Vec<String>> {
    let texts: Vec<&str> = statements.iter().map(|s| s.text.as_str()).collect();
    let mut clustering = Clustering {
        clusters: groups
            .iter()
            .map(|g| Cluster {
                members: g.members.clone(),
                medoid: g.members[0],
                keywords: Vec::new(),
            })
            .collect(),
        unassigned: unassigned.to_vec(),
    };
    label_clusters(&texts, &mut clustering, top_n);
    clustering
        .clusters
        .into_iter()
        .map(|c| c.keywords)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_rows(rows: &[[f32; 3]]) -> Embeddings {
        let mut e = Embeddings::new(3, rows.iter().flatten().copied().collect()).unwrap();
        e.normalize();
        e
    }

    #[test]
    fn clusters_cut_at_the_threshold() {
        let e = unit_rows(&[
            [1.0, 0.0, 0.0],
            [0.95, 0.05, 0.0],
            [0.0, 1.0, 0.0],
            [0.05, 0.95, 0.0],
            [0.0, 0.0, 1.0],
        ]);
        let c = cluster(&e, 0.2).unwrap();
        let sizes: Vec<usize> = c.clusters.iter().map(|c| c.members.len()).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
        assert_eq!(c.clusters[0].members[0], c.clusters[0].medoid);
        let all = cluster(&e, 2.0).unwrap();
        assert_eq!(all.clusters.len(), 1);
        assert!(cluster(&Embeddings::empty(3), 0.5)
            .unwrap()
            .unassigned
            .is_empty());
    }

    #[test]
    fn small_clusters_without_axis_are_unassigned() {
        let e = unit_rows(&[
            [1.0, 0.0, 0.0],
            [0.95, 0.05, 0.0],
            [0.9, 0.1, 0.0],
            [0.0, 0.0, 1.0],
        ]);
        let c = cluster(&e, 0.2).unwrap();
        let (topics, unassigned) = topics(&e, &c, &[], 2);
        assert_eq!(topics.len(), 1);
        assert_eq!(topics[0].members.len(), 3);
        assert_eq!(topics[0].members[0], 1);
        assert_eq!(unassigned, vec![3]);
        let statements: Vec<Statement> = [
            "tax carbon now",
            "carbon tax please",
            "carbon tax yes",
            "rain",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| Statement {
            id: i.to_string(),
            text: t.to_string(),
            speaker: None,
            date: None,
            source: None,
            lang: None,
            extra: Vec::new(),
            line: i + 1,
        })
        .collect();
        let kw = keywords(&statements, &topics, &unassigned, 2);
        assert_eq!(kw.len(), 1);
        assert!(kw[0].contains(&"carbon".to_string()), "{kw:?}");
    }
}
