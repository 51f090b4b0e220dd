//! The report pipeline: statements and their embeddings in, [`Report`] out.
//!
//! 1. The embeddings are moved to the analysis space
//!    ([`crate::stance::space`]).
//! 2. Statements are grouped by average-linkage clustering. Without axes
//!    but with the stance model, theses are drafted from the largest
//!    topics ([`super::drafting`]).
//! 3. With axes (given or drafted), every statement is matched to the
//!    theses it addresses and the clusters to the axes given by examples;
//!    the statements of one axis form one topic ([`super::matching`],
//!    [`super::grouping`]).
//! 4. Every statement of a topic with an axis gets a stance score
//!    ([`super::scoring`]).
//! 5. Each speaker's dated statements on a thesis (else on a topic) form a
//!    timeline, searched for turns ([`super::timelines`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{bail, Result};

use super::drafting;
use super::grouping::{self, TopicGroup};
use super::matching::{match_statements, MatchParams, Matched};
use super::model::{Coverage, Report, ReportAxis, Settings, StanceMode, StatementEntry, Topic};
use super::scoring::{score_topics, Scores};
use super::timelines::{build_series, ThesisInput};
use crate::embeddings::Embeddings;
use crate::input::Statement;
use crate::stance::axes::AxisSet;
use crate::stance::cross_encoder::PairStance;
use crate::stance::shifts::ShiftParams;
use crate::stance::space::{centre_by_language, mean_of};

/// Tunable settings of the pipeline; the defaults are explained in
/// `volte report --help`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Average-linkage cut, as a cosine distance in the analysis space.
    pub cluster_threshold: f32,
    /// Smallest topic made of clusters that match no axis (and, without
    /// axes, of any cluster).
    pub min_topic_size: usize,
    /// A cluster's cosine to an axis must exceed this for the axis to apply
    /// (axes given by examples).
    pub axis_min_similarity: f32,
    /// A cluster's relevance to a thesis must reach this (axes with a
    /// thesis, scored by the stance model; see [`super::matching`]).
    pub axis_min_relevance: f32,
    /// Smallest cosine between a statement and a thesis for the statement
    /// to address it (see [`super::matching`]).
    pub thesis_min_similarity: f32,
    /// How far below its closest relevant thesis a statement's cosine to
    /// another relevant thesis may be for it to address that one too (see
    /// [`super::matching`]).
    pub thesis_margin: f32,
    /// Without axes, with the stance model: how many theses to draft from
    /// the largest topics (0: none; the stance model then splits topics
    /// into camps).
    pub draft_theses: usize,
    /// Drafting stops where the stance model would read more
    /// statement–thesis pairs than this.
    pub draft_max_pairs: usize,
    /// Shift thresholds.
    pub shift: ShiftParams,
    /// Keywords per topic.
    pub keywords: usize,
}

impl ReportOptions {
    /// With this average-linkage cut.
    pub fn with_cluster_threshold(mut self, cluster_threshold: f32) -> Self {
        self.cluster_threshold = cluster_threshold;
        self
    }

    /// With this smallest topic.
    pub fn with_min_topic_size(mut self, min_topic_size: usize) -> Self {
        self.min_topic_size = min_topic_size;
        self
    }

    /// With this cosine for an axis given by examples to apply.
    pub fn with_axis_min_similarity(mut self, axis_min_similarity: f32) -> Self {
        self.axis_min_similarity = axis_min_similarity;
        self
    }

    /// With this relevance for a thesis to apply.
    pub fn with_axis_min_relevance(mut self, axis_min_relevance: f32) -> Self {
        self.axis_min_relevance = axis_min_relevance;
        self
    }

    /// With this cosine for a statement to address a thesis.
    pub fn with_thesis_min_similarity(mut self, thesis_min_similarity: f32) -> Self {
        self.thesis_min_similarity = thesis_min_similarity;
        self
    }

    /// With this margin between a statement's cosines to its relevant
    /// theses (see [`super::matching`]).
    pub fn with_thesis_margin(mut self, thesis_margin: f32) -> Self {
        self.thesis_margin = thesis_margin;
        self
    }

    /// Drafting this many theses (0: none).
    pub fn with_draft_theses(mut self, draft_theses: usize) -> Self {
        self.draft_theses = draft_theses;
        self
    }

