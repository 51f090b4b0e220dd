//! Which model a command uses and how it runs it: `--model`, `--device`,
//! `--dtype`, the prompt and the batch size, turned into the front door's
//! options.

use anyhow::Result;
use clap::Args;

use super::values;
use volte::encoder::int8::Tier;
use volte::encoder::{DeviceChoice, EncoderOptions, LongText, Precision};
use volte::model;
use volte::Settings;
use volte::{Engine, EngineOptions};

/// Which model to use and how to run it.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Model: a Hugging Face repo id (optionally `repo@revision`), a local
    /// directory in sentence-transformers layout, or an offline model
    /// (`multilingual-e5-small-q4`). When the Hub is unreachable, the default
    /// model comes from the offline source.
    #[arg(long, default_value = model::DEFAULT_MODEL, env = "VOLTE_MODEL")]
    pub model: String,

    /// Where to run the encoder and the similarity search; `auto` uses a GPU
    /// when one is built in and present, else the CPU.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,

    /// Named prompt from the model's configuration, e.g. `query` or `passage`
    /// (E5 models expect one of them).
    #[arg(long)]
    pub prompt_name: Option<String>,

    /// Literal text prepended to every statement (overrides --prompt-name).
    #[arg(long)]
    pub prompt: Option<String>,

    /// Texts longer than the model's maximum: `truncate` keeps the first
    /// window (and counts it), `chunk` averages all windows.
    #[arg(long, value_enum, default_value_t = LongText::Truncate)]
    pub long_text: LongText,

    /// Padded tokens per encoder batch (memory/speed trade-off).
    #[arg(long, default_value_t = 8192, value_parser = values::at_least_one)]
    pub batch_tokens: usize,

    /// Numeric precision: `auto` is, on the CPU, int8 with the best kernel
    /// tier of this CPU where that beats float32 (cosine ≥ 0.99 to float32;
    /// `volte doctor` shows the choice), and f16 on CUDA; `f32` is the exact
    /// reference.
    #[arg(long, value_enum, default_value_t = Precision::Auto)]
    pub dtype: Precision,

    /// Force the int8 kernel tier: avx512vnni, avxvnni, avx2, neon-i8mm,
    /// neon-dot or portable (default: `VOLTE_CPU`, else the best this CPU
    /// supports). A tier the CPU lacks is an error.
    #[arg(long, value_parser = parse_tier)]
    pub cpu_tier: Option<Tier>,
}

pub fn parse_tier(s: &str) -> std::result::Result<Tier, String> {
    Tier::parse(s).map_err(|e| e.to_string())
}

impl ModelArgs {
    pub fn encoder_options(&self) -> EncoderOptions {
        EncoderOptions::default()
            .with_device(self.device)
            .with_prompt_name(self.prompt_name.clone())
            .with_prompt(self.prompt.clone())
            .with_long_text(self.long_text)
            .with_token_budget(self.batch_tokens)
            .with_dtype(self.dtype)
            .with_cpu_tier(self.cpu_tier)
    }

    /// The front door's options for this command line; `symmetric` asks
    /// for the model's `query` prompt when none is chosen (comparing
    /// statements with each other), `cache` for the embedding cache.
    pub fn engine_options(
        &self,
        settings: &Settings,
        symmetric: bool,
        cache: bool,
    ) -> EngineOptions {
        EngineOptions::default()
            .with_encoder(self.encoder_options())
            .with_embedding_cache(cache)
            .with_symmetric_prompt(symmetric)
            .with_settings(settings.clone())
    }

    /// Opens the model (provisioning it when needed).
    pub fn open(&self, settings: &Settings, symmetric: bool, cache: bool) -> Result<Engine> {
        Ok(Engine::open(
            self.model.as_str(),
            self.engine_options(settings, symmetric, cache),
        )?)
    }
}
