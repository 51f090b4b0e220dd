//! The sentence encoder: prompt, tokenize, batch by length under a token
//! budget, run the backbone, pool, average windows, L2-normalize.

use crate::error::{Result, WrapErr};
use candle_core::Device;

use super::batching::plan_batches;
use super::device::{device_name, DeviceChoice};
use super::int8::tier::Tier;
use super::oom::run_halving;
use super::precision::Precision;
use super::runtime::RuntimeOptions;
use super::tokenize::{LongText, TextTokenizer, TokenizedText};
use super::transformer::Transformer;
use super::TextEmbedder;
use crate::embeddings::Embeddings;
use crate::model::{ModelLayout, Pooling, ResolvedModel};
use crate::progress::Progress;

/// How to run the encoder: the runtime (device, precision, tier, batch
/// sizes) and the text side (prompt, long texts).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EncoderOptions {
    pub runtime: RuntimeOptions,
    /// Prompt name from the model's configuration (`query`, `passage`).
    pub prompt_name: Option<String>,
    /// Literal prompt text; wins over `prompt_name`.
    pub prompt: Option<String>,
    pub long_text: LongText,
}

impl EncoderOptions {
    pub fn with_runtime(mut self, runtime: RuntimeOptions) -> Self {
        self.runtime = runtime;
        self
    }

    pub fn with_device(mut self, device: DeviceChoice) -> Self {
        self.runtime.device = device;
        self
    }

    pub fn with_dtype(mut self, dtype: Precision) -> Self {
        self.runtime.dtype = dtype;
        self
    }

    pub fn with_cpu_tier(mut self, tier: Option<Tier>) -> Self {
        self.runtime.cpu_tier = tier;
        self
    }

    /// Padded tokens per batch (at least 1).
    pub fn with_token_budget(mut self, tokens: usize) -> Self {
        self.runtime = self.runtime.with_token_budget(tokens);
        self
    }

    pub fn with_prompt_name(mut self, name: Option<String>) -> Self {
        self.prompt_name = name;
        self
    }

    pub fn with_prompt(mut self, prompt: Option<String>) -> Self {
        self.prompt = prompt;
        self
    }

    pub fn with_long_text(mut self, long_text: LongText) -> Self {
        self.long_text = long_text;
        self
    }
}

/// Counters for the run summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodeStats {
    pub texts: usize,
    pub windows: usize,
    pub tokens: usize,
    pub truncated: usize,
    pub empty: usize,
}

/// A loaded sentence-embedding model.
pub struct SentenceEncoder {
    engine: Transformer,
    precision: Precision,
    tokenizer: TextTokenizer,
    layout: ModelLayout,
    device: Device,
    prompt: String,
    options: EncoderOptions,
    name: String,
    pub stats: EncodeStats,
}

impl SentenceEncoder {
    /// Loads a resolved model (the settings give the int8 kernel tier when
    /// the options force none).
    pub fn load(
        model: &ResolvedModel,
        options: EncoderOptions,
        settings: &crate::Settings,
    ) -> Result<Self> {
        let layout = ModelLayout::open(&model.dir)?;
        let prompt = match (&options.prompt, &options.prompt_name) {
            (Some(p), _) => p.clone(),
            (None, Some(name)) => layout.prompt(name)?.to_string(),
            (None, None) => match &layout.default_prompt_name {
                Some(name) => layout.prompt(name)?.to_string(),
                None => String::new(),
            },
        };
        let tokenizer = TextTokenizer::from_file(&layout.tokenizer, layout.max_seq_length)?;
        let runtime = options.runtime.open(settings)?;
        runtime.log_tier();
        let (device, precision, tier) = (runtime.device, runtime.precision, runtime.tier);
        let engine = Transformer::load(&layout, &device, precision, tier)?;
        // The int8 tiers round differently (cosine ≥ 0.99 to each other),
        // so the tier is part of what identifies the embeddings: a cache
        // filled by one tier is not served to another.
        let precision_name = match precision {
            Precision::Int8 => format!("Int8/{tier}"),
            p => format!("{p:?}"),
        };
        let name = format!(
            "{}|{:?}|{}|{:?}|{precision_name}",
            model.spec, layout.pooling, prompt, options.long_text
        );
        Ok(Self {
            engine,
            precision,
            tokenizer,
            layout,
            device,
            prompt,
            options,
            name,
            stats: EncodeStats::default(),
        })
    }

    pub fn layout(&self) -> &ModelLayout {
        &self.layout
    }

