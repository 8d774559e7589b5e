//! `okscim diff`: the same scenarios against two targets, and where their redacted transcripts
//! and verdicts differ ("does my rewrite behave like production?", "does the customer's server
//! differ from the reference?"). Without `--target-b`, B is the embedded reference server.

use std::path::PathBuf;
use std::sync::Arc;

use crate::compare::{compare, render};
use crate::exit;
use crate::runner::{RunResult, Scheduler, plan, stop_channel, stop_on_signals};
use crate::target::Target;

use super::run::{SelectArgs, TargetArgs, nothing_selected};

/// B: where the second run goes and how it authenticates (the same options as A's, with `-b`).
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Target B")]
pub struct TargetBArgs {
    /// SCIM base URL of B (default: the embedded reference server).
    #[arg(long, value_name = "URL")]
    pub target_b: Option<String>,
    /// Environment variable holding B's bearer token.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["header_env_b", "basic_b"])]
    pub token_env_b: Option<String>,
    /// Environment variable holding B's raw Authorization value.
    #[arg(long, value_name = "VAR", conflicts_with = "basic_b")]
    pub header_env_b: Option<String>,
    /// B's Basic auth user (the password comes from --password-env-b).
    #[arg(long, value_name = "USER", requires = "password_env_b")]
    pub basic_b: Option<String>,
    /// Environment variable holding B's Basic auth password.
    #[arg(long, value_name = "VAR", requires = "basic_b")]
    pub password_env_b: Option<String>,
    /// Embedded B only: switch on a reference-server fault.
    #[arg(long = "fault-b", value_name = "NAME")]
    pub faults_b: Vec<String>,
    /// Embedded B only: switch on a reference-server variant.
    #[arg(long = "variant-b", value_name = "NAME")]
    pub variants_b: Vec<String>,
}

/// Options of `okscim diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// Scenario files or folders (default: `./scenarios` if it exists, else the scenarios built
    /// into okscim).
    pub paths: Vec<PathBuf>,
    /// A: where requests go and how they authenticate.
    #[command(flatten)]
    pub target: TargetArgs,
    /// B.
    #[command(flatten)]
    pub b: TargetBArgs,
    /// Which scenario runs.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Scenario runs at once against each target (default: the number of CPUs).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
}

impl DiffArgs {
    /// B's options as a target of its own: A's profile, timeouts and TLS settings, B's URL,
    /// credentials and switches.
    fn target_b(&self) -> TargetArgs {
        TargetArgs {
            target: self.b.target_b.clone(),
            token_env: self.b.token_env_b.clone(),
            header_env: self.b.header_env_b.clone(),
            basic: self.b.basic_b.clone(),
            password_env: self.b.password_env_b.clone(),
            faults: self.b.faults_b.clone(),
            variants: self.b.variants_b.clone(),
            ..self.target.clone()
        }
    }
}

async fn run_against(
    name: &str,
    target: &Arc<Target>,
    scenarios: &[Arc<crate::scenario::Scenario>],
    selection: &crate::runner::Selection,
    jobs: Option<usize>,
) -> RunResult {
    let planned = plan(scenarios, selection, target.profile);
    eprintln!(
        "running {} scenario runs against {name} ({})",
        planned.iter().filter(|j| j.skip.is_none()).count(),
        target.label
    );
    let (stopper, stop) = stop_channel();
    stop_on_signals(stopper);
    let mut scheduler = Scheduler::new(planned, target)
        .label(target.label.clone())
        .stop_flag(stop);
    if let Some(j) = jobs {
        scheduler = scheduler.jobs(j.max(1));
    }
    scheduler.run(&mut []).await
}

/// Runs `okscim diff`: exit 0 when nothing differs, 1 when something does.
pub async fn run(args: &DiffArgs) -> u8 {
    let (scenarios, selection) = match super::load_selected(&args.paths, &args.select) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let mut targets = Vec::new();
    for (name, options) in [("A", args.target.clone()), ("B", args.target_b())] {
        match options.open().await {
            Ok(t) => targets.push((name, t)),
            Err(e) => {
                eprintln!("error: target {name}: {e}");
                return exit::USAGE;
            }
        }
    }
    let probe = plan(&scenarios, &selection, targets[0].1.profile);
    if probe.iter().all(|j| j.skip.is_some()) {
        eprintln!(
            "error: {}",
            nothing_selected(&scenarios, &selection, &probe)
        );
        return exit::USAGE;
    }
    let mut results = Vec::new();
    for (name, target) in &targets {
        let result = run_against(name, target, &scenarios, &selection, args.jobs).await;
        if let Some(signal) = result.interrupted {
            eprintln!("interrupted: nothing compared");
            return exit::interrupted(signal);
        }
        results.push(result);
    }
    let comparison = compare(&results[0], &results[1]);
    if args.json {
        match serde_json::to_string_pretty(&comparison) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: cannot write the comparison as JSON: {e}");
                return exit::USAGE;
            }
        }
    } else {
        print!("{}", render(&comparison));
    }
    if comparison.differs() {
        exit::FAILED
    } else {
        exit::OK
    }
}
