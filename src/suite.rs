//! Running okscim scenarios from Rust: a [`Suite`] names a target, its credentials and the
//! scenarios, runs them as `okscim run` would, and returns the results as data
//! ([`RunResult`]), for a `cargo test` of your own SCIM server to assert or snapshot.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! # let url = "http://127.0.0.1:8080/scim/v2".to_string();
//! # let token = std::env::var("MY_SCIM_TOKEN")?;
//! // example:start
//! use okscim::Suite;
//! use okscim::okta::AppKind;
//!
//! // Your server's SCIM base URL and a token for it.
//! let run = Suite::target(&url)
//!     .bearer(&token)
//!     .filter("users/create") // or .tags(["users"]); every bundled scenario without either
//!     .okta_app(AppKind::Oin)
//!     .run()
//!     .await?;
//! assert!(run.passed(), "{}", run.failure_report());
//! // One snapshot per scenario run: the conversation, ids and timestamps redacted.
//! for scenario in &run.scenarios {
//!     insta::assert_json_snapshot!(scenario.snapshot_name(), scenario.transcript());
//! }
//! // example:end
//! # Ok(()) }
//! ```
//!
//! Without [`Suite::scenarios`] the scenarios built into okscim run (the bundled suite); with
//! it, the YAML files and folders it names (`docs/scenario-format.md`). [`Suite::embedded`]
//! targets the bundled reference server instead of a URL.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use okscim_reference_server::Profile;

use crate::errors::{HarnessError, LoadError};
use crate::http::{Auth, Secret};
use crate::okta::{AppKind, OktaOptions};
use crate::runner::{RunResult, Scheduler, Selection, SnapshotSettings, plan};
use crate::scenario::Scenario;
use crate::snapshot::UpdateMode;
use crate::target::{Target, TargetOptions, TargetSpec};

/// Why a [`Suite`] could not run.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A scenario file could not be loaded (each problem with `file:line:column` and a fix).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The target could not be opened.
    #[error(transparent)]
    Target(#[from] HarnessError),
    /// The selection runs no scenario: a suite that checks nothing must not pass.
    #[error(
        "no scenario run selected from {available} scenarios (check the tags, filter and app kind)"
    )]
    NothingSelected {
        /// How many scenarios were loaded.
        available: usize,
    },
}

/// Scenarios to run against one target (a builder; [`Suite::run`] runs them).
#[derive(Debug, Clone)]
pub struct Suite {
    url: Option<String>,
    auth: Auth,
    options: TargetOptions,
    paths: Vec<PathBuf>,
    selection: Selection,
    okta: OktaOptions,
    jobs: usize,
    snapshots: Option<SnapshotSettings>,
}

impl Suite {
    fn new(url: Option<String>) -> Self {
        Suite {
            url,
            auth: Auth::None,
            options: TargetOptions::default(),
            paths: Vec::new(),
            selection: Selection::default(),
            okta: OktaOptions::default(),
            jobs: 1,
            snapshots: None,
        }
    }

    /// A SCIM server at `url` (its base URL, e.g. `http://127.0.0.1:8080/scim/v2`).
    pub fn target(url: impl AsRef<str>) -> Self {
        Suite::new(Some(url.as_ref().to_string()))
    }

    /// The bundled reference server, started afresh for every scenario run.
    pub fn embedded() -> Self {
        Suite::new(None)
    }

    /// Authenticates with `Authorization: Bearer <token>`.
    pub fn bearer(mut self, token: impl AsRef<str>) -> Self {
        self.auth = Auth::Bearer(Secret::new(token.as_ref().to_string()));
        self
    }

    /// Sends `value` verbatim as the Authorization header (Okta's Header auth).
    pub fn header_auth(mut self, value: impl AsRef<str>) -> Self {
        self.auth = Auth::Header(Secret::new(value.as_ref().to_string()));
        self
    }

    /// Authenticates with HTTP Basic.
    pub fn basic(mut self, user: impl Into<String>, password: impl AsRef<str>) -> Self {
        self.auth = Auth::Basic {
            user: user.into(),
            password: Secret::new(password.as_ref().to_string()),
        };
        self
    }

    /// Runs the scenario files and folders at `path` (repeatable) instead of the bundled ones.
    pub fn scenarios(mut self, path: impl Into<PathBuf>) -> Self {
        self.paths.push(path.into());
        self
    }

    /// Runs only scenarios with one of these tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.selection.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Runs only scenarios whose name or path contains `text`.
    pub fn filter(mut self, text: impl Into<String>) -> Self {
        self.selection.filter = Some(text.into());
        self
    }

    /// Runs only under this Okta app kind (default: each kind a scenario lists).
    pub fn okta_app(mut self, app: AppKind) -> Self {
        self.selection.apps = vec![app];
        self
    }

    /// The app profile the target implements (`tailnet` also runs the tailnet scenarios).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.options.profile = profile;
        self
    }

    /// The per-request timeout (Okta's is 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }

    /// How okscim plays Okta (filter encoding, header set, …).
    pub fn okta(mut self, options: OktaOptions) -> Self {
        self.okta = options;
        self
    }

    /// Scenario runs at once (default 1).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Compares each scenario run with a stored snapshot in `dir`, as `okscim run
    /// --snapshots DIR --update-snapshots MODE` does (the verdict is in each
    /// [`crate::runner::ScenarioResult::snapshot`]).
    pub fn snapshots(mut self, dir: impl Into<PathBuf>, mode: UpdateMode) -> Self {
        self.snapshots = Some(SnapshotSettings {
            dir: dir.into(),
            mode,
        });
        self
    }

    fn load(&self) -> Result<Vec<Scenario>, LoadError> {
        if self.paths.is_empty() {
            crate::scenario::load_bundled()
        } else {
            crate::scenario::load_all(&self.paths)
        }
    }

    /// Runs the scenarios; every planned run is in the result, skipped ones included.
    pub async fn run(self) -> Result<RunResult, SuiteError> {
        let scenarios: Vec<Arc<Scenario>> = self.load()?.into_iter().map(Arc::new).collect();
        let spec = match &self.url {
            None => TargetSpec::Embedded {
                faults: Default::default(),
                variants: Default::default(),
            },
            Some(url) => TargetSpec::Url {
                url: url.clone(),
                auth: self.auth.clone(),
                secret_env: None,
            },
        };
        let target = Arc::new(Target::open(spec, &self.options).await?);
        let jobs = plan(&scenarios, &self.selection, target.profile);
        if jobs.iter().all(|j| j.skip.is_some()) {
            return Err(SuiteError::NothingSelected {
                available: scenarios.len(),
            });
        }
        Ok(Scheduler::new(jobs, &target)
            .okta(self.okta)
            .jobs(self.jobs)
            .snapshots(self.snapshots)
            .run(&mut [])
            .await)
    }
}
