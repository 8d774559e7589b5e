//! JUnit XML (quick-junit), as Jenkins, GitLab and GitHub test reporters read it: one test case
//! per scenario run, classname `scenarios.users.create`; a failure's message is its first check
//! failure, its text every failure with the check first and the snapshot after, and its
//! system-out the failed steps' exchanges and the unified snapshot diff. Validated against
//! Jenkins' JUnit XSD in the tests.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::errors::HarnessError;
use crate::runner::{RunResult, Status};

/// The failures of a scenario as plain text (no colour).
pub fn failure_text(s: &crate::runner::ScenarioResult) -> String {
    let mut text = String::new();
    if let Some(e) = &s.error {
        text.push_str(&format!("{e}\n"));
    }
    for step in s.steps.iter().filter(|st| st.status == Status::Failed) {
        text.push_str(&format!(
            "step {} {} ({}:{})\n",
            step.index,
            step.label,
            s.path.display(),
            step.line
        ));
        if let Some(e) = &step.error {
            text.push_str(&format!("  error: {e}\n"));
        }
        if let Some(f) = &step.okta_failure {
            text.push_str(&format!("  Okta fails the action: {f}\n"));
        }
        for c in step.failures() {
            text.push_str(&format!(
                "  {} [{:?}] {}\n    expected: {}\n    actual:   {}\n",
                c.id,
                c.kind,
                c.basis.as_deref().unwrap_or(c.source),
                c.expected,
                c.actual
            ));
            if let Some(def) =
                crate::check::by_id(c.id).filter(|d| d.kind != crate::check::CheckKind::Expect)
            {
                text.push_str(&format!("    fix: {}\n", def.fix));
            }
            if let Some(e) = c.exchange.and_then(|i| step.exchanges.get(i)) {
                text.push_str(&format!("    exchange: {}\n", e.summary()));
                if let Some(r) = e.response.as_ref().filter(|r| !r.body.is_empty()) {
                    text.push_str(&format!(
                        "    response body: {}\n",
                        crate::text::truncate(&r.body, 400)
                    ));
                }
            }
        }
    }
    // The checks first: they say what breaks; the snapshot says what changed.
    match &s.snapshot {
        Some(crate::snapshot::SnapshotVerdict::Changed { file, changes, .. }) => {
            text.push_str(&format!(
                "snapshot {} differs:\n{}",
                file.display(),
                crate::snapshot::render_changes(changes)
            ));
        }
        Some(crate::snapshot::SnapshotVerdict::Missing { file, .. }) => {
            text.push_str(&format!(
                "snapshot {} is missing: no stored snapshot to compare with\n",
                file.display()
            ));
        }
        _ => {}
    }
    text
}

/// What a CI tool shows beside a failure: the unified diff of a changed snapshot, then each
/// failed step's exchanges as HTTP text (secrets redacted when they were recorded).
fn system_out(s: &crate::runner::ScenarioResult) -> String {
    let mut out = String::new();
    for step in s.steps.iter().filter(|st| st.status == Status::Failed) {
        out.push_str(&format!(
            "== step {} {} ({}:{})\n",
            step.index,
            step.label,
            s.path.display(),
            step.line
        ));
        for e in &step.exchanges {
            out.push_str(&e.http_text(4000));
            out.push('\n');
        }
    }
    if let Some(crate::snapshot::SnapshotVerdict::Changed { file, diff, .. }) = &s.snapshot {
        out.push_str(&format!(
            "== snapshot {} (- stored, + this run)\n{diff}",
            file.display()
        ));
    }
    out
}

/// The message of a run whose checks passed and whose snapshot did not match.
fn snapshot_message(v: &crate::snapshot::SnapshotVerdict) -> &'static str {
    match v {
        crate::snapshot::SnapshotVerdict::Missing { .. } => {
            "checks passed; no stored snapshot (accept one with `okscim snapshots accept`)"
        }
        _ => "checks passed; the snapshot differs",
    }
}

