//! Stance axes (`--axes axes.toml`): what a topic's +1 and −1 mean.
//!
//! ```toml
//! [[axis]]
//! name = "carbon-tax"
//! description = "Should emissions be taxed?"
//! thesis = "Emissions should be taxed."
//! # optional: example statements of each side, in any language
//! pro = ["Polluters should pay for their emissions.", "..."]
//! con = ["La taxe carbone est un impôt injuste.", "..."]
//! ```
//!
//! An axis needs a `thesis` (one sentence, any language; +1 agrees with
//! it) or `pro` and `con` examples, or both. With a thesis, statements are
//! scored by the stance model ([`super::cross_encoder`]), which reads the
//! thesis and the statement together. Without one, by their embeddings:
//!
//! * **Scoring.** Examples are centred on their own mean (the treatment the
//!   statements get in the analysis space, see [`super::space`]), so that what
//!   all examples share — their languages, their style — does not pass for a
//!   stance. A statement's raw score is its mean cosine to its [`NEIGHBOURS`]
//!   most similar `pro` examples minus the same for `con`: a pole is a set of
//!   arguments, and a statement makes one of them, so it is compared with the
//!   closest arguments on each side rather than with their average. Scores
//!   are calibrated on the examples themselves: the mean raw score of the
//!   `pro` examples maps to +1 and that of the `con` examples to −1, and
//!   scores are clipped to [−1, 1]. Real statements, which are not written as
//!   textbook examples, usually land well inside that range.
//!
//! Either way, **matching topics** ([`AxisSet::matcher`]) uses embeddings:
//! the thesis and the examples are centred on the mean of the corpus'
//! statements, as if they were statements of the corpus; an axis' subject is
//! the direction of their mean. A topic is about an axis when its centroid
//! leans towards that direction more than the average statement does
//! (positive cosine); with several axes the closest one wins.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{bail, Result};
use serde::Deserialize;

use super::space::{centre, dot, normalize};
use crate::embeddings::Embeddings;
use crate::input::InputError;

/// How many of the closest examples of each pole a statement is compared with.
pub const NEIGHBOURS: usize = 2;

/// One axis as written in the axes file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    /// Short identifier shown in reports.
    pub name: String,
    /// The question the axis answers.
    #[serde(default)]
    pub description: String,
    /// The position +1 stands for, as one sentence; scored with the stance
    /// model.
    #[serde(default)]
    pub thesis: Option<String>,
    /// Example statements at the +1 pole.
    #[serde(default)]
    pub pro: Vec<String>,
    /// Example statements at the −1 pole.
    #[serde(default)]
    pub con: Vec<String>,
    /// Drafted by volte from the corpus, not written by the analyst.
    #[serde(skip)]
    pub automatic: bool,
}

impl AxisSpec {
    /// Whether the axis has examples of both poles (embedding scoring).
    pub fn has_examples(&self) -> bool {
        !self.pro.is_empty() && !self.con.is_empty()
    }

    /// What +1 means, in words.
    pub fn pro_label(&self) -> String {
        match (&self.thesis, self.pro.first()) {
            (Some(t), _) => format!("agrees: {t}"),
            (None, Some(p)) => p.clone(),
            (None, None) => String::new(),
        }
    }

