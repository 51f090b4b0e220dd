//! Statement dates as spans of days, so that a statement dated only by month
//! or year is never placed before or after a statement it may be level with.

use chrono::{Datelike, NaiveDate};

use crate::input::StatementDate;

/// The first and last day a statement date can denote (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateSpan {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DateSpan {
    /// The span of a parsed date: a whole year for `YYYY`, a whole month for
    /// `YYYY-MM`, one day otherwise.
    pub fn of(date: &StatementDate) -> Self {
        let raw = date.raw.trim();
        let start = date.day;
        let end = match raw.len() {
            4 => NaiveDate::from_ymd_opt(start.year(), 12, 31),
            7 => last_day_of_month(start),
            _ => Some(start),
        }
        .unwrap_or(start);
        Self { start, end }
    }

    /// One day.
    pub fn day(day: NaiveDate) -> Self {
        Self {
            start: day,
            end: day,
        }
    }

    /// Whether the whole span lies strictly before `day`.
    pub fn ends_before(&self, day: NaiveDate) -> bool {
        self.end < day
    }

    /// Whether the span is a single day.
    pub fn is_day(&self) -> bool {
        self.start == self.end
    }
}

fn last_day_of_month(first: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(raw: &str) -> DateSpan {
        DateSpan::of(&StatementDate::parse(raw).unwrap())
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn spans_follow_precision() {
        assert_eq!(span("2025-11-06"), DateSpan::day(d(2025, 11, 6)));
        assert_eq!(span("2025-11").end, d(2025, 11, 30));
        assert_eq!(span("2024-02").end, d(2024, 2, 29));
        assert_eq!(span("2025-12").end, d(2025, 12, 31));
        assert_eq!(span("2025").start, d(2025, 1, 1));
        assert_eq!(span("2025").end, d(2025, 12, 31));
        assert_eq!(span("2025-11-06T10:00:00Z"), DateSpan::day(d(2025, 11, 6)));
        assert!(span("2025-11").ends_before(d(2025, 12, 1)));
        assert!(!span("2025-11").ends_before(d(2025, 11, 30)));
        assert!(!span("2025-11").is_day());
    }
}
