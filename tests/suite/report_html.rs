//! The HTML report renders in a real browser: headless Chromium takes a
//! screenshot (checked for size and content) and dumps the DOM (checked for
//! the SVG timelines and the shift entries).
//!
//! Needs `/usr/bin/chromium` (Debian package `chromium`).

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";
const CORPUS: &str = "examples/ai-bailout/statements.jsonl";
const AXES: &str = "examples/ai-bailout/axes.toml";

fn volte(args: &[&str], output: &Path) {
    common::success(common::volte().args(args).arg("-o").arg(output));
}

fn chromium(profile: &Path, extra: &[String], page: &Path) -> std::process::Output {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} not found: install it with `apt-get update && apt-get install -y chromium` to run the HTML rendering test"
    );
    Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1200,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

#[test]
fn html_report_renders_in_chromium() {
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
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let shifts = report["shifts"].as_array().unwrap();
    let topics_with_timelines: std::collections::BTreeSet<u64> = report["timelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic"].as_u64().unwrap())
        .collect();

    // Self-contained: no scripts, no external resources.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("<script"));
    for attr in ["src=\"http", "href=\"http", "url(http"] {
        assert!(!page.contains(attr), "external asset: {attr}");
    }

    // Screenshot.
    let png = dir.path().join("report.png");
    let profile = dir.path().join("profile");
    let shot = chromium(
        &profile,
        &[format!("--screenshot={}", png.display())],
        &html,
    );
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let image = decode_png(&png);
    assert_eq!((image.width, image.height), (1200, 2000));
    let (non_white, colours) = image.content();
    println!(
        "screenshot: {} bytes, {:.1}% non-white pixels, {} distinct colours",
        std::fs::metadata(&png).unwrap().len(),
        100.0 * non_white,
        colours
    );
    assert!(non_white > 0.05, "screenshot is nearly blank");
    assert!(
        colours > 50,
        "screenshot has too few colours to hold text and charts"
    );

    // DOM.
    let dom = chromium(&profile, &["--dump-dom".to_string()], &html);
    assert!(dom.status.success());
    let dom = String::from_utf8_lossy(&dom.stdout);
    let svgs = dom.matches("<svg class=\"timeline\"").count();
    println!(
        "DOM: {} SVG timeline(s), {} shift entr(ies), {} polyline(s)",
        svgs,
        dom.matches("<article class=\"shift\"").count(),
        dom.matches("<polyline").count()
    );
    assert_eq!(svgs, shifts.len() + topics_with_timelines.len());
    assert_eq!(
        dom.matches("<article class=\"shift\"").count(),
        shifts.len()
    );
    assert!(!shifts.is_empty());
    for s in shifts {
        let speaker = s["speaker"].as_str().unwrap();
        assert!(
            dom.contains(&format!("data-speaker=\"{speaker}\" data-topic=")),
            "no shift entry for {speaker}"
        );
        for id in s["before"]
            .as_array()
            .unwrap()
            .iter()
            .chain(s["after"].as_array().unwrap())
        {
            assert!(dom.contains(&format!("data-id=\"{}\"", id.as_str().unwrap())));
        }
    }
    assert!(dom.contains("<circle"));
    assert!(dom.contains("id=\"coverage\""));
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
