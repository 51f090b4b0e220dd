//! From articles to attributed statements: sentences that report what a
//! named person or organisation said, wrote or holds (direct quotes,
//! reported speech, posts), with the speaker as first introduced, the date
//! of the statement at the precision the text gives, the source file, the
//! character span and the rules that produced each field.
//!
//! ```
//! use volte::extract::{extract, Article, ExtractOptions};
//!
//! let article = Article::new("a.txt", "date 2025-11-07\nSam Altman a déclaré jeudi que l'entreprise ne demandait rien.");
//! let s = extract(&[article], &ExtractOptions::default());
//! assert_eq!(s[0].speaker, "Sam Altman");
//! assert_eq!(s[0].date.as_deref(), Some("2025-11-06"));
//! ```

pub mod articles;
pub mod claims;
mod corpus;
pub mod corrections;
pub mod dates;
pub mod frames;
mod from_paths;
pub mod html;
pub mod lang;
pub mod quotes;
pub mod reporting;
pub mod sentences;
pub mod speakers;

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::Duration;
use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};

pub use articles::read_articles;
pub use dates::PartialDate;
pub use from_paths::{extract_paths, extract_paths_and, Extraction};
pub use lang::Lang;

use corpus::{date_from_corpus, Evidence};
use dates::{article_date, day_after, find_dates, vague_span};
use quotes::is_opening;
use reporting::{cues, Cue, CueKind};
use sentences::{paragraphs, Paragraph};
use speakers::{names, vocabulary, Kind, NameSpan, Registry, DOC_NOUNS};

/// An article to extract statements from.
#[derive(Debug, Clone)]
pub struct Article {
    /// Where it comes from (a file name); copied to every statement.
    pub source: String,
    pub text: String,
    /// The publication date, when the metadata gives it; otherwise it is
    /// read from the article's first lines.
    pub date: Option<PartialDate>,
    pub url: Option<String>,
    /// The language, when known; otherwise it is detected.
    pub lang: Option<Lang>,
}

impl Article {
    /// An article with nothing but its source and text.
    pub fn new(source: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            text: text.into(),
            date: None,
            url: None,
            lang: None,
        }
    }
}

/// How to extract: `ExtractOptions::default()` and the `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExtractOptions {
    /// The language of every article, instead of detecting it.
    pub lang: Option<Lang>,
    /// Keep reported statements whose speaker is not named (speaker empty,
    /// `reason` says why). On by default.
    pub unattributed: bool,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self {
            lang: None,
            unattributed: true,
        }
    }
}

impl ExtractOptions {
    /// The language of every article (`None`: detected per article).
    pub fn with_lang(mut self, lang: Option<Lang>) -> Self {
        self.lang = lang;
        self
    }

    /// Whether to keep statements without a named speaker.
    pub fn with_unattributed(mut self, unattributed: bool) -> Self {
        self.unattributed = unattributed;
        self
    }
}

/// A statement found in an article: a JSON line `volte report` reads as it
/// is (text, speaker, date, source, id, lang), with the evidence beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedStatement {
    pub id: String,
    /// The words of the article, verbatim.
    pub text: String,
    /// The speaker's name as first introduced; empty when none is named.
    pub speaker: String,
    /// The speaker's title or role as the article gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`: when the statement was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub lang: String,
    /// Character offsets `[start, end)` of `text` in the article's text.
    pub span: [usize; 2],
    /// The rule that made this a statement (`reported-speech`,
    /// `source-phrase`, `quote-continued`, `post`, `introduced-quote`,
    /// `corrected-words`, `correction`, `reported-mood`: German reported
    /// speech in the subjunctive, going on from the statement before).
    pub rule: String,
    /// How the speaker was found (`speaker-subject`, `speaker-after-verb`,
    /// `speaker-source`, `speaker-role`, `speaker-pronoun`,
    /// `speaker-organisation`, `speaker-document`, `post-header`, `none`).
    pub speaker_rule: String,
    /// How the date was found (`date-explicit`, `date-weekday`, …);
    /// absent with the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_rule: Option<String>,
    /// Why the speaker is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Extracts the statements of every article, in order. Statements whose
