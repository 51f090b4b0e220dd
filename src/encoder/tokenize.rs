//! Text to token windows: the model's tokenizer, its special-token frame,
//! and truncation or chunking at the model's maximum length.

use std::path::Path;

use anyhow::{anyhow, ensure, Result};
use rayon::prelude::*;
use tokenizers::Tokenizer;

use super::unigram::UnigramTokenizer;

/// What to do with texts longer than the model's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum LongText {
    /// Keep the first window and count the text as truncated.
    #[default]
    Truncate,
    /// Embed every window and average them, weighted by token count.
    Chunk,
}

/// One text's windows: token ids with the special-token frame, and the
/// number of content tokens in each (the averaging weight).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizedText {
    pub windows: Vec<Vec<u32>>,
    pub weights: Vec<usize>,
    pub truncated: bool,
}

enum Inner {
    /// SentencePiece-unigram vocabularies (compact, see `unigram`).
    Unigram(Box<UnigramTokenizer>),
    /// Everything else, through the `tokenizers` crate.
    General(Box<Tokenizer>),
}

/// A tokenizer that knows the model's frame and maximum length.
pub struct TextTokenizer {
    inner: Inner,
    prefix: Vec<u32>,
    suffix: Vec<u32>,
    max_len: usize,
}

impl TextTokenizer {
    /// Loads `tokenizer.json`; `max_len` counts the special tokens too.
    pub fn from_file(path: &Path, max_len: usize) -> Result<Self> {
        let (inner, prefix, suffix) = match UnigramTokenizer::from_file(path)? {
            Some(u) => {
                let (p, s) = (u.prefix.clone(), u.suffix.clone());
                (Inner::Unigram(Box::new(u)), p, s)
            }
            None => {
                let (t, p, s) = general(path)?;
                (Inner::General(Box::new(t)), p, s)
            }
        };
        ensure!(
            max_len > prefix.len() + suffix.len(),
            "maximum length {max_len} leaves no room for content"
        );
        Ok(Self {
            inner,
            prefix,
            suffix,
            max_len,
        })
    }

    /// The special tokens around one text: before it and after it.
    pub fn frame_ids(&self) -> (&[u32], &[u32]) {
        (&self.prefix, &self.suffix)
    }

    /// Content tokens per window.
    pub fn window_len(&self) -> usize {
        self.max_len - self.prefix.len() - self.suffix.len()
    }

    /// Content token ids of a text, without special tokens.
    pub fn content_ids(&self, text: &str) -> Result<Vec<u32>> {
        match &self.inner {
            Inner::Unigram(u) => u.encode(text),
            Inner::General(t) => Ok(t
                .encode(text, false)
                .map_err(|e| anyhow!("tokenizing: {e}"))?
                .get_ids()
                .to_vec()),
        }
    }

    /// Tokenizes many texts (in parallel) into windows.
    pub fn tokenize_batch(&self, texts: &[String], mode: LongText) -> Result<Vec<TokenizedText>> {
        texts
            .par_iter()
            .map(|t| Ok(self.frame(&self.content_ids(t)?, mode)))
            .collect()
    }

    /// Splits content ids into framed windows.
    pub fn frame(&self, content: &[u32], mode: LongText) -> TokenizedText {
        let w = self.window_len();
        let truncated = content.len() > w;
        let chunks: Vec<&[u32]> = if content.is_empty() {
            vec![&[][..]]
        } else {
            match mode {
                LongText::Truncate => vec![&content[..content.len().min(w)]],
                LongText::Chunk => content.chunks(w).collect(),
            }
        };
        let windows = chunks
            .iter()
            .map(|c| {
                let mut ids = Vec::with_capacity(c.len() + self.prefix.len() + self.suffix.len());
                ids.extend_from_slice(&self.prefix);
                ids.extend_from_slice(c);
                ids.extend_from_slice(&self.suffix);
                ids
            })
            .collect();
        let weights = chunks.iter().map(|c| c.len().max(1)).collect();
        TokenizedText {
            windows,
            weights,
            truncated: truncated && mode == LongText::Truncate,
        }
    }
}

/// Loads a general tokenizer and finds its special-token frame by
/// tokenizing a probe with and without special tokens.
fn general(path: &Path) -> Result<(Tokenizer, Vec<u32>, Vec<u32>)> {
    let mut inner = Tokenizer::from_file(path)
        .map_err(|e| anyhow!("loading tokenizer {}: {e}", path.display()))?;
    inner.with_truncation(None).map_err(|e| anyhow!("{e}"))?;
    inner.with_padding(None);
    let plain = inner.encode("a", false).map_err(|e| anyhow!("{e}"))?;
    let framed = inner.encode("a", true).map_err(|e| anyhow!("{e}"))?;
    let (p, f) = (plain.get_ids(), framed.get_ids());
    let pos = (0..=f.len().saturating_sub(p.len()))
        .find(|&i| &f[i..i + p.len()] == p)
        .ok_or_else(|| anyhow!("{}: cannot locate the special-token frame", path.display()))?;
    let prefix = f[..pos].to_vec();
    let suffix = f[pos + p.len()..].to_vec();
    Ok((inner, prefix, suffix))
}
