//! Speakers: the people and organisations an article names, as first
//! introduced ("Sarah Friar, la directrice financière"), with their title or
//! role, and the later mentions that resolve to them (a surname, "M.
//! Altman", an acronym, a role, "elle", "l'entreprise", "la lettre").

use std::collections::HashSet;

use super::lang::Lang;

/// Whether an entity is a person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Person,
    Org,
}

/// A named person or organisation of an article.
#[derive(Debug, Clone)]
pub struct Entity {
    /// The name as first introduced, without titles or middle initials.
    pub name: String,
    pub kind: Kind,
    /// The title or role the article gives on introduction.
    pub role: Option<String>,
}

/// A name in a sentence (byte offsets into the sentence).
#[derive(Debug, Clone)]
pub struct NameSpan {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// Preceded by a personal title (M., Mme, Mr., Dr., Herr, Sra.).
    pub titled: bool,
    /// Preceded by "de", "d'", "of", "von", "del": a modifier of a noun.
    pub modifier: bool,
    /// A capitalised title or role the run opened with ("Bundeskanzler",
    /// "Prime Minister", "Siemens-Chef"), left out of the name.
    pub role: Option<String>,
}

/// Capitalised role words that open a name run without being part of the
/// name (German nouns, English titles).
const ROLE_WORDS: &[&str] = &[
    "government",
    "president",
    "minister",
    "prime",
    "chancellor",
    "senator",
    "governor",
    "secretary",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chairman",
    "chairwoman",
    "judge",
    "mayor",
    "king",
    "queen",
    "prince",
    "pope",
    "premier",
    "ambassador",
    "general",
    "professor",
    "sir",
    "dame",
    "lord",
    "state",
    "kanzlerin",
    "bundeskanzlerin",
    "präsident",
    "présidente",
    "presidente",
    "ministro",
    "ministra",
    "canciller",
    "rey",
    "papa",
    "uk",
    "us",
    "eu",
];
const ROLE_SUFFIXES: &[&str] = &[
    "chef",
    "chefin",
    "minister",
    "ministerin",
    "kanzler",
    "kanzlerin",
    "präsident",
    "präsidentin",
    "sprecher",
    "sprecherin",
    "vorsitzende",
    "vorsitzender",
    "leiter",
    "leiterin",
    "direktor",
    "direktorin",
    "experte",
    "expertin",
    "ökonom",
    "ökonomin",
    "analyst",
    "analystin",
    "abgeordnete",
    "botschafter",
    "gründer",
    "gründerin",
    "forscher",
    "forscherin",
    "sekretär",
    "sekretärin",
];

/// Capitalised words that qualify a role word after them ("Acting
/// Finance Minister", "Deputy Prime Minister", "Foreign Secretary").
const ROLE_QUALIFIERS: &[&str] = &[
    "public",
    "finance",
    "acting",
    "deputy",
    "vice",
    "former",
    "foreign",
    "interior",
    "defence",
    "defense",
    "economy",
    "health",
    "justice",
    "labour",
    "labor",
    "trade",
    "chief",
    "home",
    "treasury",
    "education",
    "energy",
    "transport",
    "environment",
];

fn is_role_qualifier(w: &str) -> bool {
    ROLE_QUALIFIERS.contains(&w.to_lowercase().as_str())
}

/// For a run "Noun particle Given Family" (one word, a particle, then two
/// or more name words), the words after the particle.
fn after_leading_noun(run: &str) -> Option<&str> {
    let ws: Vec<&str> = run.split_whitespace().collect();
    if ws.len() < 4 || !matches!(ws[1], "von" | "van" | "de" | "del" | "da" | "di") {
        return None;
    }
    let rest = &ws[2..];
    if rest.iter().any(|w| CONNECTORS.contains(w)) {
        return None;
    }
    let at = run.find(ws[1])? + ws[1].len();
    Some(run[at..].trim_start())
}

fn is_role_word(w: &str) -> bool {
    let l = w.to_lowercase();
    ROLE_WORDS.contains(&l.as_str())
        || (l.chars().count() > 4 && ROLE_SUFFIXES.iter().any(|s| l.ends_with(s)))
}

