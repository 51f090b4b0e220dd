//! Scoring stance scores against the gold file's stance labels.
//!
//! Every labelled statement (a side of a gold shift, or a steady series)
//! that the report scored counts once: it is right when the sign of its
//! score is the sign of its label. Labels are grouped by what they are about
//! (the gold `axis`, else `topic_hint`), and each group reports
//!
//! * `scored` / `labelled`: how many labelled statements got a score (a
//!   statement in no topic, or in a topic without an axis, gets none);
//! * `topics`: over how many report topics the scored ones are spread;
//! * `accuracy`: right / scored;
//! * `auc`: the chance that a random +1 statement of the group scores above
//!   a random −1 one (ties count half); 0.5 is chance.
//!
//! Orientation: a topic scored on a named axis (axes mode) is taken as it
//! is; `off_axis` counts the labels scored on an axis other than their
//! group's. A topic whose axis was found inside it (camps or unsupervised),
//! whose +1 side is a convention, is turned the way that agrees with more
//! of its labels, so its accuracy over its labels is at least 0.5 by
//! construction and only the amount above 0.5 is informative.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{bail, Result};
use serde::Serialize;

use super::gold::StanceLabel;
use crate::report::model::{AxisSource, Report, StanceMode};

/// How a group's scores were oriented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Every topic had a named axis.
    Axis,
    /// Every topic was turned to agree with its labels.
    BestPerTopic,
    /// Some of each.
    Mixed,
}

impl Orientation {
    pub fn as_str(self) -> &'static str {
        match self {
            Orientation::Axis => "axis",
            Orientation::BestPerTopic => "best per topic",
            Orientation::Mixed => "mixed",
        }
    }
}

/// The figures of one group of labels (or of all of them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStance {
    pub group: String,
    pub labelled: usize,
    pub scored: usize,
    pub topics: usize,
    /// Scored on a named axis other than the group's.
    pub off_axis: usize,
    pub correct: usize,
    /// `correct / scored`; `None` when nothing was scored.
    pub accuracy: Option<f64>,
    /// `None` without a scored statement on each side.
    pub auc: Option<f64>,
    /// `None` when nothing was scored.
    pub orientation: Option<Orientation>,
}

/// Per-group and overall figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StanceEvaluation {
    pub stance_mode: StanceMode,
    pub groups: Vec<GroupStance>,
    pub overall: GroupStance,
    /// Labelled ids that are not in the report.
    pub missing: Vec<String>,
}

/// One labelled statement as the report scored it.
struct Scored<'a> {
    label: &'a StanceLabel,
    topic: usize,
    score: f64,
    /// On a named axis: not turned.
    fixed: bool,
    off_axis: bool,
}

/// Scores the report's stance against the labels; an error when no
/// labelled id is in the report (a gold file for another corpus).
pub fn evaluate_stance(report: &Report, labels: &[StanceLabel]) -> Result<StanceEvaluation> {
    let by_id: HashMap<&str, usize> = report
        .statements
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let missing: Vec<String> = labels
        .iter()
        .filter(|l| !by_id.contains_key(l.id.as_str()))
        .map(|l| l.id.clone())
        .collect();
    if !labels.is_empty() && missing.len() == labels.len() {
        bail!(
            "none of the {} labelled statement ids is in the report (first: {})",
            labels.len(),
            labels[0].id
        );
    }
    let mut scored: Vec<Scored> = labels
        .iter()
        .filter_map(|l| {
            let s = &report.statements[*by_id.get(l.id.as_str())?];
            let (topic, score) = (s.topic?, s.stance?);
            let axis = report.topics.get(topic).and_then(|t| t.axis.as_ref());
            let named = axis.and_then(AxisSource::named);
            Some(Scored {
                label: l,
                topic,
                score: score as f64,
                fixed: named.is_some(),
                off_axis: named.is_some_and(|a| a != l.group),
            })
        })
        .collect();
    // Turn each topic's free labels the way that agrees with more of them.
    let mut agreement: BTreeMap<usize, i64> = BTreeMap::new();
    for s in scored.iter().filter(|s| !s.fixed) {
        let agrees = s.score * s.label.stance as f64 > 0.0;
        let disagrees = s.score * (s.label.stance as f64) < 0.0;
        *agreement.entry(s.topic).or_default() += agrees as i64 - disagrees as i64;
    }
    for s in scored.iter_mut().filter(|s| !s.fixed) {
        if agreement[&s.topic] < 0 {
            s.score = -s.score;
        }
    }
    let mut groups: Vec<String> = Vec::new();
    for l in labels {
        if !groups.contains(&l.group) {
            groups.push(l.group.clone());
        }
    }
    let figures = |name: &str, keep: &dyn Fn(&StanceLabel) -> bool| {
        let members: Vec<&Scored> = scored.iter().filter(|s| keep(s.label)).collect();
        group_figures(name, labels.iter().filter(|l| keep(l)).count(), &members)
    };
    Ok(StanceEvaluation {
        stance_mode: report.stance_mode,
        groups: groups
            .iter()
            .map(|g| figures(g, &|l: &StanceLabel| &l.group == g))
            .collect(),
        overall: figures("all", &|_: &StanceLabel| true),
        missing,
    })
}

