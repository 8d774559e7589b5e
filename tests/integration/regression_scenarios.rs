//! The regressions folder, `scenarios/regressions/`: one scenario per real-world bug class of
//! okta-reference.md §3 that the reference server has a fault for (docs/regressions.md).
//!
//! Every file starts with header comments:
//!
//! ```text
//! # Reproduces: <the public issue or PR, a link of okta-reference.md §3>
//! # Fault: <the reference-server fault that has the bug>
//! # Check: <the check that must fail>
//! # Auth: header            (optional: Okta's Header auth instead of a Bearer token)
//! ```
//!
//! For every file, under every app kind it runs under, the scenario must pass against the
//! embedded reference server and fail against the reference server with the fault on, the named
//! check among its failed required checks. Every fault is either named by a file or listed in
//! [`WITHOUT_REGRESSION`] with the reason. The table of docs/regressions.md is generated from the
//! headers (`OKSCIM_UPDATE_DOCS=1` rewrites it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use okscim::check::{CheckOutcome, Severity};
use okscim::okta::{AppKind, OktaOptions};
use okscim::runner::{ScenarioResult, Status, run_scenario};
use okscim::scenario::{self, Scenario};
use okscim_reference_server::Fault;

use super::checks_catch_faults::{AuthForm, describe, reference};

/// The folder, relative to the repository root.
const FOLDER: &str = "scenarios/regressions";

/// The faults no regression scenario names, and why: okta-reference.md §3 documents no
/// real-world bug of their kind (the harness still catches each: checks_catch_faults.rs).
const WITHOUT_REGRESSION: &[(Fault, &str)] = &[
    (
        Fault::CreateReturns200,
        "Okta's documented expectation (okta-reference.md §1.3), no public bug report in §3",
    ),
    (
        Fault::CreateEmptyBody,
        "Okta's documented error text (okta-reference.md §1.3), no public bug report in §3",
    ),
    (
        Fault::DuplicateCreateAllowed,
        "a SPEC test step (okta-reference.md §2.1, step 15), no public bug report in §3",
    ),
];

/// What a regression file's header says.
#[derive(Debug)]
struct Header {
    /// The public issue or PR the file reproduces.
    reproduces: String,
    /// The fault with the bug.
    fault: Fault,
    /// The check that must fail.
    check: &'static str,
    /// How Okta sends the token.
    auth: AuthForm,
}

