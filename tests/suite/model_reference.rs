//! The real default model against independent references made by the
//! scripts in `scripts/`: SentencePiece's own tokenizer on the same pieces
//! (`reference_tokenizer.py`) and a numpy forward pass on the same weights
//! (`reference_forward.py`), plus the STS figures of that forward pass
//! (`reference_sts.py`).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;

use volte::embeddings::cosine;
use volte::encoder::int8::Tier;
use volte::encoder::tokenize::{LongText, TextTokenizer};
use volte::encoder::{EncoderOptions, Precision, SentenceEncoder, TextEmbedder};
use volte::model::{self, ModelLayout};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn default_model() -> volte::model::ResolvedModel {
    model::resolve(model::DEFAULT_MODEL, &crate::common::settings())
        .expect("default model (offline source) is available")
}

fn load(dtype: Precision, prompt: Option<&str>) -> SentenceEncoder {
    load_tier(dtype, None, prompt)
}

fn load_tier(dtype: Precision, cpu_tier: Option<Tier>, prompt: Option<&str>) -> SentenceEncoder {
    SentenceEncoder::load(
        &default_model(),
        EncoderOptions::default()
            .with_dtype(dtype)
            .with_cpu_tier(cpu_tier)
            .with_prompt(Some(prompt.unwrap_or("").to_string())),
        &crate::common::settings(),
    )
    .unwrap()
}

fn reference_tokens() -> Vec<(String, Vec<u32>)> {
    let f = std::fs::File::open(root().join("tests/fixtures/sts_tokens.jsonl.gz")).unwrap();
    let r = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
    r.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
            let ids = v["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect();
            (v["text"].as_str().unwrap().to_string(), ids)
        })
        .collect()
}

#[test]
fn tokens_equal_sentencepiece_on_every_sts_sentence() {
    let layout = ModelLayout::open(&default_model().dir).unwrap();
    let tok = TextTokenizer::from_file(&layout.tokenizer, layout.max_seq_length).unwrap();
    let general = tokenizers::Tokenizer::from_file(&layout.tokenizer).unwrap();
    let refs = reference_tokens();
    assert!(refs.len() > 25_000, "all STS sentences of the 10 languages");
    let mut mismatches = Vec::new();
    let mut general_mismatches = 0;
    for (text, ids) in &refs {
        let ours = tok.content_ids(text).unwrap();
        if &ours != ids {
            mismatches.push((text.clone(), ours, ids.clone()));
        }
        if general.encode(text.as_str(), false).unwrap().get_ids() != &ids[..] {
            general_mismatches += 1;
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} sentences differ, first: {:?}",
        mismatches.len(),
        refs.len(),
        mismatches.first()
    );
    // The directory's tokenizer.json also serves other implementations.
    assert_eq!(
        general_mismatches, 0,
        "tokenizer.json read by the tokenizers crate"
    );
}

#[test]
fn edge_cases_follow_sentencepiece() {
    let layout = ModelLayout::open(&default_model().dir).unwrap();
    let tok = TextTokenizer::from_file(&layout.tokenizer, layout.max_seq_length).unwrap();
    assert_eq!(tok.content_ids("").unwrap(), Vec::<u32>::new());
    assert_eq!(tok.content_ids("   ").unwrap(), Vec::<u32>::new());
    assert_eq!(
        tok.content_ids("Hello world!").unwrap(),
        vec![35378, 8999, 38]
    );
    assert_eq!(
        tok.content_ids("  Hello   world!  ").unwrap(),
        vec![35378, 8999, 38],
        "whitespace is stripped and collapsed"
    );
    // A decomposed accent is composed first, as nmt_nfkc does.
    assert_eq!(
        tok.content_ids("cafe\u{301}").unwrap(),
        tok.content_ids("café").unwrap()
    );
    let long = "mot ".repeat(600);
    let t = tok.frame(&tok.content_ids(&long).unwrap(), LongText::Truncate);
    assert_eq!(t.windows.len(), 1);
    assert_eq!(t.windows[0].len(), 512);
    assert_eq!((t.windows[0][0], *t.windows[0].last().unwrap()), (0, 2));
    assert!(t.truncated);
    let c = tok.frame(&tok.content_ids(&long).unwrap(), LongText::Chunk);
    assert_eq!(c.windows.len(), 2);
    assert!(!c.truncated);
}

struct RefItem {
    name: String,
    text: String,
    prefix: String,
    ids: Vec<u32>,
    embedding: Vec<f32>,
}

fn reference_items() -> Vec<RefItem> {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/reference_embeddings.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| RefItem {
            name: i["name"].as_str().unwrap().to_string(),
            text: i["text"].as_str().unwrap().to_string(),
            prefix: i["prefix"].as_str().unwrap().to_string(),
            ids: i["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect(),
            embedding: i["embedding"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect(),
        })
        .collect()
}

/// Embeds each reference item with its own prompt.
fn embed_items(dtype: Precision, items: &[RefItem]) -> Vec<Vec<f32>> {
    embed_items_tier(dtype, None, items)
}

fn embed_items_tier(dtype: Precision, tier: Option<Tier>, items: &[RefItem]) -> Vec<Vec<f32>> {
    let mut by_prefix: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        by_prefix.entry(it.prefix.as_str()).or_default().push(i);
    }
    let mut out = vec![Vec::new(); items.len()];
    for (prefix, idx) in by_prefix {
        let mut enc = load_tier(dtype, tier, Some(prefix));
        if dtype == Precision::Int8 {
            // Without a requested tier: VOLTE_CPU's, else the detected one.
            let expected = tier.unwrap_or_else(|| {
                volte::encoder::int8::tier::select(None, crate::common::settings().cpu_tier)
                    .unwrap()
                    .0
            });
            assert_eq!(enc.int8_tier(), Some(expected));
        }
        let texts: Vec<&str> = idx.iter().map(|&i| items[i].text.as_str()).collect();
        let tokenized = enc.tokenize(&texts).unwrap();
        for (t, &i) in tokenized.iter().zip(&idx) {
            assert_eq!(t.windows[0], items[i].ids, "token ids of {}", items[i].name);
        }
        let e = enc.embed(&texts).unwrap();
        for (r, &i) in idx.iter().enumerate() {
            out[i] = e.row(r).to_vec();
        }
    }
    out
}

