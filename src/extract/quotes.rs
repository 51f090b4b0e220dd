//! Direct quotes: pairs of quotation marks (« », “ ”, „ “, ‚ ‘, " ") in a
//! paragraph, an opening mark without its closing one left unpaired.

/// A quote: byte offsets of its opening mark and just past its closing mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub start: usize,
    pub end: usize,
}

impl Quote {
    /// The words inside the marks.
    pub fn words(&self, text: &str) -> usize {
        text[self.start..self.end]
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count()
    }

    /// Whether byte `i` lies inside the quote.
    pub fn contains(&self, i: usize) -> bool {
        self.start < i && i < self.end
    }
}

/// Whether `c` can open a quote.
pub fn is_opening(c: char) -> bool {
    matches!(c, '«' | '“' | '„' | '‚' | '"')
}

/// Whether `c` can close a quote.
pub fn is_closing(c: char) -> bool {
    matches!(c, '»' | '”' | '“' | '‘' | '’' | '"')
}

/// The closing marks an opening mark accepts.
fn closes(open: char, c: char) -> bool {
    match open {
        '«' => c == '»',
        '“' => c == '”' || c == '"',
        '„' => c == '“' || c == '”',
        '‚' => c == '‘' || c == '’',
        '"' => c == '"' || c == '”',
        _ => false,
    }
}

/// The quotes of `text` (one paragraph), outermost only, in order. Straight
/// marks pair in turn; a `"` or `“` that cannot open (a letter right
/// before it) or `’` inside a word (an apostrophe) is not a mark.
pub fn quotes(text: &str) -> Vec<Quote> {
    let mut out = Vec::new();
    let mut open: Option<(usize, char)> = None;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let next = text[i + c.len_utf8()..].chars().next();
        match open {
            Some((start, o)) => {
                let apostrophe = c == '’' && next.is_some_and(char::is_alphabetic);
                // A straight mark after a space and before a word opens a
                // new quote: the one open before it was never closed.
                let reopens = c == '"'
                    && prev.is_some_and(char::is_whitespace)
                    && next.is_some_and(char::is_alphanumeric);
                if reopens {
                    open = Some((i, c));
                } else if closes(o, c) && !apostrophe {
                    out.push(Quote {
                        start,
                        end: i + c.len_utf8(),
                    });
                    open = None;
                }
            }
            None => {
                let glued = prev.is_some_and(char::is_alphanumeric);
                if is_opening(c) && !(glued && matches!(c, '"' | '“' | '‚')) && c != '’' {
                    open = Some((i, c));
                }
            }
        }
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner(text: &str) -> Vec<&str> {
        quotes(text).iter().map(|q| &text[q.start..q.end]).collect()
    }

    #[test]
    fn the_marks_of_four_languages() {
        assert_eq!(
            inner("« Une chaîne robuste », a déclaré M. Altman."),
            ["« Une chaîne robuste »"]
        );
        assert_eq!(inner("He said “we will win” today."), ["“we will win”"]);
        assert_eq!(
            inner("Er sagte: „Wir schaffen das“."),
            ["„Wir schaffen das“"]
        );
        assert_eq!(
            inner("dijo \"no habrá rescate\" ayer"),
            ["\"no habrá rescate\""]
        );
    }

    #[test]
    fn an_unclosed_mark_pairs_with_nothing() {
        let t = "\"Si nous échouons\", a déclaré M. Altman. \"L'écosystème s'en porterait bien";
        assert_eq!(inner(t), ["\"Si nous échouons\""]);
    }

    #[test]
    fn apostrophes_are_not_marks() {
        assert_eq!(inner("l’IA et d’autres ‚Sätze‘ hier"), ["‚Sätze‘"]);
    }
}
