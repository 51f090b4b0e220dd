//! Per-speaker stance timelines — on each thesis (thesis-first), else on
//! each topic's axis — and the turns in them.

use std::collections::{BTreeMap, BTreeSet};

use super::grouping::TopicGroup;
use super::matching::ThesisMembers;
use super::model::{Shift, StancePoint, Timeline, TurnStatus};
use super::scoring::Scores;
use crate::input::Statement;
use crate::stance::cross_encoder::StanceScore;
use crate::stance::dates::DateSpan;
use crate::stance::score_shifts;
use crate::stance::shifts::{detect_turns, Point, ShiftParams, Turn};

/// Timelines and shifts, with the counts of scored statements that could
/// not be placed on a timeline.
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub timelines: Vec<Timeline>,
    pub shifts: Vec<Shift>,
    pub on_timelines: usize,
    pub without_speaker: usize,
    pub without_date: usize,
    pub single_date: usize,
}

/// A statement of a series: its index, score and, on a thesis, the stance
/// model's probabilities.
type Member = (usize, f32, Option<StanceScore>);

/// One thesis' series: its axis name, topic and label, and its statements.
pub struct ThesisInput<'a> {
    pub name: &'a str,
    pub members: &'a ThesisMembers,
}

/// Builds one timeline per (speaker, thesis) from the statements that
/// address each thesis, and one per (speaker, topic with a stance) for the
/// topics whose axis is not a thesis (`thesis_axes` lists the axes that
/// are); detects the turns in each. Timelines are ordered by thesis, then
/// topic, then speaker; shifts are turns first, then possible turns, each
/// most probable first.
pub fn build_series(
    statements: &[Statement],
    topics: &[TopicGroup],
    labels: &[String],
    scores: &Scores,
    theses: &[ThesisInput],
    params: &ShiftParams,
) -> Series {
    let mut out = Series::default();
    let mut placed: BTreeSet<usize> = BTreeSet::new();
    let topic_of = {
        let mut of = vec![None; statements.len()];
        for (t, g) in topics.iter().enumerate() {
            for &i in &g.members {
                of[i] = Some(t);
            }
        }
        of
    };
    let thesis_axes: BTreeSet<usize> = theses.iter().map(|t| t.members.axis).collect();
    for thesis in theses {
        let all: Vec<f32> = thesis
            .members
            .members
            .iter()
            .map(|(_, s)| s.stance())
            .collect();
        let spread = std_dev(&all);
        let mut by_speaker: BTreeMap<&str, Vec<(usize, StanceScore)>> = BTreeMap::new();
        for &(i, score) in &thesis.members.members {
            let s = &statements[i];
            if let (Some(name), Some(_)) = (s.speaker_name(), &s.date) {
                by_speaker.entry(name).or_default().push((i, score));
            }
        }
        for (speaker, members) in by_speaker {
            // The topic most of the series' statements are in.
            let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
            members
                .iter()
                .filter_map(|(i, _)| topic_of[*i])
                .for_each(|t| *counts.entry(t).or_default() += 1);
            let topic = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or(0, |(&t, _)| t);
            let points: Vec<Member> = members
                .iter()
                .map(|&(i, s)| (i, s.stance(), Some(s)))
                .collect();
            let label = labels.get(topic).cloned().unwrap_or_default();
            add_series(
                &mut out,
                statements,
                speaker,
                &points,
                spread,
                (topic, &label, Some(thesis.name)),
                params,
            );
            placed.extend(members.iter().map(|(i, _)| *i));
        }
    }
    for (t, group) in topics.iter().enumerate() {
        let Some(axis) = &scores.axes[t] else {
            continue;
        };
        if group.axis.is_some_and(|(a, _)| thesis_axes.contains(&a)) {
            continue;
        }
        let mut by_speaker: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
        for &i in &group.members {
            let s = &statements[i];
            if let (Some(name), Some(_), Some(v)) = (s.speaker_name(), &s.date, scores.stance[i]) {
                by_speaker.entry(name).or_default().push((i, v, None));
            }
        }
        for (speaker, points) in by_speaker {
            add_series(
                &mut out,
                statements,
                speaker,
                &points,
                axis.spread,
                (t, &labels[t], None),
                params,
            );
            placed.extend(points.iter().map(|p| p.0));
        }
    }
    // Every scored statement once: on a timeline, or why not.
    for (i, s) in statements.iter().enumerate() {
        if scores.stance[i].is_none() && !placed.contains(&i) {
            continue;
        }
        if placed.contains(&i) {
            out.on_timelines += 1;
        } else if s.speaker_name().is_none() {
            out.without_speaker += 1;
        } else {
            out.without_date += 1;
        }
    }
    out.shifts.sort_by(|a, b| {
        (a.status != TurnStatus::Turn)
            .cmp(&(b.status != TurnStatus::Turn))
            .then(b.confidence.total_cmp(&a.confidence))
            .then(b.magnitude.total_cmp(&a.magnitude))
            .then(a.speaker.cmp(&b.speaker))
    });
    out
}

