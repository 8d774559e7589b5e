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
        "interrupted": run.interrupted,
        "counts": counts,
        "common_failure": run.common_failure().map(|c| json!({
            "cause": c,
            "what": c.what(),
            "fix": c.fix(),
        })),
        "failed_runs": run.failed_runs(),
        "scenarios": run.scenarios.iter().map(scenario_json).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// One scenario run: `status` is the run's verdict as `counts` counts it (a run whose checks
/// passed but whose snapshot differs has failed), and `checks` what its checks alone said.
fn scenario_json(s: &crate::runner::ScenarioResult) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    let checks = v.get("status").cloned().unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        if s.status != crate::runner::Status::Skipped && s.failed() {
            map.insert("status".into(), json!("failed"));
        }
        map.insert("checks".into(), checks);
    }
    v
}
