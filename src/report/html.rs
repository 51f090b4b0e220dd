//! One self-contained HTML page to work in: inline CSS, inline SVG
//! timelines and a small inline script (no external assets) that filters by
//! speaker, topic, axis and turn, searches the statements, sorts them by
//! date or score, and keeps the filters in the page's address (`?q=…&speaker=…&topic=…&axis=…&turn=shift-N&sort=date`)
//! so a view can be shared. Search matches a statement's text, speaker or id. Every shift links to its topic and its statements, and back.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use super::model::TurnStatus;
use super::model::{Report, Shift, StatementEntry, Timeline, Topic};
use super::svg::{self, escape, Chart, ChartPoint, ChartSeries, Palette, Span, Turn};
use super::view::{
    clip, coverage_lines, kind_words, quoted, settings_line, signed, status_words, turn_counts,
    ReportView,
};

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#111827;background:#fff}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #e5e7eb;padding-bottom:.3rem;margin-top:2.5rem}
h2 a.up{font-size:.8rem;font-weight:normal;margin-left:.6rem}
a{color:#1d4ed8}
.meta{color:#4b5563;font-size:.9rem}
nav#contents ol{margin:.2rem 0;padding-left:1.4rem}nav#contents li{margin:.1rem 0}
#controls{position:sticky;top:0;z-index:2;background:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;padding:.5rem .7rem;margin:1rem 0;display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:center;font-size:.9rem}
#controls input[type=search]{min-width:16rem}#controls select{max-width:16rem}
#f-count{color:#374151}
.shift{border:1px solid #f59e0b;border-left:6px solid #f59e0b;border-radius:6px;padding:.8rem 1rem;margin:1rem 0;background:#fffbeb}
.shift.possible{border-color:#9ca3af;border-left-color:#9ca3af;background:#f9fafb}
.topic{border:1px solid #e5e7eb;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.stats{font-size:.95rem;margin:.3rem 0 .6rem}
.evidence{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.evidence h4{margin:.3rem 0}
.statement{margin:.3rem 0;font-size:.92rem}
.statement .id{font-family:ui-monospace,monospace;color:#6b7280}
.score{font-family:ui-monospace,monospace;font-weight:600}
.pole{font-size:.9rem;margin:.1rem 0}
details{margin-top:.5rem}
:target{outline:3px solid #f59e0b;outline-offset:2px}
svg.timeline{max-width:100%;height:auto;display:block;margin:.4rem 0}
svg .dim{opacity:.15}
[hidden]{display:none!important}
";

/// The page's script: filters, search, sort, shareable addresses and links
/// into filtered-out or folded parts. Runs once over the page at load and
/// then on each change (searching waits for a pause in typing).
const SCRIPT: &str = r#"
(function(){
const $=s=>document.querySelector(s),$$=s=>Array.from(document.querySelectorAll(s));
const f={q:$('#f-q'),speaker:$('#f-speaker'),topic:$('#f-topic'),axis:$('#f-axis'),turn:$('#f-turn'),sort:$('#f-sort')};
const shifts=$$('article.shift'),topics=$$('section.topic'),lists=$$('.statements'),un=$('#unassigned');
const items=$$('.statements > .statement').map(e=>({e,d:e.dataset,s:e.closest('section'),
  t:[e.querySelector('.text').textContent,e.dataset.speaker||'',e.dataset.id].join(' ').toLowerCase()}));
const cards=shifts.map(a=>a.textContent.toLowerCase());
const has=(list,x)=>(' '+(list||'')+' ').includes(' '+x+' ');
const turnOk=(d,v)=>!v||(v==='turns'?!!d.shifts:has(d.shifts,v));
const params=new URLSearchParams(location.search);
for(const k in f)if(f[k]&&params.has(k))f[k].value=params.get(k);
let sorted='central';
function order(by){
  const key=by==='date'?(e=>e.dataset.date||'~'):by==='score'?(e=>e.dataset.score===undefined?Infinity:-parseFloat(e.dataset.score)):(e=>+e.dataset.order);
  const cmp=(a,b)=>{const x=key(a),y=key(b);return x<y?-1:x>y?1:(+a.dataset.order)-(+b.dataset.order);};
  for(const l of lists.concat([$('#shift-list')]))if(l)Array.from(l.children).sort(cmp).forEach(e=>l.appendChild(e));
  sorted=by;
}
function apply(){
  const v={};for(const k in f)v[k]=f[k]?f[k].value:'';
  const q=v.q.trim().toLowerCase();
  let ns=0,nt=0,n=0;
  shifts.forEach((a,i)=>{const d=a.dataset;
    const ok=(!v.speaker||d.speaker===v.speaker)&&(!v.topic||d.topic===v.topic)&&(!v.axis||d.axis===v.axis)&&(!v.turn||v.turn==='turns'||a.id===v.turn)&&(!q||cards[i].includes(q));
    a.hidden=!ok;if(ok)ns++;});
  const shown=new Map();
  for(const it of items){const d=it.d;
    const ok=(!v.speaker||d.speaker===v.speaker)&&(!q||it.t.includes(q))&&turnOk(d,v.turn);
    it.e.hidden=!ok;if(ok){n++;shown.set(it.s,(shown.get(it.s)||0)+1);}}
  const narrowed=!!(q||v.speaker||v.turn);
  for(const t of topics){const d=t.dataset;
    const ok=(!v.topic||d.topic===v.topic)&&(!v.axis||d.axis===v.axis)&&turnOk(d,v.turn)&&(!narrowed||shown.has(t));
    t.hidden=!ok;if(ok)nt++;
    if(ok&&narrowed){const m=t.querySelector('details.members');if(m)m.open=true;}
    for(const g of t.querySelectorAll('svg [data-speaker]'))g.classList.toggle('dim',!!v.speaker&&g.dataset.speaker!==v.speaker);}
  if(un)un.hidden=!!(v.topic||v.axis||v.turn)||(narrowed&&!shown.has(un));
  if(v.sort!==sorted)order(v.sort);
  $('#f-count').textContent=ns+' shift(s), '+nt+' topic(s), '+n+' statement(s) shown';
  const p=new URLSearchParams();for(const k in v)if(v[k]&&!(k==='sort'&&v[k]==='central'))p.set(k,v[k]);
  const s=p.toString();
  try{history.replaceState(null,'',location.pathname+(s?'?'+s:'')+location.hash);}catch(e){}
}
function reveal(){
  const id=decodeURIComponent(location.hash.slice(1));const t=id&&document.getElementById(id);if(!t)return;
  if(t.closest('[hidden]')){for(const k in f)if(f[k]&&k!=='sort')f[k].value='';apply();}
  for(let d=t.closest('details');d;d=d.parentElement.closest('details'))d.open=true;
  t.scrollIntoView();
}
let timer;
f.q.addEventListener('input',()=>{clearTimeout(timer);timer=setTimeout(apply,150);});
for(const k in f)if(f[k]&&k!=='q')f[k].addEventListener('change',apply);
$('#f-reset').addEventListener('click',()=>{for(const k in f)if(f[k])f[k].value=k==='sort'?'central':'';apply();});
window.addEventListener('hashchange',reveal);
apply();reveal();
document.body.dataset.ready='1';
})();
"#;

/// Topics the page shows (largest first); the JSON report has them all.
const MAX_TOPICS: usize = 200;
/// Statements listed per topic (besides those a shift cites), and of those
/// in no topic.
const MAX_LISTED: usize = 300;

/// What the parts of the page share: the report, one style per speaker, and
/// the anchors that tie shifts, topics and statements together.
struct Page<'a> {
    view: ReportView<'a>,
    palette: Palette,
    /// Statement id → its index in `report.statements` (anchor `st-N`).
    anchor: HashMap<&'a str, usize>,
    /// Statement id → the shifts (1-based) citing it.
    cited_by: HashMap<&'a str, Vec<usize>>,
    /// Topic → the shifts (1-based) on it.
    shifts_on: HashMap<usize, Vec<usize>>,
}

impl<'a> Page<'a> {
    fn new(report: &'a Report) -> Self {
        let anchor = report
            .statements
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let mut cited_by: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut shifts_on: HashMap<usize, Vec<usize>> = HashMap::new();
        for (k, s) in report.shifts.iter().enumerate() {
            for id in s.before.iter().chain(&s.after) {
                cited_by.entry(id.as_str()).or_default().push(k + 1);
            }
            shifts_on.entry(s.topic).or_default().push(k + 1);
        }
        let speakers = report
            .shifts
            .iter()
            .map(|s| s.speaker.as_str())
            .chain(report.timelines.iter().map(|t| t.speaker.as_str()));
        Self {
            view: ReportView::new(report),
            palette: Palette::new(speakers),
            anchor,
            cited_by,
            shifts_on,
        }
    }

    fn report(&self) -> &'a Report {
        self.view.report
    }

    fn statement_href(&self, id: &str) -> Option<String> {
        self.anchor.get(id).map(|i| format!("#st-{i}"))
    }
}

/// "N of M … shown; the JSON report lists them all."
fn more(out: &mut String, shown: usize, total: usize, what: &str) {
    if total > shown {
        let _ = write!(
            out,
            "<p class=\"meta\">{shown} of {total} {what} shown; the JSON report (<code>--format json</code>) lists them all.</p>"
        );
    }
}

fn shift_list(ids: &[usize]) -> String {
    ids.iter()
        .map(|k| format!("shift-{k}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders the report as a standalone HTML page. Large reports stay
/// usable: all shifts, the [`MAX_TOPICS`] largest topics, and at most
/// [`MAX_LISTED`] statements per list besides those the shifts cite.
pub fn render(report: &Report) -> String {
    let page = Page::new(report);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>volte stance report</title><style>{STYLE}</style></head><body>"
    );
    header(&mut out, report);
    contents(&mut out, &page);
    controls(&mut out, &page);

    let _ = write!(
        out,
        "<section id=\"shifts\"><h2>Shifts<a class=\"up\" href=\"#contents\">contents</a></h2>"
    );
    if report.shifts.is_empty() {
        let _ = write!(out, "<p>No shift found.</p>");
    }
    out.push_str("<div id=\"shift-list\">");
    for (k, shift) in report.shifts.iter().enumerate() {
        shift_card(&mut out, &page, k + 1, shift);
    }
    out.push_str("</div></section>");

    let _ = write!(
        out,
        "<section id=\"topics\"><h2>Topics<a class=\"up\" href=\"#contents\">contents</a></h2>"
    );
    for topic in report.topics.iter().take(MAX_TOPICS) {
        topic_card(&mut out, &page, topic);
    }
    more(
        &mut out,
        report.topics.len().min(MAX_TOPICS),
        report.topics.len(),
        "topics",
    );
    out.push_str("</section>");

    if !report.unassigned.is_empty() {
        let _ = write!(
            out,
            "<section id=\"unassigned\"><h2>In no topic<a class=\"up\" href=\"#contents\">contents</a></h2><div class=\"statements\">"
        );
        let ids: Vec<&str> = report.unassigned.iter().map(String::as_str).collect();
        let listed = listed(&page, &ids);
        for (order, s) in listed.iter().enumerate() {
            listed_statement(&mut out, &page, s, order);
        }
        out.push_str("</div>");
        more(&mut out, listed.len(), ids.len(), "statements");
        out.push_str("</section>");
    }

    let _ = write!(
        out,
        "<section id=\"coverage\"><h2>Coverage<a class=\"up\" href=\"#contents\">contents</a></h2><ul>"
    );
    for line in coverage_lines(report) {
        let _ = write!(out, "<li>{}</li>", escape(&line));
    }
    let _ = writeln!(
        out,
        "</ul></section><script>{SCRIPT}</script></body></html>"
    );
    out
}

fn header(out: &mut String, report: &Report) {
    let _ = write!(
        out,
        "<header><h1>Stance report</h1><p class=\"summary\">{} statement(s) from {}: {} topic(s), {} timeline(s), <strong>{} turn(s)</strong>, {} possible turn(s).</p><p class=\"meta\">{}<br>model: {} · {}</p></header>",
        report.coverage.statements,
        escape(&report.inputs.join(", ")),
        report.topics.len(),
        report.timelines.len(),
        turn_counts(report).0,
        turn_counts(report).1,
        escape(&settings_line(report)),
        escape(&report.model),
        escape(&report.generator)
    );
}

/// The contents list: every shift, every topic shown (folded when long).
fn contents(out: &mut String, page: &Page) {
    let report = page.report();
    let _ = write!(
        out,
        "<nav id=\"contents\"><h2>Contents</h2><ol><li><a href=\"#shifts\">Shifts</a> ({})<ol>",
        report.shifts.len()
    );
    for (k, s) in report.shifts.iter().enumerate() {
        let _ = write!(
            out,
            "<li><a href=\"#shift-{}\">{} — {}</a> <span class=\"meta\">{} → {}</span></li>",
            k + 1,
            escape(&s.speaker),
            escape(&s.topic_label),
            escape(&s.from_date),
            escape(&s.to_date)
        );
    }
    let shown = report.topics.len().min(MAX_TOPICS);
    let _ = write!(
        out,
        "</ol></li><li><a href=\"#topics\">Topics</a> ({})<details{}><summary>list</summary><ol start=\"0\">",
        report.topics.len(),
        if shown <= 12 { " open" } else { "" }
    );
    for t in report.topics.iter().take(MAX_TOPICS) {
        let _ = write!(
            out,
            "<li><a href=\"#topic-{}\">{}</a> <span class=\"meta\">{} statement(s)</span></li>",
            t.id,
            escape(&t.label),
            t.members.len()
        );
    }
    out.push_str("</ol></details></li>");
    if !report.unassigned.is_empty() {
        let _ = write!(
            out,
            "<li><a href=\"#unassigned\">In no topic</a> ({})</li>",
            report.unassigned.len()
        );
    }
    out.push_str("<li><a href=\"#coverage\">Coverage</a></li></ol></nav>");
}

fn option(out: &mut String, value: &str, text: &str) {
    let _ = write!(
        out,
        "<option value=\"{}\">{}</option>",
        escape(value),
        escape(text)
    );
}

/// The filter, search and sort controls.
fn controls(out: &mut String, page: &Page) {
    let report = page.report();
    out.push_str("<form id=\"controls\" onsubmit=\"return false\"><input type=\"search\" id=\"f-q\" placeholder=\"Search statements\" aria-label=\"Search statements\">");
    let speakers: BTreeSet<&str> = report
        .statements
        .iter()
        .filter_map(|s| s.speaker.as_deref())
        .collect();
    out.push_str("<select id=\"f-speaker\" aria-label=\"Speaker\">");
    option(out, "", "all speakers");
    for s in speakers {
        option(out, s, s);
    }
    out.push_str("</select><select id=\"f-topic\" aria-label=\"Topic\">");
    option(out, "", "all topics");
    for t in report.topics.iter().take(MAX_TOPICS) {
        option(
            out,
            &t.id.to_string(),
            &format!("{}. {}", t.id, clip(&t.label, 60)),
        );
    }
    out.push_str("</select>");
    let axes: BTreeSet<&str> = report
        .topics
        .iter()
        .filter_map(|t| t.axis.as_ref().map(|a| a.as_str()))
        .collect();
    if !axes.is_empty() {
        out.push_str("<select id=\"f-axis\" aria-label=\"Axis\">");
        option(out, "", "all axes");
        for a in axes {
            option(out, a, a);
        }
        out.push_str("</select>");
    }
    out.push_str("<select id=\"f-turn\" aria-label=\"Turn\">");
    option(out, "", "with or without a turn");
    option(out, "turns", "only what a turn cites");
    for (k, s) in report.shifts.iter().enumerate() {
        option(
            out,
            &format!("shift-{}", k + 1),
            &format!(
                "turn {}: {} — {}",
                k + 1,
                s.speaker,
                clip(&s.topic_label, 40)
            ),
        );
    }
    out.push_str("</select><label>sort <select id=\"f-sort\" aria-label=\"Sort\">");
    option(out, "central", "as grouped (central first)");
    option(out, "date", "by date");
    option(out, "score", "by score (stance; shifts by confidence)");
    out.push_str("</select></label><button type=\"button\" id=\"f-reset\">show all</button><output id=\"f-count\"></output></form>");
}

/// One shift as a card: heading, figures, timeline, evidence.
fn shift_card(out: &mut String, page: &Page, n: usize, shift: &Shift) {
    let _ = write!(
        out,
        "<article class=\"shift{}\" data-speaker=\"{}\" data-topic=\"{}\" id=\"shift-{n}\" data-kind=\"{}\" data-axis=\"{}\" data-date=\"{}\" data-score=\"{}\" data-order=\"{}\">",
        if shift.status == TurnStatus::Possible {
            " possible"
        } else {
            ""
        },
        escape(&shift.speaker),
        shift.topic,
        shift.kind.as_str(),
        escape(page.view.shift_axis(shift)),
        escape(&shift.to_date),
        shift.confidence,
        n
    );
    shift_heading(out, n, shift);
    shift_figures(out, page, shift);
    shift_chart(out, page, shift);
    shift_evidence(out, page, shift);
    out.push_str("</article>");
}

fn shift_heading(out: &mut String, n: usize, shift: &Shift) {
    let _ = write!(
        out,
        "<h3>{n}. {} — <a href=\"#topic-{}\">{}</a></h3>",
        escape(&shift.speaker),
        shift.topic,
        escape(&shift.topic_label)
    );
}

fn shift_figures(out: &mut String, page: &Page, shift: &Shift) {
    let _ = write!(
        out,
        "<p class=\"stats\"><strong>{}</strong> · {} → {} · stance on <code>{}</code> <span class=\"score\">{} → {}</span> · magnitude {:.2} · {}</p>",
        escape(&status_words(shift)),
        escape(&shift.from_date),
        escape(&shift.to_date),
        escape(page.view.shift_axis(shift)),
        signed(shift.stance_before),
        signed(shift.stance_after),
        shift.magnitude,
        kind_words(shift.kind)
    );
}

fn shift_chart(out: &mut String, page: &Page, shift: &Shift) {
    if let Some(t) = page.view.shift_timeline(shift) {
        out.push_str(&svg::render(&Chart {
            title: format!("{} on {}", shift.speaker, shift.topic_label),
            series: vec![series(page, t)],
            turn: Some(Turn {
                from: shift.from_date.clone(),
                to: shift.to_date.clone(),
            }),
        }));
    }
}

fn shift_evidence(out: &mut String, page: &Page, shift: &Shift) {
    out.push_str("<div class=\"evidence\">");
    for (title, ids) in [("Before", &shift.before), ("After", &shift.after)] {
        let _ = write!(
            out,
            "<div class=\"{}\"><h4>{title}</h4>",
            title.to_lowercase()
        );
        for id in ids {
            if let Some(s) = page.view.statement(id) {
                let link = page
                    .statement_href(id)
                    .map(|h| format!(" <a class=\"go\" href=\"{h}\">in its topic</a>"))
                    .unwrap_or_default();
                let _ = write!(
                    out,
                    "<p class=\"statement\" data-id=\"{}\"><span class=\"id\">{}</span> {} <span class=\"meta\">({})</span>{link}</p>",
                    escape(&s.id),
                    escape(&s.id),
                    escape(&quoted(&s.text)),
                    escape(&meta(s))
                );
            }
        }
        out.push_str("</div>");
    }
    out.push_str("</div>");
}

/// One topic as a card: heading, central statement, axis, timelines,
/// statements.
fn topic_card(out: &mut String, page: &Page, topic: &Topic) {
    let shifts = page.shifts_on.get(&topic.id).cloned().unwrap_or_default();
    let _ = write!(
        out,
        "<section class=\"topic\" id=\"topic-{}\" data-topic=\"{}\" data-axis=\"{}\" data-shifts=\"{}\">",
        topic.id,
        topic.id,
        escape(page.view.axis_name(topic.id)),
        shift_list(&shifts)
    );
    topic_heading(out, page, topic, &shifts);
    topic_axis(out, topic);
    topic_chart(out, page, topic);
    topic_members(out, page, topic);
    out.push_str("</section>");
}

fn topic_heading(out: &mut String, page: &Page, topic: &Topic, shifts: &[usize]) {
    let _ = write!(
        out,
        "<h3>{}. {}</h3><p class=\"stats\">{} statement(s) · languages: {} · speakers: {}</p>",
        topic.id,
        escape(&topic.label),
        topic.members.len(),
        escape(&topic.languages.join(", ")),
        escape(&topic.speakers.join(", "))
    );
    if !shifts.is_empty() {
        let links: Vec<String> = shifts
            .iter()
            .map(|&k| {
                let s = &page.report().shifts[k - 1];
                format!(
                    "<a href=\"#shift-{k}\">{k}. {} ({} → {})</a>",
                    escape(&s.speaker),
                    escape(&s.from_date),
                    escape(&s.to_date)
                )
            })
            .collect();
        let _ = write!(
            out,
            "<p class=\"turns\">Turns here: {}</p>",
            links.join(" · ")
        );
    }
    let central = page
        .statement_href(&topic.medoid)
        .map(|h| format!("<a class=\"id\" href=\"{h}\">{}</a>", escape(&topic.medoid)))
        .unwrap_or_else(|| format!("<span class=\"id\">{}</span>", escape(&topic.medoid)));
    let _ = write!(
        out,
        "<p>Central statement {central}: {}</p>",
        escape(&quoted(&topic.medoid_text))
    );
    if !topic.keywords.is_empty() {
        let _ = write!(
            out,
            "<p>Keywords: {}</p>",
            escape(&topic.keywords.join(", "))
        );
    }
}

fn topic_axis(out: &mut String, topic: &Topic) {
    match (&topic.axis, &topic.axis_pro, &topic.axis_con) {
        (Some(axis), Some(pro), Some(con)) => {
            let _ = write!(
                out,
                "<p>Axis <code>{}</code>{}</p>{}<p class=\"pole\">+1 like: {}</p><p class=\"pole\">−1 like: {}</p>",
                escape(axis.as_str()),
                topic
                    .axis_description
                    .as_ref()
                    .map(|d| format!(": {}", escape(d)))
                    .unwrap_or_default(),
                topic
                    .axis_thesis
                    .as_ref()
                    .map(|t| format!(
                        "<p>Thesis (+1 agrees, −1 disagrees): {}</p>",
                        escape(&quoted(t))
                    ))
                    .unwrap_or_default(),
                escape(&quoted(&clip(pro, 300))),
                escape(&quoted(&clip(con, 300)))
            );
        }
        _ => {
            let _ = write!(out, "<p>No stance axis in this topic.</p>");
        }
    }
}

fn topic_chart(out: &mut String, page: &Page, topic: &Topic) {
    let lines: Vec<ChartSeries> = page
        .view
        .timelines_of(topic.id)
        .map(|t| series(page, t))
        .collect();
    if !lines.is_empty() {
        out.push_str(&svg::render(&Chart {
            title: format!("Stance timelines: {}", topic.label),
            series: lines,
            turn: None,
        }));
    }
}

fn topic_members(out: &mut String, page: &Page, topic: &Topic) {
    let ids: Vec<&str> = topic.members.iter().map(String::as_str).collect();
    let listed = listed(page, &ids);
    let _ = write!(
        out,
        "<details class=\"members\"><summary>{} statement(s)</summary><div class=\"statements\">",
        topic.members.len()
    );
    for (order, s) in listed.iter().enumerate() {
        listed_statement(out, page, s, order);
    }
    out.push_str("</div>");
    more(out, listed.len(), ids.len(), "statements");
    out.push_str("</details>");
}

/// The first [`MAX_LISTED`] of `ids`, and any later one a shift cites.
fn listed<'a>(page: &Page<'a>, ids: &[&str]) -> Vec<&'a StatementEntry> {
    ids.iter()
        .enumerate()
        .filter(|(k, id)| *k < MAX_LISTED || page.cited_by.contains_key(*id))
        .filter_map(|(_, id)| page.view.statement(id))
        .collect()
}

fn listed_statement(out: &mut String, page: &Page, s: &StatementEntry, order: usize) {
    let shifts = page
        .cited_by
        .get(s.id.as_str())
        .cloned()
        .unwrap_or_default();
    let anchor = page.anchor.get(s.id.as_str()).copied().unwrap_or(0);
    let _ = write!(
        out,
        "<p class=\"statement\" id=\"st-{anchor}\" data-id=\"{}\" data-order=\"{order}\"",
        escape(&s.id)
    );
    if let Some(sp) = &s.speaker {
        let _ = write!(out, " data-speaker=\"{}\"", escape(sp));
    }
    if let Some(d) = &s.date {
        let _ = write!(out, " data-date=\"{}\"", escape(d));
    }
    if let Some(x) = s.stance {
        let _ = write!(out, " data-score=\"{x}\"");
    }
    if !shifts.is_empty() {
        let _ = write!(out, " data-shifts=\"{}\"", shift_list(&shifts));
    }
    let back: String = shifts
        .iter()
        .map(|k| format!(" <a class=\"go\" href=\"#shift-{k}\">turn {k}</a>"))
        .collect();
    let _ = write!(
        out,
        "><span class=\"id\">{}</span> <span class=\"text\">{}</span> <span class=\"meta\">({})</span>{back}</p>",
        escape(&s.id),
        escape(&quoted(&s.text)),
        escape(&meta(s))
    );
}

/// Speaker, date, source and score of a statement.
fn meta(s: &StatementEntry) -> String {
    [
        s.speaker.clone(),
        s.date.clone(),
        s.source.clone(),
        s.stance.map(signed),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

fn series(page: &Page, t: &Timeline) -> ChartSeries {
    ChartSeries {
        name: t.speaker.clone(),
        style: page.palette.style(&t.speaker),
        points: t
            .points
            .iter()
            .filter_map(|p| {
                let text = page
                    .view
                    .statement(&p.id)
                    .map(|s| s.text.as_str())
                    .unwrap_or("");
                Some(ChartPoint {
                    when: Span::parse(&p.date)?,
                    date: p.date.clone(),
                    stance: p.stance,
                    label: format!(
                        "{} · {} {} {}: {}",
                        t.speaker,
                        p.id,
                        p.date,
                        signed(p.stance),
                        clip(text, 200)
                    ),
                })
            })
            .collect(),
    }
}
