//! Plain-text rendering for the terminal. Text from the input cannot drive
//! the terminal: control characters (ESC, OSC, BEL, …) and bidirectional
//! overrides are shown as `\u{1b}` escapes.

use std::fmt::Write;

use super::model::{Report, Shift, StancePoint, Timeline};
use super::view::{
    clip, coverage_lines, kind_words, settings_line, signed, status_words, ReportView,
};

const TEXT_WIDTH: usize = 150;

/// Renders the report as plain text.
pub fn render(report: &Report) -> String {
    let view = ReportView::new(report);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "volte report: {} statement(s), {} topic(s), {} timeline(s), {} shift(s)",
        report.coverage.statements,
        report.topics.len(),
        report.timelines.len(),
        report.shifts.len()
    );
    let _ = writeln!(out, "{}", settings_line(report));
    let _ = writeln!(out, "model: {}", report.model);

    let _ = writeln!(out, "\nSHIFTS");
    if report.shifts.is_empty() {
        let _ = writeln!(out, "  none found");
    }
    for (n, shift) in report.shifts.iter().enumerate() {
        write_shift(&mut out, &view, n + 1, shift);
    }

    let _ = writeln!(out, "\nTOPICS");
    for topic in &report.topics {
        let _ = writeln!(
            out,
            "\n[{}] {} ({} statement(s); languages: {})",
            topic.id,
            topic.label,
            topic.members.len(),
            if topic.languages.is_empty() {
                "unknown".to_string()
            } else {
                topic.languages.join(", ")
            }
        );
        let _ = writeln!(
            out,
            "    central: [{}] {}",
            topic.medoid,
            line(&topic.medoid_text, TEXT_WIDTH)
        );
        if !topic.keywords.is_empty() {
            let _ = writeln!(out, "    keywords: {}", topic.keywords.join(", "));
        }
        let _ = writeln!(out, "    speakers: {}", topic.speakers.join(", "));
        match (&topic.axis, &topic.axis_pro, &topic.axis_con) {
            (Some(axis), Some(pro), Some(con)) => {
                let _ = writeln!(out, "    axis: {axis}");
                if let Some(thesis) = &topic.axis_thesis {
                    let _ = writeln!(
                        out,
                        "      thesis (+1 agrees, -1 disagrees): {}",
                        line(thesis, TEXT_WIDTH)
                    );
                }
                let _ = writeln!(out, "      +1 like: {}", line(pro, TEXT_WIDTH));
                let _ = writeln!(out, "      -1 like: {}", line(con, TEXT_WIDTH));
            }
            _ => {
                let _ = writeln!(out, "    axis: none (no stance scores in this topic)");
            }
        }
        let timelines: Vec<&Timeline> = view.timelines_of(topic.id).collect();
        if !timelines.is_empty() {
            let _ = writeln!(out, "    timelines:");
            let width = timelines
                .iter()
                .map(|t| t.speaker.chars().count())
                .max()
                .unwrap_or(0);
            for t in timelines {
                let _ = writeln!(out, "      {:width$}  {}", t.speaker, timeline_line(t));
            }
        }
    }

    if !report.unassigned.is_empty() {
        let _ = writeln!(out, "\nIN NO TOPIC");
        for id in &report.unassigned {
            if let Some(s) = view.statement(id) {
                let _ = writeln!(out, "  [{}] {}", s.id, line(&s.text, TEXT_WIDTH));
            }
        }
    }

    let _ = writeln!(out, "\nCOVERAGE");
    for line in coverage_lines(report) {
        let _ = writeln!(out, "  {line}");
    }
    terminal_safe(&out)
}

/// `text` with every control character but the line break, and every
/// bidirectional override, written as a visible `\u{..}` escape.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n') || bidi {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Input text on one line, cut to `max` characters.
fn line(text: &str, max: usize) -> String {
    clip(&text.replace(['\n', '\r', '\t'], " "), max)
}

/// The statements of a timeline grouped by date as written, in order: a
/// day's statements are one point (two statements of one day are no turn).
fn by_date(t: &Timeline) -> Vec<(&str, Vec<&StancePoint>)> {
    let mut out: Vec<(&str, Vec<&StancePoint>)> = Vec::new();
    for p in &t.points {
        match out.iter_mut().find(|(d, _)| *d == p.date) {
            Some((_, v)) => v.push(p),
            None => out.push((p.date.as_str(), vec![p])),
        }
    }
    out
}

fn mean(points: &[&StancePoint]) -> f32 {
    points.iter().map(|p| p.stance).sum::<f32>() / points.len().max(1) as f32
}