    /// Drafting within this many statement–thesis pairs.
    pub fn with_draft_max_pairs(mut self, draft_max_pairs: usize) -> Self {
        self.draft_max_pairs = draft_max_pairs;
        self
    }

    /// With these shift thresholds.
    pub fn with_shift(mut self, shift: ShiftParams) -> Self {
        self.shift = shift;
        self
    }

    /// With this many keywords per topic.
    pub fn with_keywords(mut self, keywords: usize) -> Self {
        self.keywords = keywords;
        self
    }
}

impl ReportOptions {
    /// Checks every setting against its range (the command line's and the
    /// Python package's, named as the Python keyword): a usage error names
    /// the first one out of range.
    pub fn validate(&self) -> crate::error::Result<()> {
        use crate::values::{cosine, distance, named, non_negative, unit};
        named("cluster_threshold", distance(self.cluster_threshold))?;
        named("axis_min_similarity", cosine(self.axis_min_similarity))?;
        named("axis_min_relevance", unit(self.axis_min_relevance))?;
        named("thesis_min_similarity", cosine(self.thesis_min_similarity))?;
        named("thesis_margin", distance(self.thesis_margin))?;
        named("shift_min_change", non_negative(self.shift.min_change))?;
        named("shift_min_confidence", unit(self.shift.min_confidence))?;
        named(
            "shift_possible_confidence",
            unit(self.shift.possible_confidence),
        )?;
        named("shift_change_prior", unit(self.shift.change_prior))?;
        named("shift_error_rate", unit(self.shift.error_rate))?;
        Ok(())
    }
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            // A cosine distance in the corpus-centred frame. Statements
            // extracted from the seed articles split at 0.90 into more
            // topics than the hand-made corpus does (Sarah Friar's first
            // remarks then form a topic no axis takes); every cut from 0.91
            // to 0.94 gives both the same turns, and 0.93 sits inside that
            // band (README, "How far to trust stance").
            cluster_threshold: 0.93,
            min_topic_size: 2,
            axis_min_similarity: 0.0,
            axis_min_relevance: 0.8,
            thesis_min_similarity: -1.0,
            thesis_margin: 0.1,
            draft_theses: 8,
            draft_max_pairs: 50_000,
            shift: ShiftParams::default(),
            keywords: 5,
        }
    }
}

/// Everything the pipeline reads.
pub struct ReportInput<'a> {
    pub statements: &'a [Statement],
    /// Model embeddings of the statements, in order (L2-normalized); the
    /// pipeline turns them into the analysis space in place.
    pub embeddings: Embeddings,
    /// Stance axes with their embedded examples, and the file they came from.
    pub axes: Option<(&'a AxisSet, String)>,
    /// The stance model, for axes with a thesis.
    pub stance: Option<&'a dyn PairStance>,
    /// Model fingerprint.
    pub model: String,
    /// Input file names.
    pub inputs: Vec<String>,
}

