//! Judging responses. Three kinds of check, each failure naming its kind and source:
//! `okta` (what Okta needs for the action to succeed), `rfc` (RFC 7643/7644 rules, with the
//! section) and `expect` (what the scenario file asks). `required` checks fail the run;
//! `advisory` ones are reported only. docs/checks.md is the catalogue.

mod expect;
mod list;
mod okta;
mod outcome;
mod registry;
mod rfc;

pub use expect::{Expectations, Mismatch, contains, judge_expectations, mismatches};
pub(crate) use expect::{OUTCOME, REQUESTS};
pub use list::{ListView, list_view};
pub(crate) use okta::IMPORT_STABLE_ORDER;
pub use okta::judge_okta;
pub use outcome::{Check, CheckKind, CheckOutcome, Severity};
pub use registry::{ALL, by_id};
pub use rfc::judge_rfc;
