//! The integration tests, one binary with a module per subject (as
//! ripgrep's): candle, arrow and parquet are linked once instead of once
//! per file. A module lives in tests/suite/; helpers shared by all of them
//! in tests/common/. Tests that run the `volte` program need the `cli`
//! feature (the default). Run one subject with
//! `cargo test --release --test main cli_search::`.

mod common;

mod suite {
    mod architectures;
    #[cfg(feature = "cli")]
    mod cli_doctor;
    #[cfg(feature = "cli")]
    mod cli_embed;
    #[cfg(feature = "cli")]
    mod cli_embed_resume;
    #[cfg(feature = "cli")]
    mod cli_reliability;
    #[cfg(feature = "cli")]
    mod cli_search;
    mod cluster_crosslingual;
    #[cfg(feature = "cli")]
    mod eval_shifts;
    #[cfg(feature = "cli")]
    mod eval_stance;
    #[cfg(feature = "cli")]
    mod extract_cli;
    mod fuzz_readers;
    mod minilm_reference;
    mod model_reference;
    #[cfg(feature = "cli")]
    mod report_example;
    #[cfg(feature = "cli")]
    mod report_html;
    mod report_pipeline;
    #[cfg(feature = "cli")]
    mod report_theses;
    #[cfg(feature = "cli")]
    mod stance_cli;
    mod stance_model;
}
