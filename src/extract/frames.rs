//! The article's frame around a statement: words that date or situate a
//! statement but are not the speaker's ("Cette semaine, …", "Ces
//! commentaires interviennent un jour après que …"). The statement's text
//! starts after them; its date is still read from the whole sentence.

use super::dates::{day_after, find_dates, is_vague, PartialDate};

/// Conjunctions that open the clause after "un jour après" ("que", …).
const CLAUSE_OPENERS: &[&str] = &["que", "qu'", "qu’", "that", "dass", "als", "de que"];

/// Where the speaker's words start in `sentence` (a byte offset; 0 when the
/// sentence has no frame). `reference` resolves relative days.
pub fn frame_end(sentence: &str, reference: Option<PartialDate>) -> usize {
    // "Ces commentaires interviennent un jour après que le directeur … a
    // déclaré …": the clause after the frame.
    if let Some(pos) = day_after(sentence) {
        let rest = &sentence[pos..];
        let trimmed = rest.trim_start();
        for o in CLAUSE_OPENERS {
            if let Some(r) = trimmed.strip_prefix(o) {
                let clause = if o.ends_with(['\'', '’']) {
                    r
                } else {
                    r.trim_start()
                };
                if (o.ends_with(['\'', '’']) || r.starts_with(char::is_whitespace))
                    && clause.split_whitespace().count() >= 4
                {
                    return sentence.len() - clause.len();
                }
            }
        }
    }
    // "Cette semaine, …", "Jeudi, …", "Earlier this week, …": a leading
    // date of at most four words, then a comma.
    if let Some(comma) = sentence.find(',') {
        let head = &sentence[..comma];
        let rest = sentence[comma + 1..].trim_start();
        let dated = is_vague(head) || !find_dates(head, reference).is_empty();
        if dated && head.split_whitespace().count() <= 4 && rest.split_whitespace().count() >= 4 {
            return sentence.len() - rest.len();
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(s: &str) -> &str {
        let r = PartialDate::parse_iso("2025-11-07");
        &s[frame_end(s, r)..]
    }

    #[test]
    fn frames_are_left_out() {
        assert_eq!(
            after("Cette semaine, Sarah Friar a déclaré que le gouvernement aiderait."),
            "Sarah Friar a déclaré que le gouvernement aiderait."
        );
        assert_eq!(
            after("Ces commentaires interviennent un jour après que le directeur financier a déclaré que la société espérait une garantie."),
            "le directeur financier a déclaré que la société espérait une garantie."
        );
        assert_eq!(
            after("On Thursday, the minister said the plan would go ahead."),
            "the minister said the plan would go ahead."
        );
        assert_eq!(
            after("Am Dienstag, sagte Merz, sei die Lage ernst."),
            "sagte Merz, sei die Lage ernst."
        );
    }

    #[test]
    fn sentences_without_a_frame_stay_whole() {
        for s in [
            "Sam Altman a déclaré jeudi que l'entreprise ne demandait rien.",
            "Selon M. Altman, l'OpenAI a discuté des garanties de prêt.",
            "Le 27 octobre, il a écrit.",
        ] {
            assert_eq!(after(s), s);
        }
    }
}
