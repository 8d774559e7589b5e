//! Judging responses. Three kinds of check, each failure naming its kind and source:
//! `okta` (what Okta needs for the action to succeed), `rfc` (RFC 7643/7644 rules, with the
//! section) and `expect` (what the scenario file asks). `required` checks fail the run;
//! `advisory` ones are reported only. [`ALL`] is the catalogue; docs/checks.md is generated from it.

mod discovery;
mod expect;
mod import;
mod list;
mod okta;
mod outcome;
mod registry;
mod rfc;

pub use discovery::{
    ENTERPRISE_URN, ENTITLEMENT_URN, ROLE_URN, USER_URN, discovery_items, entitlement_types,
    extension_urns, user_resource_type,
};
pub use expect::{Expectations, Mismatch, contains, judge_expectations, mismatches};
pub use import::judge_import_items;
pub use list::{ListView, list_view};
pub use okta::judge_okta;
pub use outcome::{Check, CheckKind, CheckOutcome, Severity};
pub use registry::{ALL, by_id, markdown_failures, markdown_table};
pub(crate) use registry::{
    IMPORT_COMPLETE, IMPORT_STABLE_ORDER, OUTCOME, RATE_LIMIT_ATTEMPTS, RATE_LIMIT_RETRY_AFTER,
    REQUESTS,
};
pub use rfc::judge_rfc;
