//! Dates in articles: the article's own date, explicit dates and timestamps,
//! months, and relative days ("jeudi", "hier", "last Friday", "am
//! Dienstag", "el martes") resolved against a reference day, each kept at the
//! precision the text gives (`2025-09` stays a month).

use std::fmt;
use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use regex::Regex;

/// A date as precise as the text allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartialDate {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a timestamp starting with
    /// `YYYY-MM-DD` (RFC 3339 and the like).
    pub fn parse_iso(s: &str) -> Option<Self> {
        let s = s.trim();
        let head = s.get(..10).unwrap_or(s);
        if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
            return Some(PartialDate::Day(d));
        }
        let mut parts = s.split('-');
        let y: i32 = parts.next()?.parse().ok()?;
        if !(1000..=9999).contains(&y) {
            return None;
        }
        match parts.next() {
            None => Some(PartialDate::Year(y)),
            Some(m) => {
                let m: u32 = m.parse().ok()?;
                ((1..=12).contains(&m) && parts.next().is_none())
                    .then_some(PartialDate::Month(y, m))
            }
        }
    }

    /// The day, when the date is that precise.
    pub fn day(self) -> Option<NaiveDate> {
        match self {
            PartialDate::Day(d) => Some(d),
            _ => None,
        }
    }

    /// The year.
    pub fn year(self) -> i32 {
        match self {
            PartialDate::Year(y) | PartialDate::Month(y, _) => y,
            PartialDate::Day(d) => d.year(),
        }
    }

    /// The same date at month precision (a year stays a year).
    pub fn month_only(self) -> Self {
        match self {
            PartialDate::Day(d) => PartialDate::Month(d.year(), d.month()),
            other => other,
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            PartialDate::Day(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

/// A date found in a text: what it resolved to, where it was, and which
/// rule read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    pub date: PartialDate,
    /// Byte range in the text searched.
    pub start: usize,
    pub end: usize,
    pub rule: &'static str,
}

/// Month names and their usual abbreviations, in the four languages.
fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    let m = match w.as_str() {
        "janvier" | "janv" | "january" | "jan" | "januar" | "jänner" | "enero" | "ene" => 1,
        "février" | "fevrier" | "févr" | "fév" | "fev" | "february" | "feb" | "februar"
        | "febrero" => 2,
        "mars" | "march" | "mar" | "märz" | "marzo" => 3,
        "avril" | "avr" | "april" | "apr" | "abril" | "abr" => 4,
        "mai" | "may" | "mayo" => 5,
        "juin" | "june" | "jun" | "juni" | "junio" => 6,
        "juillet" | "juil" | "july" | "jul" | "juli" | "julio" => 7,
        "août" | "aout" | "august" | "aug" | "agosto" | "ago" => 8,
        "septembre" | "sept" | "sep" | "september" | "septiembre" | "setiembre" => 9,
        "octobre" | "oct" | "october" | "oktober" | "okt" | "octubre" => 10,
        "novembre" | "nov" | "november" | "noviembre" => 11,
        "décembre" | "decembre" | "déc" | "dec" | "december" | "dezember" | "dez" | "diciembre"
        | "dic" => 12,
        _ => return None,
    };
    Some(m)
}

/// Whether `word` names a month (or abbreviates one) in one of the four
/// languages.
pub fn is_month(word: &str) -> bool {
    month_number(word).is_some()
}

fn weekday(word: &str) -> Option<Weekday> {
    let w = word.to_lowercase();
    let d = match w.as_str() {
        "lundi" | "monday" | "montag" | "lunes" => Weekday::Mon,
        "mardi" | "tuesday" | "dienstag" | "martes" => Weekday::Tue,
        "mercredi" | "wednesday" | "mittwoch" | "miércoles" | "miercoles" => Weekday::Wed,
        "jeudi" | "thursday" | "donnerstag" | "jueves" => Weekday::Thu,
        "vendredi" | "friday" | "freitag" | "viernes" => Weekday::Fri,
        "samedi" | "saturday" | "samstag" | "sonnabend" | "sábado" | "sabado" => Weekday::Sat,
        "dimanche" | "sunday" | "sonntag" | "domingo" => Weekday::Sun,
        _ => return None,
    };
    Some(d)
}

const MONTHS: &str = "janvier|janv\\.?|février|fevrier|févr\\.?|mars|avril|avr\\.?|mai|juin|juillet|juil\\.?|août|aout|septembre|sept\\.?|octobre|oct\\.?|novembre|nov\\.?|décembre|déc\\.?|january|jan\\.?|february|feb\\.?|march|mar\\.?|april|apr\\.?|may|june|jun\\.?|july|jul\\.?|august|aug\\.?|september|sep\\.?|october|november|december|dec\\.?|januar|jänner|februar|märz|juni|juli|oktober|okt\\.?|dezember|dez\\.?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre";

const WEEKDAYS: &str = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo";

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid built-in pattern")
}

