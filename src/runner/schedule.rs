//! Runs the planned scenario runs in parallel (`--jobs`), steps in order within each, and
//! emits events as they finish.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::okta::OktaOptions;
use crate::runner::events::{Reporter, RunEvent};
use crate::runner::execute::{run_scenario, run_token};
use crate::runner::plan::Job;
use crate::runner::result::{RunResult, ScenarioResult, Status};
use crate::target::Target;

fn not_started(job: &Job, why: String) -> ScenarioResult {
    ScenarioResult {
        name: job.scenario.name.clone(),
        path: job.scenario.path.clone(),
        app: job.app,
        run_token: run_token(),
        status: Status::Failed,
        skip_reason: Some(why),
        steps: vec![],
        duration_ms: 0.0,
        base_url: String::new(),
        aliases: vec![],
        snapshot: None,
    }
}

/// Where snapshots live and when they are written.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    /// The folder.
    pub dir: std::path::PathBuf,
    /// When to write.
    pub mode: crate::snapshot::UpdateMode,
}

fn snapshot_verdict(
    result: &ScenarioResult,
    settings: &SnapshotSettings,
    redactions: &[serde_json_path::JsonPath],
) -> crate::snapshot::SnapshotVerdict {
    let mut aliases =
        crate::snapshot::Aliases::new(&result.aliases, &result.run_token, &result.base_url);
    let doc = crate::snapshot::transcript(result, &mut aliases, redactions);
    let name = crate::snapshot::snapshot_file_name(&result.path, result.app);
    match crate::snapshot::compare(&settings.dir, &name, &result.title(), &doc, settings.mode) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(
                "cannot compare the snapshot {name} in {}: {e}",
                settings.dir.display()
            );
            crate::snapshot::SnapshotVerdict::Missing {
                file: settings.dir.join(name),
                pending: None,
            }
        }
    }
}

/// Runs every job with at most `jobs` at once; reporters see each result as it completes,
/// with its snapshot verdict when `snapshots` is given.
pub async fn run_jobs(
    plan: Vec<Job>,
    target: &Arc<Target>,
    options: OktaOptions,
    jobs: usize,
    target_label: &str,
    snapshots: Option<&SnapshotSettings>,
    reporters: &mut [Box<dyn Reporter>],
) -> RunResult {
    let started = Instant::now();
    let total = plan.len();
    for r in reporters.iter_mut() {
        r.on_event(&RunEvent::Started {
            total,
            target: target_label,
        });
    }
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let mut set = JoinSet::new();
    let mut results: Vec<Option<ScenarioResult>> = vec![None; total];
    for (index, job) in plan.into_iter().enumerate() {
        if let Some(reason) = job.skip {
            let skipped = ScenarioResult {
                name: job.scenario.name.clone(),
                path: job.scenario.path.clone(),
                app: job.app,
                run_token: run_token(),
                status: Status::Skipped,
                skip_reason: Some(reason),
                steps: vec![],
                duration_ms: 0.0,
                base_url: String::new(),
                aliases: vec![],
                snapshot: None,
            };
            for r in reporters.iter_mut() {
                r.on_event(&RunEvent::ScenarioFinished(&skipped));
            }
            results[index] = Some(skipped);
            continue;
        }
        let target = target.clone();
        let permits = permits.clone();
        let snapshots = snapshots.cloned();
        set.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = permits.acquire_owned().await.ok();
            let mut result = match target.connect().await {
                Ok(connection) => {
                    let r = run_scenario(&job.scenario, job.app, &connection.client, options).await;
                    connection.close().await;
                    r
                }
                Err(e) => not_started(&job, e.to_string()),
            };
            if let Some(settings) = &snapshots {
                result.snapshot = Some(snapshot_verdict(
                    &result,
                    settings,
                    &job.scenario_redactions(),
                ));
            }
            (index, result)
        });
    }
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((index, result)) => {
                for r in reporters.iter_mut() {
                    r.on_event(&RunEvent::ScenarioFinished(&result));
                }
                results[index] = Some(result);
            }
            Err(e) => tracing::error!("a scenario task failed: {e}"),
        }
    }
    let run = RunResult {
        target: target_label.to_string(),
        scenarios: results.into_iter().flatten().collect(),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    for r in reporters.iter_mut() {
        r.on_event(&RunEvent::Finished(&run));
    }
    run
}
