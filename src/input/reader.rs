//! Reading statements from JSONL, CSV/TSV (with a header row) and plain text
//! (one statement per line), from a file or standard input (`-`).
//!
//! A bad record stops the read with `file:line: reason`, unless the caller
//! asked to skip bad records; then every rejected record is kept with its
//! reason so it can be written out and counted. Nothing is dropped silently:
//! every line of the input ends up in a statement, a reject, the blank-line
//! count, or (CSV/TSV) the header or a quoted field that spans lines, and
//! [`ReadOutcome`] counts each kind so the sum can be checked.

use std::collections::HashSet;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::delimited::{Dialect, Item, Row, Rows};
pub use super::format::{format_from_extension, InputFormat};
use super::record::{Statement, StatementDate};
use super::sniff;

/// What to do with a bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OnError {
    /// Stop at the first bad record (exit code 2).
    #[default]
    Fail,
    /// Continue, and write each rejected record with its reason to the rejects file.
    Skip,
}

impl std::str::FromStr for OnError {
    type Err = crate::error::UsageError;

    /// `fail` or `skip`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "fail" => Ok(Self::Fail),
            "skip" => Ok(Self::Skip),
            _ => Err(crate::error::UsageError::new(format!(
                "on_error {s:?}: fail or skip"
            ))),
        }
    }
}

/// Field names to read from JSONL objects or CSV columns: the defaults
/// (`text`, `id`, `speaker`, `date`, `source`, `lang`), changed with the
/// `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FieldMap {
    pub text: String,
    pub id: String,
    pub speaker: String,
    pub date: String,
    pub source: String,
    pub lang: String,
    /// More fields every record must have (e.g. a thesis, a gold label).
    pub extra: Vec<String>,
    /// Whether every record must have a non-empty `id` field (the id field
    /// was named explicitly); otherwise a record without one gets `line:N`.
    pub require_id: bool,
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
            require_id: false,
        }
    }
}

impl FieldMap {
    /// The text is read from the field `name`.
    pub fn with_text(mut self, name: impl Into<String>) -> Self {
        self.text = name.into();
        self
    }

    /// The id is read from the field `name` (see also
    /// [`FieldMap::with_require_id`]).
    pub fn with_id(mut self, name: impl Into<String>) -> Self {
        self.id = name.into();
        self
    }

    /// The speaker is read from the field `name`.
    pub fn with_speaker(mut self, name: impl Into<String>) -> Self {
        self.speaker = name.into();
        self
    }

    /// The date is read from the field `name`.
    pub fn with_date(mut self, name: impl Into<String>) -> Self {
        self.date = name.into();
        self
    }

    /// The source is read from the field `name`.
    pub fn with_source(mut self, name: impl Into<String>) -> Self {
        self.source = name.into();
        self
    }

    /// The language is read from the field `name`.
    pub fn with_lang(mut self, name: impl Into<String>) -> Self {
        self.lang = name.into();
        self
    }

    /// Every record must also have these fields.
    pub fn with_extra(mut self, names: Vec<String>) -> Self {
        self.extra = names;
        self
    }

    /// Whether every record must have a non-empty id field.
    pub fn with_require_id(mut self, require: bool) -> Self {
        self.require_id = require;
        self
    }

