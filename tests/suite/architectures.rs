//! BERT and XLM-RoBERTa directories with random weights (same tokenizer as
//! the default model): the int8 encoder and the candle encoder (float32 and
//! float16, whose attention mask must stay finite) are independent
//! implementations and must agree, for both position-id conventions and both
//! pooling modes.

use crate::common::tiny_model::{write_model, POSITIONS};
use volte::embeddings::cosine;
use volte::encoder::{EncoderOptions, Precision, SentenceEncoder, TextEmbedder};
use volte::model::{self, Origin, ResolvedModel};

#[test]
fn int8_and_float_encoders_agree_on_both_architectures() {
    let real = model::resolve(model::DEFAULT_MODEL, &crate::common::settings()).unwrap();
    let vocab = 250_037;
    let texts = [
        "The committee approved the budget on Tuesday.",
        "Le comité a approuvé le budget mardi.",
        "",
        "Ein sehr langer Satz, der viele Wörter enthält, um mehr Positionen zu nutzen und die Aufmerksamkeit zu prüfen.",
    ];
    for (model_type, cls) in [
        ("bert", false),
        ("xlm-roberta", false),
        ("xlm-roberta", true),
        ("bert", true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_model(dir.path(), model_type, cls, vocab);
        std::fs::copy(
            real.dir.join("tokenizer.json"),
            dir.path().join("tokenizer.json"),
        )
        .unwrap();
        let resolved = ResolvedModel {
            spec: dir.path().display().to_string(),
            dir: dir.path().to_path_buf(),
            origin: Origin::Local,
        };
        let embed = |dtype| {
            let mut enc = SentenceEncoder::load(
                &resolved,
                EncoderOptions::default().with_dtype(dtype),
                &crate::common::settings(),
            )
            .unwrap();
            enc.embed(&texts).unwrap()
        };
        let (f, q, h) = (
            embed(Precision::F32),
            embed(Precision::Int8),
            embed(Precision::F16),
        );
        for i in 0..texts.len() {
            let c = cosine(f.row(i), q.row(i));
            assert!(c > 0.99, "{model_type} cls={cls} text {i}: int8 cosine {c}");
            let c = cosine(f.row(i), h.row(i));
            assert!(c > 0.999, "{model_type} cls={cls} text {i}: f16 cosine {c}");
        }
        // Different texts stay different (the comparison is not vacuous).
        assert!(cosine(f.row(0), f.row(3)) < 0.99);
    }
}

#[test]
fn xlm_roberta_length_leaves_room_for_the_position_offset() {
    // Positions start at pad + 1 = 2, so POSITIONS - 2 tokens fit.
    let real = model::resolve(model::DEFAULT_MODEL, &crate::common::settings()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), "xlm-roberta", false, 250_037);
    std::fs::copy(
        real.dir.join("tokenizer.json"),
        dir.path().join("tokenizer.json"),
    )
    .unwrap();
    let layout = volte::model::ModelLayout::open(dir.path()).unwrap();
    assert_eq!(layout.max_seq_length, POSITIONS - 2);
}
