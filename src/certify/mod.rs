//! `okscim certify`: Okta's certification requirements (the SPEC and CRUD tests, the
//! Entitlements test, the OIN manual test plan) judged from a run of the bundled scenarios that
//! cover them, with a readiness verdict. docs/certify.md lists every requirement and how okscim
//! shows it.

mod docs;
mod readiness;
mod requirements;

use std::sync::Arc;

use crate::errors::LoadError;
use crate::okta::{AppKind, OktaOptions};
use crate::runner::{RunResult, Scheduler, Selection, StopFlag, plan};
use crate::scenario::Scenario;
use crate::target::Target;

/// The certification scenarios: the bundled scenarios that `covers` a requirement (the whole
/// scenario or one of its steps).
pub fn scenarios() -> Result<Vec<Arc<Scenario>>, LoadError> {
    Ok(crate::scenario::load_bundled()?
        .into_iter()
        .filter(|s| !s.covers.is_empty() || s.steps.iter().any(|st| !st.covers.is_empty()))
        .map(Arc::new)
        .collect())
}

/// Runs `scenarios` against `target` (under `apps`, or each kind a scenario lists when empty),
/// `jobs` at a time, and judges every requirement from the results.
pub async fn certify(
    scenarios: &[Arc<Scenario>],
    target: &Arc<Target>,
    apps: &[AppKind],
    jobs: usize,
) -> (RunResult, Readiness) {
    certify_until(scenarios, target, apps, jobs, StopFlag::never()).await
}

/// [`certify`], stopping early when `stop` is set: a run cut short is never ready, and its
/// verdict says it was interrupted.
pub async fn certify_until(
    scenarios: &[Arc<Scenario>],
    target: &Arc<Target>,
    apps: &[AppKind],
    jobs: usize,
    stop: StopFlag,
) -> (RunResult, Readiness) {
    let selection = Selection {
        apps: apps.to_vec(),
        ..Selection::default()
    };
    let planned = plan(scenarios, &selection, target.profile);
    let result = Scheduler::new(planned, target)
        .okta(OktaOptions::default())
        .jobs(jobs)
        .label(target.label.clone())
        .stop_flag(stop)
        .run(&mut [])
        .await;
    let mut verdict = readiness(&result, scenarios);
    if let Some(signal) = result.interrupted {
        verdict.ready = false;
        verdict.verdict = format!(
            "interrupted by {signal} before every requirement was run: no verdict (run okscim certify again)"
        );
    }
    (result, verdict)
}

pub use docs::markdown;
pub use readiness::{
    Evidence, FORMAT, Readiness, ReadinessCounts, RequirementFailure, RequirementResult,
    RequirementStatus, json_schema, readiness,
};
pub use requirements::{ALL, Coverage, Requirement, Suite, by_id};
