//! Plain-text rendering for the terminal.

use std::fmt::Write;

use super::model::{Report, Shift, Timeline};
use super::view::{clip, coverage_lines, kind_words, settings_line, signed, ReportView};

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
            clip(&topic.medoid_text, TEXT_WIDTH)
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
                        clip(thesis, TEXT_WIDTH)
                    );
                }
                let _ = writeln!(out, "      +1 like: {}", clip(pro, TEXT_WIDTH));
                let _ = writeln!(out, "      -1 like: {}", clip(con, TEXT_WIDTH));
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
                let _ = writeln!(
                    out,
                    "      {:width$}  {}  {} → {}  ({} … {})",
                    t.speaker,
                    sparkline(t),
                    signed(t.points[0].stance),
                    signed(t.points[t.points.len() - 1].stance),
                    t.points[0].date,
                    t.points[t.points.len() - 1].date,
                );
            }
        }
    }

    if !report.unassigned.is_empty() {
        let _ = writeln!(out, "\nIN NO TOPIC");
        for id in &report.unassigned {
            if let Some(s) = view.statement(id) {
                let _ = writeln!(out, "  [{}] {}", s.id, clip(&s.text, TEXT_WIDTH));
            }
        }
    }

    let _ = writeln!(out, "\nCOVERAGE");
    for line in coverage_lines(report) {
        let _ = writeln!(out, "  {line}");
    }
    out
}

fn write_shift(out: &mut String, view: &ReportView, n: usize, shift: &Shift) {
    let axis = shift
        .axis
        .clone()
        .unwrap_or_else(|| view.axis_name(shift.topic).to_string());
    let _ = writeln!(
        out,
        "\n{n}. {} on [{}] {} (axis {axis})",
        shift.speaker, shift.topic, shift.topic_label
    );
    let _ = writeln!(
        out,
        "   {} → {}: {}, probability of a change {:.2}; stance {} → {}, magnitude {:.2}, {}",
        shift.from_date,
        shift.to_date,
        shift.status.as_str(),
        shift.confidence,
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
                    clip(&s.text, TEXT_WIDTH),
                    s.source
                        .as_deref()
                        .map(|src| format!("  ({src})"))
                        .unwrap_or_default()
                );
            }
        }
    }
}

/// One block character per statement, low for −1 and high for +1.
fn sparkline(t: &Timeline) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    t.points
        .iter()
        .map(|p| {
            let level = (((p.stance.clamp(-1.0, 1.0) + 1.0) / 2.0) * 7.0).round() as usize;
            BARS[level.min(7)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::StancePoint;

    #[test]
    fn sparkline_spans_the_range() {
        let t = Timeline {
            speaker: "A".into(),
            topic: 0,
            axis: None,
            points: [-1.0, 0.0, 1.0]
                .iter()
                .map(|&s| StancePoint {
                    id: "x".into(),
                    date: "2024".into(),
                    stance: s,
                    p_agree: None,
                    p_disagree: None,
                    p_neutral: None,
                    count: None,
                })
                .collect(),
        };
        assert_eq!(sparkline(&t), "▁▅█");
    }
}
