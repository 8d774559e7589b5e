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
    pub error: Option<crate::errors::StepError>,
    /// Whether the step's exchanges belong in the snapshot.
    pub snapshot: bool,
    /// Facts the step learned (e.g. import counts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Why the step had nothing to show against this target (an Entitlements SPEC test on a
    /// server without entitlements, a precondition the target already met): it passed, and
    /// shows no requirement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
    /// Whether the step is a `when_empty` precondition: it runs only against an empty server,
    /// so what it makes is not the scenario's own in a snapshot.
    #[serde(skip)]
    pub precondition: bool,
    /// How long Okta waited after 429 answers, in all, in seconds (okta-reference.md §4.1);
    /// okscim's clock may have slept less.
    #[serde(skip_serializing_if = "is_zero")]
    pub okta_wait_secs: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
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
    /// The signal that stopped the run before it finished (its `skip_reason` says where).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<super::interrupt::StopSignal>,
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

    /// The name of its snapshot, without the `.snap` extension: `users__create__oin`.
    pub fn snapshot_name(&self) -> String {
        crate::snapshot::snapshot_file_name(&self.path, self.app)
            .trim_end_matches(".snap")
            .to_string()
    }

    /// Its transcript as a snapshot holds it: the exchanges of its snapshotted steps, ids
    /// aliased, timestamps, versions and the run token redacted (`docs/snapshots.md`).
    pub fn transcript(&self) -> serde_json::Value {
        crate::snapshot::transcript(self, &[])
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
    /// The signal that stopped the run early: the results hold what ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<super::interrupt::StopSignal>,
}

/// A failed scenario run, for the list at the end of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedRun {
    /// `name [app]`.
    pub title: String,
    /// The first failure: `step N label: check id`, a step error, or why the run could not run.
    pub first: String,
}

/// One cause behind every request of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CommonFailure {
    /// Every answer had this error status.
    Status {
        /// The status.
        status: u16,
    },
    /// No request connected.
    Connect,
    /// Every request timed out.
    Timeout,
    /// Every answer was larger than the body cap.
    BodyTooLarge,
    /// Every request failed below HTTP in another way (TLS, a broken answer).
    Transport,
}

impl CommonFailure {
    fn of(e: &crate::http::Exchange) -> Option<CommonFailure> {
        use crate::errors::TransportError;
        match (&e.error, e.status()) {
            (Some(TransportError::BodyTooLarge { .. }), _) => Some(CommonFailure::BodyTooLarge),
            (_, Some(status)) if status >= 400 => Some(CommonFailure::Status { status }),
            (_, Some(_)) => None,
            (Some(TransportError::Connect { .. }), None) => Some(CommonFailure::Connect),
            (Some(TransportError::Timeout { .. }), None) => Some(CommonFailure::Timeout),
            (_, None) => Some(CommonFailure::Transport),
        }
    }

    /// What happened, in one line.
    pub fn what(&self) -> String {
        match self {
            CommonFailure::Status { status } => format!("every request was answered {status}"),
            CommonFailure::Connect => "no request could connect to the target".to_string(),
            CommonFailure::Timeout => "every request timed out".to_string(),
            CommonFailure::BodyTooLarge => "every answer was larger than --max-body".to_string(),
            CommonFailure::Transport => {
                "every request failed below HTTP (TLS or a broken answer)".to_string()
            }
        }
    }

    /// The likely fix.
    pub fn fix(&self) -> &'static str {
        match self {
            CommonFailure::Status { status: 401 | 403 } => {
                "the target rejects the token: check --token-env / --header-env (Okta's Header auth sends the value as it is, without `Bearer`) or --basic / --password-env"
            }
            CommonFailure::Status { status: 404 } => {
                "check the --target URL: it must be the SCIM base URL, the part before /Users (e.g. https://app.example.com/scim/v2)"
            }
            CommonFailure::Status { status: 405 | 501 } => {
                "check the --target URL: the server does not serve SCIM there"
            }
            CommonFailure::Status { status: 429 } => {
                "the target rate-limits every request: run with fewer --jobs, or raise its limit for the test"
            }
            CommonFailure::Status { .. } => {
                "the server fails every request: read its log for the cause"
            }
            CommonFailure::Connect => {
                "check that the server is running and that --target names its address and port (and http vs https)"
            }
            CommonFailure::Timeout => {
                "check that --target points at the server and that it answers; raise --timeout if it is slow"
            }
            CommonFailure::BodyTooLarge => {
                "raise --max-body if such answers are expected, or check what the server sends"
            }
            CommonFailure::Transport => {
                "check http vs https, and --ca-file or --insecure for a private certificate"
            }
        }
    }
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
    /// Whether the run passed as `okscim run` exits 0: no scenario run failed (a required
    /// check, or a snapshot that differs), at least one ran, and nothing interrupted it.
    pub fn passed(&self) -> bool {
        let counts = self.counts();
        counts.failed == 0 && counts.passed > 0 && self.interrupted.is_none()
    }

    /// Every failed scenario run's failures as plain text, for an assertion message.
    pub fn failure_report(&self) -> String {
        let mut text = String::new();
        for s in self.scenarios.iter().filter(|s| s.failed()) {
            text.push_str(&format!("{} ({}):\n", s.title(), s.path.display()));
            text.push_str(&crate::report::failure_text(s));
        }
        if self.counts().passed == 0 {
            text.push_str("no scenario run passed\n");
        }
        if let Some(signal) = self.interrupted {
            text.push_str(&format!("interrupted by {signal}\n"));
        }
        text
    }

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

    /// Each failed scenario run with the first thing that failed in it, in plan order.
    pub fn failed_runs(&self) -> Vec<FailedRun> {
        self.scenarios
            .iter()
            .filter(|s| s.failed())
            .map(|s| {
                let first = s.steps.iter().find_map(|step| {
                    if let Some(e) = &step.error {
                        return Some(format!("step {} {}: {e}", step.index, step.label));
                    }
                    step.failures()
                        .next()
                        .map(|c| format!("step {} {}: {}", step.index, step.label, c.id))
                });
                let first = first
                    .or_else(|| s.error.as_ref().map(ToString::to_string))
                    .or_else(|| {
                        s.snapshot.as_ref().map(|v| match v {
                            crate::snapshot::SnapshotVerdict::Missing { .. } => {
                                "no stored snapshot".to_string()
                            }
                            _ => "the snapshot differs".to_string(),
                        })
                    })
                    .unwrap_or_else(|| "failed".to_string());
                FailedRun {
                    title: s.title(),
                    first,
                }
            })
            .collect()
    }

    /// When every request of the run failed the same way (the same error status, or the same
    /// kind of transport error), that one cause with its likely fix: the run says it once
    /// instead of in every failure. `None` when any request got another answer.
    pub fn common_failure(&self) -> Option<CommonFailure> {
        let mut exchanges = self.scenarios.iter().flat_map(ScenarioResult::exchanges);
        let first = exchanges.next()?;
        let cause = CommonFailure::of(first)?;
        let mut count = 1;
        for e in exchanges {
            if CommonFailure::of(e).as_ref() != Some(&cause) {
                return None;
            }
            count += 1;
        }
        (count >= 2).then_some(cause)
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
