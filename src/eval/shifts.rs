//! Scoring detected shifts against the gold file's expected shifts.
//!
//! A detected shift matches a gold shift of the same speaker (compared
//! without case and surrounding blanks) when either
//! * its `before` ids share at least one id with the gold `before` and its
//!   `after` ids share one with the gold `after`, or
//! * its turn `[from_date, to_date]` overlaps the gold turn
//!   `[from_date, to_date]` (dates as day spans, so `2025-11` covers the month).
//!
//! and, when both name an axis, it is the same axis.
//!
//! Matching is one-to-one, taking detected shifts in report order
//! (strongest first). Only turns count as detected (`status` `turn`);
//! possible turns are counted apart. Precision is matched / detected (0 when
//! nothing was detected), recall is matched / gold (1 when the gold list is
//! empty). A false alarm is a turn on a steady series of the gold file: same
//! speaker (and axis, when both name one), with statements of the series on
//! both sides of it; they are counted per 100 steady series. The same
//! figures are also given at several levels of the probability of a change,
//! counting every listed shift at or above the level as a turn.

use std::collections::HashSet;

use serde::Serialize;

use super::gold::{GoldShift, GoldSteady};
use crate::input::StatementDate;
use crate::report::model::{Report, Shift, StanceMode, TurnStatus};
use crate::stance::dates::DateSpan;

/// The outcome of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// (index into detected, index into gold) pairs.
    pub matches: Vec<(usize, usize)>,
    /// Detected shifts that match no gold shift.
    pub false_positives: Vec<usize>,
    /// Gold shifts no detected shift matches.
    pub missed: Vec<usize>,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// A detected shift matched to a gold one, as the evaluation lists it.
#[derive(Debug, Serialize)]
pub struct MatchEntry<'a> {
    pub speaker: &'a str,
    pub detected: Turn<'a>,
    pub gold: Turn<'a>,
    /// The detected shift in one line (for text output).
    #[serde(skip)]
    pub description: String,
}

/// The dates of a turn.
#[derive(Debug, Serialize)]
pub struct Turn<'a> {
    pub from_date: &'a str,
    pub to_date: &'a str,
}

/// A report's shifts scored against a gold file (`volte eval shifts
/// --json`).
#[derive(Debug, Serialize)]
pub struct ShiftsEvaluation<'a> {
    pub gold: &'a str,
    pub stance_mode: StanceMode,
    /// Turns (`status` `turn`).
    pub detected: usize,
    /// Possible turns, not counted as detected.
    pub possible: usize,
    pub expected: usize,
    pub matched: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Steady series in the gold file.
    pub steady: usize,
    /// Turns on a steady series.
    pub false_alarms: usize,
    /// `false_alarms` per 100 steady series (`None` without steady series).
    pub false_alarms_per_100: Option<f64>,
    pub matches: Vec<MatchEntry<'a>>,
    pub false_positives: Vec<String>,
    pub missed: Vec<String>,
    /// The figures if every listed shift at or above a level were a turn.
    pub levels: Vec<LevelFigures>,
}

/// Figures at one level of the probability of a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelFigures {
    pub level: f64,
    pub detected: usize,
    pub matched: usize,
    pub precision: f64,
    pub recall: f64,
    pub false_alarms_per_100: Option<f64>,
}

/// The levels [`ShiftsEvaluation::levels`] reports.
pub const LEVELS: [f64; 12] = [
    0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99,
];

/// Turns on steady series (see the module docs).
pub fn false_alarms(detected: &[&Shift], steady: &[GoldSteady]) -> usize {
    detected
        .iter()
        .filter(|s| steady.iter().any(|g| on_steady(s, g)))
        .count()
}

fn on_steady(shift: &Shift, steady: &GoldSteady) -> bool {
    if !same_speaker(&shift.speaker, &steady.speaker) || !same_axis(shift, steady.axis.as_deref()) {
        return false;
    }
    let ids: HashSet<&str> = steady.ids.iter().map(String::as_str).collect();
    let side = |v: &[String]| v.iter().any(|x| ids.contains(x.as_str()));
    side(&shift.before) && side(&shift.after)
}

fn same_axis(shift: &Shift, axis: Option<&str>) -> bool {
    match (shift.axis.as_deref(), axis) {
        (Some(a), Some(b)) => a.trim() == b.trim(),
        _ => true,
    }
}

fn per_100(n: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| 100.0 * n as f64 / of as f64)
}