/// Runs the pipeline.
pub fn build_report(input: ReportInput, options: &ReportOptions) -> Result<Report> {
    let statements = input.statements;
    if statements.len() != input.embeddings.len() {
        bail!(
            "{} statements but {} embeddings",
            statements.len(),
            input.embeddings.len()
        );
    }
    let langs: Vec<Option<&str>> = statements.iter().map(|s| s.lang.as_deref()).collect();
    let given = input.axes.as_ref().map(|(a, _)| *a);
    let all: Vec<usize> = (0..statements.len()).collect();
    let corpus_mean = given.map(|_| mean_of(&input.embeddings, &all));
    let (space, centred_languages) = centre_by_language(input.embeddings, &langs);
    let clustering = grouping::cluster(&space, options.cluster_threshold)?;
    // Without axes, with the stance model: theses drafted from the topics,
    // their subjects taken in the analysis space.
    let drafted = match (given, input.stance) {
        (None, Some(_)) => draft_axes(&space, statements, &clustering, options)?,
        _ => None,
    };
    let axes: Option<&AxisSet> = given.or(drafted.as_ref());
    let matcher = match (given, &drafted) {
        (Some(set), _) => Some(set.matcher(corpus_mean.as_deref().unwrap_or_default())),
        (None, Some(set)) => Some(set.matcher(&vec![0.0; space.dim()])),
        (None, None) => None,
    };
    let matched = match (axes, &matcher) {
        (Some(set), Some(matcher)) => match_statements(
            &space,
            statements,
            &clustering,
            set,
            matcher,
            input.stance,
            MatchParams {
                min_similarity: options.axis_min_similarity,
                min_relevance: options.axis_min_relevance,
                thesis_min_similarity: options.thesis_min_similarity,
                thesis_margin: options.thesis_margin,
            },
        )?,
        _ => Matched::default(),
    };
    let assigned = &matched.assigned;
    let (groups, unassigned) =
        grouping::topics(&space, &clustering, assigned, options.min_topic_size);
    let keywords = grouping::keywords(statements, &groups, &unassigned, options.keywords);
    let labels: Vec<String> = groups
        .iter()
        .zip(&keywords)
        .map(|(g, k)| topic_label(k, &statements[g.members[0]].text))
        .collect();
    let scores = score_topics(&space, statements, &groups, axes, input.stance, assigned)?;
    let theses: Vec<ThesisInput> = matched
        .theses
        .iter()
        .map(|m| ThesisInput {
            name: &axes.expect("theses come from axes").axes[m.axis].spec.name,
            members: m,
        })
        .collect();
    let series = build_series(
        statements,
        &groups,
        &labels,
        &scores,
        &theses,
        &options.shift,
    );

    let topic_of = topic_index(&groups, statements.len());
    let coverage = Coverage {
        statements: statements.len(),
        in_topics: groups.iter().map(|g| g.members.len()).sum(),
        unassigned: unassigned.len(),
        scored: scores.stance.iter().filter(|s| s.is_some()).count(),
        on_timelines: series.on_timelines,
        scored_without_speaker: series.without_speaker,
        scored_without_date: series.without_date,
        without_speaker: statements
            .iter()
            .filter(|s| s.speaker_name().is_none())
            .count(),
        without_date: statements.iter().filter(|s| s.date.is_none()).count(),
        single_date_timelines: series.single_date,
    };
    Ok(Report {
        generator: format!("volte {}", env!("CARGO_PKG_VERSION")),
        model: input.model.clone(),
        inputs: input.inputs.clone(),
        stance_mode: match (axes, input.stance) {
            (Some(_), _) => StanceMode::Axes,
            (None, Some(_)) => StanceMode::Camps,
            (None, None) => StanceMode::Unsupervised,
        },
        axes_file: input.axes.as_ref().map(|(_, f)| f.clone()),
        axes: axes.map_or_else(Vec::new, |set| {
            set.axes
                .iter()
                .map(|a| ReportAxis {
                    name: a.spec.name.clone(),
                    thesis: a.spec.thesis.clone(),
                    automatic: a.spec.automatic,
                })
                .collect()
        }),
        settings: Settings {
            cluster_threshold: options.cluster_threshold,
            min_topic_size: options.min_topic_size,
            axis_min_similarity: options.axis_min_similarity,
            axis_min_relevance: options.axis_min_relevance,
            thesis_min_similarity: options.thesis_min_similarity,
            thesis_margin: options.thesis_margin,
            shift_min_change: options.shift.min_change,
            shift_min_confidence: options.shift.min_confidence,
            shift_possible_confidence: options.shift.possible_confidence,
            shift_change_prior: options.shift.change_prior,
            shift_error_rate: options.shift.error_rate,
            centred_languages,
        },
        coverage,
        statements: statements
            .iter()
            .enumerate()
            .map(|(i, s)| StatementEntry {
                id: s.id.clone(),
                text: s.text.clone(),
                speaker: s.speaker_name().map(str::to_string),
                date: s.date.as_ref().map(|d| d.raw.clone()),
                source: s.source.clone(),
                lang: s.lang.clone(),
                topic: topic_of[i],
                stance: scores.stance[i],
            })
            .collect(),
        topics: topics(statements, &groups, keywords, labels, &scores),
        unassigned: unassigned
            .iter()
            .map(|&i| statements[i].id.clone())
            .collect(),
        timelines: series.timelines,
        shifts: series.shifts,
    })
}

