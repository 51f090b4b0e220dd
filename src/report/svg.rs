//! Stance timelines as inline SVG: stance (−1 … +1) against date, one line
//! per speaker, a tooltip per statement, and an optional band marking a turn.

use std::fmt::Write;

use chrono::NaiveDate;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;

/// Line colours (colour-blind friendly).
const PALETTE: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7f7f7f", "#000000",
];

/// One statement on a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    pub date: NaiveDate,
    pub stance: f32,
    /// Tooltip text.
    pub label: String,
}

/// One speaker's line.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    pub name: String,
    pub points: Vec<ChartPoint>,
}

/// A chart of one topic (or one shift).
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Accessible title.
    pub title: String,
    pub series: Vec<ChartSeries>,
    /// Days between which a turn happened (shaded).
    pub turn: Option<(NaiveDate, NaiveDate)>,
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

/// Renders a chart as an `<svg class="timeline">` element.
pub fn render(chart: &Chart) -> String {
    let dates = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.date))
        .chain(chart.turn.iter().flat_map(|t| [t.0, t.1]));
    let (mut lo, mut hi) = match dates.clone().min().zip(dates.max()) {
        Some(r) => r,
        None => {
            let today = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
            (today, today)
        }
    };
    // Pad so that single dates sit inside the plot.
    let pad = ((hi - lo).num_days() / 20).max(1);
    lo -= chrono::Duration::days(pad);
    hi += chrono::Duration::days(pad);
    let span = (hi - lo).num_days().max(1) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |d: NaiveDate| LEFT + (d - lo).num_days() as f64 / span * plot_w;
    let y = |s: f32| TOP + (1.0 - s.clamp(-1.0, 1.0) as f64) / 2.0 * plot_h;

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{}">"#,
        escape(&chart.title)
    );
    let _ = write!(out, "<title>{}</title>", escape(&chart.title));
    if let Some((from, to)) = chart.turn {
        let (x0, x1) = (x(from), x(to));
        let _ = write!(
            out,
            r##"<rect class="turn" x="{x0:.1}" y="{TOP}" width="{:.1}" height="{plot_h:.1}" fill="#fde68a" opacity="0.6"/>"##,
            (x1 - x0).max(2.0)
        );
    }
    // Axes and guide lines at +1, 0, −1.
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
    for (d, anchor) in [
        (lo + chrono::Duration::days(pad), "start"),
        (hi - chrono::Duration::days(pad), "end"),
    ] {
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="{anchor}" fill="#374151">{}</text>"##,
            x(d),
            HEIGHT - 10.0,
            d.format("%Y-%m-%d")
        );
    }
    for (k, series) in chart.series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let mut points = series.points.clone();
        points.sort_by_key(|p| p.date);
        let path: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.date), y(p.stance)))
            .collect();
        let _ = write!(
            out,
            r#"<g class="series" data-speaker="{}"><polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            escape(&series.name),
            path.join(" ")
        );
        for p in &points {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{colour}"><title>{}</title></circle>"#,
                x(p.date),
                y(p.stance),
                escape(&p.label)
            );
        }
        let ly = TOP + 14.0 * k as f64 + 8.0;
        let _ = write!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#111827">{}</text></g>"##,
            LEFT + plot_w + 10.0,
            ly - 9.0,
            LEFT + plot_w + 24.0,
            ly,
            escape(&legend_name(&series.name))
        );
    }
    out.push_str("</svg>");
    out
}

fn legend_name(name: &str) -> String {
    const MAX: usize = 18;
    if name.chars().count() <= MAX {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(MAX - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).unwrap()
    }

    #[test]
    fn renders_series_points_and_turn() {
        let chart = Chart {
            title: "Topic <1> & co".into(),
            series: vec![ChartSeries {
                name: "A \"B\"".into(),
                points: vec![
                    ChartPoint {
                        date: d(3, 1),
                        stance: -0.5,
                        label: "s2".into(),
                    },
                    ChartPoint {
                        date: d(1, 1),
                        stance: 0.5,
                        label: "s1".into(),
                    },
                ],
            }],
            turn: Some((d(1, 1), d(3, 1))),
        };
        let svg = render(&chart);
        assert!(svg.starts_with("<svg class=\"timeline\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("class=\"turn\""));
        assert!(svg.contains("Topic &lt;1&gt; &amp; co"));
        assert!(svg.contains("A &quot;B&quot;"));
        assert!(svg.contains("2024-01-01") && svg.contains("2024-03-01"));
    }

    #[test]
    fn single_date_and_empty_charts_render() {
        let one = Chart {
            title: "t".into(),
            series: vec![ChartSeries {
                name: "A".into(),
                points: vec![ChartPoint {
                    date: d(5, 5),
                    stance: 2.0,
                    label: "x".into(),
                }],
            }],
            turn: None,
        };
        assert!(render(&one).contains("<circle"));
        let empty = Chart {
            title: "t".into(),
            series: vec![],
            turn: None,
        };
        assert!(render(&empty).contains("</svg>"));
        assert_eq!(legend_name(&"x".repeat(30)).chars().count(), 18);
    }
}
