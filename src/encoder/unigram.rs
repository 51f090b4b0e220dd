//! A compact SentencePiece-unigram tokenizer for `tokenizer.json` files
//! whose model is `Unigram` (the XLM-R family).
//!
//! Normalization and pre-tokenization use the `tokenizers` crate's own
//! components read from the same file; only the unigram lattice is done here,
//! with the pieces in one hash map. The crate's `Unigram` model keeps a
//! per-node hash-map trie that costs about 290 MB for the 250k-piece XLM-R
//! vocabulary; this one needs about 20 MB and gives the same pieces.
//! Like SentencePiece, special (control) pieces are never matched inside
//! text, and runs of unknown characters become a single unknown piece.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::error::{bail, Error, Result, WrapErr};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::{Normalizer, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer};

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    normalizer: Option<&'a RawValue>,
    #[serde(borrow)]
    pre_tokenizer: Option<&'a RawValue>,
    #[serde(borrow)]
    post_processor: Option<&'a RawValue>,
    #[serde(default)]
    added_tokens: Vec<AddedToken>,
    #[serde(borrow)]
    model: Model<'a>,
}

#[derive(Deserialize)]
struct AddedToken {
    id: u32,
    #[serde(default)]
    special: bool,
}

#[derive(Deserialize)]
struct Model<'a> {
    #[serde(rename = "type")]
    kind: String,
    /// A list of (piece, score) for a unigram; other models keep their own
    /// shape (WordPiece and BPE: a map from token to id).
    #[serde(borrow)]
    vocab: Option<&'a RawValue>,
    unk_id: Option<u32>,
    #[serde(default)]
    byte_fallback: bool,
}

/// Special-token frame read from the post-processor.
#[derive(Deserialize)]
#[serde(tag = "type")]
#[allow(clippy::enum_variant_names)] // the names are the file format's
enum PostProcessor {
    TemplateProcessing {
        single: Vec<TemplatePiece>,
        special_tokens: HashMap<String, SpecialToken>,
    },
    RobertaProcessing {
        sep: (String, u32),
        cls: (String, u32),
    },
    BertProcessing {
        sep: (String, u32),
        cls: (String, u32),
    },
}

#[derive(Deserialize)]
enum TemplatePiece {
    SpecialToken { id: String },
    Sequence {},
}

#[derive(Deserialize)]
struct SpecialToken {
    ids: Vec<u32>,
}

/// The compact unigram tokenizer.
pub struct UnigramTokenizer {
    pieces: HashMap<Box<str>, (u32, f32)>,
    max_piece_chars: usize,
    unk_id: u32,
    unk_score: f32,
    normalizer: Option<NormalizerWrapper>,
    pre_tokenizer: Option<PreTokenizerWrapper>,
    /// Token ids before and after the content.
    pub prefix: Vec<u32>,
    pub suffix: Vec<u32>,
}

