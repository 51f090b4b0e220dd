//! A BERT / XLM-RoBERTa encoder running with int8 linear layers on the CPU.
//!
//! All sequences of a batch are packed back to back (no padding): the linear
//! layers see one `tokens × hidden` matrix, attention runs inside each
//! sequence. Weights come from the model's float safetensors and are
//! quantized per output channel at load time; activations per token.

use anyhow::{bail, ensure, Context, Result};
use rayon::prelude::*;
use serde::Deserialize;

use super::gemm::Int8Linear;
use super::ops::{add_layer_norm, attention, gelu};
use super::weights::TensorReader;
use crate::model::{Architecture, ModelLayout, Pooling, Weights};

#[derive(Deserialize)]
struct Config {
    hidden_size: usize,
    num_attention_heads: usize,
    num_hidden_layers: usize,
    intermediate_size: usize,
    layer_norm_eps: f64,
    hidden_act: String,
    pad_token_id: Option<usize>,
}

struct Layer {
    qkv: Int8Linear,
    out: Int8Linear,
    attn_ln: (Vec<f32>, Vec<f32>),
    up: Int8Linear,
    down: Int8Linear,
    out_ln: (Vec<f32>, Vec<f32>),
}

/// Word embeddings quantized per row (symmetric int8).
struct Int8Table {
    width: usize,
    data: Vec<i8>,
    scale: Vec<f32>,
}

impl Int8Table {
    fn add_row_to(&self, row: usize, out: &mut [f32]) {
        let s = self.scale[row];
        let q = &self.data[row * self.width..(row + 1) * self.width];
        out.iter_mut().zip(q).for_each(|(o, &v)| *o += v as f32 * s);
    }
}

/// The int8 encoder.
pub struct Int8Encoder {
    hidden: usize,
    heads: usize,
    eps: f32,
    pos_offset: usize,
    max_positions: usize,
    word: Int8Table,
    position: Vec<f32>,
    token_type: Vec<f32>,
    emb_ln: (Vec<f32>, Vec<f32>),
    layers: Vec<Layer>,
}

impl Int8Encoder {
    /// Loads and quantizes the float weights of `layout` (safetensors only).
    pub fn load(layout: &ModelLayout) -> Result<Self> {
        let cfg: Config = serde_json::from_str(&layout.config_json)
            .context("config.json lacks BERT hyper-parameters")?;
        if !matches!(cfg.hidden_act.as_str(), "gelu" | "gelu_python") {
            bail!(
                "int8 encoder supports erf GELU only, not {:?}",
                cfg.hidden_act
            );
        }
        let Weights::Safetensors(files) = &layout.weights else {
            bail!("int8 encoder needs safetensors weights (use --dtype f32 for pytorch_model.bin)");
        };
        let r = TensorReader::open(files)?;
        let prefix = ["", "bert.", "roberta.", "model."]
            .into_iter()
            .find(|p| r.contains(&format!("{p}embeddings.word_embeddings.weight")))
            .context("weights have no embeddings.word_embeddings.weight")?;
        let t = |name: &str| format!("{prefix}{name}");
        let (h, ff) = (cfg.hidden_size, cfg.intermediate_size);
        ensure!(
            h % cfg.num_attention_heads == 0,
            "hidden size not divisible by heads"
        );

        let word_name = t("embeddings.word_embeddings.weight");
        let shape = r.shape(&word_name)?;
        ensure!(
            shape.len() == 2 && shape[1] == h,
            "word embeddings shape {shape:?}"
        );
        let vocab = shape[0];
        let mut word = Int8Table {
            width: h,
            data: vec![0; vocab * h],
            scale: vec![0.0; vocab],
        };
        for start in (0..vocab).step_by(8192) {
            let rows = (vocab - start).min(8192);
            let f = r.rows_f32(&word_name, start, rows)?;
            word.data[start * h..(start + rows) * h]
                .par_chunks_mut(h)
                .zip(word.scale[start..start + rows].par_iter_mut())
                .zip(f.par_chunks(h))
                .for_each(|((q, s), x)| {
                    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
                    *s = if amax > 0.0 { amax / 127.0 } else { 1.0 };
                    for (o, v) in q.iter_mut().zip(x) {
                        *o = (v / *s).round().clamp(-127.0, 127.0) as i8;
                    }
                });
        }
        let position = r.f32(&t("embeddings.position_embeddings.weight"))?;
        let token_type = r.rows_f32(&t("embeddings.token_type_embeddings.weight"), 0, 1)?;
        let emb_ln = (
            r.f32(&t("embeddings.LayerNorm.weight"))?,
            r.f32(&t("embeddings.LayerNorm.bias"))?,
        );
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for l in 0..cfg.num_hidden_layers {
            let p = |s: &str| t(&format!("encoder.layer.{l}.{s}"));
            let mut qkv_w = r.f32(&p("attention.self.query.weight"))?;
            qkv_w.extend(r.f32(&p("attention.self.key.weight"))?);
            qkv_w.extend(r.f32(&p("attention.self.value.weight"))?);
            let mut qkv_b = r.f32(&p("attention.self.query.bias"))?;
            qkv_b.extend(r.f32(&p("attention.self.key.bias"))?);
            qkv_b.extend(r.f32(&p("attention.self.value.bias"))?);
            let linear = |w: &str, b: &str, n: usize, k: usize| -> Result<Int8Linear> {
                Ok(Int8Linear::new(&r.f32(&p(w))?, &r.f32(&p(b))?, n, k))
            };
            layers.push(Layer {
                qkv: Int8Linear::new(&qkv_w, &qkv_b, 3 * h, h),
                out: linear(
                    "attention.output.dense.weight",
                    "attention.output.dense.bias",
                    h,
                    h,
                )?,
                attn_ln: (
                    r.f32(&p("attention.output.LayerNorm.weight"))?,
                    r.f32(&p("attention.output.LayerNorm.bias"))?,
                ),
                up: linear(
                    "intermediate.dense.weight",
                    "intermediate.dense.bias",
                    ff,
                    h,
                )?,
                down: linear("output.dense.weight", "output.dense.bias", h, ff)?,
                out_ln: (
                    r.f32(&p("output.LayerNorm.weight"))?,
                    r.f32(&p("output.LayerNorm.bias"))?,
                ),
            });
        }
        let pos_offset = match layout.architecture {
            Architecture::Bert => 0,
            Architecture::XlmRoberta => cfg.pad_token_id.unwrap_or(1) + 1,
        };
        Ok(Self {
            hidden: h,
            heads: cfg.num_attention_heads,
            eps: cfg.layer_norm_eps as f32,
            pos_offset,
            max_positions: position.len() / h,
            word,
            position,
            token_type,
            emb_ln,
            layers,
        })
    }