/// date the article does not give take the date of the same speaker's
/// statement in another article of the batch (the only one, or the most
/// similar in wording).
pub fn extract(articles: &[Article], opts: &ExtractOptions) -> Vec<ExtractedStatement> {
    // The year of the batch places "le 27 octobre" in an undated article.
    let mut years: HashMap<i32, usize> = HashMap::new();
    for a in articles {
        if let Some(d) = a.date.or_else(|| article_date(&a.text).map(|h| h.0)) {
            *years.entry(d.year()).or_default() += 1;
        }
    }
    let batch_year = years
        .into_iter()
        .max_by_key(|&(y, n)| (n, y))
        .map(|(y, _)| PartialDate::Year(y));
    let per_article: Vec<_> = articles
        .par_iter()
        .map(|a| extract_article(a, opts, batch_year))
        .collect();
    let mut out = Vec::new();
    let mut evidence = Vec::new();
    for (s, e) in per_article {
        out.extend(s);
        evidence.extend(e);
    }
    date_from_corpus(&mut out, &evidence);
    out
}

/// A paragraph that introduces what follows it: a post header ("David
/// Sacks @DavidSacks – 16:52 UTC · 6 nov. 2025") or a line ending in a
/// colon that names a document and its author.
#[derive(Debug, Clone)]
struct Block {
    speaker: Option<usize>,
    date: Option<PartialDate>,
    rule: &'static str,
}

static HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.{2,80}?)\s*@[A-Za-z0-9_]{1,30}\b(.*)$").expect("a valid built-in pattern")
});
static PUBLISHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(publié|publie|a publié|published|publishes|issued|veröffentlicht|veröffentlichte|publicó|publica|emitió)\b").expect("a valid built-in pattern")
});

fn is_heading(body: &str, sentences: usize) -> bool {
    let words = body.split_whitespace().count();
    let letters: Vec<char> = body.chars().filter(|c| c.is_alphabetic()).collect();
    let caps = !letters.is_empty() && letters.iter().all(|c| c.is_uppercase());
    let terminal = body
        .trim_end()
        .ends_with(['.', '!', '?', '…', '»', '"', '”', ':', ')']);
    caps || (!terminal && words <= 30 && sentences <= 1)
}

/// What the extraction of one article keeps between sentences.
struct State<'a> {
    text: &'a str,
    lang: Lang,
    reference: Option<PartialDate>,
    vocab: HashSet<String>,
    reg: Registry,
    speaker_dates: HashMap<usize, PartialDate>,
    carried: Option<PartialDate>,
    drafts: Vec<Draft>,
    unattributed: bool,
    /// Whether `reference` is the article's own date (not the batch's year).
    dated: bool,
    /// A quote without attribution that the next statement may open with.
    pending_quote: Option<(usize, usize)>,
    evidence: Vec<(usize, PartialDate, usize, usize)>,
}

struct Draft {
    start: usize,
    end: usize,
    paragraph: usize,
    speaker: Option<usize>,
    speaker_rule: &'static str,
    reason: Option<String>,
    date: Option<PartialDate>,
    date_rule: Option<&'static str>,
    rule: &'static str,
}

