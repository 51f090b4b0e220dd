//! The ranges of option values, one set of checks and messages for the
//! command line (which parses them from text) and the library's callers
//! (the Python package): a value out of range is a usage error.

use crate::error::{Error, UsageError};

/// `v` when it is a finite number in `[lo, hi]`; otherwise why not.
fn within(v: f32, lo: f32, hi: f32, what: &str) -> Result<f32, String> {
    if !v.is_finite() {
        Err(format!("{v} is not a finite number"))
    } else if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not {what} in [{lo}, {hi}]"))
    }
}

/// A cosine similarity: a finite number in [-1, 1].
pub fn cosine(v: f32) -> Result<f32, String> {
    within(v, -1.0, 1.0, "a cosine similarity")
}

/// A cosine distance: a finite number in [0, 2].
pub fn distance(v: f32) -> Result<f32, String> {
    within(v, 0.0, 2.0, "a cosine distance")
}

/// A probability-like number in [0, 1].
pub fn unit(v: f32) -> Result<f32, String> {
    within(v, 0.0, 1.0, "a number")
}

/// A finite number that is not negative.
pub fn non_negative(v: f32) -> Result<f32, String> {
    if !v.is_finite() {
        Err(format!("{v} is not a finite number"))
    } else if v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("{v} is negative"))
    }
}

/// A count of at least one.
pub fn at_least_one(v: usize) -> Result<usize, String> {
    if v >= 1 {
        Ok(v)
    } else {
        Err("must be at least 1".to_string())
    }
}

/// Text that is not empty or only white space.
pub fn non_blank(s: &str) -> Result<&str, String> {
    if s.trim().is_empty() {
        Err("must not be empty or blank".to_string())
    } else {
        Ok(s)
    }
}

/// The result of a check as a usage error naming the option: `name: why`.
pub fn named<T>(name: &str, checked: Result<T, String>) -> Result<T, Error> {
    checked.map_err(|why| Error::Usage(UsageError::new(format!("{name}: {why}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_and_non_finite_values_are_refused() {
        assert_eq!(cosine(-1.0), Ok(-1.0));
        assert_eq!(
            cosine(2.0).unwrap_err(),
            "2 is not a cosine similarity in [-1, 1]"
        );
        assert!(cosine(f32::NAN).unwrap_err().contains("finite"));
        assert!(distance(-0.1).is_err());
        assert_eq!(distance(0.9), Ok(0.9));
        assert!(unit(1.5).is_err());
        assert!(non_negative(-1.0).is_err());
        assert!(non_negative(f32::INFINITY).is_err());
        assert!(at_least_one(0).is_err());
        assert!(non_blank(" ").is_err());
        let e = named("threshold", cosine(2.0)).unwrap_err();
        assert!(e.is_user_error());
        assert_eq!(
            e.to_string(),
            "threshold: 2 is not a cosine similarity in [-1, 1]"
        );
    }
}
