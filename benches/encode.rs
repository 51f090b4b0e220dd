//! Encoder building blocks on the CPU: the int8 linear layer against
//! candle's float32 matmul on the shapes of multilingual-e5-small
//! (hidden 384, FFN 1536) for a packed batch of 2,048 tokens.
//!
//! Run: `cargo bench --bench encode`. End-to-end throughput against other
//! engines is measured by `scripts/bench_encode.py`.

use candle_core::{Device, Tensor};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use volte::encoder::int8::gemm::Int8Linear;

fn values(seed: u64, len: usize) -> Vec<f32> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect()
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
        let lin = Int8Linear::new(&w, &b, n, k);
        group.bench_with_input(BenchmarkId::new("int8", name), &(), |bench, _| {
            bench.iter(|| lin.forward(&x, m))
        });
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

criterion_group!(benches, linear_layers);
criterion_main!(benches);
