//! Reading statements from JSONL, CSV/TSV (with a header row) and plain text
//! (one statement per line), from a file or standard input (`-`).
//!
//! A bad record stops the read with `file:line: reason`, unless the caller
//! asked to skip bad records; then every rejected record is kept with its
//! reason so it can be written out and counted. Nothing is dropped silently.

use std::collections::HashSet;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::record::{Statement, StatementDate};

/// Input file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Jsonl,
    Csv,
    Tsv,
    Text,
}

/// What to do with a bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OnError {
    /// Stop at the first bad record (exit code 2).
    #[default]
    Fail,
    /// Continue, and write each rejected record with its reason to the rejects file.
    Skip,
}

/// Field names to read from JSONL objects or CSV columns.
#[derive(Debug, Clone)]
pub struct FieldMap {
    pub text: String,
    pub id: String,
    pub speaker: String,
    pub date: String,
    pub source: String,
    pub lang: String,
    /// More fields every record must have (e.g. a thesis, a gold label).
    pub extra: Vec<String>,
}

impl Default for FieldMap {
    fn default() -> Self {
        Self {
            text: "text".into(),
            id: "id".into(),
            speaker: "speaker".into(),
            date: "date".into(),
            source: "source".into(),
            lang: "lang".into(),
            extra: Vec::new(),
        }
    }
}

/// How to read an input.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `None` guesses from the extension, then from the content.
    pub format: Option<InputFormat>,
    pub fields: FieldMap,
    pub on_error: OnError,
}

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    pub file: String,
    pub line: usize,
    pub reason: String,
    /// The raw line (lossily decoded), for the rejects file.
    pub raw: String,
}

/// A bad record that stopped the read.
#[derive(Debug, thiserror::Error)]
pub struct InputError {
    pub file: String,
    /// 1-based line, or 0 when the whole input is at fault.
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.reason)
        }
    }
}

/// Everything read from one input.
#[derive(Debug, Clone, Default)]
pub struct ReadOutcome {
    pub statements: Vec<Statement>,
    pub rejects: Vec<Reject>,
    /// Blank lines of a plain-text input (not statements, but counted).
    pub blank_lines: usize,
    pub format: Option<InputFormat>,
}

/// Reads statements from `path` (`-` is standard input).
pub fn read_statements(path: &Path, opts: &ReadOptions) -> Result<ReadOutcome, InputError> {
    let name = display_name(path);
    let io_err = |e: std::io::Error| InputError {
        file: name.clone(),
        line: 0,
        reason: format!("cannot read: {e}"),
    };
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| BufReader::new(f).read_to_end(&mut bytes))
            .map_err(io_err)?;
    }
    read_from_bytes(&name, &bytes, path, opts)
}

/// Reads statements from bytes already in memory; `path` is used for format guessing.
pub fn read_from_bytes(
    name: &str,
    bytes: &[u8],
    path: &Path,
    opts: &ReadOptions,
) -> Result<ReadOutcome, InputError> {
    let format = opts
        .format
        .or_else(|| format_from_extension(path))
        .unwrap_or_else(|| sniff(bytes));
    let mut ctx = Ctx {
        name: name.to_string(),
        opts,
        out: ReadOutcome {
            format: Some(format),
            ..Default::default()
        },
        ids: HashSet::new(),
    };
    match format {
        InputFormat::Jsonl => read_jsonl(&mut ctx, bytes)?,
        InputFormat::Text => read_text(&mut ctx, bytes)?,
        InputFormat::Csv => read_delimited(&mut ctx, bytes, b',')?,
        InputFormat::Tsv => read_delimited(&mut ctx, bytes, b'\t')?,
    }
    Ok(ctx.out)
}

/// The format implied by a file name, if any.
pub fn format_from_extension(path: &Path) -> Option<InputFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "jsonl" | "ndjson" | "json" => Some(InputFormat::Jsonl),
        "csv" => Some(InputFormat::Csv),
        "tsv" | "tab" => Some(InputFormat::Tsv),
        "txt" | "text" => Some(InputFormat::Text),
        _ => None,
    }
}

