//! The analyst report as data: what every output format renders.
//!
//! This is also the JSON schema of `volte report --format json` (documented
//! in `docs/report-schema.md`); field names are part of the public interface.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A shift's kind and status are the detector's own.
pub use crate::stance::shifts::{TurnKind, TurnStatus};

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// `volte <version>`.
    pub generator: String,
    /// Model fingerprint used for the embeddings.
    pub model: String,
    /// Input file(s) the statements came from.
    pub inputs: Vec<String>,
    /// How stance is scored: along the axes of `axes_file`, or on axes
    /// found inside each topic.
    pub stance_mode: StanceMode,
    /// The axes file, in `axes` mode.
    #[serde(default)]
    pub axes_file: Option<String>,
    /// The axes the statements were scored on: those of the axes file or
    /// `--thesis`, or theses drafted from the topics (`automatic`).
    #[serde(default)]
    pub axes: Vec<ReportAxis>,
    /// The settings the report was made with.
    pub settings: Settings,
    /// Where every statement went: topics, stance, timelines.
    pub coverage: Coverage,
    /// Every statement read, in input order.
    pub statements: Vec<StatementEntry>,
    /// Topic clusters, largest first.
    pub topics: Vec<Topic>,
    /// Ids of statements that fit no topic (never dropped).
    pub unassigned: Vec<String>,
    /// One dated stance series per (speaker, topic) with at least one dated statement.
    pub timelines: Vec<Timeline>,
    /// Detected turns (`status` `turn`, most probable first), then possible
    /// turns (`status` `possible`).
    pub shifts: Vec<Shift>,
}

/// A stance axis of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportAxis {
    pub name: String,
    /// The thesis statements are scored against (+1 agrees), when it has one.
    #[serde(default)]
    pub thesis: Option<String>,
    /// Drafted by volte from the topics, not given by the analyst.
    #[serde(default)]
    pub automatic: bool,
}

/// How a report scores stance; written `axes`, `camps` or `unsupervised`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StanceMode {
    /// Along the axes of an axes file (`axes_file`).
    Axes,
    /// On the camps the stance model finds inside each topic (no axes).
    Camps,
    /// On the main embedding opposition inside each topic (no axes, no
    /// stance model).
    Unsupervised,
}

impl StanceMode {
    /// The name written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            StanceMode::Axes => "axes",
            StanceMode::Camps => "camps",
            StanceMode::Unsupervised => "unsupervised",
        }
    }
}

impl fmt::Display for StanceMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stance axis of a topic.
///
/// JSON has a single string for it: the axis name, or, in the modes without
/// axes, the name of the mode (`camps`, `unsupervised`). The variants keep
/// apart what the string mixes up, so that no code has to tell an axis from
/// a mode by its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AxisSource {
    /// An axis of the axes file, by name.
    Named(String),
    /// The camps the stance model finds in the topic (`camps` mode).
    Camps,
    /// The topic's main embedding opposition (`unsupervised` mode).
    MainOpposition,
}

impl AxisSource {
    /// The string written in reports.
    pub fn as_str(&self) -> &str {
        match self {
            AxisSource::Named(name) => name,
            AxisSource::Camps => StanceMode::Camps.as_str(),
            AxisSource::MainOpposition => StanceMode::Unsupervised.as_str(),
        }
    }

    /// The axis' name in the axes file; `None` for the modes without axes,
    /// whose axes are found inside each topic.
    pub fn named(&self) -> Option<&str> {
        match self {
            AxisSource::Named(name) => Some(name),
            AxisSource::Camps | AxisSource::MainOpposition => None,
        }
    }

    /// Reads the string written by [`AxisSource::as_str`] without knowing
    /// the report's mode: `camps` and `unsupervised` are taken for the
    /// modes' axes (see [`AxisSource::in_mode`]).
    fn from_written(text: String) -> Self {
        if text == StanceMode::Camps.as_str() {
            AxisSource::Camps
        } else if text == StanceMode::Unsupervised.as_str() {
            AxisSource::MainOpposition
        } else {
            AxisSource::Named(text)
        }
    }

