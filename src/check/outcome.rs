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

/// One check of the catalogue ([`crate::check::ALL`]): its id, kind, default severity and the
/// source of its rule. It builds the outcomes of its judgements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable id, e.g. `okta.create.status`.
    pub id: &'static str,
    /// Kind.
    pub kind: CheckKind,
    /// Severity of a failure (an `expect` check's is set per expectation: required, or
    /// advisory under `advisory:`).
    pub severity: Severity,
    /// Where the rule comes from: `okta-reference.md §…` (docs/okta-reference.md), an RFC
    /// section, or the scenario file.
    pub source: &'static str,
}

impl Check {
    /// A required `okta` check.
    pub const fn okta(id: &'static str, source: &'static str) -> Self {
        Check {
            id,
            kind: CheckKind::Okta,
            severity: Severity::Required,
            source,
        }
    }

    /// An advisory `rfc` check.
    pub const fn rfc(id: &'static str, source: &'static str) -> Self {
        Check {
            id,
            kind: CheckKind::Rfc,
            severity: Severity::Advisory,
            source,
        }
    }

    /// The same check, required.
    pub const fn required(mut self) -> Self {
        self.severity = Severity::Required;
        self
    }

    /// The same check, advisory.
    pub const fn advisory(mut self) -> Self {
        self.severity = Severity::Advisory;
        self
    }

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