    /// What −1 means, in words.
    pub fn con_label(&self) -> String {
        match (&self.thesis, self.con.first()) {
            (Some(t), _) => format!("disagrees: {t}"),
            (None, Some(c)) => c.clone(),
            (None, None) => String::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AxesFile {
    #[serde(default)]
    axis: Vec<AxisSpec>,
}

/// Parses and checks an axes file's text.
pub fn parse_axes(text: &str) -> Result<Vec<AxisSpec>> {
    let file: AxesFile = toml::from_str(text)?;
    checked_file(file)
}

/// The axes of a parsed axes file, checked.
fn checked_file(file: AxesFile) -> Result<Vec<AxisSpec>> {
    if file.axis.is_empty() {
        bail!("no [[axis]] tables");
    }
    check_axes(file.axis)
}

/// Checks axes given as values (the tables of an axes file): names unique
/// and not empty, a thesis or examples of both poles; white space trimmed.
pub fn check_axes(axes: Vec<AxisSpec>) -> Result<Vec<AxisSpec>> {
    if axes.is_empty() {
        bail!("no axis");
    }
    let mut names = BTreeSet::new();
    for (i, a) in axes.iter().enumerate() {
        let name = a.name.trim();
        if name.is_empty() {
            bail!("axis #{} has an empty name", i + 1);
        }
        if !names.insert(name.to_string()) {
            bail!("axis {name:?} is defined twice");
        }
        let thesis = a.thesis.as_deref().map(str::trim);
        if thesis == Some("") {
            bail!("axis {name:?} has an empty `thesis`");
        }
        let (pro, con) = (non_empty(a.pro.clone()), non_empty(a.con.clone()));
        match (thesis.is_some(), pro.is_empty(), con.is_empty()) {
            (_, false, false) | (true, true, true) => {}
            (false, true, true) => {
                bail!("axis {name:?} needs a `thesis` or `pro` and `con` examples")
            }
            (_, true, false) => bail!("axis {name:?} has `con` examples but no `pro` example"),
            (_, false, true) => bail!("axis {name:?} has `pro` examples but no `con` example"),
        }
    }
    Ok(axes
        .into_iter()
        .map(|a| AxisSpec {
            name: a.name.trim().to_string(),
            description: a.description.trim().to_string(),
            thesis: a.thesis.map(|t| t.trim().to_string()),
            pro: non_empty(a.pro),
            con: non_empty(a.con),
            automatic: false,
        })
        .collect())
}

fn non_empty(v: Vec<String>) -> Vec<String> {
    v.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Reads and checks an axes file; every fault is an [`InputError`] naming
/// the file (and the line, for TOML syntax errors).
pub fn read_axes(path: &Path) -> Result<Vec<AxisSpec>> {
    let fault = |line: usize, reason: String| InputError {
        file: path.display().to_string(),
        line,
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| fault(0, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&c| c == b'\n').count();
        fault(line, "invalid UTF-8".into())
    })?;
    let file: AxesFile = toml::from_str(&text).map_err(|t| {
        let line = t.span().map_or(0, |span| {
            1 + text.as_bytes()[..span.start.min(text.len())]
                .iter()
                .filter(|&&c| c == b'\n')
                .count()
        });
        fault(line, format!("not a valid axes file: {}", t.message()))
    })?;
    Ok(checked_file(file).map_err(|e| fault(0, format!("{e:#}")))?)
}

/// The texts to embed, in the order [`AxisSet::new`] expects: for each axis
/// its thesis (if any), its `pro` examples, then its `con` examples.
pub fn example_texts(specs: &[AxisSpec]) -> Vec<&str> {
    specs
        .iter()
        .flat_map(|a| {
            a.thesis
                .iter()
                .chain(&a.pro)
                .chain(&a.con)
                .map(String::as_str)
        })
        .collect()
}

/// An axis with its embedded examples and calibration.
#[derive(Debug, Clone)]
pub struct Axis {
    pub spec: AxisSpec,
    /// Centred examples (scoring frame).
    pro: Vec<Vec<f32>>,
    con: Vec<Vec<f32>>,
    /// The model's embeddings of the thesis and all examples.
    raw: Vec<Vec<f32>>,
    offset: f64,
    scale: f64,
}

impl Axis {
    /// Mean cosine to the closest `pro` examples minus that to the closest
    /// `con` examples, for a vector of the analysis space.
    pub fn raw(&self, x: &[f32]) -> f64 {
        top_mean(x, &self.pro) - top_mean(x, &self.con)
    }

    /// The calibrated stance of a vector of the analysis space, in [−1, 1]
    /// (axes with examples; see [`AxisSpec::has_examples`]).
    pub fn score(&self, x: &[f32]) -> f32 {
        ((self.raw(x) - self.offset) / self.scale).clamp(-1.0, 1.0) as f32
    }
}

fn top_mean(x: &[f32], examples: &[Vec<f32>]) -> f64 {
    let mut sims: Vec<f64> = examples.iter().map(|e| dot(x, e)).collect();
    sims.sort_by(|a, b| b.total_cmp(a));
    let k = NEIGHBOURS.min(sims.len()).max(1);
    sims.iter().take(k).sum::<f64>() / k as f64
}

/// All axes of a file, ready to score statements.
#[derive(Debug, Clone)]
pub struct AxisSet {
    pub axes: Vec<Axis>,
}

impl AxisSet {
    /// Builds the axes from their specs and the embeddings of
    /// [`example_texts`] (same order, L2-normalized model output).
    pub fn new(specs: Vec<AxisSpec>, examples: &Embeddings) -> Result<Self> {
        let expected: usize = specs
            .iter()
            .map(|a| usize::from(a.thesis.is_some()) + a.pro.len() + a.con.len())
            .sum();
        if examples.len() != expected {
            bail!(
                "{} example embeddings for {expected} axis examples",
                examples.len()
            );
        }
        // Examples are centred among themselves; theses stay out of it.
        let example_rows: Vec<usize> = {
            let mut rows = Vec::new();
            let mut next = 0;
            for a in &specs {
                next += usize::from(a.thesis.is_some());
                rows.extend(next..next + a.pro.len() + a.con.len());
                next += a.pro.len() + a.con.len();
            }
            rows
        };
        let centred_examples = centre(examples.select(&example_rows));
        let mut centred = Embeddings::empty(examples.dim());
        let mut k = 0;
        for i in 0..examples.len() {
            if example_rows.get(k) == Some(&i) {
                centred.push_row(centred_examples.row(k))?;
                k += 1;
            } else {
                centred.push_row(examples.row(i))?;
            }
        }
        let mut axes = Vec::with_capacity(specs.len());
        let mut next = 0;
        for spec in specs {
            let thesis_rows: Vec<usize> =
                (next..next + usize::from(spec.thesis.is_some())).collect();
            next += thesis_rows.len();
            let pro_rows: Vec<usize> = (next..next + spec.pro.len()).collect();
            next += spec.pro.len();
            let con_rows: Vec<usize> = (next..next + spec.con.len()).collect();
            next += spec.con.len();
            let all: Vec<usize> = thesis_rows
                .iter()
                .chain(&pro_rows)
                .chain(&con_rows)
                .copied()
                .collect();
            let rows = |r: &[usize]| -> Vec<Vec<f32>> {
                r.iter().map(|&i| centred.row(i).to_vec()).collect()
            };
            let mut axis = Axis {
                raw: all.iter().map(|&i| examples.row(i).to_vec()).collect(),
                pro: rows(&pro_rows),
                con: rows(&con_rows),
                spec,
                offset: 0.0,
                scale: 1.0,
            };
            if !axis.spec.has_examples() {
                axes.push(axis);
                continue;
            }
            let mean_raw =
                |v: &[Vec<f32>]| v.iter().map(|e| axis.raw(e)).sum::<f64>() / v.len() as f64;
            let (p, c) = (mean_raw(&axis.pro), mean_raw(&axis.con));
            if p - c <= 1e-6 {
                bail!(
                    "axis {:?}: its pro and con examples cannot be told apart",
                    axis.spec.name
                );
            }
            axis.offset = (p + c) / 2.0;
            axis.scale = (p - c) / 2.0;
            axes.push(axis);
        }
        Ok(Self { axes })
    }

    /// The topic matcher for a corpus whose statements' model embeddings
    /// have the mean vector `corpus_mean`.
    pub fn matcher(&self, corpus_mean: &[f32]) -> AxisMatcher {
        let subjects = self
            .axes
            .iter()
            .map(|a| {
                let mut v = vec![0f64; corpus_mean.len()];
                for e in &a.raw {
                    let mut c: Vec<f32> = e.iter().zip(corpus_mean).map(|(x, m)| x - m).collect();
                    normalize(&mut c);
                    v.iter_mut().zip(&c).for_each(|(acc, x)| *acc += *x as f64);
                }
                let mut v: Vec<f32> = v.into_iter().map(|x| x as f32).collect();
                normalize(&mut v);
                v
            })
            .collect();
        AxisMatcher { subjects }
    }
}

/// Decides which axis, if any, a topic debates (see the module docs).
#[derive(Debug, Clone)]
pub struct AxisMatcher {
    /// Unit vector of each axis' subject, in the corpus-centred frame.
    subjects: Vec<Vec<f32>>,
}

impl AxisMatcher {
    /// Cosine between a topic's centroid (analysis space) and each axis' subject.
    pub fn similarities(&self, topic_centroid: &[f32]) -> Vec<f32> {
        self.subjects
            .iter()
            .map(|s| dot(topic_centroid, s) as f32)
            .collect()
    }

    /// The axis closest to a topic's centroid, with its cosine, when that
    /// cosine exceeds `min_similarity`.
    pub fn best_match(&self, topic_centroid: &[f32], min_similarity: f32) -> Option<(usize, f32)> {
        self.similarities(topic_centroid)
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > min_similarity)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[axis]]
name = "x"
description = "Along x?"
pro = ["a", "b"]
con = ["c", "  "]

[[axis]]
name = "y"
pro = ["d"]
con = ["e"]
"#;

    #[test]
    fn parses_and_validates() {
        let specs = parse_axes(FILE).unwrap();
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].con, vec!["c".to_string()]);
        assert_eq!(specs[1].description, "");
        assert_eq!(example_texts(&specs), vec!["a", "b", "c", "d", "e"]);
        assert!(parse_axes("").is_err());
        assert!(parse_axes("[[axis]]\nname = \"x\"\npro = [\"a\"]\ncon = []\n").is_err());
        assert!(parse_axes(
            "[[axis]]\nname='x'\npro=['a']\ncon=['b']\n[[axis]]\nname='x'\npro=['a']\ncon=['b']\n"
        )
        .is_err());
        assert!(parse_axes("[[axis]]\nname='x'\npro=['a']\ncon=['b']\ncolour='red'\n").is_err());
    }