    /// The axis as a report in `mode` means it: in `axes` mode every axis is
    /// one of the axes file, even one the file names `camps` or
    /// `unsupervised`.
    pub fn in_mode(self, mode: StanceMode) -> Self {
        match self {
            AxisSource::Camps | AxisSource::MainOpposition if mode == StanceMode::Axes => {
                AxisSource::Named(self.as_str().to_string())
            }
            axis => axis,
        }
    }
}

impl fmt::Display for AxisSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AxisSource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Read alone, `camps` and `unsupervised` are taken for the modes' axes;
/// [`super::json::parse`] settles them with the report's mode.
impl<'de> Deserialize<'de> for AxisSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(AxisSource::from_written)
    }
}

/// The settings of a report run (see `volte report --help`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Average-linkage cut, as a cosine distance in the analysis space.
    pub cluster_threshold: f32,
    /// Smallest topic (clusters without an axis).
    pub min_topic_size: usize,
    /// Smallest cosine between a topic and an axis for the axis to apply
    /// (axes given by examples).
    pub axis_min_similarity: f32,
    /// Smallest relevance (p_agree + p_disagree) of a statement to a thesis
    /// for the statement to address it (axes with a thesis).
    #[serde(default)]
    pub axis_min_relevance: f32,
    /// Smallest cosine between a statement and a thesis (both centred on
    /// the corpus' average statement) for the statement to address it.
    #[serde(default)]
    pub thesis_min_similarity: f32,
    /// How far below its closest relevant thesis a statement's cosine to
    /// another relevant thesis may be for it to address that one too.
    #[serde(default)]
    pub thesis_margin: f32,
    /// Smallest step of mean stance for a shift, in units of the topic's spread.
    pub shift_min_change: f32,
    /// Smallest probability of a change for a turn.
    pub shift_min_confidence: f32,
    /// Smallest probability of a change for a possible turn.
    #[serde(default)]
    pub shift_possible_confidence: f32,
    /// Prior probability that a series changes position.
    #[serde(default)]
    pub shift_change_prior: f32,
    /// Chance that a statement taking a side does not say its speaker's position.
    #[serde(default)]
    pub shift_error_rate: f32,
    /// Languages centred on their own mean in the analysis space.
    pub centred_languages: Vec<String>,
}

/// Counts of where the statements went; nothing is dropped silently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Statements read.
    pub statements: usize,
    /// Statements in a topic.
    pub in_topics: usize,
    /// Statements in no topic (`unassigned`).
    pub unassigned: usize,
    /// Statements in a topic that has a stance axis (they have a `stance`).
    pub scored: usize,
    /// Scored statements on a timeline (they have a speaker and a date).
    pub on_timelines: usize,
    /// Scored statements kept off the timelines for lack of a speaker.
    pub scored_without_speaker: usize,
    /// Scored statements with a speaker kept off the timelines for lack of a date.
    pub scored_without_date: usize,
    /// All statements without a speaker.
    pub without_speaker: usize,
    /// All statements without a date.
    pub without_date: usize,
    /// Timelines whose statements all share one date (no turn is possible).
    pub single_date_timelines: usize,
}

/// A statement as the report shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatementEntry {
    pub id: String,
    pub text: String,
    pub speaker: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    pub lang: Option<String>,
    /// Index into `topics`, or `None` when unassigned.
    pub topic: Option<usize>,
    /// Stance score on the topic's axis, in [-1, 1], when it has one.
    pub stance: Option<f32>,
}

