//! Keyword tokens: Unicode word boundaries (UAX #29), lower-cased, split at
//! apostrophes (elisions such as `l'homme`, `dell'anno`), without stop words
//! (the `stop-words` crate's lists for en, fr, de, es, it, nl, pt, pl, ru,
//! zh), reporting verbs (`said`, `a déclaré`, `sagte`, …), numbers or
//! one-letter words.

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_segmentation::UnicodeSegmentation;

/// The languages whose stop words are removed from every text (statements
/// mix languages, and a word that is a stop word in one of them names no
/// topic in another).
pub const STOP_WORD_LANGUAGES: [&str; 10] =
    ["en", "fr", "de", "es", "it", "nl", "pt", "pl", "ru", "zh"];

/// Words that attribute a statement rather than say what it is about.
const REPORTING_VERBS: &str = include_str!("reporting_verbs.txt");

fn stop_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        let lists = STOP_WORD_LANGUAGES
            .iter()
            .filter_map(|l| stop_words::lookup(l))
            .flat_map(|words| words.iter().copied());
        let verbs = REPORTING_VERBS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace);
        lists.chain(verbs).collect()
    })
}

fn reporting_verbs() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        REPORTING_VERBS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect()
    })
}

/// Whether `word` (lower-case) is a reporting verb or attribution
/// (`said`, `déclaré`, `sagte`, `según`, …).
pub fn is_reporting_verb(word: &str) -> bool {
    reporting_verbs().contains(word)
}

/// Whether `word` (lower-case) is a stop word in one of the languages or a
/// reporting verb.
pub fn is_stop_word(word: &str) -> bool {
    stop_words().contains(word)
}

/// Ideographic and syllabic scripts written without spaces, where a single
/// character is a meaningful word.
fn is_ideographic(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // CJK Extensions B–F, supplement
}

fn keep(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let long_enough = chars.next().is_some() || is_ideographic(first);
    long_enough && word.chars().any(char::is_alphabetic) && !is_stop_word(word)
}

/// The keyword tokens of `text`, in order.
pub fn tokens(text: &str) -> Vec<String> {
    text.unicode_words()
        .flat_map(|w| {
            w.to_lowercase()
                .split(['\'', '\u{2019}'])
                .filter(|part| keep(part))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lowercases_and_drops_stop_words() {
        assert_eq!(
            tokens("The Government's plan, and 2024 budget: a U-turn!"),
            vec!["government", "plan", "budget", "turn"]
        );
        assert_eq!(
            tokens("L'homme a vu les enfants de l'école."),
            vec!["homme", "vu", "enfants", "école"]
        );
        assert_eq!(tokens("Der Hund und die Katze"), vec!["hund", "katze"]);
        assert_eq!(tokens("Собака и кошка"), vec!["собака", "кошка"]);
        assert_eq!(tokens("Pies i kot są tu"), vec!["pies", "kot"]);
    }

    #[test]
    fn every_language_has_a_list() {
        for l in STOP_WORD_LANGUAGES {
            assert!(stop_words::lookup(l).is_some_and(|w| w.len() > 50), "{l}");
        }
    }

    #[test]
    fn reporting_verbs_are_dropped() {
        assert_eq!(
            tokens("Lehane a déclaré que le crédit d'impôt, selon OpenAI"),
            vec!["lehane", "crédit", "impôt", "openai"]
        );
        assert_eq!(
            tokens("She said taxes rise, according to him"),
            vec!["taxes", "rise"]
        );
        assert_eq!(
            tokens("Er sagte, die Steuer steigt"),
            vec!["steuer", "steigt"]
        );
    }

    #[test]
    fn keeps_single_ideographs() {
        let t = tokens("我们的猫");
        assert!(t.contains(&"猫".to_string()), "{t:?}");
        assert!(!t.contains(&"的".to_string()));
    }
}
