//! The readiness verdict: each requirement of [`super::requirements::ALL`] judged from the
//! results of the scenarios and steps that `covers` it.

use std::sync::Arc;

use serde::Serialize;

use super::requirements::{ALL, Coverage, Requirement, Suite};
use crate::runner::{RunResult, ScenarioResult, Status, StepResult};
use crate::scenario::Scenario;

/// The version of the certification report format (`docs/certify.schema.json`).
pub const FORMAT: &str = "okscim-certify/1";

/// Where a requirement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequirementStatus {
    /// Every scenario or step that shows it passed.
    Passed,
    /// One of them failed.
    Failed,
    /// None of them ran against this target (another app kind or profile).
    NotApplicable,
    /// Not on the wire: to be checked by hand.
    Manual,
    /// On the wire, but the simulated Okta does not do it yet.
    NotSimulated,
}

/// A scenario run that shows a requirement, and the steps of it that do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Evidence {
    /// `name [app]`.
    pub scenario: String,
    /// The scenario file.
    pub path: String,
    /// The steps (`N label`), or empty when the whole scenario shows it.
    pub steps: Vec<String>,
    /// Whether that part of the run passed.
    pub passed: bool,
    /// Why that part had nothing to show against this target (no entitlement advertised).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
}

/// Why a requirement failed: the first failure of the first failing evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RequirementFailure {
    /// `name [app]`.
    pub scenario: String,
    /// The step (`N label`).
    pub step: String,
    /// The failing check's id, when a check failed (not a step error or an unreached step).
    pub check: Option<String>,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub actual: String,
    /// What the Okta admin sees (from the check catalogue), where known.
    pub admin_sees: Option<String>,
    /// How to fix the server (from the check catalogue, or the step error's help).
    pub fix: Option<String>,
    /// The exchange the check judged (`METHOD path -> status`).
    pub exchange: Option<String>,
}

/// One requirement's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RequirementResult {
    /// `SPEC-11`, `CRUD-5`, `C9290`.
    pub id: String,
    /// Its suite.
    pub suite: Suite,
    /// What it asks.
    pub name: String,
    /// Required for submission (`false`: optional, reported only).
    pub required: bool,
    /// Where it stands.
    pub status: RequirementStatus,
    /// Why it is not applicable, manual or not simulated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The runs that show it.
    pub evidence: Vec<Evidence>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<RequirementFailure>,
}

/// Counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReadinessCounts {
    /// Passed.
    pub passed: usize,
    /// Failed and required.
    pub failed: usize,
    /// Failed but optional.
    pub optional_failed: usize,
    /// Not applicable to this target.
    pub not_applicable: usize,
    /// To check by hand.
    pub manual: usize,
    /// Not simulated yet.
    pub not_simulated: usize,
}

/// The certification report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Readiness {
    /// `okscim-certify/1`.
    pub format: String,
    /// What was certified (the URL, or `embedded reference server`).
    pub target: String,
    /// True when no required requirement fails and at least one passed.
    pub ready: bool,
    /// The verdict line.
    pub verdict: String,
    /// Counts by status.
    pub counts: ReadinessCounts,
    /// What okscim had to do to the target first (the SPEC test's precondition on an empty
    /// target), one line each.
    pub setup: Vec<String>,
    /// Every requirement, in the order of the catalogue.
    pub requirements: Vec<RequirementResult>,
}

fn step_name(step: &StepResult) -> String {
    format!("{} {}", step.index, step.label)
}