/// A topic cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Topic {
    /// Index of this topic in `topics`.
    pub id: usize,
    /// Short human label (top keywords).
    pub label: String,
    /// Id of the medoid statement (the most central one).
    pub medoid: String,
    pub medoid_text: String,
    pub keywords: Vec<String>,
    pub languages: Vec<String>,
    pub speakers: Vec<String>,
    /// Member statement ids, central first.
    pub members: Vec<String>,
    /// The stance axis used inside this topic: an axis name from the axes
    /// file, `camps` for the stance model's camps, or `unsupervised` for the
    /// topic's main embedding opposition.
    pub axis: Option<AxisSource>,
    /// Human description of the axis' positive pole (what +1 means).
    pub axis_pro: Option<String>,
    /// Human description of the axis' negative pole (what -1 means).
    pub axis_con: Option<String>,
    /// The question of the axis (axes mode).
    #[serde(default)]
    pub axis_description: Option<String>,
    /// The thesis the stance model scored the topic against (axes with a
    /// `thesis`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis_thesis: Option<String>,
    /// Cosine between the topic and its axis (axes mode).
    #[serde(default)]
    pub axis_similarity: Option<f32>,
    /// Standard deviation of the topic's stance scores: the unit shift
    /// thresholds are measured in.
    #[serde(default)]
    pub stance_spread: Option<f32>,
}

/// The dated stance series of one speaker on one thesis (`axis`), or on
/// one topic's own axis.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timeline {
    pub speaker: String,
    /// The topic the series belongs to (with a thesis: the topic most of its
    /// statements are in).
    pub topic: usize,
    /// The axis name, when the series is scored against a thesis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<String>,
    pub points: Vec<StancePoint>,
}

/// One statement on a timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StancePoint {
    pub id: String,
    pub date: String,
    pub stance: f32,
    /// The stance model's probabilities on the thesis (thesis axes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_agree: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_disagree: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_neutral: Option<f32>,
    /// Statements of the series with the same date, this one included: they
    /// count as one observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

/// A change of position of one speaker on one topic.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shift {
    pub speaker: String,
    pub topic: usize,
    pub topic_label: String,
    pub from_date: String,
    pub to_date: String,
    /// Ids of the statements before the turn (evidence), latest last.
    pub before: Vec<String>,
    /// Ids of the statements after the turn (evidence), earliest first.
    pub after: Vec<String>,
    /// Mean stance before and after the turn.
    pub stance_before: f32,
    pub stance_after: f32,
    /// |stance_after - stance_before|, in [0, 2].
    pub magnitude: f32,
    /// The probability that the speaker's position changed, in [0, 1]
    /// (see `stance::shifts`).
    pub confidence: f32,
    /// `sign_change` (the mean stance crosses zero) or `change_point` (it
    /// retreats towards the other pole without crossing).
    pub kind: TurnKind,
    /// `turn` (the probability reaches `settings.shift_min_confidence`) or
    /// `possible` (only `settings.shift_possible_confidence`).
    #[serde(default)]
    pub status: TurnStatus,
    /// The axis name, when the series is scored against a thesis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<String>,
}

/// The JSON of an empty report in `mode`, for tests to fill in.
#[cfg(test)]
pub(crate) fn empty_report_json(mode: &str) -> serde_json::Value {
    serde_json::json!({
        "generator": "", "model": "", "inputs": [], "stance_mode": mode,
        "axes_file": null,
        "settings": {"cluster_threshold": 0.9, "min_topic_size": 2,
            "axis_min_similarity": 0.0, "thesis_min_similarity": -1.0, "thesis_margin": 0.1,
            "shift_min_change": 1.0,
            "shift_min_confidence": 0.8, "centred_languages": []},
        "coverage": {"statements": 0, "in_topics": 0, "unassigned": 0, "scored": 0,
            "on_timelines": 0, "scored_without_speaker": 0, "scored_without_date": 0,
            "without_speaker": 0, "without_date": 0, "single_date_timelines": 0},
        "statements": [], "topics": [], "unassigned": [], "timelines": [], "shifts": []
    })
}
