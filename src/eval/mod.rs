//! Evaluating volte against annotated data: detected shifts against gold
//! shifts ([`shifts`]), and stance scores against gold stance labels
//! ([`stance`]). Both read the same gold file ([`gold`]). The stance model
//! against labelled (thesis, statement) pairs: [`stance_pairs`]. The
//! encoder against semantic-similarity benchmarks: [`sts`]. What they share:
//! the rank statistics of [`stats`]. How well the stance model's
//! probabilities are calibrated, and fitting its temperature: [`calibration`].
//! Extracted statements against hand-made ones: [`extract`].

pub mod calibration;
pub mod extract;
pub mod gold;
pub(crate) mod shifts;
pub(crate) mod stance;
pub(crate) mod stance_pairs;
pub mod stats;
pub mod sts;

pub use extract::{evaluate_extraction, ExtractEvaluation};
pub use gold::{read_gold, Gold, GoldShift, GoldSteady, StanceLabel};
pub use shifts::{evaluate, matches_gold, Evaluation, ShiftsEvaluation};
pub use stance::{evaluate_stance, GroupStance, Orientation, StanceEvaluation};
pub use stance_pairs::{evaluate_pairs, parse_answer, PairEvaluation};