/// Theses drafted from the topics of `clustering` (see
/// [`super::drafting`]), at most `options.draft_theses` and no more than
/// `options.draft_max_pairs` statement–thesis pairs; `None` when drafting
/// is off or finds no claim.
fn draft_axes(
    space: &Embeddings,
    statements: &[Statement],
    clustering: &crate::cluster::Clustering,
    options: &ReportOptions,
) -> Result<Option<AxisSet>> {
    let budget = options.draft_max_pairs / statements.len().max(1);
    let max = options.draft_theses.min(budget);
    if max == 0 {
        return Ok(None);
    }
    let (groups, unassigned) = grouping::topics(space, clustering, &[], options.min_topic_size);
    let keywords = grouping::keywords(statements, &groups, &unassigned, options.keywords);
    let labels: Vec<String> = groups
        .iter()
        .zip(&keywords)
        .map(|(g, k)| topic_label(k, &statements[g.members[0]].text))
        .collect();
    let drafts = drafting::draft(space, statements, &groups, &labels, max);
    if drafts.is_empty() {
        return Ok(None);
    }
    let rows: Vec<usize> = drafts.iter().map(|d| d.statement).collect();
    let specs = drafts.into_iter().map(|d| d.spec).collect();
    Ok(Some(AxisSet::new(specs, &space.select(&rows))?))
}

fn topic_index(groups: &[TopicGroup], n: usize) -> Vec<Option<usize>> {
    let mut of = vec![None; n];
    for (t, g) in groups.iter().enumerate() {
        for &i in &g.members {
            of[i] = Some(t);
        }
    }
    of
}

/// A topic's label: its first keywords, or the start of its central statement.
fn topic_label(keywords: &[String], medoid_text: &str) -> String {
    if !keywords.is_empty() {
        return keywords
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
    }
    const MAX_CHARS: usize = 60;
    let text = medoid_text.trim();
    if text.chars().count() <= MAX_CHARS {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX_CHARS).collect();
        format!("{}…", cut.trim_end())
    }
}

fn topics(
    statements: &[Statement],
    groups: &[TopicGroup],
    keywords: Vec<Vec<String>>,
    labels: Vec<String>,
    scores: &Scores,
) -> Vec<Topic> {
    groups
        .iter()
        .zip(keywords)
        .zip(labels)
        .enumerate()
        .map(|(t, ((g, keywords), label))| {
            let medoid = &statements[g.members[0]];
            let languages: BTreeSet<String> = g
                .members
                .iter()
                .filter_map(|&i| statements[i].lang.as_deref().map(str::trim))
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            let mut speaker_counts: BTreeMap<&str, usize> = BTreeMap::new();
            for &i in &g.members {
                if let Some(s) = statements[i].speaker_name() {
                    *speaker_counts.entry(s).or_default() += 1;
                }
            }
            let mut speakers: Vec<(&str, usize)> = speaker_counts.into_iter().collect();
            speakers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let axis = scores.axes[t].as_ref();
            Topic {
                id: t,
                label,
                medoid: medoid.id.clone(),
                medoid_text: medoid.text.clone(),
                keywords,
                languages: languages.into_iter().collect(),
                speakers: speakers.into_iter().map(|(s, _)| s.to_string()).collect(),
                members: g
                    .members
                    .iter()
                    .map(|&i| statements[i].id.clone())
                    .collect(),
                axis: axis.map(|a| a.source.clone()),
                axis_pro: axis.map(|a| a.pro.clone()),
                axis_con: axis.map(|a| a.con.clone()),
                axis_description: axis.and_then(|a| a.description.clone()),
                axis_thesis: axis.and_then(|a| a.thesis.clone()),
                axis_similarity: axis.and_then(|a| a.similarity),
                stance_spread: axis.map(|a| a.spread),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_prefer_keywords() {
        assert_eq!(
            topic_label(&["a".into(), "b".into(), "c".into(), "d".into()], "x"),
            "a, b, c"
        );
        assert_eq!(topic_label(&[], "  short  "), "short");
        let long = "word ".repeat(30);
        let l = topic_label(&[], &long);
        assert!(l.ends_with('…') && l.chars().count() <= 61);
    }
}
