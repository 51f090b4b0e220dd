//! The report pipeline and its renderers on hand-made embeddings (no model):
//! one speaker turns, two stay put, and some statements lack a speaker, a
//! date or a topic.

use volte::embeddings::Embeddings;
use volte::input::{Statement, StatementDate};
use volte::report::build::{build_report, ReportInput, ReportOptions};
use volte::report::model::{AxisSource, Report, StanceMode, TurnKind};
use volte::report::{html, json, markdown, term};
use volte::stance::axes::{parse_axes, AxisSet};

/// Eight shared dimensions, then one of its own for every statement.
const DIM: usize = 8 + 32;
/// Subject dimensions: tax, four other subjects, and a lone subject.
const TAX: usize = 0;
const OTHERS: [usize; 4] = [2, 3, 4, 5];
const LONE: usize = 6;
/// The dimension along which tax statements disagree.
const TAX_STANCE: usize = 1;

struct Corpus {
    statements: Vec<Statement>,
    rows: Vec<f32>,
}

impl Corpus {
    fn new() -> Self {
        Self {
            statements: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn add(&mut self, speaker: Option<&str>, date: Option<&str>, subject: usize, stance: f32) {
        let i = self.statements.len();
        let mut v = vec![0f32; DIM];
        v[subject] = 3.0;
        if subject == TAX {
            v[TAX_STANCE] = 0.8 * stance;
        }
        // What each statement says beyond its subject and stance.
        v[8 + i] = 1.5;
        self.rows.extend(v);
        self.statements.push(Statement {
            id: format!("s{i:02}"),
            text: format!("statement {i} about subject {subject}"),
            speaker: speaker.map(str::to_string),
            date: date.map(|d| StatementDate::parse(d).unwrap()),
            source: Some(format!("source {}", i % 3)),
            lang: Some("en".into()),
            extra: Vec::new(),
            line: i + 1,
        });
    }

    fn embeddings(&self) -> Embeddings {
        let mut e = Embeddings::new(DIM, self.rows.clone()).unwrap();
        e.normalize();
        e
    }
}

fn corpus() -> Corpus {
    let mut c = Corpus::new();
    // Ann turns from +1 to -1 on tax.
    for d in ["2020-01-10", "2020-03-05", "2020-06-01"] {
        c.add(Some("Ann"), Some(d), TAX, 1.0);
    }
    for d in ["2021-02-01", "2021-05-20"] {
        c.add(Some("Ann"), Some(d), TAX, -1.0);
    }
    // Bob stays at +1, Cleo at -1.
    for d in ["2020-02-01", "2020-09-01", "2021-01-01", "2021-06-01"] {
        c.add(Some("Bob"), Some(d), TAX, 0.9);
    }
    for d in ["2020-04-01", "2020-12", "2021-04-01"] {
        c.add(Some("Cleo"), Some(d), TAX, -0.9);
    }
    // On tax, but without a speaker, or without a date.
    c.add(None, Some("2020-05-01"), TAX, 1.0);
    c.add(Some("Bob"), None, TAX, 1.0);
    // Other subjects, and one statement on a subject of its own.
    for subject in OTHERS {
        for (i, d) in ["2020-01-01", "2020-06-01", "2021-01-01"]
            .iter()
            .enumerate()
        {
            c.add(
                Some(if i == 0 { "Dan" } else { "Eve" }),
                Some(d),
                subject,
                0.0,
            );
        }
    }
    c.add(Some("Fay"), Some("2021"), LONE, 0.0);
    c
}

fn run(axes: Option<&AxisSet>) -> Report {
    let c = corpus();
    let emb = c.embeddings();
    build_report(
        ReportInput {
            stance: None,
            statements: &c.statements,
            embeddings: emb,
            axes: axes.map(|a| (a, "axes.toml".to_string())),
            model: "hand-made".into(),
            inputs: vec!["corpus".into()],
        },
        // Between the toy's merge distances: tax statements join at about
        // 0.65, the lone statement would join another subject at about
        // 0.89, and the other subjects at about 0.93.
        &ReportOptions::default().with_cluster_threshold(0.85),
    )
    .unwrap()
}

fn check(report: &Report) {
    let n = report.statements.len();
    let cov = &report.coverage;
    assert_eq!(cov.statements, n);
    assert_eq!(cov.in_topics + cov.unassigned, n);
    assert_eq!(
        cov.on_timelines + cov.scored_without_speaker + cov.scored_without_date,
        cov.scored
    );
    assert_eq!(cov.without_speaker, 1);
    assert_eq!(cov.without_date, 1);
    assert_eq!(report.unassigned, vec!["s26".to_string()]);

    let tax = report
        .topics
        .iter()
        .find(|t| t.members.contains(&"s00".to_string()))
        .expect("tax topic");
    assert_eq!(tax.members.len(), 14);
    assert!(tax.axis.is_some());
    assert_eq!(cov.scored_without_speaker, 1);
    assert_eq!(cov.scored_without_date, 1);
    assert_eq!(tax.speakers, vec!["Ann", "Bob", "Cleo"]);
    assert_eq!(tax.languages, vec!["en".to_string()]);

    assert_eq!(report.shifts.len(), 1, "{:#?}", report.shifts);
    let s = &report.shifts[0];
    assert_eq!(s.speaker, "Ann");
    assert_eq!(s.topic, tax.id);
    assert_eq!(
        (s.from_date.as_str(), s.to_date.as_str()),
        ("2020-06-01", "2021-02-01")
    );
    assert_eq!(s.before, vec!["s00", "s01", "s02"]);
    assert_eq!(s.after, vec!["s03", "s04"]);
    assert_eq!(s.kind, TurnKind::SignChange);
    assert!(s.stance_before > 0.0 && s.stance_after < 0.0, "{s:?}");
    assert!(s.magnitude > 0.3 && s.confidence > 0.9, "{s:?}");

    let ann = report
        .timelines
        .iter()
        .find(|t| t.speaker == "Ann" && t.topic == tax.id)
        .expect("Ann's timeline");
    assert_eq!(ann.points.len(), 5);
    assert!(ann.points.windows(2).all(|w| w[0].date <= w[1].date));
}

fn check_renderers(report: &Report) {
    let text = term::render(report);
    assert!(text.contains("SHIFTS") && text.contains("Ann on ["));
    assert!(text.contains("[s03 2021-02-01"));
    let md = markdown::render(report);
    assert!(md.contains("## Shifts") && md.contains("### Ann — "));
    assert!(md.contains("| after | s04 | 2021-05-20 |"));
    let page = html::render(report);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<article class=\"shift\"").count(), 1);
    assert!(page.contains("<svg class=\"timeline\""));
    // One inline script (filters, search), nothing loaded from elsewhere.
    assert_eq!(page.matches("<script").count(), 1);
    assert!(!page.contains("<script src") && !page.contains("src=\"http"));
    let back = json::parse(&json::render(report).unwrap()).unwrap();
    assert_eq!(back.shifts.len(), report.shifts.len());
    assert_eq!(back.coverage, report.coverage);
    assert_eq!(back.stance_mode, report.stance_mode);
    assert!(back
        .topics
        .iter()
        .map(|t| &t.axis)
        .eq(report.topics.iter().map(|t| &t.axis)));
}

