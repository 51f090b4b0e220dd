//! Model directories with random weights (BERT or XLM-RoBERTa layout, the
//! default model's vocabulary size), written as sentence-transformers
//! directories for tests that need a model they can alter.

use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use serde_json::json;
use volte::test_rng::TestRng;

/// The vocabulary size of the default model's tokenizer.
pub const VOCAB: usize = 250_037;

pub const HIDDEN: usize = 64;
pub const FFN: usize = 128;
pub const LAYERS: usize = 2;
pub const POSITIONS: usize = 130;

/// Added to every tensor's seed. It keeps the weights these tests were
/// written with: with them, different texts embed far apart (cosine 0.51 to
/// 0.86 by architecture and pooling), which keeps the agreement checks of
/// `tests/suite/architectures.rs` far from vacuous; plain seeds give 0.82 to 0.93.
const SEED_OFFSET: u64 = 0x9E37_79B9_7F4A_7C15;

/// `len` weights uniform in [-scale, scale), the same for the same seed.
fn random(seed: u64, len: usize, scale: f32) -> Vec<f32> {
    let mut rng = TestRng::new(seed.wrapping_add(SEED_OFFSET));
    (0..len).map(|_| rng.next_centred() * 2.0 * scale).collect()
}

/// Writes a model directory of the given type with random weights.
pub fn write_model(dir: &Path, model_type: &str, cls_pooling: bool, vocab: usize) {
    write_model_with(dir, model_type, cls_pooling, vocab, |_, _| {});
}

/// [`write_model`], with `tweak` applied to each tensor (name, values) before writing.
pub fn write_model_with(
    dir: &Path,
    model_type: &str,
    cls_pooling: bool,
    vocab: usize,
    tweak: impl Fn(&str, &mut Vec<f32>),
) {
    let mut tensors: Vec<(String, Vec<usize>, Vec<f32>)> = vec![
        (
            "embeddings.word_embeddings.weight".into(),
            vec![vocab, HIDDEN],
            random(1, vocab * HIDDEN, 0.5),
        ),
        (
            "embeddings.position_embeddings.weight".into(),
            vec![POSITIONS, HIDDEN],
            random(2, POSITIONS * HIDDEN, 0.5),
        ),
        (
            "embeddings.token_type_embeddings.weight".into(),
            vec![1, HIDDEN],
            random(3, HIDDEN, 0.1),
        ),
        (
            "embeddings.LayerNorm.weight".into(),
            vec![HIDDEN],
            vec![1.0; HIDDEN],
        ),
        (
            "embeddings.LayerNorm.bias".into(),
            vec![HIDDEN],
            random(4, HIDDEN, 0.1),
        ),
    ];
    let mut seed = 10;
    for l in 0..LAYERS {
        let mut add = |name: &str, shape: Vec<usize>, scale: f32| {
            seed += 1;
            let n = shape.iter().product();
            let values = if name.ends_with("LayerNorm.weight") {
                vec![1.0; n]
            } else {
                random(seed, n, scale)
            };
            tensors.push((format!("encoder.layer.{l}.{name}"), shape, values));
        };
        for p in ["query", "key", "value"] {
            add(
                &format!("attention.self.{p}.weight"),
                vec![HIDDEN, HIDDEN],
                0.2,
            );
            add(&format!("attention.self.{p}.bias"), vec![HIDDEN], 0.05);
        }
        add("attention.output.dense.weight", vec![HIDDEN, HIDDEN], 0.2);
        add("attention.output.dense.bias", vec![HIDDEN], 0.05);
        add("attention.output.LayerNorm.weight", vec![HIDDEN], 0.0);
        add("attention.output.LayerNorm.bias", vec![HIDDEN], 0.05);
        add("intermediate.dense.weight", vec![FFN, HIDDEN], 0.2);
        add("intermediate.dense.bias", vec![FFN], 0.05);
        add("output.dense.weight", vec![HIDDEN, FFN], 0.15);
        add("output.dense.bias", vec![HIDDEN], 0.05);
        add("output.LayerNorm.weight", vec![HIDDEN], 0.0);
        add("output.LayerNorm.bias", vec![HIDDEN], 0.05);
    }
    for (name, _, values) in &mut tensors {
        tweak(name, values);
    }
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .into_iter()
        .map(|(n, s, v)| (n, s, v.iter().flat_map(|x| x.to_le_bytes()).collect()))
        .collect();
    let views: Vec<(String, TensorView)> = bytes
        .iter()
        .map(|(n, s, b)| {
            (
                n.clone(),
                TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
            )
        })
        .collect();
    safetensors::serialize_to_file(views, None, &dir.join("model.safetensors")).unwrap();
    let config = json!({
        "model_type": model_type, "vocab_size": vocab, "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS, "num_attention_heads": 4, "intermediate_size": FFN,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": POSITIONS, "type_vocab_size": 1, "initializer_range": 0.02,
        "layer_norm_eps": 1e-5, "pad_token_id": 1, "position_embedding_type": "absolute"
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
    std::fs::write(
        dir.join("1_Pooling/config.json"),
        json!({"pooling_mode_cls_token": cls_pooling, "pooling_mode_mean_tokens": !cls_pooling})
            .to_string(),
    )
    .unwrap();
}
