//! GitHub Actions annotations: under `GITHUB_ACTIONS=true`, each failed step becomes an
//! `::error file=…,line=…,title=…::…` workflow command on stdout, which GitHub shows on the
//! scenario file's line in the pull request and the job summary.

use std::io::Write;
use std::path::Path;

use crate::runner::{Reporter, RunEvent, ScenarioResult, Status};

/// Whether the process runs under GitHub Actions.
pub fn under_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Writes an annotation for each failure of each finished scenario run.
#[derive(Debug)]
pub struct GithubAnnotations<W: Write + Send> {
    out: W,
}

impl GithubAnnotations<std::io::Stdout> {
    /// Annotations on stdout, where GitHub reads workflow commands.
    pub fn stdout() -> Self {
        GithubAnnotations {
            out: std::io::stdout(),
        }
    }
}

impl<W: Write + Send> GithubAnnotations<W> {
    /// Annotations written to `out`.
    pub fn new(out: W) -> Self {
        GithubAnnotations { out }
    }

    /// The writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Escapes a workflow command's message (`%`, CR, LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (the message's escapes, and `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The scenario file as GitHub names it: relative to the working directory (the checkout).
fn repo_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    relative.display().to_string().replace('\\', "/")
}

/// The annotations of one scenario run: `(line, title, message)`.
pub fn annotations(s: &ScenarioResult) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    if let Some(e) = &s.error {
        found.push((1, format!("okscim: {}", s.title()), e.to_string()));
    }
    for step in s.steps.iter().filter(|st| st.status == Status::Failed) {
        let title = format!("okscim: {} — step {} {}", s.title(), step.index, step.label);
        let mut message = String::new();
        if let Some(e) = &step.error {
            message.push_str(&format!("{e}\n"));
        }
        if let Some(f) = &step.okta_failure {
            message.push_str(&format!("Okta fails the action: {f}\n"));
        }
        for c in step.failures() {
            message.push_str(&format!(
                "{}: expected {}, got {}\n",
                c.id, c.expected, c.actual
            ));
            if let Some(e) = c.exchange.and_then(|i| step.exchanges.get(i)) {
                message.push_str(&format!("  {}\n", e.summary()));
            }
        }
        found.push((step.line, title, message.trim_end().to_string()));
    }
    if let Some(v) = s.snapshot.as_ref().filter(|v| v.is_failure()) {
        let message = match v {
            crate::snapshot::SnapshotVerdict::Changed { file, changes, .. } => format!(
                "the snapshot {} differs:\n{}",
                file.display(),
                crate::snapshot::render_changes(changes)
            ),
            crate::snapshot::SnapshotVerdict::Missing { file, .. } => {
                format!("no stored snapshot {}", file.display())
            }
            _ => String::new(),
        };
        found.push((
            1,
            format!("okscim: {} — snapshot", s.title()),
            message.trim_end().to_string(),
        ));
    }
    found
}

impl<W: Write + Send> Reporter for GithubAnnotations<W> {
    fn on_event(&mut self, event: &RunEvent<'_>) {
        if let RunEvent::ScenarioFinished(s) = event {
            let file = repo_path(&s.path);
            for (line, title, message) in annotations(s) {
                let _ = writeln!(
                    self.out,
                    "::error file={},line={line},title={}::{}",
                    escape_property(&file),
                    escape_property(&title),
                    escape_data(&message)
                );
            }
            let _ = self.out.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escapes() {
        assert_eq!(escape_data("a%b\nc\rd"), "a%25b%0Ac%0Dd");
        assert_eq!(escape_property("x: y, z"), "x%3A y%2C z");
    }
}
