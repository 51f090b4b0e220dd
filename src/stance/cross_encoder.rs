//! The stance model: a cross-encoder that reads a thesis and a statement
//! together and says whether the statement agrees with the thesis, disagrees
//! with it, or takes no side.
//!
//! It is multilingual-e5-small (the offline base, `multilingual-e5-small-q4`)
//! whose upper layers were fine-tuned on German party justifications of
//! Wahl-O-Mat theses, with mean pooling and a three-way linear head. The
//! model directory (`models/stance/` in the repository, compiled into volte
//! by [`super::bundled`]) ships only what
//! differs from the base: `stance.safetensors` (the trained layers, their
//! linear weights in int8, see [`super::weights`], and the head) and
//! `stance.json` (where the trained layers start, the input layout). The base's weight file comes first and the shipped file second,
//! so the shipped layers replace the base's (both the candle and the int8
//! loaders let a later file win).
//!
//! Input: `<s> query: THESIS </s></s> passage: STATEMENT </s>`, the thesis
//! cut to `max_thesis_tokens`, the pair to `max_tokens`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{bail, ensure, Result, WrapErr};
use candle_core::Device;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::shipped_weights::float_weights;
use crate::encoder::batching::plan_batches;
use crate::encoder::device::device_name;
use crate::encoder::int8::tensor_reader::TensorReader;
use crate::encoder::oom::run_halving;
use crate::encoder::tokenize::TextTokenizer;
use crate::encoder::transformer::Transformer;
use crate::encoder::Precision;
use crate::model::{ModelLayout, Pooling, Weights};
use crate::Settings;

/// The configuration file of a stance model directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StanceConfig {
    pub format: String,
    /// Offline model name of the base.
    pub base: String,
    /// SHA-256 of the base's `model.safetensors`.
    pub base_weights_sha256: String,
    pub first_trained_layer: usize,
    /// Class order of the head: disagree, neutral, agree.
    pub labels: Vec<String>,
    pub thesis_prefix: String,
    pub statement_prefix: String,
    pub max_thesis_tokens: usize,
    pub max_tokens: usize,
    pub pooling: String,
    /// The head's logits are divided by this before the softmax (fitted on
    /// the dev split so that the probabilities are calibrated); 1 when absent.
    #[serde(default = "unit_temperature")]
    pub temperature: f32,
}

fn unit_temperature() -> f32 {
    1.0
}

const FORMAT: &str = "volte-stance-1";
const LABELS: [&str; 3] = ["disagree", "neutral", "agree"];

/// The model's answer for one (thesis, statement) pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StanceScore {
    pub p_agree: f32,
    pub p_disagree: f32,
    pub p_neutral: f32,
}

impl StanceScore {
    /// `p_agree − p_disagree`, in [−1, 1].
    pub fn stance(&self) -> f32 {
        self.p_agree - self.p_disagree
    }

    /// The probabilities of the head's logits (disagree, neutral, agree)
    /// at a temperature: `softmax(logits / temperature)`.
    pub fn from_logits(l: &[f32; 3], temperature: f32) -> Self {
        let z: Vec<f32> = l.iter().map(|x| x / temperature).collect();
        let max = z.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
        let e: Vec<f32> = z.iter().map(|x| (x - max).exp()).collect();
        let sum: f32 = e.iter().sum();
        Self {
            p_disagree: e[0] / sum,
            p_neutral: e[1] / sum,
            p_agree: e[2] / sum,
        }
    }
}

/// Scores (thesis, statement) pairs, in order: what the report needs of the
/// stance model ([`StanceModel`] implements it).
pub trait PairStance {
    fn pair_stance(&self, pairs: &[(&str, &str)]) -> Result<Vec<StanceScore>>;
}

impl PairStance for StanceModel {
    fn pair_stance(&self, pairs: &[(&str, &str)]) -> Result<Vec<StanceScore>> {
        self.score(pairs, &mut |_| {})
    }
}

/// How to run the stance model: the same runtime options as the sentence
/// encoder's.
pub type StanceOptions = crate::encoder::RuntimeOptions;

/// Counters for run summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StanceStats {
    pub pairs: usize,
    pub tokens: usize,
    /// Pairs whose statement was cut to fit `max_tokens`.
    pub truncated: usize,
}

/// The directory of the stance model that comes with volte: the copy
/// compiled into volte ([`super::bundled`]), written into the model cache
/// on first use (under the settings' cache).
pub fn default_model_dir(settings: &Settings) -> Result<PathBuf> {
    super::bundled::provision(&crate::model::cache::cache_root(settings)?)
}

/// A loaded stance model.
pub struct StanceModel {
    engine: Transformer,
    tokenizer: TextTokenizer,
    config: StanceConfig,
    /// Head weights `3 × hidden` and bias.
    head_weight: Vec<f32>,
    head_bias: Vec<f32>,
    hidden: usize,
    precision: Precision,
    device: Device,
    options: StanceOptions,
    dir: PathBuf,
    stats: std::sync::Mutex<StanceStats>,
}

