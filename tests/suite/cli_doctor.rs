//! `volte doctor` and the int8 kernel tier as the command line reports it:
//! the detected tier, a tier forced with `VOLTE_CPU` or `--cpu-tier`, and
//! the errors for a tier this CPU cannot run.

use std::io::Write;
use std::process::{Output, Stdio};

use crate::common::{success, volte};
use volte::encoder::int8::Tier;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The tier of the other architecture (never runnable here).
fn foreign_tier() -> Tier {
    if cfg!(target_arch = "aarch64") {
        Tier::Avx2
    } else {
        Tier::NeonDot
    }
}

#[test]
fn doctor_lists_features_and_the_tier_in_use() {
    let out = text(&success(volte().arg("doctor").env_remove("VOLTE_CPU")).stdout);
    for t in Tier::ALL {
        assert!(out.contains(&format!("  {:12} ", t.name())), "{t}:\n{out}");
    }
    let best = Tier::detect();
    assert!(
        out.contains(&format!(
            "tier in use:    {best} (the best this CPU supports)"
        )),
        "{out}"
    );
    assert!(out.contains("--dtype auto:   on the CPU runs "), "{out}");
    assert!(out.contains("CPU features:"), "{out}");

    let out = text(&success(volte().arg("doctor").env("VOLTE_CPU", "portable")).stdout);
    assert!(
        out.contains("tier in use:    portable (forced by VOLTE_CPU)"),
        "{out}"
    );

    let out = text(&success(volte().args(["doctor", "--cpu-tier", foreign_tier().name()])).stdout);
    assert!(
        out.contains(&format!(
            "tier in use:    error: CPU tier {} was requested",
            foreign_tier()
        )),
        "{out}"
    );
}

fn embed_stdin(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("out.npy");
    let mut cmd = volte();
    cmd.args(["embed", "-", "-o", npy.to_str().unwrap()])
        .args(args)
        .env_remove("VOLTE_CPU")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("Le chat dort.\nDie Katze schläft.\n".as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn embed_reports_the_tier_it_runs_and_refuses_one_the_cpu_lacks() {
    let o = embed_stdin(&["--dtype", "int8", "--cpu-tier", "portable", "-v"], &[]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("int8 kernel tier portable (requested;"),
        "{err}"
    );
    assert!(err.contains("cpu int8 (portable)); encoded in"), "{err}");

    let best = Tier::detect();
    let o = embed_stdin(&["--dtype", "int8", "-v"], &[]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "int8 kernel tier {best} (the best this CPU supports"
        )),
        "{err}"
    );

    let o = embed_stdin(&[], &[("VOLTE_CPU", foreign_tier().name())]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!(
            "CPU tier {} was requested (VOLTE_CPU) but it is for",
            foreign_tier()
        )),
        "{}",
        text(&o.stderr)
    );

    let o = embed_stdin(&["--cpu-tier", "sse9"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("unknown CPU tier"),
        "{}",
        text(&o.stderr)
    );
}
