//! Reported speech: the verbs and phrases that say someone said, wrote or
//! holds something (a déclaré, selon; said, according to; sagte, laut;
//! afirmó, según), per language.

use std::sync::LazyLock;

use regex::Regex;

use super::lang::Lang;

/// How a cue attributes its clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueKind {
    /// A reporting verb: the speaker is its subject, before it, or after it
    /// in an inverted attribution (", a déclaré M. Altman").
    Verb,
    /// A verb that reports only with a clause after it (estime que, argued
    /// that): it needs a named speaker to count.
    WeakVerb,
    /// A preposition naming its source after it (selon, according to, laut,
    /// según).
    Source,
}

/// A cue found in a sentence (byte offsets into the sentence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub start: usize,
    pub end: usize,
    pub kind: CueKind,
}

const FR_STRONG: &str = "déclaré|déclare|déclarait|déclarant|déclarent|dit|disait|disant|affirmé|affirme|affirmait|affirmant|affirment|assuré|assure|assurant|indiqué|indique|indiquant|expliqué|explique|expliquant|ajouté|ajoutant|ajoute|écrit|écrivant|précisé|précise|précisant|rappelé|rappelant|insisté|insiste|insistant|souligné|soulignant|démenti|dément|démentant|confirmé|confirmant|réitéré|annoncé|annonçant|averti|prévenu|reconnu|répondu|répondant|martelé|tweeté|publié sur x|lancé|estimé|estimant|jugé|fait valoir|fait savoir|plaidé|défendu|nié|niant|réclamé";
const FR_WEAK: &str = "estime|estiment|soutient|soutiennent|soutenu|soutenant|suggéré|suggère|suggérait|suggérant|demandé|demande|demandant|appelle|appelé|appelant|pense|pensent|croit|croient|juge|espère|espérait|espèrent|plaide|exhorte|exhorté|propose|proposé|prévient|recommande|considère";
const FR_SOURCE: &str = "selon|d'après|d’après|aux dires de|de l'avis de";

const EN_STRONG: &str = "said|pointed out|promised|pledged|vowed|repeated|expressed|expresses|says|say|told|stated|added|argued|argues|wrote|writes|claimed|claims|insisted|insists|explained|noted|warned|warns|announced|denied|denies|confirmed|asserted|acknowledged|stressed|tweeted|posted|declared|reiterated|maintained|replied|responded";
const EN_WEAK: &str = "suggested|suggests|believes|believe|thinks|think|called for|calls for|urged|urges|proposed|proposes|contends|contended|hopes|hoped|asked|asks|estimates|estimated|recommended";
const EN_SOURCE: &str = "according to|in the words of|per";

const DE_STRONG: &str = "sagte|beschrieb|beschreibt|äußerte|äußert|gesagt|garantiert|zugesichert|versprochen|versprach|begrüßte|begrüßt|sagt|sagten|erklärte|erklärt|erklärten|betonte|betont|meinte|schrieb|schreibt|kritisierte|warnte|warnt|bekräftigte|versicherte|ergänzte|behauptete|behauptet|argumentierte|dementierte|bestätigte|verkündete|teilte|räumte|fügte|unterstrich|twitterte|antwortete|stellte klar";
const DE_WEAK: &str = "forderte|fordert|meint|glaubt|hofft|hoffte|schlug vor|schlägt vor|plädierte|plädiert|sieht|sah|hält|hielt";
const DE_SOURCE: &str = "laut|zufolge|nach angaben von|so";

const ES_STRONG: &str = "dijo|informó|adelantó|anticipó|prometió|garantizó|rechazó|expresó|cuestionó|criticó|dice|afirmó|afirma|aseguró|asegura|declaró|explicó|añadió|agregó|señaló|señala|indicó|sostuvo|sostiene|advirtió|insistió|subrayó|destacó|escribió|anunció|negó|confirmó|defendió|reconoció|manifestó|reiteró|aseveró|respondió|tuiteó|publicó";
const ES_WEAK: &str = "considera|consideró|cree|creía|opina|pidió|pide|propuso|espera|esperaba|sugirió|sugiere|estima|estimó|reclamó";
const ES_SOURCE: &str = "según|de acuerdo con|a juicio de|en palabras de";

