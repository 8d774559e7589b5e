//! okscim's JUnit reports against the JUnit XSD Jenkins validates with (the xunit plugin's
//! `junit-10.xsd`, tests/data/junit/, MIT), by `xmllint --schema` (Debian's libxml2-utils, which
//! .ci/run installs): a passing run, a failing one with its exchanges and snapshot diff in
//! system-out and a body carrying characters XML does not allow, an interrupted one, and the
//! certification report.

use std::io::Write;
use std::process::{Command, Stdio};

use okscim::runner::Status;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/junit/jenkins-junit-10.xsd"
);

/// `None` when xmllint is not installed; otherwise whether the XML validates, with its errors.
fn validate(xml: &str) -> Option<Result<(), String>> {
    let mut child = Command::new("xmllint")
        .args(["--noout", "--schema", XSD, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(xml.as_bytes())
        .expect("xmllint reads the report");
    let out = child.wait_with_output().expect("xmllint ends");
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

fn assert_valid(name: &str, xml: &str) -> bool {
    match validate(xml) {
        None => {
            eprintln!(
                "skipped: xmllint is not installed (apt-get install libxml2-utils); .ci/run installs it"
            );
            false
        }
        Some(Ok(())) => true,
        Some(Err(e)) => panic!("{name} does not validate against Jenkins' JUnit XSD:\n{e}\n{xml}"),
    }
}

#[test]
fn the_schema_check_itself_rejects_what_jenkins_rejects() {
    let bad = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="1" skipped="0" failures="0" errors="0"><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="c"/></testsuite></testsuites>"#;
    match validate(bad) {
        None => eprintln!("skipped: xmllint is not installed; .ci/run installs it"),
        Some(r) => assert!(
            r.is_err_and(|e| e.contains("skipped")),
            "`skipped` on <testsuites> must be refused"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_and_certify_reports_validate_against_jenkins_junit_xsd() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A passing run and a skipped one (tailnet scenarios against the rfc profile).
    let passing = okscim::Suite::embedded()
        .filter("users/create")
        .run()
        .await
        .expect("runs");
    let mut passing_and_skipped = okscim::Suite::embedded()
        .tags(["users", "tailnet"])
        .run()
        .await
        .expect("runs");
    assert!(
        passing_and_skipped
            .scenarios
            .iter()
            .any(|s| s.status == Status::Skipped)
    );
    // Marked interrupted, as a signal leaves it.
    passing_and_skipped.interrupted = Some(okscim::runner::StopSignal::Terminate);
    // A failing run with a changed snapshot: exchanges and the diff go to system-out; the
    // server's body carries U+FFFF, which XML does not allow.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_raw("broken \u{FFFF} \u{1b}[31m body", "text/plain"),
        )
        .mount(&server)
        .await;
    let snaps = dir.path().join("snaps");
    let failing = okscim::Suite::target(format!("{}/scim/v2", server.uri()))
        .bearer("t")
        .filter("users/create")
        .snapshots(&snaps, okscim::snapshot::UpdateMode::Always)
        .run()
        .await
        .expect("runs");
    assert!(!failing.passed());
    let mut checked = 0;
    for (name, run) in [
        ("a passing run", &passing),
        (
            "a run with skipped and interrupted scenarios",
            &passing_and_skipped,
        ),
        ("a failing run", &failing),
    ] {
        let xml = okscim::report::junit_xml(run).expect("JUnit renders");
        if !assert_valid(name, &xml) {
            return;
        }
        checked += 1;
    }
    // The snapshot diff too: the second failing run against the stored snapshot of the first,
    // with another answer.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let changed = okscim::Suite::target(format!("{}/scim/v2", server.uri()))
        .bearer("t")
        .filter("users/create")
        .snapshots(&snaps, okscim::snapshot::UpdateMode::No)
        .run()
        .await
        .expect("runs");
    let xml = okscim::report::junit_xml(&changed).expect("JUnit renders");
    assert!(xml.contains("== snapshot"), "{xml}");
    assert!(assert_valid("a run whose snapshot changed", &xml));
    let target = std::sync::Arc::new(
        okscim::target::Target::open(
            okscim::target::TargetSpec::Embedded {
                faults: Default::default(),
                variants: Default::default(),
            },
            &Default::default(),
        )
        .await
        .expect("the embedded target"),
    );
    let scenarios = okscim::certify::scenarios().expect("the certification scenarios load");
    let (_, certify) = okscim::certify::certify(&scenarios, &target, &[], 2).await;
    let xml = okscim::report::certify_junit(&certify).expect("JUnit renders");
    assert!(assert_valid("the certification report", &xml));
    assert_eq!(checked, 3);
}
