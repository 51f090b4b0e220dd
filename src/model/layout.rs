//! A model directory in sentence-transformers layout: `config.json`,
//! `tokenizer.json`, weights, and the optional `modules.json`,
//! `1_Pooling/config.json`, `config_sentence_transformers.json` and
//! `sentence_bert_config.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{bail, Result, WrapErr};
use serde::Deserialize;

/// Encoder architecture, picked by `config.json`'s `model_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    Bert,
    XlmRoberta,
}

/// How token states become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Mean,
    Cls,
}

/// Where the float weights are.
#[derive(Debug, Clone, PartialEq)]
pub enum Weights {
    Safetensors(Vec<PathBuf>),
    PytorchBin(PathBuf),
}

/// Everything volte needs to know about a model directory.
#[derive(Debug, Clone)]
pub struct ModelLayout {
    pub dir: PathBuf,
    pub architecture: Architecture,
    /// `config.json`, parsed once here.
    pub config: ModelConfig,
    pub tokenizer: PathBuf,
    pub weights: Weights,
    /// The packed 4-bit file, when the directory was made from one.
    pub quantized: Option<PathBuf>,
    pub pooling: Pooling,
    pub prompts: BTreeMap<String, String>,
    pub default_prompt_name: Option<String>,
    pub max_seq_length: usize,
    pub hidden_size: usize,
}

/// The hyper-parameters of `config.json` that volte reads.
#[derive(Debug, Clone, Deserialize)]
pub struct ModelConfig {
    pub model_type: Option<String>,
    pub hidden_size: usize,
    pub num_attention_heads: usize,
    pub num_hidden_layers: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    pub pad_token_id: Option<usize>,
    pub max_position_embeddings: Option<usize>,
    /// The same file as candle's BERT configuration (for the float
    /// encoder), or why it is not one.
    #[serde(skip)]
    bert: Option<Result<candle_transformers::models::bert::Config, String>>,
}

fn default_eps() -> f64 {
    1e-12
}

fn default_act() -> String {
    "gelu".to_string()
}

impl ModelConfig {
    /// Parses `config.json`'s text.
    pub fn parse(text: &str) -> serde_json::Result<Self> {
        let mut config: ModelConfig = serde_json::from_str(text)?;
        config.bert = Some(serde_json::from_str(text).map_err(|e| e.to_string()));
        Ok(config)
    }

    /// candle's BERT configuration of the same file.
    pub fn bert(&self) -> Result<&candle_transformers::models::bert::Config> {
        match &self.bert {
            Some(Ok(c)) => Ok(c),
            Some(Err(e)) => bail!("config.json lacks BERT/XLM-RoBERTa hyper-parameters: {e}"),
            None => bail!("config.json was not parsed"),
        }
    }
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

#[derive(Deserialize)]
struct Module {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize, Default)]
struct StConfig {
    #[serde(default)]
    prompts: BTreeMap<String, String>,
    default_prompt_name: Option<String>,
}

#[derive(Deserialize)]
struct SbertConfig {
    max_seq_length: Option<usize>,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

impl ModelLayout {
    /// Reads a model directory; fails naming the first missing or invalid file.
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            bail!("model directory {} does not exist", dir.display());
        }
        let config_path = dir.join("config.json");
        let config_json = std::fs::read_to_string(&config_path)
            .with_context(|| format!("{}: missing config.json", dir.display()))?;
        let head = ModelConfig::parse(&config_json)
            .with_context(|| format!("parsing {}", config_path.display()))?;
        let architecture = match head.model_type.as_deref() {
            Some("bert") | None => Architecture::Bert,
            Some("xlm-roberta") | Some("xlm_roberta") | Some("roberta") => Architecture::XlmRoberta,
            Some(other) => bail!(
                "{}: model_type {other:?} is not supported (bert, xlm-roberta)",
                config_path.display()
            ),
        };
        let tokenizer = dir.join("tokenizer.json");
        if !tokenizer.is_file() {
            bail!("{}: missing tokenizer.json", dir.display());
        }
        let weights = find_weights(dir)?;
        let quantized = Some(dir.join("model.e5s1")).filter(|p| p.is_file());

