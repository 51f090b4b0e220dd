//! Option values checked when the command line is parsed, so a bad number
//! is a usage error (exit code 2) before any work: every float must be
//! finite, and the ranges are the library's (`volte::values`), the same
//! for the Python package.

fn number(s: &str) -> Result<f32, String> {
    let v: f32 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{s} is not a finite number"))
    }
}

/// A cosine similarity: a finite number in [-1, 1].
pub fn cosine(s: &str) -> Result<f32, String> {
    number(s).and_then(volte::values::cosine)
}

/// A cosine distance: a finite number in [0, 2].
pub fn distance(s: &str) -> Result<f32, String> {
    number(s).and_then(volte::values::distance)
}

/// A probability-like number in [0, 1].
pub fn unit(s: &str) -> Result<f32, String> {
    number(s).and_then(volte::values::unit)
}

/// A finite number that is not negative.
pub fn non_negative(s: &str) -> Result<f32, String> {
    number(s).and_then(volte::values::non_negative)
}

/// A count of at least one.
pub fn at_least_one(s: &str) -> Result<usize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    volte::values::at_least_one(v)
}

/// Text that is not empty or only white space.
pub fn non_blank(s: &str) -> Result<String, String> {
    volte::values::non_blank(s).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_and_out_of_range_values_are_refused() {
        assert_eq!(number("0.5"), Ok(0.5));
        for bad in ["NaN", "nan", "inf", "-inf", "x"] {
            assert!(number(bad).is_err(), "{bad}");
        }
        assert!(cosine("2").unwrap_err().contains("cosine"));
        assert_eq!(cosine("-1"), Ok(-1.0));
        assert!(distance("-0.1").is_err());
        assert!(unit("1.5").is_err());
        assert!(non_negative("-1").is_err());
        assert!(at_least_one("0").is_err());
        assert_eq!(at_least_one("3"), Ok(3));
        assert!(non_blank(" ").is_err());
        assert_eq!(non_blank("a thesis"), Ok("a thesis".to_string()));
    }
}