fn sniff(bytes: &[u8]) -> InputFormat {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => InputFormat::Jsonl,
        _ => InputFormat::Text,
    }
}

fn display_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

struct Ctx<'a> {
    name: String,
    opts: &'a ReadOptions,
    out: ReadOutcome,
    ids: HashSet<String>,
}

impl Ctx<'_> {
    /// Records a bad line: an error in fail mode, a reject in skip mode.
    fn bad(&mut self, line: usize, reason: String, raw: &[u8]) -> Result<(), InputError> {
        match self.opts.on_error {
            OnError::Fail => Err(InputError {
                file: self.name.clone(),
                line,
                reason,
            }),
            OnError::Skip => {
                self.out.rejects.push(Reject {
                    file: self.name.clone(),
                    line,
                    reason,
                    raw: String::from_utf8_lossy(raw).into_owned(),
                });
                Ok(())
            }
        }
    }

    /// Validates and stores a statement, or records why it is bad.
    fn accept(&mut self, fields: Fields, line: usize, raw: &[u8]) -> Result<(), InputError> {
        match self.build(fields, line) {
            Ok(s) => {
                self.ids.insert(s.id.clone());
                self.out.statements.push(s);
                Ok(())
            }
            Err(reason) => self.bad(line, reason, raw),
        }
    }

    fn build(&self, f: Fields, line: usize) -> Result<Statement, String> {
        let text = f
            .text
            .ok_or_else(|| format!("missing {:?} field", self.opts.fields.text))?;
        let id = f.id.unwrap_or_else(|| line.to_string());
        if self.ids.contains(&id) {
            return Err(format!("duplicate id {id:?}"));
        }
        let date = match f.date.filter(|d| !d.trim().is_empty()) {
            Some(d) => Some(StatementDate::parse(&d)?),
            None => None,
        };
        let nonempty = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
        let mut extra = Vec::with_capacity(self.opts.fields.extra.len());
        for (name, value) in self.opts.fields.extra.iter().zip(f.extra) {
            extra.push(nonempty(value).ok_or_else(|| format!("missing or empty {name:?} field"))?);
        }
        Ok(Statement {
            id,
            text,
            speaker: nonempty(f.speaker),
            date,
            source: nonempty(f.source),
            lang: nonempty(f.lang),
            extra,
            line,
        })
    }
}

#[derive(Default)]
struct Fields {
    text: Option<String>,
    id: Option<String>,
    speaker: Option<String>,
    date: Option<String>,
    source: Option<String>,
    lang: Option<String>,
    /// One value (or none) per extra field.
    extra: Vec<Option<String>>,
}

fn split_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.into_iter().enumerate().map(|(i, l)| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        (i + 1, l)
    })
}

fn strip_bom(line: &[u8]) -> &[u8] {
    line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
}

fn read_jsonl(ctx: &mut Ctx, bytes: &[u8]) -> Result<(), InputError> {
    for (line, raw) in split_lines(bytes) {
        let raw = if line == 1 { strip_bom(raw) } else { raw };
        if raw.iter().all(|b| b.is_ascii_whitespace()) {
            ctx.out.blank_lines += 1;
            continue;
        }
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t,
            Err(e) => {
                ctx.bad(
                    line,
                    format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                    raw,
                )?;
                continue;
            }
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                ctx.bad(line, format!("invalid JSON: {e}"), raw)?;
                continue;
            }
        };
        let Value::Object(obj) = value else {
            ctx.bad(line, "expected a JSON object".into(), raw)?;
            continue;
        };
        let fm = &ctx.opts.fields;
        let get = |key: &str| -> Result<Option<String>, String> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(other) => Err(format!("field {key:?} must be a string, got {other}")),
            }
        };
        let fields = (|| -> Result<Fields, String> {
            let text = match obj.get(&fm.text) {
                Some(Value::String(s)) => Some(s.clone()),
                None | Some(Value::Null) => None,
                Some(other) => {
                    return Err(format!("field {:?} must be a string, got {other}", fm.text))
                }
            };
            Ok(Fields {
                text,
                id: get(&fm.id)?,
                speaker: get(&fm.speaker)?,
                date: get(&fm.date)?,
                source: get(&fm.source)?,
                lang: get(&fm.lang)?,
                extra: fm.extra.iter().map(|k| get(k)).collect::<Result<_, _>>()?,
            })
        })();
        match fields {
            Ok(f) => ctx.accept(f, line, raw)?,
            Err(reason) => ctx.bad(line, reason, raw)?,
        }
    }
    Ok(())
}

