//! The transformer behind every model: token id sequences in, one pooled
//! vector per sequence out, on candle (any device, float) or on the int8 CPU
//! encoder. Sentence embeddings and the stance cross-encoder both run on it.

use crate::error::{bail, Result};
use candle_core::{DType, Device, Tensor};

use super::backbone::Backbone;
use super::int8::tier::Tier;
use super::int8::Int8Encoder;
use super::precision::Precision;
use crate::model::{ModelLayout, Pooling};

/// A loaded transformer.
pub enum Transformer {
    Candle {
        backbone: Backbone,
        device: Device,
        pad: u32,
    },
    Int8(Box<Int8Encoder>),
}

impl Transformer {
    /// Loads the weights of `layout` for `device` in `precision`, which must
    /// already be resolved (not [`Precision::Auto`]); int8 runs the kernels
    /// of `tier`.
    pub fn load(
        layout: &ModelLayout,
        device: &Device,
        precision: Precision,
        tier: Tier,
    ) -> Result<Self> {
        let candle = |dtype| -> Result<Self> {
            Ok(Self::Candle {
                backbone: Backbone::load(layout, device, dtype)?,
                device: device.clone(),
                pad: layout.config.pad_token_id.unwrap_or(0) as u32,
            })
        };
        match precision {
            Precision::Int8 => {
                if !device.is_cpu() {
                    bail!(
                        "int8 precision runs on the CPU only (choose the CPU device, or f16/bf16 on a GPU)"
                    );
                }
                Ok(Self::Int8(Box::new(Int8Encoder::load(layout, tier)?)))
            }
            Precision::F16 => candle(DType::F16),
            Precision::Bf16 => {
                if device.is_cpu() {
                    bail!("bf16 precision needs a GPU (the CPU supports f32, f16 and int8)");
                }
                candle(DType::BF16)
            }
            Precision::F32 | Precision::Auto => candle(DType::F32),
        }
    }

    /// Pooled (not normalized) vectors of `seqs`: `seqs.len() × hidden`
    /// floats. Candle batches are right-padded and masked.
    pub fn pooled(&self, seqs: &[&[u32]], pooling: Pooling) -> Result<Vec<f32>> {
        let (backbone, device, pad) = match self {
            Self::Int8(m) => return m.forward(seqs, pooling),
            Self::Candle {
                backbone,
                device,
                pad,
            } => (backbone, device, *pad),
        };
        // A device out of memory is typed where candle reports it (see
        // `From<candle_core::Error>` for the crate's error).
        Self::candle_pooled(backbone, device, pad, seqs, pooling)
    }

    /// [`Transformer::pooled`] on candle.
    fn candle_pooled(
        backbone: &Backbone,
        device: &Device,
        pad: u32,
        seqs: &[&[u32]],
        pooling: Pooling,
    ) -> Result<Vec<f32>> {
        let width = seqs.iter().map(|s| s.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(seqs.len() * width);
        let mut mask = Vec::with_capacity(seqs.len() * width);
        for s in seqs {
            ids.extend_from_slice(s);
            ids.extend(std::iter::repeat_n(pad, width - s.len()));
            mask.extend(std::iter::repeat_n(1u32, s.len()));
            mask.extend(std::iter::repeat_n(0u32, width - s.len()));
        }
        let ids = Tensor::from_vec(ids, (seqs.len(), width), device)?;
        let mask = Tensor::from_vec(mask, (seqs.len(), width), device)?;
        let hidden = backbone.forward(&ids, &mask)?;
        let pooled = super::pooling::pool(&hidden, &mask, pooling)?;
        Ok(pooled.flatten_all()?.to_vec1::<f32>()?)
    }
}
