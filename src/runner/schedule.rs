//! Runs the planned scenario runs in parallel (`--jobs`), steps in order within each, and
//! emits events as they finish.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::http::ScimClient;
use crate::okta::OktaOptions;
use crate::runner::events::{Reporter, RunEvent};
use crate::runner::execute::{run_scenario, run_token};
use crate::runner::plan::Job;
use crate::runner::result::{RunResult, ScenarioResult, Status};

/// Runs every job with at most `jobs` at once; reporters see each result as it completes.
pub async fn run_jobs(
    plan: Vec<Job>,
    client: &ScimClient,
    options: OktaOptions,
    jobs: usize,
    target_label: &str,
    reporters: &mut [Box<dyn Reporter>],
) -> RunResult {
    let started = Instant::now();
    let total = plan.len();
    for r in reporters.iter_mut() {
        r.on_event(&RunEvent::Started {
            total,
            target: target_label.to_string(),
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
            };
            for r in reporters.iter_mut() {
                r.on_event(&RunEvent::ScenarioFinished(Box::new(skipped.clone())));
            }
            results[index] = Some(skipped);
            continue;
        }
        let client = client.clone();
        let permits = permits.clone();
        set.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = permits.acquire_owned().await.ok();
            (index, run_scenario(&job.scenario, job.app, &client, options).await)
        });
    }
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((index, result)) => {
                for r in reporters.iter_mut() {
                    r.on_event(&RunEvent::ScenarioFinished(Box::new(result.clone())));
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
        r.on_event(&RunEvent::Finished(Box::new(run.clone())));
    }
    run
}