static ISO: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{4})-(\d{2})-(\d{2})\b"));
/// "27 octobre 2025", "6 nov. 2025", "27. Oktober", "27 de octubre de 2025".
static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(\d{{1,2}})(?:er|\.)?\s+(?:de\s+)?({MONTHS})(?:\s+(?:de\s+|del\s+)?(\d{{4}}))?(?:\b|\s|$)"
    ))
});
/// "October 27, 2025", "Nov. 6".
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b({MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"
    ))
});
/// "en septembre", "in September 2025", "im September", "en septiembre".
static IN_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(?:en|in|im|au mois de|since|depuis)\s+({MONTHS})(?:\s+(?:de\s+)?(\d{{4}}))?\b"
    ))
});
static WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(?:last\s+|dernier\s+)?({WEEKDAYS})\b(\s+dernier)?"
    ))
});
/// Relative days, with their offset from the reference day.
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(avant-hier|hier|aujourd'hui|aujourd’hui|the day before yesterday|yesterday|today|vorgestern|gestern|heute|anteayer|antier|ayer|hoy)\b",
    )
});
/// "un jour après que …", "the day after …": the clause is dated a day
/// before its anchor.
static DAY_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(un jour après|au lendemain de|the day after|a day after|einen tag nach|un día después)",
    )
});
/// Expressions that place a statement in a span of days without naming
/// one: they forbid carrying another statement's day over.
static VAGUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(cette semaine|en début de semaine|la semaine dernière|récemment|plus tôt cette semaine|this week|earlier this week|last week|recently|diese woche|anfang der woche|letzte woche|kürzlich|esta semana|la semana pasada|recientemente|a principios de semana)\b",
    )
});

fn relative_offset(word: &str) -> i64 {
    match word.to_lowercase().as_str() {
        "avant-hier" | "the day before yesterday" | "vorgestern" | "anteayer" | "antier" => -2,
        "hier" | "yesterday" | "gestern" | "ayer" => -1,
        _ => 0,
    }
}

/// The year of a day and month given without a year: the one that puts it
/// on or before the reference day (a news text reports the past).
fn year_for(month: u32, day: u32, reference: Option<PartialDate>) -> Option<i32> {
    let r = reference?;
    let y = r.year();
    match r {
        PartialDate::Day(rd) => {
            let candidate = NaiveDate::from_ymd_opt(y, month, day)?;
            Some(if candidate > rd + Duration::days(31) {
                y - 1
            } else {
                y
            })
        }
        PartialDate::Month(_, rm) => Some(if month > rm + 1 { y - 1 } else { y }),
        PartialDate::Year(_) => Some(y),
    }
}

/// The most recent `day` of the week on or before the reference day.
pub fn last_weekday(reference: NaiveDate, day: Weekday) -> NaiveDate {
    let back = (reference.weekday().num_days_from_monday() + 7 - day.num_days_from_monday()) % 7;
    reference - Duration::days(i64::from(back))
}

/// A day and month found at `m`, dated in the year written after them or,
/// without one, in the year the reference date implies.
fn explicit_day(
    m: regex::Match,
    day: u32,
    month: u32,
    year: Option<regex::Match>,
    reference: Option<PartialDate>,
) -> Option<FoundDate> {
    let year = match year {
        Some(y) => y.as_str().parse().ok(),
        None => year_for(month, day, reference),
    }?;
    let d = NaiveDate::from_ymd_opt(year, month, day)?;
    Some(FoundDate {
        date: PartialDate::Day(d),
        start: m.start(),
        end: m.end(),
        rule: "date-explicit",
    })
}

