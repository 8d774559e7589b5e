//! Runs the planned scenario runs in parallel (`--jobs`), steps in order within each, and
//! emits events as they finish. Every planned run ends in the results: a run whose task panics
//! or is cancelled is reported failed with the reason, never dropped.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::http::ScimClient;
use crate::okta::OktaOptions;
use crate::runner::events::{Reporter, RunEvent};
use crate::runner::execute::{run_scenario_gated, run_token};
use crate::runner::gate::StepGate;
use crate::runner::interrupt::StopFlag;
use crate::runner::plan::Job;
use crate::runner::result::{RunError, RunResult, ScenarioResult, Status};
use crate::target::Target;

/// A result with no steps, for a run that did not get to run its steps.
fn unfinished(
    job: &Job,
    status: Status,
    error: Option<RunError>,
    skip: Option<String>,
) -> ScenarioResult {
    ScenarioResult {
        name: job.scenario.name.clone(),
        path: job.scenario.path.clone(),
        app: job.app,
        run_token: run_token(),
        status,
        skip_reason: skip,
        error,
        steps: vec![],
        duration_ms: 0.0,
        base_url: String::new(),
        aliases: vec![],
        snapshot: None,
        interrupted: None,
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
    let doc = crate::snapshot::transcript(result, redactions);
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

/// A boxed future of one scenario run's result.
pub type RunFuture = Pin<Box<dyn Future<Output = ScenarioResult> + Send>>;

/// What runs one planned scenario run on a client: the scenario's steps by default; tests put
/// their own here (for example one that panics, to show the run is still reported).
pub type Executor = Arc<dyn Fn(Job, ScimClient, OktaOptions, StepGate) -> RunFuture + Send + Sync>;

fn default_executor() -> Executor {
    Arc::new(
        |job: Job, client: ScimClient, options: OktaOptions, gate: StepGate| {
            Box::pin(async move {
                run_scenario_gated(&job.scenario, job.app, &client, options, &gate).await
            }) as RunFuture
        },
    )
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

/// Runs planned scenario runs: a builder of the run's settings, then [`Scheduler::run`].
pub struct Scheduler {
    plan: Vec<Job>,
    target: Arc<Target>,
    options: OktaOptions,
    jobs: usize,
    label: String,
    snapshots: Option<SnapshotSettings>,
    executor: Executor,
    stop: StopFlag,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("planned", &self.plan.len())
            .field("jobs", &self.jobs)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    /// The runs of `plan` against `target`, one at a time, with Okta's default options.
    pub fn new(plan: Vec<Job>, target: &Arc<Target>) -> Self {
        Scheduler {
            plan,
            label: target.label.clone(),
            target: target.clone(),
            options: OktaOptions::default(),
            jobs: 1,
            snapshots: None,
            executor: default_executor(),
            stop: StopFlag::never(),
        }
    }

    /// Stops the run when `stop` is set: no run starts after it, and the runs in flight end at
    /// once, marked interrupted, with the steps they finished.
    pub fn stop_flag(mut self, stop: StopFlag) -> Self {
        self.stop = stop;
        self
    }

    /// Okta's options.
    pub fn okta(mut self, options: OktaOptions) -> Self {
        self.options = options;
        self
    }

    /// At most `jobs` runs at once (at least 1).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// The target's description in reports.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Compare each result with its stored snapshot.
    pub fn snapshots(mut self, settings: Option<SnapshotSettings>) -> Self {
        self.snapshots = settings;
        self
    }

    /// Replaces what runs each scenario run (for the harness's own tests).
    pub fn executor(mut self, executor: Executor) -> Self {
        self.executor = executor;
        self
    }

    /// Runs every job; reporters see each result as it completes, with its snapshot verdict
    /// when snapshots are compared. Every planned run is in the result, in plan order.
    pub async fn run(self, reporters: &mut [Box<dyn Reporter>]) -> RunResult {
        let started = Instant::now();
        let total = self.plan.len();
        for r in reporters.iter_mut() {
            r.on_event(&RunEvent::Started {
                total,
                target: &self.label,
            });
        }
        let permits = Arc::new(Semaphore::new(self.jobs));
        // One gate for the whole run: a shared target sees every scenario's writes, so an
        // import waits until no other scenario is in the middle of a step, and holds the others
        // off while it pages. An embedded target is a fresh server per run: no gate needed.
        let gate = if self.target.is_shared() {
            StepGate::shared()
        } else {
            StepGate::none()
        }
        .with_stop(self.stop.clone());
        let mut set = JoinSet::new();
        let mut tasks: HashMap<tokio::task::Id, usize> = HashMap::new();
        let mut results: Vec<Option<ScenarioResult>> = vec![None; total];
        let mut planned: Vec<Option<Job>> = Vec::with_capacity(total);
        for (index, job) in self.plan.into_iter().enumerate() {
            if let Some(reason) = job.skip.clone() {
                let skipped = unfinished(&job, Status::Skipped, None, Some(reason));
                for r in reporters.iter_mut() {
                    r.on_event(&RunEvent::ScenarioFinished(&skipped));
                }
                results[index] = Some(skipped);
                planned.push(None);
                continue;
            }
            planned.push(Some(job.clone()));
            let target = self.target.clone();
            let permits = permits.clone();
            let snapshots = self.snapshots.clone();
            let executor = self.executor.clone();
            let gate = gate.clone();
            let options = self.options;
            let handle = set.spawn(async move {
                // The semaphore is never closed, so acquiring cannot fail.
                let _permit = tokio::select! {
                    biased;
                    signal = gate.stopped() => {
                        let mut result = unfinished(
                            &job,
                            Status::Skipped,
                            None,
                            Some(format!("interrupted by {signal} before it started")),
                        );
                        result.interrupted = Some(signal);
                        return (index, result);
                    }
                    permit = permits.acquire_owned() => permit.ok(),
                };
                let redactions = job.scenario_redactions();
                let mut result = match target.connect().await {
                    Ok(connection) => {
                        let client = connection.client.clone();
                        let r = executor(job.clone(), client, options, gate).await;
                        connection.close().await;
                        r
                    }
                    Err(e) => unfinished(
                        &job,
                        Status::Failed,
                        Some(RunError::NotStarted(e.to_string())),
                        None,
                    ),
                };
                // A transcript cut short is not compared: it would differ for that reason only.
                if let Some(settings) = snapshots.as_ref().filter(|_| result.interrupted.is_none())
                {
                    result.snapshot = Some(snapshot_verdict(&result, settings, &redactions));
                }
                (index, result)
            });
            tasks.insert(handle.id(), index);
        }
        while let Some(joined) = set.join_next_with_id().await {
            let (index, result) = match joined {
                Ok((_, (index, result))) => (index, result),
                Err(e) => {
                    let Some(&index) = tasks.get(&e.id()) else {
                        tracing::error!("a scenario task that was never planned ended: {e}");
                        continue;
                    };
                    let error = if e.is_panic() {
                        RunError::Panicked(panic_message(e.into_panic().as_ref()))
                    } else {
                        RunError::Cancelled
                    };
                    let Some(job) = planned[index].as_ref() else {
                        continue;
                    };
                    (index, unfinished(job, Status::Failed, Some(error), None))
                }
            };
            for r in reporters.iter_mut() {
                r.on_event(&RunEvent::ScenarioFinished(&result));
            }
            results[index] = Some(result);
        }
        let run = RunResult {
            target: self.label.clone(),
            scenarios: results.into_iter().flatten().collect(),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            interrupted: self.stop.get(),
        };
        debug_assert_eq!(run.scenarios.len(), total);
        for r in reporters.iter_mut() {
            r.on_event(&RunEvent::Finished(&run));
        }
        run
    }
}

/// Runs every job with at most `jobs` at once (a shorthand for [`Scheduler`]).
pub async fn run_jobs(
    plan: Vec<Job>,
    target: &Arc<Target>,
    options: OktaOptions,
    jobs: usize,
    target_label: &str,
    snapshots: Option<&SnapshotSettings>,
    reporters: &mut [Box<dyn Reporter>],
) -> RunResult {
    Scheduler::new(plan, target)
        .okta(options)
        .jobs(jobs)
        .label(target_label)
        .snapshots(snapshots.cloned())
        .run(reporters)
        .await
}
