//! The JSON rendering: the [`Report`] itself, pretty-printed (schema in
//! `docs/report-schema.md`).

use crate::error::Result;

use super::model::Report;

/// Renders the report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> Result<String> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}

/// Reads a report written by [`render`].
pub fn parse(text: &str) -> Result<Report> {
    let mut report: Report = serde_json::from_str(text)?;
    let mode = report.stance_mode;
    for topic in &mut report.topics {
        topic.axis = topic.axis.take().map(|a| a.in_mode(mode));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{empty_report_json, AxisSource, StanceMode, TurnKind};

    /// A report in `mode` with one topic on the axis written `axis`, and one
    /// shift.
    fn written(mode: &str, axis: &str) -> String {
        let mut r = empty_report_json(mode);
        r["topics"] = serde_json::json!([{"id": 0, "label": "", "medoid": "", "medoid_text": "",
            "keywords": [], "languages": [], "speakers": [], "members": [],
            "axis": axis, "axis_pro": "", "axis_con": ""}]);
        r["shifts"] = serde_json::json!([{"speaker": "A", "topic": 0, "topic_label": "",
            "from_date": "2020", "to_date": "2021", "before": [], "after": [],
            "stance_before": 0.5, "stance_after": -0.5, "magnitude": 1.0, "confidence": 0.9,
            "kind": "change_point"}]);
        r.to_string()
    }

    #[test]
    fn axes_are_read_as_the_mode_means_them() {
        let axis =
            |mode: &str, name: &str| parse(&written(mode, name)).unwrap().topics[0].axis.clone();
        let named = |name: &str| Some(AxisSource::Named(name.into()));
        assert_eq!(axis("camps", "camps"), Some(AxisSource::Camps));
        assert_eq!(
            axis("unsupervised", "unsupervised"),
            Some(AxisSource::MainOpposition)
        );
        assert_eq!(axis("axes", "tax"), named("tax"));
        // An axes file may give an axis the name of a mode without axes.
        assert_eq!(axis("axes", "camps"), named("camps"));
        assert_eq!(axis("axes", "unsupervised"), named("unsupervised"));
    }

    #[test]
    fn reports_are_written_as_they_were_read() {
        for (mode, name) in [
            (StanceMode::Axes, "tax"),
            (StanceMode::Axes, "camps"),
            (StanceMode::Camps, "camps"),
            (StanceMode::Unsupervised, "unsupervised"),
        ] {
            let report = parse(&written(mode.as_str(), name)).unwrap();
            assert_eq!(report.stance_mode, mode);
            assert_eq!(report.shifts[0].kind, TurnKind::ChangePoint);
            let text = render(&report).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["stance_mode"], mode.as_str());
            assert_eq!(v["topics"][0]["axis"], name);
            assert_eq!(v["shifts"][0]["kind"], "change_point");
            assert_eq!(render(&parse(&text).unwrap()).unwrap(), text);
        }
    }
}
