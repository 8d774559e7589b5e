//! The certification report as one self-contained HTML file (inline CSS, no script, no external
//! asset: it opens offline and can be attached to an OIN submission): the verdict, the counts,
//! every requirement by suite, the test plan's rows filled in, and for each failure the
//! exchange with its redacted request and response.

use std::fmt::Write;

use crate::certify::{Readiness, RequirementResult, RequirementStatus, Suite};
use crate::http::Exchange;
use crate::runner::RunResult;

/// Text safe in HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:1200px}\
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}\
.verdict{font-size:1.2rem;font-weight:600;padding:.75rem 1rem;border-radius:6px;margin:1rem 0}\
.ready{background:#e6f4ea;color:#137333}.not-ready{background:#fce8e6;color:#a50e0e}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}.st{font-weight:600;white-space:nowrap}\
.passed{color:#137333}.failed{color:#a50e0e}.optional{color:#9a6700}.other{color:#57606a}\
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:.25rem 0}\
.failure{border-left:4px solid #a50e0e;padding:.25rem 1rem;margin:1rem 0}.muted{color:#57606a}";

fn status_cell(r: &RequirementResult) -> (&'static str, &'static str) {
    match r.status {
        RequirementStatus::Passed => ("pass", "passed"),
        RequirementStatus::Failed if r.required => ("fail", "failed"),
        RequirementStatus::Failed => ("fail (optional)", "optional"),
        RequirementStatus::NotApplicable => ("n/a", "other"),
        RequirementStatus::Manual => ("by hand", "other"),
        RequirementStatus::NotSimulated => ("not simulated yet", "other"),
    }
}

fn exchange_html(e: &Exchange) -> String {
    let mut request = format!("{} {}\n", e.request.method, e.request.url);
    for (k, v) in &e.request.headers {
        let _ = writeln!(request, "{k}: {v}");
    }
    if let Some(b) = &e.request.body {
        let _ = write!(request, "\n{}", crate::text::truncate(b, 4000));
    }
    let response = match (&e.response, &e.error) {
        (Some(r), error) => {
            let mut t = format!("{}\n", r.status);
            for (k, v) in &r.headers {
                let _ = writeln!(t, "{k}: {v}");
            }
            if !r.body.is_empty() {
                let _ = write!(t, "\n{}", crate::text::truncate(&r.body, 4000));
            }
            if let Some(err) = error {
                let _ = write!(t, "\n({err})");
            }
            t
        }
        (None, Some(err)) => format!("no response: {err}"),
        (None, None) => "no response".to_string(),
    };
    format!(
        "<p class=\"muted\">request</p><pre>{}</pre><p class=\"muted\">response</p><pre>{}</pre>",
        esc(&request),
        esc(&response)
    )
}

/// The exchange a failure names, found in the run's results.
fn failing_exchange<'r>(run: &'r RunResult, r: &RequirementResult) -> Option<&'r Exchange> {
    let f = r.failure.as_ref()?;
    let scenario = run.scenarios.iter().find(|s| s.title() == f.scenario)?;
    let step = scenario
        .steps
        .iter()
        .find(|st| format!("{} {}", st.index, st.label) == f.step)?;
    step.failures()
        .find_map(|c| c.exchange)
        .and_then(|i| step.exchanges.get(i))
        .or_else(|| step.exchanges.last())
}

/// The whole report.
pub fn certify_html(readiness: &Readiness, run: &RunResult) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>okscim certify: {}</title><style>{STYLE}</style></head><body>",
        esc(&readiness.target)
    );
    let _ = write!(
        h,
        "<h1>Okta certification readiness</h1><p class=\"muted\">okscim certify ({}) against {} · report format {}</p>",
        env!("CARGO_PKG_VERSION"),
        esc(&crate::text::target_phrase(&readiness.target)),
        esc(&readiness.format)
    );
    let _ = write!(
        h,
        "<div id=\"verdict\" class=\"verdict {}\">{}</div>",
        if readiness.ready {
            "ready"
        } else {
            "not-ready"
        },
        esc(&readiness.verdict)
    );
    if !readiness.setup.is_empty() {
        h.push_str("<h2>Set up first</h2><ul id=\"setup\">");
        for line in &readiness.setup {
            let _ = write!(h, "<li>{}</li>", esc(line));
        }
        h.push_str("</ul>");
    }
    let c = readiness.counts;
    let _ = write!(
        h,
        "<table id=\"counts\"><tr><th>passed</th><th>failed</th><th>optional failed</th><th>not applicable</th><th>by hand</th><th>not simulated yet</th></tr>\
         <tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        c.passed, c.failed, c.optional_failed, c.not_applicable, c.manual, c.not_simulated
    );
    for suite in Suite::ALL {
        let rows: Vec<&RequirementResult> = readiness
            .requirements
            .iter()
            .filter(|r| r.suite == *suite)
            .collect();
        let id = match suite {
            Suite::OktaSpec => "okta-spec",
            Suite::OktaCrud => "okta-crud",
            Suite::OktaEntitlements => "okta-entitlements",
            Suite::TestPlan => "test-plan",
        };
        let _ = write!(
            h,
            "<h2>{}</h2><table class=\"requirements\" id=\"{id}\"><tr><th>id</th><th>requirement</th><th>result</th><th>shown by, or why not</th></tr>",
            esc(suite.title())
        );
        for r in rows {
            let (label, class) = status_cell(r);
            let how = if let Some(why) = &r.reason {
                esc(why)
            } else {
                r.evidence
                    .iter()
                    .map(|e| {
                        let steps = if e.steps.is_empty() {
                            String::new()
                        } else {
                            format!(" › {}", e.steps.join(", "))
                        };
                        esc(&format!("{}{steps}", e.scenario))
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}{}</td><td class=\"st {class}\">{label}</td><td>{how}</td></tr>",
                esc(&r.id),
                esc(&r.name),
                if r.required {
                    ""
                } else {
                    " <span class=\"muted\">(optional)</span>"
                }
            );
        }
        h.push_str("</table>");
    }
    let failures: Vec<&RequirementResult> = readiness
        .requirements
        .iter()
        .filter(|r| r.status == RequirementStatus::Failed)
        .collect();
    if !failures.is_empty() {
        h.push_str("<h2>Failures</h2>");
        for r in failures {
            let Some(f) = &r.failure else { continue };
            let _ = write!(
                h,
                "<div class=\"failure\"><h3>{} {}</h3><p>{} › {}{}</p><p>expected: {}<br>actual: {}</p>",
                esc(&r.id),
                esc(&r.name),
                esc(&f.scenario),
                esc(&f.step),
                f.check
                    .as_deref()
                    .map(|c| format!(" › <code>{}</code>", esc(c)))
                    .unwrap_or_default(),
                esc(&f.expected),
                esc(&crate::text::truncate(&f.actual, 2000))
            );
            if let Some(sees) = &f.admin_sees {
                let _ = write!(h, "<p><b>The Okta admin sees:</b> {}</p>", esc(sees));
            }
            if let Some(fix) = &f.fix {
                let _ = write!(h, "<p><b>Fix:</b> {}</p>", esc(fix));
            }
            if let Some(e) = failing_exchange(run, r) {
                h.push_str(&exchange_html(e));
            }
            h.push_str("</div>");
        }
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