impl UnigramTokenizer {
    /// Reads `tokenizer.json`; `Ok(None)` when its model is not a plain unigram.
    pub fn from_file(path: &Path) -> Result<Option<Self>> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let file: File =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if file.model.kind != "Unigram" || file.model.byte_fallback {
            return Ok(None);
        }
        let vocab: Vec<(String, f64)> = match file.model.vocab {
            Some(raw) => serde_json::from_str(raw.get())
                .with_context(|| format!("parsing the unigram vocabulary of {}", path.display()))?,
            None => Vec::new(),
        };
        let unk_id = file.model.unk_id.ok_or_else(|| {
            Error::model(format!("{}: unigram model without unk_id", path.display()))
        })?;
        let special: HashSet<u32> = file
            .added_tokens
            .iter()
            .filter(|t| t.special)
            .map(|t| t.id)
            .collect();
        let min_score = vocab.iter().map(|(_, s)| *s).fold(f64::INFINITY, f64::min);
        let mut pieces = HashMap::with_capacity(vocab.len());
        let mut max_piece_chars = 1;
        for (id, (piece, score)) in vocab.into_iter().enumerate() {
            let id = id as u32;
            if special.contains(&id) || id == unk_id || piece.is_empty() {
                continue;
            }
            max_piece_chars = max_piece_chars.max(piece.chars().count());
            pieces
                .entry(piece.into_boxed_str())
                .or_insert((id, score as f32));
        }
        let parse = |raw: Option<&RawValue>| -> Option<String> {
            raw.map(|r| r.get().to_string()).filter(|s| s != "null")
        };
        let normalizer = parse(file.normalizer)
            .map(|s| serde_json::from_str::<NormalizerWrapper>(&s))
            .transpose()
            .with_context(|| format!("{}: unsupported normalizer", path.display()))?;
        let pre_tokenizer = parse(file.pre_tokenizer)
            .map(|s| serde_json::from_str::<PreTokenizerWrapper>(&s))
            .transpose()
            .with_context(|| format!("{}: unsupported pre-tokenizer", path.display()))?;
        let (prefix, suffix) = match parse(file.post_processor) {
            None => (Vec::new(), Vec::new()),
            Some(s) => match serde_json::from_str::<PostProcessor>(&s) {
                Ok(p) => frame(p)?,
                // An unfamiliar post-processor: let the general tokenizer handle it.
                Err(_) => return Ok(None),
            },
        };
        Ok(Some(Self {
            pieces,
            max_piece_chars,
            unk_id,
            unk_score: (min_score - 10.0) as f32,
            normalizer,
            pre_tokenizer,
            prefix,
            suffix,
        }))
    }

    /// Content token ids (no special tokens) of `text`.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let mut pre = PreTokenizedString::from(text);
        if let Some(n) = &self.normalizer {
            pre.normalize(|s| n.normalize(s))
                .map_err(|e| Error::model(format!("normalizing: {e}")))?;
        }
        if let Some(p) = &self.pre_tokenizer {
            p.pre_tokenize(&mut pre)
                .map_err(|e| Error::model(format!("pre-tokenizing: {e}")))?;
        }
        let mut ids = Vec::new();
        for (piece, _, _) in pre.get_splits(OffsetReferential::Normalized, OffsetType::Byte) {
            self.viterbi(piece, &mut ids);
        }
        Ok(ids)
    }

    /// Best segmentation of `s` by total piece score; unknown characters
    /// cost `min score − 10` and consecutive unknowns merge.
    fn viterbi(&self, s: &str, out: &mut Vec<u32>) {
        if s.is_empty() {
            return;
        }
        let bounds: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .collect();
        let n = bounds.len() - 1;
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        let mut from = vec![0usize; n + 1];
        let mut piece = vec![u32::MAX; n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] == f32::NEG_INFINITY {
                continue;
            }
            let mut single = false;
            for e in i + 1..=(i + self.max_piece_chars).min(n) {
                if let Some(&(id, score)) = self.pieces.get(&s[bounds[i]..bounds[e]]) {
                    let cand = best[i] + score;
                    if cand > best[e] {
                        best[e] = cand;
                        from[e] = i;
                        piece[e] = id;
                    }
                    single |= e == i + 1;
                }
            }
            if !single {
                let cand = best[i] + self.unk_score;
                if cand > best[i + 1] {
                    best[i + 1] = cand;
                    from[i + 1] = i;
                    piece[i + 1] = self.unk_id;
                }
            }
        }
        let start = out.len();
        let mut e = n;
        while e > 0 {
            let id = piece[e];
            if !(id == self.unk_id && out.len() > start && *out.last().unwrap() == self.unk_id) {
                out.push(id);
            }
            e = from[e];
        }
        out[start..].reverse();
    }
}

fn frame(p: PostProcessor) -> Result<(Vec<u32>, Vec<u32>)> {
    Ok(match p {
        PostProcessor::RobertaProcessing { sep, cls }
        | PostProcessor::BertProcessing { sep, cls } => (vec![cls.1], vec![sep.1]),
        PostProcessor::TemplateProcessing {
            single,
            special_tokens,
        } => {
            let (mut prefix, mut suffix) = (Vec::new(), Vec::new());
            let mut seen_sequence = false;
            for piece in single {
                match piece {
                    TemplatePiece::Sequence {} => seen_sequence = true,
                    TemplatePiece::SpecialToken { id } => {
                        let ids = &special_tokens
                            .get(&id)
                            .ok_or_else(|| {
                                Error::model(format!("template names unknown special token {id}"))
                            })?
                            .ids;
                        if seen_sequence {
                            suffix.extend(ids);
                        } else {
                            prefix.extend(ids);
                        }
                    }
                }
            }
            if !seen_sequence {
                bail!("template has no sequence");
            }
            (prefix, suffix)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_models_are_left_to_the_tokenizers_crate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        std::fs::write(
            &path,
            r###"{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
                "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                          "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 1}}}"###,
        )
        .unwrap();
        assert!(UnigramTokenizer::from_file(&path).unwrap().is_none());
    }
}
