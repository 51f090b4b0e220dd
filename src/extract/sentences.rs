//! Paragraphs and sentences of an article, by language: a sentence ends at
//! `.`, `!`, `?` or `…` before a capital, a digit or a quote, except after
//! an abbreviation, an initial or an ordinal, and never inside a quote (a
//! quote of several sentences stays one sentence).

use super::lang::Lang;
use super::quotes::{is_opening, quotes, Quote};

/// A byte range of the article's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A paragraph (a line, or lines between blank lines) and its sentences.
#[derive(Debug, Clone)]
pub struct Paragraph {
    pub span: Span,
    pub sentences: Vec<Span>,
    pub quotes: Vec<Quote>,
}

const COMMON: &[&str] = &[
    "m", "mm", "mme", "mmes", "mlle", "dr", "pr", "prof", "st", "ste", "no", "vol", "cf", "etc",
    "ca", "vs", "approx", "fig", "jr", "sr", "inc", "ltd", "corp", "co",
];
const FR: &[&str] = &[
    "me", "mgr", "av", "apr", "env", "janv", "févr", "avr", "juil", "sept", "oct", "nov", "déc",
    "p", "art", "chap",
];
const EN: &[&str] = &[
    "mr", "mrs", "ms", "gov", "sen", "rep", "gen", "col", "lt", "sgt", "capt", "u.s", "e.g", "i.e",
    "jan", "feb", "mar", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "no",
];
const DE: &[&str] = &[
    "hr", "fr", "dipl", "ing", "bzw", "ca", "evtl", "ggf", "inkl", "nr", "s", "usw", "vgl", "z.b",
    "u.a", "d.h", "bzw", "jan", "feb", "okt", "dez", "mio", "mrd", "abs", "str",
];
const ES: &[&str] = &[
    "sra", "srta", "dra", "lic", "ing", "ud", "uds", "pág", "núm", "ene", "abr", "ago", "dic",
    "aprox", "ee.uu", "eeuu", "etc",
];

fn is_abbreviation(word: &str, lang: Lang) -> bool {
    let w = word.to_lowercase();
    let w = w.trim_start_matches(|c: char| !c.is_alphanumeric());
    if w.is_empty() {
        return false;
    }
    let list = match lang {
        Lang::Fr => FR,
        Lang::En => EN,
        Lang::De => DE,
        Lang::Es => ES,
    };
    COMMON.contains(&w) || list.contains(&w)
}

/// The paragraphs of `text[from..]`, each split into sentences.
pub fn paragraphs(text: &str, from: usize, lang: Lang) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut offset = from;
    for line in text[from..].split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed_start = start + (line.len() - line.trim_start().len());
        let trimmed_end = start + line.trim_end().len();
        if trimmed_end <= trimmed_start {
            continue;
        }
        let span = Span {
            start: trimmed_start,
            end: trimmed_end,
        };
        let body = &text[span.start..span.end];
        let qs: Vec<Quote> = quotes(body)
            .into_iter()
            .map(|q| Quote {
                start: q.start + span.start,
                end: q.end + span.start,
            })
            .collect();
        let sentences = split(text, span, &qs, lang);
        out.push(Paragraph {
            span,
            sentences,
            quotes: qs,
        });
    }
    out
}

/// Splits one paragraph into sentences.
fn split(text: &str, para: Span, qs: &[Quote], lang: Lang) -> Vec<Span> {
    let body = &text[para.start..para.end];
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        if !matches!(c, '.' | '!' | '?' | '…') {
            k += 1;
            continue;
        }
        // Take the run of terminal marks and closing quotes or brackets.
        let mut j = k + 1;
        while j < chars.len()
            && matches!(
                chars[j].1,
                '.' | '!' | '?' | '…' | '»' | '”' | '"' | '“' | ')' | '’'
            )
        {
            j += 1;
        }
        let end = if j < chars.len() {
            chars[j].0
        } else {
            body.len()
        };
        // Whitespace, then the next sentence's first character.
        let mut n = j;
        while n < chars.len() && chars[n].1.is_whitespace() {
            n += 1;
        }
        if n == j || n >= chars.len() {
            k = j;
            continue;
        }
        let next = chars[n].1;
        let opens = next.is_uppercase()
            || next.is_ascii_digit()
            || is_opening(next)
            || next == '¿'
            || next == '¡'
            || next == '-'
            || next == '–';
        let absolute = para.start + i;
        let inside_quote = qs
            .iter()
            .any(|q| q.contains(absolute) && q.end > para.start + end);
        if !opens
            || inside_quote
            || (c == '.' && j == k + 1 && no_break_before(body, i, &body[chars[n].0..], lang))
        {
            k = j;
            continue;
        }
        out.push(Span {
            start: para.start + start,
            end: para.start + end,
        });
        start = chars[n].0;
        k = n;
    }
    if start < body.len() {
        out.push(Span {
            start: para.start + start,
            end: para.end,
        });
    }
    out
}