fn group_figures(name: &str, labelled: usize, members: &[&Scored]) -> GroupStance {
    let correct = members
        .iter()
        .filter(|s| s.score * s.label.stance as f64 > 0.0)
        .count();
    let pro: Vec<f64> = members
        .iter()
        .filter(|s| s.label.stance > 0.0)
        .map(|s| s.score)
        .collect();
    let con: Vec<f64> = members
        .iter()
        .filter(|s| s.label.stance < 0.0)
        .map(|s| s.score)
        .collect();
    let auc = super::stats::auc(&pro, &con);
    let fixed = members.iter().filter(|s| s.fixed).count();
    let orientation = match (members.len(), fixed) {
        (0, _) => None,
        (n, f) if f == n => Some(Orientation::Axis),
        (_, 0) => Some(Orientation::BestPerTopic),
        _ => Some(Orientation::Mixed),
    };
    GroupStance {
        group: name.to_string(),
        labelled,
        scored: members.len(),
        topics: members
            .iter()
            .map(|s| s.topic)
            .collect::<BTreeSet<_>>()
            .len(),
        off_axis: members.iter().filter(|s| s.off_axis).count(),
        correct,
        accuracy: (!members.is_empty()).then(|| correct as f64 / members.len() as f64),
        auc,
        orientation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{empty_report_json, StatementEntry, Topic};

    fn statement(id: &str, topic: Option<usize>, stance: Option<f32>) -> StatementEntry {
        StatementEntry {
            id: id.into(),
            text: String::new(),
            speaker: None,
            date: None,
            source: None,
            lang: None,
            topic,
            stance,
        }
    }

    fn topic(id: usize, axis: AxisSource) -> Topic {
        Topic {
            id,
            label: String::new(),
            medoid: String::new(),
            medoid_text: String::new(),
            keywords: vec![],
            languages: vec![],
            speakers: vec![],
            members: vec![],
            axis: Some(axis),
            axis_pro: None,
            axis_con: None,
            axis_description: None,
            axis_thesis: None,
            axis_similarity: None,
            stance_spread: None,
        }
    }

    fn label(id: &str, group: &str, stance: f32) -> StanceLabel {
        StanceLabel {
            id: id.into(),
            group: group.into(),
            stance,
        }
    }

    fn report(mode: &str, statements: Vec<StatementEntry>, topics: Vec<Topic>) -> Report {
        let mut r: Report = serde_json::from_value(empty_report_json(mode)).unwrap();
        r.statements = statements;
        r.topics = topics;
        r
    }

    #[test]
    fn axis_topics_keep_their_sign() {
        let r = report(
            "axes",
            vec![
                statement("a", Some(0), Some(0.8)),
                statement("b", Some(0), Some(-0.2)),
                statement("c", Some(0), Some(0.1)),
                statement("d", None, None),
            ],
            vec![topic(0, AxisSource::Named("tax".into()))],
        );
        let labels = [
            label("a", "tax", 1.0),
            label("b", "tax", 1.0),
            label("c", "tax", -1.0),
            label("d", "tax", -1.0),
        ];
        let e = evaluate_stance(&r, &labels).unwrap();
        let g = &e.groups[0];
        assert_eq!((g.labelled, g.scored, g.topics, g.correct), (4, 3, 1, 1));
        assert_eq!(g.off_axis, 0);
        assert_eq!(g.orientation, Some(Orientation::Axis));
        assert!((g.accuracy.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // Pro scores 0.8 and -0.2 against con 0.1: one win in two.
        assert!((g.auc.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(e.overall.scored, 3);
    }

    #[test]
    fn free_topics_are_turned_to_agree() {
        let r = report(
            "unsupervised",
            vec![
                statement("a", Some(0), Some(-0.9)),
                statement("b", Some(0), Some(-0.5)),
                statement("c", Some(0), Some(0.7)),
                statement("d", Some(1), Some(0.3)),
                statement("e", Some(1), Some(-0.3)),
            ],
            vec![
                topic(0, AxisSource::MainOpposition),
                topic(1, AxisSource::MainOpposition),
            ],
        );
        let labels = [
            label("a", "x", 1.0),
            label("b", "x", 1.0),
            label("c", "x", -1.0),
            label("d", "y", 1.0),
            label("e", "y", -1.0),
            label("zz", "y", 1.0),
        ];
        let e = evaluate_stance(&r, &labels).unwrap();
        assert_eq!(e.missing, vec!["zz".to_string()]);
        let x = &e.groups[0];
        assert_eq!((x.correct, x.scored), (3, 3));
        assert_eq!(x.auc, Some(1.0));
        assert_eq!(x.orientation, Some(Orientation::BestPerTopic));
        let y = &e.groups[1];
        assert_eq!((y.labelled, y.scored, y.correct), (3, 2, 2));
        assert_eq!(e.overall.topics, 2);
        assert!(evaluate_stance(&r, &[label("nope", "x", 1.0)]).is_err());
    }
}
