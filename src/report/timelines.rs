//! Per-speaker stance timelines on each topic, and the shifts in them.

use std::collections::BTreeMap;

use super::grouping::TopicGroup;
use super::model::{Shift, StancePoint, Timeline};
use super::scoring::Scores;
use crate::input::Statement;
use crate::stance::dates::DateSpan;
use crate::stance::shifts::{detect_turns, Point, ShiftParams};

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

/// Builds one timeline per (speaker, topic with a stance) and detects the
/// shifts in each. Timelines are ordered by topic, then speaker; shifts by
/// magnitude, strongest first.
pub fn build_series(
    statements: &[Statement],
    topics: &[TopicGroup],
    labels: &[String],
    scores: &Scores,
    params: &ShiftParams,
) -> Series {
    let mut out = Series::default();
    for (t, group) in topics.iter().enumerate() {
        let Some(axis) = &scores.axes[t] else {
            continue;
        };
        let mut by_speaker: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &i in &group.members {
            let s = &statements[i];
            match (s.speaker_name(), &s.date) {
                (None, _) => out.without_speaker += 1,
                (Some(_), None) => out.without_date += 1,
                (Some(name), Some(_)) => by_speaker.entry(name).or_default().push(i),
            }
        }
        for (speaker, members) in by_speaker {
            let points: Vec<Point> = members
                .iter()
                .map(|&i| Point {
                    span: DateSpan::of(statements[i].date.as_ref().expect("dated")),
                    score: scores.stance[i].expect("scored"),
                    key: i,
                })
                .collect();
            out.on_timelines += points.len();
            let mut ordered = points.clone();
            ordered.sort_by(|a, b| a.span.cmp(&b.span).then(a.key.cmp(&b.key)));
            if ordered.first().map(|p| p.span) == ordered.last().map(|p| p.span) {
                out.single_date += 1;
            }
            for turn in detect_turns(&points, axis.spread, params) {
                let date = |i: usize| statements[i].date.as_ref().expect("dated").raw.clone();
                let ids = |v: &[usize]| v.iter().map(|&i| statements[i].id.clone()).collect();
                out.shifts.push(Shift {
                    speaker: speaker.to_string(),
                    topic: t,
                    topic_label: labels[t].clone(),
                    from_date: date(*turn.before.last().expect("non-empty side")),
                    to_date: date(turn.after[0]),
                    before: ids(&turn.before),
                    after: ids(&turn.after),
                    stance_before: turn.mean_before,
                    stance_after: turn.mean_after,
                    magnitude: turn.magnitude,
                    confidence: turn.confidence,
                    kind: turn.kind,
                });
            }
            out.timelines.push(Timeline {
                speaker: speaker.to_string(),
                topic: t,
                points: ordered
                    .iter()
                    .map(|p| StancePoint {
                        id: statements[p.key].id.clone(),
                        date: statements[p.key].date.as_ref().expect("dated").raw.clone(),
                        stance: p.score,
                    })
                    .collect(),
            });
        }
    }
    out.shifts.sort_by(|a, b| {
        b.magnitude
            .total_cmp(&a.magnitude)
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.speaker.cmp(&b.speaker))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::StatementDate;
    use crate::report::model::AxisSource;
    use crate::report::scoring::TopicAxis;
    use crate::stance::shifts::TurnKind;

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
            &ShiftParams::default(),
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
}
