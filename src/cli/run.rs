//! `okscim run`: load scenarios, open the target, run, report, exit with a documented code.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use okscim_reference_server::{Fault, Faults, Profile, Variant, Variants};

use crate::errors::HarnessError;
use crate::exit;
use crate::http::{Auth, Secret};
use crate::okta::ratelimit::RetryClock;
use crate::okta::{AppKind, FilterEncoding, HeaderStyle, ImportPaging, OktaOptions, PasswordPatch};
use crate::report::TerminalReporter;
use crate::runner::{
    Reporter, Scheduler, Selection, SnapshotSettings, parse_partition, plan, stop_channel,
    stop_on_signals,
};
use crate::snapshot::UpdateMode;
use crate::target::{Target, TargetOptions, TargetSpec};

/// Which scenario runs `run` makes and `list` shows.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelectArgs {
    /// Run only this Okta app kind (default: each kind the scenario lists).
    #[arg(long, value_enum)]
    pub okta_app: Option<AppKind>,
    /// Run only scenarios with one of these tags (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Run only scenarios whose name or path contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Run only part K of N of the planned runs (CI sharding), e.g. `1/4`.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<String>,
}

impl SelectArgs {
    /// The selection, or why the options are wrong.
    pub fn selection(&self) -> Result<Selection, String> {
        let partition = self.partition.as_deref().map(parse_partition).transpose()?;
        Ok(Selection {
            tags: self.tags.clone(),
            filter: self.filter.clone(),
            apps: self.okta_app.into_iter().collect(),
            partition,
        })
    }
}

/// Options of `okscim run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Scenario files or folders (default: `./scenarios` if it exists, else the scenarios built
    /// into okscim).
    pub paths: Vec<PathBuf>,
    /// Where requests go and how they authenticate.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Which scenario runs.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Scenario runs at once (default: the number of CPUs).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Filter encoding of spaces: `percent` (%20, Okta's current reference) or `plus`.
    #[arg(long, value_enum, default_value_t = FilterEncoding::Percent)]
    pub filter_encoding: FilterEncoding,
    /// Header set: `current` (confirmed today) or `okta2019` (adds Accept-Encoding,
    /// Connection, Content-Type on DELETE; unconfirmed today).
    #[arg(long, value_enum, default_value_t = HeaderStyle::Current)]
    pub okta_headers: HeaderStyle,
    /// Do not send the observed `{id, displayName}` replace right after an OIN group push.
    #[arg(long)]
    pub no_reconcile_after_push: bool,
    /// Send Push Now on an OIN app as the observed path-less replace of `{id, displayName,
    /// members}` instead of the documented `replace` of `members`.
    #[arg(long)]
    pub pathless_push_now: bool,
    /// The OIN password sync PATCH: `pathless` (`{"password": …}`, the default) or `path`
    /// (`path: password`); Okta documents that it PATCHes, not the body.
    #[arg(long, value_enum, default_value_t = PasswordPatch::Pathless)]
    pub password_patch: PasswordPatch,
    /// Where an import goes on after a page shorter than the 100 asked for: `follow-short-pages`
    /// (from where it ended, the default) or `fixed` (100 further; undocumented either way).
    #[arg(long, value_enum, default_value_t = ImportPaging::FollowShortPages)]
    pub import_paging: ImportPaging,
    /// Okta's requests in flight at once for the app, where an action sends several at once
    /// (`add-members` with `concurrently: true`). Okta's figure is unconfirmed; 1 sends them
    /// one at a time.
    #[arg(long, value_name = "N", default_value_t = crate::okta::DEFAULT_CONCURRENCY)]
    pub okta_concurrency: usize,
    /// Okta's waits after a 429 are spent for real (5 minutes, doubling; up to hours): by
    /// default they are recorded and slept for at most --max-real-wait each.
    #[arg(long)]
    pub real_time: bool,
    /// Without --real-time, the longest real sleep per retry after a 429, in seconds (enough
    /// for a server's own short rate window to pass; the rest of Okta's wait is recorded only).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 10.0,
        conflicts_with = "real_time"
    )]
    pub max_real_wait: f64,
    /// Compare each scenario's transcript with its stored snapshot in DIR (default: a folder
    /// derived from the target, see docs/snapshots.md).
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub snapshots: Option<Option<PathBuf>>,
    /// When snapshots are written: `no`, `new` (.snap.new for review) or `always`. Default:
    /// `no` when the CI environment variable is set, `new` otherwise.
    #[arg(long, value_enum, value_name = "MODE")]
    pub update_snapshots: Option<UpdateMode>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report (the whole run as data) here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Show advisory findings of passing steps too.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Where to send requests and how to authenticate.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// SCIM base URL of the server under test (default: the embedded reference server).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Environment variable holding a bearer token (`Authorization: Bearer <token>`).
    #[arg(long, value_name = "VAR", conflicts_with_all = ["header_env", "basic"])]
    pub token_env: Option<String>,
    /// Environment variable holding the raw Authorization value (Okta's Header auth).
    #[arg(long, value_name = "VAR", conflicts_with = "basic")]
    pub header_env: Option<String>,
    /// Basic auth user (the password comes from --password-env).
    #[arg(long, value_name = "USER", requires = "password_env")]
    pub basic: Option<String>,
    /// Environment variable holding the Basic auth password.
    #[arg(long, value_name = "VAR", requires = "basic")]
    pub password_env: Option<String>,
    /// The app profile the target implements; `tailnet` also runs the tailnet scenarios.
    #[arg(long, value_enum, default_value_t = Profile::Rfc)]
    pub profile: Profile,
    /// Per-request timeout in seconds (Okta's is 60).
    #[arg(long, default_value_t = 60.0)]
    pub timeout: f64,
    /// Connect timeout in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Largest response body read, in bytes (`K`, `M` or `MiB`-style suffixes allowed); a
    /// larger answer fails its step, naming the cap.
    #[arg(long, value_name = "BYTES", default_value = "16MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Accept invalid TLS certificates.
    #[arg(long)]
    pub insecure: bool,
    /// Trust this extra CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Embedded target only: switch on a reference-server fault (self-test of the harness).
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Embedded target only: switch on a reference-server variant, a legal behaviour Okta
    /// accepts (self-test of the harness; `okscim serve --variant list` prints them).
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
}

