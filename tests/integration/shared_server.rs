//! Snapshots that hold against a server that keeps its data (a team's staging server): the
//! bundled suite run five times against one server that other runs, other scenarios and other
//! teams fill with unrelated resources between the runs gives the same snapshots every time.
//! Without the scoping of docs/snapshots.md ("What a snapshot is about"), list and import answers
//! listed the other resources and their counts, and the second run differed.

use std::path::Path;
use std::sync::Arc;

use okscim::http::{Auth, Secret};
use okscim::runner::{RunResult, Scheduler, Selection, SnapshotSettings, plan};
use okscim::snapshot::{SnapshotVerdict, UpdateMode};
use okscim::target::{Target, TargetOptions, TargetSpec};
use serde_json::json;

use crate::fake_scim::{self, IdFormat};

/// Creates users and groups that no scenario knows (`batch` keeps their names apart).
async fn seed_unrelated(base: &str, token: &str, batch: usize, count: usize) {
    let http = reqwest::Client::new();
    for i in 0..count {
        let name = format!("unrelated{batch}x{i}");
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("{name}@elsewhere.test"),
            "name": {"givenName": "Un", "familyName": name},
            "emails": [{"value": format!("{name}@elsewhere.test"), "primary": true}],
            "active": i % 3 != 0,
        });
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": format!("Team {name}"),
        });
        for (path, body) in [("Users", user), ("Groups", group)] {
            let status = http
                .post(format!("{base}/{path}"))
                .bearer_auth(token)
                .header("content-type", "application/scim+json")
                .body(body.to_string())
                .send()
                .await
                .expect("the seed request is answered")
                .status();
            assert!(status.is_success(), "seeding {path}: {status}");
        }
    }
}

/// The scenario runs whose snapshot did not match, with what changed.
fn unmatched(run: &RunResult) -> Vec<String> {
    run.scenarios
        .iter()
        .filter_map(|s| match &s.snapshot {
            Some(SnapshotVerdict::Matched { .. }) | None => None,
            Some(SnapshotVerdict::Changed { changes, .. }) => Some(format!(
                "{}: {}",
                s.title(),
                okscim::snapshot::render_changes(changes)
            )),
            Some(other) => Some(format!("{}: {other:?}", s.title())),
        })
        .collect()
}

async fn five_runs(
    target: &Arc<Target>,
    selection: &Selection,
    dir: &Path,
    reseed: impl AsyncFn(usize),
) -> usize {
    let scenarios: Vec<_> = okscim::scenario::load_bundled()
        .expect("bundled scenarios load")
        .into_iter()
        .map(Arc::new)
        .collect();
    let mut compared = 0;
    for run_no in 0..5 {
        let jobs = plan(&scenarios, selection, target.profile);
        let mode = if run_no == 0 {
            UpdateMode::Always
        } else {
            UpdateMode::No
        };
        let run = Scheduler::new(jobs, target)
            .jobs(2)
            .snapshots(Some(SnapshotSettings {
                dir: dir.to_path_buf(),
                mode,
            }))
            .run(&mut [])
            .await;
        let failed: Vec<String> = run
            .scenarios
            .iter()
            .filter(|s| s.status == okscim::runner::Status::Failed)
            .map(okscim::report::failure_text)
            .collect();
        assert!(failed.is_empty(), "run {}: {failed:#?}", run_no + 1);
        if run_no > 0 {
            let differ = unmatched(&run);
            assert!(
                differ.is_empty(),
                "run {} differs from the first:\n{}",
                run_no + 1,
                differ.join("\n")
            );
            compared += run
                .scenarios
                .iter()
                .filter(|s| s.snapshot.is_some())
                .count();
        }
        reseed(run_no + 1).await;
    }
    compared
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_suite_snapshots_the_same_five_times_on_one_server_that_keeps_its_data() {
    let server = okscim_reference_server::spawn(Default::default())
        .await
        .expect("the server starts");
    let (base, token) = (server.base_url.clone(), server.token.clone());
    seed_unrelated(&base, &token, 0, 40).await;
    let target = Arc::new(
        Target::open(
            TargetSpec::Url {
                url: base.clone(),
                auth: Auth::Bearer(Secret::new(token.clone())),
                secret_env: None,
            },
            &TargetOptions::default(),
        )
        .await
        .expect("a target"),
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let compared = five_runs(&target, &Selection::default(), dir.path(), async |batch| {
        seed_unrelated(&base, &token, batch, 15).await;
    })
    .await;
    // Every bundled rfc-profile run, four times.
    assert!(compared >= 4 * 60, "{compared}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_hold_on_another_server_seeded_with_unrelated_resources() {
    let (_server, base) = fake_scim::start(IdFormat::Integer).await;
    seed_unrelated(&base, "t", 0, 25).await;
    let target = Arc::new(
        Target::open(
            TargetSpec::Url {
                url: base.clone(),
                auth: Auth::Bearer(Secret::new("t")),
                secret_env: None,
            },
            &TargetOptions::default(),
        )
        .await
        .expect("a target"),
    );
    // The scenarios whose lists other data changes: Okta's test connection and its imports,
    // and the lifecycle flows beside them.
    let selection = Selection {
        tags: vec!["import".into(), "connection".into(), "push".into()],
        ..Default::default()
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let compared = five_runs(&target, &selection, dir.path(), async |batch| {
        seed_unrelated(&base, "t", batch, 10).await;
    })
    .await;
    assert!(compared >= 4 * 4, "{compared}");
}