/// A JUnit classname for a scenario file: its path without the extension, folders joined with
/// dots (`scenarios.users.create`), as CI tools split a classname into package and class at the
/// last dot.
fn classname(path: &std::path::Path) -> String {
    path.with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().replace('.', "_"))
        .filter(|c| c != "/")
        .collect::<Vec<_>>()
        .join(".")
}

/// Renders the run as JUnit XML.
pub fn junit_xml(run: &RunResult) -> Result<String, HarnessError> {
    let mut report = Report::new("okscim");
    let mut suite = TestSuite::new(format!("okscim against {}", run.target));
    for s in &run.scenarios {
        let snapshot_failure = s.snapshot.as_ref().filter(|v| v.is_failure());
        let status = match s.status {
            Status::Passed if snapshot_failure.is_none() => TestCaseStatus::success(),
            Status::Passed => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                if let Some(v) = snapshot_failure {
                    st.set_message(snapshot_message(v));
                }
                st.set_description(failure_text(s));
                st
            }
            Status::Skipped => {
                let mut st = TestCaseStatus::skipped();
                if let Some(r) = &s.skip_reason {
                    st.set_message(r.clone());
                }
                st
            }
            Status::Failed => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = s
                    .steps
                    .iter()
                    .find(|st| st.status == Status::Failed)
                    .map(|st| {
                        st.failures()
                            .next()
                            .map(|c| {
                                format!(
                                    "step {} {}: {} expected {}, got {}",
                                    st.index, st.label, c.id, c.expected, c.actual
                                )
                            })
                            .or_else(|| {
                                st.error
                                    .clone()
                                    .map(|e| format!("step {} {}: {e}", st.index, st.label))
                            })
                            .unwrap_or_else(|| format!("step {} {} failed", st.index, st.label))
                    })
                    .or_else(|| s.error.as_ref().map(ToString::to_string))
                    .unwrap_or_default();
                st.set_message(first);
                st.set_description(failure_text(s));
                st
            }
        };
        let failed = s.failed();
        let mut case = TestCase::new(s.title(), status);
        case.set_classname(classname(&s.path));
        if failed {
            let out = system_out(s);
            if !out.is_empty() {
                case.set_system_out(out);
            }
        }
        case.set_time(Duration::from_secs_f64(s.duration_ms / 1000.0));
        suite.add_test_case(case);
    }
    suite.set_time(Duration::from_secs_f64(run.duration_ms / 1000.0));
    if let Some(signal) = run.interrupted {
        suite.add_property(("interrupted", signal.name()));
    }
    report.add_test_suite(suite);
    report
        .to_string()
        .map(|xml| jenkins_compatible(&xml))
        .map_err(HarnessError::from)
}

/// The report as the JUnit XSD Jenkins validates against (the xunit plugin's `junit-10.xsd`)
/// accepts it: without the `skipped` attribute quick-junit writes on `<testsuites>` (each
/// `<testsuite>` keeps its own), and without U+FFFE and U+FFFF, which XML does not allow and a
/// server's response body could carry into the report.
pub(crate) fn jenkins_compatible(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    match xml.find("<testsuites") {
        Some(start) => {
            let end = xml[start..].find('>').map_or(xml.len(), |e| start + e);
            let root = &xml[start..end];
            let root = match root.find(" skipped=\"") {
                Some(at) => {
                    let value_end = root[at + 10..]
                        .find('"')
                        .map_or(root.len(), |e| at + 10 + e + 1);
                    format!("{}{}", &root[..at], &root[value_end..])
                }
                None => root.to_string(),
            };
            out.push_str(&xml[..start]);
            out.push_str(&root);
            out.push_str(&xml[end..]);
        }
        None => out.push_str(xml),
    }
    out.replace(['\u{FFFE}', '\u{FFFF}'], "\u{FFFD}")
}
