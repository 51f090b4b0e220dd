//! Splitting CSV and TSV into rows, with exact line numbers.
//!
//! **CSV** follows RFC 4180, strictly where leniency would merge or split
//! records silently: a field that starts with `"` is quoted, may hold
//! delimiters, line breaks and doubled quotes (`""`), and must be followed
//! by a delimiter or the end of the line. A quote that never closes, or
//! text after a closing quote, makes the row bad: it is reported at the
//! line where the row starts, and reading goes on at the next line, so the
//! lines after a stray quote are read as the rows they are instead of being
//! swallowed into one field. A `"` inside an unquoted field is kept as it is.
//! (The `csv` crate accepts both faults without a word, which is why volte
//! splits rows itself.)
//!
//! **TSV** (IANA `text/tab-separated-values`) has no quoting: every line is
//! one row, fields are split at each tab and kept literally, quotes
//! included. Fields cannot contain tabs or line breaks.
//!
//! In both, a line of nothing but white space (outside a quoted field) is a
//! blank line, reported as such so it can be counted.

use std::borrow::Cow;

/// How rows and fields are delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 4180 quoting with the given delimiter.
    Csv(u8),
    /// One row per line, fields split at tabs, no quoting.
    Tsv,
}

/// One row: its fields and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    /// First line of the row (1-based).
    pub line: usize,
    /// Last line (differs from `line` when a quoted field spans lines).
    pub end_line: usize,
    pub fields: Vec<Cow<'a, [u8]>>,
    /// The row's bytes as written, without its final line break.
    pub raw: &'a [u8],
}

/// What the splitter finds next.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<'a> {
    Row(Row<'a>),
    /// A line with nothing but white space.
    Blank(usize),
    /// A row that cannot be split; `raw` is its first line, the only line
    /// it consumes.
    Bad {
        line: usize,
        reason: String,
        raw: &'a [u8],
    },
}

/// An iterator over the rows of `bytes`.
pub struct Rows<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    dialect: Dialect,
}

impl<'a> Rows<'a> {
    pub fn new(bytes: &'a [u8], dialect: Dialect) -> Self {
        Self {
            bytes,
            pos: 0,
            line: 1,
            dialect,
        }
    }
}

/// End of the line starting at `start` (before `\r\n` or `\n`) and the
/// start of the next line.
fn line_bounds(b: &[u8], start: usize) -> (usize, usize) {
    match b[start..].iter().position(|&c| c == b'\n') {
        Some(k) => {
            let nl = start + k;
            let end = if nl > start && b[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            (end, nl + 1)
        }
        None => {
            let end = if b.last() == Some(&b'\r') {
                b.len() - 1
            } else {
                b.len()
            };
            (end.max(start), b.len())
        }
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|c| c.is_ascii_whitespace())
}

impl<'a> Iterator for Rows<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        let start = self.pos;
        let (line_end, next_line) = line_bounds(self.bytes, start);
        if is_blank(&self.bytes[start..line_end]) {
            let line = self.line;
            self.pos = next_line;
            self.line += 1;
            return Some(Item::Blank(line));
        }
        match self.dialect {
            Dialect::Tsv => {
                let raw = &self.bytes[start..line_end];
                let line = self.line;
                self.pos = next_line;
                self.line += 1;
                Some(Item::Row(Row {
                    line,
                    end_line: line,
                    fields: raw.split(|&c| c == b'\t').map(Cow::Borrowed).collect(),
                    raw,
                }))
            }
            Dialect::Csv(delimiter) => Some(self.csv_row(delimiter, start, line_end, next_line)),
        }
    }
}

