//! The batch-wide date pass: a statement that its article does not date
//! takes the date of the same speaker's statement (or dated mention) in
//! another article of the batch, then the date of the speaker's previous
//! statement in its article, then that of the statement before it.
//!
//! The work is linear in the batch, apart from comparing the wording of a
//! statement with the speaker's dated statements elsewhere: that goes
//! through an index from words to the distinct dated texts of the speaker,
//! so only texts sharing a word are compared and a text repeated across
//! articles (a wire story, a quote taken up) is compared once.

use std::collections::HashMap;

use super::ExtractedStatement;

/// Date rules that a statement of the same speaker elsewhere may replace.
pub(crate) const WEAK_DATES: &[&str] = &["date-carried", "date-article"];

/// How alike two statements must read (Jaccard index of their words of
/// four letters or more) for one to give the other its date.
const SIMILAR: f64 = 0.12;

/// A dated mention of what a speaker wrote or said that is not itself a
/// statement ("une lettre envoyée le 27 octobre par Chris Lehane").
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    pub speaker: String,
    pub date: String,
    pub text: String,
    pub source: String,
}

fn is_weak(rule: Option<&str>) -> bool {
    rule.is_some_and(|r| WEAK_DATES.contains(&r))
}

/// Word ids shared by the whole batch.
#[derive(Default)]
struct Words(HashMap<String, u32>);