impl<'a> ShiftsEvaluation<'a> {
    /// Scores `report`'s turns against `gold` and `steady` (read from the
    /// file `name`).
    pub fn new(
        name: &'a str,
        report: &'a Report,
        gold: &'a [GoldShift],
        steady: &[GoldSteady],
    ) -> Self {
        let turns: Vec<&Shift> = report
            .shifts
            .iter()
            .filter(|s| s.status == TurnStatus::Turn)
            .collect();
        let owned: Vec<Shift> = turns.iter().map(|s| (*s).clone()).collect();
        let e = evaluate(&owned, gold);
        let shift = |d: usize| turns[d];
        let alarms = false_alarms(&turns, steady);
        let levels = LEVELS
            .iter()
            .map(|&level| {
                let at: Vec<Shift> = report
                    .shifts
                    .iter()
                    .filter(|s| s.confidence as f64 >= level)
                    .cloned()
                    .collect();
                let e = evaluate(&at, gold);
                let refs: Vec<&Shift> = at.iter().collect();
                LevelFigures {
                    level,
                    detected: at.len(),
                    matched: e.matches.len(),
                    precision: e.precision,
                    recall: e.recall,
                    false_alarms_per_100: per_100(false_alarms(&refs, steady), steady.len()),
                }
            })
            .collect();
        Self {
            gold: name,
            stance_mode: report.stance_mode,
            detected: turns.len(),
            possible: report.shifts.len() - turns.len(),
            expected: gold.len(),
            matched: e.matches.len(),
            precision: e.precision,
            recall: e.recall,
            f1: e.f1,
            steady: steady.len(),
            false_alarms: alarms,
            false_alarms_per_100: per_100(alarms, steady.len()),
            levels,
            matches: e
                .matches
                .iter()
                .map(|&(d, g)| MatchEntry {
                    speaker: &shift(d).speaker,
                    detected: Turn {
                        from_date: &shift(d).from_date,
                        to_date: &shift(d).to_date,
                    },
                    gold: Turn {
                        from_date: &gold[g].from_date,
                        to_date: &gold[g].to_date,
                    },
                    description: describe(shift(d)),
                })
                .collect(),
            false_positives: e
                .false_positives
                .iter()
                .map(|&d| describe(shift(d)))
                .collect(),
            missed: e.missed.iter().map(|&g| describe_gold(&gold[g])).collect(),
        }
    }
}

/// One line about a detected shift.
pub fn describe(s: &Shift) -> String {
    format!(
        "{} on \"{}\": {} → {} ({:+.2} → {:+.2}, probability of a change {:.2})",
        s.speaker,
        s.axis.as_deref().unwrap_or(&s.topic_label),
        s.from_date,
        s.to_date,
        s.stance_before,
        s.stance_after,
        s.confidence
    )
}

/// One line about a gold shift.
pub fn describe_gold(g: &GoldShift) -> String {
    format!(
        "{}{}: {} → {}",
        g.speaker,
        g.topic_hint
            .as_deref()
            .map(|t| format!(" on {t}"))
            .unwrap_or_default(),
        g.from_date,
        g.to_date
    )
}

