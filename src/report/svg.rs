//! Stance timelines as inline SVG: stance (−1 … +1) against date, one line
//! per speaker in the speaker's page-wide style, date ticks at calendar
//! intervals, statements of one date pooled into one point with their
//! count, month- and year-only dates drawn across the span they denote, a
//! tooltip per point, and a turn's two dates marked.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use chrono::{Datelike, Months, NaiveDate};

use crate::input::StatementDate;

const WIDTH: f64 = 760.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 24.0;
const PLOT_H: f64 = 150.0;
/// Room under the plot for the tick labels.
const TICKS_H: f64 = 22.0;
const LEGEND_ROW: f64 = 16.0;
/// At most this many date ticks.
const MAX_TICKS: usize = 8;
/// Average advance of an 11 px character, to lay out legend entries.
const CHAR_W: f64 = 6.4;

/// Okabe & Ito's colour-blind-safe palette (yellow last: the weakest on white).
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442",
];

/// Point shapes; with the colours they tell up to 32 speakers apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
}

const MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
];

/// How one speaker is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesStyle {
    pub colour: &'static str,
    pub marker: Marker,
}

/// One style per speaker for a whole page, so a speaker looks the same in
/// every chart: colours in order of first appearance, then shapes.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    index: HashMap<String, usize>,
}

impl Palette {
    /// Styles for `speakers`, in order of first appearance.
    pub fn new<'a>(speakers: impl IntoIterator<Item = &'a str>) -> Self {
        let mut index = HashMap::new();
        for s in speakers {
            let next = index.len();
            index.entry(s.to_string()).or_insert(next);
        }
        Self { index }
    }

    /// The style of `speaker` (a speaker the palette does not know gets the
    /// style after the last known one).
    pub fn style(&self, speaker: &str) -> SeriesStyle {
        let k = self.index.get(speaker).copied().unwrap_or(self.index.len());
        SeriesStyle {
            colour: PALETTE[k % PALETTE.len()],
            marker: MARKERS[(k / PALETTE.len()) % MARKERS.len()],
        }
    }
}

/// The days a date denotes: one day, or a whole month (`2025-09`) or year
/// (`2025`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Span {
    /// One day.
    #[cfg(test)]
    pub fn day(d: NaiveDate) -> Self {
        Self { first: d, last: d }
    }

    /// The span of a date as written in the input.
    pub fn parse(raw: &str) -> Option<Self> {
        let date = StatementDate::parse(raw).ok()?;
        let s = raw.trim();
        let first = date.day;
        let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
        let last = if s.len() == 4 && digits(s) {
            NaiveDate::from_ymd_opt(first.year(), 12, 31)?
        } else if s.len() == 7 && digits(&s[..4]) && digits(&s[5..]) {
            first.checked_add_months(Months::new(1))?.pred_opt()?
        } else {
            first
        };
        Some(Self { first, last })
    }

    fn days(&self) -> i64 {
        (self.last - self.first).num_days()
    }
}

/// One statement on a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    pub when: Span,
    /// The date as written (shown in the tooltip).
    pub date: String,
    pub stance: f32,
    /// Tooltip text.
    pub label: String,
}

/// One speaker's line.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    pub name: String,
    pub style: SeriesStyle,
    pub points: Vec<ChartPoint>,
}

/// A turn between two dates, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub from: String,
    pub to: String,
}

/// A chart of one topic (or one shift).
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Accessible title.
    pub title: String,
    pub series: Vec<ChartSeries>,
    /// The turn to mark (shaded between its dates).
    pub turn: Option<Turn>,
}

/// Escapes text for XML content and attributes.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// The statements of one series that share a date, drawn as one point.
struct Pooled<'a> {
    when: Span,
    date: &'a str,
    stance: f32,
    members: Vec<&'a ChartPoint>,
}

