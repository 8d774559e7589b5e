//! Streamed statistics of a load run: a latency histogram per request kind, statuses, 429s and
//! Okta's waits, and failed tasks. Each exchange is counted and dropped; nothing grows with the
//! number of users but the few failure lines kept as examples.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::http::Exchange;
use crate::okta::{ActionRecord, Purpose};

/// Failed tasks kept as examples; the rest are counted.
const KEPT_FAILURES: usize = 20;

/// Latencies of one request kind, in microseconds.
#[derive(Debug, Clone)]
struct Kind {
    latency: Histogram<u64>,
    /// Answers by status; `None` for no answer.
    statuses: BTreeMap<Option<u16>, u64>,
}

impl Kind {
    fn new() -> Self {
        Kind {
            // 1 µs to 10 min at 3 significant digits: a few tens of KiB per kind. The bounds
            // are constants hdrhistogram accepts.
            latency: Histogram::new_with_bounds(1, MAX_MICROS, 3)
                .expect("constant histogram bounds are valid"),
            statuses: BTreeMap::new(),
        }
    }
}

/// The longest latency recorded (10 minutes), in microseconds; longer ones count as it.
const MAX_MICROS: u64 = 600_000_000;

/// The statistics of a whole run, or of one phase.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    kinds: BTreeMap<&'static str, Kind>,
    requests: u64,
    throttled: u64,
    okta_waited_secs: f64,
    tasks: u64,
    failed_tasks: u64,
    failures: Vec<String>,
}

/// The name of a request kind, from why Okta sent it: `create-user`, `patch-group`, ….
pub fn kind_name(purpose: &Purpose) -> &'static str {
    match purpose {
        Purpose::ConnectionProbe => "connection-probe",
        Purpose::ImportPage { .. } => "import-page",
        Purpose::ReadResourceTypes => "read-resource-types",
        Purpose::ReadSchemas { .. } => "read-schemas",
        Purpose::FindEntitlementTypes => "find-entitlement-types",
        Purpose::EntitlementPage { .. } => "entitlement-page",
        Purpose::FindUser { .. } => "find-user",
        Purpose::CreateUser { .. } => "create-user",
        Purpose::ReadUser { .. } => "read-user",
        Purpose::ReplaceUser { .. } => "replace-user",
        Purpose::SyncPassword { .. } => "sync-password",
        Purpose::SetUserActive { .. } => "set-user-active",
        Purpose::FindGroup { .. } => "find-group",
        Purpose::CreateGroup { .. } => "create-group",
        Purpose::ReadGroup { .. } => "read-group",
        Purpose::PatchGroup { .. } => "patch-group",
        Purpose::ReplaceGroup { .. } => "replace-group",
        Purpose::DeleteGroup { .. } => "delete-group",
        Purpose::Read => "read",
        Purpose::Raw => "raw",
        Purpose::Outside => "outside",
    }
}

impl Stats {
    /// Counts one exchange of `kind`.
    pub fn exchange(&mut self, kind: &'static str, exchange: &Exchange) {
        self.requests += 1;
        let entry = self.kinds.entry(kind).or_insert_with(Kind::new);
        let micros = (exchange.duration_ms * 1000.0).round().max(1.0) as u64;
        let _ = entry.latency.record(micros.min(MAX_MICROS));
        *entry.statuses.entry(exchange.status()).or_insert(0) += 1;
        if exchange.status() == Some(429) {
            self.throttled += 1;
        }
    }

    /// Counts one Okta task (an action): its exchanges, its waits, its failure.
    pub fn task(&mut self, label: &str, record: &ActionRecord) {
        self.tasks += 1;
        for (exchange, purpose) in record.exchanges.iter().zip(&record.purposes) {
            self.exchange(kind_name(purpose), exchange);
        }
        self.okta_waited_secs += record.okta_waited.as_secs_f64();
        if let Some(failure) = &record.failure {
            self.failed(format!("{label}: {failure}"));
        }
    }

    /// Counts a failed task.
    pub fn failed(&mut self, why: String) {
        self.failed_tasks += 1;
        if self.failures.len() < KEPT_FAILURES {
            self.failures.push(why);
        }
    }

    /// Adds another phase's statistics.
    pub fn merge(&mut self, other: &Stats) {
        for (name, kind) in &other.kinds {
            let entry = self.kinds.entry(name).or_insert_with(Kind::new);
            let _ = entry.latency.add(&kind.latency);
            for (status, n) in &kind.statuses {
                *entry.statuses.entry(*status).or_insert(0) += n;
            }
        }
        self.requests += other.requests;
        self.throttled += other.throttled;
        self.okta_waited_secs += other.okta_waited_secs;
        self.tasks += other.tasks;
        self.failed_tasks += other.failed_tasks;
        for f in &other.failures {
            if self.failures.len() < KEPT_FAILURES {
                self.failures.push(f.clone());
            }
        }
    }

    /// Requests sent.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Tasks that failed.
    pub fn failed_tasks(&self) -> u64 {
        self.failed_tasks
    }

    /// The summary as data.
    pub fn summary(&self, seconds: f64) -> StatsSummary {
        StatsSummary {
            requests: self.requests,
            seconds,
            requests_per_second: if seconds > 0.0 {
                self.requests as f64 / seconds
            } else {
                0.0
            },
            tasks: self.tasks,
            failed_tasks: self.failed_tasks,
            failures: self.failures.clone(),
            throttled: self.throttled,
            okta_waited_secs: self.okta_waited_secs,
            kinds: self
                .kinds
                .iter()
                .map(|(name, k)| KindSummary {
                    kind: name.to_string(),
                    requests: k.latency.len(),
                    p50_ms: k.latency.value_at_quantile(0.50) as f64 / 1000.0,
                    p90_ms: k.latency.value_at_quantile(0.90) as f64 / 1000.0,
                    p99_ms: k.latency.value_at_quantile(0.99) as f64 / 1000.0,
                    max_ms: k.latency.max() as f64 / 1000.0,
                    statuses: k
                        .statuses
                        .iter()
                        .map(|(s, n)| {
                            (
                                s.map_or_else(|| "no answer".to_string(), |s| s.to_string()),
                                *n,
                            )
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Latency percentiles and statuses of one request kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindSummary {
    /// `create-user`, `patch-group`, ….
    pub kind: String,
    /// Requests of this kind.
    pub requests: u64,
    /// Median latency.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Answers by status (`201`, `429`, `no answer`).
    pub statuses: BTreeMap<String, u64>,
}

/// The statistics of a run or a phase, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct StatsSummary {
    /// Requests sent (each 429 and its retry count).
    pub requests: u64,
    /// Wall time.
    pub seconds: f64,
    /// Throughput.
    pub requests_per_second: f64,
    /// Okta tasks (actions) run.
    pub tasks: u64,
    /// Tasks that failed, as Dashboard → Tasks would list them.
    pub failed_tasks: u64,
    /// The first failed tasks, with why.
    pub failures: Vec<String>,
    /// Answers 429.
    pub throttled: u64,
    /// How long Okta would have paused tasks after 429s, in all.
    pub okta_waited_secs: f64,
    /// Per request kind.
    pub kinds: Vec<KindSummary>,
}