fn extract_article(
    article: &Article,
    opts: &ExtractOptions,
    batch_year: Option<PartialDate>,
) -> (Vec<ExtractedStatement>, Vec<Evidence>) {
    let text = article.text.as_str();
    let lang = opts
        .lang
        .or(article.lang)
        .unwrap_or_else(|| lang::detect(text));
    let header = article_date(text);
    let first_line_start = text.len() - text.trim_start().len();
    let (reference, from) = match header {
        Some((d, start, end)) if start <= first_line_start + 1 => (article.date.or(Some(d)), end),
        Some((d, _, _)) => (article.date.or(Some(d)), 0),
        None => (article.date, 0),
    };
    let paras = paragraphs(text, from, lang);
    let mut st = State {
        text,
        lang,
        dated: reference.is_some(),
        pending_quote: None,
        evidence: Vec::new(),
        reference: reference.or(batch_year),
        vocab: vocabulary(text),
        reg: Registry::default(),
        speaker_dates: HashMap::new(),
        carried: None,
        drafts: Vec::new(),
        unattributed: opts.unattributed,
    };
    // Introductions first, so that a surname before the full name ("Selon
    // M. Altman" in a headline) resolves to it.
    for p in &paras {
        for s in &p.sentences {
            let sent = &text[s.start..s.end];
            for n in names(sent, &st.vocab) {
                if n.text.split_whitespace().count() >= 2 {
                    let e = st.reg.resolve(&n);
                    st.reg.learn_role(sent, &n, e);
                }
            }
        }
    }
    st.reg.forget_recent();
    if let Some(government) = speakers::named_government(text) {
        st.reg.learn_government(government);
    }
    let mut block: Option<Block> = None;
    for (pi, p) in paras.iter().enumerate() {
        let body = &text[p.span.start..p.span.end];
        if let Some(b) = post_header(&mut st, body) {
            block = Some(b);
            continue;
        }
        if let Some(b) = block.take() {
            if is_heading(body, p.sentences.len())
                || (b.rule == "introduced-quote" && body.trim_end().ends_with(':'))
            {
                block = Some(b);
                continue;
            }
            emit_block(&mut st, p, pi, &b);
            continue;
        }
        if is_heading(body, p.sentences.len()) {
            for n in names(body, &st.vocab) {
                st.reg.resolve(&n);
            }
            continue;
        }
        for s in &p.sentences {
            sentence(&mut st, p, pi, s.start, s.end);
        }
        if body.trim_end().ends_with(':') {
            block = introduction(&mut st, body);
        }
    }
    let evidence = st
        .evidence
        .iter()
        .map(|&(e, d, s, t)| Evidence {
            speaker: st.reg.entities[e].name.clone(),
            date: d.to_string(),
            text: text[s..t].to_string(),
            source: article.source.clone(),
        })
        .collect();
    (finish(article, lang, st), evidence)
}

impl Registry {
    /// Forgets who was mentioned last (after the introductions pass).
    pub fn forget_recent(&mut self) {
        let entities = std::mem::take(&mut self.entities);
        *self = Registry::default();
        self.entities = entities;
    }
}

fn post_header(st: &mut State, body: &str) -> Option<Block> {
    if body.len() > 160 {
        return None;
    }
    let c = HANDLE.captures(body)?;
    let name_part = c.get(1)?.as_str();
    let ns = names(name_part, &st.vocab);
    let n = ns.first()?;
    let speaker = st.reg.resolve(n);
    let date = find_dates(&c[2], st.reference)
        .into_iter()
        .find(|f| f.rule == "date-explicit")
        .map(|f| f.date);
    Some(Block {
        speaker: Some(speaker),
        date,
        rule: "post",
    })
}

fn introduction(st: &mut State, body: &str) -> Option<Block> {
    let lower = body.to_lowercase();
    let has_doc = DOC_NOUNS.iter().any(|d| lower.contains(d));
    let ns = names(body, &st.vocab);
    if has_doc {
        if let Some(a) = st.reg.document_author(body, &ns) {
            return Some(Block {
                speaker: Some(a),
                date: None,
                rule: "introduced-quote",
            });
        }
    }
    if has_doc && PUBLISHED.is_match(body) {
        let n = ns.iter().find(|n| !n.modifier)?.clone();
        let a = st.reg.resolve(&n);
        return Some(Block {
            speaker: Some(a),
            date: None,
            rule: "introduced-quote",
        });
    }
    None
}

/// The article's own date, for a statement it reports without dating it.
fn article_month(st: &State) -> (Option<PartialDate>, Option<&'static str>) {
    match st.reference {
        Some(r) if st.dated => (Some(r), Some("date-article")),
        _ => (None, None),
    }
}