struct Patterns {
    strong: Regex,
    weak: Regex,
    source: Regex,
}

fn compile(strong: &str, weak: &str, source: &str) -> Patterns {
    let word = |alts: &str| {
        Regex::new(&format!(
            r"(?i)(?:^|[^\p{{L}}\p{{N}}])({alts})(?:$|[^\p{{L}}\p{{N}}'’-])"
        ))
        .expect("a valid built-in pattern")
    };
    Patterns {
        strong: word(strong),
        weak: word(weak),
        source: word(source),
    }
}

static FR: LazyLock<Patterns> = LazyLock::new(|| compile(FR_STRONG, FR_WEAK, FR_SOURCE));
static EN: LazyLock<Patterns> = LazyLock::new(|| compile(EN_STRONG, EN_WEAK, EN_SOURCE));
static DE: LazyLock<Patterns> = LazyLock::new(|| compile(DE_STRONG, DE_WEAK, DE_SOURCE));
static ES: LazyLock<Patterns> = LazyLock::new(|| compile(ES_STRONG, ES_WEAK, ES_SOURCE));

fn patterns(lang: Lang) -> &'static Patterns {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
        Lang::De => &DE,
        Lang::Es => &ES,
    }
}

/// Whether the words after a source preposition make it something else
/// ("selon lesquelles": a relative clause; German "so" as an adverb).
fn false_source(after: &str, cue: &str) -> bool {
    let next: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    let cue = cue.to_lowercase();
    matches!(
        next.as_str(),
        "lequel" | "laquelle" | "lesquels" | "lesquelles" | "which" | "whom"
    ) || (cue == "so" && !after.trim_start().starts_with(char::is_uppercase))
        || (cue == "per" && !after.trim_start().starts_with(char::is_uppercase))
        || (cue == "zufolge")
}

/// The reporting cues of `sentence`, in order. `zufolge` follows its
/// source, so it is reported as a verb whose subject is before it.
pub fn cues(sentence: &str, lang: Lang) -> Vec<Cue> {
    let p = patterns(lang);
    let mut out = Vec::new();
    for (re, kind) in [
        (&p.strong, CueKind::Verb),
        (&p.weak, CueKind::WeakVerb),
        (&p.source, CueKind::Source),
    ] {
        for c in re.captures_iter(sentence) {
            let m = c.get(1).expect("group");
            if kind == CueKind::Source && false_source(&sentence[m.end()..], m.as_str()) {
                if m.as_str().eq_ignore_ascii_case("zufolge") {
                    out.push(Cue {
                        start: m.start(),
                        end: m.end(),
                        kind: CueKind::Verb,
                    });
                }
                continue;
            }
            out.push(Cue {
                start: m.start(),
                end: m.end(),
                kind,
            });
        }
    }
    out.sort_by_key(|c| c.start);
    out
}

/// German verb forms that are only subjunctive I (the mood of reported
/// speech: "Er sei sich sicher", "sie habe …"), in the third person,
/// where the indicative differs (ist, hat, wird, kann, muss, …).
const DE_SUBJUNCTIVE: &[&str] = &[
    "sei", "seien", "habe", "werde", "könne", "müsse", "solle", "wolle", "dürfe", "gebe", "wisse",
    "möge",
];

/// Whether `sentence`, which has no reporting cue, carries on someone's
/// reported speech by its mood alone: in German a verb in the subjunctive I
/// outside quotes, among the first words (the sentence's own verb, not a
/// quoted one). `quotes` are byte spans of quotes in the sentence. Other
/// languages mark reported speech with a verb.
pub fn reported_by_mood(sentence: &str, quotes: &[(usize, usize)], lang: Lang) -> bool {
    if lang != Lang::De {
        return false;
    }
    let mut at = 0;
    for w in sentence.split_whitespace().take(4) {
        let start = at + sentence[at..].find(w).unwrap_or(0);
        at = start + w.len();
        if quotes.iter().any(|q| q.0 <= start && start < q.1) {
            return false;
        }
        let bare = w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase();
        if DE_SUBJUNCTIVE.contains(&bare.as_str()) {
            return true;
        }
    }
    false
}

