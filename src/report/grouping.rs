//! Grouping statements into topics in the analysis space, and (with axes)
//! gathering the groups that debate the same axis into one topic.

use crate::error::Result;

use super::matching::Assigned;
use crate::cluster::agglomerative::{agglomerative, MAX_ROWS};
use crate::cluster::assemble::{assemble, order_by_centrality};
use crate::cluster::keywords::label_clusters_excluding;
use crate::cluster::{Cluster, Clustering};
use crate::embeddings::Embeddings;
use crate::input::Statement;
use crate::similarity::{top_k, SearchOptions};
use crate::stance::space::{dot, mean_of};

/// Average-linkage clusters of the analysis-space vectors, cut at a cosine
/// distance of `distance_threshold`; every statement is in exactly one
/// cluster (singletons included), largest first. Above [`MAX_ROWS`]
/// statements, see [`cluster_through_sample`].
pub fn cluster(space: &Embeddings, distance_threshold: f32) -> Result<Clustering> {
    cluster_through_sample(space, distance_threshold, MAX_ROWS)
}

/// Average-linkage clusters when there are at most `sample_rows` rows.
/// Otherwise (average linkage keeps every pairwise distance in memory) the
/// clusters of an evenly spaced sample of `sample_rows` rows, to which every
/// other row is attached as average linkage would attach it alone: to the
/// cluster of two or more rows whose mean similarity to it is highest (its
/// dot product with the cluster's mean), when the distance that leaves is
/// within the cut; a row that fits none stays a cluster of its own. Memory
/// grows with the sample squared and linearly with the rest.
pub fn cluster_through_sample(
    space: &Embeddings,
    distance_threshold: f32,
    sample_rows: usize,
) -> Result<Clustering> {
    let n = space.len();
    if n <= sample_rows {
        return agglomerative(space, distance_threshold, 1);
    }
    let sample: Vec<usize> = (0..sample_rows).map(|i| i * n / sample_rows).collect();
    let sampled = agglomerative(&space.select(&sample), distance_threshold, 1)?;
    let mut groups: Vec<Vec<usize>> = sampled
        .clusters
        .iter()
        .map(|c| c.members.iter().map(|&i| sample[i]).collect())
        .collect();
    let attracting: Vec<usize> = (0..groups.len())
        .filter(|&g| groups[g].len() >= 2)
        .collect();
    let mut means = Embeddings::empty(space.dim());
    for &g in &attracting {
        means.push_row(&mean_of(space, &groups[g]))?;
    }
    let mut in_sample = vec![false; n];
    sample.iter().for_each(|&i| in_sample[i] = true);
    let rest: Vec<usize> = (0..n).filter(|&i| !in_sample[i]).collect();
    let mut alone = Vec::new();
    // In chunks, so that the rows searched are never copied all at once.
    for chunk in rest.chunks(1 << 16) {
        let nearest = top_k(&space.select(chunk), &means, 1, &SearchOptions::default())?;
        for (&i, best) in chunk.iter().zip(nearest) {
            match best.first() {
                Some(b) if 1.0 - b.score <= distance_threshold => {
                    groups[attracting[b.index as usize]].push(i)
                }
                _ => alone.push(vec![i]),
            }
        }
    }
    groups.extend(alone);
    Ok(assemble(space, groups))
}

/// Topics larger than this are ordered through their members' sum (see
/// [`by_centrality`]), which costs one pass instead of one per member.
const DIRECT_CENTRALITY_ROWS: usize = 2000;

