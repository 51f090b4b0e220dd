//! Property tests for every reader of outside data: statements (JSONL, CSV,
//! TSV, plain text, format detection), dates, axes files, gold files, STS
//! CSVs, `.npy` and Parquet embeddings, E5S1 model files and safetensors
//! headers. Arbitrary and mutated bytes must never panic (or abort on a
//! huge allocation), and a statement reader must account for every input
//! line: a statement, a reject with its reason, a counted blank line, or a
//! header/continuation line.
//!
//! CI runs `VOLTE_FUZZ_CASES` cases per property (default 256); a longer
//! run: `VOLTE_FUZZ_CASES=50000 cargo test --release --test main fuzz_readers::`.

use std::collections::HashSet;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::Config;
use volte::embeddings::Embeddings;
use volte::input::reader::{read_from_bytes, FieldMap};
use volte::input::{InputFormat, OnError, ReadOptions, Statement, StatementDate};

fn config() -> Config {
    let cases = std::env::var("VOLTE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Bytes built from the pieces that matter to the readers: quotes,
/// delimiters, line breaks, braces, field names, dates, invalid UTF-8.
fn text_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            &b"\""[..], b",", b"\t", b"\n", b"\r\n", b"\r", b" ", b"text", b"id", b"{", b"}",
            b":", b"\"text\"", b"\"id\"", b"\xff", b"\xEF\xBB\xBF", b"2025-11-06", b"2025-13",
            b"\"\"", b"id,text,date\n", b"text\tid\tlang\n", b"{\"text\":\"a\"}",
            b"{\"id\":\"1\",\"text\":\"x\",\"date\":\"2025\"}", b"{\"id\":3,\"text\":null}",
            b"line:2", b"\\", b"\xc3\xa9",
        ])
        .prop_map(|p| p.to_vec()),
        1 => "[a-zA-Z0-9 ]{1,6}".prop_map(String::into_bytes),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ];
    prop::collection::vec(piece, 0..80).prop_map(|v| v.concat())
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..400)
}

/// `seed` with a few bytes overwritten, inserted or cut off.
fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len().max(1);
    let edit = prop_oneof![
        (0..len, any::<u8>()).prop_map(|(i, b)| (0u8, i, b)),
        (0..len, any::<u8>()).prop_map(|(i, b)| (1u8, i, b)),
        (0..len).prop_map(|i| (2u8, i, 0)),
    ];
    prop::collection::vec(edit, 0..6).prop_map(move |edits| {
        let mut b = seed.clone();
        for (kind, i, v) in edits {
            let i = i.min(b.len());
            match kind {
                0 if i < b.len() => b[i] = v,
                1 => b.insert(i, v),
                2 => b.truncate(i),
                _ => {}
            }
        }
        b
    })
}

fn check_accounting(data: &[u8], format: Option<InputFormat>, on_error: OnError) {
    let opts = ReadOptions::default()
        .with_format(format)
        .with_fields(FieldMap::default())
        .with_on_error(on_error);
    let name = format.map_or("-", |_| "in.dat");
    match read_from_bytes(name, data, Path::new(name), &opts) {
        Ok(out) => {
            assert_eq!(
                out.statements.len() + out.rejects.len() + out.blank_lines + out.other_lines,
                out.lines,
                "every line accounted for: {out:?}"
            );
            if on_error == OnError::Fail {
                assert!(out.rejects.is_empty());
            }
            let mut lines = HashSet::new();
            for l in out
                .statements
                .iter()
                .map(|s| s.line)
                .chain(out.rejects.iter().map(|r| r.line))
            {
                assert!((1..=out.lines).contains(&l), "line {l} of {}", out.lines);
                assert!(lines.insert(l), "line {l} used twice");
            }
            for r in &out.rejects {
                assert!(!r.reason.is_empty());
            }
            let ids: HashSet<&str> = out.statements.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(ids.len(), out.statements.len(), "ids are unique");
        }
        Err(e) => {
            assert!(!e.reason.is_empty());
        }
    }
}

