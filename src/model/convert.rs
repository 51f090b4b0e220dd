//! Turns a packed E5S1 file into a sentence-transformers model directory:
//! float32 `model.safetensors` (exact dequantization), a `tokenizer.json`
//! reproducing SentencePiece's `nmt_nfkc` unigram tokenization, the
//! configuration files, and the packed file itself for the 4-bit path.

use std::path::Path;

use crate::error::{ensure, Result, WrapErr};
use base64::Engine;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::json;

use super::e5s1::E5s1;

/// SentencePiece's built-in `nmt_nfkc` normalization rule, as the
/// precompiled character map that SentencePiece models embed.
pub const NMT_NFKC_CHARSMAP: &[u8] = include_bytes!("../../models/nmt_nfkc.charsmap");

/// Prompts of the E5 family: queries and passages are prefixed.
pub const E5_PROMPTS: [(&str, &str); 2] = [("query", "query: "), ("passage", "passage: ")];

/// Writes the model directory for `e5s1_path` into `out` (which must exist).
pub fn convert_e5s1(e5s1_path: &Path, out: &Path) -> Result<()> {
    let bytes =
        std::fs::read(e5s1_path).with_context(|| format!("reading {}", e5s1_path.display()))?;
    let model = E5s1::parse(&bytes).with_context(|| format!("parsing {}", e5s1_path.display()))?;
    write_config(&model, out)?;
    write_tokenizer(&model, out)?;
    write_weights(&model, out)?;
    write_sentence_transformers_files(&model, out)?;
    std::fs::copy(e5s1_path, out.join("model.e5s1"))
        .with_context(|| format!("copying {} into {}", e5s1_path.display(), out.display()))?;
    Ok(())
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn write_config(m: &E5s1, out: &Path) -> Result<()> {
    let h = &m.header;
    write_json(
        &out.join("config.json"),
        &json!({
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": h.vocab_rows,
            "hidden_size": h.hidden,
            "num_hidden_layers": h.layers,
            "num_attention_heads": h.heads,
            "intermediate_size": h.ffn,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": h.max_positions,
            "type_vocab_size": h.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": h.eps as f64,
            "pad_token_id": m.vocab.pad,
            "bos_token_id": m.vocab.bos,
            "eos_token_id": m.vocab.eos,
            "position_embedding_type": "absolute",
            "torch_dtype": "float32",
        }),
    )
}

/// The tokenizer in Hugging Face `tokenizer.json` form: a unigram model over
/// the file's pieces, `nmt_nfkc` normalization, whitespace handling as
/// SentencePiece does it (strip, collapse runs), metaspace pre-tokenization
/// and `<s> … </s>` framing.
fn write_tokenizer(m: &E5s1, out: &Path) -> Result<()> {
    let v = &m.vocab;
    let vocab: Vec<serde_json::Value> = v
        .pieces
        .iter()
        .zip(&v.scores)
        .map(|(p, s)| json!([p, *s as f64]))
        .collect();
    let special = |id: u32| {
        json!({
            "id": id, "content": v.pieces[id as usize], "single_word": false,
            "lstrip": false, "rstrip": false, "normalized": false, "special": true
        })
    };
    let mut added = vec![
        special(v.bos),
        special(v.pad),
        special(v.eos),
        special(v.unk),
    ];
    if let Some(mask) = v.pieces.iter().position(|p| p == "<mask>") {
        added.push(json!({
            "id": mask, "content": "<mask>", "single_word": false,
            "lstrip": true, "rstrip": false, "normalized": false, "special": true
        }));
    }
    let bos = &v.pieces[v.bos as usize];
    let eos = &v.pieces[v.eos as usize];
    let charsmap = base64::engine::general_purpose::STANDARD.encode(NMT_NFKC_CHARSMAP);
    let tok = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": charsmap},
            {"type": "Strip", "strip_left": true, "strip_right": true},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}
        ]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u{2581}",
                          "prepend_scheme": "always", "split": true},
        "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": eos, "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": eos, "type_id": 0}},
                     {"SpecialToken": {"id": eos, "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": eos, "type_id": 0}}],
            "special_tokens": {
                bos.clone(): {"id": bos, "ids": [v.bos], "tokens": [bos]},
                eos.clone(): {"id": eos, "ids": [v.eos], "tokens": [eos]}
            }},
        "decoder": {"type": "Metaspace", "replacement": "\u{2581}",
                    "prepend_scheme": "always", "split": true},
        "model": {"type": "Unigram", "unk_id": v.unk, "vocab": vocab, "byte_fallback": false}
    });
    let path = out.join("tokenizer.json");
    std::fs::write(&path, serde_json::to_vec(&tok)?)
        .with_context(|| format!("writing {}", path.display()))?;
    // For other sentence-transformers implementations reading the directory.
    let names = json!({
        "bos_token": bos, "eos_token": eos, "cls_token": bos, "sep_token": eos,
        "unk_token": v.pieces[v.unk as usize], "pad_token": v.pieces[v.pad as usize],
        "mask_token": "<mask>"
    });
    let mut config = names.clone();
    config["tokenizer_class"] = json!("XLMRobertaTokenizer");
    config["model_max_length"] = json!(m.header.max_positions);
    write_json(&out.join("tokenizer_config.json"), &config)?;
    write_json(&out.join("special_tokens_map.json"), &names)
}