impl Words {
    /// The distinct lower-cased words of four letters or more, as sorted ids.
    fn of(&mut self, text: &str) -> Vec<u32> {
        let mut ids: Vec<u32> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4)
            .map(|w| {
                let next = self.0.len() as u32;
                *self.0.entry(w.to_lowercase()).or_insert(next)
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// One distinct dated text of a speaker and where it appears.
struct Text<'a> {
    words: usize,
    /// Its pool positions and sources, in pool order.
    members: Vec<(usize, &'a str)>,
}

impl Text<'_> {
    /// Its last pool position outside `source`, if any.
    fn last_outside(&self, source: &str) -> Option<usize> {
        self.members
            .iter()
            .rev()
            .find(|m| m.1 != source)
            .map(|m| m.0)
    }
}

/// The dated evidence of one speaker, indexed.
#[derive(Default)]
struct Speaker<'a> {
    /// How many pieces of evidence carry each date, overall and per source.
    dates: HashMap<&'a str, usize>,
    by_source: HashMap<&'a str, (usize, HashMap<&'a str, usize>)>,
    total: usize,
    /// The first piece of evidence, and the first from another source.
    first: Option<(usize, &'a str)>,
    first_elsewhere: Option<usize>,
    texts: Vec<Text<'a>>,
    text_of: HashMap<(Vec<u32>, &'a str), usize>,
    /// Word id → the texts that contain it.
    postings: HashMap<u32, Vec<usize>>,
}

impl<'a> Speaker<'a> {
    /// Adds a piece of evidence; returns the index of its text.
    fn add(&mut self, pos: usize, date: &'a str, source: &'a str, words: Vec<u32>) -> usize {
        *self.dates.entry(date).or_default() += 1;
        let s = self.by_source.entry(source).or_default();
        s.0 += 1;
        *s.1.entry(date).or_default() += 1;
        self.total += 1;
        match self.first {
            None => self.first = Some((pos, source)),
            Some((_, f)) if self.first_elsewhere.is_none() && f != source => {
                self.first_elsewhere = Some(pos)
            }
            _ => {}
        }
        let n = self.texts.len();
        let t = *self.text_of.entry((words.clone(), date)).or_insert(n);
        if t == n {
            for &w in &words {
                self.postings.entry(w).or_default().push(t);
            }
            self.texts.push(Text {
                words: words.len(),
                members: Vec::new(),
            });
        }
        self.texts[t].members.push((pos, source));
        t
    }
}

/// Applies the batch-wide date rules to `out` (every article's statements,
/// article after article).
pub(crate) fn date_from_corpus(out: &mut [ExtractedStatement], evidence: &[Evidence]) {
    let mut words = Words::default();
    // The dated evidence: (speaker, date, source, words), in pool order.
    let mut pool: Vec<(&str, &str, &str, Vec<u32>)> = Vec::new();
    for s in out.iter() {
        if let (false, Some(d), false) = (
            s.speaker.is_empty(),
            &s.date,
            is_weak(s.date_rule.as_deref()),
        ) {
            pool.push((&s.speaker, d, &s.source, words.of(&s.text)));
        }
    }
    for e in evidence {
        pool.push((&e.speaker, &e.date, &e.source, words.of(&e.text)));
    }
    let mut speakers: HashMap<&str, Speaker> = HashMap::new();
    // Each piece of evidence: its date and the index of its text.
    let mut at = Vec::with_capacity(pool.len());
    for (pos, (speaker, date, source, w)) in pool.into_iter().enumerate() {
        let t = speakers
            .entry(speaker)
            .or_default()
            .add(pos, date, source, w);
        at.push((date, t));
    }
    let mut inter: Vec<u32> = Vec::new();
    let mut touched: Vec<usize> = Vec::new();
    let mut updates = Vec::new();
    for (i, s) in out.iter().enumerate() {
        let weak = s.date.is_none() || is_weak(s.date_rule.as_deref());
        if !weak || s.speaker.is_empty() {
            continue;
        }
        let Some(sp) = speakers.get(s.speaker.as_str()) else {
            continue;
        };
        let here = sp.by_source.get(s.source.as_str());
        let others = sp.total - here.map_or(0, |h| h.0);
        if others == 0 {
            continue;
        }
        let mut distinct = 0;
        for (d, n) in &sp.dates {
            if *n > here.and_then(|h| h.1.get(d)).copied().unwrap_or(0) {
                distinct += 1;
                if distinct > 1 {
                    break;
                }
            }
        }
        let query = words.of(&s.text);
        // Intersections with the speaker's texts that share a word.
        inter.clear();
        inter.resize(sp.texts.len(), 0);
        touched.clear();
        for w in &query {
            for &t in sp.postings.get(w).map_or(&[][..], Vec::as_slice) {
                if inter[t] == 0 {
                    touched.push(t);
                }
                inter[t] += 1;
            }
        }
        let similar = |t: usize| {
            let n = f64::from(inter[t]);
            let union = query.len() + sp.texts[t].words - inter[t] as usize;
            if union == 0 {
                0.0
            } else {
                n / union as f64
            }
        };
        // One date for the speaker everywhere: taken when two pieces of
        // evidence agree on it, or the one there is reads alike.
        if distinct == 1 {
            let (first, source) = sp.first.expect("the speaker has evidence");
            let j = if source != s.source {
                first
            } else {
                sp.first_elsewhere.expect("evidence from another source")
            };
            if others >= 2 || similar(at[j].1) >= SIMILAR {
                updates.push((i, at[j].0, "date-same-speaker-elsewhere"));
            }
            continue;
        }
        // The most alike elsewhere (the latest of equals).
        let best = touched
            .iter()
            .filter_map(|&t| sp.texts[t].last_outside(&s.source).map(|j| (similar(t), j)))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if let Some((score, j)) = best {
            if score >= SIMILAR {
                updates.push((i, at[j].0, "date-similar-statement"));
            }
        }
    }
    let updates: Vec<(usize, String, &str)> = updates
        .into_iter()
        .map(|(i, d, r)| (i, d.to_string(), r))
        .collect();
    for (i, date, rule) in updates {
        out[i].date = Some(date);
        out[i].date_rule = Some(rule.to_string());
    }
    // A statement still undated takes the date its speaker's previous
    // statement in the same article now has.
    let mut previous: HashMap<String, String> = HashMap::new();
    for i in 0..out.len() {
        if i > 0 && out[i - 1].source != out[i].source {
            previous.clear();
        }
        let s = &mut out[i];
        if s.speaker.is_empty() {
            continue;
        }
        let weak = s.date.is_none() || s.date_rule.as_deref() == Some("date-carried");
        if weak {
            if let Some(d) = previous.get(&s.speaker) {
                s.date = Some(d.clone());
                s.date_rule = Some("date-speaker-previous".to_string());
            }
        }
        if let (Some(d), false) = (&s.date, is_weak(s.date_rule.as_deref())) {
            previous.insert(s.speaker.clone(), d.clone());
        }
    }
    // Then the date of the statement before it in the same article.
    for i in 1..out.len() {
        if out[i].date.is_none() && out[i - 1].source == out[i].source && out[i - 1].date.is_some()
        {
            out[i].date = out[i - 1].date.clone();
            out[i].date_rule = Some("date-carried".to_string());
        }
    }
    date_after_corrected(out);
}

/// Date rules read in the statement's own words.
const OWN_DATES: &[&str] = &[
    "date-explicit",
    "date-weekday",
    "date-relative",
    "date-month",
    "date-post",
    "date-day-before",
];

/// Verbs of denial: a statement that denies what the speaker of the
/// statement before it said, naming that speaker, answers it.
const DENIALS: &[&str] = &[
    "démenti",
    "dément",
    "démentant",
    "nié",
    "niant",
    "denied",
    "denies",
    "denying",
    "dementiert",
    "dementierte",
    "bestritt",
    "desmintió",
    "desmiente",
    "negó",
];

/// Whether `c` answers `w`: the correction of the words `w` reports, or a
/// denial by someone else that names `w`'s speaker ("OpenAI a rapidement
/// démenti …, affirmant que Sarah Friar se trompait").
fn answers(c: &ExtractedStatement, w: &ExtractedStatement) -> bool {
    if c.rule == "correction" {
        return w.rule == "corrected-words";
    }
    let lower = c.text.to_lowercase();
    let denies = lower
        .split(|ch: char| !ch.is_alphanumeric())
        .any(|x| DENIALS.contains(&x));
    let surname = w.speaker.split_whitespace().last().unwrap_or("");
    denies && !surname.is_empty() && w.speaker != c.speaker && c.text.contains(surname)
}

/// A correction or denial that its words do not date comes after the
/// words it answers (the statement before it): it takes the earliest later
/// day that its article gives a statement, when there is one.
fn date_after_corrected(out: &mut [ExtractedStatement]) {
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    for i in 1..out.len() {
        let (c, w) = (&out[i], &out[i - 1]);
        if w.source != c.source
            || c.date_rule
                .as_deref()
                .is_some_and(|r| OWN_DATES.contains(&r))
            || !answers(c, w)
        {
            continue;
        }
        let Some(said) = w.date.as_deref().and_then(day) else {
            continue;
        };
        let later = out
            .iter()
            .filter(|s| s.source == c.source)
            .filter_map(|s| s.date.as_deref().and_then(day))
            .filter(|&d| d > said)
            .min();
        if let Some(d) = later {
            let c = &mut out[i];
            c.date = Some(d.format("%Y-%m-%d").to_string());
            c.date_rule = Some("date-after-corrected".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The pass written the direct way: every statement compared with
    /// every piece of evidence of its speaker.
    fn direct(out: &mut [ExtractedStatement], evidence: &[Evidence]) {
        let set = |t: &str| -> HashSet<String> {
            t.split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 4)
                .map(str::to_lowercase)
                .collect()
        };
        let mut pool: Vec<(String, String, HashSet<String>, String)> = Vec::new();
        for s in out.iter() {
            if let (false, Some(d), false) = (
                s.speaker.is_empty(),
                &s.date,
                is_weak(s.date_rule.as_deref()),
            ) {
                pool.push((s.speaker.clone(), d.clone(), set(&s.text), s.source.clone()));
            }
        }
        for e in evidence {
            pool.push((
                e.speaker.clone(),
                e.date.clone(),
                set(&e.text),
                e.source.clone(),
            ));
        }
        let mut updates = Vec::new();
        for (i, s) in out.iter().enumerate() {
            let weak = s.date.is_none() || is_weak(s.date_rule.as_deref());
            if !weak || s.speaker.is_empty() {
                continue;
            }
            let others: Vec<usize> = (0..pool.len())
                .filter(|&j| pool[j].0 == s.speaker && pool[j].3 != s.source)
                .collect();
            if others.is_empty() {
                continue;
            }
            let distinct: HashSet<&str> = others.iter().map(|&j| pool[j].1.as_str()).collect();
            let words = set(&s.text);
            let similar = |j: usize| {
                let inter = words.intersection(&pool[j].2).count();
                let union = words.len() + pool[j].2.len() - inter;
                if union == 0 {
                    0.0
                } else {
                    inter as f64 / union as f64
                }
            };
            if distinct.len() == 1 {
                if others.len() >= 2 || similar(others[0]) >= SIMILAR {
                    updates.push((i, pool[others[0]].1.clone(), "date-same-speaker-elsewhere"));
                }
                continue;
            }
            let best = others
                .iter()
                .map(|&j| (similar(j), j))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, j)) = best.filter(|b| b.0 >= SIMILAR) {
                updates.push((i, pool[j].1.clone(), "date-similar-statement"));
            }
        }
        for (i, d, r) in updates {
            out[i].date = Some(d);
            out[i].date_rule = Some(r.to_string());
        }
        for i in 1..out.len() {
            let weak = out[i].date.is_none() || out[i].date_rule.as_deref() == Some("date-carried");
            if !weak || out[i].speaker.is_empty() {
                continue;
            }
            let prev = (0..i)
                .rev()
                .take_while(|&j| out[j].source == out[i].source)
                .find(|&j| {
                    out[j].speaker == out[i].speaker
                        && out[j].date.is_some()
                        && !is_weak(out[j].date_rule.as_deref())
                });
            if let Some(j) = prev {
                out[i].date = out[j].date.clone();
                out[i].date_rule = Some("date-speaker-previous".to_string());
            }
        }
        for i in 1..out.len() {
            if out[i].date.is_none()
                && out[i - 1].source == out[i].source
                && out[i - 1].date.is_some()
            {
                out[i].date = out[i - 1].date.clone();
                out[i].date_rule = Some("date-carried".to_string());
            }
        }
    }

    /// A batch of statements drawn from a few speakers, sources, dates,
    /// rules and words (a fixed linear congruential sequence).
    fn batch(n: usize, seed: u64) -> (Vec<ExtractedStatement>, Vec<Evidence>) {
        let mut x = seed;
        let mut next = |m: usize| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as usize) % m
        };
        let speakers = ["", "Sam Altman", "Sarah Friar", "David Sacks"];
        let dates = [
            None,
            Some("2025-11-05"),
            Some("2025-11-06"),
            Some("2025-10"),
        ];
        let rules = [
            None,
            Some("date-carried"),
            Some("date-article"),
            Some("date-explicit"),
        ];
        let vocab = [
            "garantie",
            "fédérale",
            "prêts",
            "backstop",
            "gouvernement",
            "emprunts",
            "centres",
            "données",
            "bailout",
            "demandé",
            "jamais",
            "puces",
        ];
        let text = |next: &mut dyn FnMut(usize) -> usize| {
            (0..2 + next(6))
                .map(|_| vocab[next(vocab.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out = Vec::new();
        let mut source = 0;
        for k in 0..n {
            if next(4) == 0 {
                source += 1;
            }
            let date = dates[next(dates.len())];
            out.push(ExtractedStatement {
                id: format!("s{source}#{k}"),
                text: text(&mut next),
                speaker: speakers[next(speakers.len())].to_string(),
                role: None,
                date: date.map(str::to_string),
                source: format!("s{source}"),
                url: None,
                lang: "fr".to_string(),
                span: [0, 0],
                rule: "reported-speech".to_string(),
                speaker_rule: "speaker-subject".to_string(),
                date_rule: date.and(rules[next(rules.len())]).map(str::to_string),
                reason: None,
            });
        }
        let evidence = (0..n / 10)
            .map(|_| Evidence {
                speaker: speakers[1 + next(3)].to_string(),
                date: dates[1 + next(3)].unwrap().to_string(),
                text: text(&mut next),
                source: format!("s{}", next(source + 1)),
            })
            .collect();
        (out, evidence)
    }

    #[test]
    fn the_indexed_pass_dates_as_the_direct_one() {
        let mut changed = 0;
        for seed in 0..40 {
            let (statements, evidence) = batch(120, seed);
            let mut a = statements.clone();
            let mut b = statements.clone();
            date_from_corpus(&mut a, &evidence);
            direct(&mut b, &evidence);
            assert_eq!(a, b, "seed {seed}");
            changed += a.iter().zip(&statements).filter(|(x, y)| x != y).count();
        }
        // The batches exercise the rules, not only the statements left alone.
        assert!(changed > 100, "{changed}");
    }
}