fn read_text(ctx: &mut Ctx, bytes: &[u8]) -> Result<(), InputError> {
    for (line, raw) in split_lines(bytes) {
        let raw = if line == 1 { strip_bom(raw) } else { raw };
        match std::str::from_utf8(raw) {
            Ok(t) if t.trim().is_empty() => ctx.out.blank_lines += 1,
            Ok(t) => ctx.accept(
                Fields {
                    text: Some(t.to_string()),
                    ..Default::default()
                },
                line,
                raw,
            )?,
            Err(e) => ctx.bad(
                line,
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                raw,
            )?,
        }
    }
    Ok(())
}

fn read_delimited(ctx: &mut Ctx, bytes: &[u8], delimiter: u8) -> Result<(), InputError> {
    let bytes = strip_bom(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(InputError {
                file: ctx.name.clone(),
                line: 1,
                reason: format!("cannot read header: {e}"),
            })
        }
    };
    let column = |name: &str| header.iter().position(|h| h == name.as_bytes());
    let fm = ctx.opts.fields.clone();
    let Some(text_col) = column(&fm.text) else {
        return Err(InputError {
            file: ctx.name.clone(),
            line: 1,
            reason: format!(
                "no {:?} column in header (columns: {})",
                fm.text,
                header
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    };
    let mut extra_cols = Vec::with_capacity(fm.extra.len());
    for name in &fm.extra {
        match column(name) {
            Some(c) => extra_cols.push(Some(c)),
            None => {
                return Err(InputError {
                    file: ctx.name.clone(),
                    line: 1,
                    reason: format!("no {name:?} column in header"),
                })
            }
        }
    }
    let cols = [
        column(&fm.id),
        column(&fm.speaker),
        column(&fm.date),
        column(&fm.source),
        column(&fm.lang),
    ];
    let mut record = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line() as usize;
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map(|p| p.line() as usize).unwrap_or(line);
                let raw = raw_line(bytes, at);
                ctx.bad(at, format!("malformed record: {e}"), raw)?;
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map(|p| p.line() as usize).unwrap_or(line);
        let raw = raw_line(bytes, line);
        let cell = |i: Option<usize>| -> Result<Option<String>, String> {
            match i.and_then(|i| record.get(i)) {
                None => Ok(None),
                Some(b) => std::str::from_utf8(b)
                    .map(|s| Some(s.to_string()))
                    .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to())),
            }
        };
        let fields = (|| -> Result<Fields, String> {
            Ok(Fields {
                text: cell(Some(text_col))?,
                id: cell(cols[0])?.filter(|s| !s.is_empty()),
                speaker: cell(cols[1])?,
                date: cell(cols[2])?,
                source: cell(cols[3])?,
                lang: cell(cols[4])?,
                extra: extra_cols
                    .iter()
                    .map(|&c| cell(c))
                    .collect::<Result<_, _>>()?,
            })
        })();
        match fields {
            Ok(f) => ctx.accept(f, line, raw)?,
            Err(reason) => ctx.bad(line, reason, raw)?,
        }
    }
    Ok(())
}

fn raw_line(bytes: &[u8], line: usize) -> &[u8] {
    bytes
        .split(|b| *b == b'\n')
        .nth(line.saturating_sub(1))
        .unwrap_or(&[])
}