    fn unit(v: &[f32]) -> Vec<f32> {
        let mut v = v.to_vec();
        super::super::space::normalize(&mut v);
        v
    }

    /// Dimensions: stance on x, stance on y, subject x, subject y, and an
    /// offset every example shares (which centring removes).
    fn axis_set() -> AxisSet {
        let specs = parse_axes(FILE).unwrap();
        let rows = [
            unit(&[1.0, 0.0, 1.0, 0.0, 3.0]),
            unit(&[0.9, 0.1, 1.0, 0.0, 3.0]),
            unit(&[-1.0, 0.0, 1.0, 0.0, 3.0]),
            unit(&[0.0, 1.0, 0.0, 1.0, 3.0]),
            unit(&[0.0, -1.0, 0.0, 1.0, 3.0]),
        ];
        let data: Vec<f32> = rows.iter().flatten().copied().collect();
        AxisSet::new(specs, &Embeddings::new(5, data).unwrap()).unwrap()
    }

    #[test]
    fn scores_are_calibrated_and_oriented() {
        let set = axis_set();
        let x = &set.axes[0];
        let pro = x.score(&unit(&[1.0, 0.0, 0.4, -0.4, 0.0]));
        let con = x.score(&unit(&[-1.0, 0.0, 0.4, -0.4, 0.0]));
        assert!(pro > 0.5, "{pro}");
        assert!(con < -0.5, "{con}");
        assert!(x.score(&unit(&[0.0, 0.0, 0.4, -0.4, 0.0])).abs() < 0.5);
        assert!((-1.0..=1.0).contains(&pro));
        let y = &set.axes[1];
        assert!(y.score(&unit(&[0.0, 1.0, -0.6, 0.6, 0.0])) > 0.5);
    }

    #[test]
    fn topics_match_the_closest_axis() {
        let set = axis_set();
        // A corpus whose mean sits on the shared offset.
        let matcher = set.matcher(&unit(&[0.0, 0.0, 0.3, 0.3, 3.0]));
        let about_y = unit(&[0.0, 0.0, -0.5, 1.0, 0.0]);
        let about_x = unit(&[0.0, 0.0, 1.0, -0.5, 0.0]);
        assert_eq!(matcher.best_match(&about_y, 0.0).map(|m| m.0), Some(1));
        assert_eq!(matcher.best_match(&about_x, 0.0).map(|m| m.0), Some(0));
        assert_eq!(matcher.best_match(&about_y, 0.99), None);
        assert_eq!(matcher.similarities(&about_x).len(), 2);
        let elsewhere = unit(&[0.0, 0.0, -1.0, -1.0, 0.0]);
        assert_eq!(matcher.best_match(&elsewhere, 0.0), None);
        assert!(AxisSet::new(parse_axes(FILE).unwrap(), &Embeddings::empty(5)).is_err());
    }
}
