//! One attributed, optionally dated statement: the unit volte reads.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A date as precise as the source allows: a year, a month or a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementDate {
    /// The text as written in the input (`2025`, `2025-11`, `2025-11-06`, or an RFC 3339 time).
    pub raw: String,
    /// The first day the text can denote; used for ordering.
    pub day: NaiveDate,
}

impl PartialOrd for StatementDate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for StatementDate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.day
            .cmp(&other.day)
            .then_with(|| self.raw.cmp(&other.raw))
    }
}

impl StatementDate {
    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, an RFC 3339 timestamp, or a
    /// date and time as pandas writes them (`2025-10-27 00:00:00`,
    /// `2025-10-27T00:00:00`, optionally with fractional seconds and a UTC
    /// offset). A time of day never changes the date: the day is the one
    /// written, whatever the offset.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        let day = if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            d
        } else if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
            dt.date_naive()
        } else if let Some(d) = parse_date_time(s) {
            d
        } else if let Some(d) = parse_year_month(s) {
            d
        } else if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
            let y: i32 = s.parse().map_err(|_| format!("bad year {s:?}"))?;
            NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(|| format!("bad year {s:?}"))?
        } else {
            return Err(format!(
                "bad date {s:?}: expected YYYY, YYYY-MM, YYYY-MM-DD, an RFC 3339 timestamp \
                 or YYYY-MM-DD HH:MM:SS"
            ));
        };
        Ok(Self {
            raw: s.to_string(),
            day,
        })
    }
}

/// The date of `YYYY-MM-DD HH:MM[:SS[.f]]` (a space or `T` between),
/// optionally followed by `Z` or a UTC offset (`+01:00`, `+0100`).
fn parse_date_time(s: &str) -> Option<NaiveDate> {
    let (date, time) = s.split_at_checked(10)?;
    let time = time.strip_prefix(' ').or_else(|| time.strip_prefix('T'))?;
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let clock = time
        .strip_suffix('Z')
        .or_else(|| {
            let at = time.rfind(['+', '-'])?;
            let (clock, offset) = time.split_at(at);
            let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
            (digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit())).then_some(clock)
        })
        .unwrap_or(time);
    ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .any(|f| chrono::NaiveTime::parse_from_str(clock, f).is_ok())
        .then_some(day)
}

fn parse_year_month(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

/// A statement with its metadata. `line` is the 1-based line (or CSV record)
/// it came from, so errors and reports can point back to the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub id: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<StatementDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Values of the extra fields the reader was asked for
    /// ([`crate::input::reader::FieldMap::extra`]), in that order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<String>,
    pub line: usize,
}

impl Statement {
    /// The speaker, trimmed, when there is one: a blank speaker field names
    /// no one, so it must neither open a timeline of its own nor count as a
    /// speaker of a topic.
    pub fn speaker_name(&self) -> Option<&str> {
        self.speaker
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_every_precision() {
        assert_eq!(
            StatementDate::parse("2025-11-06").unwrap().day,
            NaiveDate::from_ymd_opt(2025, 11, 6).unwrap()
        );
        assert_eq!(
            StatementDate::parse("2025-11").unwrap().day,
            NaiveDate::from_ymd_opt(2025, 11, 1).unwrap()
        );
        assert_eq!(
            StatementDate::parse("2025").unwrap().day,
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
        );
        assert_eq!(
            StatementDate::parse("2025-11-06T10:00:00Z").unwrap().day,
            NaiveDate::from_ymd_opt(2025, 11, 6).unwrap()
        );
        assert!(StatementDate::parse("2025-13-01").is_err());
        assert!(StatementDate::parse("2025-11-06 25:00:00").is_err());
        assert!(StatementDate::parse("2025-11-06 10:00:00 nonsense").is_err());
        assert!(StatementDate::parse("yesterday").is_err());
        assert!(StatementDate::parse("2025-11") < StatementDate::parse("2025-11-06"));
    }

    #[test]
    fn pandas_timestamps_are_dates() {
        let day = NaiveDate::from_ymd_opt(2025, 10, 27).unwrap();
        for s in [
            "2025-10-27 00:00:00",
            "2025-10-27T00:00:00",
            "2025-10-27 13:45:10.123456",
            "2025-10-27T13:45",
            "2025-10-27 23:00:00+01:00",
            "2025-10-27 23:00:00-0500",
            "2025-10-27 23:00:00Z",
        ] {
            let d = StatementDate::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(d.day, day, "{s}");
            assert_eq!(d.raw, s);
        }
    }

    #[test]
    fn blank_speakers_name_no_one() {
        let with = |speaker: Option<&str>| Statement {
            id: "s1".into(),
            text: "text".into(),
            speaker: speaker.map(str::to_string),
            date: None,
            source: None,
            lang: None,
            extra: Vec::new(),
            line: 1,
        };
        assert_eq!(
            with(Some("  Ada Lovelace ")).speaker_name(),
            Some("Ada Lovelace")
        );
        assert_eq!(with(Some(" \t ")).speaker_name(), None);
        assert_eq!(with(Some("")).speaker_name(), None);
        assert_eq!(with(None).speaker_name(), None);
    }
}