/// Whether a cue says that nothing was said ("n'a pas encore répondu",
/// "did not say", "no dijo") or is no report at all ("se demande": wonders).
pub fn negated(sentence: &str, cue: &Cue, lang: Lang) -> bool {
    let before: Vec<String> = sentence[..cue.start]
        .split_whitespace()
        .rev()
        .take(3)
        .map(|w| w.to_lowercase())
        .collect();
    let has = |ws: &[&str]| before.iter().any(|w| ws.contains(&w.as_str()));
    match lang {
        Lang::Fr => {
            has(&["pas", "jamais", "rien"])
                || before.first().is_some_and(|w| w == "se" || w == "s'")
        }
        Lang::En => has(&[
            "not", "never", "didn't", "hasn't", "haven't", "wouldn't", "won't",
        ]),
        Lang::De => sentence[cue.end..]
            .split_whitespace()
            .next()
            .is_some_and(|w| w == "nicht" || w == "nie"),
        Lang::Es => before
            .first()
            .is_some_and(|w| w == "no" || w == "nunca" || w == "se"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str, lang: Lang) -> Vec<(String, CueKind)> {
        cues(s, lang)
            .iter()
            .map(|c| (s[c.start..c.end].to_string(), c.kind))
            .collect()
    }

    #[test]
    fn french_cues() {
        assert_eq!(
            kinds("a déclaré M. Altman.", Lang::Fr),
            [("déclaré".to_string(), CueKind::Verb)]
        );
        assert_eq!(
            kinds("Selon Amazon, la phase", Lang::Fr)[0].1,
            CueKind::Source
        );
        assert!(kinds("des critiques selon lesquelles OpenAI", Lang::Fr).is_empty());
        assert_eq!(
            kinds("Lehane estime qu'un crédit", Lang::Fr)[0].1,
            CueKind::WeakVerb
        );
    }

    #[test]
    fn english_german_spanish_cues() {
        assert_eq!(kinds("the company said on Friday", Lang::En)[0].0, "said");
        assert_eq!(
            kinds("according to the report", Lang::En)[0].1,
            CueKind::Source
        );
        assert_eq!(kinds("sagte Scholz am Dienstag", Lang::De)[0].0, "sagte");
        assert_eq!(kinds("Laut Regierung ist", Lang::De)[0].1, CueKind::Source);
        assert_eq!(
            kinds("Regierungsangaben zufolge", Lang::De)[0].1,
            CueKind::Verb
        );
        assert_eq!(kinds("afirmó el ministro", Lang::Es)[0].0, "afirmó");
        assert_eq!(kinds("según el Gobierno", Lang::Es)[0].1, CueKind::Source);
    }

    #[test]
    fn negated_cues() {
        let s = "Bien que l'administration n'ait pas encore répondu à la lettre";
        let c = cues(s, Lang::Fr)[0];
        assert!(negated(s, &c, Lang::Fr));
        let s = "Gary Markus se demande quel est le lien";
        assert!(negated(s, &cues(s, Lang::Fr)[0], Lang::Fr));
        let s = "She did not say when";
        assert!(negated(s, &cues(s, Lang::En)[0], Lang::En));
        let s = "Sam Altman a déclaré jeudi";
        assert!(!negated(s, &cues(s, Lang::Fr)[0], Lang::Fr));
    }

    #[test]
    fn the_german_subjunctive_reports_without_a_verb() {
        let s = "Er sei sich sicher, dass noch einiges hinzukommen werde.";
        assert!(reported_by_mood(s, &[], Lang::De));
        assert!(!reported_by_mood("Er ist sich sicher.", &[], Lang::De));
        let q = "„Ich habe nichts gesagt“, hieß es.";
        assert!(!reported_by_mood(q, &[(0, q.find('“').unwrap())], Lang::De));
        assert!(!reported_by_mood("Il sei", &[], Lang::Fr));
        assert_eq!(
            kinds("Merkel hat Unterstützung garantiert.", Lang::De)[0].0,
            "garantiert"
        );
    }

    #[test]
    fn words_inside_words_are_not_cues() {
        assert!(kinds("un crédit interdit", Lang::Fr).is_empty());
        assert!(kinds("the sayings", Lang::En).is_empty());
    }
}
