//! `volte embed --resume`: a run killed part-way continues from its saved
//! parts, and the output equals an uninterrupted run's byte for byte.

use crate::common;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

const STATEMENTS: usize = 1200;
const PART: &str = "60";

fn input(dir: &Path) -> std::path::PathBuf {
    let subjects = [
        "The minister",
        "Our party",
        "La ministre",
        "Der Verband",
        "El gobierno",
    ];
    let verbs = [
        "supports",
        "rejects",
        "will review",
        "criticises",
        "defends",
    ];
    let objects = [
        "the carbon tax",
        "the new budget",
        "nuclear power",
        "the pension reform",
        "public subsidies for AI",
    ];
    let text: String = (0..STATEMENTS)
        .map(|i| {
            format!(
                "{} {} {} ({}).\n",
                subjects[i % 5],
                verbs[(i / 5) % 5],
                objects[(i / 25) % 5],
                i
            )
        })
        .collect();
    let path = dir.join("in.txt");
    std::fs::write(&path, text).unwrap();
    path
}

fn embed(args: &[&str]) -> Output {
    let o = common::volte()
        .arg("embed")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn same_bytes(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    let first_difference = x.iter().zip(&y).position(|(p, q)| p != q);
    assert!(
        x == y,
        "{} ({} bytes) and {} ({} bytes) differ (first at byte {first_difference:?})",
        a.display(),
        x.len(),
        b.display(),
        y.len()
    );
}

fn recorded_parts(manifest: &Path) -> usize {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["parts"].as_array().map(Vec::len))
        .unwrap_or(0)
}

#[test]
fn a_killed_run_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let input = input(dir.path());
    let input = input.to_str().unwrap();
    let plain = dir.path().join("plain.npy");
    embed(&[input, "-o", plain.to_str().unwrap(), "--part-size", PART]);

    let out = dir.path().join("resumed.npy");
    let parts = dir.path().join("resumed.npy.parts");
    let manifest = parts.join("manifest.json");
    let mut child = common::volte()
        .args(["embed", input, "-o", out.to_str().unwrap(), "--resume"])
        .args(["--part-size", PART])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while recorded_parts(&manifest) < 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be interrupted"
        );
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no parts written"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let saved = recorded_parts(&manifest);
    assert!(
        saved < STATEMENTS / 60,
        "killed part-way ({saved} parts saved)"
    );
    assert!(!out.exists(), "no output from a killed run");

    let o = embed(&[
        input,
        "-o",
        out.to_str().unwrap(),
        "--resume",
        "--part-size",
        PART,
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let done: usize = stderr
        .split("resuming: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the run says it resumes: {stderr}"));
    assert!(done >= 120, "{stderr}");
    assert!(
        stderr.contains(&format!("; {} text(s),", STATEMENTS - done)),
        "only the rest is embedded: {stderr}"
    );
    same_bytes(&out, &plain);
    same_bytes(
        &volte::output::npy::ids_path(&out),
        &volte::output::npy::ids_path(&plain),
    );
    assert!(
        !parts.exists(),
        "the parts are removed once the output is written"
    );
}

#[test]
fn resumed_and_plain_parquet_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let input = input(dir.path());
    let input = input.to_str().unwrap();
    let plain = dir.path().join("plain.parquet");
    let resumed = dir.path().join("resumed.parquet");
    embed(&[input, "-o", plain.to_str().unwrap(), "--part-size", "500"]);
    embed(&[
        input,
        "-o",
        resumed.to_str().unwrap(),
        "--part-size",
        "500",
        "--resume",
    ]);
    same_bytes(&resumed, &plain);
    let (ids, emb) = volte::output::parquet::read(&resumed).unwrap();
    assert_eq!((ids.len(), emb.dim()), (STATEMENTS, 384));
    assert_eq!(ids[0], "line:1");
}
