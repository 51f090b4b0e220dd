//! Evaluating volte against annotated data: detected shifts against gold
//! shifts ([`shifts`]), and stance scores against gold stance labels
//! ([`stance`]). Both read the same gold file ([`gold`]).

pub mod gold;
pub mod shifts;
pub mod stance;

pub use gold::{read_gold, Gold, GoldShift, GoldSteady, StanceLabel};
pub use shifts::{evaluate, matches_gold, Evaluation};
pub use stance::{evaluate_stance, GroupStance, Orientation, StanceEvaluation};
