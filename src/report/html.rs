//! One self-contained HTML page: inline CSS, inline SVG timelines, no
//! scripts and no external assets.

use std::fmt::Write;

use chrono::NaiveDate;

use super::model::{Report, Shift, StatementEntry, Timeline, Topic};
use super::svg::{self, escape, Chart, ChartPoint, ChartSeries};
use super::view::{clip, coverage_lines, kind_words, settings_line, signed, ReportView};
use crate::input::StatementDate;

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#111827;background:#fff}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #e5e7eb;padding-bottom:.3rem;margin-top:2.5rem}
.meta{color:#4b5563;font-size:.9rem}
.shift{border:1px solid #f59e0b;border-left:6px solid #f59e0b;border-radius:6px;padding:.8rem 1rem;margin:1rem 0;background:#fffbeb}
.topic{border:1px solid #e5e7eb;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.stats{font-size:.95rem;margin:.3rem 0 .6rem}
.evidence{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.evidence h4{margin:.3rem 0}
.statement{margin:.3rem 0;font-size:.92rem}
.statement .id{font-family:ui-monospace,monospace;color:#6b7280}
.score{font-family:ui-monospace,monospace;font-weight:600}
.pole{font-size:.9rem;margin:.1rem 0}
details{margin-top:.5rem}
svg.timeline{max-width:100%;height:auto;display:block;margin:.4rem 0}
";

/// Topics the page shows (largest first); the JSON report has them all.
const MAX_TOPICS: usize = 200;
/// Statements listed per topic, and of those in no topic.
const MAX_LISTED: usize = 100;

/// "… and N more (all in the JSON report: `--format json`)".
fn more(out: &mut String, shown: usize, total: usize, what: &str) {
    if total > shown {
        let _ = write!(
            out,
            "<p class=\"meta\">{shown} of {total} {what} shown; the JSON report (<code>--format json</code>) lists them all.</p>"
        );
    }
}

/// Renders the report as a standalone HTML page. Large reports stay
/// readable: all shifts, the [`MAX_TOPICS`] largest topics, and at most
/// [`MAX_LISTED`] statements per list.
pub fn render(report: &Report) -> String {
    let view = ReportView::new(report);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>volte stance report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        out,
        "<header><h1>Stance report</h1><p class=\"summary\">{} statement(s) from {}: {} topic(s), {} timeline(s), <strong>{} shift(s)</strong>.</p><p class=\"meta\">{}<br>model: {} · {}</p></header>",
        report.coverage.statements,
        escape(&report.inputs.join(", ")),
        report.topics.len(),
        report.timelines.len(),
        report.shifts.len(),
        escape(&settings_line(report)),
        escape(&report.model),
        escape(&report.generator)
    );

    let _ = write!(out, "<section id=\"shifts\"><h2>Shifts</h2>");
    if report.shifts.is_empty() {
        let _ = write!(out, "<p>No shift found.</p>");
    }
    for shift in &report.shifts {
        write_shift(&mut out, &view, shift);
    }
    out.push_str("</section>");

    let _ = write!(out, "<section id=\"topics\"><h2>Topics</h2>");
    for topic in report.topics.iter().take(MAX_TOPICS) {
        write_topic(&mut out, &view, topic);
    }
    more(
        &mut out,
        report.topics.len().min(MAX_TOPICS),
        report.topics.len(),
        "topics",
    );
    out.push_str("</section>");

    if !report.unassigned.is_empty() {
        let _ = write!(out, "<section id=\"unassigned\"><h2>In no topic</h2>");
        for id in report.unassigned.iter().take(MAX_LISTED) {
            if let Some(s) = view.statement(id) {
                write_statement(&mut out, s);
            }
        }
        let total = report.unassigned.len();
        more(&mut out, total.min(MAX_LISTED), total, "statements");
        out.push_str("</section>");
    }

    let _ = write!(out, "<section id=\"coverage\"><h2>Coverage</h2><ul>");
    for line in coverage_lines(report) {
        let _ = write!(out, "<li>{}</li>", escape(&line));
    }
    out.push_str("</ul></section></body></html>\n");
    out
}

fn write_shift(out: &mut String, view: &ReportView, shift: &Shift) {
    let axis = view.axis_name(shift.topic);
    let _ = write!(
        out,
        "<article class=\"shift\" data-speaker=\"{}\" data-topic=\"{}\" data-kind=\"{}\"><h3>{} — {}</h3>",
        escape(&shift.speaker),
        shift.topic,
        shift.kind.as_str(),
        escape(&shift.speaker),
        escape(&shift.topic_label)
    );
    let _ = write!(
        out,
        "<p class=\"stats\">{} → {} · stance on <code>{}</code> <span class=\"score\">{} → {}</span> · magnitude {:.2} · confidence {:.2} · {}</p>",
        escape(&shift.from_date),
        escape(&shift.to_date),
        escape(axis),
        signed(shift.stance_before),
        signed(shift.stance_after),
        shift.magnitude,
        shift.confidence,
        kind_words(shift.kind)
    );
    if let Some(t) = view
        .timelines_of(shift.topic)
        .find(|t| t.speaker == shift.speaker)
    {
        let turn = day(&shift.from_date).zip(day(&shift.to_date));
        out.push_str(&svg::render(&Chart {
            title: format!("{} on {}", shift.speaker, shift.topic_label),
            series: vec![series(view, t)],
            turn,
        }));
    }
    out.push_str("<div class=\"evidence\">");
    for (title, ids) in [("Before", &shift.before), ("After", &shift.after)] {
        let _ = write!(
            out,
            "<div class=\"{}\"><h4>{title}</h4>",
            title.to_lowercase()
        );
        for id in ids {
            if let Some(s) = view.statement(id) {
                write_statement(out, s);
            }
        }
        out.push_str("</div>");
    }
    out.push_str("</div></article>");
}

fn write_topic(out: &mut String, view: &ReportView, topic: &Topic) {
    let _ = write!(
        out,
        "<section class=\"topic\" id=\"topic-{}\"><h3>{}. {}</h3><p class=\"stats\">{} statement(s) · languages: {} · speakers: {}</p>",
        topic.id,
        topic.id,
        escape(&topic.label),
        topic.members.len(),
        escape(&topic.languages.join(", ")),
        escape(&topic.speakers.join(", "))
    );
    let _ = write!(
        out,
        "<p>Central statement <span class=\"id\">{}</span>: “{}”</p>",
        escape(&topic.medoid),
        escape(&topic.medoid_text)
    );
    if !topic.keywords.is_empty() {
        let _ = write!(
            out,
            "<p>Keywords: {}</p>",
            escape(&topic.keywords.join(", "))
        );
    }
    match (&topic.axis, &topic.axis_pro, &topic.axis_con) {
        (Some(axis), Some(pro), Some(con)) => {
            let _ = write!(
                out,
                "<p>Axis <code>{}</code>{}</p>{}<p class=\"pole\">+1 like: “{}”</p><p class=\"pole\">−1 like: “{}”</p>",
                escape(axis.as_str()),
                topic
                    .axis_description
                    .as_ref()
                    .map(|d| format!(": {}", escape(d)))
                    .unwrap_or_default(),
                topic
                    .axis_thesis
                    .as_ref()
                    .map(|t| format!(
                        "<p>Thesis (+1 agrees, −1 disagrees): “{}”</p>",
                        escape(t)
                    ))
                    .unwrap_or_default(),
                escape(&clip(pro, 300)),
                escape(&clip(con, 300))
            );
        }
        _ => {
            let _ = write!(out, "<p>No stance axis in this topic.</p>");
        }
    }
    let lines: Vec<ChartSeries> = view
        .timelines_of(topic.id)
        .map(|t| series(view, t))
        .collect();
    if !lines.is_empty() {
        out.push_str(&svg::render(&Chart {
            title: format!("Stance timelines: {}", topic.label),
            series: lines,
            turn: None,
        }));
    }
    let _ = write!(
        out,
        "<details><summary>{} statement(s)</summary>",
        topic.members.len()
    );
    for id in topic.members.iter().take(MAX_LISTED) {
        if let Some(s) = view.statement(id) {
            write_statement(out, s);
        }
    }
    let total = topic.members.len();
    more(out, total.min(MAX_LISTED), total, "statements");
    out.push_str("</details></section>");
}

fn write_statement(out: &mut String, s: &StatementEntry) {
    let meta: Vec<String> = [
        s.speaker.clone(),
        s.date.clone(),
        s.source.clone(),
        s.stance.map(signed),
    ]
    .into_iter()
    .flatten()
    .collect();
    let _ = write!(
        out,
        "<p class=\"statement\" data-id=\"{}\"><span class=\"id\">{}</span> “{}” <span class=\"meta\">({})</span></p>",
        escape(&s.id),
        escape(&s.id),
        escape(&s.text),
        escape(&meta.join(" · "))
    );
}

fn day(raw: &str) -> Option<NaiveDate> {
    StatementDate::parse(raw).ok().map(|d| d.day)
}

fn series(view: &ReportView, t: &Timeline) -> ChartSeries {
    ChartSeries {
        name: t.speaker.clone(),
        points: t
            .points
            .iter()
            .filter_map(|p| {
                let text = view.statement(&p.id).map(|s| s.text.as_str()).unwrap_or("");
                Some(ChartPoint {
                    date: day(&p.date)?,
                    stance: p.stance,
                    label: format!(
                        "{} {} {}: {}",
                        p.id,
                        p.date,
                        signed(p.stance),
                        clip(text, 200)
                    ),
                })
            })
            .collect(),
    }
}
