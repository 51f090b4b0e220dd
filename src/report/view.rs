//! Lookups and wording shared by the renderers.

use std::collections::HashMap;

use super::model::{
    AxisSource, Report, Shift, StanceMode, StatementEntry, Timeline, Topic, TurnKind, TurnStatus,
};

/// A report with its statements indexed by id.
pub struct ReportView<'a> {
    pub report: &'a Report,
    by_id: HashMap<&'a str, &'a StatementEntry>,
}

impl<'a> ReportView<'a> {
    pub fn new(report: &'a Report) -> Self {
        let by_id = report
            .statements
            .iter()
            .map(|s| (s.id.as_str(), s))
            .collect();
        Self { report, by_id }
    }

    /// The statement with this id (reports always contain the ids they cite).
    pub fn statement(&self, id: &str) -> Option<&'a StatementEntry> {
        self.by_id.get(id).copied()
    }

    /// The timelines of one topic.
    pub fn timelines_of(&self, topic: usize) -> impl Iterator<Item = &'a Timeline> {
        self.report
            .timelines
            .iter()
            .filter(move |t| t.topic == topic)
    }

    /// The topic a shift or timeline refers to.
    pub fn topic(&self, id: usize) -> Option<&'a Topic> {
        self.report.topics.get(id)
    }

    /// Name of the stance axis of a topic (empty when it has none).
    pub fn axis_name(&self, topic: usize) -> &'a str {
        self.topic(topic)
            .and_then(|t| t.axis.as_ref())
            .map_or("", AxisSource::as_str)
    }

    /// The axis a shift was measured on: its thesis's name, else its
    /// topic's axis.
    pub fn shift_axis(&self, shift: &'a Shift) -> &'a str {
        shift
            .axis
            .as_deref()
            .unwrap_or_else(|| self.axis_name(shift.topic))
    }

    /// The timeline a shift was found on (same speaker, topic and axis).
    pub fn shift_timeline(&self, shift: &Shift) -> Option<&'a Timeline> {
        self.timelines_of(shift.topic)
            .find(|t| t.speaker == shift.speaker && t.axis == shift.axis)
    }
}

/// Human wording of a shift's status and of its `confidence`: on a thesis
/// the probability that the position changed; on an axis of examples the
/// step test's confidence, which is not a probability.
pub fn status_words(shift: &Shift) -> String {
    let what = match shift.status {
        TurnStatus::Turn => "turn",
        TurnStatus::Possible => "possible turn",
    };
    if shift.axis.is_some() {
        format!("{what}, probability of a change {:.2}", shift.confidence)
    } else {
        format!("{what}, step-test confidence {:.2}", shift.confidence)
    }
}

/// How many shifts are turns and how many only possible turns.
pub fn turn_counts(report: &Report) -> (usize, usize) {
    let turns = report
        .shifts
        .iter()
        .filter(|s| s.status == TurnStatus::Turn)
        .count();
    (turns, report.shifts.len() - turns)
}

/// A stance value with its sign (`+0.42`, `-0.10`).
pub fn signed(x: f32) -> String {
    format!("{x:+.2}")
}

/// Human wording of a shift kind.
pub fn kind_words(kind: TurnKind) -> &'static str {
    match kind {
        TurnKind::SignChange => "reversal (mean stance changes sign)",
        TurnKind::ChangePoint => "retreat (mean stance moves towards the other pole)",
    }
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// `text` in quotation marks, unless it opens with its own (`"Nous…" a-t-il
/// dit`, `« Wir … »`): quotes are not doubled.
pub fn quoted(text: &str) -> String {
    const OPEN: [char; 7] = ['"', '“', '”', '„', '«', '»', '\''];
    let text = text.trim();
    if text.starts_with(OPEN) {
        text.to_string()
    } else {
        format!("“{text}”")
    }
}

/// The lines summarizing where the statements went.
pub fn coverage_lines(r: &Report) -> Vec<String> {
    let c = &r.coverage;
    let mut lines = vec![
        format!(
            "{} statement(s): {} in {} topic(s), {} in no topic",
            c.statements,
            c.in_topics,
            r.topics.len(),
            c.unassigned
        ),
        format!(
            "{} with a stance score, {} of them on {} timeline(s)",
            c.scored,
            c.on_timelines,
            r.timelines.len()
        ),
    ];
    if c.scored_without_speaker + c.scored_without_date > 0 {
        lines.push(format!(
            "kept off the timelines: {} scored statement(s) without a speaker, {} without a date (they stay in their topics)",
            c.scored_without_speaker, c.scored_without_date
        ));
    }
    lines.push(format!(
        "in the whole input: {} statement(s) without a speaker, {} without a date",
        c.without_speaker, c.without_date
    ));
    if c.single_date_timelines > 0 {
        lines.push(format!(
            "{} timeline(s) have a single date and cannot show a turn",
            c.single_date_timelines
        ));
    }
    lines
}

/// One line naming the stance mode and settings.
pub fn settings_line(r: &Report) -> String {
    let s = &r.settings;
    let mode = match (&r.axes_file, r.stance_mode) {
        (Some(f), _) => format!("axes from {f}"),
        (None, StanceMode::Camps) => {
            "camps (the stance model's agreement between statements)".to_string()
        }
        (None, _) => "unsupervised (main opposition per topic)".to_string(),
    };
    format!(
        "stance: {mode}; cluster threshold {}, min topic size {}, axis min similarity {}, shift min change {} spread(s), min confidence {}",
        s.cluster_threshold,
        s.min_topic_size,
        s.axis_min_similarity,
        s.shift_min_change,
        s.shift_min_confidence
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_helpers() {
        assert_eq!(signed(0.5), "+0.50");
        assert_eq!(signed(-0.126), "-0.13");
        assert_eq!(clip("  abc  ", 5), "abc");
        assert_eq!(clip("abcdefgh", 5), "abcd…");
        assert_eq!(quoted(" a "), "“a”");
        assert_eq!(quoted("\"Nous partons.\""), "\"Nous partons.\"");
        assert_eq!(quoted("« Wir »"), "« Wir »");
        assert_eq!(quoted("\"Nous\" dit-il"), "\"Nous\" dit-il");
        assert!(kind_words(TurnKind::SignChange).starts_with("reversal"));
        assert!(kind_words(TurnKind::ChangePoint).starts_with("retreat"));
    }
}
