//! The HTML report works in a real browser. Headless Chromium loads the
//! page with filters in its address (`?q=…`, `?speaker=…`, `?turn=shift-1`,
//! `?sort=date`), as the page's own controls set them, and dumps the DOM
//! after its script ran: the statements, topics and shifts left visible are
//! checked against the JSON report. Links are checked to land, and a
//! screenshot is checked for the speakers' colours; the charts for their date
//! ticks and one colour per speaker across the page.
//!
//! Needs `/usr/bin/chromium` (Debian package `chromium`). Without it the
//! rendering tests say they were skipped, except where
//! `VOLTE_REQUIRE_CHROMIUM` is set (`.ci/run` sets it after installing the
//! package): there a missing browser fails them.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";
const CORPUS: &str = "examples/ai-bailout/statements.jsonl";
const AXES: &str = "examples/ai-bailout/axes.toml";

fn volte(args: &[&str], output: &Path) {
    common::success(common::volte().args(args).arg("-o").arg(output));
}

/// Whether the browser is here (see the module docs).
fn have_chromium() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    let hint = "install it with `apt-get update && apt-get install -y chromium` to run the HTML rendering tests";
    assert!(
        std::env::var_os("VOLTE_REQUIRE_CHROMIUM").is_none(),
        "{CHROMIUM} not found: {hint}"
    );
    eprintln!("skipped: {CHROMIUM} not found: {hint}");
    false
}

fn chromium(profile: &Path, extra: &[String], url: &str) -> std::process::Output {
    Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium")
}

/// The example report as HTML and JSON, made once for all tests here.
struct Fixture {
    dir: tempfile::TempDir,
    html: PathBuf,
    report: Value,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let html = dir.path().join("report.html");
        let json = dir.path().join("report.json");
        volte(
            &["report", CORPUS, "--axes", AXES, "--format", "html"],
            &html,
        );
        volte(
            &["report", CORPUS, "--axes", AXES, "--format", "json"],
            &json,
        );
        let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        Fixture { dir, html, report }
    })
}

impl Fixture {
    fn url(&self, query: &str) -> String {
        format!("file://{}{query}", self.html.display())
    }

    /// The DOM after the page's script ran on `query`.
    fn dom(&self, query: &str) -> Dom {
        let profile = tempfile::tempdir_in(self.dir.path()).unwrap();
        let out = chromium(
            profile.path(),
            &["--dump-dom".to_string(), "--window-size=1200,2000".into()],
            &self.url(query),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dom = Dom(String::from_utf8_lossy(&out.stdout).into_owned());
        assert!(
            dom.0.contains("data-ready=\"1\""),
            "the page's script did not run on {query}"
        );
        dom
    }

    fn shifts(&self) -> &Vec<Value> {
        self.report["shifts"].as_array().unwrap()
    }

    fn statements(&self) -> &Vec<Value> {
        self.report["statements"].as_array().unwrap()
    }
}

/// A dumped DOM, read with plain string search (the page's markup is ours).
struct Dom(String);

/// One element's opening tag: its attributes, and whether it is hidden.
struct Tag<'a> {
    attrs: &'a str,
}

impl Tag<'_> {
    fn attr(&self, name: &str) -> Option<String> {
        let key = format!(" {name}=\"");
        let start = self.attrs.find(&key)? + key.len();
        let len = self.attrs[start..].find('"')?;
        Some(
            self.attrs[start..start + len]
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    }

    fn hidden(&self) -> bool {
        self.attrs.contains(" hidden=\"\"") || self.attrs.ends_with(" hidden")
    }
}

impl Dom {
    /// The opening tags that start with `prefix` (e.g. `<article class="shift"`).
    fn tags(&self, prefix: &str) -> Vec<Tag<'_>> {
        self.0
            .match_indices(prefix)
            .map(|(i, _)| {
                let end = i + self.0[i..].find('>').unwrap();
                Tag {
                    attrs: &self.0[i..end],
                }
            })
            .collect()
    }

    /// Ids of the listed statements (in topics and in no topic) left visible, in page order.
    fn visible_statements(&self) -> Vec<String> {
        self.tags("<p class=\"statement\" id=\"st-")
            .iter()
            .filter(|t| !t.hidden())
            .map(|t| t.attr("data-id").unwrap())
            .collect()
    }

    fn visible(&self, prefix: &str, attr: &str) -> Vec<String> {
        self.tags(prefix)
            .iter()
            .filter(|t| !t.hidden())
            .map(|t| t.attr(attr).unwrap())
            .collect()
    }

    fn count_line(&self) -> String {
        let start = self.0.find("<output id=\"f-count\">").unwrap() + 21;
        let end = start + self.0[start..].find("</output>").unwrap();
        self.0[start..end].to_string()
    }
}