const TITLES: &[&str] = &[
    "M.", "Mme", "Mlle", "MM.", "Mr.", "Mr", "Mrs.", "Mrs", "Ms.", "Ms", "Dr.", "Dr", "Pr.",
    "Prof.", "Herr", "Frau", "Sr.", "Sra.", "Dña.", "Don", "Doña", "Me", "Sen.", "Gov.", "Rep.",
];
const CONNECTORS: &[&str] = &[
    "de", "van", "von", "der", "del", "da", "di", "du", "bin", "al", "le", "la", "y",
];
const STARTERS: &[&str] = &[
    "le",
    "la",
    "les",
    "l",
    "un",
    "une",
    "des",
    "ce",
    "cet",
    "cette",
    "ces",
    "il",
    "elle",
    "ils",
    "elles",
    "mais",
    "et",
    "selon",
    "dans",
    "pour",
    "en",
    "au",
    "aux",
    "si",
    "son",
    "sa",
    "ses",
    "leur",
    "leurs",
    "enfin",
    "cela",
    "ceci",
    "depuis",
    "après",
    "avant",
    "contrairement",
    "outre",
    "plutôt",
    "bien",
    "alors",
    "ainsi",
    "lors",
    "de",
    "du",
    "d",
    "nous",
    "vous",
    "on",
    "aujourd",
    "pas",
    "par",
    "sur",
    "avec",
    "sans",
    "chez",
    "mon",
    "ma",
    "mes",
    "notre",
    "nos",
    "votre",
    "qui",
    "que",
    "quoi",
    "où",
    "comme",
    "tout",
    "tous",
    "toute",
    "toutes",
    "seules",
    "seuls",
    "article",
    "affinez",
    "accélérer",
    "déminer",
    "répondre",
    "the",
    "a",
    "an",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "this",
    "that",
    "these",
    "those",
    "but",
    "and",
    "in",
    "on",
    "at",
    "for",
    "according",
    "after",
    "before",
    "when",
    "while",
    "if",
    "as",
    "his",
    "her",
    "their",
    "our",
    "its",
    "there",
    "here",
    "what",
    "who",
    "so",
    "yet",
    "then",
    "also",
    "however",
    "mr",
    "mrs",
    "ms",
    "der",
    "die",
    "das",
    "ein",
    "eine",
    "er",
    "sie",
    "es",
    "wir",
    "ich",
    "und",
    "aber",
    "laut",
    "nach",
    "am",
    "im",
    "mit",
    "für",
    "auf",
    "den",
    "dem",
    "des",
    "doch",
    "auch",
    "wie",
    "was",
    "wer",
    "el",
    "los",
    "las",
    "una",
    "él",
    "ella",
    "ellos",
    "según",
    "pero",
    "y",
    "con",
    "para",
    "por",
    "al",
    "su",
    "sus",
    "este",
    "esta",
    "estos",
    "estas",
    "ese",
    "esa",
    "lo",
    "no",
    "sí",
];
const ORG_WORDS: &[&str] = &[
    "journal",
    "house",
    "maison",
    "blanche",
    "bureau",
    "inc",
    "corp",
    "group",
    "groupe",
    "bank",
    "banque",
    "ministère",
    "ministry",
    "department",
    "département",
    "office",
    "agency",
    "agence",
    "times",
    "post",
    "news",
    "reuters",
    "services",
    "web",
    "street",
    "commission",
    "council",
    "conseil",
    "parliament",
    "parlement",
    "union",
    "party",
    "parti",
    "regierung",
    "ministerium",
    "gobierno",
    "ministerio",
    "university",
    "université",
    "universität",
    "universidad",
    "institute",
    "institut",
    "instituto",
    "fund",
    "fonds",
    "fondo",
    "act",
    "mission",
    "plan",
    "credit",
    "manufacturing",
    "investment",
    "états-unis",
    "united",
    "states",
    "unidos",
    "amérique",
    "america",
    "washington",
    "association",
    "court",
    "cour",
    "tribunal",
    "senate",
    "sénat",
    "congress",
    "congrès",
    "federal",
    "fédéral",
    "national",
    "nations",
    "ai",
    "ia",
    "openai",
    "google",
    "microsoft",
    "nvidia",
    "amazon",
    "meta",
    "apple",
    "chine",
    "china",
    "européenne",
    "european",
    "zeitung",
    "press",
    "presse",
    "agencia",
    "banco",
    "company",
    "compagnie",
    "club",
    "foundation",
    "fondation",
    "stiftung",
    "fundación",
];
/// Capitalised words and acronyms that name no speaker.
const NOT_NAMES: &[&str] = &[
    "ia", "ai", "ki", "pib", "gdp", "bip", "gpu", "gpus", "cpu", "pdg", "ceo", "cfo", "coo", "cto",
    "dg", "ue", "eu", "utc", "gmt", "cet", "usd", "eur", "ok", "tv", "pib", "ong", "ngo", "etf",
];
/// Places: an organisation noun ("l'entreprise") never refers to them.
const PLACES: &[&str] = &[
    "états-unis",
    "usa",
    "us",
    "u.s",
    "amérique",
    "america",
    "chine",
    "china",
    "europe",
    "washington",
    "france",
    "paris",
    "allemagne",
    "germany",
    "deutschland",
    "berlin",
    "espagne",
    "spain",
    "españa",
    "madrid",
    "londres",
    "london",
    "bruxelles",
    "brussels",
    "brüssel",
    "russie",
    "russia",
    "russland",
    "ukraine",
    "japon",
    "japan",
    "inde",
    "india",
    "mexique",
    "mexico",
    "méxico",
    "canada",
    "royaume-uni",
    "uk",
    "pékin",
    "beijing",
    "moscou",
    "moscow",
    "wall street",
    "silicon valley",
    "californie",
    "california",
    "texas",
    "new york",
];
const PRONOUNS: &[&str] = &[
    "il", "elle", "lui", "he", "she", "him", "her", "er", "ihm", "él", "ella", "ihr",
];
const GROUP_NOUNS: &[&str] = &[
    "l'entreprise",
    "l’entreprise",
    "la société",
    "la firme",
    "la startup",
    "la start-up",
    "le groupe",
    "l'entreprise,",
    "the company",
    "the firm",
    "the group",
    "the startup",
    "das unternehmen",
    "der konzern",
    "die firma",
    "la empresa",
    "la compañía",
    "la firma",
    "el grupo",
];
/// Nouns for documents that speak for their author ("la lettre suggérait").
pub const DOC_NOUNS: &[&str] = &[
    "lettre",
    "rapport",
    "communiqué",
    "décret",
    "billet",
    "livre blanc",
    "tribune",
    "note",
    "déclaration",
    "letter",
    "report",
    "statement",
    "memo",
    "paper",
    "brief",
    "bericht",
    "erklärung",
    "mitteilung",
    "schreiben",
    "carta",
    "informe",
    "comunicado",
    "decreto",
];