/// Every date expression in `text`, resolved against `reference` (the
/// article's day or the day of the post the text belongs to), in order.
/// Relative expressions need a reference day and are skipped without one;
/// a day and month without a year take the reference's year.
pub fn find_dates(text: &str, reference: Option<PartialDate>) -> Vec<FoundDate> {
    let mut out: Vec<FoundDate> = Vec::new();
    let push = |f: FoundDate, out: &mut Vec<FoundDate>| {
        if !out.iter().any(|o| o.start < f.end && f.start < o.end) {
            out.push(f);
        }
    };
    // Numeric dates need a digit; most sentences have none, and the
    // patterns' Unicode word boundaries make every search costly.
    let numeric = if text.chars().any(char::is_numeric) {
        text
    } else {
        ""
    };
    for c in ISO.captures_iter(numeric) {
        let m = c.get(0).expect("match");
        if let Some(d) = PartialDate::parse_iso(m.as_str()) {
            push(
                FoundDate {
                    date: d,
                    start: m.start(),
                    end: m.end(),
                    rule: "date-explicit",
                },
                &mut out,
            );
        }
    }
    for c in DAY_MONTH.captures_iter(numeric) {
        let m = c.get(0).expect("match");
        let day: u32 = c[1].parse().unwrap_or(0);
        let Some(month) = month_number(&c[2]) else {
            continue;
        };
        if let Some(found) = explicit_day(m, day, month, c.get(3), reference) {
            push(found, &mut out);
        }
    }
    for c in MONTH_DAY.captures_iter(numeric) {
        let m = c.get(0).expect("match");
        let Some(month) = month_number(&c[1]) else {
            continue;
        };
        // "May 5" needs a capital: "may" is also a verb.
        if c[1].eq_ignore_ascii_case("may") && !c[1].starts_with('M') {
            continue;
        }
        let day: u32 = c[2].parse().unwrap_or(0);
        if let Some(found) = explicit_day(m, day, month, c.get(3), reference) {
            push(found, &mut out);
        }
    }
    for c in IN_MONTH.captures_iter(text) {
        let m = c.get(0).expect("match");
        let Some(month) = month_number(&c[1]) else {
            continue;
        };
        let year = match c.get(2) {
            Some(y) => y.as_str().parse().ok(),
            None => year_for(month, 1, reference),
        };
        if let Some(y) = year {
            push(
                FoundDate {
                    date: PartialDate::Month(y, month),
                    start: m.start(),
                    end: m.end(),
                    rule: "date-month",
                },
                &mut out,
            );
        }
    }
    if let Some(rd) = reference.and_then(PartialDate::day) {
        for c in WEEKDAY.captures_iter(text) {
            let m = c.get(0).expect("match");
            let Some(wd) = weekday(&c[1]) else { continue };
            let last = m.as_str().to_lowercase();
            let mut d = last_weekday(rd, wd);
            // "last Friday" on a Friday means a week ago.
            if (last.starts_with("last") || last.contains("dernier")) && d == rd {
                d -= Duration::days(7);
            }
            push(
                FoundDate {
                    date: PartialDate::Day(d),
                    start: m.start(),
                    end: m.end(),
                    rule: "date-weekday",
                },
                &mut out,
            );
        }
        for c in RELATIVE.captures_iter(text) {
            let m = c.get(0).expect("match");
            let d = rd + Duration::days(relative_offset(m.as_str()));
            push(
                FoundDate {
                    date: PartialDate::Day(d),
                    start: m.start(),
                    end: m.end(),
                    rule: "date-relative",
                },
                &mut out,
            );
        }
    }
    out.sort_by_key(|f| f.start);
    out
}

/// Where "a day after …" opens in `text`, if it does.
pub fn day_after(text: &str) -> Option<usize> {
    DAY_AFTER.find(text).map(|m| m.end())
}

/// Whether `text` places itself in a span of days without naming one.
pub fn is_vague(text: &str) -> bool {
    VAGUE.is_match(text)
}

