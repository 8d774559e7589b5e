//! The terminal report: a line per scenario, details for each failure (the check, its kind and
//! source, expected vs actual, the exchange, and a curl command that reproduces it), a progress
//! bar when stderr is a terminal, colour unless NO_COLOR is set, and the closing
//! `N passed, N failed` line.

use std::io::{IsTerminal, Write};

use anstream::AutoStream;
use indicatif::{ProgressBar, ProgressStyle};

use crate::check::{CheckKind, CheckOutcome, Severity};
use crate::http::{Exchange, curl_command};
use crate::runner::{Counts, Reporter, RunEvent, ScenarioResult, Status, StepResult};
use crate::snapshot::{SnapshotVerdict, render_changes};

use super::style::{BOLD, DIM, GREEN, RED, RESET, YELLOW};

/// Writes the human report to stdout.
pub struct TerminalReporter {
    out: AutoStream<std::io::Stdout>,
    progress: Option<ProgressBar>,
    curl_auth: Option<String>,
    verbose: bool,
}

impl std::fmt::Debug for TerminalReporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalReporter").finish_non_exhaustive()
    }
}

/// `N passed, N failed` (`, N skipped` when any were skipped).
pub fn summary_line(counts: Counts) -> String {
    let mut line = format!("{} passed, {} failed", counts.passed, counts.failed);
    if counts.skipped > 0 {
        line.push_str(&format!(", {} skipped", counts.skipped));
    }
    line
}

fn truncate(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    crate::text::truncate_counted(text, max)
}

fn kind_name(k: CheckKind) -> &'static str {
    match k {
        CheckKind::Okta => "okta",
        CheckKind::Rfc => "rfc",
        CheckKind::Expect => "expect",
    }
}

impl TerminalReporter {
    /// A reporter; `curl_auth` is the Authorization header curl commands should carry.
    pub fn new(curl_auth: Option<String>, verbose: bool) -> Self {
        TerminalReporter {
            out: AutoStream::auto(std::io::stdout()),
            progress: None,
            curl_auth,
            verbose,
        }
    }

    fn emit(&mut self, text: &str) {
        match &self.progress {
            Some(pb) => pb.suspend(|| {
                let _ = write!(self.out, "{text}");
            }),
            None => {
                let _ = write!(self.out, "{text}");
            }
        }
    }

    fn render_scenario(&self, s: &ScenarioResult) -> String {
        let mut text = String::new();
        let (tag, colour) = match s.status {
            Status::Skipped => ("SKIP", YELLOW),
            _ if s.failed() => ("FAIL", RED),
            _ => ("PASS", GREEN),
        };
        let advisories: usize = s.steps.iter().map(|st| st.warnings().count()).sum();
        text.push_str(&format!(
            "{colour}{BOLD}{tag}{RESET} {} {DIM}({:.0} ms",
            s.title(),
            s.duration_ms
        ));
        if advisories > 0 {
            text.push_str(&format!(", {advisories} advisory"));
        }
        text.push_str(&format!("){RESET}\n"));
        if let Some(reason) = &s.skip_reason {
            text.push_str(&format!("     {DIM}{reason}{RESET}\n"));
        }
        if let Some(error) = &s.error {
            text.push_str(&format!("     {RED}{error}{RESET}\n"));
        }
        if let Some(v) = &s.snapshot {
            text.push_str(&render_verdict(s, v));
        }
        let throttled = s.exchanges().filter(|e| e.status() == Some(429)).count();
        if throttled > 0 {
            let waited: f64 = s.steps.iter().map(|st| st.okta_wait_secs).sum();
            text.push_str(&format!(
                "     {YELLOW}rate-limited:{RESET} {throttled} answer{} 429; Okta would have paused the task{} for {} in all before retrying{}\n",
                if throttled == 1 { "" } else { "s" },
                if throttled == 1 { "" } else { "s" },
                crate::okta::ratelimit::human(std::time::Duration::from_secs_f64(waited)),
                if self.verbose { "" } else { " (-v for each)" }
            ));
            if self.verbose {
                for note in s.steps.iter().flat_map(|st| st.notes.iter()) {
                    if note.starts_with("429 ") {
                        text.push_str(&format!("       {DIM}{note}{RESET}\n"));
                    }
                }
            }
        }
        for step in &s.steps {
            if step.status == Status::Failed {
                text.push_str(&self.render_failed_step(s, step));
            } else if self.verbose {
                for w in step.warnings() {
                    text.push_str(&format!("     {YELLOW}!{RESET} {}\n", one_line(w)));
                }
            }
        }
        text
    }