impl<'a> Rows<'a> {
    /// Splits the CSV row starting at `start`; on a fault, reports the first
    /// line and moves on to the next one.
    fn csv_row(
        &mut self,
        delimiter: u8,
        start: usize,
        first_line_end: usize,
        next_line: usize,
    ) -> Item<'a> {
        let b = self.bytes;
        let first_line = self.line;
        let bad = |this: &mut Self, reason: String| {
            this.pos = next_line;
            this.line = first_line + 1;
            Item::Bad {
                line: first_line,
                reason,
                raw: &b[start..first_line_end],
            }
        };
        let mut fields: Vec<Cow<'a, [u8]>> = Vec::new();
        let mut line = first_line;
        let mut i = start;
        loop {
            // One field starting at `i`.
            if i < b.len() && b[i] == b'"' {
                let mut value = Vec::new();
                let mut j = i + 1;
                loop {
                    if j >= b.len() {
                        return bad(
                            self,
                            format!(
                                "unclosed quote: field {} opens a quote that is never closed",
                                fields.len() + 1
                            ),
                        );
                    }
                    match b[j] {
                        b'"' if b.get(j + 1) == Some(&b'"') => {
                            value.push(b'"');
                            j += 2;
                        }
                        b'"' => {
                            j += 1;
                            break;
                        }
                        c => {
                            if c == b'\n' {
                                line += 1;
                            }
                            value.push(c);
                            j += 1;
                        }
                    }
                }
                fields.push(Cow::Owned(value));
                match b.get(j) {
                    None => return self.finish(fields, first_line, line, start, b.len(), b.len()),
                    Some(&c) if c == delimiter => i = j + 1,
                    Some(b'\n') => return self.finish(fields, first_line, line, start, j, j + 1),
                    Some(b'\r') if matches!(b.get(j + 1), None | Some(b'\n')) => {
                        let next = (j + 2).min(b.len());
                        return self.finish(fields, first_line, line, start, j, next);
                    }
                    Some(_) => {
                        return bad(
                            self,
                            format!(
                                "text after the closing quote of field {} (a quote inside a quoted field is written \"\")",
                                fields.len()
                            ),
                        )
                    }
                }
            } else {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == delimiter || c == b'\n')
                    .map_or(b.len(), |k| i + k);
                match b.get(end) {
                    Some(&c) if c == delimiter => {
                        fields.push(Cow::Borrowed(&b[i..end]));
                        i = end + 1;
                    }
                    _ => {
                        // End of the row at a line break or the end of input.
                        let value_end = if end > i && b[end - 1] == b'\r' {
                            end - 1
                        } else {
                            end
                        };
                        fields.push(Cow::Borrowed(&b[i..value_end]));
                        let next = (end + 1).min(b.len());
                        return self.finish(fields, first_line, line, start, value_end, next);
                    }
                }
            }
        }
    }

    fn finish(
        &mut self,
        fields: Vec<Cow<'a, [u8]>>,
        first_line: usize,
        last_line: usize,
        start: usize,
        raw_end: usize,
        next: usize,
    ) -> Item<'a> {
        self.pos = next;
        self.line = last_line + 1;
        Item::Row(Row {
            line: first_line,
            end_line: last_line,
            fields,
            raw: &self.bytes[start..raw_end.max(start)],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(item: &Item) -> Vec<String> {
        match item {
            Item::Row(r) => r
                .fields
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
            other => panic!("not a row: {other:?}"),
        }
    }

    #[test]
    fn csv_quoting_and_line_numbers() {
        let data = b"a,\"b, c\",\"say \"\"hi\"\"\"\r\n\n\"multi\nline\",x\nlast,\n";
        let items: Vec<Item> = Rows::new(data, Dialect::Csv(b',')).collect();
        assert_eq!(items.len(), 4);
        assert_eq!(fields(&items[0]), vec!["a", "b, c", "say \"hi\""]);
        assert_eq!(items[1], Item::Blank(2));
        assert_eq!(fields(&items[2]), vec!["multi\nline", "x"]);
        let Item::Row(r) = &items[2] else { panic!() };
        assert_eq!((r.line, r.end_line), (3, 4));
        assert_eq!(r.raw, b"\"multi\nline\",x");
        assert_eq!(fields(&items[3]), vec!["last", ""]);
        let Item::Row(r) = &items[3] else { panic!() };
        assert_eq!(r.line, 5);
    }

    #[test]
    fn an_unclosed_quote_is_bad_and_reading_resumes_on_the_next_line() {
        let data = b"1,\"Unclosed\n2,Second.\n3,Third.";
        let items: Vec<Item> = Rows::new(data, Dialect::Csv(b',')).collect();
        assert!(
            matches!(&items[0], Item::Bad { line: 1, reason, raw } if reason.starts_with("unclosed quote") && *raw == b"1,\"Unclosed")
        );
        assert_eq!(fields(&items[1]), vec!["2", "Second."]);
        assert_eq!(fields(&items[2]), vec!["3", "Third."]);
    }

    #[test]
    fn text_after_a_closing_quote_is_bad() {
        let items: Vec<Item> = Rows::new(b"\"a\"b,c\nd,e\n", Dialect::Csv(b',')).collect();
        assert!(matches!(&items[0], Item::Bad { line: 1, .. }));
        assert_eq!(fields(&items[1]), vec!["d", "e"]);
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_literal() {
        let items: Vec<Item> = Rows::new(b"5'11\",x\n", Dialect::Csv(b',')).collect();
        assert_eq!(fields(&items[0]), vec!["5'11\"", "x"]);
    }

    #[test]
    fn tsv_is_literal() {
        let items: Vec<Item> = Rows::new(b"1\t\"Open\n2\t\"q\" x\r\n \t\n", Dialect::Tsv).collect();
        assert_eq!(fields(&items[0]), vec!["1", "\"Open"]);
        assert_eq!(fields(&items[1]), vec!["2", "\"q\" x"]);
        assert_eq!(items[2], Item::Blank(3));
    }
}
