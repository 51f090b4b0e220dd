//! Reading articles: plain text, HTML, or JSON lines with `text` and
//! optional `date`, `source`, `url`, `lang`, from files or folders.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::dates::{date_in_name, PartialDate};
use super::lang::Lang;
use super::Article;
use crate::input::{InputError, Reject};

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
    let mut out = Vec::new();
    read_into(path, &mut out, &mut |e, _| Err(e))?;
    Ok(out)
}

/// What to do with a bad file or JSON line: the error and the raw line
/// (empty for a whole file); `Err` stops the read.
type OnBad<'a> = dyn FnMut(InputError, &str) -> Result<(), InputError> + 'a;

/// Reads the articles of one file into `out`, handing every bad file or
/// line to `on_bad`.
fn read_into(path: &Path, out: &mut Vec<Article>, on_bad: &mut OnBad) -> Result<(), InputError> {
    match read_checked(path, out, on_bad) {
        Err(e) => on_bad(e, ""),
        ok => ok,
    }
}

fn read_checked(path: &Path, out: &mut Vec<Article>, on_bad: &mut OnBad) -> Result<(), InputError> {
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
        for (i, line) in raw.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match record(path, &name, i + 1, line) {
                Ok(a) => out.push(a),
                Err(e) => on_bad(e, line)?,
            }
        }
        return Ok(());
    }
    let (text, date) = if is_html(path, &raw) {
        let date = super::html::published(&raw).and_then(|d| PartialDate::parse_iso(&d));
        (super::html::text(&raw), date)
    } else {
        (raw, None)
    };
    out.push(Article {
        source: name.clone(),
        text,
        date: date.or_else(|| date_in_name(&name)),
        url: None,
        lang: None,
    });
    Ok(())
}

/// The article of line `line` of a JSON lines file.
fn record(path: &Path, name: &str, line: usize, raw: &str) -> Result<Article, InputError> {
    let r: Record = serde_json::from_str(raw).map_err(|e| {
        bad(
            path,
            line,
            format!("not a JSON object with a `text` field: {e}"),
        )
    })?;
    let (text, html_date) = match (r.text, r.html) {
        (Some(t), _) => (t, None),
        (None, Some(h)) => (super::html::text(&h), super::html::published(&h)),
        (None, None) => return Err(bad(path, line, "no `text` field")),
    };
    let date_raw = r.date.or(html_date);
    let date = match date_raw.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(PartialDate::parse_iso(d).ok_or_else(|| {
            bad(
                path,
                line,
                format!("bad date {d:?}: expected YYYY, YYYY-MM or YYYY-MM-DD"),
            )
        })?),
        None => None,
    };
    let id =
        r.id.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
    let source = r.source.or(id).unwrap_or_else(|| format!("{name}:{line}"));
    Ok(Article {
        source,
        text,
        date,
        url: r.url,
        lang: r.lang.as_deref().and_then(Lang::from_code),
    })
}

/// The articles of every file under every path, in order.
pub fn read_articles(paths: &[PathBuf]) -> Result<Vec<Article>, InputError> {
    let mut out = Vec::new();
    read_all(paths, &mut out, &mut |e, _| Err(e))?;
    Ok(out)
}

/// The articles of every file under every path, in order, and the files
/// and JSON lines that could not be read, each with why (a path that does
/// not exist or cannot be listed is still an error).
pub fn read_articles_skipping(
    paths: &[PathBuf],
) -> Result<(Vec<Article>, Vec<Reject>), InputError> {
    let mut out = Vec::new();
    let mut rejects = Vec::new();
    read_all(paths, &mut out, &mut |e, raw| {
        rejects.push(Reject {
            file: e.file,
            line: e.line,
            reason: e.reason,
            raw: raw.to_string(),
        });
        Ok(())
    })?;
    Ok((out, rejects))
}

fn read_all(
    paths: &[PathBuf],
    out: &mut Vec<Article>,
    on_bad: &mut OnBad,
) -> Result<(), InputError> {
    for p in paths {
        for f in files(p)? {
            read_into(&f, out, on_bad)?;
        }
    }
    Ok(())
}
