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

/// The keys of a scenario's Okta actions, in order.
fn okta_keys(s: &Scenario) -> Vec<&'static str> {
    s.steps
        .iter()
        .filter_map(|st| match &st.kind {
            scenario::StepKind::Okta(a) => Some(a.key()),
            _ => None,
        })
        .collect()
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
                let text =
                    String::from_utf8_lossy(&std::fs::read(&p).expect("readable")).into_owned();
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
            assert!(!text.contains(s), "{} holds the secret {s}", path.display());
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
    let via = client(&proxy.base_url(), &upstream.token);
    let original = run_scenario(scenario, app, &via, OktaOptions::default()).await;
    let stopped = proxy.stop().await;
    assert!(
        stopped.write_errors.is_empty(),
        "{:?}",
        stopped.write_errors
    );
    (original, dir, upstream.token.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_suite_recorded_through_the_proxy_replays_with_the_recorded_transcripts() {
    let scenarios = scenario::load_bundled().expect("the bundled scenarios load");
    let mut problems = Vec::new();
    let mut runs = 0;
    let mut okta_steps = 0;
    let mut original_actions = std::collections::BTreeSet::new();
    let mut written_actions = std::collections::BTreeSet::new();
    let mut beside_scim = 0;
    let mut concurrent = 0;
    for s in &scenarios {
        // The tailnet admin API, beside the SCIM base URL: recorded too, and written as such.
        let from_root = s
            .steps
            .iter()
            .any(|st| matches!(&st.kind, scenario::StepKind::Request(r) if r.from_root));
        beside_scim += usize::from(from_root);
        // Updates Okta sends at once: written as such, out of the snapshot.
        let at_once = s.steps.iter().any(|st| {
            matches!(
                &st.kind,
                scenario::StepKind::Okta(scenario::OktaAction::AddMembers {
                    concurrently: true,
                    ..
                })
            )
        });
        concurrent += usize::from(at_once);
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
            for st in &s.steps {
                if let scenario::StepKind::Okta(a) = &st.kind
                    && st.apps.contains(&app)
                {
                    original_actions.insert((app.as_str(), a.key()));
                }
            }
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
            if from_root
                && !loaded
                    .steps
                    .iter()
                    .any(|st| matches!(&st.kind, scenario::StepKind::Request(r) if r.from_root))
            {
                problems.push(format!(
                    "{label}: no request beside the SCIM base URL was written"
                ));
            }
            if at_once
                && !loaded.steps.iter().any(|st| {
                    !st.snapshot
                        && matches!(
                            &st.kind,
                            scenario::StepKind::Okta(scenario::OktaAction::AddMembers {
                                concurrently: true,
                                ..
                            })
                        )
                })
            {
                problems.push(format!(
                    "{label}: the updates sent at once are not written as add-members with concurrently: true and snapshot: false"
                ));
            }
            for st in &loaded.steps {
                if let scenario::StepKind::Okta(a) = &st.kind {
                    written_actions.insert((app.as_str(), a.key()));
                }
            }
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
            let replayed =
                serde_json::to_string_pretty(&okscim::snapshot::transcript(&replay, &[]))
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
    assert!(
        concurrent >= 2,
        "the scenarios with updates sent at once are recorded: {concurrent}"
    );
    assert!(
        beside_scim >= 1,
        "the scenarios with requests beside the SCIM base URL are recorded: {beside_scim}"
    );
    assert!(
        runs > 60,
        "every bundled scenario under each app kind: {runs}"
    );
    assert!(
        okta_steps > 100,
        "Okta actions are recognised: {okta_steps}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // Recognition round-trips: each action the suite sends, under each app kind, is written
    // back as itself, or as the action that sends the same requests (docs/record.md).
    let mut missing = Vec::new();
    for (app, key) in &original_actions {
        let Some(written_as) = written_as(key) else {
            continue;
        };
        if !written_as
            .iter()
            .any(|k| written_actions.contains(&(*app, *k)))
        {
            missing.push(format!("{key} [{app}] (written as one of {written_as:?})"));
        }
    }
    assert!(
        missing.is_empty(),
        "recorded and not recognised: {missing:?}; written: {written_actions:?}"
    );
    assert!(
        written_actions.len() >= 30,
        "most actions under both app kinds: {written_actions:?}"
    );
}

/// What a recorded action is written as: itself, or the action that sends the same requests;
/// `None` for actions that send nothing (nothing to recognise).
fn written_as(key: &str) -> Option<&'static [&'static str]> {
    Some(match key {
        "suspend"
        | "unsuspend"
        | "disable-provisioning"
        | "enable-provisioning"
        | "deactivate-push"
        | "deactivate-push-rule" => return None,
        "unassign" | "deactivate" | "unassign-group" => &["deactivate", "unassign"],
        "reactivate" => &["reactivate", "assign"],
        "assign-group" | "assign" => &["assign"],
        "activate-push" | "push-now" => &["push-now"],
        "push-rule" | "push" => &["push"],
        "delete-push-rule" | "unlink" => &["unlink"],
        "test-connection" => &["test-connection"],
        "import-users" => &["import-users"],
        "import-groups" => &["import-groups"],
        "import-schema" => &["import-schema"],
        "entitlements-test" => &["entitlements-test"],
        "confirm-import" => &["confirm-import"],
        "update" => &["update"],
        "sync-password" => &["sync-password"],
        "add-members" => &["add-members"],
        "remove-members" => &["remove-members"],
        "rename" => &["rename"],
        "link" => &["link"],
        other => panic!("an action this test does not know: {other}"),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_fails_gets_a_scim_502_and_a_killed_recording_still_finishes() {
    // A port nothing listens on: bind, learn the port, close.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let dead = format!(
        "http://{}/scim/v2",
        closed.local_addr().expect("an address")
    );
    drop(closed);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let proxy = Proxy::start(
        "127.0.0.1:0",
        dir.path(),
        ProxySettings {
            upstream: dead,
            max_requests: None,
            timeout: Duration::from_secs(5),
            insecure: false,
        },
    )
    .await
    .expect("the proxy starts");
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let answer = http
            .get(format!("{}/Users?count=1", proxy.base_url()))
            .header("Authorization", "Bearer a-secret-bearer-token")
            .header("User-Agent", "Okta SCIM Client 1.0.0")
            .send()
            .await
            .expect("the proxy answers");
        assert_eq!(answer.status(), 502);
        assert!(answer.headers().get("content-type").is_some_and(|v| {
            v.to_str()
                .unwrap_or("")
                .starts_with("application/scim+json")
        }));
        let body: serde_json::Value =
            serde_json::from_slice(&answer.bytes().await.expect("a body")).expect("a JSON body");
        assert_eq!(body["status"], "502");
        assert!(body["detail"].as_str().unwrap_or("").contains("upstream"));
    }
    // Killed: the proxy is dropped without being stopped; what it appended is there.
    drop(proxy);
    let tape = read_tape(dir.path()).expect("the tape reads").exchanges;
    assert_eq!(tape.len(), 2, "recording went on after the first 502");
    assert!(
        tape.iter()
            .all(|x| x.response.status == 502 && x.error.is_some())
    );
    let written = write_recording(dir.path(), tape, false, "recording", "a test")
        .await
        .expect("a partial recording is finished");
    assert_eq!(written.exchanges, 2);
    assert!(written.mismatch.is_none(), "{:?}", written.mismatch);
    let text = std::fs::read_to_string(&written.scenario).expect("the scenario");
    assert!(
        text.contains("when recorded: okscim record: the upstream did not answer"),
        "{text}"
    );
    assert_no_secret(dir.path(), &["a-secret-bearer-token"]);
}

/// A HAR file of the exchanges of a recording of the `users/update.yaml` scenario, as a browser
/// would export them: full URLs, the bearer token in the Authorization header and a session
/// cookie; and, last, a request with the token in an `access_token` query parameter, whose answer
/// echoes the token and the cookie's value (learned only from later entries and other headers).
fn har_of(tape: &[okscim::record::TapeExchange], base: &str, token: &str) -> serde_json::Value {
    let entries: Vec<serde_json::Value> = tape
        .iter()
        .map(|x| {
            let mut headers: Vec<serde_json::Value> = x
                .request
                .headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
                .map(|(k, v)| serde_json::json!({ "name": k, "value": v }))
                .collect();
            headers.push(serde_json::json!({ "name": "Authorization", "value": format!("Bearer {token}") }));
            headers.push(serde_json::json!({ "name": "Cookie", "value": "theme=dark; sid=sess-cookie-value-77" }));
            let mut request = serde_json::json!({
                "method": x.request.method,
                "url": format!("{base}{}", x.request.path),
                "headers": headers,
            });
            if let Some(b) = &x.request.body {
                request["postData"] = serde_json::json!({ "mimeType": "application/scim+json", "text": b });
            }
            serde_json::json!({
                "time": x.duration_ms,
                "request": request,
                "response": {
                    "status": x.response.status,
                    "headers": x.response.headers.iter().map(|(k, v)| serde_json::json!({"name": k, "value": v})).collect::<Vec<_>>(),
                    "content": { "text": x.response.body },
                },
            })
        })
        .collect();
    let mut all = entries;
    // A secret seen only in the last entry's query, echoed by the first answer.
    if let Some(first) = all.first_mut() {
        first["response"]["headers"]
            .as_array_mut()
            .expect("headers")
            .push(serde_json::json!({ "name": "x-debug", "value": "qsecret-late-55" }));
    }
    // A request of a browser session with the token in its query (kept, as a raw request).
    all.push(serde_json::json!({
        "request": { "method": "GET", "url": format!("{base}/ServiceProviderConfig?access_token=qsecret-late-55&x={token}"), "headers": [] },
        "response": { "status": 200, "headers": [], "content": { "text": format!("{{\"echo\": \"{token} sess-cookie-value-77\"}}") } },
    }));
    // Something else the page loaded: left out.
    all.push(serde_json::json!({
        "request": { "method": "GET", "url": "https://cdn.example.com/app.js", "headers": [] },
        "response": { "status": 200, "headers": [], "content": { "text": "" } },
    }));
    serde_json::json!({ "log": { "version": "1.2", "entries": all } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_har_file_becomes_a_scenario_of_okta_actions_and_its_secrets_reach_no_written_file() {
    let scenarios = scenario::load_bundled().expect("the bundled scenarios load");
    let update = scenarios
        .iter()
        .find(|s| s.path.ends_with("users/update.yaml"))
        .expect("the bundled update scenario");
    let (_, recorded, _) = record(update, AppKind::Oin).await;
    let tape = read_tape(recorded.path()).expect("the tape").exchanges;
    let token = "har-secret-token-0123456789";
    let har = har_of(&tape, "https://app.example.com/scim/v2", token);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("okta.har");
    std::fs::write(&file, har.to_string()).expect("the HAR is written");
    let imported = okscim::record::read_har(&file, None).expect("the HAR reads");
    assert_eq!(imported.base, "https://app.example.com/scim/v2");
    assert_eq!(imported.skipped, 1);
    assert_eq!(imported.exchanges.len(), tape.len() + 1);
    let out = dir.path().join("out");
    let writer = okscim::record::TapeWriter::open(&out).expect("the folder");
    for x in &imported.exchanges {
        writer.append(x).expect("appended");
    }
    let written = write_recording(&out, imported.exchanges, false, "recording", "a HAR")
        .await
        .expect("written");
    assert!(
        written.mismatch.is_none() && written.fell_back.is_none(),
        "{:?} {:?}",
        written.mismatch,
        written.fell_back
    );
    let loaded = scenario::load(&written.scenario).expect("the written scenario loads");
    let keys = okta_keys(&loaded);
    assert!(
        keys.contains(&"assign") && keys.contains(&"update"),
        "{keys:?}"
    );
    // The HAR itself holds the token; nothing written from it does.
    std::fs::remove_file(&file).expect("removed");
    assert_no_secret(&out, &[token, "sess-cookie-value-77", "qsecret-late-55"]);
}

#[tokio::test]
async fn credentials_in_the_upstream_url_are_refused_and_not_shown() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let refused = Proxy::start(
        "127.0.0.1:0",
        dir.path(),
        ProxySettings {
            upstream: "http://admin:url-password-42@127.0.0.1:9/scim/v2?key=url-key-43".into(),
            max_requests: None,
            timeout: Duration::from_secs(5),
            insecure: false,
        },
    )
    .await;
    let Err(e) = refused else {
        panic!("an upstream URL with credentials is refused");
    };
    let text = format!("{e} {e:?}");
    assert!(text.contains("http://127.0.0.1:9/scim/v2"), "{text}");
    for secret in ["url-password-42", "url-key-43", "admin"] {
        assert!(!text.contains(secret), "{secret}: {text}");
    }
}

/// The actions the bundled suite sends under one app kind only (the discovery reads), recorded
/// under each: written back as themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_actions_are_recognised_under_both_app_kinds() {
    let yaml = r#"
name: discovery
about: Okta's discovery reads.
steps:
  - okta: import-schema
  - okta: entitlements-test
  - okta: test-connection
"#;
    let s = scenario::load_str(Path::new("discovery.yaml"), yaml).expect("the scenario loads");
    for app in [AppKind::Oin, AppKind::Aiw] {
        let (original, dir, token) = record(&s, app).await;
        assert_eq!(original.status, Status::Passed);
        let tape = read_tape(dir.path()).expect("the tape").exchanges;
        let written = write_recording(dir.path(), tape, false, "recording", "a test")
            .await
            .expect("written");
        assert!(written.mismatch.is_none() && written.fell_back.is_none());
        let loaded = scenario::load(&written.scenario).expect("loads");
        let keys = okta_keys(&loaded);
        assert_eq!(
            keys,
            ["import-schema", "entitlements-test", "test-connection"],
            "{}",
            app.as_str()
        );
        assert_no_secret(dir.path(), &[&token]);
    }
}

/// The proxy forwards bodies and headers unchanged, both ways: a 1 MiB request body reaches the
/// upstream byte for byte, hop-by-hop headers (and those `Connection` names) do not, and a gzip
/// answer the client asked for reaches it still gzip-encoded, while the recording holds it
/// decoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_and_headers_are_forwarded_unchanged_and_a_gzip_answer_is_recorded_decoded() {
    use std::io::Write as _;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let answer = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(answer.as_bytes()).expect("gzip");
    let gzipped = gz.finish().expect("gzip");
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .insert_header("content-type", "application/scim+json")
                .set_body_bytes(gzipped.clone()),
        )
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{}"))
        .mount(&upstream)
        .await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let proxy = Proxy::start(
        "127.0.0.1:0",
        dir.path(),
        ProxySettings {
            upstream: format!("{}/scim/v2", upstream.uri()),
            max_requests: None,
            timeout: Duration::from_secs(10),
            insecure: false,
        },
    )
    .await
    .expect("the proxy starts");
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("a client");
    let got = raw
        .get(format!("{}/Users?startIndex=1", proxy.base_url()))
        .header("Accept-Encoding", "gzip")
        .header("Connection", "keep-alive, X-Hop")
        .header("X-Hop", "not forwarded")
        .header("X-Kept", "forwarded")
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        got.headers().get("content-encoding").map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    assert_eq!(got.bytes().await.expect("a body").to_vec(), gzipped);
    let big: String = "x".repeat(1024 * 1024);
    let body = format!(r#"{{"userName":"big","note":"{big}"}}"#);
    let posted = raw
        .post(format!("{}/Users", proxy.base_url()))
        .header("Content-Type", "application/scim+json")
        .body(body.clone())
        .send()
        .await
        .expect("an answer");
    assert_eq!(posted.status(), 201);
    let stopped = proxy.stop().await;
    assert_eq!(stopped.exchanges, 2);
    let received = upstream
        .received_requests()
        .await
        .expect("recorded by the mock");
    assert_eq!(received.len(), 2);
    let get = &received[0];
    assert_eq!(get.url.query(), Some("startIndex=1"));
    assert!(
        get.headers.get("x-hop").is_none(),
        "a header Connection names is not forwarded"
    );
    assert_eq!(
        get.headers.get("x-kept").map(|v| v.as_bytes()),
        Some(&b"forwarded"[..])
    );
    assert_eq!(
        get.headers.get("accept-encoding").map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    assert_eq!(
        received[1].body,
        body.as_bytes(),
        "the request body arrives byte for byte"
    );
    let tape = read_tape(dir.path()).expect("the tape").exchanges;
    assert_eq!(tape[0].response.body, answer, "recorded decoded");
    assert_eq!(tape[1].request.body.as_deref(), Some(body.as_str()));
}