/// The first failure of a failed step.
fn step_failure(run: &ScenarioResult, step: &StepResult) -> RequirementFailure {
    let mut failure = RequirementFailure {
        scenario: run.title(),
        step: step_name(step),
        check: None,
        expected: String::new(),
        actual: String::new(),
        admin_sees: None,
        fix: None,
        exchange: None,
    };
    if let Some(c) = step.failures().next() {
        let def = crate::check::by_id(c.id);
        failure.check = Some(c.id.to_string());
        failure.expected = c.expected.clone();
        failure.actual = c.actual.clone();
        failure.admin_sees = def.and_then(|d| d.admin_sees).map(str::to_string);
        failure.fix = def
            .filter(|d| d.kind != crate::check::CheckKind::Expect)
            .map(|d| d.fix.to_string())
            .or_else(|| {
                c.basis
                    .clone()
                    .map(|b| format!("the scenario requires it: {b}"))
            });
        failure.exchange = c
            .exchange
            .and_then(|i| step.exchanges.get(i))
            .map(|e| e.summary());
    } else if let Some(e) = &step.error {
        failure.expected = "the step runs".into();
        failure.actual = e.to_string();
        failure.fix = Some(e.help().to_string());
    } else if let Some(f) = &step.okta_failure {
        failure.expected = "Okta's action succeeds".into();
        failure.actual = f.clone();
    }
    failure
}

/// The first failure of a failed scenario run (its first failed step, or why it did not run).
fn run_failure(run: &ScenarioResult) -> RequirementFailure {
    if let Some(step) = run.steps.iter().find(|s| s.status == Status::Failed) {
        return step_failure(run, step);
    }
    RequirementFailure {
        scenario: run.title(),
        step: String::new(),
        check: None,
        expected: "the scenario runs".into(),
        actual: run
            .error
            .as_ref()
            .map_or_else(|| "failed".to_string(), ToString::to_string),
        admin_sees: None,
        fix: None,
        exchange: None,
    }
}

/// The scenario a result came from.
fn definition<'s>(scenarios: &'s [Arc<Scenario>], run: &ScenarioResult) -> Option<&'s Scenario> {
    scenarios
        .iter()
        .map(AsRef::as_ref)
        .find(|s| s.path == run.path && s.name == run.name)
}

/// Every piece of evidence for `id` in the run: (evidence, the failure when it failed).
fn evidence_for(
    id: &str,
    run: &RunResult,
    scenarios: &[Arc<Scenario>],
) -> Vec<(Evidence, Option<RequirementFailure>)> {
    let mut out = Vec::new();
    for r in run.scenarios.iter().filter(|r| r.status != Status::Skipped) {
        let Some(def) = definition(scenarios, r) else {
            continue;
        };
        let path = r.path.display().to_string();
        if def.covers.iter().any(|c| c == id) {
            let failure = r.failed().then(|| run_failure(r));
            out.push((
                Evidence {
                    scenario: r.title(),
                    path: path.clone(),
                    steps: vec![],
                    passed: failure.is_none(),
                    not_applicable: None,
                },
                failure,
            ));
        }
        for (i, step_def) in def.steps.iter().enumerate() {
            if !step_def.covers.iter().any(|c| c == id) {
                continue;
            }
            // Steps of the other app kind leave no result: they show nothing here.
            let Some(step) = r.steps.iter().find(|s| s.index == i + 1) else {
                continue;
            };
            let failure = match step.status {
                Status::Failed => Some(step_failure(r, step)),
                Status::Skipped if r.failed() => {
                    let mut f = run_failure(r);
                    f.actual = format!("not reached: {} failed first ({})", f.step, f.actual);
                    f.step = step_name(step);
                    Some(f)
                }
                _ => None,
            };
            out.push((
                Evidence {
                    scenario: r.title(),
                    path: path.clone(),
                    steps: vec![step_name(step)],
                    passed: failure.is_none(),
                    not_applicable: step.not_applicable.clone().filter(|_| failure.is_none()),
                },
                failure,
            ));
        }
    }
    out
}