/// The days a vague expression of `text` allows ("cette semaine": the
/// reference day's week up to it; "en début de semaine": its Monday to
/// Wednesday; "la semaine dernière": the week before; "récemment": the
/// month before), or `None` when `text` has none. Without a reference
/// day, any day is allowed.
pub fn vague_span(text: &str, reference: Option<PartialDate>) -> Option<(NaiveDate, NaiveDate)> {
    let m = VAGUE.find(text)?;
    let (lo, hi) = (NaiveDate::MIN, NaiveDate::MAX);
    let Some(r) = reference.and_then(PartialDate::day) else {
        return Some((lo, hi));
    };
    let monday = r - Duration::days(i64::from(r.weekday().num_days_from_monday()));
    let w = m.as_str().to_lowercase();
    Some(
        if w.contains("début")
            || w.contains("anfang")
            || w.contains("principios")
            || w.contains("earlier")
        {
            (monday, (monday + Duration::days(2)).min(r))
        } else if w.contains("dernière")
            || w.contains("last")
            || w.contains("letzte")
            || w.contains("pasada")
        {
            (monday - Duration::days(7), monday - Duration::days(1))
        } else if w.contains("semaine")
            || w.contains("week")
            || w.contains("woche")
            || w.contains("semana")
        {
            (monday, r)
        } else {
            (r - Duration::days(31), r)
        },
    )
}

/// The date of an article from its first lines: `date: 2025-11-07`, a line
/// that is a date ("mercredi 26 novembre 2025", "November 6, 2025"), or a
/// line opening with one. Returns the date and the byte length of the
/// header to leave out of the article's sentences (0 when the date is on a
/// line of its own that is left out as a whole, see `header_lines`).
pub fn article_date(text: &str) -> Option<(PartialDate, usize, usize)> {
    static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)^\s*(?:date|datum|fecha|published|publié le|publicado)\s*[:=]?\s*(\d{4}-\d{2}(?:-\d{2}(?:[T ][0-9:.+\-Z]+)?)?)\s*",
        )
    });
    let mut offset = 0;
    for line in text.split_inclusive('\n').take(8) {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(c) = LABELLED.captures(line) {
            let m = c.get(0).expect("match");
            if let Some(d) = PartialDate::parse_iso(&c[1]) {
                return Some((d, start, start + m.end()));
            }
        }
        // A line that is an ISO date, at any precision ("2018-05").
        if trimmed.len() <= 10
            && trimmed.contains('-')
            && trimmed.starts_with(|c: char| c.is_ascii_digit())
        {
            if let Some(d) = PartialDate::parse_iso(trimmed) {
                return Some((d, start, offset));
            }
        }
        // A short line that is mostly a date.
        if trimmed.split_whitespace().count() <= 6 {
            let found = find_dates(trimmed, None);
            if let Some(f) = found.first() {
                if f.rule == "date-explicit" && f.end - f.start + 12 >= trimmed.len() {
                    return Some((f.date, start, offset));
                }
            }
        }
    }
    None
}

