//! Encoder building blocks on the CPU: the int8 linear layer on every
//! kernel tier this CPU supports against candle's float32 matmul, on the
//! shapes of multilingual-e5-small (hidden 384, FFN 1536) for a packed
//! batch of 2,048 tokens; and attention over sequences of 32–512 tokens.
//!
//! Run: `cargo bench --bench encode` (`-- linear/int8-avx2` for one tier).
//! End-to-end throughput against other engines is measured by
//! `scripts/bench_encode.py`.

use candle_core::{Device, Tensor};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use volte::encoder::int8::gemm::Int8Linear;
use volte::encoder::int8::ops::attention;
use volte::encoder::int8::Tier;
use volte::test_rng::TestRng;

fn values(seed: u64, len: usize) -> Vec<f32> {
    TestRng::new(seed).centred(len)
}

fn linear_layers(c: &mut Criterion) {
    let m = 2048;
    let mut group = c.benchmark_group("linear");
    group.sample_size(10);
    for (name, n, k) in [
        ("qkv", 1152, 384),
        ("ffn-up", 1536, 384),
        ("ffn-down", 384, 1536),
    ] {
        let x = values(1, m * k);
        let w = values(2, n * k);
        let b = values(3, n);
        group.throughput(Throughput::Elements((2 * m * n * k) as u64));
        for tier in Tier::supported() {
            let lin = Int8Linear::for_tier(&w, &b, n, k, tier);
            group.bench_with_input(
                BenchmarkId::new(format!("int8-{tier}"), name),
                &(),
                |bench, _| bench.iter(|| lin.forward(&x, m)),
            );
        }
        let xt = Tensor::from_vec(x.clone(), (m, k), &Device::Cpu).unwrap();
        let wt = Tensor::from_vec(w.clone(), (n, k), &Device::Cpu)
            .unwrap()
            .t()
            .unwrap()
            .contiguous()
            .unwrap();
        let bt = Tensor::from_vec(b.clone(), n, &Device::Cpu).unwrap();
        group.bench_with_input(BenchmarkId::new("candle-f32", name), &(), |bench, _| {
            bench.iter(|| xt.matmul(&wt).unwrap().broadcast_add(&bt).unwrap())
        });
    }
    group.finish();
}

/// Attention of one layer (12 heads of 32) over 2,048 tokens packed as
/// sequences of one length, per tier's vector width.
fn attention_lengths(c: &mut Criterion) {
    let (hidden, heads, tokens) = (384, 12, 2048);
    let qkv = values(4, tokens * 3 * hidden);
    let mut ctx = vec![0f32; tokens * hidden];
    let mut group = c.benchmark_group("attention");
    group.sample_size(10);
    for len in [32, 128, 512] {
        let seqs: Vec<(usize, usize)> = (0..tokens / len)
            .map(|i| (i * len, (i + 1) * len))
            .collect();
        // 2·len² ·hidden multiply-adds for QKᵀ and PV per sequence.
        group.throughput(Throughput::Elements(
            (seqs.len() * 4 * len * len * hidden) as u64,
        ));
        let mut levels: Vec<_> = Tier::supported().iter().map(|t| t.simd_level()).collect();
        levels.dedup();
        for level in levels {
            group.bench_with_input(
                BenchmarkId::new(format!("{level:?}"), len),
                &(),
                |bench, _| bench.iter(|| attention(&qkv, &seqs, hidden, heads, level, &mut ctx)),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, linear_layers, attention_lengths);
criterion_main!(benches);
