//! `volte embed` end to end with the real default model: every output
//! format, input formats, bad-record handling and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn volte(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volte"));
    cmd.args(args)
        .env("VOLTE_NO_PROGRESS", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("volte runs");
    if let Some(data) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ai-bailout/statements.jsonl")
}

fn read_npy(path: &Path) -> (usize, usize, Vec<f32>) {
    let (ids, emb) = volte::output::npy::read(path).unwrap();
    (ids.len(), emb.dim(), emb.into_vec())
}

#[test]
fn embeds_the_example_corpus_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = example();
    let n = std::fs::read_to_string(&input).unwrap().lines().count();
    let npy = dir.path().join("out.npy");
    let o = volte(
        &[
            "embed",
            input.to_str().unwrap(),
            "-o",
            npy.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("wrote {n} embedding(s) of dimension 384")));
    let (rows, dim, data) = read_npy(&npy);
    assert_eq!((rows, dim), (n, 384));
    for row in data.chunks(dim) {
        let norm: f32 = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "row norm {norm}");
    }
    let ids = std::fs::read_to_string(volte::output::npy::ids_path(&npy)).unwrap();
    assert_eq!(ids.lines().next(), Some("s001"));

    let pq = dir.path().join("out.parquet");
    let o = volte(
        &["embed", input.to_str().unwrap(), "-o", pq.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (pids, pemb) = volte::output::parquet::read(&pq).unwrap();
    assert_eq!(pids.len(), n);
    assert_eq!(
        pemb.as_slice(),
        &data[..],
        "parquet and npy hold the same vectors"
    );

    let jl = dir.path().join("out.jsonl");
    let o = volte(
        &["embed", input.to_str().unwrap(), "-o", jl.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&jl)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["id"], "s001");
    assert_eq!(first["embedding"].as_array().unwrap().len(), 384);
    assert!(first["speaker"].is_string());
}

#[test]
fn stdin_plain_text_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stdin.npy");
    let o = volte(
        &["embed", "-", "-o", out.to_str().unwrap(), "--prompt-name", "query"],
        Some("Le chat dort.\n\nThe cat sleeps.\nDie Katze schläft.\nDer Aktienmarkt ist heute gefallen.\n".as_bytes()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 blank line(s)"), "{}", stderr(&o));
    let (ids, emb) = volte::output::npy::read(&out).unwrap();
    assert_eq!(ids, vec!["line:1", "line:3", "line:4", "line:5"]);
    let fr_en = volte::embeddings::cosine(emb.row(0), emb.row(1));
    let fr_de = volte::embeddings::cosine(emb.row(0), emb.row(2));
    let unrelated = volte::embeddings::cosine(emb.row(0), emb.row(3));
    assert!(
        fr_en > 0.85 && fr_de > 0.85,
        "translations are close: {fr_en} {fr_de}"
    );
    assert!(
        unrelated < fr_en.min(fr_de) - 0.02,
        "unrelated {unrelated} vs {fr_en} {fr_de}"
    );

    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "id,body,who\na,\"Bonjour, le monde\",X\nb,,Y\n").unwrap();
    let out = dir.path().join("csv.npy");
    let o = volte(
        &[
            "embed",
            csv.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--text-field",
            "body",
            "--speaker-field",
            "who",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 empty"),
        "empty text is embedded and counted: {}",
        stderr(&o)
    );
    let (_, emb) = volte::output::npy::read(&out).unwrap();
    assert!(
        emb.as_slice().iter().all(|x| x.is_finite()),
        "no NaN for empty text"
    );
}

#[test]
fn bad_records_stop_with_exit_code_2_or_go_to_the_rejects_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    std::fs::write(
        &input,
        b"{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"text\":\"ok\",\"date\":\"2025-02-30\"}\nnot json\n\xff\xfe\n{\"id\":\"d\",\"text\":\"last\"}\n",
    )
    .unwrap();
    let out = dir.path().join("out.npy");
    let o = volte(
        &[
            "embed",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("{}:2: missing \"text\" field", input.display())),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "nothing written on failure");

    let o = volte(
        &[
            "embed",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--on-error",
            "skip",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("4 bad record(s) skipped"),
        "{}",
        stderr(&o)
    );
    let rejects = std::fs::read_to_string(dir.path().join("out.npy.rejects.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = rejects
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at: Vec<u64> = lines.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(at, vec![2, 3, 4, 5]);
    assert!(lines[1]["reason"].as_str().unwrap().contains("bad date"));
    assert!(lines[3]["reason"]
        .as_str()
        .unwrap()
        .contains("invalid UTF-8"));
    let (ids, _) = volte::output::npy::read(&out).unwrap();
    assert_eq!(ids, vec!["a", "d"]);
}

#[test]
fn usage_errors_exit_2_and_runtime_errors_exit_1() {
    let o = volte(&["embed"], None);
    assert_eq!(o.status.code(), Some(2));
    let o = volte(&["embed", "x.jsonl", "-o", "out.weird"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("use a .npy, .parquet or .jsonl name"),
        "{}",
        stderr(&o)
    );
    let o = volte(
        &["embed", "/nonexistent/in.jsonl", "-o", "/tmp/x.npy"],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("/nonexistent/in.jsonl"));
    let o = volte(&["models", "info", "./no/such/dir"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
}