impl StanceModel {
    /// Loads the stance model in `dir`, provisioning its base model (an
    /// offline model name in `stance.json`) when needed.
    pub fn load(dir: &Path, options: StanceOptions, settings: &Settings) -> Result<Self> {
        let config = read_config(dir)?;
        let base = crate::model::resolve(&config.base, settings)?;
        Self::load_with_base(&base.dir, dir, options, settings)
    }

    /// Loads the stance model in `dir` over the base model in `base_dir`
    /// (which must hold the weights the model was trained from).
    pub fn load_with_base(
        base_dir: &Path,
        dir: &Path,
        options: StanceOptions,
        settings: &Settings,
    ) -> Result<Self> {
        let config = read_config(dir)?;
        let weights = float_weights(
            &dir.join("stance.safetensors"),
            &crate::model::cache::cache_root(settings)?.join("stance"),
        )?;
        let mut layout = ModelLayout::open(base_dir)?;
        let Weights::Safetensors(files) = &mut layout.weights else {
            bail!("the stance model's base needs safetensors weights");
        };
        ensure!(
            files.len() == 1,
            "the stance model's base has {} weight files, expected one",
            files.len()
        );
        let actual = file_sha256(&files[0])?;
        if actual != config.base_weights_sha256 {
            bail!(
                "{} was trained on base weights with SHA-256 {}, but {} has {actual}; \
                 provision the base with `volte models pull {}`",
                dir.display(),
                config.base_weights_sha256,
                files[0].display(),
                config.base
            );
        }
        files.push(weights.clone());
        let reader = TensorReader::open(std::slice::from_ref(&weights))?;
        let head_weight = reader.f32("classifier.weight")?;
        let head_bias = reader.f32("classifier.bias")?;
        let hidden = layout.hidden_size;
        ensure!(
            head_weight.len() == LABELS.len() * hidden && head_bias.len() == LABELS.len(),
            "{}: the head does not fit hidden size {hidden}",
            weights.display()
        );
        let runtime = options.open(settings)?;
        let (device, precision, tier) = (runtime.device, runtime.precision, runtime.tier);
        let engine = Transformer::load(&layout, &device, precision, tier)
            .with_context(|| format!("loading the stance model from {}", dir.display()))?;
        let max_tokens = config.max_tokens.min(layout.max_seq_length);
        let tokenizer = TextTokenizer::from_file(&layout.tokenizer, max_tokens)?;
        Ok(Self {
            engine,
            tokenizer,
            config: StanceConfig {
                max_tokens,
                ..config
            },
            head_weight,
            head_bias,
            hidden,
            precision,
            device,
            options,
            dir: dir.to_path_buf(),
            stats: Default::default(),
        })
    }

