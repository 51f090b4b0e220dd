//! The JSON rendering: the [`Report`] itself, pretty-printed (schema in
//! `docs/report-schema.md`).

use anyhow::Result;

use super::model::Report;

/// Renders the report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> Result<String> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}

/// Reads a report written by [`render`].
pub fn parse(text: &str) -> Result<Report> {
    Ok(serde_json::from_str(text)?)
}
