//! The claim a reported statement carries: the words someone is reported to
//! hold, without the frame that reports them ("X, le directeur financier, a
//! déclaré que …"; "according to X, …"; a quote's own words). A claim reads
//! as a thesis: drafted theses are made of claims, so that the stance model
//! reads a position, not a report naming its speaker.

use super::lang::Lang;
use super::quotes::quotes;
use super::reporting::{cues, negated, CueKind};

/// Words that open the reported clause after a reporting verb.
fn complementizer(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Fr => &["que", "qu'", "qu’"],
        Lang::En => &["that"],
        Lang::De => &["dass", "daß"],
        Lang::Es => &["que"],
    }
}

/// How far (in bytes) after a reporting verb its clause may open: room for
/// an adverb, a time or a place ("a déclaré jeudi lors d'une conférence
/// que …").
const CLAUSE_REACH: usize = 60;

/// The claim of `text` in `lang`, when its words can be told from its frame:
///
/// * the longest quote, when it is at least half of the text's letters
///   (the quote's words, without the marks);
/// * the clause after the first reporting verb and its complementizer
///   ("a déclaré que CLAUSE", "said that CLAUSE", "sagte, dass CLAUSE");
/// * the clause after the comma that closes a leading source ("Selon X,
///   CLAUSE", "According to X, CLAUSE").
///
/// The claim is verbatim (a sub-slice of `text`, trimmed, its first letter
/// kept as written); `None` when there is no frame to remove or what is
/// left is too short to be a claim.
pub fn claim(text: &str, lang: Lang) -> Option<&str> {
    let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count();
    let total = letters(text);
    if let Some(q) = quotes(text)
        .into_iter()
        .max_by_key(|q| letters(&text[q.start..q.end]))
    {
        let inner = strip_marks(&text[q.start..q.end]);
        if 2 * letters(inner) >= total {
            return long_enough(inner);
        }
    }
    let found = cues(text, lang);
    for cue in &found {
        if negated(text, cue, lang) {
            continue;
        }
        match cue.kind {
            CueKind::Verb | CueKind::WeakVerb => {
                if let Some(c) = after_complementizer(&text[cue.end..], lang) {
                    return long_enough(c);
                }
            }
            CueKind::Source => {
                if text[..cue.start].trim().is_empty() || cue.start < 3 {
                    let rest = &text[cue.end..];
                    if let Some(comma) = rest.find(',') {
                        return long_enough(&rest[comma + 1..]);
                    }
                }
            }
        }
    }
    None
}

/// Where the clause a reporting verb opens starts: the byte offset in
/// `text` just after the complementizer that follows the verb ending at
/// `cue_end` ("said on Monday that| …"), if there is one within reach.
pub fn clause_start(text: &str, cue_end: usize, lang: Lang) -> Option<usize> {
    let after = &text[cue_end..];
    after_complementizer(after, lang).map(|c| text.len() - c.len())
}

/// The clause after the complementizer that opens within
/// [`CLAUSE_REACH`] bytes of `after` (the text after a reporting verb).
fn after_complementizer(after: &str, lang: Lang) -> Option<&str> {
    let words = complementizer(lang);
    let mut at = 0;
    for w in after.split_inclusive(|c: char| c.is_whitespace() || c == ',') {
        if at > CLAUSE_REACH {
            return None;
        }
        let bare = w.trim_matches(|c: char| c.is_whitespace() || c == ',');
        let lower = bare.to_lowercase();
        for cw in words {
            if let Some(stripped) = lower.strip_prefix(cw) {
                let elided = cw.ends_with('\'') || cw.ends_with('’');
                if stripped.is_empty() || elided {
                    // Byte offset of the clause: after the complementizer.
                    let start = at + (w.len() - w.trim_start().len()) + cw.len();
                    return Some(&after[start..]);
                }
            }
        }
        at += w.len();
    }
    None
}

fn strip_marks(quote: &str) -> &str {
    quote
        .trim()
        .trim_start_matches(|c: char| super::quotes::is_opening(c))
        .trim_end_matches(|c: char| super::quotes::is_closing(c))
        .trim()
}

/// Fewest words of a claim.
const MIN_WORDS: usize = 5;

fn long_enough(clause: &str) -> Option<&str> {
    let c = clause.trim().trim_end_matches([',', ';']);
    (c.split_whitespace().count() >= MIN_WORDS).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clause_of_reported_speech() {
        assert_eq!(
            claim(
                "David Sacks, le tsar de l'IA, a déclaré plus tôt jeudi qu'il n'y aurait pas de \
                 plan de sauvetage fédéral pour l'IA.",
                Lang::Fr
            ),
            Some("il n'y aurait pas de plan de sauvetage fédéral pour l'IA.")
        );
        assert_eq!(
            claim(
                "The mayor said on Monday that the congestion charge would be scrapped next year.",
                Lang::En
            ),
            Some("the congestion charge would be scrapped next year.")
        );
        assert_eq!(
            claim(
                "Die Ministerin sagte, dass die Kohlekraftwerke bis 2030 abgeschaltet werden.",
                Lang::De
            ),
            Some("die Kohlekraftwerke bis 2030 abgeschaltet werden.")
        );
        assert_eq!(
            claim(
                "El alcalde afirmó que el peaje urbano se mantendrá en toda la ciudad.",
                Lang::Es
            ),
            Some("el peaje urbano se mantendrá en toda la ciudad.")
        );
    }

    #[test]
    fn a_leading_source_and_a_quote() {
        assert_eq!(
            claim(
                "Selon Amazon, la phase initiale de l'accord utilisera les centres existants.",
                Lang::Fr
            ),
            Some("la phase initiale de l'accord utilisera les centres existants.")
        );
        assert_eq!(
            claim(
                "« Nous ne voulons pas de garanties gouvernementales pour nos centres », a écrit M. Altman.",
                Lang::Fr
            ),
            Some("Nous ne voulons pas de garanties gouvernementales pour nos centres")
        );
    }

    #[test]
    fn no_frame_no_claim() {
        assert_eq!(
            claim(
                "The city should introduce a congestion charge for every car.",
                Lang::En
            ),
            None
        );
        // A verb far from its "that" is not its clause's opener.
        assert_eq!(
            claim(
                "She said nothing for an hour during the long and tiring meeting of the board, so that the others spoke.",
                Lang::En
            ),
            None
        );
        // Too short to be a claim.
        assert_eq!(claim("Il a dit que non merci.", Lang::Fr), None);
    }
}