    /// Pooled (not normalized) vectors for each sequence: `seqs.len() × hidden`.
    pub fn forward(&self, seqs: &[&[u32]], pooling: Pooling) -> Result<Vec<f32>> {
        let h = self.hidden;
        let mut bounds = Vec::with_capacity(seqs.len());
        let mut total = 0;
        for s in seqs {
            ensure!(
                self.pos_offset + s.len() <= self.max_positions,
                "sequence of {} tokens exceeds the model's {} positions",
                s.len(),
                self.max_positions - self.pos_offset
            );
            bounds.push((total, total + s.len()));
            total += s.len();
        }
        // Embeddings: word + position + token type 0, then LayerNorm.
        let mut x = vec![0f32; total * h];
        let flat: Vec<(usize, u32)> = seqs
            .iter()
            .flat_map(|s| s.iter().enumerate().map(|(i, &id)| (i, id)))
            .collect();
        for &(_, id) in &flat {
            ensure!(
                (id as usize) < self.word.scale.len(),
                "token id {id} outside the vocabulary"
            );
        }
        x.par_chunks_mut(h)
            .zip(flat.par_iter())
            .for_each(|(row, &(pos, id))| {
                let p = &self.position[(pos + self.pos_offset) * h..][..h];
                row.iter_mut()
                    .zip(p)
                    .zip(&self.token_type)
                    .for_each(|((o, a), b)| *o = a + b);
                self.word.add_row_to(id as usize, row);
            });
        add_layer_norm(&mut x, &[], &self.emb_ln.0, &self.emb_ln.1, self.eps);
        for layer in &self.layers {
            let qkv = layer.qkv.forward(&x, total);
            let ctx = attention(&qkv, &bounds, h, self.heads);
            let attn = layer.out.forward(&ctx, total);
            add_layer_norm(&mut x, &attn, &layer.attn_ln.0, &layer.attn_ln.1, self.eps);
            let mut mid = layer.up.forward(&x, total);
            gelu(&mut mid);
            let down = layer.down.forward(&mid, total);
            add_layer_norm(&mut x, &down, &layer.out_ln.0, &layer.out_ln.1, self.eps);
        }
        let mut pooled = vec![0f32; seqs.len() * h];
        pooled
            .par_chunks_mut(h)
            .zip(bounds.par_iter())
            .for_each(|(o, &(a, b))| match pooling {
                Pooling::Cls => o.copy_from_slice(&x[a * h..(a + 1) * h]),
                Pooling::Mean => {
                    for r in a..b {
                        o.iter_mut()
                            .zip(&x[r * h..(r + 1) * h])
                            .for_each(|(s, v)| *s += v);
                    }
                    let n = (b - a).max(1) as f32;
                    o.iter_mut().for_each(|s| *s /= n);
                }
            });
        Ok(pooled)
    }
}
