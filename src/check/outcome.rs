//! The result of one check.

use serde::Serialize;

/// Who the rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// What Okta needs for the action to succeed.
    Okta,
    /// RFC 7643/7644.
    Rfc,
    /// The scenario's own expectation.
    Expect,
}

/// Whether a failure fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the run.
    Required,
    /// Reported; does not fail the run.
    Advisory,
}

/// One judgement on one exchange.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckOutcome {
    /// Stable id, e.g. `okta.create-user.status`.
    pub id: &'static str,
    /// Kind.
    pub kind: CheckKind,
    /// Severity.
    pub severity: Severity,
    /// Where the rule comes from, e.g. `RFC 7644 §3.3` or `Okta SCIM 2.0 reference (okta-reference.md §1.3)`.
    pub source: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub actual: String,
    /// Why the scenario asks this (its `basis`), for `expect` checks that give one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// Index of the exchange within its step, when the check is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange: Option<usize>,
}

impl CheckOutcome {
    /// Whether this outcome fails the run.
    pub fn is_failure(&self) -> bool {
        !self.passed && self.severity == Severity::Required
    }
}

/// One check of the catalogue ([`crate::check::ALL`]): what it judges, where its rule comes
/// from, what the Okta admin sees when it fails and how to fix the server. It builds the
/// outcomes of its judgements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable id, e.g. `okta.create.status`.
    pub id: &'static str,
    /// Kind.
    pub kind: CheckKind,
    /// Severity of a failure (an `expect` check's is set per expectation: required, or
    /// advisory under `advisory:`).
    pub severity: Severity,
    /// Which answers it judges.
    pub applies_to: &'static str,
    /// What it requires of them.
    pub means: &'static str,
    /// Where the rule comes from: `okta-reference.md §…` (docs/okta-reference.md), an RFC
    /// section, or the scenario file.
    pub source: &'static str,
    /// What the Okta admin sees when it fails (the task error as Okta words it, where known);
    /// `None` when Okta shows nothing (an advisory rule Okta does not need).
    pub admin_sees: Option<&'static str>,
    /// How to fix the server.
    pub fix: &'static str,
}

impl Check {
    /// An outcome: passed when `passed`.
    pub(crate) fn judge(
        &self,
        passed: bool,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> CheckOutcome {
        CheckOutcome {
            id: self.id,
            kind: self.kind,
            severity: self.severity,
            source: self.source,
            passed,
            expected: expected.into(),
            actual: actual.into(),
            basis: None,
            exchange: None,
        }
    }
}
