//! docs/certify.md, generated: every requirement and how okscim shows it, and for each SPEC and
//! CRUD test step the assertions its scenario step makes and the check that makes each.

use std::fmt::Write;
use std::sync::Arc;

use super::requirements::{ALL, Coverage, Suite};
use crate::scenario::{Assertions, OktaAction, Scenario, StepKind};

/// The assertions of Okta's Entitlements SPEC test (okta-reference.md §2.5), each made by
/// `okta.entitlements.list`.
const ENTITLEMENTS_ASSERTIONS: [&str; 6] = [
    "status 200",
    "`Resources` is not empty",
    "`schemas` has the ListResponse URN",
    "`startIndex` is a number",
    "`totalResults` is a number",
    "`itemsPerPage` is 1",
];

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

/// Where each requirement id is covered: `(path, Some(step number and name))` per place.
fn places(id: &str, scenarios: &[Arc<Scenario>]) -> Vec<String> {
    let mut out = Vec::new();
    for s in scenarios {
        let path = s.path.display().to_string();
        if s.covers.iter().any(|c| c == id) {
            out.push(format!("`{path}`"));
        }
        for (i, step) in s.steps.iter().enumerate() {
            if step.covers.iter().any(|c| c == id) {
                out.push(format!("`{path}` step {}", i + 1));
            }
        }
    }
    out
}

/// Each assertion of a block with the check that makes it.
fn assertions(a: &Assertions, severity: &str, out: &mut Vec<(String, &'static str, String)>) {
    if !a.status.is_empty() {
        let s: Vec<String> = a.status.iter().map(u16::to_string).collect();
        out.push((
            format!("status {}", s.join(" or ")),
            "expect.status",
            severity.into(),
        ));
    }
    if let Some(b) = &a.body {
        out.push((
            format!("body contains `{b}`"),
            "expect.body",
            severity.into(),
        ));
    }
    for (path, value) in &a.jsonpath {
        out.push((
            format!("`{}` = `{value}`", path.as_str()),
            "expect.jsonpath",
            severity.into(),
        ));
    }
    for path in &a.non_empty {
        out.push((
            format!("`{}` is not empty", path.as_str()),
            "expect.non-empty",
            severity.into(),
        ));
    }
    for (path, t) in &a.types {
        out.push((
            format!("`{}` is a {}", path.as_str(), t.name()),
            "expect.type",
            severity.into(),
        ));
    }
    if let Some(ms) = a.within_ms {
        out.push((
            format!("answered within {ms} ms"),
            "expect.duration",
            severity.into(),
        ));
    }
}

/// The whole page.
pub fn markdown(scenarios: &[Arc<Scenario>]) -> String {
    let mut md = String::from(
        "# Certification requirements\n\n\
         Generated from `src/certify/requirements.rs` and the bundled scenarios; a test keeps it\n\
         in step (`OKSCIM_UPDATE_DOCS=1 cargo test --test integration certify_docs` rewrites it).\n\n\
         `okscim certify [--target URL auth…] [--okta-app oin|aiw] [--json FILE] [--junit FILE] [--html FILE]`\n\
         runs the bundled scenarios that `covers` a requirement and reports each requirement:\n\
         **pass**, **fail** (with the failing check, what the Okta admin sees and the fix), **N/A**\n\
         (no scenario that shows it ran: the SPEC test is for OIN apps), **by hand** (not on the\n\
         wire: Okta's UI, SSO, the org's setup) or **not simulated yet** (on the wire, but the\n\
         simulated Okta does not do it yet). The verdict is \"ready for OIN submission\" when no\n\
         required requirement fails; the requirements by hand and not simulated are listed with it,\n\
         for the submitter to test in Okta. Exit codes are those of `okscim run`. The JSON report's\n\
         schema is `docs/certify.schema.json`. The HTML report is one self-contained file (no\n\
         script, no external asset; it opens offline) with the verdict, every requirement, the\n\
         test plan's rows filled in, and each failure with its redacted request and response.\n",
    );
    for suite in Suite::ALL {
        let _ = write!(
            md,
            "\n## {}\n\n| id | requirement | required | how okscim shows it |\n|---|---|---|---|\n",
            suite.title()
        );
        for r in ALL.iter().filter(|r| r.suite == *suite) {
            let how = match r.coverage {
                Coverage::Scenarios => places(r.id, scenarios).join(", "),
                Coverage::Manual(why) => format!("by hand: {why}"),
                Coverage::NotSimulated(why) => format!("not simulated yet: {why}"),
            };
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} |",
                r.id,
                cell(r.name),
                if r.required { "yes" } else { "optional" },
                cell(&how)
            );
        }
    }
    md.push_str(
        "\n## Each assertion of the SPEC, CRUD and Entitlements tests, and the check that makes it\n\n\
         Okta's own checks (`okta.*`, docs/checks.md) also judge every request an `okta:` step\n\
         sends; the table lists what the step itself asserts.\n\n\
         | step | assertion | check | severity |\n|---|---|---|---|\n",
    );
    for r in ALL
        .iter()
        .filter(|r| matches!(r.suite, Suite::OktaSpec | Suite::OktaCrud) || r.id == "ENT")
        .filter(|r| r.coverage == Coverage::Scenarios)
    {
        for s in scenarios {
            for step in s
                .steps
                .iter()
                .filter(|st| st.covers.iter().any(|c| c == r.id))
            {
                let mut rows = Vec::new();
                assertions(&step.expect.assert, "required", &mut rows);
                if let Some(a) = &step.expect.advisory {
                    assertions(&a.assert, "advisory", &mut rows);
                }
                match &step.kind {
                    StepKind::Okta(OktaAction::EntitlementsTest) => {
                        for what in ENTITLEMENTS_ASSERTIONS {
                            rows.push((
                                format!("each entitlement endpoint: {what}"),
                                "okta.entitlements.list",
                                "required".into(),
                            ));
                        }
                        rows.push((
                            "each role has id and displayName; each entitlement id, displayName and type (Okta's entitlements guide)".into(),
                            "okta.entitlements.resource",
                            "required".into(),
                        ));
                    }
                    StepKind::Okta(_) => {
                        rows.push(("Okta's action succeeds".into(), "okta.*", "required".into()));
                    }
                    // Step 19's script asserts the RFC's own rule, which okscim checks on
                    // every answer to a scenario's list request.
                    StepKind::Request(_) if r.id == "SPEC-19" => {
                        rows.push((
                            "when `totalResults` is 1 or more, `Resources` is an array (the step's script)".into(),
                            "rfc.list.resources",
                            "required".into(),
                        ));
                    }
                    _ => {}
                }
                for (what, check, severity) in rows {
                    let _ = writeln!(
                        md,
                        "| `{}` | {} | `{check}` | {severity} |",
                        r.id,
                        cell(&what)
                    );
                }
            }
        }
    }
    md
}