fn pool(points: &[ChartPoint]) -> Vec<Pooled<'_>> {
    let mut by_date: BTreeMap<(Span, &str), Vec<&ChartPoint>> = BTreeMap::new();
    for p in points {
        by_date.entry((p.when, &p.date)).or_default().push(p);
    }
    by_date
        .into_iter()
        .map(|((when, date), members)| Pooled {
            when,
            date,
            stance: members.iter().map(|p| p.stance).sum::<f32>() / members.len() as f32,
            members,
        })
        .collect()
}

/// Calendar steps for date ticks, finest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Days(u32),
    Months(u32),
    Years(i32),
}

const STEPS: [Step; 13] = [
    Step::Days(1),
    Step::Days(2),
    Step::Days(7),
    Step::Months(1),
    Step::Months(2),
    Step::Months(3),
    Step::Months(6),
    Step::Years(1),
    Step::Years(2),
    Step::Years(5),
    Step::Years(10),
    Step::Years(25),
    Step::Years(100),
];

fn ticks_with(step: Step, lo: NaiveDate, hi: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = match step {
        Step::Days(_) => lo,
        Step::Months(k) => {
            let mut d = NaiveDate::from_ymd_opt(lo.year(), lo.month(), 1).expect("valid date");
            while d < lo || !d.month0().is_multiple_of(k) {
                d = d + Months::new(1);
            }
            d
        }
        Step::Years(k) => {
            let mut y = lo.year();
            while y.rem_euclid(k) != 0 || NaiveDate::from_ymd_opt(y, 1, 1).expect("year") < lo {
                y += 1;
            }
            NaiveDate::from_ymd_opt(y, 1, 1).expect("valid date")
        }
    };
    while d <= hi && out.len() <= MAX_TICKS {
        out.push(d);
        d = match step {
            Step::Days(k) => d + chrono::Duration::days(k as i64),
            Step::Months(k) => d + Months::new(k),
            Step::Years(k) => NaiveDate::from_ymd_opt(d.year() + k, 1, 1).expect("valid date"),
        };
    }
    out
}

/// Day steps for ranges where the calendar steps give too few ticks (a
/// little over two weeks, one or two months).
const FALLBACK: [Step; 4] = [Step::Days(3), Step::Days(4), Step::Days(10), Step::Days(14)];

/// Fewest ticks a chart should have.
const MIN_TICKS: usize = 3;

/// Date ticks between `lo` and `hi` at the finest calendar step that gives
/// at most [`MAX_TICKS`] (and a day step when that gives fewer than
/// [`MIN_TICKS`]), with their label format.
fn ticks(lo: NaiveDate, hi: NaiveDate) -> (Vec<NaiveDate>, &'static str) {
    let format = |step: Step| match step {
        Step::Days(_) => "%Y-%m-%d",
        Step::Months(_) => "%Y-%m",
        Step::Years(_) => "%Y",
    };
    for step in STEPS {
        let t = ticks_with(step, lo, hi);
        if t.len() <= MAX_TICKS {
            if t.len() < MIN_TICKS {
                for f in FALLBACK {
                    let u = ticks_with(f, lo, hi);
                    if (MIN_TICKS..=MAX_TICKS).contains(&u.len()) {
                        return (u, format(f));
                    }
                }
            }
            return (t, format(step));
        }
    }
    (vec![lo, hi], "%Y")
}

/// The width of an 11 px label.
fn text_width(text: &str) -> f64 {
    CHAR_W * text.chars().count() as f64
}

/// Where a label of width `w` wanted at `x` with `anchor` is drawn so that
/// it stays inside the chart: moved in, or turned to the other side.
fn inside(x: f64, w: f64, anchor: &'static str) -> (f64, &'static str) {
    const EDGE: f64 = 2.0;
    match anchor {
        "middle" if x + w / 2.0 > WIDTH - EDGE => (WIDTH - EDGE, "end"),
        "middle" if x - w / 2.0 < EDGE => (EDGE, "start"),
        "end" if x - w < EDGE => (x + 6.0, "start"),
        "start" if x + w > WIDTH - EDGE => (x - 6.0, "end"),
        _ => (x, anchor),
    }
}

