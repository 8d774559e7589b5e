//! Snapshots in the shipped CLI: redaction stable across runs and id formats, the diff a fault
//! produces, review/accept/reject, the CI default, and insta's reader on CLI-written files.

use std::path::{Path, PathBuf};
use std::process::Command;

use okscim::http::{Auth, ClientOptions, Redactor, ScimClient, Secret};
use okscim::okta::{AppKind, OktaOptions};
use okscim::snapshot::transcript;

use crate::fake_scim::{self, IdFormat};

const PROBE: &str = r#"
name: redaction probe
users:
  alice: { givenName: Alice, familyName: Smith }
  bob: {}
groups:
  eng: {}
steps:
  - okta: { assign: alice }
  - okta: { assign: bob }
  - okta: { push: eng, members: [alice, bob] }
  - okta: { remove-members: eng, users: [bob] }
  - read: { group: eng }
  - okta: { deactivate: alice }
  - read: { user: alice }
"#;

async fn probe_transcript(base: &str, app: AppKind) -> String {
    let scenario =
        okscim::scenario::load_str(Path::new("probe.yaml"), PROBE).expect("the probe loads");
    let client = ScimClient::new(
        base,
        Auth::Bearer(Secret::new("t")),
        &ClientOptions::default(),
        Redactor::default(),
    )
    .expect("client");
    let result =
        okscim::runner::run_scenario(&scenario, app, &client, OktaOptions::default()).await;
    assert!(
        !result.failed(),
        "{}",
        okscim::report::failure_text(&result)
    );
    serde_json::to_string_pretty(&transcript(&result, &[])).expect("json")
}

#[tokio::test]
async fn redaction_is_stable_across_runs_and_id_formats() {
    for app in [AppKind::Oin, AppKind::Aiw] {
        let mut seen = Vec::new();
        for format in [IdFormat::Uuid, IdFormat::Integer, IdFormat::Name] {
            for _run in 0..2 {
                let (_server, base) = fake_scim::start(format).await;
                seen.push((format, probe_transcript(&base, app).await));
            }
        }
        let (_, first) = &seen[0];
        for (format, t) in &seen {
            assert_eq!(
                t, first,
                "the {format:?} server's transcript differs under {app}"
            );
        }
        assert!(first.contains("\"/Groups/[eng.id]\""), "{first}");
        assert!(first.contains("\"[alice.oktaId]\""), "{first}");
        assert!(!first.contains("127.0.0.1"), "{first}");
        if app == AppKind::Oin {
            assert!(
                first.contains(r#""path": "members[value eq \"[bob.id]\"]""#),
                "{first}"
            );
            insta::assert_snapshot!("redaction_probe_oin", first);
        }
    }
}

fn okscim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_okscim"))
}

fn write_scenario(dir: &Path) -> PathBuf {
    let path = dir.join("probe.yaml");
    std::fs::write(&path, PROBE).expect("write scenario");
    path
}

