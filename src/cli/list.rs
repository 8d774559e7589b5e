//! `okscim list`: what would run.

use std::path::PathBuf;
use std::sync::Arc;

use okscim_reference_server::Profile;

use crate::exit;
use crate::runner::{Selection, plan};

/// Options of `okscim list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Scenario files or folders (default: `./scenarios` if it exists, else the scenarios built
    /// into okscim).
    pub paths: Vec<PathBuf>,
    /// The target's profile (tailnet scenarios are skipped otherwise).
    #[arg(long, value_enum, default_value_t = Profile::Rfc)]
    pub profile: Profile,
}

/// Prints one line per planned scenario run.
pub fn run(args: &ListArgs) -> u8 {
    let scenarios = match super::load_scenarios(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            super::print_load_errors(e);
            return exit::USAGE;
        }
    };
    let scenarios: Vec<Arc<_>> = scenarios.into_iter().map(Arc::new).collect();
    let jobs = plan(&scenarios, &Selection::default(), args.profile);
    for job in &jobs {
        let tags = job.scenario.tags.join(",");
        let skip = job
            .skip
            .as_deref()
            .map(|s| format!("  (skipped: {s})"))
            .unwrap_or_default();
        println!(
            "{} [{}]  {}  {} steps  tags: {tags}{skip}",
            job.scenario.name,
            job.app.as_str(),
            job.scenario.path.display(),
            job.scenario.steps.len()
        );
    }
    println!(
        "{} from {}",
        crate::text::count_of(jobs.len(), "scenario run"),
        crate::text::count_of(scenarios.len(), "file")
    );
    exit::OK
}
