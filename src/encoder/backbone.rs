//! The transformer itself, through candle-transformers: BERT, or XLM-RoBERTa
//! (whose position ids start after the padding index), picked by the model's
//! `config.json`.

use anyhow::{Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config as BertConfig};
use candle_transformers::models::xlm_roberta::{Config as XlmrConfig, XLMRobertaModel};

use crate::model::{Architecture, ModelLayout, Weights};

/// A loaded encoder producing per-token hidden states.
pub enum Backbone {
    Bert(BertModel),
    XlmRoberta(XLMRobertaModel),
}

impl Backbone {
    /// Loads the weights of `layout` onto `device` in `dtype`.
    pub fn load(layout: &ModelLayout, device: &Device, dtype: DType) -> Result<Self> {
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
        match layout.architecture {
            Architecture::Bert => {
                let cfg: BertConfig = serde_json::from_str(&layout.config_json)
                    .context("config.json is not a BERT configuration")?;
                Ok(Self::Bert(
                    BertModel::load(vb, &cfg).context("building the BERT encoder")?,
                ))
            }
            Architecture::XlmRoberta => {
                let cfg: XlmrConfig = serde_json::from_str(&layout.config_json)
                    .context("config.json is not an XLM-RoBERTa configuration")?;
                let vb = if vb.contains_tensor("roberta.embeddings.word_embeddings.weight") {
                    vb.pp("roberta")
                } else {
                    vb
                };
                Ok(Self::XlmRoberta(
                    XLMRobertaModel::new(&cfg, vb).context("building the XLM-RoBERTa encoder")?,
                ))
            }
        }
    }

    /// Hidden states `[batch, seq, hidden]` for padded `ids` and their 0/1 `mask`.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let type_ids = ids.zeros_like()?;
        Ok(match self {
            Self::Bert(m) => m.forward(ids, &type_ids, Some(mask))?,
            Self::XlmRoberta(m) => m.forward(ids, mask, &type_ids, None, None, None)?,
        })
    }
}