/// A date in a file name (`2025-11-07-article.txt`, `20251107_x.html`).
pub fn date_in_name(name: &str) -> Option<PartialDate> {
    static NAME: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?:^|[^0-9])(20\d{2}|19\d{2})-?(\d{2})-?(\d{2})(?:[^0-9]|$)"));
    let c = NAME.captures(name)?;
    let d = NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
    Some(PartialDate::Day(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> PartialDate {
        PartialDate::Day(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn first(text: &str, reference: Option<PartialDate>) -> Option<(String, &'static str)> {
        find_dates(text, reference)
            .first()
            .map(|f| (f.date.to_string(), f.rule))
    }

    #[test]
    fn precision_is_kept() {
        assert_eq!(
            PartialDate::parse_iso("2025-09").unwrap().to_string(),
            "2025-09"
        );
        assert_eq!(PartialDate::parse_iso("2025").unwrap().to_string(), "2025");
        assert_eq!(
            PartialDate::parse_iso("2025-11-06T16:52:00Z").unwrap(),
            day(2025, 11, 6)
        );
        assert_eq!(PartialDate::parse_iso("2025-13"), None);
    }

    #[test]
    fn explicit_dates_in_four_languages() {
        let r = Some(day(2025, 11, 8));
        assert_eq!(
            first("la lettre adressée le 27 octobre par", r).unwrap().0,
            "2025-10-27"
        );
        assert_eq!(
            first("16:52 UTC · 6 nov. 2025", None).unwrap().0,
            "2025-11-06"
        );
        assert_eq!(
            first("said on October 27, 2025 that", None).unwrap().0,
            "2025-10-27"
        );
        assert_eq!(
            first("am 27. Oktober 2025 erklärte", None).unwrap().0,
            "2025-10-27"
        );
        assert_eq!(
            first("el 27 de octubre de 2025", None).unwrap().0,
            "2025-10-27"
        );
        assert_eq!(
            first("an ISO 2025-10-27 date", None).unwrap().0,
            "2025-10-27"
        );
        // Without a year and without a reference, a day cannot be placed.
        assert_eq!(first("le 27 octobre", None), None);
    }

    #[test]
    fn a_day_without_year_stays_before_the_reference() {
        let r = Some(day(2026, 1, 5));
        assert_eq!(first("le 27 décembre", r).unwrap().0, "2025-12-27");
    }

    #[test]
    fn months_stay_months() {
        let r = Some(day(2025, 11, 7));
        assert_eq!(
            first("un livre blanc publié en septembre", r).unwrap(),
            ("2025-09".to_string(), "date-month")
        );
        assert_eq!(first("in September 2024", None).unwrap().0, "2024-09");
        assert_eq!(
            first("im März", Some(day(2025, 1, 15))).unwrap().0,
            "2024-03"
        );
    }

    #[test]
    fn weekdays_resolve_against_the_reference() {
        // 2025-11-07 is a Friday.
        let r = Some(day(2025, 11, 7));
        assert_eq!(
            first("a déclaré jeudi", r).unwrap(),
            ("2025-11-06".into(), "date-weekday")
        );
        assert_eq!(first("said last Friday", r).unwrap().0, "2025-10-31");
        assert_eq!(first("sagte am Dienstag", r).unwrap().0, "2025-11-04");
        assert_eq!(first("afirmó el martes", r).unwrap().0, "2025-11-04");
        assert_eq!(
            first("ce vendredi", Some(day(2025, 11, 8))).unwrap().0,
            "2025-11-07"
        );
        // No reference day, no weekday.
        assert_eq!(first("jeudi", None), None);
    }

    #[test]
    fn relative_days() {
        let r = Some(day(2025, 11, 7));
        assert_eq!(
            first("a-t-il dit hier", r).unwrap(),
            ("2025-11-06".into(), "date-relative")
        );
        assert_eq!(first("said yesterday", r).unwrap().0, "2025-11-06");
        assert_eq!(first("sagte gestern", r).unwrap().0, "2025-11-06");
        assert_eq!(first("dijo ayer", r).unwrap().0, "2025-11-06");
        assert_eq!(
            first("le Wall Street Journal d'aujourd'hui", r).unwrap().0,
            "2025-11-07"
        );
        assert_eq!(first("avant-hier", r).unwrap().0, "2025-11-05");
    }

    #[test]
    fn article_dates_from_headers() {
        let (d, _, end) = article_date(" date 2025-11-07 Selon M. Altman").unwrap();
        assert_eq!(d, day(2025, 11, 7));
        assert_eq!(
            &" date 2025-11-07 Selon M. Altman"[end..],
            "Selon M. Altman"
        );
        let (d, _, _) = article_date("mercredi 26 novembre 2025\n\nUSA. Un décret").unwrap();
        assert_eq!(d, day(2025, 11, 26));
        let (d, _, _) = article_date("Title\nNovember 6, 2025\nBody text here.").unwrap();
        assert_eq!(d, day(2025, 11, 6));
        assert_eq!(article_date("Un texte sans date.\nEt une suite."), None);
        assert_eq!(date_in_name("2025-11-07_story.txt"), Some(day(2025, 11, 7)));
        assert_eq!(date_in_name("000_7ccc654402541be8.txt"), None);
    }

    #[test]
    fn vague_spans_and_day_after() {
        assert!(is_vague("Cette semaine, Sarah Friar a déclaré"));
        assert!(is_vague("earlier this week"));
        assert!(!is_vague("a déclaré jeudi"));
        let r = Some(day(2025, 11, 7));
        let (from, to) = vague_span("en début de semaine", r).unwrap();
        assert_eq!(
            (from.to_string(), to.to_string()),
            ("2025-11-03".into(), "2025-11-05".into())
        );
        let (from, to) = vague_span("Cette semaine, elle a dit", r).unwrap();
        assert_eq!(
            (from.to_string(), to.to_string()),
            ("2025-11-03".into(), "2025-11-07".into())
        );
        assert_eq!(vague_span("jeudi", r), None);
        assert!(day_after("interviennent un jour après que le directeur").is_some());
    }
}
