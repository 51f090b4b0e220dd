//! Stance scores of every statement, topic by topic.

use super::grouping::TopicGroup;
use super::timelines::speaker_of;
use crate::embeddings::Embeddings;
use crate::input::Statement;
use crate::stance::axes::AxisSet;
use crate::stance::unsupervised::main_opposition;

/// The stance axis a topic got, and what its poles mean.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicAxis {
    /// The axis name, or `unsupervised`.
    pub name: String,
    /// What +1 means.
    pub pro: String,
    /// What −1 means.
    pub con: String,
    /// The axis' question (axes mode).
    pub description: Option<String>,
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

/// The name of the unsupervised axis in reports.
pub const UNSUPERVISED: &str = "unsupervised";

/// Without axes, topics where fewer speakers than this speak get no stance:
/// the opposition inside a topic is learnt from disagreement between
/// speakers, and a split of one speaker's own statements would turn any
/// change of subject into a "shift".
pub const MIN_SPEAKERS_UNSUPERVISED: usize = 2;

/// Scores every topic: on its matched axis when there are axes (topics that
/// matched none get no stance), else on its main opposition (topics with
/// fewer than [`crate::stance::unsupervised::MIN_STATEMENTS`] statements or
/// [`MIN_SPEAKERS_UNSUPERVISED`] speakers get no stance).
pub fn score_topics(
    space: &Embeddings,
    statements: &[Statement],
    topics: &[TopicGroup],
    axes: Option<&AxisSet>,
) -> Scores {
    let mut stance = vec![None; space.len()];
    let mut topic_axes = Vec::with_capacity(topics.len());
    for t in topics {
        let scored: Option<(TopicAxis, Vec<f32>)> = match axes {
            Some(set) => t.axis.map(|(a, sim)| {
                let axis = &set.axes[a];
                let s: Vec<f32> = t
                    .members
                    .iter()
                    .map(|&i| axis.score(space.row(i)))
                    .collect();
                let info = TopicAxis {
                    name: axis.spec.name.clone(),
                    pro: axis.spec.pro[0].clone(),
                    con: axis.spec.con[0].clone(),
                    description: Some(axis.spec.description.clone()).filter(|d| !d.is_empty()),
                    similarity: Some(sim),
                    spread: 0.0,
                };
                (info, s)
            }),
            None if distinct_speakers(statements, &t.members) < MIN_SPEAKERS_UNSUPERVISED => None,
            None => main_opposition(&space.select(&t.members)).map(|o| {
                let s: Vec<f32> = t.members.iter().map(|&i| o.score(space.row(i))).collect();
                let info = TopicAxis {
                    name: UNSUPERVISED.to_string(),
                    pro: statements[t.members[o.positive_exemplar]].text.clone(),
                    con: statements[t.members[o.negative_exemplar]].text.clone(),
                    description: None,
                    similarity: None,
                    spread: 0.0,
                };
                (info, s)
            }),
        };
        topic_axes.push(scored.map(|(mut info, s)| {
            info.spread = std_dev(&s);
            for (&i, v) in t.members.iter().zip(s) {
                stance[i] = Some(v);
            }
            info
        }));
    }
    Scores {
        stance,
        axes: topic_axes,
    }
}

fn distinct_speakers(statements: &[Statement], members: &[usize]) -> usize {
    members
        .iter()
        .filter_map(|&i| speaker_of(&statements[i]))
        .collect::<std::collections::BTreeSet<_>>()
        .len()
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
        let s = score_topics(&space, &statements, &topics, None);
        let axis = s.axes[0].as_ref().unwrap();
        assert_eq!(axis.name, UNSUPERVISED);
        assert!(axis.spread > 0.5);
        assert!(s.stance[0].unwrap() > 0.5 && s.stance[3].unwrap() < -0.5);
        assert!(axis.pro.starts_with("text "));
        assert_eq!(s.axes[1], None);
        assert_eq!(s.stance[5], None);
        // The same topic spoken by one speaker has no opposition.
        let mut alone = statements.clone();
        alone.iter_mut().for_each(|s| s.speaker = Some("A".into()));
        assert_eq!(score_topics(&space, &alone, &topics, None).axes[0], None);
        assert!((std_dev(&[1.0, -1.0]) - 1.0).abs() < 1e-6);
    }
}
