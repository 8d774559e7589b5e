//! The certification report: per Okta requirement, pass / fail / not applicable / by hand / not
//! simulated yet, then the verdict; as terminal text (ANSI colour, which the caller strips when
//! the output is not a colour terminal), JSON (`okscim-certify/1`) and JUnit.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::certify::{Readiness, RequirementResult, RequirementStatus, Suite};
use crate::errors::HarnessError;

use super::style::{BOLD, DIM, GREEN, RED, RESET, YELLOW};

fn label(r: &RequirementResult) -> String {
    match r.status {
        RequirementStatus::Passed => format!("{GREEN}PASS{RESET}   "),
        RequirementStatus::Failed if r.required => format!("{RED}FAIL{RESET}   "),
        RequirementStatus::Failed => format!("{YELLOW}WARN{RESET}   "),
        RequirementStatus::NotApplicable => format!("{DIM}N/A{RESET}    "),
        RequirementStatus::Manual => format!("{DIM}MANUAL{RESET} "),
        RequirementStatus::NotSimulated => format!("{YELLOW}NOT YET{RESET}"),
    }
}

/// The report as terminal text: requirements by suite, failures with what the Okta admin sees
/// and the fix, then the verdict.
pub fn certify_text(readiness: &Readiness) -> String {
    let mut text = format!(
        "{BOLD}okscim certify{RESET} against {}\n",
        crate::text::target_phrase(&readiness.target)
    );
    for suite in Suite::ALL {
        let rows: Vec<&RequirementResult> = readiness
            .requirements
            .iter()
            .filter(|r| r.suite == *suite)
            .collect();
        if rows.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{BOLD}{}{RESET}\n", suite.title()));
        for r in rows {
            text.push_str(&format!("  {} {:<7} {}", label(r), r.id, r.name));
            if !r.required {
                text.push_str(&format!(" {DIM}(optional){RESET}"));
            }
            text.push('\n');
            if let Some(why) = &r.reason {
                text.push_str(&format!("           {DIM}{why}{RESET}\n"));
            }
            if let Some(f) = &r.failure {
                text.push_str(&format!(
                    "           {RED}✗{RESET} {} › {}{}\n             expected: {}\n             actual:   {}\n",
                    f.scenario,
                    f.step,
                    f.check
                        .as_deref()
                        .map(|c| format!(" › {BOLD}{c}{RESET}"))
                        .unwrap_or_default(),
                    f.expected,
                    crate::text::truncate(&f.actual, 300)
                ));
                if let Some(e) = &f.exchange {
                    text.push_str(&format!("             exchange: {e}\n"));
                }
                if let Some(sees) = &f.admin_sees {
                    text.push_str(&format!(
                        "             {DIM}the Okta admin sees:{RESET} {sees}\n"
                    ));
                }
                if let Some(fix) = &f.fix {
                    text.push_str(&format!("             {DIM}fix:{RESET} {fix}\n"));
                }
            }
        }
    }
    for line in &readiness.setup {
        text.push_str(&format!("\n{BOLD}set up first:{RESET} {line}"));
    }
    let c = readiness.counts;
    text.push_str(&format!(
        "\n{} passed, {} failed, {} optional failed, {} not applicable, {} by hand, {} not simulated yet\n",
        c.passed, c.failed, c.optional_failed, c.not_applicable, c.manual, c.not_simulated
    ));
    let colour = if readiness.ready { GREEN } else { RED };
    text.push_str(&format!("{colour}{BOLD}{}{RESET}\n", readiness.verdict));
    text
}

/// The report as JSON (`okscim-certify/1`, schema in docs/certify.schema.json).
pub fn certify_json(readiness: &Readiness) -> String {
    serde_json::to_string_pretty(readiness).unwrap_or_default()
}

/// The report as JUnit XML: one test case per requirement; those not shown on the wire are
/// skipped with the reason.
pub fn certify_junit(readiness: &Readiness) -> Result<String, HarnessError> {
    let mut report = Report::new("okscim certify");
    for suite in Suite::ALL {
        let mut ts = TestSuite::new(suite.title());
        for r in readiness.requirements.iter().filter(|r| r.suite == *suite) {
            let status = match r.status {
                RequirementStatus::Passed => TestCaseStatus::success(),
                RequirementStatus::Failed => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    if let Some(f) = &r.failure {
                        st.set_message(format!(
                            "{} › {}: {}",
                            f.scenario,
                            f.step,
                            f.check.as_deref().unwrap_or("failed")
                        ));
                        st.set_description(format!(
                            "expected: {}\nactual: {}\n{}{}",
                            f.expected,
                            f.actual,
                            f.admin_sees
                                .as_deref()
                                .map(|s| format!("the Okta admin sees: {s}\n"))
                                .unwrap_or_default(),
                            f.fix
                                .as_deref()
                                .map(|s| format!("fix: {s}\n"))
                                .unwrap_or_default(),
                        ));
                    }
                    st
                }
                _ => {
                    let mut st = TestCaseStatus::skipped();
                    if let Some(why) = &r.reason {
                        st.set_message(why.clone());
                    }
                    st
                }
            };
            let mut case = TestCase::new(format!("{} {}", r.id, r.name), status);
            case.set_classname(format!("{:?}", r.suite));
            case.set_time(Duration::ZERO);
            ts.add_test_case(case);
        }
        report.add_test_suite(ts);
    }
    report
        .to_string()
        .map(|xml| super::junit::jenkins_compatible(&xml))
        .map_err(HarnessError::from)
}
