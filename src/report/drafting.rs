//! Theses drafted from the topics when the analyst gives no axes.
//!
//! Each of the largest topics gives one thesis: the first of its most
//! central statements that reads as a claim (at least [`MIN_WORDS`] words,
//! not a question), in its own words and language: for reported speech its
//! claim ([`crate::extract::claims::claim`]: the clause it reports or its
//! quote, without the frame naming the speaker). A statement that sits
//! too close to a thesis already drafted (cosine above
//! [`MAX_SIMILARITY`] in the analysis space) is not drafted again. The
//! stance model then reads every statement with every drafted thesis, as
//! with theses the analyst writes (`volte report --draft-axes` writes them
//! as an axes file to edit and pass back with `--axes`).

use crate::embeddings::Embeddings;
use crate::extract::claims::claim;
use crate::extract::lang::{detect, Lang};
use crate::input::Statement;
use crate::stance::axes::AxisSpec;
use crate::stance::space::dot;

use super::grouping::TopicGroup;

/// Fewest words of a drafted thesis.
pub const MIN_WORDS: usize = 8;

/// Central statements of a topic tried, most central first.
pub const CANDIDATES: usize = 5;

/// Largest cosine between two drafted theses.
pub const MAX_SIMILARITY: f64 = 0.8;

/// A drafted thesis: its axis and the statement it is taken from.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub spec: AxisSpec,
    /// Index of the statement.
    pub statement: usize,
    /// Index of the topic.
    pub topic: usize,
}

/// Whether a statement reads as a claim.
pub fn claim_like(text: &str) -> bool {
    let text = text.trim();
    text.split_whitespace().count() >= MIN_WORDS && !text.ends_with('?')
}

/// The thesis drafted from a statement: its claim when it reports one
/// ([`claim`]: the reported clause or the quote, without the frame naming
/// the speaker), else the statement itself.
pub fn thesis_of(statement: &Statement) -> &str {
    let text = statement.text.trim();
    let lang = statement
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_else(|| detect(text));
    claim(text, lang).unwrap_or(text)
}

/// Drafts at most `max_theses` theses, from the topics in order (largest
/// first); `labels` are the topics' labels, used as the axes' descriptions.
pub fn draft(
    space: &Embeddings,
    statements: &[Statement],
    topics: &[TopicGroup],
    labels: &[String],
    max_theses: usize,
) -> Vec<Draft> {
    let mut out: Vec<Draft> = Vec::new();
    for (t, group) in topics.iter().enumerate() {
        if out.len() >= max_theses {
            break;
        }
        let pick = group
            .members
            .iter()
            .take(CANDIDATES)
            .copied()
            .filter(|&i| claim_like(&statements[i].text))
            .find(|&i| {
                out.iter()
                    .all(|d| dot(space.row(i), space.row(d.statement)) <= MAX_SIMILARITY)
            });
        if let Some(i) = pick {
            out.push(Draft {
                spec: AxisSpec {
                    name: format!("draft-{}", out.len() + 1),
                    description: labels.get(t).cloned().unwrap_or_default(),
                    thesis: Some(thesis_of(&statements[i]).to_string()),
                    pro: Vec::new(),
                    con: Vec::new(),
                    automatic: true,
                },
                statement: i,
                topic: t,
            });
        }
    }
    out
}

/// The drafted axes as an axes file the analyst can edit.
pub fn axes_toml(axes: &[(String, Option<String>, String)]) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::from(
        "# Theses drafted by `volte report` from the corpus' topics: edit them\n\
         # (one sentence each; +1 agrees), delete those that are no question,\n\
         # and pass the file back with `volte report --axes FILE`.\n",
    );
    for (name, thesis, description) in axes {
        out.push_str(&format!("\n[[axis]]\nname = {}\n", quote(name)));
        if !description.is_empty() {
            out.push_str(&format!("description = {}\n", quote(description)));
        }
        if let Some(t) = thesis {
            out.push_str(&format!("thesis = {}\n", quote(t)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stance::axes::parse_axes;

    fn st(i: usize, text: &str) -> Statement {
        Statement {
            id: format!("s{i}"),
            text: text.to_string(),
            speaker: Some("A".into()),
            date: None,
            source: None,
            lang: None,
            extra: Vec::new(),
            line: i + 1,
        }
    }

    #[test]
    fn drafts_claims_of_distinct_topics() {
        let mut space =
            Embeddings::new(2, vec![1.0, 0.0, 1.0, 0.05, 0.99, 0.1, 0.0, 1.0, 0.05, 1.0]).unwrap();
        space.normalize();
        let statements = vec![
            st(0, "Short one."),
            st(
                1,
                "The city should introduce a congestion charge for every car.",
            ),
            st(
                2,
                "The city should introduce a congestion charge for all the cars.",
            ),
            st(
                3,
                "Should the rent cap be extended to all flats in the city?",
            ),
            st(
                4,
                "The rent cap must be extended to every flat in the city now.",
            ),
        ];
        let topics = vec![
            TopicGroup {
                members: vec![0, 1],
                axis: None,
            },
            TopicGroup {
                members: vec![2],
                axis: None,
            },
            TopicGroup {
                members: vec![3, 4],
                axis: None,
            },
        ];
        let labels = vec!["charge".to_string(), "charge".into(), "rent".into()];
        let d = draft(&space, &statements, &topics, &labels, 5);
        // Topic 1 repeats topic 0's thesis; a question is no claim.
        let picked: Vec<usize> = d.iter().map(|d| d.statement).collect();
        assert_eq!(picked, vec![1, 4]);
        assert!(d.iter().all(|d| d.spec.automatic));
        assert_eq!(draft(&space, &statements, &topics, &labels, 1).len(), 1);

        let file = axes_toml(
            &d.iter()
                .map(|d| {
                    (
                        d.spec.name.clone(),
                        d.spec.thesis.clone(),
                        d.spec.description.clone(),
                    )
                })
                .collect::<Vec<_>>(),
        );
        let back = parse_axes(&file).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].thesis.as_deref(), Some(statements[4].text.as_str()));
        assert!(!back[0].automatic);
    }
}