fn run_cli(args: &[&str], ci: bool) -> (i32, String) {
    let mut cmd = okscim();
    cmd.args(args).env_remove("CI").env("NO_COLOR", "1");
    if ci {
        cmd.env("CI", "true");
    }
    let out = cmd.output().expect("okscim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_fault_shows_up_as_a_reviewable_diff_and_accept_reject_change_the_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let scenario = write_scenario(tmp.path());
    let snaps = tmp.path().join("snaps");
    let (s, p) = (scenario.to_str().unwrap(), snaps.to_str().unwrap());

    // The same run with a fault: PATCH remove by member filter is ignored.
    let faulty_run = |ci: bool| {
        run_cli(
            &[
                "run",
                s,
                "--okta-app",
                "oin",
                "--snapshots",
                p,
                "--fault",
                "member-filter-remove-ignored",
            ],
            ci,
        )
    };
    let (code, out) = run_cli(
        &[
            "run",
            s,
            "--okta-app",
            "oin",
            "--snapshots",
            p,
            "--update-snapshots",
            "always",
        ],
        false,
    );
    assert_eq!(code, 0, "{out}");
    let stored = std::fs::read_dir(&snaps)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect::<Vec<_>>();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let stored = stored[0].clone();
    let original = std::fs::read_to_string(&stored).unwrap();

    // Same server behaviour: no diff, nothing pending.
    let (code, out) = run_cli(&["run", s, "--okta-app", "oin", "--snapshots", p], false);
    assert_eq!(code, 0, "{out}");

    // A fault: PATCH remove by member filter is ignored. Checks pass (nothing in the probe
    // expects the member gone), the snapshot shows the difference.
    let (code, out) = faulty_run(false);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("checks passed; snapshot differs"), "{out}");
    // The JSON report agrees with its counts: the run failed, its checks passed.
    let report_path = tmp.path().join("report.json");
    let (code, _) = run_cli(
        &[
            "run",
            s,
            "--okta-app",
            "oin",
            "--snapshots",
            p,
            "--update-snapshots",
            "no",
            "--fault",
            "member-filter-remove-ignored",
            "--json",
            report_path.to_str().unwrap(),
        ],
        false,
    );
    assert_eq!(code, 1);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(report["counts"]["failed"], 1);
    assert_eq!(report["scenarios"][0]["status"], "failed");
    assert_eq!(report["scenarios"][0]["checks"], "passed");
    let diff: String = out
        .lines()
        .filter(|l| l.trim_start().starts_with("$["))
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    insta::assert_snapshot!("fault_member_filter_remove_ignored_diff", diff);
    let pending = okscim::snapshot::pending_path(&stored);
    assert!(pending.exists());

    // Reject: the pending file goes, the stored one stays.
    let (code, out) = run_cli(&["snapshots", "reject", p], false);
    assert_eq!(code, 0, "{out}");
    assert!(!pending.exists());
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), original);

    // Under CI nothing is written, and the difference still fails.
    let (code, _) = faulty_run(true);
    assert_eq!(code, 1);
    assert!(!pending.exists(), "CI must not write pending snapshots");

    // Accept: the pending file replaces the stored one, and the next faulty run matches.
    let (code, _) = faulty_run(false);
    assert_eq!(code, 1);
    let (code, out) = run_cli(&["snapshots", "accept", p], false);
    assert_eq!(code, 0, "{out}");
    assert!(!pending.exists());
    assert_ne!(std::fs::read_to_string(&stored).unwrap(), original);
    let (code, out) = faulty_run(false);
    assert_eq!(code, 0, "{out}");

    // insta's own reader understands the files the CLI writes.
    let snap = insta::Snapshot::from_file(&stored).expect("insta reads the CLI's file");
    assert_eq!(snap.metadata().expression(), Some("redaction probe [oin]"));
    let contents = snap
        .contents()
        .as_text()
        .expect("a text snapshot")
        .to_string();
    let parsed: serde_json::Value =
        serde_json::from_str(&contents).expect("the contents are the JSON transcript");
    assert!(parsed.as_array().is_some_and(|a| !a.is_empty()));
}

#[test]
fn review_asks_and_applies_each_answer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let scenario = write_scenario(tmp.path());
    let snaps = tmp.path().join("snaps");
    let (s, p) = (scenario.to_str().unwrap(), snaps.to_str().unwrap());
    // Two pending snapshots (oin and aiw), no stored ones.
    let (code, _) = run_cli(&["run", s, "--snapshots", p], false);
    assert_eq!(code, 1);
    let pending = okscim::snapshot::pending_files(&snaps).unwrap();
    assert_eq!(pending.len(), 2);
    let mut child = okscim()
        .args(["snapshots", "review", p])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("review starts");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"a\nr\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 accepted, 1 rejected, 0 skipped"), "{text}");
    assert!(okscim::snapshot::pending_files(&snaps).unwrap().is_empty());
    let stored: Vec<_> = std::fs::read_dir(&snaps).unwrap().collect();
    assert_eq!(stored.len(), 1);
}

#[test]
fn default_snapshot_folders_differ_per_target() {
    let a = okscim::snapshot::default_dir(Some("https://a.example.com/scim/v2"), "rfc");
    let b = okscim::snapshot::default_dir(Some("https://b.example.com/scim/v2"), "rfc");
    let e = okscim::snapshot::default_dir(None, "rfc");
    assert_ne!(a, b);
    assert_ne!(a, e);
}
