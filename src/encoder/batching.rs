//! Length-sorted batching under a token budget: similar lengths share a
//! batch, so padding stays small, and no batch exceeds the budget.

/// Splits sequence indices into batches. Indices are visited longest first;
/// a batch holds at most `max_batch` sequences and `budget` padded tokens
/// (a single sequence longer than the budget still gets a batch of its own).
pub fn plan_batches(lengths: &[usize], budget: usize, max_batch: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by(|&a, &b| lengths[b].cmp(&lengths[a]).then(a.cmp(&b)));
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut width = 0;
    for i in order {
        let w = width.max(lengths[i]);
        if !current.is_empty() && (current.len() >= max_batch || w * (current.len() + 1) > budget) {
            batches.push(std::mem::take(&mut current));
            width = 0;
        }
        width = width.max(lengths[i]);
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sorted_and_bounded() {
        let b = plan_batches(&[3, 10, 5, 10, 1], 20, 8);
        assert_eq!(b, vec![vec![1, 3], vec![2, 0, 4]]);
    }

    proptest! {
        #[test]
        fn every_index_once_and_budget_kept(lengths in proptest::collection::vec(1usize..600, 0..200),
                                            budget in 1usize..5000, max_batch in 1usize..64) {
            let batches = plan_batches(&lengths, budget, max_batch);
            let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
            seen.sort();
            prop_assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
            for b in &batches {
                prop_assert!(!b.is_empty() && b.len() <= max_batch);
                let w = b.iter().map(|&i| lengths[i]).max().unwrap();
                prop_assert!(b.len() == 1 || w * b.len() <= budget);
            }
        }
    }
}
