//! Helpers of the integration tests: running the real `volte` binary (with
//! the `cli` feature, which builds it) and writing tiny random models.

// Each test crate uses the part it needs.
#![allow(dead_code)]

#[cfg(feature = "cli")]
use std::process::{Command, Output};

#[cfg(feature = "cli")]
use serde_json::Value;

/// The binary, run from the crate root without progress bars.
#[cfg(feature = "cli")]
pub fn volte() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volte"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("VOLTE_NO_PROGRESS", "1");
    cmd
}

/// Runs `cmd` and fails the test, with its stderr, unless it succeeds.
#[cfg(feature = "cli")]
pub fn success(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run volte");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd`, which must succeed, and parses its standard output as JSON.
#[cfg(feature = "cli")]
pub fn json(cmd: &mut Command) -> Value {
    serde_json::from_slice(&success(cmd).stdout).expect("output is JSON")
}

pub mod tiny_model;

/// The settings of the environment the tests run in (`VOLTE_CACHE`, …),
/// as the command line reads them.
pub fn settings() -> volte::Settings {
    volte::Settings::from_env().expect("the test environment's settings")
}