/// Members ordered by mean similarity to the other members, most central
/// first (ties by index). For large topics the mean comes from the dot
/// product with the members' sum (the same quantity, rounded differently).
pub fn by_centrality(space: &Embeddings, members: &[usize]) -> Vec<usize> {
    if members.len() > DIRECT_CENTRALITY_ROWS {
        return order_by_centrality(space, members.to_vec()).members;
    }
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
/// against the other topics and the unassigned statements), without the
/// words of speaker names.
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
    let speakers: std::collections::BTreeSet<&str> =
        statements.iter().filter_map(|s| s.speaker_name()).collect();
    let names: Vec<&str> = speakers.into_iter().collect();
    label_clusters_excluding(&texts, &mut clustering, top_n, &names);
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

    /// Rows around a few directions, with noise.
    fn grouped_rows(n: usize) -> Embeddings {
        let mut rng = crate::test_rng::TestRng::new(21);
        let dim = 16;
        let centres: Vec<Vec<f32>> = (0..5).map(|_| rng.centred(dim)).collect();
        let mut data = Vec::new();
        for i in 0..n {
            let c = &centres[i % 5];
            data.extend(c.iter().map(|&x| x + 0.15 * rng.next_centred()));
        }
        let mut e = Embeddings::new(dim, data).unwrap();
        e.normalize();
        e
    }

    #[test]
    fn below_the_sample_size_it_is_average_linkage() {
        let e = grouped_rows(60);
        assert_eq!(
            cluster_through_sample(&e, 0.5, 60).unwrap(),
            agglomerative(&e, 0.5, 1).unwrap()
        );
    }

    #[test]
    fn above_it_the_others_join_the_sample_clusters_as_average_linkage_would() {
        let e = grouped_rows(400);
        let (n, sample_rows, cut) = (400, 50, 0.5);
        let got = cluster_through_sample(&e, cut, sample_rows).unwrap();
        // Every row is in exactly one cluster.
        let mut seen = vec![0; n];
        got.clusters
            .iter()
            .flat_map(|c| &c.members)
            .for_each(|&i| seen[i] += 1);
        assert!(seen.iter().all(|&s| s == 1) && got.unassigned.is_empty());
        // The sample's clusters, by brute force.
        let sample: Vec<usize> = (0..sample_rows).map(|i| i * n / sample_rows).collect();
        let sampled = agglomerative(&e.select(&sample), cut, 1).unwrap();
        let groups: Vec<Vec<usize>> = sampled
            .clusters
            .iter()
            .filter(|c| c.members.len() >= 2)
            .map(|c| c.members.iter().map(|&i| sample[i]).collect())
            .collect();
        assert!(groups.len() >= 2);
        let cluster_of = |i: usize| got.clusters.iter().position(|c| c.members.contains(&i));
        for i in (0..n).filter(|i| !sample.contains(i)) {
            let mean_sim = |g: &Vec<usize>| {
                g.iter().map(|&j| dot(e.row(i), e.row(j))).sum::<f64>() / g.len() as f64
            };
            let (best, sim) = groups
                .iter()
                .map(|g| (g, mean_sim(g)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            let mine = &got.clusters[cluster_of(i).unwrap()].members;
            if 1.0 - sim <= cut as f64 - 1e-5 {
                assert!(mine.contains(&best[0]), "row {i} left its nearest cluster");
            } else if 1.0 - sim > cut as f64 + 1e-5 {
                assert_eq!(mine, &vec![i], "row {i} fits no cluster");
            }
        }
        // On well-separated groups, the same partition as average linkage
        // over all rows.
        let partition = |c: &Clustering| {
            let mut sets: Vec<Vec<usize>> = c
                .clusters
                .iter()
                .map(|c| {
                    let mut m = c.members.clone();
                    m.sort_unstable();
                    m
                })
                .collect();
            sets.sort();
            sets
        };
        let full = agglomerative(&e, cut, 1).unwrap();
        assert_eq!(partition(&got), partition(&full));
    }

    #[test]
    fn centrality_through_the_sum_orders_large_topics_alike() {
        let e = grouped_rows(2400);
        let members: Vec<usize> = (0..2400).filter(|i| i % 5 == 0).chain(1..3).collect();
        let direct = |m: &[usize]| {
            let mut scored: Vec<(usize, f64)> = m
                .iter()
                .map(|&i| {
                    let s: f64 = m
                        .iter()
                        .filter(|&&j| j != i)
                        .map(|&j| dot(e.row(i), e.row(j)))
                        .sum();
                    (i, s / (m.len() - 1) as f64)
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            scored.into_iter().map(|(i, _)| i).collect::<Vec<_>>()
        };
        let big: Vec<usize> = (0..2400).collect();
        assert!(big.len() > DIRECT_CENTRALITY_ROWS);
        let (got, want) = (by_centrality(&e, &big), direct(&big));
        // The same order, up to neighbours whose means differ by rounding.
        assert_eq!(got[..10], want[..10]);
        assert_eq!(by_centrality(&e, &members), direct(&members));
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
