//! A BERT / XLM-RoBERTa encoder running with int8 linear layers on the CPU.
//!
//! All sequences of a batch are packed back to back (no padding): the linear
//! layers see one `tokens × hidden` matrix, attention runs inside each
//! sequence. Weights come from the model's float safetensors and are
//! quantized per output channel at load time; activations per token.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::error::{bail, ensure, Result, WrapErr};
use rayon::prelude::*;

use super::gemm::{Int8Linear, QuantizedRows, M_CHUNK};
use super::ops::{add_layer_norm, attention, gelu_chunk, layer_norm_row};
use super::simd::{with_scratch, Level};
use super::tensor_reader::TensorReader;
use super::tier::Tier;
use crate::model::{Architecture, ModelLayout, Pooling, Weights};

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

/// The stages of a forward pass, for [`Int8Encoder::stage_seconds`].
pub const STAGES: [&str; 6] = [
    "embeddings",
    "qkv projection",
    "attention",
    "output projection + norm",
    "ffn up + gelu",
    "ffn down + norm",
];

/// Buffers of a forward pass, kept between batches so that large
/// activations are not allocated (and page-faulted in) per layer.
struct Workspace {
    /// Hidden states.
    x: Vec<f32>,
    /// QKV projections.
    qkv: Vec<f32>,
    /// Attention context.
    ctx: Vec<f32>,
    /// Quantized hidden states (input of the QKV and FFN-up projections).
    qa: QuantizedRows,
    /// Quantized context and FFN intermediate (input of the output and
    /// FFN-down projections).
    qb: QuantizedRows,
}

fn sized(v: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if v.len() < len {
        v.resize(len, 0.0);
    }
    &mut v[..len]
}

/// Quantizes the rows of `x` (width `h`) into `chunks`, in parallel.
fn quantize_chunks(x: &[f32], h: usize, chunks: Vec<super::gemm::QuantizedChunk<'_>>) {
    x.par_chunks(M_CHUNK * h)
        .zip(chunks)
        .for_each(|(xr, mut qc)| {
            for (r, row) in xr.chunks(h).enumerate() {
                qc.set_row(r, row);
            }
        });
}

