//! Markdown rendering.

use std::fmt::Write;

use super::model::{Report, Shift};
use super::view::{coverage_lines, kind_words, settings_line, signed, ReportView};

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let view = ReportView::new(report);
    let mut out = String::new();
    let _ = writeln!(out, "# Stance report\n");
    let _ = writeln!(
        out,
        "{} statement(s) from {}; {} topic(s), {} timeline(s), **{} shift(s)**.\n",
        report.coverage.statements,
        report.inputs.join(", "),
        report.topics.len(),
        report.timelines.len(),
        report.shifts.len()
    );
    let _ = writeln!(
        out,
        "{} (model `{}`).\n",
        settings_line(report),
        report.model
    );

    let _ = writeln!(out, "## Shifts\n");
    if report.shifts.is_empty() {
        let _ = writeln!(out, "No shift found.\n");
    }
    for shift in &report.shifts {
        write_shift(&mut out, &view, shift);
    }

    let _ = writeln!(out, "## Topics\n");
    for topic in &report.topics {
        let _ = writeln!(out, "### {}. {}\n", topic.id, cell(&topic.label));
        let _ = writeln!(
            out,
            "- statements: {}; languages: {}; speakers: {}",
            topic.members.len(),
            or_dash(&topic.languages.join(", ")),
            or_dash(&topic.speakers.join(", "))
        );
        let _ = writeln!(
            out,
            "- central statement ({}): {}",
            topic.medoid,
            quote(&topic.medoid_text)
        );
        if !topic.keywords.is_empty() {
            let _ = writeln!(out, "- keywords: {}", topic.keywords.join(", "));
        }
        match (&topic.axis, &topic.axis_pro, &topic.axis_con) {
            (Some(axis), Some(pro), Some(con)) => {
                let _ = writeln!(out, "- axis: `{axis}`");
                if let Some(thesis) = &topic.axis_thesis {
                    let _ = writeln!(
                        out,
                        "  - thesis (+1 agrees, −1 disagrees): {}",
                        quote(thesis)
                    );
                }
                let _ = writeln!(out, "  - +1 like: {}", quote(pro));
                let _ = writeln!(out, "  - −1 like: {}", quote(con));
            }
            _ => {
                let _ = writeln!(out, "- axis: none (no stance scores in this topic)");
            }
        }
        let _ = writeln!(out);
        let timelines: Vec<_> = view.timelines_of(topic.id).collect();
        if !timelines.is_empty() {
            let _ = writeln!(out, "| speaker | stance over time (date: score) |");
            let _ = writeln!(out, "|---|---|");
            for t in timelines {
                let series: Vec<String> = t
                    .points
                    .iter()
                    .map(|p| format!("{}: {}", p.date, signed(p.stance)))
                    .collect();
                let _ = writeln!(out, "| {} | {} |", cell(&t.speaker), series.join(" · "));
            }
            let _ = writeln!(out);
        }
    }

    if !report.unassigned.is_empty() {
        let _ = writeln!(out, "## In no topic\n");
        for id in &report.unassigned {
            if let Some(s) = view.statement(id) {
                let _ = writeln!(out, "- {}: {}", s.id, quote(&s.text));
            }
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Coverage\n");
    for line in coverage_lines(report) {
        let _ = writeln!(out, "- {line}");
    }
    out
}

fn write_shift(out: &mut String, view: &ReportView, shift: &Shift) {
    let axis = shift
        .axis
        .clone()
        .unwrap_or_else(|| view.axis_name(shift.topic).to_string());
    let _ = writeln!(
        out,
        "### {} — {} ({} → {})\n",
        cell(&shift.speaker),
        cell(&shift.topic_label),
        shift.from_date,
        shift.to_date
    );
    let _ = writeln!(
        out,
        "{}, probability of a change {:.2}. Stance on `{axis}` {} → {}; magnitude {:.2}; {}.\n",
        shift.status.as_str(),
        shift.confidence,
        signed(shift.stance_before),
        signed(shift.stance_after),
        shift.magnitude,
        kind_words(shift.kind)
    );
    let _ = writeln!(out, "| | id | date | stance | statement | source |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for (side, ids) in [("before", &shift.before), ("after", &shift.after)] {
        for id in ids {
            if let Some(s) = view.statement(id) {
                let _ = writeln!(
                    out,
                    "| {side} | {} | {} | {} | {} | {} |",
                    s.id,
                    s.date.as_deref().unwrap_or("–"),
                    s.stance.map(signed).unwrap_or_default(),
                    cell(&s.text),
                    cell(s.source.as_deref().unwrap_or("–"))
                );
            }
        }
    }
    let _ = writeln!(out);
}

/// Text safe inside a table cell or heading.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn quote(text: &str) -> String {
    format!("“{}”", cell(text.trim()))
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "–"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(quote(" x "), "“x”");
        assert_eq!(or_dash(""), "–");
    }
}
