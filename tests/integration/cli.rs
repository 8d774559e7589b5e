//! The `okscim` binary: exit codes, the closing line, colour, reports, selection flags, secrets.

use std::process::{Command, Output};

fn okscim(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_okscim"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("okscim runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn last_line(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or_default().to_string()
}

#[test]
fn a_passing_run_exits_0_and_ends_with_the_counts() {
    let o = okscim(&["run", "scenarios/users/create.yaml"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(last_line(&o), "2 passed, 0 failed");
}

#[test]
fn skipped_runs_are_counted() {
    let o = okscim(
        &[
            "run",
            "scenarios/tailnet/group-name-at-sign.yaml",
            "scenarios/users/create.yaml",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(last_line(&o), "2 passed, 0 failed, 2 skipped");
}

#[test]
fn a_failed_check_exits_1() {
    let o = okscim(
        &[
            "run",
            "scenarios/users/create.yaml",
            "--fault",
            "create-returns-200",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(last_line(&o), "0 passed, 2 failed");
    let out = stdout(&o);
    assert!(out.contains("okta.create.status [okta, required]"), "{out}");
    assert!(out.contains("reproduce: curl"), "{out}");
}

#[test]
fn a_bad_scenario_exits_2_with_file_line_column() {
    let o = okscim(
        &[
            "run",
            "tests/fixtures/bad-scenarios/unknown-top-level-key.yaml",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown-top-level-key.yaml:2:1"), "{err}");
    assert!(err.contains("did you mean `users`?"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let o = okscim(&["run", "--partition", "5/4"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let o = okscim(
        &[
            "run",
            "--target",
            "http://127.0.0.1:9/scim/v2",
            "--token-env",
            "OKSCIM_TEST_NO_SUCH_VAR",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("OKSCIM_TEST_NO_SUCH_VAR is not set"));
}

#[test]
fn an_unreachable_target_exits_3_and_is_reported_per_step() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let url = format!("http://127.0.0.1:{port}/scim/v2");
    let o = okscim(
        &[
            "run",
            "scenarios/users/create.yaml",
            "--target",
            &url,
            "--token-env",
            "OKSCIM_TEST_TOKEN",
            "--timeout",
            "2",
        ],
        &[("OKSCIM_TEST_TOKEN", "secret-token-value-123")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("okta.reachable"), "{out}");
    assert!(out.contains("could not connect"), "{out}");
    assert!(
        !out.contains("secret-token-value-123"),
        "the token leaked: {out}"
    );
}

#[test]
fn no_color_is_honoured_even_when_colour_is_forced() {
    let forced = okscim(
        &["run", "scenarios/users/create.yaml"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(stdout(&forced).contains('\x1b'));
    let plain = okscim(
        &["run", "scenarios/users/create.yaml"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!stdout(&plain).contains('\x1b'), "{}", stdout(&plain));
}

#[test]
fn junit_and_json_reports_are_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("r.xml");
    let json = dir.path().join("r.json");
    let o = okscim(
        &[
            "run",
            "scenarios/users/create.yaml",
            "--fault",
            "create-returns-200",
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains(r#"tests="2""#) && xml.contains(r#"failures="2""#),
        "{xml}"
    );
    assert!(xml.contains("okta.create.status"), "{xml}");
    // Jenkins splits a classname at its last dot: no file extension there.
    assert!(
        xml.contains(r#"classname="scenarios.users.create""#),
        "{xml}"
    );
    assert!(!xml.contains("create.yaml\""), "{xml}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("JSON");
    assert_eq!(report["format"], "okscim-report/1");
    assert_eq!(report["counts"]["failed"], 2);
    let checks = &report["scenarios"][0]["steps"][0]["checks"];
    assert!(checks.as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["id"] == "okta.create.status" && c["passed"] == false)
    }));
}

#[test]
fn selection_by_tags_filter_app_and_partition() {
    let o = okscim(&["list"], &[]);
    let total: usize = stdout(&o)
        .lines()
        .last()
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a count");
    let count = |args: &[&str]| -> usize {
        let mut a = vec!["run"];
        a.extend_from_slice(args);
        let o = okscim(&a, &[]);
        let line = last_line(&o);
        line.split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse::<usize>().ok())
            .sum()
    };
    assert_eq!(count(&["--tags", "import", "--okta-app", "oin"]), 4);
    assert_eq!(count(&["--filter", "SCIM 2.0 SPEC test"]), 1);
    let parts: usize = (1..=3)
        .map(|k| count(&["--partition", &format!("{k}/3")]))
        .sum();
    assert_eq!(parts, total, "the partitions cover every planned run once");
}

#[test]
fn the_schema_command_prints_the_committed_schema() {
    let o = okscim(&["schema"], &[]);
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/scenario.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(printed, committed);
}

#[test]
fn serve_lists_faults() {
    let o = okscim(&["serve", "--fault", "list"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for f in okscim_reference_server::Fault::ALL {
        assert!(out.contains(f.name()), "{out}");
    }
}

#[test]
fn certify_exits_0_when_ready_1_when_not_and_writes_its_reports() {
    let dir = tempfile::tempdir().expect("a folder");
    let json = dir.path().join("certify.json");
    let junit = dir.path().join("certify.xml");
    let html = dir.path().join("certify.html");
    let o = okscim(
        &[
            "certify",
            "--json",
            json.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        last_line(&o).starts_with("ready for OIN submission"),
        "{}",
        last_line(&o)
    );
    assert!(!stdout(&o).contains("\x1b["), "colour with NO_COLOR");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["ready"], true);
    assert!(std::fs::read_to_string(&junit).unwrap().contains("SPEC-11"));
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("ready for OIN submission")
    );

    let o = okscim(
        &["certify", "--fault", "ignore-paging"],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAIL    C9304"), "{}", stdout(&o));
    assert!(last_line(&o).contains("not ready for OIN submission"));

    let o = okscim(&["certify", "--okta-app", "nope"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_lists_the_embedded_servers_faults_and_variants() {
    for (flag, first) in [
        ("--fault", "patch-pathless-ignored"),
        ("--variant", "no-etags"),
    ] {
        let o = okscim(&["run", flag, "list"], &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
        assert!(stdout(&o).starts_with(first), "{}", stdout(&o));
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A typo in a tag or a filter that matches nothing must not turn a gate green: exit 2, saying
/// what was asked and what there is.
#[test]
fn selecting_no_scenario_is_a_usage_error() {
    let o = okscim(&["run", "--tags", "grops"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("no scenario run selected"), "{err}");
    assert!(
        err.contains("--tags grops") && err.contains("groups"),
        "{err}"
    );
    let o = okscim(&["run", "--filter", "no such scenario"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--filter \"no such scenario\""),
        "{}",
        stderr(&o)
    );
    // Only tailnet scenarios against the rfc profile: every run would be skipped.
    let o = okscim(&["run", "--tags", "tailnet"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("would be skipped"), "{}", stderr(&o));
}

/// Bare `--snapshots` picks the folder derived from the target; the hint to review names the
/// folder the pending files are in; accepting from a folder that is not there is an error.
#[test]
fn bare_snapshots_flag_and_the_review_hint_name_the_folder() {
    let dir = tempfile::tempdir().expect("a folder");
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/connection/test-connection.yaml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_okscim"));
    let o = cmd
        .args(["run", scenario.to_str().expect("utf-8"), "--snapshots"])
        .current_dir(dir.path())
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .output()
        .expect("okscim runs");
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a missing snapshot fails: {out}{}",
        stderr(&o)
    );
    let folder = dir.path().join("okscim-snapshots/embedded-rfc");
    assert!(folder.is_dir(), "{out}");
    assert!(
        out.contains("review with `okscim snapshots review okscim-snapshots/embedded-rfc`"),
        "{out}"
    );
    let o = okscim(
        &["snapshots", "accept", "/nonexistent/okscim-snapshots"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a folder"), "{}", stderr(&o));
}

/// A URL target with no credentials runs, but says it sends no Authorization header; `--basic`
/// without its password is a usage error. Counts are worded in the singular when there is one.
#[test]
fn a_target_without_credentials_is_warned_about_and_counts_read_well() {
    let o = okscim(
        &[
            "run",
            "scenarios/connection",
            "--target",
            "http://127.0.0.1:9",
            "--connect-timeout",
            "1",
        ],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("warning: no credentials for http://127.0.0.1:9"),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("running 2 scenario runs against http://127.0.0.1:9\n"),
        "{}",
        stdout(&o)
    );
    let o = okscim(
        &["run", "--target", "http://127.0.0.1:9", "--basic", "admin"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--password-env"), "{}", stderr(&o));
    let o = okscim(
        &["run", "scenarios/connection", "--okta-app", "oin"],
        &[("NO_COLOR", "1")],
    );
    assert!(
        stdout(&o).contains("running 1 scenario run against the embedded reference server"),
        "{}",
        stdout(&o)
    );
    let o = okscim(&["list", "scenarios/connection"], &[]);
    assert_eq!(last_line(&o), "2 scenario runs from 1 file");
}

/// `okscim list` previews exactly what `run` would run, with the same selection flags, as text
/// or JSON.
#[test]
fn list_takes_the_selection_flags_of_run_and_prints_json() {
    let o = okscim(&["list", "--tags", "import", "--okta-app", "oin"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        last_line(&o).starts_with("4 scenario runs from"),
        "{}",
        stdout(&o)
    );
    let shards: usize = (1..=3)
        .map(|k| {
            let o = okscim(&["list", "--partition", &format!("{k}/3"), "--json"], &[]);
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
            v["runs"].as_array().expect("runs").len()
        })
        .sum();
    let all: serde_json::Value =
        serde_json::from_str(&stdout(&okscim(&["list", "--json"], &[]))).expect("JSON");
    assert_eq!(shards, all["runs"].as_array().expect("runs").len());
    assert_eq!(
        okscim(&["list", "--filter", "SCIM 2.0 SPEC test", "--json"], &[])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        okscim(&["list", "--partition", "9/3"], &[]).status.code(),
        Some(2)
    );
}

/// The summary's list of failed runs names the step by its number in the scenario, as the
/// per-step lines do (it used to say one more).
#[test]
fn the_failed_runs_summary_names_the_right_step() {
    let o = okscim(
        &[
            "run",
            "scenarios/users/create.yaml",
            "--okta-app",
            "oin",
            "--fault",
            "create-returns-200",
        ],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let summary = out
        .lines()
        .skip_while(|l| !l.starts_with("failed scenario runs:"))
        .nth(1)
        .expect("a failed run listed");
    assert!(summary.contains("step 1 okta assign alice"), "{out}");
}

/// Ctrl-C or CI's SIGTERM in the middle of a run: okscim stops sending, prints the summary,
/// writes the JUnit and JSON reports with what ran (the rest marked interrupted) and exits 130
/// or 143.
#[rstest::rstest]
#[case::sigterm("TERM", "SIGTERM", 143)]
#[case::sigint("INT", "SIGINT", 130)]
fn a_signal_stops_the_run_and_the_reports_hold_what_ran(
    #[case] signal: &str,
    #[case] name: &str,
    #[case] code: i32,
) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("r.xml");
    let json = dir.path().join("r.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_okscim"))
        .args(["run", "--jobs", "1", "--junit"])
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("okscim starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    // The bundled suite, one run at a time, takes seconds: stop it once one run has passed.
    for line in lines.by_ref() {
        let line = line.expect("a line");
        let passed = line.starts_with("PASS ");
        seen.push(line);
        if passed {
            break;
        }
    }
    assert!(seen.iter().any(|l| l.starts_with("PASS ")), "{seen:#?}");
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("okscim ends");
    let out = [seen, rest].concat().join("\n");
    assert_eq!(status.code(), Some(code), "{out}");
    assert!(out.contains(&format!("interrupted by {name}")), "{out}");
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.contains(" passed, ") && last.contains(" skipped"),
        "the summary still ends the output: {last}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report is written"))
            .expect("JSON");
    assert_eq!(report["interrupted"], name, "{report:#}");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    assert!(scenarios.len() > 70, "every planned run is in the report");
    assert!(scenarios.iter().any(|s| s["status"] == "passed"));
    let cut: Vec<_> = scenarios
        .iter()
        .filter(|s| s["interrupted"] == name)
        .collect();
    assert!(!cut.is_empty());
    assert!(cut.iter().all(|s| {
        s["status"] == "skipped"
            && s["skip_reason"]
                .as_str()
                .is_some_and(|r| r.starts_with(&format!("interrupted by {name}")))
    }));
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report is written");
    assert!(xml.contains(&format!("interrupted by {name}")), "{xml}");
}

#[test]
fn completions_and_man_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let o = okscim(&["completions", shell], &[]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = stdout(&o);
        for word in ["certify", "snapshots", "token-env", "partition"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    assert_eq!(okscim(&["completions", "tcsh"], &[]).status.code(), Some(2));
    let o = okscim(&["man"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let page = stdout(&o);
    assert!(
        page.starts_with(".ie") || page.contains(".TH okscim 1"),
        "{page}"
    );
    for sub in ["okscim-run", "okscim-certify", "okscim-init"] {
        assert!(page.contains(&format!(".TH {sub} 1")), "the page has {sub}");
    }
}

#[test]
fn init_writes_a_starter_folder_that_runs_and_catches_a_broken_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("okscim-scenarios");
    let t = target.to_str().expect("utf-8");
    let o = okscim(&["init", t], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(target.join("README.md").is_file());
    assert!(stdout(&o).contains("wrote 7 scenarios"), "{}", stdout(&o));
    let o = okscim(&["run", t], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(last_line(&o), "14 passed, 0 failed");
    // The starters judge: a server that deletes on deactivation fails the deactivation story.
    let o = okscim(&["run", t, "--fault", "delete-on-deactivate"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("an unassigned person's account is deactivated"),
        "{}",
        stdout(&o)
    );
    // A second init into the same folder loses nothing.
    let o = okscim(&["init", t], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
}

#[test]
fn under_github_actions_each_failed_step_is_annotated_on_its_line() {
    let file = "scenarios/users/create.yaml";
    let line = std::fs::read_to_string(file)
        .expect("the scenario")
        .lines()
        .position(|l| l.trim_start().starts_with("- okta: { assign: alice }"))
        .expect("the assign step")
        + 1;
    let args = [
        "run",
        file,
        "--okta-app",
        "oin",
        "--fault",
        "create-returns-200",
    ];
    let o = okscim(&args, &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let annotation = out
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation in {out}"));
    assert!(
        annotation.starts_with(&format!(
            "::error file={file},line={line},title=okscim%3A create user on assignment [oin] — step 1 okta assign alice::"
        )),
        "{annotation}"
    );
    assert!(
        annotation.contains("okta.create.status: expected 201, got 200"),
        "{annotation}"
    );
    assert!(!annotation.contains('\n'));
    // Elsewhere, no workflow commands.
    let o = okscim(&args, &[]);
    assert!(!stdout(&o).contains("::error"), "{}", stdout(&o));
}

#[test]
fn junit_puts_the_check_first_and_the_exchange_and_snapshot_diff_in_system_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snaps = dir.path().join("snaps");
    let junit = dir.path().join("r.xml");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "scenarios/users/create.yaml",
            "--okta-app",
            "oin",
            "--snapshots",
            snaps.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = okscim(&args, &[]);
        (o, std::fs::read_to_string(&junit).expect("junit written"))
    };
    // No stored snapshot, checks pass: said as such, not "differs".
    let (o, xml) = run(&["--update-snapshots", "no"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(xml.contains("checks passed; no stored snapshot"), "{xml}");
    assert!(!xml.contains("the snapshot differs"), "{xml}");
    // Store it, then break the server: the check failure comes before the snapshot's.
    let (o, _) = run(&["--update-snapshots", "always"]);
    assert_eq!(o.status.code(), Some(0));
    let (o, xml) = run(&["--update-snapshots", "no", "--fault", "create-returns-200"]);
    assert_eq!(o.status.code(), Some(1));
    let check = xml.find("okta.create.status").expect("the check failure");
    let snapshot = xml.find("differs:").expect("the snapshot difference");
    assert!(check < snapshot, "{xml}");
    let out_start = xml.find("<system-out>").expect("system-out");
    let system_out = &xml[out_start..];
    assert!(
        system_out.contains("POST http://127.0.0.1:"),
        "{system_out}"
    );
    assert!(system_out.contains("HTTP 200"), "{system_out}");
    assert!(system_out.contains("== snapshot"), "{system_out}");
    assert!(
        system_out.contains("-      &quot;status&quot;: 201"),
        "the unified diff: {system_out}"
    );
    assert!(
        system_out.contains("authorization: [REDACTED]") || !system_out.contains("authorization"),
        "{system_out}"
    );
}

/// Okta's per-app concurrency is an option: concurrent membership updates catch a server that
/// loses them at the default, and one at a time cannot (which is why it is not the default).
#[test]
fn okta_concurrency_decides_whether_lost_updates_can_show() {
    let scenario = "scenarios/groups/concurrent-add-members.yaml";
    let at_default = okscim(&["run", scenario, "--fault", "membership-lost-update"], &[]);
    assert_eq!(at_default.status.code(), Some(1), "{}", stdout(&at_default));
    let one_at_a_time = okscim(
        &[
            "run",
            scenario,
            "--fault",
            "membership-lost-update",
            "--okta-concurrency",
            "1",
        ],
        &[],
    );
    assert_eq!(
        one_at_a_time.status.code(),
        Some(0),
        "{}",
        stdout(&one_at_a_time)
    );
}

/// `okscim certify` under SIGTERM: no verdict of readiness from a run cut short, reports still
/// written, exit 143. `okscim serve` stops on SIGTERM as on Ctrl-C (`docker stop`).
#[test]
fn certify_and_serve_stop_on_sigterm() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("c.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_okscim"))
        .args(["certify", "--jobs", "1", "--json"])
        .arg(&json)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("okscim certify starts");
    // The certification scenarios take seconds one at a time; stop it early.
    std::thread::sleep(std::time::Duration::from_millis(700));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().expect("certify ends");
    let mut out = String::new();
    let _ = child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out);
    assert_eq!(status.code(), Some(143), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report is written"))
            .expect("JSON");
    assert_eq!(report["ready"], false, "{report:#}");
    assert!(
        report["verdict"]
            .as_str()
            .is_some_and(|v| v.starts_with("interrupted by SIGTERM")),
        "{report:#}"
    );
    let port = free_port();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_okscim"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("OKSCIM_SERVER_TOKEN", "t0k3n-for-the-test")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("okscim serve starts");
    listening(port, "serve listens");
    Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status()
        .expect("kill runs");
    let status = exited(&mut serve, 10, "serve ignored SIGTERM for 10 s");
    assert_eq!(status.code(), Some(0));
}

/// `okscim serve` on a free port, stopped when dropped.
struct Served(std::process::Child, u16);

impl Served {
    fn start(token: &str, extra: &[&str]) -> Served {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_okscim"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("OKSCIM_SERVER_TOKEN", token)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("okscim serve starts");
        listening(port, "serve listens");
        Served(child, port)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/scim/v2", self.1)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn diff_names_what_a_fault_changes_and_finds_nothing_between_clean_servers() {
    let (ta, tb) = ("diff-token-a-5f1e2d", "diff-token-b-9c8b7a");
    let clean = Served::start(ta, &[]);
    let faulty = Served::start(tb, &["--fault", "create-returns-200"]);
    let envs = [
        ("DIFF_TOKEN_A", ta),
        ("DIFF_TOKEN_B", tb),
        ("NO_COLOR", "1"),
    ];
    let (a, b) = (clean.url(), faulty.url());
    let out = okscim(
        &[
            "diff",
            "scenarios/users/create.yaml",
            "--target",
            &a,
            "--token-env",
            "DIFF_TOKEN_A",
            "--target-b",
            &b,
            "--token-env-b",
            "DIFF_TOKEN_B",
        ],
        &envs,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("DIFFERENT  create"), "{text}");
    assert!(text.contains("response.status: A 201 | B 200"), "{text}");
    assert!(text.contains("okta.create.status"), "{text}");
    let everything = format!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        !everything.contains(ta) && !everything.contains(tb),
        "{everything}"
    );
    // A clean server against the embedded reference server (B's default): nothing differs.
    let out = okscim(
        &[
            "diff",
            "scenarios/users/create.yaml",
            "--target",
            &a,
            "--token-env",
            "DIFF_TOKEN_A",
            "--json",
        ],
        &envs,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(report["b"], "embedded reference server");
    assert!(!report["scenarios"].as_array().unwrap().is_empty());
    for s in report["scenarios"].as_array().unwrap() {
        assert_eq!(s["exchanges"], serde_json::json!([]), "{s:#}");
        assert_eq!(s["a_passed"], true);
        assert_eq!(s["b_passed"], true);
    }
}

/// Waits until something listens on `port` of 127.0.0.1 (at most 10 s).
fn listening(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

/// Waits at most `seconds` for `child` to end, killing it and failing with `why` after that.
fn exited(child: &mut std::process::Child, seconds: u64, why: &str) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(s) = child.try_wait().expect("poll") {
            return s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{why}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A free port on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `okscim record` in front of `upstream`, writing to `out`; waits until it listens.
fn start_recording(
    upstream: &str,
    out: &std::path::Path,
    extra: &[&str],
) -> (std::process::Child, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_okscim"))
        .args([
            "record",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--upstream",
            upstream,
        ])
        .arg("--out")
        .arg(out)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("okscim record starts");
    listening(port, "the proxy listens");
    (child, port)
}

/// Waits at most 20 s for `child` to end; its exit code and everything it printed.
fn ended(mut child: std::process::Child) -> (Option<i32>, String) {
    use std::io::Read;
    let status = exited(&mut child, 20, "okscim record did not stop");
    let mut text = String::new();
    for pipe in [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn Read>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn Read>),
    ]
    .into_iter()
    .flatten()
    {
        let mut p = pipe;
        let _ = p.read_to_string(&mut text);
    }
    (status.code(), text)
}

fn all_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a folder").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push_str(&String::from_utf8_lossy(
                    &std::fs::read(e.path()).expect("a file"),
                ));
            }
        }
    }
    out
}

/// `okscim record` through the binary: it stops after `--max-requests`, at SIGTERM, and a
/// recording killed with SIGKILL is finished with `--finish`; each written scenario replays
/// against a fresh `okscim serve` with its snapshot; the token is in no output and no file.
#[test]
fn record_stops_on_max_requests_and_sigterm_and_finishes_a_killed_recording() {
    let token = "record-token-7a6b5c4d3e";
    let upstream = Served::start(token, &[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let run_through = |port: u16, scenario: &str| {
        let o = okscim(
            &[
                "run",
                scenario,
                "--okta-app",
                "oin",
                "--target",
                &format!("http://127.0.0.1:{port}/scim/v2"),
                "--token-env",
                "RECORD_TOKEN",
            ],
            &[("RECORD_TOKEN", token)],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    };
    // 1. --max-requests: the rename scenario sends 7 requests.
    let first = dir.path().join("max");
    let (child, port) = start_recording(&upstream.url(), &first, &["--max-requests", "7"]);
    run_through(port, "scenarios/groups/rename.yaml");
    let (code, text) = ended(child);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("stopped (--max-requests reached): 7 exchanges"),
        "{text}"
    );
    assert!(text.contains("(3 Okta actions)"), "{text}");
    // 2. SIGTERM.
    let second = dir.path().join("term");
    let (child, port) = start_recording(&upstream.url(), &second, &[]);
    run_through(port, "scenarios/users/create.yaml");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    let (code, text2) = ended(child);
    assert_eq!(code, Some(0), "{text2}");
    assert!(text2.contains("stopped (SIGTERM)"), "{text2}");
    // 3. SIGKILL, then --finish.
    let third = dir.path().join("killed");
    let (mut child, port) = start_recording(&upstream.url(), &third, &[]);
    run_through(port, "scenarios/users/deactivate.yaml");
    child.kill().expect("killed");
    let _ = child.wait();
    assert!(!third.join("scenarios").exists(), "nothing written yet");
    let finished = okscim(
        &["record", "--finish", third.to_str().expect("a UTF-8 path")],
        &[],
    );
    assert_eq!(finished.status.code(), Some(0), "{}", stderr(&finished));
    // Each replays against a fresh server with the recorded transcript.
    let fresh_token = "fresh-token-1f2e3d4c5b";
    for rec in [&first, &second, &third] {
        let fresh = Served::start(fresh_token, &[]);
        let o = okscim(
            &[
                "run",
                rec.join("scenarios").to_str().expect("UTF-8"),
                "--snapshots",
                rec.join("snapshots").to_str().expect("UTF-8"),
                "--update-snapshots",
                "no",
                "--target",
                &fresh.url(),
                "--token-env",
                "FRESH_TOKEN",
            ],
            &[("FRESH_TOKEN", fresh_token)],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            rec.display(),
            stdout(&o)
        );
        assert!(
            last_line(&o).starts_with("1 passed, 0 failed"),
            "{}",
            stdout(&o)
        );
    }
    for text in [&text, &text2, &stderr(&finished), &all_text(dir.path())] {
        assert!(!text.contains(token), "the token leaked: {text}");
    }
}
