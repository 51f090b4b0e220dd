//! Corrections: a sentence that says a speaker corrected earlier words
//! ("Sarah Friar a dû corriger ses propos après avoir utilisé le terme
//! "backstop" lors d'un événement, précisant qu'OpenAI ne cherchait pas de
//! garantie") reports two statements made at two times: the words
//! corrected (the "après avoir …" clause) and the correction (what follows
//! it). This module finds the two spans; the correction is dated after
//! the words it corrects (`date_after_corrected`).

use std::sync::LazyLock;

use regex::Regex;

/// A correction, then the clause that gives the words corrected.
static CORRECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:",
        // fr
        r"(?:corriger|corrigé|corrige|rectifier|rectifié|nuancer|nuancé|clarifier|clarifié|revenir sur)\s+(?:ses|leurs|les)\s+(?:propos|déclarations|paroles|remarques)\s*,?\s*(?:après avoir|après qu'(?:il|elle) a(?:vait)?)\s+",
        // en
        r"|(?:correct|corrected|correcting|clarify|clarified|clarifying|walk back|walked back|walking back)\s+(?:her|his|their|its|the)\s+(?:remarks|comments|words|statement)\s*,?\s*after\s+",
        // de
        r"|(?:korrigieren|korrigierte|korrigiert|relativieren|relativierte|relativiert)\s+(?:ihre|seine|die)\s+(?:Aussagen|Aussage|Äußerungen|Äußerung|Worte)\s*,?\s*nachdem\s+",
        // es
        r"|(?:corregir|corrigió|rectificar|rectificó|matizar|matizó|aclarar|aclaró)\s+(?:sus|las)\s+(?:palabras|declaraciones|comentarios)\s*,?\s*(?:tras|después de)\s+",
        r")"
    ))
    .expect("a valid built-in pattern")
});

/// The spans of a correction in `sentence`: the words corrected `[start,
/// end)` and where the correction's own words start (after the comma that
/// closes the clause); `None` when the sentence reports no correction or
/// says nothing after the clause.
pub fn correction(sentence: &str) -> Option<(usize, usize, usize)> {
    let m = CORRECTION.find(sentence)?;
    let start = m.end();
    // The clause ends at the first comma outside brackets and quotes.
    let mut depth = 0i32;
    let mut in_quote = false;
    for (i, c) in sentence[start..].char_indices() {
        match c {
            '(' | '[' | '«' | '“' | '„' => depth += 1,
            ')' | ']' | '»' | '”' => depth -= 1,
            '"' => in_quote = !in_quote,
            ',' | ';' if depth <= 0 && !in_quote => {
                let end = start + i;
                let rest = sentence[end + 1..].trim_start();
                let rest_start = sentence.len() - rest.len();
                let said = rest.trim_end_matches(['.', '!', '?', '…']).trim();
                if said.split_whitespace().count() < 3 || end == start {
                    return None;
                }
                return Some((start, end, rest_start));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_corrected_and_the_correction() {
        let s = "Sarah Friar, la directrice financière, a dû corriger ses propos après avoir utilisé le terme \"backstop\" (filet de sécurité) lors d'un événement, précisant qu'OpenAI ne cherchait pas de garantie gouvernementale pour ses engagements d'infrastructure.";
        let (a, b, c) = correction(s).unwrap();
        assert_eq!(
            &s[a..b],
            "utilisé le terme \"backstop\" (filet de sécurité) lors d'un événement"
        );
        assert!(s[c..].starts_with("précisant qu'OpenAI ne cherchait pas"));
        let e = "The finance chief walked back her comments after calling for a federal backstop, saying the company was not seeking a guarantee.";
        let (a, b, c) = correction(e).unwrap();
        assert_eq!(&e[a..b], "calling for a federal backstop");
        assert!(e[c..].starts_with("saying the company"));
        let d = "Die Ministerin korrigierte ihre Aussage, nachdem sie Steuererhöhungen angekündigt hatte, und sagte, es gebe keine Pläne.";
        let (a, b, _) = correction(d).unwrap();
        assert_eq!(&d[a..b], "sie Steuererhöhungen angekündigt hatte");
        let es = "El ministro rectificó sus palabras tras anunciar un recorte, y aseguró que no habrá despidos.";
        let (a, b, _) = correction(es).unwrap();
        assert_eq!(&es[a..b], "anunciar un recorte");
    }

    #[test]
    fn no_correction_or_nothing_after_it() {
        assert_eq!(
            correction("Sarah Friar a déclaré que le gouvernement aiderait."),
            None
        );
        assert_eq!(
            correction("Elle a dû corriger ses propos après avoir utilisé le terme \"backstop\"."),
            None
        );
    }
}
