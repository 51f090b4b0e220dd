//! Text to token windows: the model's tokenizer, its special-token frame,
//! and truncation or chunking at the model's maximum length.

use std::path::Path;

use crate::error::{ensure, Error, Result};

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
            Inner::Unigram(u) => Ok(u.encode(text)?),
            Inner::General(t) => Ok(t
                .encode(text, false)
                .map_err(|e| Error::model(format!("tokenizing: {e}")))?
                .get_ids()
                .to_vec()),
        }
    }

    /// Tokenizes many texts (in parallel) into windows.
    pub fn tokenize_batch(&self, texts: &[String], mode: LongText) -> Result<Vec<TokenizedText>> {
        texts
            .par_iter()
            .map(|t| {
                let ids = match mode {
                    LongText::Truncate => self.leading_ids(t)?,
                    LongText::Chunk => self.content_ids(t)?,
                };
                Ok(self.frame(&ids, mode))
            })
            .collect()
    }

    /// Content ids of a text as far as truncation needs them: the same
    /// first [`Self::window_len`] ids as [`Self::content_ids`] of the whole
    /// text, and more than that many exactly when the whole text has more.
    ///
    /// A long text is tokenized by prefixes of growing length (from
    /// [`PREFIX_BYTES_PER_TOKEN`] bytes per window token, doubling), each
    /// cut just before white space, where the pre-tokenizer splits anyway,
    /// so the prefix's ids are the first ids of the whole text; the first
    /// prefix that yields more than a window is enough. Memory then grows
    /// with the window, not with the text (a text of 50 MB is not
    /// tokenized whole only to keep its first 512 tokens). A text with no
    /// white space near the cut is tokenized whole.
    pub fn leading_ids(&self, text: &str) -> Result<Vec<u32>> {
        self.leading_ids_for(text, self.window_len())
    }

    /// [`Self::leading_ids`] for `n` tokens instead of a window: the same
    /// first `n` ids as the whole text's, and more than `n` exactly when the
    /// whole text has more.
    pub fn leading_ids_for(&self, text: &str, n: usize) -> Result<Vec<u32>> {
        let mut budget = n.max(1).saturating_mul(PREFIX_BYTES_PER_TOKEN);
        while budget < text.len() {
            if let Some(cut) = cut_before_space(text, budget) {
                let ids = self.content_ids(&text[..cut])?;
                if ids.len() > n {
                    return Ok(ids);
                }
            }
            budget = budget.saturating_mul(2);
        }
        self.content_ids(text)
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

/// Bytes of text per window token in the first prefix
/// [`TextTokenizer::leading_ids`] tokenizes (doubled until it is enough).
pub const PREFIX_BYTES_PER_TOKEN: usize = 16;

/// The end of the longest prefix of `text` of at most `max` bytes that
/// stops just before a white-space character, when that prefix is at least
/// half as long.
fn cut_before_space(text: &str, max: usize) -> Option<usize> {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let at = if text[end..].starts_with(char::is_whitespace) {
        end
    } else {
        text[..end]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())?
            .0
    };
    (at >= max / 2).then_some(at)
}

/// Loads a general tokenizer and finds its special-token frame by
/// tokenizing a probe with and without special tokens.
fn general(path: &Path) -> Result<(Tokenizer, Vec<u32>, Vec<u32>)> {
    let mut inner = Tokenizer::from_file(path)
        .map_err(|e| Error::model(format!("loading tokenizer {}: {e}", path.display())))?;
    inner
        .with_truncation(None)
        .map_err(|e| Error::model(format!("{e}")))?;
    inner.with_padding(None);
    let plain = inner
        .encode("a", false)
        .map_err(|e| Error::model(format!("{e}")))?;
    let framed = inner
        .encode("a", true)
        .map_err(|e| Error::model(format!("{e}")))?;
    let (p, f) = (plain.get_ids(), framed.get_ids());
    let pos = (0..=f.len().saturating_sub(p.len()))
        .find(|&i| &f[i..i + p.len()] == p)
        .ok_or_else(|| {
            Error::model(format!(
                "{}: cannot locate the special-token frame",
                path.display()
            ))
        })?;
    let prefix = f[..pos].to_vec();
    let suffix = f[pos + p.len()..].to_vec();
    Ok((inner, prefix, suffix))
}