/// Matches detected shifts to gold shifts and scores them.
pub fn evaluate(detected: &[Shift], gold: &[GoldShift]) -> Evaluation {
    let mut taken = vec![false; gold.len()];
    let mut matches = Vec::new();
    let mut false_positives = Vec::new();
    for (d, shift) in detected.iter().enumerate() {
        let hit = gold
            .iter()
            .enumerate()
            .find(|(g, gs)| !taken[*g] && matches_gold(shift, gs))
            .map(|(g, _)| g);
        match hit {
            Some(g) => {
                taken[g] = true;
                matches.push((d, g));
            }
            None => false_positives.push(d),
        }
    }
    let missed: Vec<usize> = (0..gold.len()).filter(|&g| !taken[g]).collect();
    let m = matches.len() as f64;
    let precision = if detected.is_empty() {
        0.0
    } else {
        m / detected.len() as f64
    };
    let recall = if gold.is_empty() {
        1.0
    } else {
        m / gold.len() as f64
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Evaluation {
        matches,
        false_positives,
        missed,
        precision,
        recall,
        f1,
    }
}

/// Whether a detected shift matches a gold one (see the module docs).
pub fn matches_gold(shift: &Shift, gold: &GoldShift) -> bool {
    if !same_speaker(&shift.speaker, &gold.speaker) || !same_axis(shift, gold.axis.as_deref()) {
        return false;
    }
    let overlap = |a: &[String], b: &[String]| {
        let set: HashSet<&str> = a.iter().map(String::as_str).collect();
        b.iter().any(|x| set.contains(x.as_str()))
    };
    if overlap(&shift.before, &gold.before) && overlap(&shift.after, &gold.after) {
        return true;
    }
    match (
        turn_span(&shift.from_date, &shift.to_date),
        turn_span(&gold.from_date, &gold.to_date),
    ) {
        (Some(a), Some(b)) => a.start <= b.end && b.start <= a.end,
        _ => false,
    }
}

fn same_speaker(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn turn_span(from: &str, to: &str) -> Option<DateSpan> {
    let from = DateSpan::of(&StatementDate::parse(from).ok()?);
    let to = DateSpan::of(&StatementDate::parse(to).ok()?);
    Some(DateSpan {
        start: from.start.min(to.start),
        end: from.end.max(to.end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::TurnKind;

    fn shift(speaker: &str, from: &str, to: &str, before: &[&str], after: &[&str]) -> Shift {
        Shift {
            speaker: speaker.into(),
            topic: 0,
            topic_label: String::new(),
            from_date: from.into(),
            to_date: to.into(),
            before: before.iter().map(|s| s.to_string()).collect(),
            after: after.iter().map(|s| s.to_string()).collect(),
            stance_before: 0.5,
            stance_after: -0.5,
            magnitude: 1.0,
            confidence: 0.9,
            kind: TurnKind::SignChange,
            status: TurnStatus::Turn,
            axis: None,
        }
    }

    fn gold(speaker: &str, from: &str, to: &str, before: &[&str], after: &[&str]) -> GoldShift {
        GoldShift {
            speaker: speaker.into(),
            from_date: from.into(),
            to_date: to.into(),
            before: before.iter().map(|s| s.to_string()).collect(),
            after: after.iter().map(|s| s.to_string()).collect(),
            topic_hint: None,
            axis: None,
            from_stance: None,
            to_stance: None,
        }
    }

    #[test]
    fn matches_by_ids_or_dates() {
        let g = gold("Ann", "2022-05-11", "2023-01-25", &["a", "b"], &["c", "d"]);
        // Same ids, other dates.
        assert!(matches_gold(
            &shift(" ann ", "2021-01-01", "2021-02-01", &["b"], &["c"]),
            &g
        ));
        // Overlapping dates, other ids.
        assert!(matches_gold(
            &shift("Ann", "2022-12", "2024-01-01", &["x"], &["y"]),
            &g
        ));
        // Neither.
        assert!(!matches_gold(
            &shift("Ann", "2020-01-01", "2021-01-01", &["a"], &["y"]),
            &g
        ));
        // Another speaker.
        assert!(!matches_gold(
            &shift("Bob", "2022-05-11", "2023-01-25", &["a"], &["c"]),
            &g
        ));
        // Another axis, when both name one.
        let on = |axis: &str| Shift {
            axis: Some(axis.into()),
            ..shift("Ann", "2022-05-11", "2023-01-25", &["a"], &["c"])
        };
        let g_axis = GoldShift {
            axis: Some("tax".into()),
            ..g.clone()
        };
        assert!(matches_gold(&on("tax"), &g_axis));
        assert!(!matches_gold(&on("rent"), &g_axis));
        assert!(matches_gold(&on("rent"), &g));
    }

    #[test]
    fn precision_and_recall() {
        let gold = vec![
            gold("A", "2022-01-01", "2022-06-01", &["1"], &["2"]),
            gold("B", "2022-01-01", "2022-06-01", &["3"], &["4"]),
        ];
        let detected = vec![
            shift("A", "2022-01-01", "2022-06-01", &["1"], &["2"]),
            // A second match for the same gold shift counts as a false positive.
            shift("A", "2022-02-01", "2022-03-01", &["1"], &["2"]),
            shift("C", "2022-01-01", "2022-06-01", &["5"], &["6"]),
        ];
        let e = evaluate(&detected, &gold);
        assert_eq!(e.matches, vec![(0, 0)]);
        assert_eq!(e.false_positives, vec![1, 2]);
        assert_eq!(e.missed, vec![1]);
        assert!((e.precision - 1.0 / 3.0).abs() < 1e-12);
        assert!((e.recall - 0.5).abs() < 1e-12);
        assert!((e.f1 - 0.4).abs() < 1e-12);
        let none = evaluate(&[], &gold);
        assert_eq!((none.precision, none.recall, none.f1), (0.0, 0.0, 0.0));
        assert_eq!(evaluate(&[], &[]).recall, 1.0);
    }

    #[test]
    fn false_alarms_are_turns_across_a_steady_series() {
        let steady = vec![GoldSteady {
            speaker: "A".into(),
            topic_hint: None,
            axis: Some("tax".into()),
            stance: 1.0,
            ids: vec!["1".into(), "2".into(), "3".into()],
        }];
        let across = Shift {
            axis: Some("tax".into()),
            ..shift("a", "2022-01-01", "2022-06-01", &["1"], &["3"])
        };
        let other_axis = Shift {
            axis: Some("rent".into()),
            ..across.clone()
        };
        let one_side = shift("A", "2022-01-01", "2022-06-01", &["1"], &["9"]);
        assert_eq!(false_alarms(&[&across], &steady), 1);
        assert_eq!(false_alarms(&[&other_axis, &one_side], &steady), 0);
        assert_eq!(per_100(1, 4), Some(25.0));
        assert_eq!(per_100(1, 0), None);
    }
}