    /// The precision in use (`auto` resolved).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the model runs.
    pub fn device_name(&self) -> &'static str {
        device_name(&self.device)
    }

    /// Tokens of a pair, at most (statements are cut to fit).
    pub fn max_tokens(&self) -> usize {
        self.config.max_tokens
    }

    /// Counters since loading.
    pub fn stats(&self) -> StanceStats {
        self.stats.lock().expect("stats lock").clone()
    }

    /// A short stable name of the model and settings (for caches).
    pub fn fingerprint(&self) -> String {
        format!(
            "stance|{}|{}|{:?}|T{}",
            self.config.base_weights_sha256,
            self.config.first_trained_layer,
            self.precision,
            self.config.temperature
        )
    }

    /// The model's input for one pair: token ids, and whether the statement
    /// was cut to fit.
    pub fn input_ids(&self, thesis: &str, statement: &str) -> Result<(Vec<u32>, bool)> {
        let a = self
            .tokenizer
            .content_ids(&format!("{}{thesis}", self.config.thesis_prefix))?;
        let b = self.tokenizer.leading_ids_for(
            &format!("{}{statement}", self.config.statement_prefix),
            self.config.max_tokens,
        )?;
        Ok(self.pair_ids(&a, &b))
    }

    /// Token ids of a tokenized thesis and statement as one input; whether
    /// the statement was cut.
    fn pair_ids(&self, thesis: &[u32], statement: &[u32]) -> (Vec<u32>, bool) {
        let (pre, suf) = self.tokenizer.frame_ids();
        let a = &thesis[..thesis.len().min(self.config.max_thesis_tokens)];
        let fixed = pre.len() + a.len() + 3 * suf.len();
        let room = self.config.max_tokens.saturating_sub(fixed);
        let b = &statement[..statement.len().min(room)];
        let mut ids = Vec::with_capacity(fixed + b.len());
        ids.extend_from_slice(pre);
        ids.extend_from_slice(a);
        ids.extend_from_slice(suf);
        ids.extend_from_slice(suf);
        ids.extend_from_slice(b);
        ids.extend_from_slice(suf);
        (ids, b.len() < statement.len())
    }

    /// Scores (thesis, statement) pairs, in order; `progress` is told how
    /// many pairs each finished batch held.
    pub fn score(
        &self,
        pairs: &[(&str, &str)],
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<StanceScore>> {
        Ok(self
            .logits(pairs, progress)?
            .iter()
            .map(|l| StanceScore::from_logits(l, self.config.temperature))
            .collect())
    }

    /// The temperature of the model's probabilities (`stance.json`).
    pub fn temperature(&self) -> f32 {
        self.config.temperature
    }

    /// The head's logits (disagree, neutral, agree) of pairs, in order,
    /// before the temperature.
    pub fn logits(
        &self,
        pairs: &[(&str, &str)],
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<[f32; 3]>> {
        let mut theses: HashMap<&str, Vec<u32>> = HashMap::new();
        for (t, _) in pairs {
            if !theses.contains_key(t) {
                let ids = self
                    .tokenizer
                    .content_ids(&format!("{}{t}", self.config.thesis_prefix))?;
                theses.insert(t, ids);
            }
        }
        let inputs: Vec<(Vec<u32>, bool)> = pairs
            .par_iter()
            .map(|(t, s)| {
                let ids = self.tokenizer.leading_ids_for(
                    &format!("{}{s}", self.config.statement_prefix),
                    self.config.max_tokens,
                )?;
                Ok(self.pair_ids(&theses[t], &ids))
            })
            .collect::<Result<_>>()?;
        let lengths: Vec<usize> = inputs.iter().map(|(ids, _)| ids.len()).collect();
        let batches = plan_batches(&lengths, self.options.token_budget, self.options.max_batch);
        let h = self.hidden;
        let mut out = vec![[0f32; 3]; pairs.len()];
        for batch in batches {
            let seqs: Vec<&[u32]> = batch.iter().map(|&i| inputs[i].0.as_slice()).collect();
            let pooled = run_halving(
                &seqs,
                &mut |b| self.engine.pooled(b, Pooling::Mean),
                &mut |n| tracing::warn!("device out of memory on a batch of {n}; halving it"),
            )
            .context("running the stance model on a batch")?;
            for (row, &i) in batch.iter().enumerate() {
                let x = &pooled[row * h..(row + 1) * h];
                for (c, logit) in out[i].iter_mut().enumerate() {
                    let w = &self.head_weight[c * h..(c + 1) * h];
                    *logit = w.iter().zip(x).map(|(a, b)| a * b).sum::<f32>() + self.head_bias[c];
                }
                ensure!(
                    out[i].iter().all(|v| v.is_finite()),
                    "the stance model gave non-finite logits for pair {}",
                    i + 1
                );
            }
            progress(batch.len());
        }
        let mut stats = self.stats.lock().expect("stats lock");
        stats.pairs += pairs.len();
        stats.tokens += lengths.iter().sum::<usize>();
        stats.truncated += inputs.iter().filter(|(_, cut)| *cut).count();
        Ok(out)
    }
}

/// Reads and checks `stance.json`.
fn read_config(dir: &Path) -> Result<StanceConfig> {
    let config_path = dir.join("stance.json");
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("reading the stance model {}", config_path.display()))?;
    let config: StanceConfig = serde_json::from_str(&text)
        .with_context(|| format!("parsing {}", config_path.display()))?;
    ensure!(
        config.format == FORMAT,
        "{}: format {:?}, expected {FORMAT:?}",
        config_path.display(),
        config.format
    );
    ensure!(
        config.labels == LABELS,
        "{}: labels {:?}, expected {LABELS:?}",
        config_path.display(),
        config.labels
    );
    ensure!(
        config.temperature.is_finite() && config.temperature > 0.0,
        "{}: temperature {} is not a positive number",
        config_path.display(),
        config.temperature
    );
    ensure!(
        config.pooling == "mean",
        "{}: pooling {:?} is not supported",
        config_path.display(),
        config.pooling
    );
    Ok(config)
}

/// SHA-256 of a file, remembered next to it (`<file>.sha256`, with the
/// file's size and modification time) so that large files are hashed once.
fn file_sha256(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let stamp = format!(
        "{} {}",
        meta.len(),
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let sidecar = PathBuf::from(format!("{}.sha256", path.display()));
    if let Ok(text) = std::fs::read_to_string(&sidecar) {
        if let Some((s, hash)) = text.trim().rsplit_once(' ') {
            if s == stamp {
                return Ok(hash.to_string());
            }
        }
    }
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("reading {}", path.display()))?;
    let hash = format!("{:x}", hasher.finalize());
    // Remembering is an optimisation: a read-only cache just hashes again.
    let _ = crate::output::atomic::write_atomic(&sidecar, format!("{stamp} {hash}\n").as_bytes());
    Ok(hash)
}
