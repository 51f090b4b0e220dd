//! Semantic textual similarity evaluation: Spearman correlation between the
//! cosine of two sentence embeddings and a gold score, on STS-benchmark CSVs
//! (`sentence1,sentence2,score`, no header).

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};

use crate::embeddings::cosine;
use crate::encoder::TextEmbedder;
use crate::stats::spearman;

/// One gold pair.
#[derive(Debug, Clone, PartialEq)]
pub struct StsPair {
    pub sentence1: String,
    pub sentence2: String,
    pub score: f64,
}

/// Reads an STS CSV; errors name the file and line.
pub fn read_sts(path: &Path) -> Result<Vec<StsPair>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut pairs = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{}: malformed CSV", path.display()))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.len() != 3 {
            bail!(
                "{}:{line}: expected 3 columns (sentence1,sentence2,score), got {}",
                path.display(),
                rec.len()
            );
        }
        let score: f64 = rec[2].trim().parse().with_context(|| {
            format!(
                "{}:{line}: score {:?} is not a number",
                path.display(),
                &rec[2]
            )
        })?;
        pairs.push(StsPair {
            sentence1: rec[0].to_string(),
            sentence2: rec[1].to_string(),
            score,
        });
    }
    ensure!(!pairs.is_empty(), "{}: no pairs", path.display());
    Ok(pairs)
}

/// Result of an STS evaluation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StsResult {
    pub pairs: usize,
    pub unique_sentences: usize,
    pub spearman: f64,
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
        spearman: spearman(&cos, &gold),
    })
}
