//! The gold file: expected shifts and steady series.
//!
//! JSON with a `shifts` array; each entry has `speaker`, `from_date`,
//! `to_date`, `before` and `after` (statement ids), and may give the `axis`
//! (or a plain-language `topic_hint`) and the stance on each side
//! (`from_stance`, `to_stance`, +1 or −1). An optional `steady` array lists
//! series that keep one stance: `speaker`, `axis`/`topic_hint`, `stance` and
//! `ids`. Other keys (`distractors`, …) are ignored.
//!
//! Shift evaluation needs only the shifts' speakers, dates and ids; stance
//! evaluation needs the stances and reads a label for every id of a shift
//! side or steady series that carries one.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{bail, Result};
use serde::{Deserialize, Serialize};

use crate::input::{InputError, StatementDate};

/// One expected shift.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct GoldShift {
    pub speaker: String,
    pub from_date: String,
    pub to_date: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// Plain-language topic, when the gold file gives one.
    #[serde(default)]
    pub topic_hint: Option<String>,
    /// The stance axis the shift is on, when the gold file names one.
    #[serde(default)]
    pub axis: Option<String>,
    /// Stance of the `before` statements (sign only).
    #[serde(default)]
    pub from_stance: Option<f32>,
    /// Stance of the `after` statements (sign only).
    #[serde(default)]
    pub to_stance: Option<f32>,
}

/// One expected steady series.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct GoldSteady {
    pub speaker: String,
    #[serde(default)]
    pub topic_hint: Option<String>,
    #[serde(default)]
    pub axis: Option<String>,
    pub stance: f32,
    pub ids: Vec<String>,
}

/// The contents of a gold file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Gold {
    pub shifts: Vec<GoldShift>,
    #[serde(default)]
    pub steady: Vec<GoldSteady>,
}

/// The expected stance of one statement.
#[derive(Debug, Clone, PartialEq)]
pub struct StanceLabel {
    pub id: String,
    /// What the stance is about: the axis, else the topic hint, else the
    /// speaker.
    pub group: String,
    /// +1 or −1.
    pub stance: f32,
}

/// Reads and checks a gold file; every fault is an [`InputError`] naming
/// the file (and the line, for JSON syntax errors).
pub fn read_gold(path: &Path) -> Result<Gold> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| InputError {
        file: name.clone(),
        line: 0,
        reason: format!("cannot read the gold file: {e}"),
    })?;
    Ok(parse_gold(&name, &text)?)
}

/// Parses and checks the text of a gold file; `name` is used in errors.
pub fn parse_gold(name: &str, text: &str) -> Result<Gold, InputError> {
    let fault = |line: usize, reason: String| InputError {
        file: name.to_string(),
        line,
        reason,
    };
    let gold: Gold =
        serde_json::from_str(text).map_err(|e| fault(e.line(), format!("not a gold file: {e}")))?;
    for g in &gold.shifts {
        for d in [&g.from_date, &g.to_date] {
            StatementDate::parse(d)
                .map_err(|e| fault(0, format!("shift of {}: {e}", g.speaker)))?;
        }
    }
    gold.labels().map_err(|e| fault(0, e.to_string()))?;
    Ok(gold)
}

impl Gold {
    /// Statement-level stance labels, in file order; an error when a
    /// stance is not a non-zero number or one id gets two different labels.
    pub fn labels(&self) -> Result<Vec<StanceLabel>> {
        let mut out: Vec<StanceLabel> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let group = |axis: &Option<String>, hint: &Option<String>, speaker: &str| {
            axis.clone()
                .or_else(|| hint.clone())
                .unwrap_or_else(|| speaker.to_string())
        };
        let mut push = |ids: &[String], stance: f32, group: String, whose: &str| -> Result<()> {
            if !(stance.is_finite() && stance != 0.0) {
                bail!("stance {stance} of {whose} is not +1 or -1");
            }
            for id in ids {
                let label = StanceLabel {
                    id: id.clone(),
                    group: group.clone(),
                    stance: stance.signum(),
                };
                match seen.get(id) {
                    Some(&k) if out[k] != label => {
                        bail!("statement {id} has two stance labels ({whose})")
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(id.clone(), out.len());
                        out.push(label);
                    }
                }
            }
            Ok(())
        };
        for s in &self.shifts {
            let g = group(&s.axis, &s.topic_hint, &s.speaker);
            if let Some(st) = s.from_stance {
                push(
                    &s.before,
                    st,
                    g.clone(),
                    &format!("the shift of {}", s.speaker),
                )?;
            }
            if let Some(st) = s.to_stance {
                push(&s.after, st, g, &format!("the shift of {}", s.speaker))?;
            }
        }
        for s in &self.steady {
            let g = group(&s.axis, &s.topic_hint, &s.speaker);
            push(
                &s.ids,
                s.stance,
                g,
                &format!("the steady series of {}", s.speaker),
            )?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Gold {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn labels_come_from_shift_sides_and_steady_series() {
        let g = parse(
            r#"{"shifts": [{"speaker": "A", "from_date": "2024-01-01", "to_date": "2024-02-01",
                 "before": ["a1", "a2"], "after": ["a3"], "axis": "tax",
                 "from_stance": 1, "to_stance": -1},
                {"speaker": "B", "from_date": "2024-01-01", "to_date": "2024-02-01",
                 "before": ["b1"], "after": ["b2"]}],
                "steady": [{"speaker": "C", "topic_hint": "nuclear", "stance": -0.5, "ids": ["c1"]}],
                "distractors": ["x"]}"#,
        );
        let labels = g.labels().unwrap();
        let got: Vec<(&str, &str, f32)> = labels
            .iter()
            .map(|l| (l.id.as_str(), l.group.as_str(), l.stance))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a1", "tax", 1.0),
                ("a2", "tax", 1.0),
                ("a3", "tax", -1.0),
                ("c1", "nuclear", -1.0)
            ]
        );
    }

    #[test]
    fn contradictory_or_zero_labels_are_errors() {
        let twice = parse(
            r#"{"shifts": [], "steady": [
                {"speaker": "C", "axis": "x", "stance": 1, "ids": ["c1"]},
                {"speaker": "D", "axis": "x", "stance": -1, "ids": ["c1"]}]}"#,
        );
        assert!(twice.labels().unwrap_err().to_string().contains("c1"));
        let zero =
            parse(r#"{"shifts": [], "steady": [{"speaker": "C", "stance": 0, "ids": ["c1"]}]}"#);
        assert!(zero.labels().is_err());
    }
}