/// Adds the timeline of one speaker (statements with their score and, on a
/// thesis, the model's probabilities) and its turns; `at` is the topic, its
/// label and the axis name of a thesis series.
fn add_series(
    out: &mut Series,
    statements: &[Statement],
    speaker: &str,
    members: &[Member],
    spread: f32,
    at: (usize, &str, Option<&str>),
    params: &ShiftParams,
) {
    let (topic, label, axis) = at;
    let span = |i: usize| DateSpan::of(statements[i].date.as_ref().expect("dated"));
    let points: Vec<Point> = members
        .iter()
        .map(|&(i, score, p)| match p {
            Some(p) => Point::with_probabilities(span(i), p.p_agree, p.p_disagree, i),
            None => Point::scored(span(i), score, i),
        })
        .collect();
    let mut ordered: Vec<&Member> = members.iter().collect();
    ordered.sort_by(|a, b| span(a.0).cmp(&span(b.0)).then(a.0.cmp(&b.0)));
    if ordered.first().map(|p| span(p.0)) == ordered.last().map(|p| span(p.0)) {
        out.single_date += 1;
    }
    let date = |i: usize| statements[i].date.as_ref().expect("dated").raw.clone();
    let turns = if members.iter().all(|m| m.2.is_some()) {
        detect_turns(&points, spread, params)
    } else {
        score_turns(&points, spread)
    };
    for turn in turns {
        let ids = |v: &[usize]| v.iter().map(|&i| statements[i].id.clone()).collect();
        out.shifts.push(Shift {
            speaker: speaker.to_string(),
            topic,
            topic_label: label.to_string(),
            from_date: date(*turn.before.last().expect("non-empty side")),
            to_date: date(turn.after[0]),
            before: ids(&turn.before),
            after: ids(&turn.after),
            stance_before: turn.mean_before,
            stance_after: turn.mean_after,
            magnitude: turn.magnitude,
            confidence: turn.confidence,
            kind: turn.kind,
            status: turn.status,
            axis: axis.map(str::to_string),
        });
    }
    let same_date = |i: usize| ordered.iter().filter(|p| span(p.0) == span(i)).count();
    out.timelines.push(Timeline {
        speaker: speaker.to_string(),
        topic,
        axis: axis.map(str::to_string),
        points: ordered
            .iter()
            .map(|&&(i, stance, p)| StancePoint {
                id: statements[i].id.clone(),
                date: date(i),
                stance,
                p_agree: p.map(|p| p.p_agree),
                p_disagree: p.map(|p| p.p_disagree),
                p_neutral: p.map(|p| p.p_neutral),
                count: Some(same_date(i)),
            })
            .collect(),
    });
}

/// Turns of a series of scores without probabilities, by the test of
/// [`score_shifts`] with its own settings; all of status `turn`.
fn score_turns(points: &[Point], spread: f32) -> Vec<Turn> {
    let points: Vec<score_shifts::Point> = points
        .iter()
        .map(|p| score_shifts::Point {
            span: p.span,
            score: p.score,
            key: p.key,
        })
        .collect();
    score_shifts::detect_turns(&points, spread, &score_shifts::ShiftParams::default())
        .into_iter()
        .map(|t| Turn {
            before: t.before,
            after: t.after,
            mean_before: t.mean_before,
            mean_after: t.mean_after,
            magnitude: t.magnitude,
            confidence: t.confidence,
            kind: t.kind,
            status: TurnStatus::Turn,
        })
        .collect()
}

