//! The Rust library API as its documentation shows it: the example in src/suite.rs runs here,
//! word for word, against a reference server started as a user's own server would be. A test
//! keeps the two the same.

/// The lines between `example:start` and `example:end`, without the doc comment's `//!`.
fn example_lines(text: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("//!").unwrap_or(l);
            // Indentation differs (doc comment, function body): compare the code itself.
            l.trim().to_string()
        })
        .collect();
    let start = lines
        .iter()
        .position(|l| l == "// example:start")
        .expect("an example:start marker");
    let end = lines
        .iter()
        .position(|l| l == "// example:end")
        .expect("an example:end marker");
    lines[start + 1..end].to_vec()
}

#[test]
fn this_test_runs_the_documented_example_word_for_word() {
    let doc = include_str!("../../src/suite.rs");
    let here = include_str!("library_api.rs");
    let documented = example_lines(doc);
    let ours = example_lines(&here[here.find("async fn the_documented").expect("the test")..]);
    assert_eq!(
        documented, ours,
        "src/suite.rs's example and this test differ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_example_runs_against_a_users_own_server()
-> Result<(), Box<dyn std::error::Error>> {
    let server = okscim_reference_server::spawn(Default::default()).await?;
    let url = server.base_url.clone();
    let token = server.token.clone();
    // example:start
    use okscim::Suite;
    use okscim::okta::AppKind;

    // Your server's SCIM base URL and a token for it.
    let run = Suite::target(&url)
        .bearer(&token)
        .filter("users/create") // or .tags(["users"]); every bundled scenario without either
        .okta_app(AppKind::Oin)
        .run()
        .await?;
    assert!(run.passed(), "{}", run.failure_report());
    // One snapshot per scenario run: the conversation, ids and timestamps redacted.
    for scenario in &run.scenarios {
        insta::assert_json_snapshot!(scenario.snapshot_name(), scenario.transcript());
    }
    // example:end
    assert_eq!(run.counts().passed, 1, "{:?}", run.counts());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suite_that_selects_nothing_or_meets_a_broken_server_does_not_pass() {
    let nothing = okscim::Suite::embedded().tags(["grops"]).run().await;
    assert!(
        matches!(nothing, Err(okscim::SuiteError::NothingSelected { .. })),
        "{nothing:?}"
    );
    let server = okscim_reference_server::spawn(okscim_reference_server::ServerConfig {
        faults: [okscim_reference_server::Fault::CreateReturns200]
            .into_iter()
            .collect(),
        ..Default::default()
    })
    .await
    .expect("the server starts");
    let run = okscim::Suite::target(&server.base_url)
        .bearer(&server.token)
        .filter("users/create")
        .run()
        .await
        .expect("the suite runs");
    assert!(!run.passed());
    assert!(
        run.failure_report().contains("okta.create.status"),
        "{}",
        run.failure_report()
    );
    // A wrong token: every request is refused, and the run says so.
    let run = okscim::Suite::target(&server.base_url)
        .bearer("not-the-token")
        .filter("users/create")
        .run()
        .await
        .expect("the suite runs");
    assert!(!run.passed());
}
