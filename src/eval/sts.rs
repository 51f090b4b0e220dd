//! Semantic textual similarity evaluation: Spearman correlation between the
//! cosine of two sentence embeddings and a gold score, on STS-benchmark CSVs
//! (`sentence1,sentence2,score`, no header).

use std::path::Path;

use crate::error::{ensure, Result};

use super::stats::spearman;
use crate::embeddings::cosine;
use crate::encoder::TextEmbedder;
use crate::input::{Dialect, InputError, Item, Rows};

/// One gold pair.
#[derive(Debug, Clone, PartialEq)]
pub struct StsPair {
    pub sentence1: String,
    pub sentence2: String,
    pub score: f64,
}

/// Reads an STS CSV (RFC 4180 quoting, no header); every fault is an
/// [`InputError`] naming the file and line.
pub fn read_sts(path: &Path) -> Result<Vec<StsPair>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| InputError {
        file: name.clone(),
        line: 0,
        reason: format!("cannot read: {e}"),
    })?;
    Ok(parse_sts(&name, &bytes)?)
}

/// Parses the bytes of an STS CSV; `name` is used in errors.
pub fn parse_sts(name: &str, bytes: &[u8]) -> Result<Vec<StsPair>, InputError> {
    let fault = |line: usize, reason: String| InputError {
        file: name.to_string(),
        line,
        reason,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut pairs = Vec::new();
    for item in Rows::new(bytes, Dialect::Csv(b',')) {
        let row = match item {
            Item::Blank(_) => continue,
            Item::Bad { line, reason, .. } => return Err(fault(line, reason)),
            Item::Row(r) => r,
        };
        let line = row.line;
        if row.fields.len() != 3 {
            return Err(fault(
                line,
                format!(
                    "expected 3 columns (sentence1,sentence2,score), got {}",
                    row.fields.len()
                ),
            ));
        }
        let text = |i: usize| {
            std::str::from_utf8(&row.fields[i])
                .map(str::to_string)
                .map_err(|e| fault(line, format!("invalid UTF-8 at byte {}", e.valid_up_to())))
        };
        let raw_score = text(2)?;
        let score: f64 = raw_score
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite())
            .ok_or_else(|| fault(line, format!("score {raw_score:?} is not a finite number")))?;
        pairs.push(StsPair {
            sentence1: text(0)?,
            sentence2: text(1)?,
            score,
        });
    }
    if pairs.is_empty() {
        return Err(fault(0, "no pairs".into()));
    }
    Ok(pairs)
}

/// Result of an STS evaluation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StsResult {
    pub pairs: usize,
    pub unique_sentences: usize,
    /// `None` when it is undefined: the gold scores (or the cosines) are
    /// all equal.
    pub spearman: Option<f64>,
}

fn is_constant(v: &[f64]) -> bool {
    v.windows(2).all(|w| w[0] == w[1])
}

/// Embeds each distinct sentence once and correlates cosines with gold scores.
/// With `cross`, sentence2 of row i comes from `cross[i]` (same gold score).
pub fn evaluate(
    embedder: &mut dyn TextEmbedder,
    pairs: &[StsPair],
    cross: Option<&[StsPair]>,
) -> Result<StsResult> {
    if let Some(c) = cross {
        ensure!(
            c.len() == pairs.len(),
            "cross-lingual file has {} rows, the first has {}",
            c.len(),
            pairs.len()
        );
    }
    let second = |i: usize| -> &str {
        match cross {
            Some(c) => &c[i].sentence2,
            None => &pairs[i].sentence2,
        }
    };
    let mut index = std::collections::HashMap::new();
    let mut unique: Vec<&str> = Vec::new();
    for (i, p) in pairs.iter().enumerate() {
        for s in [p.sentence1.as_str(), second(i)] {
            index.entry(s).or_insert_with(|| {
                unique.push(s);
                unique.len() - 1
            });
        }
    }
    let emb = embedder.embed(&unique)?;
    let mut cos = Vec::with_capacity(pairs.len());
    let mut gold = Vec::with_capacity(pairs.len());
    for (i, p) in pairs.iter().enumerate() {
        let a = emb.row(index[p.sentence1.as_str()]);
        let b = emb.row(index[second(i)]);
        cos.push(cosine(a, b) as f64);
        gold.push(p.score);
    }
    Ok(StsResult {
        pairs: pairs.len(),
        unique_sentences: unique.len(),
        spearman: if is_constant(&cos) || is_constant(&gold) {
            None
        } else {
            Some(spearman(&cos, &gold))
        },
    })
}