/// `1024`, `64K`, `16M`, `16MiB`, `1G` (binary multiples).
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let n: usize = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 1048576, 512K, 16M)"))?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?} (use K, M or G)")),
    };
    n.checked_mul(factor)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("{text:?} is not a usable size"))
}

fn secret_from_env(var: &str) -> Result<Secret, String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
        Ok(_) => Err(format!("environment variable {var} is empty")),
        Err(_) => Err(format!(
            "environment variable {var} is not set (secrets are read from the environment only)"
        )),
    }
}

impl TargetArgs {
    /// Opens the target the options name.
    pub async fn open(&self) -> Result<Arc<Target>, HarnessError> {
        let (spec, options) = self.resolve().map_err(HarnessError::Usage)?;
        if let TargetSpec::Url {
            auth: Auth::None,
            url,
            ..
        } = &spec
        {
            eprintln!(
                "warning: no credentials for {url}: requests carry no Authorization header, which Okta always sends; give --token-env VAR, --header-env VAR or --basic USER --password-env VAR"
            );
        }
        Target::open(spec, &options).await.map(Arc::new)
    }

    /// The target spec and options.
    pub fn resolve(&self) -> Result<(TargetSpec, TargetOptions), String> {
        let options = TargetOptions {
            profile: self.profile,
            timeout: Duration::from_secs_f64(self.timeout.max(0.001)),
            connect_timeout: Duration::from_secs_f64(self.connect_timeout.max(0.001)),
            insecure: self.insecure,
            ca_file: self.ca_file.clone(),
            max_body: self.max_body,
        };
        let spec = match &self.target {
            None => {
                if self.token_env.is_some() || self.header_env.is_some() || self.basic.is_some() {
                    return Err(
                        "auth flags need --target URL (the embedded server makes its own token)"
                            .into(),
                    );
                }
                let faults: Faults = self
                    .faults
                    .iter()
                    .map(|f| f.parse::<Fault>().map_err(|e| e.to_string()))
                    .collect::<Result<_, _>>()?;
                let variants: Variants = self
                    .variants
                    .iter()
                    .map(|v| v.parse::<Variant>().map_err(|e| e.to_string()))
                    .collect::<Result<_, _>>()?;
                TargetSpec::Embedded { faults, variants }
            }
            Some(url) => {
                if !self.faults.is_empty() {
                    return Err("--fault applies to the embedded server only".into());
                }
                if !self.variants.is_empty() {
                    return Err("--variant applies to the embedded server only (run `okscim serve --variant NAME` to serve one)".into());
                }
                let (auth, secret_env) = if let Some(var) = &self.token_env {
                    (Auth::Bearer(secret_from_env(var)?), Some(var.clone()))
                } else if let Some(var) = &self.header_env {
                    (Auth::Header(secret_from_env(var)?), Some(var.clone()))
                } else if let (Some(user), Some(var)) = (&self.basic, &self.password_env) {
                    (
                        Auth::Basic {
                            user: user.clone(),
                            password: secret_from_env(var)?,
                        },
                        Some(var.clone()),
                    )
                } else if self.basic.is_some() {
                    return Err("--basic USER needs --password-env VAR (the environment variable holding the password)".into());
                } else {
                    (Auth::None, None)
                };
                TargetSpec::Url {
                    url: url.clone(),
                    auth,
                    secret_env,
                }
            }
        };
        Ok((spec, options))
    }
}

fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Why a selection runs nothing, with what would select something.
pub(crate) fn nothing_selected(
    scenarios: &[Arc<crate::scenario::Scenario>],
    selection: &Selection,
    jobs: &[crate::runner::Job],
) -> String {
    if scenarios.is_empty() {
        return "no scenario was found: name a scenario file or folder".to_string();
    }
    if let Some(why) = jobs.iter().find_map(|j| j.skip.as_deref()) {
        return format!(
            "every selected scenario run would be skipped ({why}): nothing would be checked"
        );
    }
    let mut given = Vec::new();
    if !selection.tags.is_empty() {
        let known: std::collections::BTreeSet<&str> = scenarios
            .iter()
            .flat_map(|s| s.tags.iter().map(String::as_str))
            .collect();
        given.push(format!(
            "--tags {} (the scenarios' tags: {})",
            selection.tags.join(","),
            known.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(f) = &selection.filter {
        given.push(format!("--filter {f:?} (matched against scenario names)"));
    }
    if !selection.apps.is_empty() {
        given.push(format!(
            "--okta-app {}",
            selection
                .apps
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    if let Some((k, n)) = selection.partition {
        given.push(format!("--partition {k}/{n}"));
    }
    format!(
        "no scenario run selected from {} scenario{}: {} select{} none; check the spelling, or run `okscim list` to see what there is",
        scenarios.len(),
        if scenarios.len() == 1 { "" } else { "s" },
        given.join(" and "),
        if given.len() == 1 { "s" } else { "" }
    )
}

/// Runs `okscim run`; returns the exit code.
pub async fn run(args: &RunArgs) -> u8 {
    // `--fault list` and `--variant list` print the embedded server's switches, as `serve` does.
    if args.target.faults.iter().any(|f| f == "list") {
        print!("{}", okscim_reference_server::faults::listing());
        return exit::OK;
    }
    if args.target.variants.iter().any(|v| v == "list") {
        print!("{}", okscim_reference_server::variants::listing());
        return exit::OK;
    }
    let (scenarios, selection) = match super::load_selected(&args.paths, &args.select) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let target = match args.target.open().await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let jobs = plan(&scenarios, &selection, target.profile);
    if jobs.iter().all(|j| j.skip.is_some()) {
        // A typo in a tag or filter must not turn a gate green.
        eprintln!("error: {}", nothing_selected(&scenarios, &selection, &jobs));
        return exit::USAGE;
    }
    let okta = OktaOptions {
        filter_encoding: args.filter_encoding,
        headers: args.okta_headers,
        reconcile_after_push: !args.no_reconcile_after_push,
        pathless_push_now: args.pathless_push_now,
        password_patch: args.password_patch,
        import_paging: args.import_paging,
        concurrency: args.okta_concurrency.max(1),
        retry_clock: if args.real_time {
            RetryClock::Real
        } else {
            RetryClock::Virtual {
                max_real_wait: Duration::from_secs_f64(args.max_real_wait.max(0.0)),
            }
        },
        ..OktaOptions::default()
    };
    let mut reporters: Vec<Box<dyn Reporter>> = vec![Box::new(TerminalReporter::new(
        target.curl_auth.clone(),
        args.verbose,
    ))];
    if crate::report::under_github_actions() {
        reporters.push(Box::new(crate::report::GithubAnnotations::stdout()));
    }
    let snapshots = args.snapshots.as_ref().map(|dir| SnapshotSettings {
        dir: match dir {
            Some(dir) => dir.clone(),
            None => {
                let profile = match target.profile {
                    Profile::Rfc => "rfc",
                    Profile::Tailnet => "tailnet",
                };
                crate::snapshot::default_dir(target.url.as_deref(), profile)
            }
        },
        mode: args
            .update_snapshots
            .unwrap_or_else(UpdateMode::default_for_env),
    });
    let (stopper, stop) = stop_channel();
    stop_on_signals(stopper);
    let result = Scheduler::new(jobs, &target)
        .okta(okta)
        .jobs(args.jobs.unwrap_or_else(default_jobs))
        .label(target.label.clone())
        .snapshots(snapshots)
        .stop_flag(stop)
        .run(&mut reporters)
        .await;
    if let Some(path) = &args.junit {
        let written = crate::report::junit_xml(&result).and_then(|xml| {
            std::fs::write(path, xml).map_err(|source| HarnessError::Write {
                path: path.display().to_string(),
                source,
            })
        });
        if let Err(e) = written {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    }
    if let Some(path) = &args.json
        && let Err(e) = std::fs::write(path, crate::report::json_report(&result))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return exit::USAGE;
    }
    if let Some(signal) = result.interrupted {
        exit::interrupted(signal)
    } else if result.target_unreachable() {
        exit::UNREACHABLE
    } else if result.counts().failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}