const FORMATS: [Option<InputFormat>; 5] = [
    None,
    Some(InputFormat::Jsonl),
    Some(InputFormat::Csv),
    Some(InputFormat::Tsv),
    Some(InputFormat::Text),
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn statement_readers_account_for_every_line(data in text_like()) {
        for format in FORMATS {
            check_accounting(&data, format, OnError::Skip);
            check_accounting(&data, format, OnError::Fail);
        }
    }

    #[test]
    fn statement_readers_take_arbitrary_bytes(data in any_bytes()) {
        for format in FORMATS {
            check_accounting(&data, format, OnError::Skip);
        }
    }

    #[test]
    fn dates_never_panic(s in prop_oneof![
        any::<String>(),
        "[0-9]{1,5}(-[0-9]{1,3}(-[0-9]{1,3}(T[0-9:.+Z-]{0,12})?)?)?",
    ]) {
        if let Ok(d) = StatementDate::parse(&s) {
            prop_assert_eq!(d.raw.as_str(), s.trim());
        }
    }

    #[test]
    fn axes_files_never_panic(text in text_like().prop_map(|b| {
        let s = String::from_utf8_lossy(&b).into_owned();
        format!("[[axis]]\nname = \"a\"\npro = [\"p\"]\ncon = [\"c\"]\n{s}")
    })) {
        if let Ok(axes) = volte::stance::axes::parse_axes(&text) {
            for a in axes {
                prop_assert!(!a.name.is_empty() && !a.pro.is_empty() && !a.con.is_empty());
            }
        }
        let half = (0..=text.len() / 2).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let _ = volte::stance::axes::parse_axes(&text[..half]);
    }

    #[test]
    fn gold_files_never_panic(text in prop_oneof![
        text_like().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        mutated(GOLD.as_bytes().to_vec()).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]) {
        if let Ok(g) = volte::eval::gold::parse_gold("gold.json", &text) {
            for l in g.labels().unwrap() {
                prop_assert!(l.stance == 1.0 || l.stance == -1.0);
            }
        }
    }

    #[test]
    fn sts_files_never_panic(data in text_like()) {
        match volte::eval::sts::parse_sts("sts.csv", &data) {
            Ok(pairs) => prop_assert!(pairs.iter().all(|p| p.score.is_finite())),
            Err(e) => prop_assert!(!e.reason.is_empty()),
        }
    }

    #[test]
    fn npy_headers_never_panic(data in prop_oneof![mutated(npy_seed()), any_bytes()]) {
        if let Ok((dim, values)) = volte::output::npy::parse(&data) {
            prop_assert!(dim > 0 && values.len() % dim == 0);
        }
    }

    #[test]
    fn e5s1_headers_never_panic(data in prop_oneof![mutated(e5s1_seed()), any_bytes()]) {
        if let Ok(m) = volte::model::e5s1::E5s1::parse(&data) {
            for t in &m.tensors {
                prop_assert!(t.offset + t.bytes <= data.len());
            }
        }
    }
}

proptest! {
    // File-backed readers: fewer cases (each writes a file).
    #![proptest_config(Config { cases: config().cases.div_ceil(4), ..config() })]

    #[test]
    fn parquet_files_never_panic(data in prop_oneof![mutated(parquet_seed()), any_bytes()]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.parquet");
        std::fs::write(&path, &data).unwrap();
        if let Ok((ids, emb)) = volte::output::parquet::read(&path) {
            prop_assert_eq!(ids.len(), emb.len());
        }
    }

    #[test]
    fn safetensors_headers_never_panic(data in prop_oneof![mutated(safetensors_seed()), any_bytes()]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        std::fs::write(&path, &data).unwrap();
        let weights = volte::model::Weights::Safetensors(vec![path.clone()]);
        let _ = volte::model::finite::check_finite_weights(&weights);
        if let Ok(reader) = volte::encoder::int8::tensor_reader::TensorReader::open(&[path]) {
            for name in ["a", "b"] {
                if reader.contains(name) {
                    let _ = reader.f32(name);
                }
            }
        }
    }
}

const GOLD: &str = r#"{"shifts": [{"speaker": "A", "from_date": "2024-01", "to_date": "2024-02-01",
  "before": ["a1"], "after": ["a2"], "axis": "tax", "from_stance": 1, "to_stance": -1}],
  "steady": [{"speaker": "B", "axis": "tax", "stance": -1, "ids": ["b1"]}]}"#;

fn npy_seed() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.npy");
    let emb = Embeddings::new(3, vec![0.5; 6]).unwrap();
    volte::output::npy::write(&path, &["a".into(), "b".into()], &emb).unwrap();
    std::fs::read(&path).unwrap()
}

fn parquet_seed() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.parquet");
    let statements: Vec<Statement> = (0..2)
        .map(|i| Statement {
            id: format!("s{i}"),
            text: "t".into(),
            speaker: None,
            date: None,
            source: None,
            lang: None,
            extra: Vec::new(),
            line: i + 1,
        })
        .collect();
    let emb = Embeddings::new(2, vec![0.25; 4]).unwrap();
    volte::output::parquet::write(&path, &statements, &emb).unwrap();
    std::fs::read(&path).unwrap()
}