/// The int8 encoder.
pub struct Int8Encoder {
    tier: Tier,
    level: Level,
    stage_ns: [AtomicU64; STAGES.len()],
    workspace: Mutex<Option<Workspace>>,
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
    /// Loads and quantizes the float weights of `layout` (safetensors only)
    /// for the kernels of `tier`, which this CPU must support.
    pub fn load(layout: &ModelLayout, tier: Tier) -> Result<Self> {
        ensure!(
            tier.is_supported(),
            "int8 tier {tier} is not supported by this CPU"
        );
        let cfg = &layout.config;
        if !matches!(cfg.hidden_act.as_str(), "gelu" | "gelu_python") {
            bail!(
                "int8 encoder supports erf GELU only, not {:?}",
                cfg.hidden_act
            );
        }
        let Weights::Safetensors(files) = &layout.weights else {
            bail!("int8 encoder needs safetensors weights (f32 precision reads pytorch_model.bin)");
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
                    let inv = 1.0 / *s;
                    for (o, v) in q.iter_mut().zip(x) {
                        *o = super::simd::quantize_127(v * inv) as i8;
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
                Ok(Int8Linear::for_tier(
                    &r.f32(&p(w))?,
                    &r.f32(&p(b))?,
                    n,
                    k,
                    tier,
                ))
            };
            layers.push(Layer {
                qkv: Int8Linear::for_tier(&qkv_w, &qkv_b, 3 * h, h, tier),
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
            tier,
            level: tier.simd_level(),
            stage_ns: Default::default(),
            workspace: Mutex::new(None),
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
        let mut guard = self.workspace.lock().unwrap_or_else(|e| e.into_inner());
        let ws = guard.get_or_insert_with(|| Workspace {
            x: Vec::new(),
            qkv: Vec::new(),
            ctx: Vec::new(),
            qa: QuantizedRows::empty(),
            qb: QuantizedRows::empty(),
        });
        let Workspace {
            x,
            qkv,
            ctx,
            qa,
            qb,
        } = ws;
        let x = sized(x, total * h);
        let qkv = sized(qkv, total * 3 * h);
        let ctx = sized(ctx, total * h);
        let level = self.level;
        let eps = self.eps;
        let mut clock = Instant::now();
        let mut lap = |stage: usize| {
            let now = Instant::now();
            self.stage_ns[stage].fetch_add((now - clock).as_nanos() as u64, Ordering::Relaxed);
            clock = now;
        };
        // Embeddings: word + position + token type 0, then LayerNorm.
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
        add_layer_norm(x, &[], &self.emb_ln.0, &self.emb_ln.1, eps, level);
        if let Some(first) = self.layers.first() {
            quantize_chunks(x, h, qa.chunks_for(&first.qkv, total));
        }
        lap(0);
        for (li, layer) in self.layers.iter().enumerate() {
            layer.qkv.forward_quantized_into(qa, qkv);
            lap(1);
            attention(qkv, &bounds, h, self.heads, level, ctx);
            quantize_chunks(ctx, h, qb.chunks_for(&layer.out, total));
            lap(2);
            // Output projection, residual and LayerNorm, quantized for the
            // FFN, chunk by chunk while the rows are in cache.
            let (ln_w, ln_b) = (&layer.attn_ln.0, &layer.attn_ln.1);
            x.par_chunks_mut(M_CHUNK * h)
                .zip(qa.chunks_for(&layer.up, total))
                .enumerate()
                .for_each(|(c, (xr, mut qc))| {
                    let rows = xr.len() / h;
                    with_scratch(rows * h, |proj| {
                        layer.out.forward_rows(qb, c * M_CHUNK, proj);
                        for r in 0..rows {
                            let row = &mut xr[r * h..(r + 1) * h];
                            layer_norm_row(level, row, &proj[r * h..(r + 1) * h], ln_w, ln_b, eps);
                            qc.set_row(r, row);
                        }
                    })
                });
            lap(3);
            // FFN up and GELU, quantized for FFN down.
            let ff = layer.up.n;
            qb.chunks_for(&layer.down, total)
                .into_par_iter()
                .enumerate()
                .for_each(|(c, mut qc)| {
                    let rows = (total - c * M_CHUNK).min(M_CHUNK);
                    with_scratch(rows * ff, |mid| {
                        layer.up.forward_rows(qa, c * M_CHUNK, mid);
                        for r in 0..rows {
                            let row = &mut mid[r * ff..(r + 1) * ff];
                            gelu_chunk(level, row);
                            qc.set_row(r, row);
                        }
                    })
                });
            lap(4);
            // FFN down, residual and LayerNorm, quantized for the next layer.
            let (ln_w, ln_b) = (&layer.out_ln.0, &layer.out_ln.1);
            let next = self.layers.get(li + 1).map(|l| &l.qkv);
            let mut qchunks = match next {
                Some(n) => qa.chunks_for(n, total).into_iter().map(Some).collect(),
                None => Vec::new(),
            };
            qchunks.resize_with(total.div_ceil(M_CHUNK), || None);
            x.par_chunks_mut(M_CHUNK * h)
                .zip(qchunks)
                .enumerate()
                .for_each(|(c, (xr, mut qc))| {
                    let rows = xr.len() / h;
                    with_scratch(rows * h, |down| {
                        layer.down.forward_rows(qb, c * M_CHUNK, down);
                        for r in 0..rows {
                            let row = &mut xr[r * h..(r + 1) * h];
                            layer_norm_row(level, row, &down[r * h..(r + 1) * h], ln_w, ln_b, eps);
                            if let Some(qc) = qc.as_mut() {
                                qc.set_row(r, row);
                            }
                        }
                    })
                });
            lap(5);
        }
        let x = &*x;
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

    /// The kernel tier in use.
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// Seconds spent in each of [`STAGES`] so far (all threads together
    /// count once: these are wall-clock laps of the forward passes).
    pub fn stage_seconds(&self) -> Vec<(&'static str, f64)> {
        STAGES
            .iter()
            .zip(&self.stage_ns)
            .map(|(&name, ns)| (name, ns.load(Ordering::Relaxed) as f64 * 1e-9))
            .collect()
    }
}
