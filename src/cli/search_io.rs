//! The similarity backend of the search commands for `--device`, and how the
//! pair searches choose their candidates (`--index`).

use anyhow::Result;
use clap::Args;

use super::model_args::ModelArgs;
use volte::encoder::device::open_device;
use volte::similarity::{Backend, IndexChoice, PairIndex};

/// The similarity backend for `--device`: the CPU kernel, or candle on a GPU.
pub fn backend(model: &ModelArgs) -> Result<Backend> {
    Ok(Backend::for_device(&open_device(model.device)?))
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// How similar pairs are found. `exact` compares every pair (n²/2 dot
    /// products). `ivf` splits the statements into lists by k-means and
    /// compares each statement only with the lists of its --probes nearest
    /// centroids: a million statements took 3.5 min on 2 cores, where the
    /// exact search would take about 23; on 100,000 STS-benchmark statements
    /// it found 99.97 % of the pairs at 0.92 with the defaults
    /// (BENCHMARKS.md). Every pair it reports is exact.
    #[arg(long, value_enum, default_value_t = IndexChoice::Auto)]
    pub index: IndexChoice,
    /// Lists of the inverted-file index [default: √n].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub lists: Option<u32>,
    /// Lists each statement is compared with, its own included; more find
    /// more pairs and cost more.
    #[arg(long, default_value_t = volte::similarity::ivf::DEFAULT_PROBES as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub probes: u32,
}

impl IndexArgs {
    /// The index for `rows` statements searched on `backend`; says so when
    /// it is the inverted-file index.
    pub fn index(&self, rows: usize, backend: &Backend) -> PairIndex {
        // clap keeps --lists and --probes positive.
        let index = PairIndex::choose(
            self.index,
            rows,
            backend,
            self.lists.map(|l| l as usize),
            self.probes as usize,
        )
        .expect("positive lists and probes");
        if let PairIndex::Ivf(p) = index {
            if matches!(backend, Backend::Cpu) {
                eprintln!(
                    "volte: {rows} statements: similar pairs come from an inverted-file index ({} lists, \
                     {} probes; every pair found is exact, a few may be missed; --index exact \
                     compares all)",
                    p.lists.min(rows.max(1)),
                    p.probes.min(p.lists)
                );
            }
        }
        index
    }
}