#[test]
fn unsupervised_report() {
    let r = run(None);
    assert_eq!(r.stance_mode, StanceMode::Unsupervised);
    check(&r);
    check_renderers(&r);
    // The three-statement topics are too small for an opposition.
    assert_eq!(r.topics.len(), 5);
    assert!(r
        .topics
        .iter()
        .filter(|t| t.members.len() < 4)
        .all(|t| t.axis.is_none()));
    assert!(r
        .topics
        .iter()
        .filter_map(|t| t.axis.as_ref())
        .all(|a| *a == AxisSource::MainOpposition));
}

#[test]
fn axes_report() {
    let specs = parse_axes(
        "[[axis]]\nname = \"tax\"\ndescription = \"Tax it?\"\npro = [\"yes\", \"yes!\"]\ncon = [\"no\", \"no!\"]\n",
    )
    .unwrap();
    let mut rows = Vec::new();
    for stance in [1.0f32, 0.8, -1.0, -0.8] {
        let mut v = vec![0f32; DIM];
        v[TAX] = 3.0;
        v[TAX_STANCE] = stance;
        rows.extend(v);
    }
    let mut examples = Embeddings::new(DIM, rows).unwrap();
    examples.normalize();
    let axes = AxisSet::new(specs, &examples).unwrap();
    let r = run(Some(&axes));
    assert_eq!(r.stance_mode, StanceMode::Axes);
    assert_eq!(r.axes_file.as_deref(), Some("axes.toml"));
    check(&r);
    check_renderers(&r);
    let tax = &r.topics[0];
    assert_eq!(tax.axis, Some(AxisSource::Named("tax".into())));
    assert_eq!(tax.axis_pro.as_deref(), Some("yes"));
    assert_eq!(tax.axis_description.as_deref(), Some("Tax it?"));
    // Ann's first statements score on the pro side.
    let first = r.statements.iter().find(|s| s.id == "s00").unwrap();
    assert!(first.stance.unwrap() > 0.0);
    // The other subjects match no axis: topics without stance.
    assert_eq!(r.topics.len(), 5);
    assert!(r.topics[1..].iter().all(|t| t.axis.is_none()));
}