fn judge(req: &Requirement, run: &RunResult, scenarios: &[Arc<Scenario>]) -> RequirementResult {
    let mut result = RequirementResult {
        id: req.id.to_string(),
        suite: req.suite,
        name: req.name.to_string(),
        required: req.required,
        status: RequirementStatus::Passed,
        reason: None,
        evidence: vec![],
        failure: None,
    };
    match req.coverage {
        Coverage::Manual(why) => {
            result.status = RequirementStatus::Manual;
            result.reason = Some(why.to_string());
        }
        Coverage::NotSimulated(why) => {
            result.status = RequirementStatus::NotSimulated;
            result.reason = Some(why.to_string());
        }
        Coverage::Scenarios => {
            let found = evidence_for(req.id, run, scenarios);
            if found.is_empty() {
                result.status = RequirementStatus::NotApplicable;
                result.reason = Some(
                    "no scenario that shows it ran against this target (it is for another app kind or profile, or was filtered out)"
                        .to_string(),
                );
            }
            // Evidence that had nothing to show (no entitlement advertised) shows nothing: the
            // requirement is not applicable when no other evidence shows it.
            if !found.is_empty() && found.iter().all(|(e, _)| e.not_applicable.is_some()) {
                result.status = RequirementStatus::NotApplicable;
                result.reason = found[0].0.not_applicable.clone();
            }
            for (evidence, failure) in found {
                if result.failure.is_none()
                    && let Some(f) = failure
                {
                    result.status = RequirementStatus::Failed;
                    result.failure = Some(f);
                }
                result.evidence.push(evidence);
            }
        }
    }
    result
}

/// The precondition steps (`when_empty`) that ran because the target was empty.
fn setup(run: &RunResult, scenarios: &[Arc<Scenario>]) -> Vec<String> {
    let mut out = Vec::new();
    for r in &run.scenarios {
        let Some(def) = definition(scenarios, r) else {
            continue;
        };
        for step in &r.steps {
            let ran = step.status != Status::Skipped && step.not_applicable.is_none();
            let Some(path) = def
                .steps
                .get(step.index.wrapping_sub(1))
                .and_then(|d| d.when_empty.as_ref())
            else {
                continue;
            };
            if ran {
                out.push(format!(
                    "{}: {path} listed no resource, so okscim ran step {} first ({}){}",
                    r.title(),
                    step.index,
                    step.label,
                    if step.status == Status::Failed {
                        ", which failed"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    out
}

/// Judges every requirement from a run of the certification scenarios.
pub fn readiness(run: &RunResult, scenarios: &[Arc<Scenario>]) -> Readiness {
    let requirements: Vec<RequirementResult> =
        ALL.iter().map(|r| judge(r, run, scenarios)).collect();
    let mut counts = ReadinessCounts::default();
    for r in &requirements {
        match r.status {
            RequirementStatus::Passed => counts.passed += 1,
            RequirementStatus::Failed if r.required => counts.failed += 1,
            RequirementStatus::Failed => counts.optional_failed += 1,
            RequirementStatus::NotApplicable => counts.not_applicable += 1,
            RequirementStatus::Manual => counts.manual += 1,
            RequirementStatus::NotSimulated => counts.not_simulated += 1,
        }
    }
    let ready = counts.failed == 0 && counts.passed > 0;
    let verdict = if counts.failed > 0 {
        format!(
            "{} requirement{} fail{}: not ready for OIN submission",
            counts.failed,
            if counts.failed == 1 { "" } else { "s" },
            if counts.failed == 1 { "s" } else { "" }
        )
    } else if counts.passed == 0 {
        "no requirement could be shown against this target: not ready for OIN submission"
            .to_string()
    } else {
        format!(
            "ready for OIN submission: {} requirements pass; {} to check by hand and {} not simulated by okscim yet (listed above)",
            counts.passed, counts.manual, counts.not_simulated
        )
    };
    Readiness {
        format: FORMAT.to_string(),
        target: run.target.clone(),
        ready,
        verdict,
        counts,
        setup: setup(run, scenarios),
        requirements,
    }
}

/// The JSON Schema of the report (`docs/certify.schema.json`).
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Readiness)).unwrap_or_default()
}
