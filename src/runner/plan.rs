//! Which scenario runs happen: scenarios × app kinds, filtered by tags, name and partition.

use std::sync::Arc;

use okscim_reference_server::Profile;

use crate::okta::AppKind;
use crate::scenario::Scenario;

/// Selection options.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Run only scenarios with at least one of these tags.
    pub tags: Vec<String>,
    /// Run only scenarios whose name or path contains this text.
    pub filter: Option<String>,
    /// Run only the app kinds listed (all when empty).
    pub apps: Vec<AppKind>,
    /// `(k, n)`: run only every n-th planned run starting at the k-th (1-based), for CI sharding.
    pub partition: Option<(usize, usize)>,
}

/// One planned scenario run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// The app kind.
    pub app: AppKind,
    /// Why it will be skipped, if it will.
    pub skip: Option<String>,
}

/// The runs, in a stable order (scenario order, then oin before aiw).
pub fn plan(scenarios: &[Arc<Scenario>], selection: &Selection, profile: Profile) -> Vec<Job> {
    let mut jobs = Vec::new();
    for s in scenarios {
        if !selection.tags.is_empty() && !s.tags.iter().any(|t| selection.tags.contains(t)) {
            continue;
        }
        if let Some(f) = &selection.filter {
            let path = s.path.to_string_lossy();
            if !s.name.contains(f.as_str()) && !path.contains(f.as_str()) {
                continue;
            }
        }
        for app in s.apps.iter().copied() {
            if !selection.apps.is_empty() && !selection.apps.contains(&app) {
                continue;
            }
            let skip = (s.requires_tailnet() && profile != Profile::Tailnet).then(|| {
                "tagged tailnet; the target does not declare --profile tailnet".to_string()
            });
            jobs.push(Job {
                scenario: s.clone(),
                app,
                skip,
            });
        }
    }
    if let Some((k, n)) = selection.partition {
        jobs = jobs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, j)| j)
            .collect();
    }
    jobs
}

impl Job {
    /// The scenario's own JSONPath redactions for snapshots.
    pub fn scenario_redactions(&self) -> Vec<serde_json_path::JsonPath> {
        let no_vars = |_: &str| None::<String>;
        self.scenario
            .redact
            .iter()
            .filter_map(|p| p.resolve(&no_vars).ok())
            .collect()
    }
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_partition(text: &str) -> Result<(usize, usize), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("--partition {text:?}: expected K/N, e.g. 1/4"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| format!("--partition {text:?}: K is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("--partition {text:?}: N is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("--partition {text:?}: need 1 ≤ K ≤ N"));
    }
    Ok((k, n))
}
