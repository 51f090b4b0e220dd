//! Which axis each statement debates.
//!
//! * An axis with a thesis is matched statement by statement with the stance
//!   model, when it is given: the model reads the thesis with every
//!   statement, and a statement's *relevance* to the thesis is
//!   `p_agree + p_disagree`, the chance that it takes a side on the thesis at
//!   all (the model was trained to answer neutral for statements about
//!   something else). Among the theses whose relevance reaches
//!   `min_relevance`, a statement takes the one its embedding is closest to
//!   (several theses of one debate are all relevant to much of it), and
//!   keeps the model's score on it. One sentence carries too little for an embedding match: a
//!   thesis in another language than the corpus, or worded as a policy while
//!   the corpus reports speech, sits far from every cluster; and clusters
//!   cut for topics can hold neighbouring questions (nuclear power next to a
//!   carbon tax) that a thesis tells apart.
//! * Thesis-first: a statement *addresses* every thesis whose relevance
//!   reaches `min_relevance`, whose subject its embedding leans towards
//!   at least as much as `thesis_min_similarity` (cosine in the
//!   corpus-centred frame), and that is, among those, within `thesis_margin`
//!   of the closest one; it may address several theses or none. The
//!   stance model finds a side on neighbouring questions (a statement on
//!   a motorway is read as taking a side on free public transport, with
//!   relevance 0.9): the embedding says which of the relevant theses the
//!   statement is about. The margin compares a statement's cosines to the
//!   theses with each other, so it does not depend on how far the corpus'
//!   language or register sits from the theses' (an absolute cut does:
//!   French reported speech sits far from an English thesis); with one
//!   thesis it keeps every relevant statement.
//!   Each thesis gets the statements that address it, with the model's
//!   scores ([`ThesisMembers`]): the speakers' timelines on the thesis are
//!   made of them, whatever topic the statements are in.
//! * An axis given by examples is matched cluster by cluster by embeddings:
//!   the cosine between the cluster's centroid and the axis' subject must
//!   exceed `min_similarity` ([`crate::stance::axes::AxisMatcher`]); the
//!   cluster's statements that no thesis took get that axis.

use crate::error::Result;

use crate::cluster::Clustering;
use crate::embeddings::Embeddings;
use crate::input::Statement;
use crate::stance::axes::{AxisMatcher, AxisSet};
use crate::stance::cross_encoder::{PairStance, StanceScore};
use crate::stance::space::centroid;

/// Thresholds of the match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchParams {
    pub min_similarity: f32,
    pub min_relevance: f32,
    /// Smallest cosine between a statement and a thesis' subject for the
    /// statement to address the thesis.
    pub thesis_min_similarity: f32,
    /// A statement addresses a relevant thesis only when its cosine to it is
    /// at most this below its cosine to the closest relevant thesis.
    pub thesis_margin: f32,
}

/// A statement's axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assigned {
    /// Index into the axis set.
    pub axis: usize,
    /// Cosine between the statement's cluster and the axis' subject.
    pub similarity: f32,
    /// The stance model's answer on the axis' thesis (thesis axes).
    pub score: Option<StanceScore>,
}

/// The statements that address one thesis, with the stance model's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct ThesisMembers {
    /// Index into the axis set.
    pub axis: usize,
    /// (statement index, score), in statement order.
    pub members: Vec<(usize, StanceScore)>,
}

/// What matching found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matched {
    /// The axis of every statement (same order as `statements`): the topic
    /// it is gathered in.
    pub assigned: Vec<Option<Assigned>>,
    /// For every thesis axis (when the stance model is given), the
    /// statements that address it.
    pub theses: Vec<ThesisMembers>,
}

/// The axis of every statement and the statements of every thesis.
pub fn match_statements(
    space: &Embeddings,
    statements: &[Statement],
    clustering: &Clustering,
    axes: &AxisSet,
    matcher: &AxisMatcher,
    stance: Option<&dyn PairStance>,
    params: MatchParams,
) -> Result<Matched> {
    let n = statements.len();
    let theses: Vec<(usize, &str)> = match stance {
        Some(_) => axes
            .axes
            .iter()
            .enumerate()
            .filter_map(|(a, axis)| axis.spec.thesis.as_deref().map(|t| (a, t)))
            .collect(),
        None => Vec::new(),
    };
    // Similarity of each statement's cluster to each axis.
    let mut similarities: Vec<Vec<f32>> = vec![Vec::new(); n];
    let mut cluster_match: Vec<Option<(usize, f32)>> = vec![None; n];
    for c in &clustering.clusters {
        let sims = matcher.similarities(&centroid(space, &c.members));
        let by_examples = sims
            .iter()
            .enumerate()
            .filter(|(a, _)| axes.axes[*a].spec.thesis.is_none() || stance.is_none())
            .filter(|(a, s)| axes.axes[*a].spec.has_examples() && **s > params.min_similarity)
            .max_by(|x, y| x.1.total_cmp(y.1).then(y.0.cmp(&x.0)))
            .map(|(a, &s)| (a, s));
        tracing::debug!(
            "cluster of {} (central statement #{}): axis similarities {:?}",
            c.members.len(),
            c.members[0],
            sims
        );
        for &i in &c.members {
            similarities[i] = sims.clone();
            cluster_match[i] = by_examples;
        }
    }
    let scores = match stance {
        Some(model) if !theses.is_empty() => {
            let pairs: Vec<(&str, &str)> = statements
                .iter()
                .flat_map(|s| theses.iter().map(move |(_, t)| (*t, s.text.as_str())))
                .collect();
            model.pair_stance(&pairs)?
        }
        _ => Vec::new(),
    };
    let mut out = Vec::with_capacity(n);
    let mut members: Vec<ThesisMembers> = theses
        .iter()
        .map(|&(axis, _)| ThesisMembers {
            axis,
            members: Vec::new(),
        })
        .collect();
    for i in 0..n {
        // Among the theses the statement addresses, the one closest to it.
        let closeness = matcher.similarities(space.row(i));
        let relevant: Vec<(usize, usize, StanceScore)> = theses
            .iter()
            .enumerate()
            .map(|(k, &(a, _))| (k, a, scores[i * theses.len() + k]))
            .filter(|(_, a, s)| {
                s.p_agree + s.p_disagree >= params.min_relevance
                    && closeness[*a] > params.thesis_min_similarity
            })
            .collect();
        let closest = relevant
            .iter()
            .map(|(_, a, _)| closeness[*a])
            .fold(f32::NEG_INFINITY, f32::max);
        let addressed: Vec<(usize, StanceScore)> = relevant
            .into_iter()
            .filter(|(_, a, _)| closeness[*a] >= closest - params.thesis_margin)
            .map(|(k, a, s)| {
                members[k].members.push((i, s));
                (a, s)
            })
            .collect();
        let by_thesis = addressed.into_iter().max_by(|x, y| {
            closeness[x.0]
                .total_cmp(&closeness[y.0])
                .then(y.0.cmp(&x.0))
        });
        let sim = |a: usize| similarities[i].get(a).copied().unwrap_or(0.0);
        out.push(match (by_thesis, cluster_match[i]) {
            (Some((axis, score)), _) => Some(Assigned {
                axis,
                similarity: sim(axis),
                score: Some(score),
            }),
            (None, Some((axis, similarity))) => Some(Assigned {
                axis,
                similarity,
                score: None,
            }),
            (None, None) => None,
        });
    }
    Ok(Matched {
        assigned: out,
        theses: members,
    })
}