fn as_set(v: &[String]) -> BTreeSet<String> {
    v.iter().cloned().collect()
}

#[test]
fn html_report_renders_in_chromium() {
    if !have_chromium() {
        return;
    }
    let f = fixture();
    let shifts = f.shifts();
    let topics_with_timelines: BTreeSet<u64> = f.report["timelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic"].as_u64().unwrap())
        .collect();

    // Self-contained: an inline script, no external resources.
    let page = std::fs::read_to_string(&f.html).unwrap();
    assert_eq!(page.matches("<script").count(), 1);
    for attr in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "<script src",
        "<link",
    ] {
        assert!(!page.contains(attr), "external asset: {attr}");
    }

    let dom = f.dom("");
    let svgs = dom.0.matches("<svg class=\"timeline\"").count();
    println!(
        "DOM: {} SVG timeline(s), {} shift entr(ies), {} tick(s); {}",
        svgs,
        dom.0.matches("<article class=\"shift\"").count(),
        dom.0.matches("<g class=\"tick\"").count(),
        dom.count_line()
    );
    assert_eq!(svgs, shifts.len() + topics_with_timelines.len());
    assert_eq!(
        dom.0.matches("<article class=\"shift\"").count(),
        shifts.len()
    );
    assert!(!shifts.is_empty());
    for s in shifts {
        let speaker = s["speaker"].as_str().unwrap();
        assert!(
            dom.0
                .contains(&format!("data-speaker=\"{speaker}\" data-topic=")),
            "no shift entry for {speaker}"
        );
        for id in s["before"]
            .as_array()
            .unwrap()
            .iter()
            .chain(s["after"].as_array().unwrap())
        {
            assert!(dom
                .0
                .contains(&format!("data-id=\"{}\"", id.as_str().unwrap())));
        }
    }
    assert!(dom.0.contains("id=\"coverage\""));
    // Nothing filtered at first.
    assert_eq!(dom.visible_statements().len(), f.statements().len());
    assert!(dom
        .count_line()
        .starts_with(&format!("{} shift(s), ", shifts.len())));

    // Every chart: 3 to 8 date ticks, one colour and shape per speaker, and
    // a speaker's colour the same in every chart.
    let mut colour_of: HashMap<String, String> = HashMap::new();
    for chart in dom.0.split("<svg class=\"timeline\"").skip(1) {
        let chart = &chart[..chart.find("</svg>").unwrap()];
        let ticks = chart.matches("<g class=\"tick\"").count();
        assert!((3..=8).contains(&ticks), "{ticks} ticks");
        let chart_dom = Dom(chart.to_string());
        let series = chart_dom.tags("<g class=\"series\"");
        let mut styles = BTreeSet::new();
        for g in &series {
            let (speaker, colour) = (
                g.attr("data-speaker").unwrap(),
                g.attr("data-colour").unwrap(),
            );
            let known = colour_of
                .entry(speaker.clone())
                .or_insert_with(|| colour.clone())
                .clone();
            assert_eq!(known, colour, "{speaker} changes colour");
            styles.insert(colour);
        }
        assert_eq!(
            styles.len(),
            series.len().min(8),
            "colours repeat within a chart"
        );
        // Legend names are whole.
        for g in &series {
            let name = g.attr("data-speaker").unwrap();
            let escaped = name
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            assert!(
                chart.contains(&format!(">{escaped}</text>")),
                "legend cuts {name}"
            );
        }
    }
    // Same-day statements of one speaker are pooled: the JSON's timelines
    // with a repeated date show a count.
    let repeated = f.report["timelines"].as_array().unwrap().iter().any(|t| {
        let dates: Vec<&str> = t["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["date"].as_str().unwrap())
            .collect();
        dates.len() > as_set(&dates.iter().map(|d| d.to_string()).collect::<Vec<_>>()).len()
    });
    assert_eq!(dom.0.contains("class=\"count\""), repeated);

    // Screenshot of the first turn: its chart and its topic's chart, each
    // speaker's colour on screen.
    let png = f.dir.path().join("turn.png");
    let profile = tempfile::tempdir_in(f.dir.path()).unwrap();
    let shot = chromium(
        profile.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1200,2400".into(),
        ],
        &f.url("?turn=shift-1"),
    );
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let image = decode_png(&png);
    assert_eq!((image.width, image.height), (1200, 2400));
    let (non_white, colours) = image.content();
    let turn_dom = f.dom("?turn=shift-1");
    let topic = shifts[0]["topic"].as_u64().unwrap();
    let section = &turn_dom.0[turn_dom.0.find(&format!("id=\"topic-{topic}\"")).unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    let wanted: BTreeSet<String> = Dom(section.to_string())
        .tags("<g class=\"series\"")
        .iter()
        .map(|g| g.attr("data-colour").unwrap())
        .collect();
    let on_screen: Vec<&String> = wanted.iter().filter(|c| image.has_colour(c)).collect();
    println!(
        "screenshot: {} bytes, {:.1}% non-white pixels, {} distinct colours; speaker colours of topic {topic} on screen: {}/{}",
        std::fs::metadata(&png).unwrap().len(),
        100.0 * non_white,
        colours,
        on_screen.len(),
        wanted.len()
    );
    if let Ok(keep) = std::env::var("VOLTE_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
    assert!(non_white > 0.05, "screenshot is nearly blank");
    assert!(
        colours > 50,
        "screenshot has too few colours to hold text and charts"
    );
    assert!(!wanted.is_empty());
    assert_eq!(
        on_screen.len(),
        wanted.len(),
        "speaker colours missing from the screenshot"
    );
}

#[test]
fn html_report_filters_searches_sorts_and_links() {
    if !have_chromium() {
        return;
    }
    let f = fixture();
    let shifts = f.shifts();
    let statements = f.statements();
    let text_of = |s: &Value, k: &str| s[k].as_str().unwrap_or("").to_string();

    // Search: a word of the first shift's evidence, matched in text, speaker or id.
    let first = shifts[0]["after"][0].as_str().unwrap();
    let entry = statements.iter().find(|s| s["id"] == first).unwrap();
    let word = text_of(entry, "text")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.is_ascii())
        .max_by_key(|w| w.len())
        .unwrap()
        .to_lowercase();
    let expected: BTreeSet<String> = statements
        .iter()
        .filter(|s| {
            [text_of(s, "text"), text_of(s, "speaker"), text_of(s, "id")]
                .join(" ")
                .to_lowercase()
                .contains(&word)
        })
        .map(|s| text_of(s, "id"))
        .collect();
    let dom = f.dom(&format!("?q={word}"));
    println!(
        "search {word:?}: {} statement(s); {}",
        expected.len(),
        dom.count_line()
    );
    assert!(expected.contains(first));
    assert_eq!(as_set(&dom.visible_statements()), expected);
    assert!(expected.len() < statements.len());

    // Speaker: their shifts and statements only.
    let speaker = shifts[0]["speaker"].as_str().unwrap();
    let dom = f.dom(&format!("?speaker={}", speaker.replace(' ', "%20")));
    let visible_shifts = dom.visible("<article class=\"shift\"", "data-speaker");
    assert_eq!(
        visible_shifts.len(),
        shifts.iter().filter(|s| s["speaker"] == speaker).count()
    );
    assert!(visible_shifts.iter().all(|s| s == speaker));
    let theirs: BTreeSet<String> = statements
        .iter()
        .filter(|s| s["speaker"] == speaker)
        .map(|s| text_of(s, "id"))
        .collect();
    assert_eq!(as_set(&dom.visible_statements()), theirs);
    println!("speaker {speaker:?}: {}", dom.count_line());

    // Turn: the shift, its topic and the statements it cites.
    let dom = f.dom("?turn=shift-1");
    assert_eq!(
        dom.visible("<article class=\"shift\"", "id"),
        vec!["shift-1".to_string()]
    );
    let topic = shifts[0]["topic"].as_u64().unwrap().to_string();
    assert_eq!(
        dom.visible("<section class=\"topic\"", "data-topic"),
        vec![topic.clone()]
    );
    let cited: BTreeSet<String> = ["before", "after"]
        .iter()
        .flat_map(|k| {
            shifts[0][*k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(as_set(&dom.visible_statements()), cited);
    println!("turn 1: {}", dom.count_line());

    // Topic: one topic section.
    let dom = f.dom(&format!("?topic={topic}"));
    assert_eq!(
        dom.visible("<section class=\"topic\"", "data-topic"),
        vec![topic.clone()]
    );

    // Sort by date: each list in date order, undated last.
    let dom = f.dom("?sort=date");
    let date_of: HashMap<String, String> = statements
        .iter()
        .map(|s| {
            (
                text_of(s, "id"),
                s["date"].as_str().unwrap_or("~").to_string(),
            )
        })
        .collect();
    for list in dom.0.split("<div class=\"statements\">").skip(1) {
        let list = Dom(list[..list.find("</div>").unwrap()].to_string());
        let dates: Vec<&str> = list
            .visible_statements()
            .iter()
            .map(|id| date_of[id].as_str())
            .collect();
        assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    }

    // Links: every in-page link lands; a shift links to its topic and its
    // statements, and they link back.
    let dom = f.dom("");
    let ids: BTreeSet<String> = dom
        .0
        .match_indices(" id=\"")
        .map(|(i, _)| {
            let rest = &dom.0[i + 5..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    let hrefs: BTreeMap<String, usize> =
        dom.0
            .match_indices("href=\"#")
            .fold(BTreeMap::new(), |mut m, (i, _)| {
                let rest = &dom.0[i + 7..];
                *m.entry(rest[..rest.find('"').unwrap()].to_string())
                    .or_default() += 1;
                m
            });
    for target in hrefs.keys() {
        assert!(ids.contains(target), "link to #{target} lands nowhere");
    }
    let card = &dom.0[dom.0.find("id=\"shift-1\"").unwrap()..];
    let card = &card[..card.find("</article>").unwrap()];
    assert!(card.contains(&format!("href=\"#topic-{topic}\"")));
    let topic_section = &dom.0[dom.0.find(&format!("id=\"topic-{topic}\"")).unwrap()..];
    assert!(
        topic_section[..topic_section.find("</section>").unwrap()].contains("href=\"#shift-1\"")
    );
    for id in &cited {
        let k = statements
            .iter()
            .position(|s| s["id"] == id.as_str())
            .unwrap();
        assert!(
            card.contains(&format!("href=\"#st-{k}\"")),
            "shift 1 does not link {id}"
        );
        let st = &dom.0[dom.0.find(&format!("id=\"st-{k}\"")).unwrap()..];
        assert!(
            st[..st.find("</p>").unwrap()].contains("href=\"#shift-1\""),
            "{id} does not link back"
        );
    }
    println!("links: {} distinct in-page targets, all land", hrefs.len());

    // Following a link into a filtered-out part shows it again.
    let hidden = statements
        .iter()
        .position(|s| s["speaker"] != speaker && s["topic"].is_u64())
        .unwrap();
    let dom = f.dom(&format!(
        "?speaker={}#st-{hidden}",
        speaker.replace(' ', "%20")
    ));
    assert_eq!(dom.visible_statements().len(), statements.len());
}

/// An 8-bit RGB or RGBA PNG, decoded.
struct Image {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

impl Image {
    /// The share of pixels that are not white, and the number of distinct
    /// colours.
    fn content(&self) -> (f64, usize) {
        let mut non_white = 0usize;
        let mut colours = std::collections::HashSet::new();
        for px in self.pixels.chunks(self.channels) {
            if px[..3].iter().any(|&c| c < 245) {
                non_white += 1;
            }
            colours.insert((px[0], px[1], px[2]));
        }
        (
            non_white as f64 / (self.width * self.height) as f64,
            colours.len(),
        )
    }

    /// Whether some pixel has the colour `#rrggbb` (within 2 per channel).
    fn has_colour(&self, hex: &str) -> bool {
        let c: Vec<i16> = (0..3)
            .map(|k| i16::from_str_radix(&hex[1 + 2 * k..3 + 2 * k], 16).unwrap())
            .collect();
        self.pixels
            .chunks(self.channels)
            .any(|px| (0..3).all(|k| (px[k] as i16 - c[k]).abs() <= 2))
    }
}

fn decode_png(path: &PathBuf) -> Image {
    let data = std::fs::read(path).unwrap();
    assert_eq!(&data[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let mut pos = 8;
    let (mut width, mut height, mut channels) = (0usize, 0usize, 0usize);
    let mut idat = Vec::new();
    while pos + 8 <= data.len() {
        let len = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &data[pos + 4..pos + 8];
        let body = &data[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(body[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(body[4..8].try_into().unwrap()) as usize;
                assert_eq!(body[8], 8, "bit depth");
                channels = match body[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("colour type {t}"),
                };
                assert_eq!(body[12], 0, "interlaced PNG");
            }
            b"IDAT" => idat.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width * channels;
    assert_eq!(raw.len(), height * (stride + 1));
    let mut pixels = vec![0u8; height * stride];
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                pixels[y * stride + x - channels]
            } else {
                0
            };
            let b = if y > 0 {
                pixels[(y - 1) * stride + x]
            } else {
                0
            };
            let c = if y > 0 && x >= channels {
                pixels[(y - 1) * stride + x - channels]
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((a as u16 + b as u16) / 2) as u8,
                4 => paeth(a, b, c),
                f => panic!("PNG filter {f}"),
            };
            pixels[y * stride + x] = line[x].wrapping_add(predicted);
        }
    }
    Image {
        width,
        height,
        channels,
        pixels,
    }
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = a as i16 + b as i16 - c as i16;
    let (pa, pb, pc) = (
        (p - a as i16).abs(),
        (p - b as i16).abs(),
        (p - c as i16).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// A page of 200 topics and 6,000 statements (12 speakers, dates over two
/// years, some month-only) loads, and its script filters, searches and
/// sorts it in one go.
#[test]
fn large_page_stays_usable() {
    if !have_chromium() {
        return;
    }
    use serde_json::json;
    let speakers: Vec<String> = (0..12).map(|k| format!("Speaker number {k}")).collect();
    let (mut statements, mut topics, mut timelines, mut shifts) = (vec![], vec![], vec![], vec![]);
    for t in 0..200usize {
        let mut members = vec![];
        for k in 0..30usize {
            let n = t * 30 + k;
            let id = format!("s{n}");
            let date = if k % 7 == 0 {
                format!("{}-{:02}", 2023 + k % 2, 1 + k % 12)
            } else {
                format!("{}-{:02}-{:02}", 2023 + k % 2, 1 + k % 12, 1 + k % 28)
            };
            let word = if n % 10 == 0 { "taxation" } else { "spending" };
            statements.push(
                json!({"id": id, "text": format!("Statement {n} on {word} in topic {t}"),
                "speaker": speakers[k % 12], "date": date, "source": null, "lang": "en",
                "topic": t, "stance": ((n % 9) as f32 - 4.0) / 4.0}),
            );
            members.push(id);
        }
        if t < 25 {
            for (sp, speaker) in speakers.iter().enumerate().take(2) {
                let points: Vec<Value> = (0..30usize)
                    .filter(|k| k % 12 == sp)
                    .map(|k| {
                        let s = &statements[t * 30 + k];
                        json!({"id": s["id"], "date": s["date"], "stance": s["stance"]})
                    })
                    .collect();
                timelines.push(json!({"speaker": speaker, "topic": t, "points": points}));
            }
            shifts.push(
                json!({"speaker": speakers[0], "topic": t, "topic_label": format!("label {t}"),
                "from_date": "2023-01-01", "to_date": "2024-01-13", "before": [members[0]],
                "after": [members[12]], "stance_before": 0.5, "stance_after": -0.5,
                "magnitude": 1.0, "confidence": 0.9, "kind": "sign_change"}),
            );
        }
        topics.push(
            json!({"id": t, "label": format!("label {t}"), "medoid": members[0],
            "medoid_text": "x", "keywords": [], "languages": ["en"], "speakers": speakers,
            "members": members, "axis": "spending", "axis_pro": "more", "axis_con": "less"}),
        );
    }
    let n = statements.len();
    let report = json!({
        "generator": "", "model": "", "inputs": ["synthetic"], "stance_mode": "axes",
        "axes_file": "axes.toml",
        "settings": {"cluster_threshold": 0.9, "min_topic_size": 2, "axis_min_similarity": 0.0,
            "shift_min_change": 1.0, "shift_min_confidence": 0.8, "centred_languages": []},
        "coverage": {"statements": n, "in_topics": n, "unassigned": 0, "scored": n,
            "on_timelines": 0, "scored_without_speaker": 0, "scored_without_date": 0,
            "without_speaker": 0, "without_date": 0, "single_date_timelines": 0},
        "statements": statements, "topics": topics, "unassigned": [], "timelines": timelines,
        "shifts": shifts
    });
    let report = volte::report::json::parse(&report.to_string()).unwrap();
    let page = volte::report::html::render(&report);
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("large.html");
    std::fs::write(&html, &page).unwrap();
    let started = std::time::Instant::now();
    let out = chromium(
        &dir.path().join("profile"),
        &["--dump-dom".to_string()],
        &format!("file://{}?q=taxation&sort=date", html.display()),
    );
    let dom = Dom(String::from_utf8_lossy(&out.stdout).into_owned());
    println!(
        "large page: {} bytes, {} statements, loaded, searched and sorted in {:.1} s: {}",
        page.len(),
        n,
        started.elapsed().as_secs_f64(),
        dom.count_line()
    );
    assert!(dom.0.contains("data-ready=\"1\""));
    assert_eq!(dom.visible_statements().len(), n / 10);
    assert_eq!(
        dom.count_line(),
        format!("25 shift(s), 200 topic(s), {} statement(s) shown", n / 10)
    );
}
