//! Reading articles: plain text, HTML, or JSON lines with `text` and
//! optional `date`, `source`, `url`, `lang`, from files or folders.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::dates::{date_in_name, PartialDate};
use super::lang::Lang;
use super::Article;
use crate::input::InputError;

#[derive(Deserialize)]
struct Record {
    text: Option<String>,
    html: Option<String>,
    date: Option<String>,
    source: Option<String>,
    url: Option<String>,
    lang: Option<String>,
    id: Option<serde_json::Value>,
}

fn bad(path: &Path, line: usize, msg: impl Into<String>) -> InputError {
    InputError {
        file: path.display().to_string(),
        line,
        reason: msg.into(),
    }
}

/// The files under `path` (itself when it is a file), in name order;
/// hidden files are left out.
pub fn files(path: &Path) -> Result<Vec<PathBuf>, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| bad(path, 0, format!("cannot read: {e}")))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let entries = std::fs::read_dir(path).map_err(|e| bad(path, 0, format!("cannot list: {e}")))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    paths.sort();
    for p in paths {
        out.extend(files(&p)?);
    }
    Ok(out)
}

fn is_html(path: &Path, text: &str) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "html" | "htm" | "xhtml")
        || text.trim_start().get(..15).is_some_and(|h| {
            h.to_ascii_lowercase().starts_with("<!doctype html")
                || h.to_ascii_lowercase().starts_with("<html")
        })
}

/// The articles of one file. `source` is the file name (for JSON lines,
/// the record's `source`, else `FILE:LINE`).
pub fn read_file(path: &Path) -> Result<Vec<Article>, InputError> {
    let bytes = std::fs::read(path).map_err(|e| bad(path, 0, format!("cannot read: {e}")))?;
    let raw = String::from_utf8(bytes).map_err(|e| {
        bad(
            path,
            0,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(ext.as_str(), "jsonl" | "ndjson") {
        let mut out = Vec::new();
        for (i, line) in raw.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let r: Record = serde_json::from_str(line).map_err(|e| {
                bad(
                    path,
                    i + 1,
                    format!("not a JSON object with a `text` field: {e}"),
                )
            })?;
            let (text, html_date) = match (r.text, r.html) {
                (Some(t), _) => (t, None),
                (None, Some(h)) => (super::html::text(&h), super::html::published(&h)),
                (None, None) => return Err(bad(path, i + 1, "no `text` field")),
            };
            let date_raw = r.date.or(html_date);
            let date = match date_raw.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                Some(d) => Some(PartialDate::parse_iso(d).ok_or_else(|| {
                    bad(
                        path,
                        i + 1,
                        format!("bad date {d:?}: expected YYYY, YYYY-MM or YYYY-MM-DD"),
                    )
                })?),
                None => None,
            };
            let id =
                r.id.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
            let source = r
                .source
                .or(id)
                .unwrap_or_else(|| format!("{name}:{}", i + 1));
            out.push(Article {
                source,
                text,
                date,
                url: r.url,
                lang: r.lang.as_deref().and_then(Lang::from_code),
            });
        }
        return Ok(out);
    }
    let (text, date) = if is_html(path, &raw) {
        let date = super::html::published(&raw).and_then(|d| PartialDate::parse_iso(&d));
        (super::html::text(&raw), date)
    } else {
        (raw, None)
    };
    Ok(vec![Article {
        source: name.clone(),
        text,
        date: date.or_else(|| date_in_name(&name)),
        url: None,
        lang: None,
    }])
}

/// The articles of every file under every path, in order.
pub fn read_articles(paths: &[PathBuf]) -> Result<Vec<Article>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        for f in files(p)? {
            out.extend(read_file(&f)?);
        }
    }
    Ok(out)
}