/// One timeline: the dates with their mean stance (and count), and a
/// sparkline of the dates when there are several.
fn timeline_line(t: &Timeline) -> String {
    let dates = by_date(t);
    let series: Vec<String> = dates
        .iter()
        .map(|(d, v)| {
            if v.len() > 1 {
                format!("{d} {} (×{})", signed(mean(v)), v.len())
            } else {
                format!("{d} {}", signed(v[0].stance))
            }
        })
        .collect();
    if t.points.len() == 1 {
        return format!(
            "one statement, {}: {}",
            t.points[0].date,
            signed(t.points[0].stance)
        );
    }
    if dates.len() == 1 {
        let (lo, hi) = dates[0].1.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
            (lo.min(p.stance), hi.max(p.stance))
        });
        let range = if dates[0].1.len() > 1 {
            format!(", from {} to {}", signed(lo), signed(hi))
        } else {
            String::new()
        };
        return format!(
            "one date only: {} statement(s) on {}, mean {}{range}",
            dates[0].1.len(),
            dates[0].0,
            signed(mean(&dates[0].1))
        );
    }
    let means: Vec<f32> = dates.iter().map(|(_, v)| mean(v)).collect();
    format!(
        "{}  {} → {} over {} dates: {}",
        sparkline(&means),
        signed(means[0]),
        signed(means[means.len() - 1]),
        dates.len(),
        clip(&series.join(" · "), TEXT_WIDTH)
    )
}

fn write_shift(out: &mut String, view: &ReportView, n: usize, shift: &Shift) {
    let axis = view.shift_axis(shift);
    let _ = writeln!(
        out,
        "\n{n}. {} on [{}] {} (axis {axis}): {}",
        shift.speaker,
        shift.topic,
        shift.topic_label,
        status_words(shift)
    );
    let _ = writeln!(
        out,
        "   {} → {}: stance {} → {}, magnitude {:.2}, {}",
        shift.from_date,
        shift.to_date,
        signed(shift.stance_before),
        signed(shift.stance_after),
        shift.magnitude,
        kind_words(shift.kind)
    );
    for (title, ids) in [("before", &shift.before), ("after", &shift.after)] {
        let _ = writeln!(out, "   {title}:");
        for id in ids {
            if let Some(s) = view.statement(id) {
                let _ = writeln!(
                    out,
                    "     [{} {} {}] {}{}",
                    s.id,
                    s.date.as_deref().unwrap_or("undated"),
                    s.stance.map(signed).unwrap_or_default(),
                    line(&s.text, TEXT_WIDTH),
                    s.source
                        .as_deref()
                        .map(|src| format!("  ({src})"))
                        .unwrap_or_default()
                );
            }
        }
    }
}

/// One block character per value, low for −1 and high for +1.
fn sparkline(values: &[f32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|v| {
            let level = (((v.clamp(-1.0, 1.0) + 1.0) / 2.0) * 7.0).round() as usize;
            BARS[level.min(7)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::StancePoint;

    fn timeline(points: &[(&str, f32)]) -> Timeline {
        Timeline {
            speaker: "A".into(),
            topic: 0,
            axis: None,
            points: points
                .iter()
                .map(|&(date, stance)| StancePoint {
                    id: "x".into(),
                    date: date.into(),
                    stance,
                    p_agree: None,
                    p_disagree: None,
                    p_neutral: None,
                    count: None,
                })
                .collect(),
        }
    }

    #[test]
    fn sparkline_spans_the_range() {
        assert_eq!(sparkline(&[-1.0, 0.0, 1.0]), "▁▅█");
    }

    #[test]
    fn one_day_is_not_a_reversal() {
        let line = timeline_line(&timeline(&[("2025-10-27", 0.8), ("2025-10-27", -0.78)]));
        assert_eq!(
            line,
            "one date only: 2 statement(s) on 2025-10-27, mean +0.01, from -0.78 to +0.80"
        );
        let line = timeline_line(&timeline(&[
            ("2025-09", 0.5),
            ("2025-10-27", 0.8),
            ("2025-10-27", 0.6),
            ("2025-11-02", -0.5),
        ]));
        assert_eq!(
            timeline_line(&timeline(&[("2025-09", 0.5)])),
            "one statement, 2025-09: +0.50"
        );
        assert!(
            line.starts_with("▆▇▃  +0.50 → -0.50 over 3 dates: "),
            "{line}"
        );
        assert!(line.ends_with("2025-09 +0.50 · 2025-10-27 +0.70 (×2) · 2025-11-02 -0.50"));
    }

    #[test]
    fn l4_term_control_sequences_are_shown_not_sent() {
        assert_eq!(
            terminal_safe("a\u{1b}]8;;http://x\u{7}b\u{1b}[31mc\u{202e}d\ne"),
            "a\\u{1b}]8;;http://x\\u{7}b\\u{1b}[31mc\\u{202e}d\ne"
        );
        assert_eq!(line("a\nb\tc", 10), "a b c");
    }
}
