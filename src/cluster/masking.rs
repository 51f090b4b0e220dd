//! The text a statement is grouped by: the statement without the names of
//! the corpus' speakers (every word of every speaker field value) and
//! without reporting verbs, so that topics gather what is said rather than
//! who says it. Only grouping reads it; the stance model reads the full
//! statement.

use std::collections::HashSet;

use unicode_segmentation::UnicodeSegmentation;

use crate::input::Statement;

use super::tokens::{is_reporting_verb, is_stop_word};

/// Masks the words of speaker names and reporting verbs out of texts.
#[derive(Debug, Clone, Default)]
pub struct NameMask {
    /// Lower-case words of the speaker names.
    names: HashSet<String>,
}

impl NameMask {
    /// A mask for the words of `names` (speaker field values, e.g.
    /// `"Sarah Friar"` masks `sarah` and `friar`); the stop words among them
    /// (`die` of `DIE LINKE`, `von` of `von der Leyen`) stay.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let names = names
            .into_iter()
            .flat_map(|n| {
                n.unicode_words()
                    .flat_map(|w| split_elisions(&w.to_lowercase()))
                    .filter(|w| w.chars().any(char::is_alphabetic) && !is_stop_word(w))
                    .collect::<Vec<_>>()
            })
            .collect();
        Self { names }
    }

    fn masked(&self, part: &str) -> bool {
        let lower = part.to_lowercase();
        self.names.contains(&lower) || is_reporting_verb(&lower)
    }

    /// `text` without the masked words; the rest (punctuation and spacing
    /// included) is kept as written. In a word joined by an apostrophe
    /// (`d'OpenAI`, `Friar's`) only the masked parts go.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for piece in text.split_word_bounds() {
            if !piece.chars().any(char::is_alphanumeric) {
                out.push_str(piece);
                continue;
            }
            let mut start = 0;
            for (i, c) in piece.char_indices() {
                if c == '\'' || c == '\u{2019}' {
                    self.push_part(&mut out, &piece[start..i]);
                    out.push(c);
                    start = i + c.len_utf8();
                }
            }
            self.push_part(&mut out, &piece[start..]);
        }
        out
    }

    fn push_part(&self, out: &mut String, part: &str) {
        if !part.is_empty() && !self.masked(part) {
            out.push_str(part);
        }
    }
}

/// The grouping texts of `statements`: each text masked by the names of all
/// the statements' speakers.
pub fn grouping_texts(statements: &[Statement]) -> Vec<String> {
    let mask = NameMask::new(statements.iter().filter_map(|s| s.speaker_name()));
    statements.iter().map(|s| mask.apply(&s.text)).collect()
}

/// `statements` with their grouping texts (see [`grouping_texts`]).
pub fn masked_statements(statements: &[Statement]) -> Vec<Statement> {
    statements
        .iter()
        .zip(grouping_texts(statements))
        .map(|(s, text)| Statement { text, ..s.clone() })
        .collect()
}

fn split_elisions(word: &str) -> Vec<String> {
    word.split(['\'', '\u{2019}'])
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_name_words_and_reporting_verbs() {
        let mask = NameMask::new(["Sarah Friar", "OpenAI"]);
        assert_eq!(
            mask.apply("Sarah Friar said the government's backstop would help."),
            "   the government's backstop would help."
        );
        assert_eq!(
            mask.apply("Friar a déclaré qu'une garantie d'OpenAI aiderait."),
            " a  qu'une garantie d' aiderait."
        );
        assert_eq!(mask.apply("FRIAR's view"), "'s view");
    }

    #[test]
    fn keeps_text_without_names() {
        let mask = NameMask::new(["David Sacks", "DIE LINKE"]);
        let t = "Die Steuer steigt, sagt die Regierung.";
        assert_eq!(mask.apply(t), "Die Steuer steigt,  die Regierung.");
        assert_eq!(mask.apply("Die Linke will das."), "Die  will das.");
        assert_eq!(NameMask::default().apply("Plain text."), "Plain text.");
    }
}
