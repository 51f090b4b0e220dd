//! The analysis space: sentence embeddings with their shared components
//! removed.
//!
//! Raw multilingual-E5 vectors are anisotropic (any two statements have a
//! cosine of 0.7–0.9) and carry a strong language component, so two
//! statements in one language look alike whatever they say. Subtracting the
//! mean vector of each language (the corpus mean where a language has too few
//! statements to estimate its own) and re-normalizing keeps what a statement
//! says and drops what all statements of its language share. Topics, axis
//! matching and stance scores are all computed in this space.

use std::collections::BTreeMap;

use crate::embeddings::Embeddings;

/// Languages with fewer statements than this are centred on the corpus mean.
pub const MIN_STATEMENTS_PER_LANGUAGE: usize = 5;

/// The mean of the given rows (zero vector for no rows).
pub fn mean_of(emb: &Embeddings, rows: &[usize]) -> Vec<f32> {
    let mut acc = vec![0f64; emb.dim()];
    for &r in rows {
        for (a, x) in acc.iter_mut().zip(emb.row(r)) {
            *a += *x as f64;
        }
    }
    let n = rows.len().max(1) as f64;
    acc.into_iter().map(|a| (a / n) as f32).collect()
}

/// The L2-normalized mean of the given rows.
pub fn centroid(emb: &Embeddings, rows: &[usize]) -> Vec<f32> {
    let mut c = mean_of(emb, rows);
    normalize(&mut c);
    c
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let n = v
        .iter()
        .map(|x| (*x as f64) * (*x as f64))
        .sum::<f64>()
        .sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x = (*x as f64 / n) as f32);
    }
}

/// Dot product in f64.
pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
}

/// Subtracts `mean` from every row and re-normalizes the rows, in place.
fn subtract(emb: Embeddings, means: impl Fn(usize) -> Vec<f32>) -> Embeddings {
    let dim = emb.dim();
    let mut data = emb.into_vec();
    for (i, row) in data.chunks_mut(dim).enumerate() {
        let m = means(i);
        row.iter_mut().zip(&m).for_each(|(x, y)| *x -= y);
        normalize(row);
    }
    Embeddings::new(dim, data).expect("same shape as the input")
}

/// Centres all rows on their common mean and re-normalizes them.
pub fn centre(emb: Embeddings) -> Embeddings {
    let all: Vec<usize> = (0..emb.len()).collect();
    let mean = mean_of(&emb, &all);
    subtract(emb, |_| mean.clone())
}

/// Centres every row on the mean of its language (`langs[i]`), or on the
/// corpus mean when the language is unknown or has fewer than
/// [`MIN_STATEMENTS_PER_LANGUAGE`] rows; returns the centred rows and the
/// languages that got their own mean.
pub fn centre_by_language(emb: Embeddings, langs: &[Option<&str>]) -> (Embeddings, Vec<String>) {
    let all: Vec<usize> = (0..emb.len()).collect();
    let corpus_mean = mean_of(&emb, &all);
    let mut by_lang: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in langs.iter().enumerate() {
        if let Some(l) = l.map(str::trim).filter(|l| !l.is_empty()) {
            by_lang.entry(l).or_default().push(i);
        }
    }
    let lang_means: BTreeMap<&str, Vec<f32>> = by_lang
        .iter()
        .filter(|(_, rows)| rows.len() >= MIN_STATEMENTS_PER_LANGUAGE)
        .map(|(l, rows)| (*l, mean_of(&emb, rows)))
        .collect();
    let centred = subtract(emb, |i| {
        langs[i]
            .map(str::trim)
            .and_then(|l| lang_means.get(l))
            .unwrap_or(&corpus_mean)
            .clone()
    });
    (centred, lang_means.keys().map(|l| l.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_offsets_are_removed() {
        // Two languages, each with a constant offset; the content axis is x.
        let mut data = Vec::new();
        for i in 0..5 {
            let s = if i % 2 == 0 { 1.0 } else { -1.0 };
            data.extend_from_slice(&[s, 5.0, 0.0]);
            data.extend_from_slice(&[s, 0.0, 5.0]);
        }
        let emb = Embeddings::new(3, data).unwrap();
        let langs: Vec<Option<&str>> = (0..10)
            .map(|i| Some(if i % 2 == 0 { "en" } else { "fr" }))
            .collect();
        let (c, used) = centre_by_language(emb.clone(), &langs);
        assert_eq!(used, vec!["en".to_string(), "fr".to_string()]);
        // Same content in two languages is now the same vector.
        assert!(dot(c.row(0), c.row(1)) > 0.999);
        // Opposite content is opposite.
        assert!(dot(c.row(0), c.row(2)) < -0.999);
    }

    #[test]
    fn rare_languages_use_the_corpus_mean() {
        let emb = Embeddings::new(2, vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
        let (c, used) = centre_by_language(emb.clone(), &[Some("en"), Some("en"), None]);
        assert!(used.is_empty());
        assert_eq!(c.row(0).len(), 2);
        let plain = centre(emb.clone());
        assert_eq!(c, plain);
        let cen = centroid(&emb, &[0, 1]);
        assert!((dot(&cen, &cen) - 1.0).abs() < 1e-6);
    }
}
