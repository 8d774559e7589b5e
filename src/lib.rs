//! okscim: an Okta SCIM conformance test harness and simulator.
//!
//! okscim plays Okta's provisioning engine against a SCIM 2.0 server: the same requests, with the
//! same headers and bodies, in the same order as Okta, for every lifecycle flow. It judges every
//! response against what Okta needs and what RFC 7643/7644 require. With no `--target` it drives
//! the bundled reference server (crate `okscim-reference-server`) in-process.
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod errors;
pub mod exit;
pub mod http;
pub mod okta;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod snapshot;
pub mod target;
