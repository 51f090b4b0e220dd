//! Extraction throughput in bytes of article text per second, on the seed
//! articles repeated into a larger batch (no model involved).
//!
//! `cargo bench --bench extract`

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use volte::extract::{extract, read_articles, Article, ExtractOptions};

fn articles() -> Vec<Article> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![root.join("tests/data/extract")];
    let seeds = root.join("../shared/seeds");
    if seeds.is_dir() {
        paths.push(seeds);
    }
    let files: Vec<PathBuf> = paths
        .into_iter()
        .flat_map(|p| std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    let one = read_articles(&files).unwrap();
    // About 1 MB: the same articles under distinct sources.
    let size: usize = one.iter().map(|a| a.text.len()).sum();
    let copies = (1 << 20) / size.max(1) + 1;
    (0..copies)
        .flat_map(|i| {
            one.iter().map(move |a| {
                let mut a = a.clone();
                a.source = format!("{i}-{}", a.source);
                a
            })
        })
        .collect()
}

fn throughput(c: &mut Criterion) {
    let batch = articles();
    let bytes: usize = batch.iter().map(|a| a.text.len()).sum();
    let mut group = c.benchmark_group("extract");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    let opts = ExtractOptions::default();
    group.bench_function("articles", |b| {
        b.iter(|| black_box(extract(black_box(&batch), &opts)))
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
