//! Surviving device out-of-memory: a failure of the device is typed where
//! candle reports it ([`classify`]), and a batch that does not fit is halved
//! and retried, down to single sequences, instead of failing the run.

use anyhow::Result;

/// The device ran out of memory: the error of candle that says so, with
/// its message and chain unchanged.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct OutOfMemory(anyhow::Error);

/// Types an error of a candle computation: when a [`candle_core::Error`]
/// in its chain says that the device ran out of memory, the error becomes
/// an [`OutOfMemory`]. candle reports it only in the text of its backend's
/// error (CUDA's `CUDA_ERROR_OUT_OF_MEMORY`, Metal's "out of memory"), so
/// that text is read here, once, and nowhere else.
pub fn classify(e: anyhow::Error) -> anyhow::Error {
    let from_device = e.chain().any(|c| {
        c.downcast_ref::<candle_core::Error>().is_some_and(|c| {
            let text = c.to_string().to_ascii_lowercase();
            text.contains("out of memory") || text.contains("out_of_memory")
        })
    });
    if from_device {
        anyhow::Error::new(OutOfMemory(e))
    } else {
        e
    }
}

/// Whether an error says the device ran out of memory (see [`classify`]).
pub fn is_out_of_memory(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<OutOfMemory>())
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
                let cuda =
                    candle_core::Error::Msg("CUDA_ERROR_OUT_OF_MEMORY: out of memory".into());
                return Err(classify(anyhow::Error::from(cuda).context("forward")));
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
        let oom = || classify(candle_core::Error::Msg("out of memory".into()).into());
        let mut g = |_: &[u32]| -> Result<Vec<f32>> { Err(oom()) };
        assert!(run_halving(&[1], &mut g, &mut |_| {}).is_err());
        // Only candle's errors are read: a file named so is no device failure.
        let named = classify(anyhow::anyhow!("reading out of memory.txt"));
        assert!(!is_out_of_memory(&named));
        let mut calls = 0;
        let mut h = |_: &[u32]| -> Result<Vec<f32>> {
            calls += 1;
            anyhow::bail!("reading out of memory.txt")
        };
        assert!(run_halving(&[1, 2], &mut h, &mut |_| {}).is_err());
        assert_eq!(calls, 1);
    }

    #[test]
    fn the_message_is_candles_and_the_front_door_says_device() {
        let e = classify(
            anyhow::Error::from(candle_core::Error::Msg("CUDA_ERROR_OUT_OF_MEMORY".into()))
                .context("running the encoder on a batch"),
        );
        assert!(is_out_of_memory(&e));
        assert_eq!(
            format!("{e:#}"),
            "running the encoder on a batch: CUDA_ERROR_OUT_OF_MEMORY"
        );
        let front = crate::Error::from_internal(e.context("embedding"));
        assert!(matches!(front, crate::Error::Device(_)));
    }
}
