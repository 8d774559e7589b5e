//! The JSON report: the whole run as data (exchanges redacted, every check outcome).

use serde_json::json;

use crate::runner::RunResult;

/// Renders the run as pretty JSON, with a format version for consumers.
pub fn json_report(run: &RunResult) -> String {
    let counts = run.counts();
    let doc = json!({
        "format": "okscim-report/1",
        "target": run.target,
        "duration_ms": run.duration_ms,
        "counts": counts,
        "common_failure": run.common_failure().map(|c| json!({
            "cause": c,
            "what": c.what(),
            "fix": c.fix(),
        })),
        "failed_runs": run.failed_runs(),
        "scenarios": run.scenarios,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
