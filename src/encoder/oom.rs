//! Surviving device out-of-memory: a failure of the device is typed where
//! candle reports it (`From<candle_core::Error>` for [`Error`] gives
//! [`Error::Device`]), and a batch that does not fit is halved and retried,
//! down to single sequences, instead of failing the run.

use crate::error::{DeviceError, Error, Result};

/// Whether `e` says that the device ran out of memory.
pub fn is_out_of_memory(e: &Error) -> bool {
    matches!(e, Error::Device(DeviceError::OutOfMemory(_)))
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
    use crate::error::{bail, WrapErr};

    fn candle(message: &str) -> candle_core::Error {
        candle_core::Error::Msg(message.into())
    }

    #[test]
    fn halves_until_it_fits_and_keeps_order() {
        let items: Vec<u32> = (0..10).collect();
        let mut calls = 0;
        let mut f = |b: &[u32]| -> Result<Vec<f32>> {
            calls += 1;
            if b.len() > 3 {
                let cuda = candle("CUDA_ERROR_OUT_OF_MEMORY: out of memory");
                return Err(cuda).context("forward");
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
        let mut f = |_: &[u32]| -> Result<Vec<f32>> { bail!("shape mismatch") };
        assert!(run_halving(&[1, 2], &mut f, &mut |_| {}).is_err());
        let mut g = |_: &[u32]| -> Result<Vec<f32>> { Err(candle("out of memory").into()) };
        let single = run_halving(&[1], &mut g, &mut |_| {}).unwrap_err();
        assert!(is_out_of_memory(&single));
        // Only candle's errors are read: a file named so is no device failure.
        let named: Result<()> = Err(Error::model("reading out of memory.txt"));
        let named = named.context("loading").unwrap_err();
        assert!(!is_out_of_memory(&named));
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "out of memory.txt");
        assert!(!is_out_of_memory(&Error::from(io)));
        let mut calls = 0;
        let mut h = |_: &[u32]| -> Result<Vec<f32>> {
            calls += 1;
            bail!("reading out of memory.txt")
        };
        assert!(run_halving(&[1, 2], &mut h, &mut |_| {}).is_err());
        assert_eq!(calls, 1);
    }

    #[test]
    fn the_message_is_candles_and_the_front_door_says_device() {
        let e = Err::<(), _>(candle("CUDA_ERROR_OUT_OF_MEMORY"))
            .context("running the encoder on a batch")
            .unwrap_err();
        assert!(is_out_of_memory(&e));
        assert!(matches!(
            &e,
            Error::Device(DeviceError::OutOfMemory(text))
                if text == "running the encoder on a batch: CUDA_ERROR_OUT_OF_MEMORY"
        ));
        assert_eq!(
            e.to_string(),
            "device out of memory: running the encoder on a batch: CUDA_ERROR_OUT_OF_MEMORY"
        );
        assert!(!e.is_user_error());
    }
}
