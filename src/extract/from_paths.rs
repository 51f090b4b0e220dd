//! The library's front door for extraction from files and folders: read
//! the articles, extract their statements, and say what could not be read,
//! with typed errors and no printing (the `volte extract` command and the
//! Python package call it).

use std::path::{Path, PathBuf};

use super::articles::{read_articles, read_articles_skipping};
use super::Article;
use super::{extract, ExtractOptions, ExtractedStatement};
use crate::error::Error;
use crate::input::{OnError, Reject, Statement, StatementDate};

/// What extraction from files found.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// Every article's statements, article after article, in file name
    /// order; those without a named speaker have `speaker` empty and a
    /// `reason`.
    pub statements: Vec<ExtractedStatement>,
    /// The articles read.
    pub articles: usize,
    /// Files and JSON lines that could not be read, each with why (only
    /// with [`OnError::Skip`]; with [`OnError::Fail`] the first is an error).
    pub rejects: Vec<Reject>,
}

impl Extraction {
    /// The statements with a named speaker.
    pub fn attributed(&self) -> impl Iterator<Item = &ExtractedStatement> {
        self.statements.iter().filter(|s| !s.speaker.is_empty())
    }

    /// The statements without one, each with its `reason`.
    pub fn unattributed(&self) -> impl Iterator<Item = &ExtractedStatement> {
        self.statements.iter().filter(|s| s.speaker.is_empty())
    }

    /// The statements as a report reads them, exactly as `volte report`
    /// reads the JSON lines `volte extract` writes: id, text, speaker
    /// (none when empty), date, source and language; `line` is the
    /// statement's 1-based position.
    pub fn to_statements(&self) -> Vec<Statement> {
        self.statements
            .iter()
            .enumerate()
            .map(|(i, s)| Statement {
                id: s.id.clone(),
                text: s.text.clone(),
                speaker: Some(s.speaker.clone()).filter(|n| !n.trim().is_empty()),
                // Extraction writes only `YYYY-MM-DD`, `YYYY-MM` and `YYYY`.
                date: s.date.as_deref().and_then(|d| StatementDate::parse(d).ok()),
                source: Some(s.source.clone()),
                lang: Some(s.lang.clone()),
                extra: Vec::new(),
                line: i + 1,
            })
            .collect()
    }
}

/// Extracts the statements of the articles in `paths` (files, or folders
/// read in name order, hidden files left out): plain text, HTML, or JSON
/// lines with `text` (or `html`) and optional `date`, `source`, `url`,
/// `lang`.
///
/// Errors: [`Error::Input`] for a path that does not exist or cannot be
/// listed, and, with [`OnError::Fail`], for the first file that is not
/// UTF-8 text or JSON line that is not an article (with its file and line).
///
/// ```no_run
/// use volte::extract::{extract_paths, ExtractOptions};
/// use volte::input::OnError;
///
/// let x = extract_paths(&["articles/"], &ExtractOptions::default(), OnError::Skip)?;
/// for s in x.attributed() {
///     println!("{} ({:?}): {}", s.speaker, s.date, s.text);
/// }
/// # Ok::<(), volte::Error>(())
/// ```
pub fn extract_paths<P: AsRef<Path>>(
    paths: &[P],
    opts: &ExtractOptions,
    on_error: OnError,
) -> Result<Extraction, Error> {
    extract_paths_and(paths, Vec::new(), opts, on_error)
}

/// Like [`extract_paths`], with `more` articles (texts already in memory)
/// after those of the files, all in one batch: a statement one article
/// does not date can take its date from another of the batch.
pub fn extract_paths_and<P: AsRef<Path>>(
    paths: &[P],
    more: Vec<Article>,
    opts: &ExtractOptions,
    on_error: OnError,
) -> Result<Extraction, Error> {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
    let (mut articles, rejects) = match (paths.is_empty(), on_error) {
        (true, _) => (Vec::new(), Vec::new()),
        (false, OnError::Fail) => (read_articles(&paths)?, Vec::new()),
        (false, OnError::Skip) => read_articles_skipping(&paths)?,
    };
    articles.extend(more);
    Ok(Extraction {
        statements: extract(&articles, opts),
        articles: articles.len(),
        rejects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn a_folder_gives_its_statements_and_bad_lines_are_rejected_or_fail() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "a.txt",
            "date 2025-11-07\nSam Altman a déclaré jeudi que l'entreprise ne demandait rien.\n\nSelon les analystes, le marché hésite.",
        );
        write(
            dir.path(),
            "b.jsonl",
            "{\"text\": \"Friedrich Merz sagte am Dienstag, die Lage sei ernst.\", \"date\": \"2025-07-24\", \"source\": \"b1\"}\nnot json\n{\"date\": \"2025-07-24\"}\n",
        );
        std::fs::write(dir.path().join("c.txt"), [0xff, 0xfe, 0x00]).unwrap();
        let opts = ExtractOptions::default();
        let x = extract_paths(&[dir.path()], &opts, OnError::Skip).unwrap();
        assert_eq!(x.articles, 2);
        let named: Vec<(&str, Option<&str>)> = x
            .attributed()
            .map(|s| (s.speaker.as_str(), s.date.as_deref()))
            .collect();
        assert_eq!(
            named,
            [
                ("Sam Altman", Some("2025-11-06")),
                ("Friedrich Merz", Some("2025-07-22"))
            ]
        );
        let unnamed: Vec<&ExtractedStatement> = x.unattributed().collect();
        assert_eq!(unnamed.len(), 1);
        assert!(unnamed[0].reason.as_deref().unwrap().contains("analystes"));
        let rejects: Vec<(String, usize)> = x
            .rejects
            .iter()
            .map(|r| {
                let file = Path::new(&r.file).file_name().unwrap().to_str().unwrap();
                (file.to_string(), r.line)
            })
            .collect();
        assert_eq!(
            rejects,
            [
                ("b.jsonl".to_string(), 2),
                ("b.jsonl".to_string(), 3),
                ("c.txt".to_string(), 0)
            ]
        );
        assert_eq!(x.rejects[0].raw, "not json");
        assert!(x.rejects[2].reason.contains("UTF-8"));
        // Stopping at the first bad line instead.
        match extract_paths(&[dir.path()], &opts, OnError::Fail) {
            Err(Error::Input(e)) => {
                assert!(e.file.ends_with("b.jsonl"), "{e}");
                assert_eq!(e.line, 2);
            }
            other => panic!("expected an input error, got {other:?}"),
        }
        // A path that is not there is an error either way.
        let missing = dir.path().join("missing");
        assert!(matches!(
            extract_paths(&[&missing], &opts, OnError::Skip),
            Err(Error::Input(_))
        ));
    }
}
