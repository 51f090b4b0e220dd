//! Stance scores of every statement, topic by topic.

use crate::error::Result;

use super::grouping::TopicGroup;
use super::matching::Assigned;
use super::model::AxisSource;
use crate::embeddings::Embeddings;
use crate::input::Statement;
use crate::stance::axes::AxisSet;
use crate::stance::camps::camps;
use crate::stance::cross_encoder::PairStance;
use crate::stance::unsupervised::main_opposition;

/// The stance axis a topic got, and what its poles mean.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicAxis {
    /// An axis of the axes file, or how the topic's own axis was found.
    pub source: AxisSource,
    /// What +1 means.
    pub pro: String,
    /// What −1 means.
    pub con: String,
    /// The axis' question (axes mode).
    pub description: Option<String>,
    /// The axis' thesis, when the stance model scored the topic against it.
    pub thesis: Option<String>,
    /// Cosine between topic and axis (axes mode).
    pub similarity: Option<f32>,
    /// Standard deviation of the topic's scores.
    pub spread: f32,
}

/// Scores for all statements: `stance[i]` is set for statements in a topic
/// with an axis; `axes[t]` is topic `t`'s axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub stance: Vec<Option<f32>>,
    pub axes: Vec<Option<TopicAxis>>,
}

/// Without axes, topics where fewer speakers than this speak get no stance:
/// the opposition inside a topic is learnt from disagreement between
/// speakers, and a split of one speaker's own statements would turn any
/// change of subject into a "shift".
pub const MIN_SPEAKERS_UNSUPERVISED: usize = 2;

/// Scores every topic: on its matched axis when there are axes (topics that
/// matched none get no stance); else, with the stance model, on the topic's
/// camps ([`crate::stance::camps`]; only topics where some speaker speaks on
/// two dates, as nothing can turn elsewhere); else on its main embedding
/// opposition (topics with fewer than
/// [`crate::stance::unsupervised::MIN_STATEMENTS`] statements or
/// [`MIN_SPEAKERS_UNSUPERVISED`] speakers get no stance).
///
/// An axis with a thesis is scored by `stance` (the stance model) when it is
/// given, an axis with examples by embeddings; an axis with neither that
/// applies gives its topic no stance.
pub fn score_topics(
    space: &Embeddings,
    statements: &[Statement],
    topics: &[TopicGroup],
    axes: Option<&AxisSet>,
    stance: Option<&dyn PairStance>,
    assigned: &[Option<Assigned>],
) -> Result<Scores> {
    // The stance model's answer on a statement's thesis, from matching.
    let model_score = |i: usize| -> Option<f32> {
        assigned
            .get(i)
            .copied()
            .flatten()
            .and_then(|a| a.score)
            .map(|s| s.stance())
    };

    let mut stance_of = vec![None; space.len()];
    let mut topic_axes = Vec::with_capacity(topics.len());
    for t in topics {
        let scored: Option<(TopicAxis, Vec<f32>)> = match axes {
            Some(set) => t.axis.and_then(|(a, sim)| {
                let axis = &set.axes[a];
                let mut info = TopicAxis {
                    source: AxisSource::Named(axis.spec.name.clone()),
                    pro: axis.spec.pro.first().cloned().unwrap_or_default(),
                    con: axis.spec.con.first().cloned().unwrap_or_default(),
                    description: Some(axis.spec.description.clone()).filter(|d| !d.is_empty()),
                    thesis: None,
                    similarity: Some(sim),
                    spread: 0.0,
                };
                let s: Vec<f32> = match (&axis.spec.thesis, stance) {
                    (Some(thesis), Some(_)) => {
                        let s: Vec<f32> = t
                            .members
                            .iter()
                            .map(|&i| model_score(i).expect("thesis axes are matched by the model"))
                            .collect();
                        // The poles are shown by the topic's own extremes.
                        let (hi, lo) = extremes(&s);
                        info.pro = statements[t.members[hi]].text.clone();
                        info.con = statements[t.members[lo]].text.clone();
                        info.thesis = Some(thesis.clone());
                        s
                    }
                    _ if axis.spec.has_examples() => t
                        .members
                        .iter()
                        .map(|&i| axis.score(space.row(i)))
                        .collect(),
                    _ => return None,
                };
                Some((info, s))
            }),
            None if stance.is_some() => match stance {
                Some(model) if can_turn(statements, &t.members) => {
                    let texts: Vec<&str> = t
                        .members
                        .iter()
                        .map(|&i| statements[i].text.as_str())
                        .collect();
                    camps(&texts, model)?.map(|c| {
                        let info = TopicAxis {
                            source: AxisSource::Camps,
                            pro: texts[c.positive_exemplar].to_string(),
                            con: texts[c.negative_exemplar].to_string(),
                            description: None,
                            thesis: None,
                            similarity: None,
                            spread: 0.0,
                        };
                        (info, c.scores)
                    })
                }
                _ => None,
            },
            None if distinct_speakers(statements, &t.members) < MIN_SPEAKERS_UNSUPERVISED => None,
            None => main_opposition(&space.select(&t.members)).map(|o| {
                let s: Vec<f32> = t.members.iter().map(|&i| o.score(space.row(i))).collect();
                let info = TopicAxis {
                    source: AxisSource::MainOpposition,
                    pro: statements[t.members[o.positive_exemplar]].text.clone(),
                    con: statements[t.members[o.negative_exemplar]].text.clone(),
                    description: None,
                    thesis: None,
                    similarity: None,
                    spread: 0.0,
                };
                (info, s)
            }),
        };
        topic_axes.push(scored.map(|(mut info, s)| {
            info.spread = std_dev(&s);
            for (&i, v) in t.members.iter().zip(s) {
                stance_of[i] = Some(v);
            }
            info
        }));
    }
    Ok(Scores {
        stance: stance_of,
        axes: topic_axes,
    })
}

