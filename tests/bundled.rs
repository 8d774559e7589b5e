//! The bundled scenarios (`scenarios/**`) against the embedded reference server, one test per
//! scenario file, and their transcripts snapshot-tested with insta in `snapshots/`.
//!
//! For each app kind the scenario runs under, every file runs on a fresh embedded server:
//!
//! - an untagged scenario runs under the `rfc` profile and again under `tailnet`: it must pass
//!   in both, and the tailnet profile must not change its transcript (its rules only bite on
//!   what the tailnet scenarios do). The `rfc` transcript is the snapshot.
//! - a scenario tagged `tailnet` runs under `tailnet` only, and that transcript is the snapshot.
//!
//! Snapshots are named like the CLI's (`groups__rename__oin.snap`), so `cargo insta review` from
//! the repository root reviews them; with `CI=true` a missing or changed snapshot fails.
//! Regenerate with `INSTA_UPDATE=always cargo test --test bundled`, then read every changed
//! `.snap` before committing it: a snapshot is a claim about correct behaviour.

use std::path::Path;

use okscim::okta::{AppKind, OktaOptions};
use okscim::runner::{ScenarioResult, Status, run_scenario};
use okscim::scenario::{self, Scenario};
use okscim::snapshot::{snapshot_file_name, text_diff, transcript};
use okscim::target::{Target, TargetOptions, TargetSpec};
use okscim_reference_server::{Faults, Profile, Variants};
use serde_json::Value;

fn app_kind(app: scenario::AppKind) -> AppKind {
    match app {
        scenario::AppKind::Oin => AppKind::Oin,
        scenario::AppKind::Aiw => AppKind::Aiw,
    }
}

fn profile_name(profile: Profile) -> &'static str {
    match profile {
        Profile::Rfc => "rfc",
        Profile::Tailnet => "tailnet",
    }
}

/// Runs `scenario` under `app` on a fresh embedded server with `profile`.
async fn run_once(
    scenario: &Scenario,
    app: AppKind,
    profile: Profile,
) -> Result<ScenarioResult, String> {
    let options = TargetOptions {
        profile,
        ..TargetOptions::default()
    };
    let target = Target::open(
        TargetSpec::Embedded {
            faults: Faults::default(),
            variants: Variants::default(),
        },
        &options,
    )
    .await
    .map_err(|e| format!("cannot start the embedded server: {e}"))?;
    let connection = target
        .connect()
        .await
        .map_err(|e| format!("cannot connect to the embedded server: {e}"))?;
    let result = run_scenario(scenario, app, &connection.client, OktaOptions::default()).await;
    connection.close().await;
    Ok(result)
}

fn redacted_transcript(result: &ScenarioResult) -> Value {
    transcript(result, &[])
}

fn pretty(value: &Value) -> String {
    // Serializing a serde_json::Value cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Why a scenario file failed, printed as is (the harness prints errors with `{:?}`, which would
/// escape the report's newlines).
struct Failure(String);

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// One snapshot to check: its name (without `.snap`), its description and its contents.
struct Snapshot {
    name: String,
    description: String,
    contents: String,
}

fn bundled_scenario(path: &Path) -> datatest_stable::Result<()> {
    let scenario = scenario::load(path)
        .map_err(|e| Failure(format!("{} does not load:\n{e}", path.display())))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let profiles: &[Profile] = if scenario.requires_tailnet() {
        &[Profile::Tailnet]
    } else {
        &[Profile::Rfc, Profile::Tailnet]
    };
    let mut failures = Vec::new();
    let mut snapshots = Vec::new();
    for app in scenario.apps.iter().copied().map(app_kind) {
        let mut snapshot: Option<Value> = None;
        for &profile in profiles {
            let result = runtime
                .block_on(run_once(&scenario, app, profile))
                .map_err(Failure)?;
            let title = format!(
                "{} under the {} profile",
                result.title(),
                profile_name(profile)
            );
            if result.status != Status::Passed {
                failures.push(format!(
                    "{title} failed:\n{}",
                    okscim::report::failure_text(&result)
                ));
                continue;
            }
            let doc = redacted_transcript(&result);
            match &snapshot {
                None => {
                    snapshots.push(Snapshot {
                        name: snapshot_file_name(path, app).trim_end_matches(".snap").to_string(),
                        description: format!("{title}: {}", path.display()),
                        contents: pretty(&doc),
                    });
                    snapshot = Some(doc);
                }
                Some(first) if *first != doc => failures.push(format!(
                    "{title}: the transcript differs from the {} profile's; an untagged scenario must \
                     behave the same under every profile (tag it `tailnet` if it checks tailnet \
                     behaviour):\n{}",
                    profile_name(profiles[0]),
                    text_diff(&pretty(first), &pretty(&doc))
                )),
                Some(_) => {}
            }
        }
    }
    if !failures.is_empty() {
        return Err(Box::new(Failure(failures.join("\n"))));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(Path::new(env!("CARGO_MANIFEST_DIR")).join(path));
    for s in snapshots {
        settings.set_description(s.description);
        settings.bind(|| insta::assert_snapshot!(s.name.as_str(), s.contents));
    }
    Ok(())
}

datatest_stable::harness! {
    { test = bundled_scenario, root = "scenarios", pattern = r"\.ya?ml$" },
}
