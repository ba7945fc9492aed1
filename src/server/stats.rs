//! `requesty-router stats`: the request-log analytics (the same report as
//! `requesty-stats`), as a table, JSON or an HTML page.

use std::path::{Path, PathBuf};

use crate::router::log::analytics::Analytics;

/// What to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsOutput {
    /// Aligned tables (printed).
    Table,
    /// The report as JSON (printed).
    Json,
    /// A self-contained HTML page written to this file.
    Html(PathBuf),
}

/// Reads a JSONL log (a file, or a folder of daily files) and renders the
/// report. Returns the text to print and the number of malformed lines
/// skipped. For [`StatsOutput::Html`], the page is written and the text
/// is the file's path.
pub fn run(input: &Path, output: &StatsOutput) -> Result<(String, usize), String> {
    let (analytics, skipped) = Analytics::from_jsonl_path(input).map_err(|e| e.to_string())?;
    let report = analytics.report();
    let text = match output {
        StatsOutput::Table => report.to_table(),
        StatsOutput::Json => format!("{}\n", report.to_json()),
        StatsOutput::Html(file) => {
            std::fs::write(file, report.to_html())
                .map_err(|e| format!("cannot write `{}`: {e}", file.display()))?;
            format!("{}\n", file.display())
        }
    };
    Ok((text, skipped))
}
