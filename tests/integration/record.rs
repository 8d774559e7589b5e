//! `okscim record` and `okscim import-har` (issue 10): the bundled suite recorded through the proxy
//! in front of the reference server replays against a fresh one with the recorded transcripts;
//! each Okta action, recorded, is written back as that action; no written file holds a secret.

use std::path::Path;
use std::time::Duration;

use okscim::http::{Auth, ClientOptions, Redactor, ScimClient, Secret};
use okscim::okta::{AppKind, OktaOptions};
use okscim::record::{Proxy, ProxySettings, read_tape, write_recording};
use okscim::runner::{ScenarioResult, Status, run_scenario};
use okscim::scenario::{self, Scenario};
use okscim_reference_server::{Profile, RunningServer, ServerConfig};

async fn server(profile: Profile) -> RunningServer {
    okscim_reference_server::spawn(ServerConfig {
        profile,
        ..ServerConfig::default()
    })
    .await
    .expect("the reference server starts on 127.0.0.1")
}

fn client(base: &str, token: &str) -> ScimClient {
    ScimClient::new(
        base,
        Auth::Bearer(Secret::new(token)),
        &ClientOptions::default(),
        Redactor::default(),
    )
    .expect("a client")
}

fn profile_of(s: &Scenario) -> Profile {
    if s.requires_tailnet() {
        Profile::Tailnet
    } else {
        Profile::Rfc
    }
}

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a readable folder").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&p).expect("readable")).into_owned();
                out.push((p, text));
            }
        }
    }
    out
}

fn assert_no_secret(dir: &Path, secrets: &[&str]) {
    let all = files(dir);
    assert!(all.len() >= 3, "exchanges, scenario and snapshot: {all:?}");
    for (path, text) in all {
        for s in secrets {
            assert!(
                !text.contains(s),
                "{} holds the secret {s}",
                path.display()
            );
        }
    }
}

/// Records `scenario` run under `app` through the proxy in front of a fresh reference server;
/// returns the original run and the recording folder.
async fn record(scenario: &Scenario, app: AppKind) -> (ScenarioResult, tempfile::TempDir, String) {
    let upstream = server(profile_of(scenario)).await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let proxy = Proxy::start(
        "127.0.0.1:0",
        dir.path(),
        ProxySettings {
            upstream: upstream.base_url.clone(),
            max_requests: None,
            timeout: Duration::from_secs(60),
            insecure: false,
        },
    )
    .await
    .expect("the proxy starts");
    let via = client(&format!("http://{}", proxy.addr()), &upstream.token);
    let original = run_scenario(scenario, app, &via, OktaOptions::default()).await;
    let stopped = proxy.stop().await;
    assert!(stopped.write_errors.is_empty(), "{:?}", stopped.write_errors);
    (original, dir, upstream.token.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_suite_recorded_through_the_proxy_replays_with_the_recorded_transcripts() {
    let scenarios = scenario::load_bundled().expect("the bundled scenarios load");
    let mut problems = Vec::new();
    let mut runs = 0;
    let mut okta_steps = 0;
    let mut beside_scim = 0;
    let mut concurrent = 0;
    for s in &scenarios {
        // The tailnet admin API is beside the SCIM base URL, not below it: a proxy in front of
        // the SCIM base URL does not see it.
        if s.steps.iter().any(|st| {
            matches!(&st.kind, scenario::StepKind::Request(r) if r.from_root)
        }) {
            beside_scim += 1;
            continue;
        }
        // Requests sent at once are recorded in the order they arrived, and replayed one after
        // the other: the answers differ (docs/record.md says so).
        if s.steps.iter().any(|st| {
            matches!(
                &st.kind,
                scenario::StepKind::Okta(scenario::OktaAction::AddMembers {
                    concurrently: true,
                    ..
                })
            )
        }) {
            concurrent += 1;
            continue;
        }
        for &app in &s.apps {
            runs += 1;
            let label = format!("{} [{}]", s.path.display(), app.as_str());
            let (original, dir, token) = record(s, app).await;
            if original.status != Status::Passed {
                problems.push(format!(
                    "{label}: the original run through the proxy did not pass: {}",
                    super::checks_catch_faults::describe(&original)
                ));
                continue;
            }
            let tape = read_tape(dir.path()).expect("the tape reads").exchanges;
            let exchanges: usize = original.steps.iter().map(|st| st.exchanges.len()).sum();
            assert_eq!(tape.len(), exchanges, "{label}: every exchange is recorded");
            if tape.is_empty() {
                continue;
            }
            let written = write_recording(dir.path(), tape, false, "recording", "a test")
                .await
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            okta_steps += written.okta_steps;
            if let Some(m) = &written.mismatch {
                problems.push(format!("{label}: playback mismatch: {m}"));
                continue;
            }
            if let Some(why) = &written.fell_back {
                problems.push(format!("{label}: fell back to raw requests: {why}"));
            }
            assert_no_secret(dir.path(), &[&token]);
            // Replay against a fresh server: it passes, and its transcript is the recorded one.
            let loaded = scenario::load(&written.scenario).expect("the written scenario loads");
            let fresh = server(profile_of(s)).await;
            let replay = run_scenario(
                &loaded,
                app,
                &client(&fresh.base_url, &fresh.token),
                OktaOptions::default(),
            )
            .await;
            if replay.status != Status::Passed {
                problems.push(format!(
                    "{label}: the replay did not pass: {}",
                    super::checks_catch_faults::describe(&replay)
                ));
                continue;
            }
            let replayed = serde_json::to_string_pretty(&okscim::snapshot::transcript(&replay, &[]))
                .expect("JSON");
            let recorded = okscim::snapshot::read_contents(&written.snapshot)
                .expect("the snapshot reads")
                .expect("the snapshot exists");
            if replayed != recorded {
                problems.push(format!(
                    "{label}: the replay's transcript differs from the recorded one:\n{}",
                    okscim::snapshot::text_diff(&recorded, &replayed)
                ));
            }
        }
    }
    assert!(concurrent <= 2, "only the concurrent-membership scenarios are left out: {concurrent}");
    assert!(beside_scim <= 3, "only the tailnet admin API scenarios are left out: {beside_scim}");
    assert!(runs > 60, "every bundled scenario under each app kind: {runs}");
    assert!(okta_steps > 100, "Okta actions are recognised: {okta_steps}");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