    fn render_failed_step(&self, s: &ScenarioResult, step: &StepResult) -> String {
        let mut text = format!(
            "     {BOLD}step {}{RESET} {} {DIM}({}:{}){RESET}\n",
            step.index,
            step.label,
            s.path.display(),
            step.line
        );
        if let Some(e) = &step.error {
            text.push_str(&format!(
                "       {RED}error[{}]:{RESET} {e}\n         {DIM}help: {}{RESET}\n",
                e.code(),
                e.help()
            ));
        }
        if let Some(f) = &step.okta_failure {
            text.push_str(&format!("       {RED}Okta fails the action:{RESET} {f}\n"));
        }
        let mut shown_exchanges = Vec::new();
        for c in step.failures() {
            text.push_str(&format!(
                "       {RED}✗{RESET} {BOLD}{}{RESET} [{}, required] {DIM}{}{RESET}\n         expected: {}\n         actual:   {}\n",
                c.id,
                kind_name(c.kind),
                c.basis.as_deref().unwrap_or(c.source),
                c.expected,
                truncate(&c.actual, 300)
            ));
            if let Some(def) = crate::check::by_id(c.id).filter(|d| d.kind != CheckKind::Expect) {
                if let Some(sees) = def.admin_sees {
                    text.push_str(&format!(
                        "         {DIM}the Okta admin sees:{RESET} {sees}\n"
                    ));
                }
                text.push_str(&format!("         {DIM}fix:{RESET} {}\n", def.fix));
            }
            if let Some(i) = c.exchange
                && !shown_exchanges.contains(&i)
            {
                shown_exchanges.push(i);
            }
        }
        for w in step.warnings() {
            text.push_str(&format!("       {YELLOW}!{RESET} {}\n", one_line(w)));
        }
        for i in shown_exchanges {
            if let Some(e) = step.exchanges.get(i) {
                text.push_str(&self.render_exchange(e));
            }
        }
        text
    }

    fn render_exchange(&self, e: &Exchange) -> String {
        let mut text = format!("       {DIM}exchange:{RESET} {}\n", e.summary());
        if let Some(body) = &e.request.body {
            text.push_str(&format!(
                "         request body:  {}\n",
                truncate(body, 400)
            ));
        }
        if let Some(r) = &e.response {
            text.push_str(&format!(
                "         response: {} {}\n",
                r.status,
                r.header("content-type").unwrap_or("(no content-type)")
            ));
            if !r.body.is_empty() {
                text.push_str(&format!(
                    "         response body: {}\n",
                    truncate(&r.body, 400)
                ));
            }
        }
        text.push_str(&format!(
            "         reproduce: {}\n",
            curl_command(&e.request, self.curl_auth.as_deref())
        ));
        text
    }
}

/// The folder to pass to `okscim snapshots review` for a pending snapshot file.
fn review_dir(pending: &std::path::Path) -> String {
    let dir = pending
        .parent()
        .map_or_else(|| ".".to_string(), |d| d.display().to_string());
    if dir.contains(char::is_whitespace) {
        format!("'{dir}'")
    } else {
        dir
    }
}

