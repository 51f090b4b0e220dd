//! The text of an HTML page: the words of its body with block elements as
//! line breaks, scripts, styles and navigation left out, character
//! references decoded; and the publication date its metadata gives.

/// Elements whose content is never article text.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "head", "nav", "footer", "svg", "form", "iframe", "template",
    "aside",
];
/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
    "header",
    "tr",
    "table",
    "figure",
    "figcaption",
    "time",
    "hr",
    "pre",
    "dd",
    "dt",
];

/// The article text of an HTML document, one paragraph a line.
pub fn text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut skip_depth: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        if skip_depth.is_empty() {
            push_text(&mut out, &rest[..lt]);
        }
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |e| &rest[e + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if SKIPPED.contains(&name.as_str()) && !tag.ends_with('/') {
            if closing {
                if skip_depth.last() == Some(&name) {
                    skip_depth.pop();
                }
            } else {
                skip_depth.push(name.clone());
            }
            continue;
        }
        if skip_depth.is_empty()
            && BLOCKS.contains(&name.as_str())
            && !out.ends_with('\n')
            && !out.is_empty()
        {
            out.push('\n');
        }
    }
    if skip_depth.is_empty() {
        push_text(&mut out, rest);
    }
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn push_text(out: &mut String, raw: &str) {
    let decoded = decode(raw);
    for (i, part) in decoded.split_whitespace().enumerate() {
        let glue = i == 0 && !decoded.starts_with(char::is_whitespace);
        if !out.is_empty() && !out.ends_with('\n') && !out.ends_with(' ') && !glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    if decoded.ends_with(char::is_whitespace) && !out.ends_with('\n') && !out.is_empty() {
        out.push(' ');
    }
}

/// Decodes character references (`&amp;`, `&#8217;`, `&#x201C;`, `&nbsp;`).
pub fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                named(name)
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn named(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "laquo" => '«',
        "raquo" => '»',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "middot" => '·',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "agrave" => 'à',
        "acirc" => 'â',
        "ccedil" => 'ç',
        "ocirc" => 'ô',
        "ucirc" => 'û',
        "icirc" => 'î',
        "uuml" => 'ü',
        "ouml" => 'ö',
        "auml" => 'ä',
        "szlig" => 'ß',
        "ntilde" => 'ñ',
        "aacute" => 'á',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "euro" => '€',
        _ => return None,
    })
}

/// The publication date an HTML document's metadata gives:
/// `article:published_time`, `datePublished`, `<time datetime>`, or a
/// `date` meta element.
pub fn published(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    for key in [
        "article:published_time",
        "\"datepublished\"",
        "name=\"date\"",
        "itemprop=\"datepublished\"",
        "<time",
    ] {
        let Some(at) = lower.find(key) else { continue };
        let window_start = lower[..at].rfind('<').unwrap_or(at);
        let window = &html[window_start..html.len().min(at + 300)];
        for attr in ["content=\"", "datetime=\"", ":\"", ": \""] {
            if let Some(p) = window.find(attr) {
                let v = &window[p + attr.len()..];
                let v = &v[..v.find('"').unwrap_or(v.len())];
                if v.len() >= 4 && v.as_bytes()[0].is_ascii_digit() {
                    return Some(v.to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_text_without_scripts() {
        let html = "<html><head><title>T</title><meta property=\"article:published_time\" content=\"2025-11-06T10:00:00Z\"></head><body><nav>Menu</nav><h1>Titre</h1><p>« Nous ne reculerons pas », a d&eacute;clar&eacute; <b>M. Sacks</b>.</p><script>var x = '<p>';</script><p>Fin&nbsp;&#8230;</p></body></html>";
        assert_eq!(
            text(html),
            "Titre\n« Nous ne reculerons pas », a déclaré M. Sacks.\nFin …"
        );
        assert_eq!(published(html).as_deref(), Some("2025-11-06T10:00:00Z"));
    }

    #[test]
    fn references() {
        assert_eq!(
            decode("a &amp; b &#x201C;c&#x201D; &unknown; &"),
            "a & b “c” &unknown; &"
        );
    }
}