fn safetensors_seed() -> Vec<u8> {
    use safetensors::tensor::{Dtype, TensorView};
    let a: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let b: Vec<u8> = [1u16, 2].iter().flat_map(|x| x.to_le_bytes()).collect();
    let views = vec![
        ("a", TensorView::new(Dtype::F32, vec![2, 2], &a).unwrap()),
        ("b", TensorView::new(Dtype::F16, vec![2], &b).unwrap()),
    ];
    safetensors::serialize(views, None).unwrap()
}

/// A minimal valid E5S1 file: 4 pieces, no normalization entries, one
/// float32 tensor.
fn e5s1_seed() -> Vec<u8> {
    let mut b = b"E5S1".to_vec();
    let i32s = |b: &mut Vec<u8>, v: &[i32]| v.iter().for_each(|x| b.extend(x.to_le_bytes()));
    b.extend(1u32.to_le_bytes());
    // hidden, layers, heads, ffn, vocab rows, max positions, type vocab
    i32s(&mut b, &[4, 1, 1, 8, 4, 8, 1]);
    b.extend(1e-5f32.to_le_bytes());
    i32s(&mut b, &[32, 4]);
    for id in [0u32, 1, 2, 3] {
        b.extend(id.to_le_bytes());
    }
    let pieces = ["<s>", "</s>", "<pad>", "▁a"];
    let blob: Vec<u8> = pieces.concat().into_bytes();
    b.extend((blob.len() as u64).to_le_bytes());
    let mut off = 0u32;
    b.extend(off.to_le_bytes());
    for p in pieces {
        off += p.len() as u32;
        b.extend(off.to_le_bytes());
    }
    for s in [0f32, 0.0, 0.0, -1.0] {
        b.extend(s.to_le_bytes());
    }
    b.extend(&blob);
    i32s(&mut b, &[0]);
    b.extend(0u32.to_le_bytes());
    i32s(&mut b, &[1]);
    b.extend(1u16.to_le_bytes());
    b.extend(b"t");
    b.push(0);
    b.extend(4u32.to_le_bytes());
    let data_at = b.len() as u64 + 16;
    b.extend(data_at.to_le_bytes());
    b.extend(16u64.to_le_bytes());
    for x in [1f32, 2.0, 3.0, 4.0] {
        b.extend(x.to_le_bytes());
    }
    b
}

#[test]
fn the_seeds_are_valid() {
    assert!(volte::output::npy::parse(&npy_seed()).is_ok());
    assert!(volte::model::e5s1::E5s1::parse(&e5s1_seed()).is_ok());
    assert!(volte::eval::gold::parse_gold("g", GOLD).is_ok());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.parquet");
    std::fs::write(&p, parquet_seed()).unwrap();
    assert_eq!(volte::output::parquet::read(&p).unwrap().0.len(), 2);
    let s = dir.path().join("m.safetensors");
    std::fs::write(&s, safetensors_seed()).unwrap();
    let r = volte::encoder::int8::tensor_reader::TensorReader::open(&[s]).unwrap();
    assert_eq!(r.f32("a").unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
}

/// A damaged Parquet file is an input error naming the file, never a
/// panic: every truncation near the end, every footer byte overwritten, and
/// one data-page byte the decoder (parquet 57) panicked on.
#[test]
fn damaged_parquet_files_are_errors_naming_the_file() {
    let seed = parquet_seed();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.parquet");
    let footer = seed.len().saturating_sub(400);
    let edited = |edits: &[(usize, u8)]| {
        let mut b = seed.clone();
        for &(i, v) in edits {
            b[i] = v;
        }
        b
    };
    let panicked_on = edited(&[(144, 33)]);
    std::fs::write(&path, &panicked_on).unwrap();
    assert!(volte::output::parquet::read(&path).is_err());
    let truncations = (0..footer)
        .step_by(37)
        .chain(footer..seed.len())
        .map(|n| seed[..n].to_vec());
    let flips = (footer..seed.len()).flat_map(|i| [edited(&[(i, 0x00)]), edited(&[(i, 0xff)])]);
    for data in std::iter::once(panicked_on).chain(truncations).chain(flips) {
        std::fs::write(&path, &data).unwrap();
        match volte::output::parquet::read(&path) {
            Ok((ids, emb)) => assert_eq!(ids.len(), emb.len()),
            Err(e) => {
                let volte::Error::Input(input) = &e else {
                    panic!("not an input error: {e:#}")
                };
                assert_eq!(input.file, path.display().to_string());
            }
        }
    }
}