/// (E5S1 short name, Hugging Face BERT name) for every tensor.
pub fn tensor_names(layers: usize) -> Vec<(String, String)> {
    let mut names = vec![
        ("emb.word", "embeddings.word_embeddings.weight"),
        ("emb.pos", "embeddings.position_embeddings.weight"),
        ("emb.type", "embeddings.token_type_embeddings.weight"),
        ("emb.ln.w", "embeddings.LayerNorm.weight"),
        ("emb.ln.b", "embeddings.LayerNorm.bias"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect::<Vec<_>>();
    let per_layer = [
        ("q.w", "attention.self.query.weight"),
        ("q.b", "attention.self.query.bias"),
        ("k.w", "attention.self.key.weight"),
        ("k.b", "attention.self.key.bias"),
        ("v.w", "attention.self.value.weight"),
        ("v.b", "attention.self.value.bias"),
        ("ao.w", "attention.output.dense.weight"),
        ("ao.b", "attention.output.dense.bias"),
        ("aln.w", "attention.output.LayerNorm.weight"),
        ("aln.b", "attention.output.LayerNorm.bias"),
        ("fi.w", "intermediate.dense.weight"),
        ("fi.b", "intermediate.dense.bias"),
        ("fo.w", "output.dense.weight"),
        ("fo.b", "output.dense.bias"),
        ("oln.w", "output.LayerNorm.weight"),
        ("oln.b", "output.LayerNorm.bias"),
    ];
    for l in 0..layers {
        for (short, long) in per_layer {
            names.push((format!("l{l}.{short}"), format!("encoder.layer.{l}.{long}")));
        }
    }
    names
}

fn tensor_shape(m: &E5s1, short: &str, elements: usize) -> Vec<usize> {
    let h = &m.header;
    match short {
        "emb.word" => vec![h.vocab_rows, h.hidden],
        "emb.pos" => vec![h.max_positions, h.hidden],
        "emb.type" => vec![h.type_vocab, h.hidden],
        s if s.ends_with("fi.w") => vec![h.ffn, h.hidden],
        s if s.ends_with("fo.w") => vec![h.hidden, h.ffn],
        s if s.ends_with(".w") && !s.contains("ln") => vec![h.hidden, h.hidden],
        _ => vec![elements],
    }
}

fn write_weights(m: &E5s1, out: &Path) -> Result<()> {
    let mut data: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (short, long) in tensor_names(m.header.layers) {
        let t = m.tensor(&short)?;
        let shape = tensor_shape(m, &short, t.elements);
        ensure!(
            shape.iter().product::<usize>() == t.elements,
            "tensor {short}: {} elements do not fit shape {shape:?}",
            t.elements
        );
        let values = m.to_f32(t);
        let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        data.push((long, shape, bytes));
    }
    let views = data
        .iter()
        .map(|(name, shape, bytes)| {
            Ok((
                name.clone(),
                TensorView::new(Dtype::F32, shape.clone(), bytes)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let path = out.join("model.safetensors");
    safetensors::serialize_to_file(views, None, &path)
        .with_context(|| format!("writing {}", path.display()))
}

fn write_sentence_transformers_files(m: &E5s1, out: &Path) -> Result<()> {
    write_json(
        &out.join("modules.json"),
        &json!([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
        ]),
    )?;
    std::fs::create_dir_all(out.join("1_Pooling"))?;
    std::fs::create_dir_all(out.join("2_Normalize"))?;
    write_json(
        &out.join("1_Pooling").join("config.json"),
        &json!({
            "word_embedding_dimension": m.header.hidden,
            "pooling_mode_cls_token": false,
            "pooling_mode_mean_tokens": true,
            "pooling_mode_max_tokens": false,
            "pooling_mode_mean_sqrt_len_tokens": false
        }),
    )?;
    let prompts: serde_json::Map<String, serde_json::Value> = E5_PROMPTS
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    write_json(
        &out.join("config_sentence_transformers.json"),
        &json!({"prompts": prompts, "default_prompt_name": null, "similarity_fn_name": "cosine"}),
    )?;
    write_json(
        &out.join("sentence_bert_config.json"),
        &json!({"max_seq_length": m.header.max_positions, "do_lower_case": false}),
    )
}
