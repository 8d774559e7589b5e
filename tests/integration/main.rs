//! The harness's integration tests, one module per concern.

mod scenario_load;
mod okta_requests;
mod checks_catch_faults;
mod fake_scim;
mod snapshot_store;
