//! Markdown rendering. Text from the input is escaped: its HTML (`<script>`,
//! `<img onerror=…>`) shows as text, and Markdown's own syntax in it (links,
//! emphasis, table bars) does nothing.

use std::fmt::Write;

use super::model::{Report, Shift};
use super::view::{
    coverage_lines, kind_words, quoted, settings_line, signed, status_words, ReportView,
};

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let view = ReportView::new(report);
    let mut out = String::new();
    let _ = writeln!(out, "# Stance report\n");
    let _ = writeln!(
        out,
        "{} statement(s) from {}; {} topic(s), {} timeline(s), **{} shift(s)**.\n",
        report.coverage.statements,
        text(&report.inputs.join(", ")),
        report.topics.len(),
        report.timelines.len(),
        report.shifts.len()
    );
    let _ = writeln!(
        out,
        "{} (model {}).\n",
        text(&settings_line(report)),
        text(&report.model)
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
            or_dash(&text(&topic.languages.join(", "))),
            or_dash(&text(&topic.speakers.join(", ")))
        );
        let _ = writeln!(
            out,
            "- central statement ({}): {}",
            text(&topic.medoid),
            quote(&topic.medoid_text)
        );
        if !topic.keywords.is_empty() {
            let _ = writeln!(out, "- keywords: {}", text(&topic.keywords.join(", ")));
        }
        match (&topic.axis, &topic.axis_pro, &topic.axis_con) {
            (Some(axis), Some(pro), Some(con)) => {
                let _ = writeln!(out, "- axis: {}", text(axis.as_str()));
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
                // One entry per date: a day's statements side by side.
                let mut series: Vec<(String, Vec<String>)> = Vec::new();
                for p in &t.points {
                    match series.last_mut() {
                        Some((d, v)) if *d == p.date => v.push(signed(p.stance)),
                        _ => series.push((p.date.clone(), vec![signed(p.stance)])),
                    }
                }
                let series: Vec<String> = series
                    .iter()
                    .map(|(d, v)| format!("{}: {}", text(d), v.join(", ")))
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
                let _ = writeln!(out, "- {}: {}", text(&s.id), quote(&s.text));
            }
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Coverage\n");
    for line in coverage_lines(report) {
        let _ = writeln!(out, "- {}", text(&line));
    }
    out
}

fn write_shift(out: &mut String, view: &ReportView, shift: &Shift) {
    let axis = view.shift_axis(shift);
    let _ = writeln!(
        out,
        "### {} — {} ({} → {})\n",
        cell(&shift.speaker),
        cell(&shift.topic_label),
        text(&shift.from_date),
        text(&shift.to_date)
    );
    let _ = writeln!(
        out,
        "{}. Stance on {} {} → {}; magnitude {:.2}; {}.\n",
        text(&status_words(shift)),
        text(axis),
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
                    text(&s.id),
                    text(s.date.as_deref().unwrap_or("–")),
                    s.stance.map(signed).unwrap_or_default(),
                    cell(&s.text),
                    cell(s.source.as_deref().unwrap_or("–"))
                );
            }
        }
    }
    let _ = writeln!(out);
}

/// Input text safe anywhere in the document, a table cell or heading
/// included: on one line, HTML escaped, Markdown syntax characters
/// backslash-escaped, control characters dropped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The cell of a table or a heading.
fn cell(s: &str) -> String {
    text(s)
}

/// Input text in quotation marks (its own, when it opens with them).
fn quote(s: &str) -> String {
    text(&quoted(s))
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
    fn l4_markdown_cells_are_escaped() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(quote(" x "), "“x”");
        assert_eq!(quote("\"x\" y"), "\"x\" y");
        assert_eq!(
            text("<script>alert(1)</script><img src=x onerror=alert(1)>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            text("[a](javascript:x) *b* \u{1b}[31m"),
            "\\[a\\](javascript:x) \\*b\\* \\[31m"
        );
        assert_eq!(or_dash(""), "–");
    }
}
