//! Kernel results against the float64 brute force, across tile sizes,
//! backends and thread counts.

use candle_core::Device;
use proptest::prelude::*;

use super::*;

fn normalized(dim: usize, values: Vec<f32>) -> Embeddings {
    let mut e = Embeddings::new(dim, values).unwrap();
    e.normalize();
    e
}

/// Small matrices whose entries come from a few integers (many exact ties)
/// or from a continuous range.
fn matrix(max_rows: usize) -> impl Strategy<Value = Embeddings> {
    (1usize..=max_rows, 1usize..=9, any::<bool>()).prop_flat_map(|(n, dim, coarse)| {
        let values = if coarse {
            prop::collection::vec((-2i8..=2).prop_map(f32::from), n * dim).boxed()
        } else {
            prop::collection::vec(-1.0f32..1.0, n * dim).boxed()
        };
        values.prop_map(move |v| normalized(dim, v))
    })
}

fn options(tile: usize) -> SearchOptions<'static> {
    SearchOptions {
        tile: Some(tile),
        ..SearchOptions::default()
    }
}

fn device_options(tile: usize) -> SearchOptions<'static> {
    SearchOptions {
        backend: Backend::Device(Device::Cpu),
        tile: Some(tile),
        ..SearchOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn top_k_self_equals_brute_force(emb in matrix(40), k in 1usize..7, tile in 1usize..9) {
        let want = brute::top_k(&emb, &emb, k, true);
        prop_assert_eq!(&top_k_self(&emb, k, &options(tile)).unwrap(), &want);
        prop_assert_eq!(&top_k_self(&emb, k, &device_options(tile)).unwrap(), &want);
    }

    #[test]
    fn top_k_queries_equals_brute_force(
        (queries, corpus) in (1usize..=9).prop_flat_map(|dim| (
            prop::collection::vec(-1.0f32..1.0, dim..=dim * 12),
            prop::collection::vec((-2i8..=2).prop_map(f32::from), dim..=dim * 30),
        ).prop_map(move |(q, c)| {
            let q = q[..q.len() / dim * dim].to_vec();
            let c = c[..c.len() / dim * dim].to_vec();
            (normalized(dim, q), normalized(dim, c))
        })),
        k in 1usize..7,
        tile in 1usize..9,
    ) {
        let want = brute::top_k(&queries, &corpus, k, false);
        prop_assert_eq!(&top_k(&queries, &corpus, k, &options(tile)).unwrap(), &want);
        prop_assert_eq!(&top_k(&queries, &corpus, k, &device_options(tile)).unwrap(), &want);
    }

    #[test]
    fn pairs_equal_brute_force(emb in matrix(40), threshold in -0.5f32..1.0, tile in 1usize..9) {
        let want = brute::pairs_above(&emb, threshold);
        prop_assert_eq!(&pairs_above(&emb, threshold, &options(tile)).unwrap(), &want);
        prop_assert_eq!(&pairs_above(&emb, threshold, &device_options(tile)).unwrap(), &want);
        let mut want_indices: Vec<[u32; 2]> = want.iter().map(|p| [p.a, p.b]).collect();
        want_indices.sort_unstable();
        for o in [options(tile), device_options(tile)] {
            let mut got = pair_indices_above(&emb, threshold, &o).unwrap();
            got.sort_unstable();
            prop_assert_eq!(&got, &want_indices);
        }
    }

    #[test]
    fn pairs_between_two_sets_equal_brute_force(
        emb in matrix(40),
        split in 0usize..40,
        threshold in -0.5f32..1.0,
        tile in 1usize..9,
    ) {
        // Splitting one set in two: the pairs within either part and those
        // between them are exactly the pairs of the whole.
        let split = split.min(emb.len());
        let left = emb.select(&(0..split).collect::<Vec<_>>());
        let right = emb.select(&(split..emb.len()).collect::<Vec<_>>());
        let mut want: Vec<[u32; 2]> = brute::pairs_above(&emb, threshold)
            .iter()
            .filter(|p| (p.a as usize) < split && (p.b as usize) >= split)
            .map(|p| [p.a, p.b - split as u32])
            .collect();
        want.sort_unstable();
        let mut got = pair_indices_between(&left, &right, threshold, &options(tile)).unwrap();
        got.sort_unstable();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let emb = crate::test_rng::unit_rows(700, 24, 7);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                (
                    top_k_self(&emb, 5, &options(64)).unwrap(),
                    pairs_above(&emb, 0.5, &options(64)).unwrap(),
                )
            })
    };
    let one = run(1);
    assert_eq!(one, run(3));
    assert_eq!(one, run(8));
    assert_eq!(one.0, brute::top_k(&emb, &emb, 5, true));
    assert_eq!(one.1, brute::pairs_above(&emb, 0.5));
}

#[test]
fn default_tiles_match_brute_force_in_384_dimensions() {
    let emb = crate::test_rng::unit_rows(1100, 384, 11);
    assert_eq!(
        top_k_self(&emb, 10, &SearchOptions::default()).unwrap(),
        brute::top_k(&emb, &emb, 10, true)
    );
    let queries = crate::test_rng::unit_rows(37, 384, 12);
    assert_eq!(
        top_k(&queries, &emb, 3, &SearchOptions::default()).unwrap(),
        brute::top_k(&queries, &emb, 3, false)
    );
}

#[test]
fn duplicates_tie_by_index() {
    let emb = normalized(2, [1.0, 0.0].repeat(100));
    let got = top_k_self(&emb, 3, &options(7)).unwrap();
    assert_eq!(
        got[0].iter().map(|n| n.index).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(
        got[50].iter().map(|n| n.index).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert!(got.iter().flatten().all(|n| n.score == 1.0));
}

#[test]
fn edge_sizes() {
    let one = normalized(3, vec![1.0, 2.0, 3.0]);
    assert_eq!(
        top_k_self(&one, 4, &SearchOptions::default()).unwrap(),
        vec![vec![]]
    );
    let three = crate::test_rng::unit_rows(3, 4, 1);
    let got = top_k_self(&three, 10, &SearchOptions::default()).unwrap();
    assert!(got.iter().all(|r| r.len() == 2));
    assert!(top_k_self(&three, 0, &SearchOptions::default())
        .unwrap()
        .iter()
        .all(Vec::is_empty));
    let empty = Embeddings::empty(4);
    assert!(pairs_above(&empty, 0.1, &SearchOptions::default())
        .unwrap()
        .is_empty());
    assert!(top_k(&three, &empty, 2, &SearchOptions::default())
        .unwrap()
        .iter()
        .all(Vec::is_empty));
    assert!(top_k(&three, &Embeddings::empty(5), 2, &SearchOptions::default()).is_err());
}

#[test]
fn pair_limit_is_enforced() {
    let emb = crate::test_rng::unit_rows(200, 8, 3);
    let limited = SearchOptions {
        max_pairs: Some(10),
        ..options(32)
    };
    let err = pairs_above(&emb, -1.0, &limited).unwrap_err();
    assert!(err.to_string().contains("raise the threshold"), "{err}");
    let device = SearchOptions {
        max_pairs: Some(10),
        ..device_options(32)
    };
    assert!(pairs_above(&emb, -1.0, &device).is_err());
}