        let mut pooling = Pooling::Mean;
        let mut pooling_dir = dir.join("1_Pooling");
        let modules_path = dir.join("modules.json");
        if modules_path.is_file() {
            let modules: Vec<Module> = read_json(&modules_path)?;
            if let Some(m) = modules.iter().find(|m| m.kind.ends_with("Pooling")) {
                pooling_dir = dir.join(&m.path);
            }
        }
        let pooling_cfg = pooling_dir.join("config.json");
        if pooling_cfg.is_file() {
            let p: PoolingConfig = read_json(&pooling_cfg)?;
            pooling = if p.pooling_mode_cls_token {
                Pooling::Cls
            } else if p.pooling_mode_mean_tokens {
                Pooling::Mean
            } else if p.pooling_mode_max_tokens
                || p.pooling_mode_mean_sqrt_len_tokens
                || p.pooling_mode_weightedmean_tokens
                || p.pooling_mode_lasttoken
            {
                bail!(
                    "{}: only mean and CLS pooling are supported",
                    pooling_cfg.display()
                )
            } else {
                Pooling::Mean
            };
        }
        let st_path = dir.join("config_sentence_transformers.json");
        let st: StConfig = if st_path.is_file() {
            read_json(&st_path)?
        } else {
            StConfig::default()
        };
        let sbert_path = dir.join("sentence_bert_config.json");
        let positions = head.max_position_embeddings.unwrap_or(512);
        let usable = match architecture {
            // RoBERTa-style position ids start after the padding index.
            Architecture::XlmRoberta => {
                positions.saturating_sub(head.pad_token_id.unwrap_or(1) + 1)
            }
            Architecture::Bert => positions,
        };
        let mut max_seq_length = usable;
        if sbert_path.is_file() {
            let s: SbertConfig = read_json(&sbert_path)?;
            if let Some(m) = s.max_seq_length {
                max_seq_length = m.min(usable);
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            architecture,
            tokenizer,
            weights,
            quantized,
            pooling,
            prompts: st.prompts,
            default_prompt_name: st.default_prompt_name,
            max_seq_length,
            hidden_size: head.hidden_size,
            config: head,
        })
    }

    /// The prompt text for a prompt name, failing with the names the model knows.
    pub fn prompt(&self, name: &str) -> Result<&str> {
        match self.prompts.get(name) {
            Some(p) => Ok(p),
            None => bail!(
                "model {} has no prompt named {name:?} (known: {})",
                self.dir.display(),
                if self.prompts.is_empty() {
                    "none".to_string()
                } else {
                    self.prompts.keys().cloned().collect::<Vec<_>>().join(", ")
                }
            ),
        }
    }
}

fn find_weights(dir: &Path) -> Result<Weights> {
    let single = dir.join("model.safetensors");
    if single.is_file() {
        return Ok(Weights::Safetensors(vec![single]));
    }
    let index = dir.join("model.safetensors.index.json");
    if index.is_file() {
        #[derive(Deserialize)]
        struct Index {
            weight_map: BTreeMap<String, String>,
        }
        let idx: Index = read_json(&index)?;
        let mut files: Vec<String> = idx.weight_map.into_values().collect();
        files.sort();
        files.dedup();
        return Ok(Weights::Safetensors(
            files.into_iter().map(|f| dir.join(f)).collect(),
        ));
    }
    let bin = dir.join("pytorch_model.bin");
    if bin.is_file() {
        return Ok(Weights::PytorchBin(bin));
    }
    bail!(
        "{}: no weights (model.safetensors, model.safetensors.index.json or pytorch_model.bin)",
        dir.display()
    )
}