/// Whether some speaker of `members` speaks on two different dates: only
/// then can a timeline of the topic turn.
fn can_turn(statements: &[Statement], members: &[usize]) -> bool {
    let mut first: std::collections::BTreeMap<&str, &crate::input::StatementDate> =
        std::collections::BTreeMap::new();
    for &i in members {
        if let (Some(name), Some(date)) = (statements[i].speaker_name(), &statements[i].date) {
            match first.get(name) {
                Some(d) if d.day != date.day => return true,
                Some(_) => {}
                None => {
                    first.insert(name, date);
                }
            }
        }
    }
    false
}

fn distinct_speakers(statements: &[Statement], members: &[usize]) -> usize {
    members
        .iter()
        .filter_map(|&i| statements[i].speaker_name())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// Positions of the highest and the lowest score (first on ties).
fn extremes(v: &[f32]) -> (usize, usize) {
    let mut hi = 0;
    let mut lo = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[hi] {
            hi = i;
        }
        if *x < v[lo] {
            lo = i;
        }
    }
    (hi, lo)
}

/// Population standard deviation.
fn std_dev(v: &[f32]) -> f32 {
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

    fn statement(i: usize) -> Statement {
        Statement {
            id: format!("s{i}"),
            text: format!("text {i}"),
            speaker: Some(format!("speaker {}", i % 2)),
            date: None,
            source: None,
            lang: None,
            extra: Vec::new(),
            line: i + 1,
        }
    }

    #[test]
    fn unsupervised_topics_get_scores_and_poles() {
        let rows: Vec<f32> = [
            [1.0, 0.1, 0.0],
            [1.0, -0.1, 0.0],
            [0.9, 0.0, 0.1],
            [-1.0, 0.0, 0.0],
            [-0.9, 0.1, 0.0],
            [0.0, 0.0, 1.0],
        ]
        .iter()
        .flatten()
        .copied()
        .collect();
        let mut space = Embeddings::new(3, rows).unwrap();
        space.normalize();
        let statements: Vec<Statement> = (0..6).map(statement).collect();
        let topics = vec![
            TopicGroup {
                members: vec![0, 1, 2, 3, 4],
                axis: None,
            },
            TopicGroup {
                members: vec![5],
                axis: None,
            },
        ];
        let s = score_topics(&space, &statements, &topics, None, None, &[]).unwrap();
        let axis = s.axes[0].as_ref().unwrap();
        assert_eq!(axis.source, AxisSource::MainOpposition);
        assert!(axis.spread > 0.5);
        assert!(s.stance[0].unwrap() > 0.5 && s.stance[3].unwrap() < -0.5);
        assert!(axis.pro.starts_with("text "));
        assert_eq!(s.axes[1], None);
        assert_eq!(s.stance[5], None);
        // The same topic spoken by one speaker has no opposition.
        let mut alone = statements.clone();
        alone.iter_mut().for_each(|s| s.speaker = Some("A".into()));
        assert_eq!(
            score_topics(&space, &alone, &topics, None, None, &[])
                .unwrap()
                .axes[0],
            None
        );
        assert!((std_dev(&[1.0, -1.0]) - 1.0).abs() < 1e-6);
    }
}