    /// Checks that the fields this map reads are among `columns` (the keys
    /// of in-memory records or a table's columns): the text field always,
    /// the others when they were renamed from their defaults, so that a
    /// renamed column that is not there is a usage error naming it rather
    /// than statements without speakers or dates.
    pub fn check_columns(&self, columns: &[&str]) -> Result<(), crate::error::UsageError> {
        let defaults = FieldMap::default();
        let fields = [
            ("text", &self.text, true),
            ("id", &self.id, self.id != defaults.id),
            ("speaker", &self.speaker, self.speaker != defaults.speaker),
            ("date", &self.date, self.date != defaults.date),
            ("source", &self.source, self.source != defaults.source),
            ("lang", &self.lang, self.lang != defaults.lang),
        ];
        for (role, name, required) in fields {
            if required && !columns.contains(&name.as_str()) {
                let mut known: Vec<&str> = columns.to_vec();
                known.sort_unstable();
                known.dedup();
                return Err(crate::error::UsageError::new(format!(
                    "the {role} column {name:?} is not in the data (its columns: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        Ok(())
    }
}

/// How to read an input.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// `None` guesses from the extension, then from the content.
    pub format: Option<InputFormat>,
    pub fields: FieldMap,
    pub on_error: OnError,
}

impl ReadOptions {
    /// In this format (`None`: guessed).
    pub fn with_format(mut self, format: Option<InputFormat>) -> Self {
        self.format = format;
        self
    }

    /// With these field names.
    pub fn with_fields(mut self, fields: FieldMap) -> Self {
        self.fields = fields;
        self
    }

    /// Doing this with bad records.
    pub fn with_on_error(mut self, on_error: OnError) -> Self {
        self.on_error = on_error;
        self
    }
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
#[derive(Debug, Clone, thiserror::Error)]
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
///
/// Every line is accounted for: `statements.len() + rejects.len() +
/// blank_lines + other_lines == lines`.
#[derive(Debug, Clone, Default)]
pub struct ReadOutcome {
    pub statements: Vec<Statement>,
    pub rejects: Vec<Reject>,
    /// Lines with nothing but white space (not statements, but counted).
    pub blank_lines: usize,
    /// CSV/TSV header lines, and the second and later lines of records
    /// whose quoted fields span several lines.
    pub other_lines: usize,
    /// Lines in the input.
    pub lines: usize,
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
    let bytes = strip_bom(bytes);
    let format = match opts.format.or_else(|| format_from_extension(path)) {
        Some(f) => f,
        None => sniff::detect(bytes, &opts.fields.text).map_err(|(line, reason)| InputError {
            file: name.to_string(),
            line,
            reason,
        })?,
    };
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
        InputFormat::Csv => read_delimited(&mut ctx, bytes, Dialect::Csv(b','))?,
        InputFormat::Tsv => read_delimited(&mut ctx, bytes, Dialect::Tsv)?,
    }
    ctx.out.lines = match format {
        InputFormat::Jsonl | InputFormat::Text => split_lines(bytes).count(),
        // The splitter of delimited rows ends lines at `\n` only (a `\r`
        // may be part of a quoted field).
        InputFormat::Csv | InputFormat::Tsv => {
            let breaks = bytes.iter().filter(|b| **b == b'\n').count();
            breaks + usize::from(bytes.last().is_some_and(|b| *b != b'\n'))
        }
    };
    Ok(ctx.out)
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
        let id = match f
            .id
            .filter(|i| !self.opts.fields.require_id || !i.is_empty())
        {
            Some(id) => id,
            None if self.opts.fields.require_id => {
                return Err(format!("missing or empty {:?} field", self.opts.fields.id))
            }
            None => generated_id(line),
        };
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

/// The id of a record that has none: `line:N`, which an id given in the
/// input is unlikely to repeat (and if one does, it is reported as a
/// duplicate like any other).
pub fn generated_id(line: usize) -> String {
    format!("line:{line}")
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

/// The longest record (line, or CSV/TSV record) read, in bytes: a longer
/// one is a bad record naming its file and line, so one runaway line cannot
/// take the memory of the whole machine.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// Lines of `bytes`, numbered from 1, without their ends. A line ends at
/// `\n`, `\r\n` or a lone `\r` (classic Mac files); a final empty line
/// is not counted.
fn split_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = bytes;
    let mut number = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        let (line, next) = match rest.iter().position(|b| *b == b'\n' || *b == b'\r') {
            Some(at) if rest[at] == b'\r' && rest.get(at + 1) == Some(&b'\n') => {
                (&rest[..at], &rest[at + 2..])
            }
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        Some((number, line))
    })
}

/// Why a record is too long to read, if it is.
fn too_long(raw: &[u8]) -> Option<String> {
    (raw.len() > MAX_RECORD_BYTES).then(|| {
        format!(
            "record of {} bytes is longer than the limit of {} MiB for one record",
            raw.len(),
            MAX_RECORD_BYTES >> 20
        )
    })
}

/// The start of an over-long record, for the rejects file.
fn head(raw: &[u8]) -> &[u8] {
    &raw[..raw.len().min(1024)]
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn read_jsonl(ctx: &mut Ctx, bytes: &[u8]) -> Result<(), InputError> {
    for (line, raw) in split_lines(bytes) {
        if let Some(reason) = too_long(raw) {
            ctx.bad(line, reason, head(raw))?;
            continue;
        }
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
        if let Some(reason) = too_long(raw) {
            ctx.bad(line, reason, head(raw))?;
            continue;
        }
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

fn read_delimited(ctx: &mut Ctx, bytes: &[u8], dialect: Dialect) -> Result<(), InputError> {
    let fatal = |line: usize, reason: String| InputError {
        file: ctx.name.clone(),
        line,
        reason,
    };
    let mut rows = Rows::new(bytes, dialect);
    let header: Row = loop {
        match rows.next() {
            None => return Ok(()),
            Some(Item::Blank(_)) => ctx.out.blank_lines += 1,
            Some(Item::Bad { line, reason, .. }) => {
                return Err(fatal(line, format!("cannot read the header: {reason}")))
            }
            Some(Item::Row(r)) => break r,
        }
    };
    ctx.out.other_lines += header.end_line - header.line + 1;
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let fm = ctx.opts.fields.clone();
    let column = |name: &str| -> Result<Option<usize>, InputError> {
        let mut at = names.iter().enumerate().filter(|(_, h)| *h == name);
        let first = at.next().map(|(i, _)| i);
        if at.next().is_some() {
            return Err(fatal(
                header.line,
                format!("column {name:?} appears more than once in the header"),
            ));
        }
        Ok(first)
    };
    let Some(text_col) = column(&fm.text)? else {
        return Err(fatal(
            header.line,
            format!(
                "no {:?} column in header (columns: {}); choose the field that holds the text",
                fm.text,
                names.join(", ")
            ),
        ));
    };
    let mut extra_cols = Vec::with_capacity(fm.extra.len());
    for name in &fm.extra {
        match column(name)? {
            Some(c) => extra_cols.push(Some(c)),
            None => {
                return Err(fatal(
                    header.line,
                    format!(
                        "no {name:?} column in header (columns: {})",
                        names.join(", ")
                    ),
                ))
            }
        }
    }
    let id_col = column(&fm.id)?;
    if fm.require_id && id_col.is_none() {
        return Err(fatal(
            header.line,
            format!(
                "no {:?} column in header (columns: {}); choose the field that holds the id",
                fm.id,
                names.join(", ")
            ),
        ));
    }
    let cols = [
        id_col,
        column(&fm.speaker)?,
        column(&fm.date)?,
        column(&fm.source)?,
        column(&fm.lang)?,
    ];
    let width = header.fields.len();
    for item in rows {
        let row = match item {
            Item::Blank(_) => {
                ctx.out.blank_lines += 1;
                continue;
            }
            Item::Bad { line, reason, raw } => {
                ctx.bad(line, reason, raw)?;
                continue;
            }
            Item::Row(row) => row,
        };
        ctx.out.other_lines += row.end_line - row.line;
        if let Some(reason) = too_long(row.raw) {
            ctx.bad(row.line, reason, head(row.raw))?;
            continue;
        }
        if row.fields.len() != width {
            ctx.bad(
                row.line,
                format!(
                    "malformed record: {} field(s) where the header has {width}",
                    row.fields.len()
                ),
                row.raw,
            )?;
            continue;
        }
        let cell = |i: Option<usize>| -> Result<Option<String>, String> {
            match i {
                None => Ok(None),
                Some(i) => std::str::from_utf8(&row.fields[i])
                    .map(|s| Some(s.to_string()))
                    .map_err(|e| {
                        format!(
                            "invalid UTF-8 in column {:?} at byte {}",
                            names[i],
                            e.valid_up_to()
                        )
                    }),
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
            Ok(f) => ctx.accept(f, row.line, row.raw)?,
            Err(reason) => ctx.bad(row.line, reason, row.raw)?,
        }
    }
    Ok(())
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
        assert_eq!(out.statements[0].id, "line:1");
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
        assert_eq!(out.statements[1].id, "line:3");
        let out = read("in.dat", b" {\"text\":\"x\"}\n", OnError::Fail).unwrap();
        assert_eq!(out.format, Some(InputFormat::Jsonl));
        let out = read("-", b"\xEF\xBB\xBFid,text\n1,a\n", OnError::Fail).unwrap();
        assert_eq!(out.format, Some(InputFormat::Csv));
        assert_eq!(out.statements[0].id, "1");
    }

    #[test]
    fn every_line_is_accounted_for() {
        let data = b"id,text\n1,\"two\nlines\"\n\n2,\"open\n3,x,extra\n4,ok\n";
        let out = read("in.csv", data, OnError::Skip).unwrap();
        let ids: Vec<&str> = out.statements.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, vec!["1", "4"]);
        let at: Vec<usize> = out.rejects.iter().map(|r| r.line).collect();
        assert_eq!(at, vec![5, 6]);
        assert_eq!((out.blank_lines, out.other_lines, out.lines), (1, 2, 7));
        assert_eq!(
            out.statements.len() + out.rejects.len() + out.blank_lines + out.other_lines,
            out.lines
        );
    }

    #[test]
    fn l8_cr_only_line_endings_end_lines() {
        let out = read("in.txt", b"first\rsecond\r\rthird\r\nfourth", OnError::Fail).unwrap();
        let texts: Vec<&str> = out.statements.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["first", "second", "third", "fourth"]);
        assert_eq!(out.statements[2].line, 4);
        assert_eq!((out.blank_lines, out.lines), (1, 5));
        let out = read(
            "in.jsonl",
            b"{\"text\":\"a\"}\r{\"text\":\"b\"}\r",
            OnError::Fail,
        )
        .unwrap();
        assert_eq!(out.statements.len(), 2);
    }

    #[test]
    fn l7_a_named_id_field_must_be_present() {
        let opts = |on_error| ReadOptions {
            on_error,
            fields: FieldMap {
                id: "ident".into(),
                require_id: true,
                ..FieldMap::default()
            },
            ..Default::default()
        };
        let data = b"{\"ident\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n";
        let e = read_from_bytes(
            "in.jsonl",
            data,
            Path::new("in.jsonl"),
            &opts(OnError::Fail),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "in.jsonl:2: missing or empty \"ident\" field"
        );
        let out = read_from_bytes(
            "in.jsonl",
            data,
            Path::new("in.jsonl"),
            &opts(OnError::Skip),
        )
        .unwrap();
        assert_eq!((out.statements.len(), out.rejects.len()), (1, 1));
        let e = read_from_bytes(
            "in.csv",
            b"id,text\n1,a\n",
            Path::new("in.csv"),
            &opts(OnError::Fail),
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("in.csv:1: no \"ident\" column"),
            "{e}"
        );
        // Without the option, a record without an id still gets `line:N`.
        let out = read("in.jsonl", data, OnError::Fail).unwrap();
        assert_eq!(out.statements[0].id, "line:1");
    }

    #[test]
    fn m5_a_record_longer_than_the_limit_is_a_reject_naming_its_line() {
        let mut data = b"{\"text\":\"short\"}\n{\"text\":\"".to_vec();
        data.resize(data.len() + MAX_RECORD_BYTES, b'a');
        data.extend_from_slice(b"\"}\n{\"text\":\"after\"}\n");
        let e = read("big.jsonl", &data, OnError::Fail).unwrap_err();
        assert!(
            e.to_string().starts_with("big.jsonl:2: record of ")
                && e.to_string().contains("64 MiB"),
            "{e}"
        );
        let out = read("big.jsonl", &data, OnError::Skip).unwrap();
        assert_eq!(out.statements.len(), 2);
        assert_eq!(out.rejects[0].line, 2);
        assert!(out.rejects[0].raw.len() <= 1024);
        let mut text = b"ok\n".to_vec();
        text.resize(text.len() + MAX_RECORD_BYTES + 1, b'b');
        let e = read("big.txt", &text, OnError::Fail).unwrap_err();
        assert!(e.to_string().starts_with("big.txt:2: record of "), "{e}");
        let mut csv = b"text\nok\n".to_vec();
        csv.resize(csv.len() + MAX_RECORD_BYTES + 1, b'c');
        let e = read("big.csv", &csv, OnError::Fail).unwrap_err();
        assert!(e.to_string().starts_with("big.csv:3: record of "), "{e}");
    }
}

#[cfg(test)]
mod column_tests {
    use super::FieldMap;

    #[test]
    fn a_renamed_column_that_is_missing_is_named() {
        let defaults = FieldMap::default();
        assert!(defaults.check_columns(&["text"]).is_ok());
        let e = defaults.check_columns(&["body", "who"]).unwrap_err();
        assert!(e.to_string().contains("text column \"text\""), "{e}");
        let renamed = FieldMap {
            speaker: "who".into(),
            date: "when".into(),
            ..FieldMap::default()
        };
        assert!(renamed.check_columns(&["text", "who", "when"]).is_ok());
        let e = renamed
            .check_columns(&["text", "speaker", "date"])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the speaker column \"who\" is not in the data (its columns: date, speaker, text)"
        );
    }
}