fn elision_stripped(word: &str) -> (&str, bool) {
    for p in [
        "l'", "d'", "L'", "D'", "qu'", "l’", "d’", "L’", "D’", "qu’", "s'", "S'", "n'", "N'", "j'",
    ] {
        if let Some(rest) = word.strip_prefix(p) {
            return (rest, p.to_lowercase().starts_with('d'));
        }
    }
    (word, false)
}

fn is_acronym(w: &str) -> bool {
    let n = w.chars().count();
    (2..=6).contains(&n)
        && w.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
        && w.chars().any(char::is_alphabetic)
}

/// The words of a sentence with their byte offsets, punctuation trimmed.
fn words(s: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                let w: &str = &s[st..i];
                let lead = w.len() - w.trim_start_matches(|c: char| !c.is_alphanumeric()).len();
                let t = w.trim_start_matches(|c: char| !c.is_alphanumeric());
                let keep_dot = t.ends_with('.') && t.trim_end_matches('.').chars().count() <= 4;
                let t2 =
                    t.trim_end_matches(|c: char| !(c.is_alphanumeric() || keep_dot && c == '.'));
                if !t2.is_empty() {
                    out.push((st + lead, st + lead + t2.len(), t2));
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

/// The names of `sentence`: runs of capitalised words that the article
/// never writes in lower case, with personal titles and name particles.
pub fn names(sentence: &str, vocabulary: &HashSet<String>) -> Vec<NameSpan> {
    let ws = words(sentence);
    let mut out: Vec<NameSpan> = Vec::new();
    let mut k = 0;
    while k < ws.len() {
        let (ws0, _, raw) = ws[k];
        let (w, after_de) = elision_stripped(raw);
        // Only a capitalised word can open a name.
        if !w.chars().next().is_some_and(char::is_uppercase) {
            k += 1;
            continue;
        }
        let titled = k > 0
            && TITLES.contains(&ws[k - 1].2)
            && sentence[ws[k - 1].1..ws0].chars().all(char::is_whitespace)
            || {
                let before = sentence[..ws0].trim_end();
                TITLES.iter().any(|t| {
                    before
                        .strip_suffix(t)
                        .is_some_and(|rest| rest.is_empty() || rest.ends_with(' '))
                })
            };
        let st = ws0 + (raw.len() - w.len());
        if !is_name_word(w, vocabulary, titled) {
            k += 1;
            continue;
        }
        let sentence_start = sentence[..ws0].chars().all(|c| !c.is_alphanumeric());
        let single = k + 1 >= ws.len() || !is_name_word(ws[k + 1].2, vocabulary, false);
        if sentence_start
            && single
            && !titled
            && !is_acronym(w)
            && !vocabulary.contains(&format!("^{}", w.trim_end_matches('.')))
        {
            k += 1;
            continue;
        }
        let before = sentence[..ws0].trim_end();
        let prev_word = before
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("")
            .to_lowercase();
        let modifier = after_de
            || matches!(
                prev_word.as_str(),
                "de" | "du" | "des" | "of" | "von" | "vom" | "del" | "der"
            );
        let mut end = ws[k].1;
        let mut j = k + 1;
        while j < ws.len() {
            let gap = &sentence[end..ws[j].0];
            if !gap.chars().all(char::is_whitespace) || gap.is_empty() {
                break;
            }
            let next = ws[j].2;
            let initial = next.len() <= 3
                && next.ends_with('.')
                && next.chars().next().is_some_and(char::is_uppercase);
            if is_name_word(next, vocabulary, false) || initial {
                end = ws[j].1;
                j += 1;
            } else if CONNECTORS.contains(&next)
                && j + 1 < ws.len()
                && is_name_word(ws[j + 1].2, vocabulary, false)
                && sentence[ws[j].1..ws[j + 1].0]
                    .chars()
                    .all(char::is_whitespace)
            {
                end = ws[j + 1].1;
                j += 2;
            } else {
                break;
            }
        }
        // Leading role words are the role, not the name.
        let mut st = st;
        let mut role_words = Vec::new();
        loop {
            let run = &sentence[st..end];
            let first = run.split_whitespace().next().unwrap_or("");
            // "Public Finance Minister Eugen Teodorovici": words that only
            // qualify a role go with the role word after them.
            let qualifies = is_role_qualifier(first)
                && run
                    .split_whitespace()
                    .skip(1)
                    .take_while(|w| is_role_qualifier(w) || is_role_word(w))
                    .any(is_role_word);
            if first.len() < run.len() && (is_role_word(first) || qualifies) {
                role_words.push(first.to_string());
                st += first.len()
                    + (run[first.len()..].len() - run[first.len()..].trim_start().len());
            } else {
                break;
            }
        }
        if is_role_word(sentence[st..end].trim().trim_end_matches('.')) {
            k = j;
            continue;
        }
        // "nach Angaben von Thorsten Frei": a German noun before a particle
        // whose name runs on for two words or more is no part of the name
        // ("Ursula von der Leyen" and "Charles de Gaulle" keep theirs).
        if let Some(rest) = after_leading_noun(&sentence[st..end]) {
            st = end - rest.len();
        }
        let text = sentence[st..end].trim_end_matches('.').to_string();
        let role = (!role_words.is_empty()).then(|| role_words.join(" "));
        out.push(NameSpan {
            start: st,
            end,
            text,
            titled,
            modifier,
            role,
        });
        k = j;
    }
    out
}

fn is_name_word(w: &str, vocabulary: &HashSet<String>, titled: bool) -> bool {
    let w = w.trim_end_matches('.');
    let Some(first) = w.chars().next() else {
        return false;
    };
    if !first.is_uppercase() || TITLES.contains(&w) {
        return false;
    }
    let lower = w.to_lowercase();
    if w.chars().count() < 2 || NOT_NAMES.contains(&lower.as_str()) {
        return false;
    }
    if STARTERS.contains(&lower.as_str()) || super::dates::is_month(&lower) {
        return false;
    }
    if is_weekday(&lower) {
        return false;
    }
    titled || is_acronym(w) || !vocabulary.contains(&lower)
}

fn is_weekday(w: &str) -> bool {
    matches!(
        w,
        "lundi"
            | "mardi"
            | "mercredi"
            | "jeudi"
            | "vendredi"
            | "samedi"
            | "dimanche"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "montag"
            | "dienstag"
            | "mittwoch"
            | "donnerstag"
            | "freitag"
            | "samstag"
            | "sonntag"
            | "lunes"
            | "martes"
            | "miércoles"
            | "jueves"
            | "viernes"
            | "sábado"
            | "domingo"
    )
}

/// The lower-case words of an article (a capitalised word that also
/// appears in lower case is a common word, not a name), and, marked with a
/// leading `^`, the capitalised words it writes inside a sentence (a
/// capitalised word seen only at the start of sentences is no name).
pub fn vocabulary(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut prev_end: Option<char> = None;
    for w in text.split(|c: char| c.is_whitespace()) {
        let (core, _) = elision_stripped(w.trim_start_matches(|c: char| !c.is_alphanumeric()));
        for part in w
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .filter(|p| !p.is_empty())
        {
            if part.chars().next().is_some_and(char::is_lowercase) {
                out.insert(part.to_string());
            }
        }
        let inside = prev_end.is_some_and(|c| {
            c.is_alphanumeric() || matches!(c, ',' | ';' | '(' | ')' | '–' | '-' | '\'')
        });
        let core: String = core
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '-')
            .collect();
        if inside && core.chars().next().is_some_and(char::is_uppercase) {
            out.insert(format!("^{core}"));
        }
        if !w.is_empty() {
            prev_end = w.chars().last();
        }
    }
    out
}

/// The speakers an article has introduced so far, and what later mentions
/// refer to.
#[derive(Debug, Default)]
pub struct Registry {
    pub entities: Vec<Entity>,
    last_person: Option<usize>,
    last_org: Option<usize>,
    last_speaker: Option<usize>,
    /// Documents and who wrote them: (noun, entity, date).
    docs: Vec<(&'static str, usize, Option<super::dates::PartialDate>)>,
    /// The government the article names ("l'administration Trump"), that
    /// "l'administration" or "the administration" refers to.
    administration: Option<usize>,
}

/// Nouns for a government, each with the side its leader's name stands on
/// ("administration Trump", "the Trump administration", "Scholz-Regierung").
const GOVERNMENT_NOUNS: &[(&str, bool)] = &[
    ("administration", false),
    ("administración", false),
    ("regierung", false),
    ("administration", true),
    ("regierung", true),
];

/// Definite mentions of "the government" that open a subject.
const GOVERNMENT_HEADS: &[&str] = &[
    "l'administration",
    "l’administration",
    "the administration",
    "la administración",
    "die regierung",
    "die administration",
];

/// The first government an article names by its leader, as written with a
/// capital first letter: "l'administration Trump" gives "Administration
/// Trump", "the Trump administration" gives "Trump administration".
/// Capitalised words that open a noun phrase and name no leader: "The
/// administration", "Die Regierung", "This administration".
const DETERMINERS: &[&str] = &[
    "the", "this", "that", "our", "his", "her", "their", "its", "new", "next", "previous",
    "current", "former", "die", "der", "diese", "unsere", "neue",
];

pub fn named_government(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if !GOVERNMENT_NOUNS.iter().any(|(g, _)| lower.contains(g)) {
        return None;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let bare = |w: &str| -> String {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
            .to_string()
    };
    let leader = |w: &str| -> Option<String> {
        let w = bare(w);
        let first = w.chars().next()?;
        (first.is_uppercase() && w.chars().count() >= 3 && w.chars().all(char::is_alphabetic))
            .then_some(w)
    };
    let capital = |s: &str| -> String {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    };
    for (i, w) in words.iter().enumerate() {
        let lower = w.to_lowercase();
        if !GOVERNMENT_NOUNS.iter().any(|(g, _)| lower.contains(g)) {
            continue;
        }
        let lower = bare(w).to_lowercase();
        let noun = lower
            .rsplit(['\'', '’'])
            .next()
            .unwrap_or(&lower)
            .to_string();
        for &(g, before) in GOVERNMENT_NOUNS {
            if let Some(stem) = noun.strip_suffix(g).and_then(|s| s.strip_suffix('-')) {
                if before && stem.chars().next().is_some_and(|c| c.is_alphabetic()) {
                    let name = bare(w);
                    let name = name.rsplit(['\'', '’']).next().unwrap_or(&name);
                    if leader(name.split('-').next().unwrap_or("")).is_some() {
                        return Some(capital(name));
                    }
                }
            }
            if noun != g {
                continue;
            }
            // The noun must be the whole word, not a phrase's end: "of" and
            // "de" may not stand between it and the leader.
            let ends_word = !w.ends_with([',', '.', ';', ':', ')']);
            if !before && ends_word {
                if let Some(name) = words.get(i + 1).and_then(|n| leader(n)) {
                    return Some(format!("{} {name}", capital(g)));
                }
            }
            let elided = bare(w).to_lowercase() != g;
            if before && !elided && i > 0 && !words[i - 1].ends_with([',', '.', ';', ':']) {
                if let Some(name) = leader(words[i - 1])
                    .filter(|n| !DETERMINERS.contains(&n.to_lowercase().as_str()))
                {
                    return Some(format!("{name} {g}"));
                }
            }
        }
    }
    None
}

fn canonical(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| {
            !(w.chars().count() <= 3
                && w.ends_with('.')
                && w.chars().next().is_some_and(char::is_uppercase))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .filter_map(|w| w.chars().next())
        .collect()
}

impl Registry {
    /// Resolves a name to an entity, introducing it when it is new.
    pub fn resolve(&mut self, n: &NameSpan) -> usize {
        let name = canonical(&n.text);
        let tokens: Vec<&str> = name.split_whitespace().collect();
        if let Some(i) = self.entities.iter().position(|e| e.name == name) {
            return self.touch(i);
        }
        if tokens.len() == 1 {
            let t = tokens[0];
            if let Some(i) = self.entities.iter().rposition(|e| {
                e.kind == Kind::Person && e.name.split_whitespace().last() == Some(t)
            }) {
                return self.touch(i);
            }
            if is_acronym(t) {
                if let Some(i) = self
                    .entities
                    .iter()
                    .position(|e| e.name.split_whitespace().count() > 1 && initials(&e.name) == t)
                {
                    return self.touch(i);
                }
            }
        }
        let lower: Vec<String> = tokens.iter().map(|t| t.to_lowercase()).collect();
        let org = lower
            .iter()
            .any(|t| ORG_WORDS.contains(&t.as_str()) || t.contains("-"))
            || tokens.iter().any(|t| is_acronym(t));
        let kind = if n.titled || (tokens.len() >= 2 && tokens.len() <= 4 && !org) {
            Kind::Person
        } else {
            Kind::Org
        };
        self.entities.push(Entity {
            name,
            kind,
            role: None,
        });
        self.touch(self.entities.len() - 1)
    }

    fn touch(&mut self, i: usize) -> usize {
        match self.entities[i].kind {
            Kind::Person => self.last_person = Some(i),
            Kind::Org if !PLACES.contains(&self.entities[i].name.to_lowercase().as_str()) => {
                self.last_org = Some(i)
            }
            Kind::Org => {}
        }
        i
    }

    /// Who was mentioned and who spoke last, to put back with
    /// [`Registry::set_recent`].
    pub fn recent(&self) -> (Option<usize>, Option<usize>, Option<usize>) {
        (self.last_person, self.last_org, self.last_speaker)
    }

    /// Puts back what [`Registry::recent`] returned.
    pub fn set_recent(&mut self, r: (Option<usize>, Option<usize>, Option<usize>)) {
        (self.last_person, self.last_org, self.last_speaker) = r;
    }

    /// Notes a mention of entity `i`.
    pub fn mentioned(&mut self, i: usize) {
        self.touch(i);
    }

    /// Who spoke last.
    pub fn last_speaker(&self) -> Option<usize> {
        self.last_speaker
    }

    /// Notes who spoke last (what "il", "elle", "he" refer to).
    pub fn spoke(&mut self, i: usize) {
        if self.entities[i].kind == Kind::Person {
            self.last_speaker = Some(i);
        }
        self.touch(i);
    }

    /// Records the role a sentence gives to a name: an apposition after it
    /// (", directeur des affaires mondiales d'OpenAI,") or a role before it
    /// ("la directrice financière Sarah Friar", "Le PDG d'OpenAI, Sam Altman").
    pub fn learn_role(&mut self, sentence: &str, n: &NameSpan, entity: usize) {
        if self.entities[entity].kind != Kind::Person || self.entities[entity].role.is_some() {
            return;
        }
        if let Some(r) = &n.role {
            self.entities[entity].role = Some(r.clone());
            return;
        }
        let after = &sentence[n.end..];
        if let Some(rest) = after.strip_prefix(", ") {
            let seg = rest.split([',', '.', ';', ':', '(']).next().unwrap_or("");
            let closed = rest[seg.len()..].starts_with(',');
            let reports = [Lang::Fr, Lang::En, Lang::De, Lang::Es]
                .iter()
                .any(|&l| !super::reporting::cues(seg, l).is_empty());
            let first = seg.split_whitespace().next().unwrap_or("");
            let wc = seg.split_whitespace().count();
            if closed
                && !reports
                && (1..=12).contains(&wc)
                && first.chars().next().is_some_and(char::is_lowercase)
                && !is_verbish(first)
            {
                self.entities[entity].role = Some(seg.trim().to_string());
                return;
            }
        }
        let before = sentence[..n.start]
            .trim_end()
            .trim_end_matches(',')
            .trim_end();
        let ws: Vec<&str> = before.split_whitespace().collect();
        for back in 1..=6.min(ws.len()) {
            let cand = &ws[ws.len() - back..];
            let det = cand[0].to_lowercase();
            let det_ok = matches!(
                det.as_str(),
                "le" | "la" | "the" | "der" | "die" | "el" | "la,"
            ) || det.starts_with("l'")
                || det.starts_with("l’");
            if det_ok && back >= 2 {
                let mut role = cand[1..].join(" ");
                if det.starts_with("l'") || det.starts_with("l’") {
                    role = format!("{} {role}", &cand[0][2..]);
                }
                let last = role.rsplit(' ').next().unwrap_or("").to_lowercase();
                let dangling = matches!(
                    last.as_str(),
                    "de" | "du" | "des" | "of" | "von" | "del" | "par" | "by" | "à" | "to"
                );
                if !dangling && !role.contains(',') {
                    self.entities[entity].role = Some(role.trim().to_string());
                }
                return;
            }
            if det_ok {
                let role = cand[0].get(2..).unwrap_or("").to_string();
                if !role.is_empty() && (det.starts_with("l'") || det.starts_with("l’")) {
                    self.entities[entity].role = Some(role);
                }
                return;
            }
        }
    }

    /// The person whose role the words of `segment` name ("le directeur
    /// financier d'OpenAI" → the person introduced as "directrice
    /// financière"); words match on their first five letters.
    pub fn by_role(&self, segment: &str) -> Option<usize> {
        let stems = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_alphanumeric())
                .filter(|w| {
                    w.chars().count() >= 4 || (w.len() >= 3 && w.chars().all(char::is_uppercase))
                })
                .map(|w| w.to_lowercase().chars().take(5).collect())
                .collect()
        };
        let seg = stems(segment);
        let mut best: Option<(usize, usize)> = None;
        for (i, e) in self.entities.iter().enumerate() {
            let Some(role) = &e.role else { continue };
            let r = stems(role);
            let hits = r.iter().filter(|w| seg.contains(w)).count();
            let need = if r.len() <= 1 { 1 } else { 2 };
            if hits >= need && best.is_none_or(|(h, _)| hits >= h) {
                best = Some((hits, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// What a pronoun, a group noun or a document noun at the head of
    /// `segment` refers to, with the rule that resolved it.
    pub fn by_reference(&self, segment: &str) -> Option<(usize, &'static str)> {
        if let Some(i) = self.by_government(segment) {
            return Some((i, "speaker-government"));
        }
        let lower = segment.to_lowercase();
        let has_word = |w: &str| {
            lower
                .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
                .any(|x| x == w || x.ends_with(&format!("'{w}")) || x.ends_with(&format!("’{w}")))
        };
        if PRONOUNS.iter().any(|p| has_word(p)) {
            if let Some(i) = self.last_person.or(self.last_speaker) {
                return Some((i, "speaker-pronoun"));
            }
        }
        if GROUP_NOUNS.iter().any(|g| lower.contains(g)) {
            if let Some(i) = self.last_org {
                return Some((i, "speaker-organisation"));
            }
        }
        for (noun, who, _) in self.docs.iter().rev() {
            if lower.contains(noun) {
                return Some((*who, "speaker-document"));
            }
        }
        None
    }

    /// The government a segment that opens with "l'administration" or
    /// "the administration" refers to: the one the article names.
    pub fn by_government(&self, segment: &str) -> Option<usize> {
        let government = self.administration?;
        // Every head is shorter than 24 characters.
        let lower = segment
            .trim_start()
            .chars()
            .take(24)
            .collect::<String>()
            .to_lowercase();
        let opens = GOVERNMENT_HEADS.iter().any(|h| {
            lower
                .strip_prefix(h)
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
        });
        opens.then_some(government)
    }

    /// Introduces the government the article names (see
    /// [`named_government`]) so that "l'administration" resolves to it.
    pub fn learn_government(&mut self, name: String) {
        let i = match self.entities.iter().position(|e| e.name == name) {
            Some(i) => i,
            None => {
                self.entities.push(Entity {
                    name,
                    kind: Kind::Org,
                    role: None,
                });
                self.entities.len() - 1
            }
        };
        self.administration = Some(i);
    }

    /// Remembers that a document (named by a noun in `sentence`) is by
    /// `entity`, with the date the sentence gives it.
    pub fn learn_document(
        &mut self,
        sentence: &str,
        entity: usize,
        date: Option<super::dates::PartialDate>,
    ) {
        let lower = sentence.to_lowercase();
        for noun in DOC_NOUNS {
            if lower.contains(noun) {
                self.docs.push((noun, entity, date));
            }
        }
    }

    /// The date of the document a segment names, if known.
    pub fn document_date(&self, segment: &str) -> Option<super::dates::PartialDate> {
        let lower = segment.to_lowercase();
        self.docs
            .iter()
            .rev()
            .find(|(n, _, _)| lower.contains(n))
            .and_then(|d| d.2)
    }

    /// The author of a document named in `sentence` by "DOC de/par/by
    /// NAME" ("une lettre envoyée le 27 octobre par Chris Lehane", "le
    /// rapport du WSJ").
    pub fn document_author(&mut self, sentence: &str, names: &[NameSpan]) -> Option<usize> {
        let lower = sentence.to_lowercase();
        for noun in DOC_NOUNS {
            let Some(at) = lower.find(noun) else { continue };
            let doc_end = at + noun.len();
            for n in names.iter().filter(|n| n.start >= doc_end) {
                let between = &lower[doc_end..n.start.min(lower.len())];
                if between.split_whitespace().count() > 10
                    || between.contains(',') && between.split_whitespace().count() > 6
                {
                    break;
                }
                let links = [
                    " par ", " de ", " du ", " des ", " d'", " d’", " by ", " of ", " from ",
                    " von ", " del ", " de la ",
                ];
                let tail: String = format!(" {}", between.trim_start());
                if links
                    .iter()
                    .any(|l| tail.ends_with(l) || tail.ends_with(l.trim_end()))
                    || between.trim().is_empty() && n.modifier
                {
                    let n = n.clone();
                    return Some(self.resolve(&n));
                }
            }
        }
        None
    }
}

fn is_verbish(w: &str) -> bool {
    matches!(
        w,
        "a" | "est"
            | "avait"
            | "ont"
            | "qui"
            | "que"
            | "said"
            | "says"
            | "has"
            | "had"
            | "is"
            | "was"
            | "sagte"
            | "hat"
            | "ist"
            | "dijo"
            | "ha"
            | "es"
            | "who"
            | "which"
            | "der"
            | "die"
    )
}

/// Whether a word is a third-person pronoun in `lang` (for tests and callers).
pub fn is_pronoun(word: &str, _lang: Lang) -> bool {
    PRONOUNS.contains(&word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg_with(text: &str) -> (Registry, HashSet<String>) {
        let vocab = vocabulary(text);
        let mut r = Registry::default();
        for n in names(text, &vocab) {
            let e = r.resolve(&n);
            r.learn_role(text, &n, e);
        }
        (r, vocab)
    }

    #[test]
    fn names_titles_and_particles() {
        let t = "Le PDG d'OpenAI, Sam Altman, a parlé à M. Kratsios et à David O. Sacks.";
        let v = vocabulary(t);
        let ns: Vec<String> = names(t, &v).into_iter().map(|n| n.text).collect();
        assert_eq!(ns, ["OpenAI", "Sam Altman", "Kratsios", "David O. Sacks"]);
    }

    #[test]
    fn surnames_and_roles_resolve_to_the_first_introduction() {
        let (mut r, v) =
            reg_with("Sarah Friar, la directrice financière, a parlé. Puis Sam Altman aussi.");
        let friar = r
            .entities
            .iter()
            .position(|e| e.name == "Sarah Friar")
            .unwrap();
        assert_eq!(
            r.entities[friar].role.as_deref(),
            Some("la directrice financière")
        );
        let later = names("Mme Friar a ajouté.", &v);
        assert_eq!(r.resolve(&later[0]), friar);
        assert_eq!(r.by_role("Le directeur financier d'OpenAI"), Some(friar));
    }

    #[test]
    fn roles_before_the_name() {
        let (r, _) = reg_with("Der Finanzchef Hans Meier sagte, der Plan sei gut.");
        assert_eq!(r.entities[0].name, "Hans Meier");
        assert_eq!(r.entities[0].kind, Kind::Person);
        assert_eq!(r.entities[0].role.as_deref(), Some("Finanzchef"));
        let (r, _) = reg_with("UK Prime Minister Boris Johnson will speak, Hands said.");
        assert_eq!(r.entities[0].name, "Boris Johnson");
        assert_eq!(r.entities[0].role.as_deref(), Some("UK Prime Minister"));
        let (r, _) = reg_with("El presidente del banco, Luis García, dijo que no.");
        let g = r.entities.iter().find(|e| e.name == "Luis García").unwrap();
        assert_eq!(g.kind, Kind::Person);
        assert_eq!(g.role.as_deref(), Some("presidente del banco"));
    }

    #[test]
    fn acronyms_and_pronouns() {
        let (mut r, v) =
            reg_with("Selon le Wall Street Journal, tout va bien. John Smith said so.");
        let wsj = names("Le rapport du WSJ est sombre.", &v);
        let i = r.resolve(&wsj[0]);
        assert_eq!(r.entities[i].name, "Wall Street Journal");
        let smith = r
            .entities
            .iter()
            .position(|e| e.name == "John Smith")
            .unwrap();
        r.spoke(smith);
        assert_eq!(r.by_reference("He"), Some((smith, "speaker-pronoun")));
        assert!(is_pronoun("Elle", Lang::Fr));
    }

    #[test]
    fn the_administration_is_the_government_the_article_names() {
        let fr =
            "L'administration refuse. Le plan s'inscrit dans l'objectif de l'administration Trump.";
        assert_eq!(
            named_government(fr).as_deref(),
            Some("Administration Trump")
        );
        let en =
            "The administration said no. It is a goal of the Biden administration, officials said.";
        assert_eq!(
            named_government(en).as_deref(),
            Some("Biden administration")
        );
        let de = "Die Regierung schweigt. Die Scholz-Regierung plant mehr.";
        assert_eq!(named_government(de).as_deref(), Some("Scholz-Regierung"));
        let es = "La administración Sánchez lo niega.";
        assert_eq!(
            named_government(es).as_deref(),
            Some("Administración Sánchez")
        );
        // A capitalised word ending the sentence before is no leader, and
        // "de l'administration en matière" names none.
        assert_eq!(
            named_government("Sacks, OpenAI. L'administration refuse."),
            None
        );
        assert_eq!(
            named_government("les politiques de l'administration en matière d'IA"),
            None
        );

        let mut r = Registry::default();
        assert_eq!(r.by_government("L'administration a été catégorique"), None);
        r.learn_government(named_government(fr).unwrap());
        let gov = r.by_government("L'administration a été catégorique");
        assert_eq!(
            gov.map(|i| r.entities[i].name.as_str()),
            Some("Administration Trump")
        );
        assert_eq!(
            r.by_reference("the administration"),
            gov.map(|i| (i, "speaker-government"))
        );
        // Only a subject that opens with the noun refers to it.
        assert_eq!(r.by_government("les politiques de l'administration"), None);
        assert_eq!(r.by_government("l'administrateur"), None);
    }
}