    pub fn device_name(&self) -> &'static str {
        device_name(&self.device)
    }

    pub fn prompt(&self) -> &str {
        &self.prompt
    }

    /// Tokenizes texts with the prompt applied.
    pub fn tokenize(&self, texts: &[&str]) -> Result<Vec<TokenizedText>> {
        let prompted: Vec<String> = texts
            .iter()
            .map(|t| format!("{}{t}", self.prompt))
            .collect();
        self.tokenizer
            .tokenize_batch(&prompted, self.options.long_text)
    }

    /// Embeds texts in input order, advancing `progress` by one per text.
    pub fn embed_with_progress(
        &mut self,
        texts: &[&str],
        progress: Option<&dyn Progress>,
    ) -> Result<Embeddings> {
        let dim = self.layout.hidden_size;
        let tokenized = self.tokenize(texts)?;
        // Flatten windows, remembering their text and weight.
        let mut windows: Vec<(usize, f32, &[u32])> = Vec::new();
        for (t, tok) in tokenized.iter().enumerate() {
            for (ids, w) in tok.windows.iter().zip(&tok.weights) {
                windows.push((t, *w as f32, ids));
            }
        }
        let lengths: Vec<usize> = windows.iter().map(|w| w.2.len()).collect();
        let batches = plan_batches(
            &lengths,
            self.options.runtime.token_budget,
            self.options.runtime.max_batch,
        );
        let mut sums = vec![0f32; texts.len() * dim];
        let mut weight = vec![0f32; texts.len()];
        let mut remaining: Vec<usize> = tokenized.iter().map(|t| t.windows.len()).collect();
        for batch in batches {
            let seqs: Vec<&[u32]> = batch.iter().map(|&i| windows[i].2).collect();
            let pooled = run_halving(&seqs, &mut |b| self.run_batch(b), &mut |n| {
                tracing::warn!("device out of memory on a batch of {n}; halving it")
            })
            .context("running the encoder on a batch")?;
            for (row, &i) in batch.iter().enumerate() {
                let (t, w, _) = windows[i];
                let v = &pooled[row * dim..(row + 1) * dim];
                sums[t * dim..(t + 1) * dim]
                    .iter_mut()
                    .zip(v)
                    .for_each(|(s, x)| *s += w * x);
                weight[t] += w;
                remaining[t] -= 1;
                if remaining[t] == 0 {
                    if let Some(p) = progress {
                        p.advance(1);
                    }
                }
            }
        }
        for (t, w) in weight.iter().enumerate() {
            if *w > 0.0 {
                sums[t * dim..(t + 1) * dim]
                    .iter_mut()
                    .for_each(|s| *s /= w);
            }
        }
        let mut out = Embeddings::new(dim, sums)?;
        out.normalize();
        self.stats.texts += texts.len();
        self.stats.windows += windows.len();
        self.stats.tokens += lengths.iter().sum::<usize>();
        self.stats.truncated += tokenized.iter().filter(|t| t.truncated).count();
        self.stats.empty += texts.iter().filter(|t| t.trim().is_empty()).count();
        Ok(out)
    }

    /// Runs the engine on a batch; returns `[batch × dim]` pooled floats.
    fn run_batch(&self, seqs: &[&[u32]]) -> Result<Vec<f32>> {
        self.engine.pooled(seqs, self.layout.pooling)
    }

    /// `int8 (avx2)`, `f32`, …: the precision in use, with the int8
    /// kernel tier.
    pub fn precision_label(&self) -> String {
        match self.int8_tier() {
            Some(t) => format!("int8 ({t})"),
            None => format!("{:?}", self.precision()).to_lowercase(),
        }
    }

    /// The summary of what was encoded so far.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        format!(
            "{} text(s), {} token(s) in {} window(s), {} truncated at {} tokens, {} empty",
            s.texts, s.tokens, s.windows, s.truncated, self.layout.max_seq_length, s.empty
        )
    }

    pub fn pooling(&self) -> Pooling {
        self.layout.pooling
    }

    /// The precision actually in use (`auto` resolved).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The int8 kernel tier, when the int8 encoder runs.
    pub fn int8_tier(&self) -> Option<Tier> {
        match &self.engine {
            Transformer::Int8(m) => Some(m.tier()),
            Transformer::Candle { .. } => None,
        }
    }

    /// Seconds per stage of the int8 encoder's forward passes so far.
    pub fn stage_seconds(&self) -> Option<Vec<(&'static str, f64)>> {
        match &self.engine {
            Transformer::Int8(m) => Some(m.stage_seconds()),
            Transformer::Candle { .. } => None,
        }
    }
}

impl TextEmbedder for SentenceEncoder {
    fn dim(&self) -> usize {
        self.layout.hidden_size
    }

    fn embed(&mut self, texts: &[&str]) -> Result<Embeddings> {
        self.embed_with_progress(texts, None)
    }

    fn fingerprint(&self) -> String {
        self.name.clone()
    }
}
