//! Judging responses. Three kinds of check, each failure naming its kind and source:
//! `okta` (what Okta needs for the action to succeed), `rfc` (RFC 7643/7644 rules, with the
//! section) and `expect` (what the scenario file asks). `required` checks fail the run;
//! `advisory` ones are reported only. docs/checks.md is the catalogue.

mod expect;
mod list;
mod okta;
mod outcome;
mod rfc;

pub use expect::{Expectations, Mismatch, judge_expectations, mismatches};
pub use list::{ListView, list_view};
pub use okta::judge_okta;
pub(crate) use outcome::Check as CheckDef;
pub use outcome::{CheckKind, CheckOutcome, Severity};
pub use rfc::judge_rfc;
