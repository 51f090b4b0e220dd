//! Cross-lingual clustering on real data: the `sentence1` column of the ten
//! row-aligned STSb Multi MT test files (1,379 rows × 10 languages = 13,790
//! sentences), embedded with the default model, should cluster by row — the
//! same sentence in every language together. Rows whose English sentence is
//! identical form one class.
//!
//! Embeddings are kept in an embedding cache under Cargo's target temporary
//! directory, so only the first run pays for the encoder (a few minutes on
//! two cores).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use volte::cluster::agglomerative::agglomerative;
use volte::cluster::community::community_detection;
use volte::cluster::metrics::{adjusted_rand_index, v_measure};
use volte::embed_cache::EmbeddingCache;
use volte::embeddings::Embeddings;
use volte::encoder::{EncoderOptions, SentenceEncoder, TextEmbedder};

const LANGUAGES: [&str; 10] = ["de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh"];

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/stsb-multi-mt")
}

/// Sentences (language-major) and the class of each: its row, with rows
/// sharing an English sentence merged.
fn sentences_and_classes() -> (Vec<String>, Vec<usize>) {
    let mut columns = Vec::new();
    for lang in LANGUAGES {
        let path = data_dir().join(format!("stsb-{lang}-test.csv"));
        let pairs = volte::eval::sts::read_sts(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e:#}", path.display()));
        columns.push(pairs.into_iter().map(|p| p.sentence1).collect::<Vec<_>>());
    }
    let rows = columns[0].len();
    assert!(
        columns.iter().all(|c| c.len() == rows),
        "files are not row-aligned"
    );
    let english = &columns[LANGUAGES.iter().position(|l| *l == "en").unwrap()];
    let mut class_of_text: HashMap<&str, usize> = HashMap::new();
    let row_class: Vec<usize> = english
        .iter()
        .map(|s| {
            let next = class_of_text.len();
            *class_of_text.entry(s.as_str()).or_insert(next)
        })
        .collect();
    let texts = columns.concat();
    let classes = (0..LANGUAGES.len())
        .flat_map(|_| row_class.iter().copied())
        .collect();
    (texts, classes)
}

fn embed(texts: &[String]) -> Embeddings {
    let resolved = volte::model::resolve(volte::model::DEFAULT_MODEL, &crate::common::settings())
        .expect("default model");
    let mut encoder = SentenceEncoder::load(
        &resolved,
        EncoderOptions::default().with_prompt_name(Some("query".into())),
        &crate::common::settings(),
    )
    .expect("loading the default model");
    let cache_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("embedding-cache");
    let mut cache = EmbeddingCache::open(&cache_dir, &encoder.fingerprint(), encoder.dim())
        .expect("opening the embedding cache");
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let started = Instant::now();
    let cached = cache.embed(&mut encoder, &refs).expect("embedding");
    let (emb, hits) = (cached.embeddings, cached.hits);
    eprintln!(
        "embedded {} sentences ({hits} cached) in {:.1} s",
        refs.len(),
        started.elapsed().as_secs_f64()
    );
    emb
}

/// Prints and returns (ARI, V-measure) of a clustering against the classes.
fn score(
    name: &str,
    classes: &[usize],
    c: &volte::cluster::Clustering,
    seconds: f64,
) -> (f64, f64) {
    let labels = c.labels(classes.len());
    let ari = adjusted_rand_index(classes, &labels);
    let v = v_measure(classes, &labels);
    eprintln!(
        "{name}: {} clusters, {} unassigned, ARI {ari:.4}, V-measure {:.4} \
         (homogeneity {:.4}, completeness {:.4}) in {seconds:.2} s",
        c.clusters.len(),
        c.unassigned.len(),
        v.v_measure,
        v.homogeneity,
        v.completeness,
    );
    (ari, v.v_measure)
}

#[test]
fn sentences_cluster_by_row_across_languages() {
    let (texts, classes) = sentences_and_classes();
    let mut emb = embed(&texts);
    emb.normalize();
    let distinct = classes.iter().max().unwrap() + 1;
    eprintln!("{} sentences, {distinct} classes", texts.len());

    // Community detection at the `volte cluster` default threshold
    // (measured: ARI 0.4359, V-measure 0.8798).
    let started = Instant::now();
    let community = community_detection(&emb, 0.92, 2).unwrap();
    let (ari, v) = score(
        "community detection, similarity >= 0.92, min size 2",
        &classes,
        &community,
        started.elapsed().as_secs_f64(),
    );
    assert!(ari >= 0.40 && v >= 0.85, "community: ARI {ari}, V {v}");

    // The same clustering on one thread.
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| community_detection(&emb, 0.92, 2).unwrap());
    assert_eq!(single, community, "clustering depends on the thread count");

    // Average linkage at the default threshold, similarity 0.9 = distance 0.1
    // (measured: ARI 0.5225, V-measure 0.8979).
    let started = Instant::now();
    let average = agglomerative(&emb, 0.1, 2).unwrap();
    let (ari, v) = score(
        "average linkage, distance < 0.1, min size 2",
        &classes,
        &average,
        started.elapsed().as_secs_f64(),
    );
    assert!(ari >= 0.48 && v >= 0.87, "agglomerative: ARI {ari}, V {v}");
}