/// The extent of a label drawn at `x` with `anchor`.
fn extent(x: f64, w: f64, anchor: &str) -> (f64, f64) {
    match anchor {
        "end" => (x - w, x),
        "start" => (x, x + w),
        _ => (x - w / 2.0, x + w / 2.0),
    }
}

/// A legend entry's width.
fn key_width(name: &str) -> f64 {
    24.0 + CHAR_W * name.chars().count() as f64 + 12.0
}

/// Legend rows: the entries (index, x) of each row, wrapped to the width.
fn legend_rows(series: &[ChartSeries]) -> Vec<Vec<(usize, f64)>> {
    let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut x = LEFT;
    for (k, s) in series.iter().enumerate() {
        let w = key_width(&s.name);
        if rows.is_empty() || (x + w > WIDTH - RIGHT && x > LEFT) {
            rows.push(Vec::new());
            x = LEFT;
        }
        rows.last_mut().expect("a row").push((k, x));
        x += w;
    }
    rows
}

fn marker(out: &mut String, m: Marker, x: f64, y: f64, r: f64, colour: &str) {
    let _ = match m {
        Marker::Circle => write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{colour}">"#
        ),
        Marker::Square => write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}">"#,
            x - r,
            y - r,
            2.0 * r,
            2.0 * r
        ),
        Marker::Triangle => write!(
            out,
            r#"<path d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" fill="{colour}">"#,
            y - 1.2 * r,
            x + 1.1 * r,
            y + 0.8 * r,
            x - 1.1 * r,
            y + 0.8 * r
        ),
        Marker::Diamond => write!(
            out,
            r#"<path d="M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z" fill="{colour}">"#,
            y - 1.3 * r,
            x + 1.3 * r,
            y + 1.3 * r,
            x - 1.3 * r
        ),
    };
}

fn marker_end(m: Marker) -> &'static str {
    match m {
        Marker::Circle => "</circle>",
        Marker::Square => "</rect>",
        Marker::Triangle | Marker::Diamond => "</path>",
    }
}