/// Population standard deviation.
pub fn std_dev(v: &[f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let n = v.len() as f64;
    let m = v.iter().map(|x| *x as f64).sum::<f64>() / n;
    (v.iter().map(|x| (*x as f64 - m).powi(2)).sum::<f64>() / n).sqrt() as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::StatementDate;
    use crate::report::model::AxisSource;
    use crate::report::scoring::TopicAxis;
    use crate::stance::shifts::TurnKind;

    const PARAMS: ShiftParams = ShiftParams {
        min_change: 0.5,
        min_confidence: 0.9,
        possible_confidence: 0.5,
        change_prior: 0.2,
        error_rate: 0.1,
    };

    fn st(i: usize, speaker: Option<&str>, date: Option<&str>) -> Statement {
        Statement {
            id: format!("s{i}"),
            text: format!("text {i}"),
            speaker: speaker.map(str::to_string),
            date: date.map(|d| StatementDate::parse(d).unwrap()),
            source: None,
            lang: None,
            extra: Vec::new(),
            line: i + 1,
        }
    }

    #[test]
    fn series_shifts_and_counts() {
        let statements = vec![
            st(0, Some("A"), Some("2024-01-01")),
            st(1, Some("A"), Some("2024-02-01")),
            st(2, Some("A"), Some("2024-06-01")),
            st(3, Some("A"), Some("2024-07-01")),
            st(4, None, Some("2024-07-01")),
            st(5, Some("B"), None),
            st(6, Some("B"), Some("2024-03-01")),
        ];
        let topics = vec![TopicGroup {
            members: (0..7).collect(),
            axis: None,
        }];
        let scores = Scores {
            stance: vec![
                Some(0.6),
                Some(0.7),
                Some(-0.6),
                Some(-0.7),
                Some(0.0),
                Some(0.1),
                Some(0.2),
            ],
            axes: vec![Some(TopicAxis {
                source: AxisSource::Named("x".into()),
                pro: "p".into(),
                con: "c".into(),
                description: None,
                thesis: None,
                similarity: None,
                spread: 0.5,
            })],
        };
        let s = build_series(
            &statements,
            &topics,
            &["label".to_string()],
            &scores,
            &[],
            &PARAMS,
        );
        assert_eq!(s.timelines.len(), 2);
        assert_eq!(s.on_timelines, 5);
        assert_eq!(s.without_speaker, 1);
        assert_eq!(s.without_date, 1);
        assert_eq!(s.single_date, 1);
        assert_eq!(s.shifts.len(), 1);
        let shift = &s.shifts[0];
        assert_eq!(shift.speaker, "A");
        assert_eq!(
            (shift.from_date.as_str(), shift.to_date.as_str()),
            ("2024-02-01", "2024-06-01")
        );
        assert_eq!(shift.before, vec!["s0", "s1"]);
        assert_eq!(shift.after, vec!["s2", "s3"]);
        assert_eq!(shift.kind, TurnKind::SignChange);
    }

    #[test]
    fn thesis_series_take_every_statement_that_addresses_the_thesis() {
        let statements: Vec<Statement> = (0..6)
            .map(|i| {
                st(
                    i,
                    Some(if i < 5 { "A" } else { "B" }),
                    Some(
                        [
                            "2024-01-01",
                            "2024-01-01",
                            "2024-03-01",
                            "2024-06-01",
                            "2024-07-01",
                            "2024-07-01",
                        ][i],
                    ),
                )
            })
            .collect();
        // Statements 0-2 and 3-5 are in two topics; the thesis spans both.
        let topics = vec![
            TopicGroup {
                members: vec![0, 1, 2],
                axis: Some((0, 0.5)),
            },
            TopicGroup {
                members: vec![3, 4, 5],
                axis: None,
            },
        ];
        let score = |a: f32, d: f32| StanceScore {
            p_agree: a,
            p_disagree: d,
            p_neutral: 1.0 - a - d,
        };
        let thesis = ThesisMembers {
            axis: 0,
            members: vec![
                (0, score(0.9, 0.05)),
                (1, score(0.85, 0.1)),
                (2, score(0.9, 0.05)),
                (3, score(0.05, 0.9)),
                (4, score(0.1, 0.85)),
                (5, score(0.9, 0.05)),
            ],
        };
        let scores = Scores {
            stance: vec![Some(0.85), Some(0.75), Some(0.85), None, None, None],
            axes: vec![None, None],
        };
        let s = build_series(
            &statements,
            &topics,
            &["t0".to_string(), "t1".to_string()],
            &scores,
            &[ThesisInput {
                name: "tax",
                members: &thesis,
            }],
            &PARAMS,
        );
        assert_eq!(s.timelines.len(), 2);
        let a = &s.timelines[0];
        assert_eq!((a.speaker.as_str(), a.axis.as_deref()), ("A", Some("tax")));
        assert_eq!(a.points.len(), 5);
        assert_eq!(a.points[0].count, Some(2));
        assert_eq!(a.points[3].p_disagree, Some(0.9));
        assert_eq!(s.on_timelines, 6);
        assert_eq!(s.shifts.len(), 1, "{:?}", s.shifts);
        let shift = &s.shifts[0];
        assert_eq!(shift.axis.as_deref(), Some("tax"));
        assert_eq!(shift.before, vec!["s0", "s1", "s2"]);
        assert_eq!(shift.after, vec!["s3", "s4"]);
        assert!(shift.confidence > 0.5 && shift.confidence < 1.0);
        // B's single date makes no turn.
        assert_eq!(s.single_date, 1);
    }
}