#[test]
fn float_embeddings_match_the_numpy_forward_pass() {
    let items = reference_items();
    assert!(items.len() >= 30);
    let got = embed_items(Precision::F32, &items);
    let mut worst = (f32::INFINITY, String::new());
    for (it, e) in items.iter().zip(&got) {
        assert!(e.iter().all(|x| x.is_finite()), "{}: non-finite", it.name);
        let c = cosine(e, &it.embedding);
        if c < worst.0 {
            worst = (c, it.name.clone());
        }
    }
    println!(
        "f32 vs numpy reference: worst cosine {:.6} ({})",
        worst.0, worst.1
    );
    assert!(worst.0 >= 0.9999, "worst cosine {} on {}", worst.0, worst.1);
}

#[test]
fn int8_embeddings_stay_close_to_the_float_reference() {
    let items = reference_items();
    let got = embed_items(Precision::Int8, &items);
    let cos: Vec<f32> = items
        .iter()
        .zip(&got)
        .map(|(it, e)| cosine(e, &it.embedding))
        .collect();
    let min = cos.iter().cloned().fold(1.0f32, f32::min);
    let mean = cos.iter().sum::<f32>() / cos.len() as f32;
    println!("int8 vs numpy reference: min {min:.5}, mean {mean:.5}");
    assert!(min >= 0.99 && mean >= 0.998, "min {min}, mean {mean}");
}

/// Every int8 kernel tier this CPU supports (all of avx512vnni, avxvnni,
/// avx2 and portable on a recent x86-64 server) keeps the int8 bounds, and
/// the tiers agree with each other: their integer products are identical
/// for identical inputs; only the float loops in between round differently
/// (attention uses fused multiply-add where the CPU has it, not in the
/// portable tier), and a different rounding can move an activation across
/// a quantization step. Measured: the FMA tiers agree to cosine 1.0000000,
/// portable to them ≥ 0.9988.
#[test]
fn every_int8_tier_stays_close_to_the_float_reference() {
    let items = reference_items();
    let mut first: Option<(Tier, Vec<Vec<f32>>)> = None;
    for tier in Tier::supported() {
        let got = embed_items_tier(Precision::Int8, Some(tier), &items);
        let cos: Vec<f32> = items
            .iter()
            .zip(&got)
            .map(|(it, e)| cosine(e, &it.embedding))
            .collect();
        let min = cos.iter().cloned().fold(1.0f32, f32::min);
        let mean = cos.iter().sum::<f32>() / cos.len() as f32;
        println!("int8 tier {tier} vs numpy reference: min {min:.5}, mean {mean:.5}");
        assert!(
            min >= 0.99 && mean >= 0.998,
            "tier {tier}: min {min}, mean {mean}"
        );
        match &first {
            None => first = Some((tier, got)),
            Some((t0, e0)) => {
                let worst = e0
                    .iter()
                    .zip(&got)
                    .map(|(a, b)| cosine(a, b))
                    .fold(1.0f32, f32::min);
                println!("int8 tier {tier} vs tier {t0}: worst cosine {worst:.7}");
                assert!(worst >= 0.998, "tier {tier} vs {t0}: {worst}");
            }
        }
    }
}

fn sts_file(lang: &str) -> PathBuf {
    root().join(format!("../shared/data/stsb-multi-mt/stsb-{lang}-test.csv"))
}

#[test]
fn sts_spearman_matches_the_reference_figures() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/reference_sts.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for r in v["results"].as_array().unwrap() {
        let lang = r["lang"].as_str().unwrap();
        let prefix = r["prefix"].as_str().unwrap();
        let expected = r["spearman"].as_f64().unwrap();
        let pairs = volte::eval::sts::read_sts(&sts_file(lang)).unwrap();
        // The default precision is what users get.
        let mut enc = load(Precision::Auto, Some(prefix));
        let got = volte::eval::sts::evaluate(&mut enc, &pairs, None)
            .unwrap()
            .spearman
            .expect("gold scores vary");
        println!("STS {lang} (prefix {prefix:?}): volte {got:.4}, reference {expected:.4}");
        assert!(
            (got - expected).abs() <= 0.005,
            "{lang}: {got} vs {expected}"
        );
    }
}

#[test]
fn cross_lingual_sts_is_meaningful() {
    let en = volte::eval::sts::read_sts(&sts_file("en")).unwrap();
    let fr = volte::eval::sts::read_sts(&sts_file("fr")).unwrap();
    let mut enc = load(Precision::Auto, Some("query: "));
    let r = volte::eval::sts::evaluate(&mut enc, &en[..300], Some(&fr[..300])).unwrap();
    let rho = r.spearman.expect("gold scores vary");
    println!("STS en×fr (300 pairs): {rho:.4}");
    assert!(rho > 0.7, "{rho}");
}