/// Reads the header comments at the top of `text` (lines starting with `#` before the first
/// other line). Lines with another key (an editor's schema comment) are left alone.
fn header(file: &str, text: &str) -> Result<Header, String> {
    let (mut reproduces, mut fault, mut check, mut auth) = (None, None, None, AuthForm::Bearer);
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let Some((key, value)) = line.trim_start_matches('#').split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Reproduces" => {
                if !value.starts_with("https://") {
                    return Err(format!(
                        "{file}: `# Reproduces:` must be the public https link of the bug, got {value:?}"
                    ));
                }
                reproduces = Some(value.to_string());
            }
            "Fault" => {
                fault = Some(value.parse::<Fault>().map_err(|e| {
                    format!("{file}: `# Fault: {value}` is not a reference-server fault: {e}")
                })?);
            }
            "Check" => {
                let found = okscim::check::by_id(value).ok_or_else(|| {
                    format!(
                        "{file}: `# Check: {value}` is not a check id (docs/checks.md lists them)"
                    )
                })?;
                if found.severity != Severity::Required {
                    return Err(format!(
                        "{file}: `# Check: {value}` is advisory; a regression needs a required check"
                    ));
                }
                check = Some(found.id);
            }
            "Auth" => {
                auth = match value {
                    "bearer" => AuthForm::Bearer,
                    "header" => AuthForm::Header,
                    other => {
                        return Err(format!(
                            "{file}: `# Auth: {other}` must be `bearer` or `header`"
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let missing = |what: &str| {
        format!(
            "{file}: the header has no `# {what}` line; a regression file starts with \
             `# Reproduces: <public issue or PR>`, `# Fault: <fault>` and `# Check: <check id>` \
             (docs/regressions.md)"
        )
    };
    Ok(Header {
        reproduces: reproduces.ok_or_else(|| missing("Reproduces:"))?,
        fault: fault.ok_or_else(|| missing("Fault:"))?,
        check: check.ok_or_else(|| missing("Check:"))?,
        auth,
    })
}

/// One subsection of okta-reference.md §3: its heading (`3.1 PATCH of …`) and its text.
struct Quirk {
    heading: String,
    text: String,
}

fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The subsections of okta-reference.md §3 ("Known Okta quirks that break SCIM servers").
fn section_3() -> Vec<Quirk> {
    let text = std::fs::read_to_string(repository_file("docs/okta-reference.md"))
        .expect("docs/okta-reference.md");
    let start = text.find("\n## 3. ").expect("okta-reference.md has a §3");
    let end = start
        + text[start + 1..]
            .find("\n## ")
            .expect("and a section after it");
    text[start..end]
        .split("\n### ")
        .skip(1)
        .map(|part| {
            let (heading, body) = part.split_once('\n').unwrap_or((part, ""));
            Quirk {
                heading: heading.trim().to_string(),
                text: body.to_string(),
            }
        })
        .collect()
}

/// The §3 subsection that cites `url`, as `§3.1 PATCH of …`.
fn bug_class(quirks: &[Quirk], url: &str) -> Option<String> {
    let cites = |q: &Quirk| {
        q.text
            .split_whitespace()
            .any(|word| word.trim_matches(['(', ')', '<', '>', '.', ',', ';', ':']) == url)
    };
    quirks
        .iter()
        .find(|q| cites(q))
        .map(|q| format!("§{}", q.heading))
}

/// A regression file: its name, header and scenario.
struct Regression {
    name: String,
    header: Header,
    scenario: Scenario,
    class: String,
}

/// Every file of the folder, read and checked; a file that does not qualify panics, naming it.
fn regressions() -> Vec<Regression> {
    let quirks = section_3();
    assert!(
        quirks.len() >= 20,
        "okta-reference.md §3 has {} subsections",
        quirks.len()
    );
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repository_file(FOLDER))
        .unwrap_or_else(|e| panic!("{FOLDER}: {e}"))
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    paths.sort();
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let file = format!("{FOLDER}/{name}");
        let text = std::fs::read_to_string(&path).expect("a readable file");
        let header = match header(&file, &text) {
            Ok(h) => h,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let Some(class) = bug_class(&quirks, &header.reproduces) else {
            problems.push(format!(
                "{file}: {} is not a link of okta-reference.md §3; add the bug there first",
                header.reproduces
            ));
            continue;
        };
        let scenario = match scenario::load(&path) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{file} does not load: {e}"));
                continue;
            }
        };
        if !scenario.tags.iter().any(|t| t == "regression") {
            problems.push(format!("{file}: tag it `regression`"));
        }
        found.push(Regression {
            name,
            header,
            scenario,
            class,
        });
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    found
}

fn app_kind(app: scenario::AppKind) -> AppKind {
    match app {
        scenario::AppKind::Oin => AppKind::Oin,
        scenario::AppKind::Aiw => AppKind::Aiw,
    }
}

async fn run(regression: &Regression, faults: &[Fault], app: AppKind) -> ScenarioResult {
    let (_server, client) = reference(faults, regression.header.auth).await;
    run_scenario(&regression.scenario, app, &client, OktaOptions::default()).await
}

fn failed_required(result: &ScenarioResult) -> BTreeSet<&str> {
    result
        .steps
        .iter()
        .flat_map(|s| s.checks.iter())
        .filter(|c: &&CheckOutcome| !c.passed && c.severity == Severity::Required)
        .map(|c| c.id)
        .collect()
}

/// Each file passes against the reference server and fails with its check against the fault,
/// under every app kind it runs under; every fault has a regression or a reason not to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_regression_passes_the_reference_server_and_fails_its_fault() {
    let regressions = regressions();
    let mut problems = Vec::new();
    let mut runs = 0;
    for r in &regressions {
        let file = format!("{FOLDER}/{}", r.name);
        let (fault, check) = (r.header.fault, r.header.check);
        for app in r.scenario.apps.iter().copied().map(app_kind) {
            runs += 1;
            let clean = run(r, &[], app).await;
            if clean.status != Status::Passed {
                problems.push(format!(
                    "{file} [{app:?}] fails against the reference server:\n{}",
                    describe(&clean)
                ));
            }
            let faulty = run(r, &[fault], app).await;
            let failed = failed_required(&faulty);
            if faulty.status != Status::Failed || !failed.contains(check) {
                problems.push(format!(
                    "{file} [{app:?}] with fault {fault} should fail {check}; failed required \
                     checks: {failed:?}\n{}",
                    describe(&faulty)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // What the folder covers: every fault with a bug class in §3 has a file.
    let named: BTreeSet<Fault> = regressions.iter().map(|r| r.header.fault).collect();
    let excused: BTreeSet<Fault> = WITHOUT_REGRESSION.iter().map(|(f, _)| *f).collect();
    for &fault in Fault::ALL {
        assert!(
            named.contains(&fault) ^ excused.contains(&fault),
            "fault {fault}: add a regression file naming it, or list it in WITHOUT_REGRESSION \
             with the reason (and not both)"
        );
    }
    let expected = Fault::ALL.len() - WITHOUT_REGRESSION.len();
    assert_eq!(named.len(), expected);
    assert!(regressions.len() >= expected, "{} files", regressions.len());
    assert!(runs > regressions.len(), "{runs} runs");
}

/// A file without one of the three lines fails, saying which line and what the header holds.
#[test]
fn a_header_without_a_line_is_refused_with_the_line_it_lacks() {
    let full = "# Reproduces: https://github.com/o/r/issues/1\n# Fault: bearer-only\n# Check: okta.list.status\nname: x\n";
    let parsed = header("full.yaml", full).expect("a whole header");
    assert_eq!(parsed.fault, Fault::BearerOnly);
    assert_eq!(parsed.check, "okta.list.status");
    assert_eq!(parsed.auth, AuthForm::Bearer);
    for (line, key) in [(0, "# Reproduces:"), (1, "# Fault:"), (2, "# Check:")] {
        let text: String = full
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != line)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let e = header("short.yaml", &text).expect_err("a line is missing");
        assert!(e.starts_with("short.yaml: the header has no"), "{e}");
        assert!(e.contains(key) && e.contains("docs/regressions.md"), "{e}");
    }
    // A header line after the first YAML line is not a header line.
    let late = "name: x\n# Reproduces: https://github.com/o/r/issues/1\n";
    assert!(header("late.yaml", late).is_err());
    for (text, says) in [
        ("# Reproduces: github.com/o/r/issues/1\n", "https"),
        ("# Fault: no-such-fault\n", "not a reference-server fault"),
        ("# Check: okta.no-such-check\n", "not a check id"),
        ("# Check: rfc.error.status\n", "advisory"),
        ("# Auth: basic\n", "`bearer` or `header`"),
    ] {
        let e = header("bad.yaml", text).expect_err(text);
        assert!(e.contains(says), "{e}");
    }
}

/// The table of docs/regressions.md.
fn markdown_table(regressions: &[Regression]) -> String {
    let mut out = String::from(
        "| file | bug class (okta-reference.md) | reproduces | fault | check |\n|---|---|---|---|---|\n",
    );
    for r in regressions {
        let link = &r.header.reproduces;
        let label = short_link(link);
        out.push_str(&format!(
            "| [`{name}`](../{FOLDER}/{name}) | {class} | [{label}]({link}) | `{fault}` | `{check}` |\n",
            name = r.name,
            class = r.class,
            fault = r.header.fault,
            check = r.header.check,
        ));
    }
    out
}

/// `owner/repo#123` for a GitHub issue or pull request, else the host.
fn short_link(url: &str) -> String {
    let rest = url.trim_start_matches("https://");
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["github.com", owner, repo, "issues" | "pull", n, ..] => format!("{owner}/{repo}#{n}"),
        [host, ..] => host.to_string(),
        [] => url.to_string(),
    }
}

/// docs/regressions.md carries the table generated from the headers; `OKSCIM_UPDATE_DOCS=1`
/// rewrites it.
#[test]
fn the_table_in_the_docs_is_generated_from_the_headers() {
    let path = repository_file("docs/regressions.md");
    let mut text = std::fs::read_to_string(&path).expect("docs/regressions.md");
    let table = markdown_table(&regressions());
    let begin = text
        .find("<!-- regressions:begin")
        .expect("docs/regressions.md has a regressions:begin marker");
    let body = begin + text[begin..].find("-->\n").expect("the marker's end") + 4;
    let end = text
        .find("<!-- regressions:end -->")
        .expect("docs/regressions.md has a regressions:end marker");
    if text[body..end] == table {
        return;
    }
    if std::env::var_os("OKSCIM_UPDATE_DOCS").is_some() {
        text.replace_range(body..end, &table);
        std::fs::write(&path, text).expect("write docs/regressions.md");
        return;
    }
    panic!(
        "docs/regressions.md is out of date; regenerate it with \
         OKSCIM_UPDATE_DOCS=1 cargo test --test integration regression_scenarios"
    );
}
