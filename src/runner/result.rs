//! What a run produces: results as data, consumed by reporters and snapshots.

use std::path::PathBuf;

use serde::Serialize;

use crate::check::{CheckOutcome, Severity};
use crate::http::Exchange;
use crate::okta::{AppKind, Purpose};

/// Passed, failed or skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every required check passed.
    Passed,
    /// A required check failed, or the step could not run.
    Failed,
    /// Not run (an earlier step failed, or the scenario does not apply to the target).
    Skipped,
}

/// Why a scenario run could not run its steps. Kept in the result; such a run has failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The target could not be opened for it (the embedded server did not start).
    #[error("could not start: {0}")]
    NotStarted(String),
    /// The task running it panicked: a bug in okscim, reported rather than dropped.
    #[error("okscim panicked while running it: {0} (a bug in okscim: please report it)")]
    Panicked(String),
    /// The task running it was cancelled before it finished.
    #[error("cancelled before it finished")]
    Cancelled,
}

impl Serialize for RunError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// One step's result.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    /// 1-based position in the scenario.
    pub index: usize,
    /// `okta assign alice`, `read user alice`, `request GET /Users/…`, or the step's name.
    pub label: String,
    /// Line of the step in the scenario file.
    pub line: usize,
    /// Outcome.
    pub status: Status,
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
    /// Why each exchange was sent.
    pub purposes: Vec<Purpose>,
    /// Every check outcome (okta, rfc, expect).
    pub checks: Vec<CheckOutcome>,
    /// Why the Okta action failed, as Okta would report it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub okta_failure: Option<String>,
    /// Why the step could not run (a scenario mistake, a template without a value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether the step's exchanges belong in the snapshot.
    pub snapshot: bool,
    /// Facts the step learned (e.g. import counts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl StepResult {
    /// The required checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks.iter().filter(|c| c.is_failure())
    }

    /// The advisory checks that failed.
    pub fn warnings(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks
            .iter()
            .filter(|c| !c.passed && c.severity == Severity::Advisory)
    }
}

/// One scenario run under one app kind.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// The app kind it ran under.
    pub app: AppKind,
    /// The per-run token in user and group names.
    pub run_token: String,
    /// Outcome.
    pub status: Status,
    /// Why it was skipped, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// Why it could not run its steps (it failed), when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RunError>,
    /// The steps.
    pub steps: Vec<StepResult>,
    /// Wall time.
    pub duration_ms: f64,
    /// The target's base URL (redacted as `[base]` in snapshots).
    #[serde(skip)]
    pub base_url: String,
    /// Ids Okta learned, as `(alice.id, value)` (aliases in snapshots).
    #[serde(skip)]
    pub aliases: Vec<(String, String)>,
    /// The snapshot verdict, when snapshots are compared; separate from `status`, which is the
    /// checks' verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<crate::snapshot::SnapshotVerdict>,
}

impl ScenarioResult {
    /// Whether the scenario fails the run: a required check failed or its snapshot differs.
    pub fn failed(&self) -> bool {
        self.status == Status::Failed || self.snapshot.as_ref().is_some_and(|v| v.is_failure())
    }

    /// `name [oin]`.
    pub fn title(&self) -> String {
        format!("{} [{}]", self.name, self.app.as_str())
    }

    /// Every exchange of the scenario, in order.
    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.steps.iter().flat_map(|s| s.exchanges.iter())
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// What was targeted (`embedded reference server` or the URL).
    pub target: String,
    /// Scenario results in plan order.
    pub scenarios: Vec<ScenarioResult>,
    /// Wall time.
    pub duration_ms: f64,
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Passed scenarios.
    pub passed: usize,
    /// Failed scenarios.
    pub failed: usize,
    /// Skipped scenarios.
    pub skipped: usize,
}

impl RunResult {
    /// Scenario counts.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for s in &self.scenarios {
            match s.status {
                Status::Skipped => c.skipped += 1,
                _ if s.failed() => c.failed += 1,
                _ => c.passed += 1,
            }
        }
        c
    }

    /// Whether no exchange of the run got any HTTP response: the target was unreachable.
    pub fn target_unreachable(&self) -> bool {
        let mut any = false;
        for e in self.scenarios.iter().flat_map(ScenarioResult::exchanges) {
            if e.response.is_some() {
                return false;
            }
            any = true;
        }
        any
    }
}