fn emit_block(st: &mut State, p: &Paragraph, pi: usize, b: &Block) {
    let body = &st.text[p.span.start..p.span.end];
    for n in names(body, &st.vocab) {
        st.reg.resolve(&n);
    }
    let (date, date_rule) = match b.date {
        Some(d) => (Some(d), Some("date-post")),
        None => match st.carried {
            Some(d) => (Some(d), Some("date-carried")),
            None => article_month(st),
        },
    };
    if let Some(d) = date {
        if date_rule != Some("date-article") {
            st.carried = Some(d);
        }
        if let Some(s) = b.speaker {
            st.speaker_dates.insert(s, d);
        }
    }
    if let Some(s) = b.speaker {
        st.reg.spoke(s);
    }
    st.drafts.push(Draft {
        start: p.span.start,
        end: p.span.end,
        paragraph: pi,
        speaker: b.speaker,
        speaker_rule: if b.rule == "post" {
            "post-header"
        } else {
            "speaker-document"
        },
        reason: None,
        date,
        date_rule,
        rule: b.rule,
    });
}

const AUXILIARIES: &[&str] = &[
    "a", "avait", "ont", "avaient", "aurait", "a-t-il", "a-t-elle", "has", "had", "have", "hat",
    "hatte", "ha", "había", "habría", "se",
];

/// Why a statement has no speaker when its subject is written but names
/// no one ("L'administration a été catégorique : elle …").
const UNNAMED_SUBJECT: &str = "unnamed subject";

