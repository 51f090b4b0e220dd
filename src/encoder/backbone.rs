//! The transformer on candle: BERT or XLM-RoBERTa (same layers; XLM-R
//! position ids start after the padding index), on CPU, CUDA or Metal, in
//! float32, float16 or bfloat16.
//!
//! The layers are candle-transformers' `BertEncoder`. The embeddings and the
//! additive attention mask are built here, so the mask uses a finite minimum
//! of the compute type: `(1 − mask) × f32::MIN` is −∞ in float16 and
//! `0 × −∞` would turn every unmasked score into NaN.

use crate::error::{Result, WrapErr};
use candle_core::{DType, Device, Tensor};
use candle_nn::{embedding, layer_norm, Embedding, LayerNorm, Module, VarBuilder};
use candle_transformers::models::bert::{BertEncoder, Config};

use crate::model::{Architecture, ModelLayout, Weights};

/// A loaded encoder producing per-token hidden states.
pub struct Backbone {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    norm: LayerNorm,
    encoder: BertEncoder,
    position_offset: u32,
    dtype: DType,
}

impl Backbone {
    /// Loads the weights of `layout` onto `device` in `dtype`.
    pub fn load(layout: &ModelLayout, device: &Device, dtype: DType) -> Result<Self> {
        crate::model::finite::check_finite_weights(&layout.weights)?;
        let vb = match &layout.weights {
            // SAFETY: the weight files are memory-mapped read-only and not
            // modified while the model lives.
            Weights::Safetensors(files) => {
                unsafe { VarBuilder::from_mmaped_safetensors(files, dtype, device) }
                    .with_context(|| format!("loading weights from {}", layout.dir.display()))?
            }
            Weights::PytorchBin(file) => VarBuilder::from_pth(file, dtype, device)
                .with_context(|| format!("loading {}", file.display()))?,
        };
        let cfg: &Config = layout.config.bert()?;
        let vb = ["bert", "roberta", "model"]
            .into_iter()
            .find(|p| vb.contains_tensor(&format!("{p}.embeddings.word_embeddings.weight")))
            .map_or(vb.clone(), |p| vb.pp(p));
        let e = vb.pp("embeddings");
        let h = cfg.hidden_size;
        let position_offset = match layout.architecture {
            Architecture::Bert => 0,
            Architecture::XlmRoberta => cfg.pad_token_id as u32 + 1,
        };
        Ok(Self {
            word: embedding(cfg.vocab_size, h, e.pp("word_embeddings"))?,
            position: embedding(cfg.max_position_embeddings, h, e.pp("position_embeddings"))?,
            token_type: embedding(cfg.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            norm: layer_norm(h, cfg.layer_norm_eps, e.pp("LayerNorm"))?,
            encoder: BertEncoder::load(vb.pp("encoder"), cfg).context("building the encoder")?,
            position_offset,
            dtype,
        })
    }

    /// Hidden states `[batch, seq, hidden]` for right-padded `ids` and their
    /// 0/1 `mask` (padding positions get ordinary position ids; they are
    /// masked out of attention and pooling).
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (_, seq) = ids.dims2()?;
        let device = ids.device();
        let positions: Vec<u32> = (0..seq as u32).map(|i| i + self.position_offset).collect();
        let positions = Tensor::new(positions.as_slice(), device)?;
        let types = ids.zeros_like()?;
        let x = self
            .word
            .forward(ids)?
            .broadcast_add(&self.position.forward(&positions)?)?
            .broadcast_add(&self.token_type.forward(&types)?)?;
        let x = self.norm.forward(&x)?;
        let minimum = match self.dtype {
            DType::F16 => -65504.0,
            _ => -1e30,
        };
        let additive = ((mask.to_dtype(DType::F32)? - 1.0)? * (-minimum))?
            .to_dtype(self.dtype)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        Ok(self.encoder.forward(&x, &additive)?)
    }
}
