//! Integration tests of the reference server over HTTP on 127.0.0.1: Okta's exact requests
//! (okta-reference.md §1), every error status, the filter grammar, paging, ETags, concurrency, the
//! tailnet profile, every fault, and a property test that random bodies never cause a 500.

mod common;

mod concurrency;
mod connections;
mod discovery;
mod errors;
mod etags;
mod faults;
mod filters;
mod limits;
mod membership;
mod okta_flows;
mod paging;
mod passwords;
mod properties;
mod quirks;
mod tailnet;
mod variants;