fn render_verdict(s: &ScenarioResult, v: &SnapshotVerdict) -> String {
    let checks = match s.status {
        Status::Failed => format!("{RED}failed{RESET}"),
        _ => format!("{GREEN}passed{RESET}"),
    };
    match v {
        SnapshotVerdict::Matched { .. } => String::new(),
        SnapshotVerdict::Written { file } => {
            format!("     {DIM}snapshot written: {}{RESET}\n", file.display())
        }
        SnapshotVerdict::Missing { file, pending } => {
            let mut t = format!(
                "     checks {checks}; {YELLOW}snapshot missing{RESET}: {}\n",
                file.display()
            );
            if let Some(p) = pending {
                t.push_str(&format!(
                    "       new snapshot written to {} (review with `okscim snapshots review {}`)\n",
                    p.display(),
                    review_dir(p)
                ));
            }
            t
        }
        SnapshotVerdict::Changed {
            file,
            changes,
            pending,
            ..
        } => {
            let mut t = format!(
                "     checks {checks}; {RED}snapshot differs{RESET} from {} ({} changes):\n",
                file.display(),
                changes.len()
            );
            for line in render_changes(changes).lines().take(40) {
                t.push_str(&format!("       {line}\n"));
            }
            if changes.len() > 40 {
                t.push_str(&format!("       … {} more\n", changes.len() - 40));
            }
            if let Some(p) = pending {
                t.push_str(&format!(
                    "       pending: {} (review with `okscim snapshots review {}`)\n",
                    p.display(),
                    review_dir(p)
                ));
            }
            t
        }
    }
}

fn one_line(c: &CheckOutcome) -> String {
    let sev = match c.severity {
        Severity::Required => "required",
        Severity::Advisory => "advisory",
    };
    format!(
        "{} [{}, {sev}]: expected {}, got {} ({})",
        c.id,
        kind_name(c.kind),
        c.expected,
        truncate(&c.actual, 120),
        c.basis.as_deref().unwrap_or(c.source)
    )
}

impl Reporter for TerminalReporter {
    fn on_event(&mut self, event: &RunEvent<'_>) {
        match event {
            RunEvent::Started { total, target } => {
                self.emit(&format!(
                    "{BOLD}okscim{RESET} running {} against {}\n",
                    crate::text::count_of(*total, "scenario run"),
                    crate::text::target_phrase(target)
                ));
                if std::io::stderr().is_terminal() {
                    let pb = ProgressBar::new(*total as u64);
                    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
                        pb.set_style(style);
                    }
                    self.progress = Some(pb);
                }
            }
            RunEvent::ScenarioFinished(s) => {
                let text = self.render_scenario(s);
                self.emit(&text);
                if let Some(pb) = &self.progress {
                    pb.inc(1);
                }
            }
            RunEvent::Finished(run) => {
                if let Some(pb) = self.progress.take() {
                    pb.finish_and_clear();
                }
                let counts = run.counts();
                if let Some(cause) = run.common_failure() {
                    self.emit(&format!(
                        "{RED}{BOLD}{}{RESET}{RED}: {}{RESET}\n",
                        cause.what(),
                        cause.fix()
                    ));
                } else if run.target_unreachable() {
                    self.emit(&format!("{RED}the target could not be reached{RESET}\n"));
                }
                let failed = run.failed_runs();
                if !failed.is_empty() {
                    self.emit(&format!("{BOLD}failed scenario runs:{RESET}\n"));
                    for f in &failed {
                        self.emit(&format!(
                            "  {RED}✗{RESET} {}  {DIM}{}{RESET}\n",
                            f.title, f.first
                        ));
                    }
                }
                if let Some(signal) = run.interrupted {
                    let cut = run
                        .scenarios
                        .iter()
                        .filter(|s| s.interrupted.is_some())
                        .count();
                    self.emit(&format!(
                        "{RED}{BOLD}interrupted by {signal}{RESET}{RED}: {} of {} scenario runs did not finish (counted as skipped); the reports hold what ran{RESET}\n",
                        cut,
                        run.scenarios.len()
                    ));
                }
                let colour = if counts.failed > 0 || run.interrupted.is_some() {
                    RED
                } else {
                    GREEN
                };
                self.emit(&format!(
                    "{DIM}finished in {:.2} s{RESET}\n",
                    run.duration_ms / 1000.0
                ));
                self.emit(&format!("{colour}{}{RESET}\n", summary_line(counts)));
                let _ = self.out.flush();
            }
        }
    }
}
