//! Similarity kernel benchmarks: one score tile with the `gemm` crate versus
//! candle's CPU `matmul`, and the full searches on random unit vectors.
//!
//! `cargo bench --bench similarity`

use candle_core::{Device, Tensor};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use volte::embeddings::Embeddings;
use volte::similarity::{pairs_above, score_tile, top_k, top_k_self, Backend, SearchOptions};
use volte::test_rng;

const DIM: usize = 384;

/// Pseudo-random unit rows of the default model's width.
fn unit_rows(n: usize, seed: u64) -> Embeddings {
    test_rng::unit_rows(n, DIM, seed)
}

/// One tile `a · bᵀ`: the `gemm` crate (single-threaded, as the kernel runs
/// it) against candle's CPU matmul on the same data.
fn tile_product(c: &mut Criterion) {
    let mut group = c.benchmark_group("tile_product");
    for side in [256usize, 512] {
        let a = unit_rows(side, 1);
        let b = unit_rows(side, 2);
        group.throughput(Throughput::Elements((2 * side * side * DIM) as u64));
        let mut out = vec![0f32; side * side];
        group.bench_with_input(BenchmarkId::new("gemm_crate", side), &side, |bench, _| {
            bench.iter(|| score_tile::scores(a.as_slice(), b.as_slice(), DIM, black_box(&mut out)))
        });
        let ta = Tensor::from_slice(a.as_slice(), (side, DIM), &Device::Cpu).unwrap();
        let tb = Tensor::from_slice(b.as_slice(), (side, DIM), &Device::Cpu).unwrap();
        group.bench_with_input(
            BenchmarkId::new("candle_matmul", side),
            &side,
            |bench, _| bench.iter(|| black_box(ta.matmul(&tb.t().unwrap()).unwrap())),
        );
    }
    group.finish();
}

fn searches(c: &mut Criterion) {
    let mut group = c.benchmark_group("search");
    group.sample_size(10);
    let n = 4096;
    let emb = unit_rows(n, 3);
    let queries = unit_rows(256, 4);
    group.throughput(Throughput::Elements((2 * n * n * DIM) as u64));
    group.bench_function("top10_self_cpu_4096", |b| {
        b.iter(|| top_k_self(&emb, 10, &SearchOptions::default()).unwrap())
    });
    let device = SearchOptions::default()
        .with_backend(Backend::Device(Device::Cpu))
        .with_tile(Some(1024));
    group.bench_function("top10_self_candle_cpu_4096", |b| {
        b.iter(|| top_k_self(&emb, 10, &device).unwrap())
    });
    group.bench_function("pairs_0.2_cpu_4096", |b| {
        b.iter(|| pairs_above(&emb, 0.2, &SearchOptions::default()).unwrap())
    });
    group.throughput(Throughput::Elements((2 * 256 * n * DIM) as u64));
    group.bench_function("top10_queries256_cpu_4096", |b| {
        b.iter(|| top_k(&queries, &emb, 10, &SearchOptions::default()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, tile_product, searches);
criterion_main!(benches);