/// Writes rejects as JSON lines (`file`, `line`, `reason`, `raw`).
pub fn write_rejects(path: &PathBuf, rejects: &[Reject]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for r in rejects {
        serde_json::to_writer(&mut f, r)?;
        f.write_all(b"\n")?;
    }
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, data: &[u8], on_error: OnError) -> Result<ReadOutcome, InputError> {
        read_from_bytes(
            name,
            data,
            Path::new(name),
            &ReadOptions {
                on_error,
                ..Default::default()
            },
        )
    }

    #[test]
    fn jsonl_fields_and_defaults() {
        let data = b"{\"text\":\"a\",\"speaker\":\"X\",\"date\":\"2025-11\"}\n\n{\"id\":7,\"text\":\"b\"}\n";
        let out = read("in.jsonl", data, OnError::Fail).unwrap();
        assert_eq!(out.statements.len(), 2);
        assert_eq!(out.statements[0].id, "1");
        assert_eq!(out.statements[0].speaker.as_deref(), Some("X"));
        assert_eq!(out.statements[1].id, "7");
        assert_eq!(out.statements[1].line, 3);
        assert_eq!(out.blank_lines, 1);
    }

    #[test]
    fn bad_records_name_file_and_line() {
        let data = b"{\"text\":\"ok\"}\n{\"txt\":\"no text\"}\n";
        let e = read("in.jsonl", data, OnError::Fail).unwrap_err();
        assert_eq!(e.to_string(), "in.jsonl:2: missing \"text\" field");
        let e = read(
            "in.jsonl",
            b"{\"text\":\"a\",\"date\":\"soon\"}\n",
            OnError::Fail,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("in.jsonl:1: bad date"), "{e}");
        let e = read("in.jsonl", b"{\"text\":\"a\"}\n{oops\n", OnError::Fail).unwrap_err();
        assert!(e.to_string().starts_with("in.jsonl:2: invalid JSON"), "{e}");
        let e = read("in.txt", b"fine\n\xff\xfe\n", OnError::Fail).unwrap_err();
        assert_eq!(e.to_string(), "in.txt:2: invalid UTF-8 at byte 0");
        let e = read(
            "in.jsonl",
            b"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n",
            OnError::Fail,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "in.jsonl:2: duplicate id \"a\"");
    }

    #[test]
    fn skip_mode_keeps_every_reject() {
        let data = b"{\"text\":\"a\"}\nnot json\n{\"text\":3}\n{\"text\":\"b\"}\n";
        let out = read("in.jsonl", data, OnError::Skip).unwrap();
        assert_eq!(out.statements.len(), 2);
        assert_eq!(out.rejects.len(), 2);
        assert_eq!(out.rejects[0].line, 2);
        assert_eq!(out.rejects[0].raw, "not json");
        assert_eq!(out.rejects[1].line, 3);
    }

    #[test]
    fn csv_and_tsv_with_header() {
        let data =
            "id,speaker,text,date\nx1,Ann,\"Hello, world\",2025-01-02\nx2,Bob,Bye,\n".as_bytes();
        let out = read("in.csv", data, OnError::Fail).unwrap();
        assert_eq!(out.statements.len(), 2);
        assert_eq!(out.statements[0].text, "Hello, world");
        assert_eq!(out.statements[0].line, 2);
        assert!(out.statements[1].date.is_none());
        let tsv = b"text\tlang\nHallo\tde\n";
        let out = read("in.tsv", tsv, OnError::Fail).unwrap();
        assert_eq!(out.statements[0].lang.as_deref(), Some("de"));
        let e = read("in.csv", b"body\nx\n", OnError::Fail).unwrap_err();
        assert!(
            e.to_string().starts_with("in.csv:1: no \"text\" column"),
            "{e}"
        );
        let e = read("in.csv", b"text,id\na,1\nb,2,extra\n", OnError::Fail).unwrap_err();
        assert!(
            e.to_string().starts_with("in.csv:3: malformed record"),
            "{e}"
        );
    }

    #[test]
    fn plain_text_and_sniffing() {
        let out = read("in.dat", b"first\n\nsecond\r\n", OnError::Fail).unwrap();
        assert_eq!(out.format, Some(InputFormat::Text));
        assert_eq!(out.statements.len(), 2);
        assert_eq!(out.statements[1].text, "second");
        assert_eq!(out.statements[1].id, "3");
        let out = read("in.dat", b" {\"text\":\"x\"}\n", OnError::Fail).unwrap();
        assert_eq!(out.format, Some(InputFormat::Jsonl));
    }
}
