//! Token states to one vector per sequence: masked mean or the first token.

use crate::error::Result;
use candle_core::{DType, Tensor, D};

use crate::model::Pooling;

/// Pools `hidden [batch, seq, dim]` with `mask [batch, seq]` (1 = real token)
/// into `[batch, dim]` float32, without normalizing.
pub fn pool(hidden: &Tensor, mask: &Tensor, pooling: Pooling) -> Result<Tensor> {
    let hidden = hidden.to_dtype(DType::F32)?;
    Ok(match pooling {
        Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
        Pooling::Mean => {
            let m = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
            let summed = hidden.broadcast_mul(&m)?.sum(1)?;
            // Every sequence has at least its special tokens, so counts are > 0.
            let counts = m.sum(1)?.clamp(1f32, f32::MAX)?;
            summed.broadcast_div(&counts)?
        }
    })
}
