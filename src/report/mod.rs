//! Reporters: consumers of run results. The terminal reporter prints as scenarios finish; the
//! JUnit and JSON reports are written at the end from the same data.

mod certify;
mod certify_html;
mod github;
mod json;
mod junit;
mod style;
mod terminal;

pub use certify::{certify_json, certify_junit, certify_text};
pub use certify_html::certify_html;
pub use github::{GithubAnnotations, annotations, under_github_actions};
pub use json::json_report;
pub use junit::{failure_text, junit_xml};
pub use terminal::{TerminalReporter, summary_line};