/// Whether the period at `dot` ends an abbreviation, an initial or an
/// ordinal rather than a sentence.
fn no_break_before(body: &str, dot: usize, rest: &str, lang: Lang) -> bool {
    let word_start = body[..dot]
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '\'' || c == '’')
        .map_or(0, |p| {
            p + body[p..].chars().next().map_or(1, char::len_utf8)
        });
    let word = &body[word_start..dot];
    if word.is_empty() {
        return false;
    }
    // An initial: "David O. Sacks".
    if word.chars().count() == 1 && word.chars().all(char::is_uppercase) {
        return true;
    }
    // An ordinal or a day before a month: "6. November".
    if word.chars().all(|c| c.is_ascii_digit()) {
        let next_word: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
        return lang == Lang::De || super::dates::is_month(&next_word);
    }
    is_abbreviation(word, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str, lang: Lang) -> Vec<&str> {
        paragraphs(text, 0, lang)
            .iter()
            .flat_map(|p| p.sentences.iter().map(|s| &text[s.start..s.end]))
            .collect()
    }

    #[test]
    fn french_titles_and_initials() {
        let t = "M. Altman a parlé. David O. Sacks a répondu. Mme Friar aussi.";
        assert_eq!(
            sentences(t, Lang::Fr),
            [
                "M. Altman a parlé.",
                "David O. Sacks a répondu.",
                "Mme Friar aussi."
            ]
        );
    }

    #[test]
    fn english_abbreviations() {
        let t = "Mr. Smith met Dr. Jones in the U.S. capital. They agreed.";
        assert_eq!(
            sentences(t, Lang::En),
            [
                "Mr. Smith met Dr. Jones in the U.S. capital.",
                "They agreed."
            ]
        );
    }

    #[test]
    fn german_ordinals_and_abbreviations() {
        let t = "Am 6. November sprach er, z.B. über Zölle. Dann ging er.";
        assert_eq!(
            sentences(t, Lang::De),
            [
                "Am 6. November sprach er, z.B. über Zölle.",
                "Dann ging er."
            ]
        );
    }

    #[test]
    fn spanish_questions_and_titles() {
        let t = "La Sra. García habló. ¿Habrá rescate? No.";
        assert_eq!(
            sentences(t, Lang::Es),
            ["La Sra. García habló.", "¿Habrá rescate?", "No."]
        );
    }

    #[test]
    fn a_quote_of_several_sentences_stays_whole() {
        let t = "« Nous ne reculerons pas. Jamais. », a-t-il dit. Puis il est parti.";
        assert_eq!(
            sentences(t, Lang::Fr),
            [
                "« Nous ne reculerons pas. Jamais. », a-t-il dit.",
                "Puis il est parti."
            ]
        );
        let t = "“We will not go back. Never,” she said. Then she left.";
        assert_eq!(
            sentences(t, Lang::En),
            ["“We will not go back. Never,” she said.", "Then she left."]
        );
    }

    #[test]
    fn lines_are_paragraphs() {
        let t = "Titre\n\nPremière phrase. Deuxième phrase.\nAutre ligne.";
        let ps = paragraphs(t, 0, Lang::Fr);
        assert_eq!(ps.len(), 3);
        assert_eq!(ps[1].sentences.len(), 2);
    }
}
