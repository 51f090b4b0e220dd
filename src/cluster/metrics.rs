//! External clustering metrics against a reference partition: the adjusted
//! Rand index and homogeneity / completeness / V-measure (definitions as in
//! scikit-learn).

use std::collections::BTreeMap;

/// Homogeneity, completeness and their harmonic mean (V-measure, β = 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VMeasure {
    pub homogeneity: f64,
    pub completeness: f64,
    pub v_measure: f64,
}

/// Counts of (class, cluster) co-occurrences with the class and cluster sizes.
struct Contingency {
    cells: Vec<u64>,
    classes: Vec<u64>,
    clusters: Vec<u64>,
    n: u64,
}

impl Contingency {
    fn new(truth: &[usize], predicted: &[usize]) -> Self {
        assert_eq!(
            truth.len(),
            predicted.len(),
            "label vectors differ in length"
        );
        let mut cell: BTreeMap<(usize, usize), u64> = BTreeMap::new();
        let mut class: BTreeMap<usize, u64> = BTreeMap::new();
        let mut cluster: BTreeMap<usize, u64> = BTreeMap::new();
        for (&t, &p) in truth.iter().zip(predicted) {
            *cell.entry((t, p)).or_default() += 1;
            *class.entry(t).or_default() += 1;
            *cluster.entry(p).or_default() += 1;
        }
        Self {
            cells: cell.into_values().collect(),
            classes: class.into_values().collect(),
            clusters: cluster.into_values().collect(),
            n: truth.len() as u64,
        }
    }
}

fn pairs(x: u64) -> f64 {
    (x as f64) * (x.saturating_sub(1) as f64) / 2.0
}

/// Adjusted Rand index of `predicted` against `truth` (1 for identical
/// partitions, about 0 for random labelling, negative below chance).
pub fn adjusted_rand_index(truth: &[usize], predicted: &[usize]) -> f64 {
    let c = Contingency::new(truth, predicted);
    let together_both: f64 = c.cells.iter().map(|&x| pairs(x)).sum();
    let together_truth: f64 = c.classes.iter().map(|&x| pairs(x)).sum();
    let together_pred: f64 = c.clusters.iter().map(|&x| pairs(x)).sum();
    let all = pairs(c.n);
    // Pair confusion counts.
    let tp = together_both;
    let fp = together_pred - together_both;
    let fn_ = together_truth - together_both;
    let tn = all - tp - fp - fn_;
    if fp == 0.0 && fn_ == 0.0 {
        return 1.0;
    }
    2.0 * (tp * tn - fn_ * fp) / ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn))
}

fn entropy(sizes: &[u64], n: u64) -> f64 {
    let n = n as f64;
    sizes
        .iter()
        .filter(|&&s| s > 0)
        .map(|&s| {
            let p = s as f64 / n;
            -p * p.ln()
        })
        .sum()
}

/// Homogeneity (each cluster holds one class), completeness (each class sits
/// in one cluster) and V-measure of `predicted` against `truth`.
pub fn v_measure(truth: &[usize], predicted: &[usize]) -> VMeasure {
    let c = Contingency::new(truth, predicted);
    if c.n == 0 {
        return VMeasure {
            homogeneity: 1.0,
            completeness: 1.0,
            v_measure: 1.0,
        };
    }
    let h_truth = entropy(&c.classes, c.n);
    let h_pred = entropy(&c.clusters, c.n);
    let h_joint = entropy(&c.cells, c.n);
    let mutual = (h_truth + h_pred - h_joint).max(0.0);
    let homogeneity = if h_truth == 0.0 {
        1.0
    } else {
        mutual / h_truth
    };
    let completeness = if h_pred == 0.0 { 1.0 } else { mutual / h_pred };
    let v_measure = if homogeneity + completeness == 0.0 {
        0.0
    } else {
        2.0 * homogeneity * completeness / (homogeneity + completeness)
    };
    VMeasure {
        homogeneity,
        completeness,
        v_measure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Values printed by scikit-learn 1.x for the same label vectors.
    #[test]
    fn adjusted_rand_index_matches_scikit_learn() {
        let cases: [(&[usize], &[usize], f64); 9] = [
            (&[0, 0, 1, 1], &[0, 0, 1, 1], 1.0),
            (&[0, 0, 1, 1], &[1, 1, 0, 0], 1.0),
            (&[0, 0, 1, 2], &[0, 0, 1, 1], 0.5714285714285714),
            (&[0, 0, 1, 1], &[0, 0, 1, 2], 0.5714285714285714),
            (&[0, 0, 0, 0], &[0, 1, 2, 3], 0.0),
            (&[0, 0, 1, 1], &[0, 1, 0, 1], -0.5),
            (
                &[0, 0, 0, 1, 1, 1],
                &[0, 0, 1, 1, 2, 2],
                0.24242424242424243,
            ),
            (
                &[0, 0, 0, 1, 1, 1, 2, 2, 2, 3],
                &[0, 0, 1, 1, 1, 2, 2, 3, 3, 3],
                0.2028985507246377,
            ),
            (&[0, 1, 2], &[0, 1, 2], 1.0),
        ];
        for (truth, pred, want) in cases {
            let got = adjusted_rand_index(truth, pred);
            assert!(close(got, want), "{truth:?} {pred:?}: {got} != {want}");
        }
    }

    /// Values printed by scikit-learn's `homogeneity_completeness_v_measure`.
    #[test]
    fn v_measure_matches_scikit_learn() {
        let cases: [(&[usize], &[usize], [f64; 3]); 8] = [
            (&[0, 0, 1, 1], &[1, 1, 0, 0], [1.0, 1.0, 1.0]),
            (&[0, 0, 1, 2], &[0, 0, 1, 1], [0.6666666666666666, 1.0, 0.8]),
            (&[0, 0, 1, 1], &[0, 0, 1, 2], [1.0, 0.6666666666666666, 0.8]),
            (&[0, 0, 0, 0], &[0, 1, 2, 3], [1.0, 0.0, 0.0]),
            (&[0, 0, 1, 1], &[0, 1, 0, 1], [0.0, 0.0, 0.0]),
            (&[0, 0, 1, 1], &[0, 1, 2, 3], [1.0, 0.5, 0.6666666666666666]),
            (
                &[0, 0, 0, 1, 1, 1],
                &[0, 0, 1, 1, 2, 2],
                [0.6666666666666669, 0.420619835714305, 0.5158037429793889],
            ),
            (
                &[0, 0, 0, 1, 1, 1, 2, 2, 2, 3],
                &[0, 0, 1, 1, 1, 2, 2, 3, 3, 3],
                [0.6038023647294948, 0.5806763229000619, 0.5920135846617086],
            ),
        ];
        for (truth, pred, [h, c, v]) in cases {
            let got = v_measure(truth, pred);
            assert!(
                close(got.homogeneity, h) && close(got.completeness, c) && close(got.v_measure, v),
                "{truth:?} {pred:?}: {got:?}"
            );
        }
    }
}
