//! The harness's integration tests, one module per concern.

mod certify;
mod checks_catch_faults;
mod cli;
mod fake_scim;
mod hostile_servers;
mod junit_xsd;
mod library_api;
mod load;
mod never_panics;
mod okta_requests;
mod rate_limits;
mod record;
mod regression_scenarios;
mod regressions;
mod scenario_load;
mod shared_server;
mod snapshot_store;
mod sources;
mod variant_matrix;
