//! okscim: an Okta SCIM conformance test harness and simulator.
//!
//! okscim plays Okta's provisioning engine against a SCIM 2.0 server: the same requests, with the
//! same headers and bodies, in the same order as Okta, for every lifecycle flow. It judges every
//! response against what Okta needs and what RFC 7643/7644 require, and snapshot-checks whole
//! conversations. With no `--target` it drives the bundled reference server (crate
//! `okscim-reference-server`), started afresh on 127.0.0.1 for every scenario run.
//!
//! # How a run flows
//!
//! 1. [`scenario`] loads YAML files into a checked model (every problem with `file:line:column`
//!    and a fix). The format is in `docs/scenario-format.md`.
//! 2. [`runner::plan`] expands scenarios × Okta app kinds (`oin` PATCH apps, `aiw` PUT apps),
//!    filtered by tags, name and `--partition`.
//! 3. [`runner::Scheduler`] runs them in parallel; within a scenario, steps run in order and a
//!    failing step skips the rest. [`target::Target`] says where requests go.
//! 4. Each `okta:` step is an admin action of [`okta::OktaEngine`], which keeps Okta's state
//!    (users, assignments, pushed groups, the SCIM ids it stored) and sends exactly Okta's
//!    requests through [`http::ScimClient`], which records each [`http::Exchange`] with secrets
//!    redacted.
//! 5. [`check`] judges each response: `okta` checks (what Okta needs; a failure fails the action
//!    as Okta fails the task), `rfc` checks (RFC 7643/7644, mostly advisory: Okta tolerates
//!    them) and `expect` checks (the scenario's own). `docs/checks.md` is the catalogue.
//! 6. [`snapshot`] turns a scenario's exchanges into a redacted transcript with stable aliases
//!    (`[alice.id]`) and compares it with a stored `.snap` file (`docs/snapshots.md`).
//! 7. Results are data ([`runner::RunResult`]); [`report`] renders them for the terminal, JUnit
//!    and JSON. [`exit`] documents the exit codes.
//!
//! # Example
//!
//! [`Suite`] runs scenarios from Rust, for example from a `cargo test` of your own server
//! (`docs/library.md`):
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let run = okscim::Suite::embedded().tags(["users"]).run().await?;
//! assert!(run.passed(), "{}", run.failure_report());
//! println!("{}", okscim::report::summary_line(run.counts()));
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub use suite::{Suite, SuiteError};

pub mod certify;
pub mod check;
pub mod cli;
pub mod compare;
pub mod errors;
pub mod exit;
pub mod http;
pub mod load;
pub mod okta;
pub mod record;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod snapshot;
pub mod suite;
pub mod target;
pub mod text;