/// A speaker and the rule that found it, or why none is named.
type Attribution = Result<(usize, &'static str), String>;

/// The speaker of a cue: the entity, how it was found, or why none is named.
fn attribute(
    st: &mut State,
    sent: &str,
    qs: &[(usize, usize)],
    ns: &[(NameSpan, usize)],
    cue: &Cue,
) -> Attribution {
    let cue_text = &sent[cue.start..cue.end];
    if cue.kind == CueKind::Source {
        let after = &sent[cue.end..];
        let stop = after.find([',', ';', ':']).unwrap_or(after.len()).min(90);
        let stop = (0..=stop)
            .rev()
            .find(|&i| after.is_char_boundary(i))
            .unwrap_or(0);
        let seg = &after[..stop];
        if let Some((_, e)) = ns
            .iter()
            .find(|(n, _)| n.start >= cue.end && n.start < cue.end + stop)
        {
            return Ok((*e, "speaker-source"));
        }
        if let Some((e, r)) = st.reg.by_reference(seg) {
            return Ok((e, r));
        }
        return Err(format!(
            "unnamed source: {:?}",
            format!("{cue_text}{seg}").trim()
        ));
    }
    // An attribution after what it reports: ", a déclaré M. Altman".
    let mut before = sent[..cue.start].trim_end();
    loop {
        let last = before.rsplit(char::is_whitespace).next().unwrap_or("");
        if !last.is_empty() && AUXILIARIES.contains(&last.to_lowercase().as_str()) {
            before = before[..before.len() - last.len()].trim_end();
        } else {
            break;
        }
    }
    let inverted = before.ends_with([',', '»', '”', '"', '“']) || before.is_empty();
    if inverted {
        // ", sagte er": a pronoun; ", aseveró." (no subject written): the
        // speaker of the statement before.
        let next_word: String = sent[cue.end..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphabetic())
            .collect();
        if speakers::is_pronoun(&next_word, st.lang) {
            if let Some((e, r)) = st.reg.by_reference(&next_word) {
                return Ok((e, r));
            }
        }
        if sent[cue.end..]
            .trim()
            .trim_end_matches(['.', '!', '?', '…'])
            .is_empty()
        {
            if let Some(e) = st.reg.last_speaker() {
                return Ok((e, "speaker-previous-statement"));
            }
        }
        let limit = cue.end + 70;
        if let Some((n, e)) = ns
            .iter()
            .find(|(n, _)| n.start >= cue.end && n.start <= limit && !n.modifier)
        {
            let between = &sent[cue.end..n.start];
            if !between.contains([',', ':'])
                && !between
                    .to_lowercase()
                    .split_whitespace()
                    .any(|w| matches!(w, "que" | "qu'" | "that" | "dass" | "à" | "to"))
            {
                return Ok((*e, "speaker-after-verb"));
            }
        }
    }
    // "… he said": a pronoun right before the verb (or its "ne") is its
    // subject.
    let before = match before.rsplit_once(char::is_whitespace) {
        Some((b, "ne")) => b.trim_end(),
        _ => before,
    };
    let last_word = before.rsplit(char::is_whitespace).next().unwrap_or("");
    if speakers::is_pronoun(last_word, st.lang) {
        // "L'administration a été catégorique : elle ne soutient …": after
        // a colon, the pronoun takes up the subject of the clause before it.
        let head = before[..before.len() - last_word.len()].trim_end();
        if let Some(clause) = head.strip_suffix([':', ';']) {
            let from = clause.rfind([':', ';']).map_or(0, |i| i + 1);
            let named = ns
                .iter()
                .find(|(n, _)| n.start >= from && n.end <= clause.len() && !n.modifier);
            if let Some((_, e)) = named {
                return Ok((*e, "speaker-subject"));
            }
            let clause = clause[from..].trim();
            if let Some(e) = st.reg.by_government(clause) {
                return Ok((e, "speaker-government"));
            }
            if !clause.is_empty() {
                return Err(format!("{UNNAMED_SUBJECT}: {clause:?}"));
            }
        }
        if let Some((e, r)) = st.reg.by_reference(last_word) {
            return Ok((e, r));
        }
    }
    // The subject: the clause before the cue, after any quote or colon.
    let mut seg_start = 0;
    for &(qs_, qe) in qs {
        if qe <= cue.start {
            seg_start = seg_start.max(qe);
        } else if qs_ < cue.start {
            // The cue is inside a quote: the speaker is outside it.
            return Err(format!("no named speaker for {cue_text:?}"));
        }
    }
    if let Some(c) = sent[..cue.start].rfind([':', ';']) {
        seg_start = seg_start.max(c + 1);
    }
    let seg = &sent[seg_start..cue.start];
    let in_seg: Vec<&(NameSpan, usize)> = ns
        .iter()
        .filter(|(n, _)| n.start >= seg_start && n.end <= cue.start)
        .collect();
    // The person nearest the verb is its subject ("In statements … in
    // Crans Montana, Mr Christodoulides said").
    if let Some((_, e)) = in_seg
        .iter()
        .rev()
        .find(|(n, e)| st.reg.entities[*e].kind == Kind::Person && !n.modifier)
    {
        return Ok((*e, "speaker-subject"));
    }
    // A subject before a quoted word ("X, …, a utilisé le terme "backstop"
    // …, précisant"): a person named before any quote of the sentence.
    if let Some((_, e)) = ns.iter().find(|(n, e)| {
        n.end <= cue.start
            && !n.modifier
            && st.reg.entities[*e].kind == Kind::Person
            && !qs.iter().any(|q| q.0 < n.start && n.end < q.1)
    }) {
        return Ok((*e, "speaker-subject"));
    }
    if let Some(e) = st.reg.by_role(seg) {
        return Ok((e, "speaker-role"));
    }
    if let Some((_, e)) = in_seg.iter().find(|(n, _)| !n.modifier) {
        return Ok((*e, "speaker-subject"));
    }
    if let Some((e, r)) = st.reg.by_reference(seg) {
        return Ok((e, r));
    }
    // Spanish writes no subject pronoun: "Además, aseguró que …", "Y
    // consultado sobre …, dijo:" go on with the speaker before.
    if st.lang == Lang::Es && (seg.trim().is_empty() || seg.trim_end().ends_with(',')) {
        if let Some(e) = st.reg.last_speaker() {
            return Ok((e, "speaker-null-subject"));
        }
    }
    let seg = seg.trim();
    Err(if seg.is_empty() {
        format!("no named speaker for {cue_text:?}")
    } else {
        format!("unnamed speaker: {:?}", format!("{seg} {cue_text}"))
    })
}

fn sentence(st: &mut State, p: &Paragraph, pi: usize, start: usize, end: usize) {
    let text = st.text;
    let sent = &text[start..end];
    let qs: Vec<(usize, usize)> = p
        .quotes
        .iter()
        .filter(|q| q.start >= start && q.end <= end)
        .map(|q| (q.start - start, q.end - start))
        .collect();
    let raw_names = names(sent, &st.vocab);
    // Pronouns refer to what came before this sentence's own names.
    let recent = st.reg.recent();
    let ns: Vec<(NameSpan, usize)> = raw_names
        .iter()
        .map(|n| (n.clone(), st.reg.resolve(n)))
        .collect();
    let after_names = st.reg.recent();
    st.reg.set_recent(recent);
    let found = find_dates(sent, st.reference);
    if let Some(author) = st.reg.document_author(sent, &raw_names) {
        let d = found
            .iter()
            .find(|f| f.rule == "date-explicit")
            .map(|f| f.date);
        st.reg.learn_document(sent, author, d);
        if let Some(d) = d {
            st.evidence.push((author, d, start, end));
            st.carried = Some(d);
        }
    }
    let all = cues(sent, st.lang);
    if all.is_empty() && reporting::reported_by_mood(sent, &qs, st.lang) {
        // The speaker of the statement just before goes on ("…, sagte
        // Sewing. Er sei sich sicher, …").
        let previous = st
            .drafts
            .last()
            .filter(|d| d.paragraph == pi && d.speaker.is_some())
            .filter(|d| text[d.end..start].trim().is_empty())
            .map(|d| (d.speaker, d.date, d.date_rule));
        if let Some((speaker, date, date_rule)) = previous {
            st.reg.set_recent(after_names);
            st.drafts.push(Draft {
                start,
                end,
                paragraph: pi,
                speaker,
                speaker_rule: "speaker-previous-statement",
                reason: None,
                date,
                date_rule,
                rule: "reported-mood",
            });
            return;
        }
    }
    if all.is_empty() {
        st.reg.set_recent(after_names);
        let continues = sent.starts_with(is_opening) && qs.first().is_none_or(|q| q.0 == 0);
        if continues {
            match st.drafts.last_mut() {
                Some(last) if last.paragraph == pi && last.end <= start => {
                    last.end = end;
                    last.rule = "quote-continued";
                }
                _ => st.pending_quote = Some((start, pi)),
            }
        }
        return;
    }
    // Sources first ("…, selon M. Altman"), then verbs, then weak verbs.
    let mut order: Vec<&Cue> = all
        .iter()
        .filter(|c| {
            !qs.iter().any(|q| q.0 < c.start && c.end < q.1)
                && !reporting::negated(sent, c, st.lang)
        })
        .collect();
    if order.is_empty() {
        st.reg.set_recent(after_names);
        return;
    }
    order.sort_by_key(|c| match c.kind {
        CueKind::Source => 0,
        CueKind::Verb => 1,
        CueKind::WeakVerb => 2,
    });
    let mut chosen: Option<(&Cue, Attribution)> = None;
    for c in &order {
        let r = attribute(st, sent, &qs, &ns, c);
        let ok = r.is_ok();
        if ok || chosen.is_none() {
            chosen = Some((c, r));
        }
        if ok {
            break;
        }
    }
    st.reg.set_recent(after_names);
    let Some((cue, who)) = chosen else { return };
    let (speaker, speaker_rule, reason) = match who {
        Ok((e, r)) => (Some(e), r, None),
        Err(why) => {
            // A weak verb reports only with a subject, named or not.
            let subject = why.starts_with(UNNAMED_SUBJECT);
            if cue.kind == CueKind::WeakVerb && !subject || !st.unattributed {
                return;
            }
            (None, "none", Some(why))
        }
    };
    // The date: said in the sentence, then the document's, then the
    // speaker's last, then the last statement's, then the article's month.
    // A date inside the reported clause is what the clause speaks of ("said
    // that the meeting of 21 March …"), not when it was said.
    let clause_at = match cue.kind {
        CueKind::Source => None,
        _ => claims::clause_start(sent, cue.end, st.lang),
    };
    let outside: Vec<_> = found
        .iter()
        .filter(|f| !qs.iter().any(|q| q.0 < f.start && f.end < q.1))
        .filter(|f| clause_at.is_none_or(|at| f.start < at))
        .collect();
    let (mut date, mut date_rule): (Option<PartialDate>, Option<&'static str>) = (None, None);
    if let Some(pos) = day_after(sent) {
        let anchor = outside
            .iter()
            .find(|f| f.start < pos)
            .map(|f| f.date)
            .or(st.carried);
        if let Some(PartialDate::Day(d)) = anchor {
            date = Some(PartialDate::Day(d - Duration::days(1)));
            date_rule = Some("date-day-before");
        }
    }
    if date.is_none() {
        if let Some(f) = outside.first() {
            date = Some(f.date);
            date_rule = Some(f.rule);
        }
    }
    let vague = vague_span(sent, st.reference);
    if date.is_none() {
        if let Some(d) = st.reg.document_date(&sent[..cue.start]) {
            date = Some(d);
            date_rule = Some("date-document");
        }
    }
    if date.is_none() {
        let previous = speaker.and_then(|s| st.speaker_dates.get(&s).copied());
        if let Some(d) = previous.filter(|d| {
            vague.is_none_or(|(from, to)| d.day().is_some_and(|x| from <= x && x <= to))
        }) {
            date = Some(d);
            date_rule = Some("date-speaker-previous");
        } else if let (Some(d), None) = (st.carried, vague) {
            date = Some(d);
            date_rule = Some("date-carried");
        }
    }
    if date.is_none() {
        (date, date_rule) = article_month(st);
    }
    if let (Some(d), Some(r)) = (date, date_rule) {
        if r != "date-article" && r != "date-carried" {
            st.carried = Some(d);
            if let Some(s) = speaker {
                st.speaker_dates.insert(s, d);
            }
        }
    }
    if let Some(s) = speaker {
        st.reg.spoke(s);
        st.reg
            .learn_document(sent, s, date.filter(|_| date_rule == Some("date-explicit")));
    }
    let mut start = match st.pending_quote.take() {
        Some((qs, qp)) if qp == pi => qs,
        _ => start,
    };
    // A correction of earlier words: those words first, as a statement of
    // their own that the rest of the batch dates, then the correction.
    let sentence_start = end - sent.len();
    let mut rule = if cue.kind == CueKind::Source {
        "source-phrase"
    } else {
        "reported-speech"
    };
    if start == sentence_start {
        start += frames::frame_end(sent, st.reference);
    }
    if let (Some(_), Some((a, b, c))) = (speaker, corrections::correction(sent)) {
        let own = outside.iter().find(|f| f.start >= a && f.end <= b);
        st.drafts.push(Draft {
            start: sentence_start + a,
            end: sentence_start + b,
            paragraph: pi,
            speaker,
            speaker_rule,
            reason: None,
            date: own.map(|f| f.date),
            date_rule: own.map(|f| f.rule),
            rule: "corrected-words",
        });
        start = sentence_start + c;
        rule = "correction";
    }
    st.drafts.push(Draft {
        start,
        end,
        paragraph: pi,
        speaker,
        speaker_rule,
        reason,
        date,
        date_rule,
        rule,
    });
}

fn finish(article: &Article, lang: Lang, st: State) -> Vec<ExtractedStatement> {
    let text = st.text;
    let mut out = Vec::with_capacity(st.drafts.len());
    let (mut byte, mut chars) = (0usize, 0usize);
    let mut char_at = |b: usize| {
        if b < byte {
            byte = 0;
            chars = 0;
        }
        chars += text[byte..b].chars().count();
        byte = b;
        chars
    };
    for (n, d) in st.drafts.iter().enumerate() {
        let span = [char_at(d.start), char_at(d.end)];
        let entity = d.speaker.map(|e| &st.reg.entities[e]);
        out.push(ExtractedStatement {
            id: format!("{}#{}", article.source, n + 1),
            text: text[d.start..d.end].to_string(),
            speaker: entity.map(|e| e.name.clone()).unwrap_or_default(),
            role: entity.and_then(|e| e.role.clone()),
            date: d.date.map(|x| x.to_string()),
            source: article.source.clone(),
            url: article.url.clone(),
            lang: lang.code().to_string(),
            span,
            rule: d.rule.to_string(),
            speaker_rule: d.speaker_rule.to_string(),
            date_rule: d.date.and(d.date_rule).map(str::to_string),
            reason: d.reason.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_reported_speech_goes_on_in_the_subjunctive() {
        let a = Article::new(
            "a.txt",
            "date 2025-07-21\n\nEr habe die Regierung ermuntert, sagte Christian Sewing am \
             Montag. Er sei sich sicher, dass noch einiges hinzukommen werde. Die Börse \
             schloss höher.\n",
        );
        let found = extract(&[a], &ExtractOptions::default());
        let texts: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|s| (s.text.as_str(), s.speaker.as_str(), s.rule.as_str()))
            .collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert_eq!(
            texts[1],
            (
                "Er sei sich sicher, dass noch einiges hinzukommen werde.",
                "Christian Sewing",
                "reported-mood"
            )
        );
        assert_eq!(found[1].date, found[0].date);
        assert_eq!(found[1].date.as_deref(), Some("2025-07-21"));
    }

    fn run(text: &str) -> Vec<ExtractedStatement> {
        extract(&[Article::new("a.txt", text)], &ExtractOptions::default())
    }

    #[test]
    fn spanish_verbs_without_a_subject_go_on_with_the_speaker_before() {
        let found = run(
            "2024-02\n\nEl ministro de Economía, Luis Caputo, afirmó que el Gobierno no \
             descarta volver a debatir la ley. Además, aseguró que el aumento a jubilados será \
             de casi el 30%. A su vez, anticipó: \"Vamos a fijar el salario mínimo mañana\".\n",
        );
        let who: Vec<(&str, &str)> = found
            .iter()
            .map(|s| (s.speaker.as_str(), s.speaker_rule.as_str()))
            .collect();
        assert_eq!(
            who,
            [
                ("Luis Caputo", "speaker-subject"),
                ("Luis Caputo", "speaker-null-subject"),
                ("Luis Caputo", "speaker-null-subject")
            ]
        );
        // The article's date line may give only a month.
        assert!(found.iter().all(|s| s.date.as_deref() == Some("2024-02")));
    }

    #[test]
    fn a_date_in_the_reported_clause_is_not_when_it_was_said() {
        let found = run(
            "2018-05-02\n\nThe spokesman of the movement, Marcelo Nougue, said on Wednesday that \
             the government had not called them since the meeting of 21 March 2018.\n\n\
             Marcelo Nougue said that the talks of 21 March 2018 had been the last ones.\n",
        );
        let dates: Vec<(Option<&str>, Option<&str>)> = found
            .iter()
            .map(|s| (s.date.as_deref(), s.date_rule.as_deref()))
            .collect();
        assert_eq!(dates[0], (Some("2018-05-02"), Some("date-weekday")));
        assert_eq!(dates[1].0, Some("2018-05-02"), "{dates:?}");
    }

    #[test]
    fn names_lose_the_nouns_and_role_qualifiers_before_them() {
        let found = run(
            "Kanzleramtsminister Thorsten Frei hat erklärt, dass die Projekte zügig umgesetzt \
             werden. Eine Kabinettsumbildung ist nach Angaben von Thorsten Frei nicht geplant. Er \
             äußerte seine Überzeugung, dass die Regierung gut aufgestellt sei.\n",
        );
        let speakers: Vec<&str> = found.iter().map(|s| s.speaker.as_str()).collect();
        assert_eq!(speakers, ["Thorsten Frei"; 3]);
        let found = run(
            "Public Finance Minister Eugen Teodorovici stated that no tax increase is being \
             discussed in government this year.\n",
        );
        assert_eq!(found[0].speaker, "Eugen Teodorovici");
        assert_eq!(
            found[0].role.as_deref(),
            Some("Public Finance Minister"),
            "{:?}",
            found[0]
        );
    }
}