/// Renders a chart as an `<svg class="timeline">` element.
pub fn render(chart: &Chart) -> String {
    let turn = chart
        .turn
        .as_ref()
        .and_then(|t| Span::parse(&t.from).zip(Span::parse(&t.to)));
    let spans = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.when))
        .chain(turn.iter().flat_map(|t| [t.0, t.1]));
    let lo = spans.clone().map(|s| s.first).min();
    let hi = spans.map(|s| s.last).max();
    let (mut lo, mut hi) = match lo.zip(hi) {
        Some(r) => r,
        None => {
            let day = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
            (day, day)
        }
    };
    // Pad so that points at the ends sit inside the plot.
    let pad = ((hi - lo).num_days() / 20).max(1);
    lo -= chrono::Duration::days(pad);
    hi += chrono::Duration::days(pad);
    let span = (hi - lo).num_days().max(1) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let xd = |days: f64| LEFT + days / span * plot_w;
    let x = |d: NaiveDate| xd((d - lo).num_days() as f64);
    // A span's point sits in its middle (a day at its own tick).
    let xm = |s: Span| xd((s.first - lo).num_days() as f64 + s.days() as f64 / 2.0);
    let y = |s: f32| TOP + (1.0 - s.clamp(-1.0, 1.0) as f64) / 2.0 * PLOT_H;

    let rows = legend_rows(&chart.series);
    let legend_top = TOP + PLOT_H + TICKS_H + 6.0;
    let height = legend_top + LEGEND_ROW * rows.len() as f64 + 4.0;

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{}">"#,
        escape(&chart.title)
    );
    let _ = write!(out, "<title>{}</title>", escape(&chart.title));

    // Date ticks and their grid lines.
    let (tick_days, format) = ticks(lo, hi);
    for d in tick_days {
        let xx = x(d);
        let label = d.format(format).to_string();
        let (lx, anchor) = inside(xx, text_width(&label), "middle");
        let _ = write!(
            out,
            r##"<g class="tick"><line x1="{xx:.1}" y1="{TOP}" x2="{xx:.1}" y2="{:.1}" stroke="#e5e7eb" stroke-width="1"/><text x="{lx:.1}" y="{:.1}" font-size="11" text-anchor="{anchor}" fill="#374151">{label}</text></g>"##,
            TOP + PLOT_H + 4.0,
            TOP + PLOT_H + 16.0,
        );
    }
    if let (Some((from, to)), Some(t)) = (turn, &chart.turn) {
        let (x0, x1) = (xm(from), xm(to));
        let _ = write!(
            out,
            r##"<g class="turn"><rect x="{x0:.1}" y="{TOP}" width="{:.1}" height="{PLOT_H:.1}" fill="#fde68a" opacity="0.6"/>"##,
            (x1 - x0).max(2.0)
        );
        // The first date left of its line, the second right of its own;
        // turned inwards at the chart's edges, and the first raised when
        // the two would overlap.
        let from_label = inside(x0 - 3.0, text_width(&t.from), "end");
        let to_label = inside(x1 + 3.0, text_width(&t.to), "start");
        let (a, b) = (
            extent(from_label.0, text_width(&t.from), from_label.1),
            extent(to_label.0, text_width(&t.to), to_label.1),
        );
        let overlap = a.0 < b.1 + 4.0 && b.0 < a.1 + 4.0;
        for (xx, raw, (lx, anchor), ly) in [
            (
                x0,
                &t.from,
                from_label,
                if overlap { TOP - 15.0 } else { TOP - 5.0 },
            ),
            (x1, &t.to, to_label, TOP - 5.0),
        ] {
            let _ = write!(
                out,
                r##"<line x1="{xx:.1}" y1="{TOP}" x2="{xx:.1}" y2="{:.1}" stroke="#b45309" stroke-width="1" stroke-dasharray="4 2"/><text class="turn-date" x="{lx:.1}" y="{ly:.1}" font-size="11" text-anchor="{anchor}" fill="#92400e">{}</text>"##,
                TOP + PLOT_H,
                escape(raw)
            );
        }
        out.push_str("</g>");
    }
    // Guide lines at +1, 0, −1.
    for (v, label) in [(1.0f32, "+1"), (0.0, "0"), (-1.0, "−1")] {
        let yy = y(v);
        let dash = if v == 0.0 {
            ""
        } else {
            r#" stroke-dasharray="3 3""#
        };
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#9ca3af" stroke-width="1"{dash}/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#374151">{label}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            yy + 4.0
        );
    }

    for series in &chart.series {
        let SeriesStyle { colour, marker: m } = series.style;
        let pooled = pool(&series.points);
        let mut line: Vec<&Pooled> = pooled.iter().collect();
        line.sort_by_key(|p| (xm(p.when) * 10.0) as i64);
        let path: Vec<String> = line
            .iter()
            .map(|p| format!("{:.1},{:.1}", xm(p.when), y(p.stance)))
            .collect();
        let _ = write!(
            out,
            r#"<g class="series" data-speaker="{}" data-colour="{colour}"><polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            escape(&series.name),
            path.join(" ")
        );
        for p in line {
            let (px, py) = (xm(p.when), y(p.stance));
            if p.when.days() > 0 {
                // A month or a year: the span it denotes.
                let _ = write!(
                    out,
                    r#"<line class="span" x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="{colour}" stroke-width="3" opacity="0.45"/>"#,
                    x(p.when.first),
                    x(p.when.last).max(x(p.when.first) + 2.0)
                );
            }
            let n = p.members.len();
            let r = 4.0 + 1.5 * (n as f64).ln();
            marker(&mut out, m, px, py, r, colour);
            let title = if n == 1 {
                p.members[0].label.clone()
            } else {
                let lines: Vec<&str> = p.members.iter().map(|q| q.label.as_str()).collect();
                format!(
                    "{} · {n} statements on {} (mean {:+.2}):\n{}",
                    series.name,
                    p.date,
                    p.stance,
                    lines.join("\n")
                )
            };
            let _ = write!(out, "<title>{}</title>{}", escape(&title), marker_end(m));
            if n > 1 {
                let _ = write!(
                    out,
                    r##"<text class="count" x="{:.1}" y="{:.1}" font-size="10" fill="#111827">×{n}</text>"##,
                    px + r + 1.0,
                    py - r
                );
            }
        }
        out.push_str("</g>");
    }

    out.push_str(r#"<g class="legend">"#);
    for (row, entries) in rows.iter().enumerate() {
        let ly = legend_top + LEGEND_ROW * row as f64 + 10.0;
        for &(k, lx) in entries {
            let s = &chart.series[k];
            let _ = write!(out, r#"<g class="key" data-speaker="{}">"#, escape(&s.name));
            marker(
                &mut out,
                s.style.marker,
                lx + 6.0,
                ly - 4.0,
                5.0,
                s.style.colour,
            );
            let _ = write!(
                out,
                r##"<title>{}</title>{}<text x="{:.1}" y="{ly:.1}" font-size="11" fill="#111827">{}</text></g>"##,
                escape(&s.name),
                marker_end(s.style.marker),
                lx + 16.0,
                escape(&s.name)
            );
        }
    }
    out.push_str("</g></svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).unwrap()
    }

    fn point(raw: &str, stance: f32, label: &str) -> ChartPoint {
        ChartPoint {
            when: Span::parse(raw).unwrap(),
            date: raw.into(),
            stance,
            label: label.into(),
        }
    }

    fn series(name: &str, points: Vec<ChartPoint>) -> ChartSeries {
        ChartSeries {
            name: name.into(),
            style: Palette::default().style(name),
            points,
        }
    }

    #[test]
    fn renders_series_points_ticks_and_turn() {
        let chart = Chart {
            title: "Topic <1> & co".into(),
            series: vec![series(
                "A \"B\"",
                vec![
                    point("2024-03-01", -0.5, "s2"),
                    point("2024-01-01", 0.5, "s1"),
                ],
            )],
            turn: Some(Turn {
                from: "2024-01-01".into(),
                to: "2024-03-01".into(),
            }),
        };
        let svg = render(&chart);
        assert!(svg.starts_with("<svg class=\"timeline\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 3, "two points and a key");
        assert!(svg.contains("class=\"turn\""));
        assert_eq!(svg.matches("class=\"turn-date\"").count(), 2);
        assert!(svg.contains("Topic &lt;1&gt; &amp; co"));
        assert!(svg.contains("A &quot;B&quot;"));
        // Monthly ticks over two months.
        assert!(
            svg.contains(">2024-01<") && svg.contains(">2024-02<") && svg.contains(">2024-03<")
        );
    }

    #[test]
    fn same_date_points_pool_with_their_count() {
        let chart = Chart {
            title: "t".into(),
            series: vec![series(
                "A",
                vec![
                    point("2025-10-27", 0.8, "first"),
                    point("2025-10-27", -0.8, "second"),
                    point("2025-11-03", 0.1, "third"),
                ],
            )],
            turn: None,
        };
        let svg = render(&chart);
        let series_part =
            &svg[svg.find("class=\"series\"").unwrap()..svg.find("class=\"legend\"").unwrap()];
        assert_eq!(series_part.matches("<circle").count(), 2);
        assert!(svg.contains("×2"));
        assert!(svg.contains("2 statements on 2025-10-27 (mean +0.00)"));
        assert!(svg.contains("first") && svg.contains("second"));
    }

    #[test]
    fn month_dates_span_their_month() {
        let s = Span::parse("2025-09").unwrap();
        assert_eq!(s.first, NaiveDate::from_ymd_opt(2025, 9, 1).unwrap());
        assert_eq!(s.last, NaiveDate::from_ymd_opt(2025, 9, 30).unwrap());
        let y = Span::parse("2024").unwrap();
        assert_eq!(y.last, d(12, 31));
        assert_eq!(Span::parse("2024-02-29").unwrap(), Span::day(d(2, 29)));
        let chart = Chart {
            title: "t".into(),
            series: vec![series(
                "A",
                vec![point("2025-09", 0.5, "m"), point("2025-12-01", 0.0, "d")],
            )],
            turn: None,
        };
        let svg = render(&chart);
        assert_eq!(svg.matches("class=\"span\"").count(), 1);
    }

    #[test]
    fn labels_stay_inside_the_chart() {
        assert_eq!(inside(WIDTH - 10.0, 64.0, "middle"), (WIDTH - 2.0, "end"));
        assert_eq!(inside(10.0, 64.0, "middle"), (2.0, "start"));
        assert_eq!(inside(30.0, 64.0, "end"), (36.0, "start"));
        assert_eq!(inside(WIDTH - 30.0, 64.0, "start"), (WIDTH - 36.0, "end"));
        assert_eq!(inside(300.0, 64.0, "middle"), (300.0, "middle"));
        // A turn at the chart's start: both dates legible, none cut.
        let chart = Chart {
            title: "t".into(),
            series: vec![series(
                "A",
                vec![
                    point("2025-11-06", 0.5, "a"),
                    point("2025-11-24", -0.5, "b"),
                ],
            )],
            turn: Some(Turn {
                from: "2025-11-06".into(),
                to: "2025-11-24".into(),
            }),
        };
        let svg = render(&chart);
        for part in svg.split("<text").skip(1) {
            let x: f64 = part[part.find("x=\"").unwrap() + 3..]
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=WIDTH).contains(&x), "{part}");
        }
    }

    #[test]
    fn ticks_fit_every_range() {
        for (lo, hi) in [
            (d(1, 1), d(1, 3)),
            (d(1, 1), d(1, 17)),
            (d(1, 1), d(3, 1)),
            (d(1, 15), d(3, 14)),
            (d(1, 1), d(2, 20)),
            (d(1, 1), d(12, 31)),
            (
                NaiveDate::from_ymd_opt(2003, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            ),
        ] {
            let (t, _) = ticks(lo, hi);
            assert!(
                (MIN_TICKS..=MAX_TICKS).contains(&t.len()),
                "{lo} {hi}: {t:?}"
            );
            assert!(t.iter().all(|&x| lo <= x && x <= hi));
            assert!(t.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn palette_is_stable_and_legend_names_are_whole() {
        let p = Palette::new(["a", "b", "a", "c"]);
        assert_eq!(p.style("a").colour, PALETTE[0]);
        assert_eq!(p.style("c").colour, PALETTE[2]);
        let many = Palette::new(
            (0..10).map(|k| ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"][k]),
        );
        assert_eq!(many.style("s8").colour, PALETTE[0]);
        assert_eq!(many.style("s8").marker, Marker::Square);
        let long = "Administration Trump (White House press office)";
        let chart = Chart {
            title: "t".into(),
            series: (0..6)
                .map(|k| series(&format!("{long} {k}"), vec![point("2024-05-05", 2.0, "x")]))
                .collect(),
            turn: None,
        };
        let svg = render(&chart);
        assert!(svg.contains(&format!(">{long} 5</text>")));
        assert!(legend_rows(&chart.series).len() > 1);
        let empty = Chart {
            title: "t".into(),
            series: vec![],
            turn: None,
        };
        assert!(render(&empty).contains("</svg>"));
    }
}
