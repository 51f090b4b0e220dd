//! Telling the input format from the content, for standard input and files
//! whose name does not say.
//!
//! The first line that is not blank decides:
//! - it starts with `{`: JSON lines;
//! - split at tabs (or, failing that, as a CSV row) it is a header row that
//!   names the text column (`text`, or `--text-field`) and whose names look
//!   like column names (non-empty, distinct, at most 64 bytes, no white
//!   space at either end): TSV (or CSV);
//! - it is the text column's name alone: a one-column CSV/TSV header and a
//!   one-word statement look the same, so volte refuses to guess;
//! - anything else: plain text, one statement per line.

use super::delimited::{Dialect, Item, Rows};
use super::format::InputFormat;

/// The format of `bytes`, or why it cannot be told.
pub fn detect(bytes: &[u8], text_field: &str) -> Result<InputFormat, (usize, String)> {
    let Some((line_no, line)) = bytes
        .split(|&c| c == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
        .find(|(_, l)| !l.iter().all(|c| c.is_ascii_whitespace()))
    else {
        return Ok(InputFormat::Text);
    };
    let trimmed = line.trim_ascii_start();
    if trimmed.starts_with(b"{") {
        return Ok(InputFormat::Jsonl);
    }
    let names_text =
        |fields: &[&[u8]]| header_like(fields) && fields.contains(&text_field.as_bytes());
    if line.contains(&b'\t') {
        let fields: Vec<&[u8]> = line.split(|&c| c == b'\t').collect();
        if names_text(&fields) {
            return Ok(InputFormat::Tsv);
        }
    }
    if line.contains(&b',') || line.starts_with(b"\"") {
        if let Some(Item::Row(row)) = Rows::new(line, Dialect::Csv(b',')).next() {
            let fields: Vec<&[u8]> = row.fields.iter().map(|f| f.as_ref()).collect();
            if names_text(&fields) {
                return Ok(InputFormat::Csv);
            }
        }
    }
    if line == text_field.as_bytes() {
        return Err((
            line_no,
            format!(
                "cannot tell whether this is plain text whose first statement is {text_field:?} \
                 or a one-column CSV/TSV with a {text_field:?} header: give --input-format \
                 text, csv or tsv"
            ),
        ));
    }
    Ok(InputFormat::Text)
}

/// Whether `fields` look like the column names of a header row.
fn header_like(fields: &[&[u8]]) -> bool {
    let plausible = |f: &&[u8]| {
        !f.is_empty()
            && f.len() <= 64
            && std::str::from_utf8(f)
                .is_ok_and(|s| s.trim() == s && !s.chars().any(char::is_control))
    };
    if !fields.iter().all(plausible) {
        return false;
    }
    let mut sorted = fields.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).all(|w| w[0] != w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_content() {
        let d = |b: &[u8]| detect(b, "text");
        assert_eq!(d(b"\n {\"text\":\"a\"}\n"), Ok(InputFormat::Jsonl));
        assert_eq!(d(b"id,text\n1,hello\n"), Ok(InputFormat::Csv));
        assert_eq!(d(b"\"id\",\"text\"\n1,hello\n"), Ok(InputFormat::Csv));
        assert_eq!(d(b"text\tspeaker\nhallo\tA\n"), Ok(InputFormat::Tsv));
        assert_eq!(d(b"Hello, world\nsecond\n"), Ok(InputFormat::Text));
        assert_eq!(d(b"text, then more\n"), Ok(InputFormat::Text));
        assert_eq!(d(b"id,text,text\n"), Ok(InputFormat::Text));
        assert_eq!(d(b""), Ok(InputFormat::Text));
        assert!(d(b"\ntext\r\nhello\n").unwrap_err().0 == 2);
        assert_eq!(detect(b"id,body\n", "body"), Ok(InputFormat::Csv));
    }
}
