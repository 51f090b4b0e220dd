//! Surviving device out-of-memory: a batch that does not fit is halved and
//! retried, down to single sequences, instead of failing the run.

use anyhow::Result;

/// Whether an error says the device ran out of memory.
pub fn is_out_of_memory(e: &anyhow::Error) -> bool {
    let text = format!("{e:#}").to_ascii_lowercase();
    text.contains("out of memory") || text.contains("out_of_memory")
}

/// Runs `f` on `items`; when it fails for lack of memory, runs it on each
/// half (recursively) and concatenates the `width`-float rows of the results.
/// `on_split` is told each time a batch is halved.
pub fn run_halving<T, F>(
    items: &[T],
    f: &mut F,
    on_split: &mut dyn FnMut(usize),
) -> Result<Vec<f32>>
where
    F: FnMut(&[T]) -> Result<Vec<f32>>,
{
    match f(items) {
        Ok(v) => Ok(v),
        Err(e) if items.len() > 1 && is_out_of_memory(&e) => {
            on_split(items.len());
            let (a, b) = items.split_at(items.len() / 2);
            let mut out = run_halving(a, f, on_split)?;
            out.extend(run_halving(b, f, on_split)?);
            Ok(out)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_until_it_fits_and_keeps_order() {
        let items: Vec<u32> = (0..10).collect();
        let mut calls = 0;
        let mut f = |b: &[u32]| -> Result<Vec<f32>> {
            calls += 1;
            if b.len() > 3 {
                anyhow::bail!("CUDA_ERROR_OUT_OF_MEMORY: out of memory")
            }
            Ok(b.iter().map(|&x| x as f32).collect())
        };
        let mut splits = Vec::new();
        let out = run_halving(&items, &mut f, &mut |n| splits.push(n)).unwrap();
        assert_eq!(out, (0..10).map(|x| x as f32).collect::<Vec<_>>());
        assert_eq!(splits, vec![10, 5, 5]);
        assert!(calls > 3);
    }

    #[test]
    fn other_errors_and_single_items_fail() {
        let mut f = |_: &[u32]| -> Result<Vec<f32>> { anyhow::bail!("shape mismatch") };
        assert!(run_halving(&[1, 2], &mut f, &mut |_| {}).is_err());
        let mut g = |_: &[u32]| -> Result<Vec<f32>> { anyhow::bail!("out of memory") };
        assert!(run_halving(&[1], &mut g, &mut |_| {}).is_err());
    }
}
