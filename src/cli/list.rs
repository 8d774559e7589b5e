//! `okscim list`: what would run.

use std::path::PathBuf;

use okscim_reference_server::Profile;

use crate::exit;
use crate::runner::plan;

/// Options of `okscim list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Scenario files or folders (default: `./scenarios` if it exists, else the scenarios built
    /// into okscim).
    pub paths: Vec<PathBuf>,
    /// The target's profile (tailnet scenarios are skipped otherwise).
    #[arg(long, value_enum, default_value_t = Profile::Rfc)]
    pub profile: Profile,
    /// The same selection `run` takes: preview a shard or a tag before running it.
    #[command(flatten)]
    pub select: super::run::SelectArgs,
    /// Print the planned runs as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Prints one line per planned scenario run.
pub fn run(args: &ListArgs) -> u8 {
    let (scenarios, selection) = match super::load_selected(&args.paths, &args.select) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let jobs = plan(&scenarios, &selection, args.profile);
    if args.json {
        let runs: Vec<serde_json::Value> = jobs
            .iter()
            .map(|job| {
                serde_json::json!({
                    "name": job.scenario.name,
                    "app": job.app.as_str(),
                    "path": job.scenario.path.display().to_string(),
                    "steps": job.scenario.steps.len(),
                    "tags": job.scenario.tags,
                    "skip": job.skip,
                })
            })
            .collect();
        let out = serde_json::json!({ "runs": runs, "files": scenarios.len() });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return exit::OK;
    }
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
