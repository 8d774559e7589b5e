//! App profiles: behaviour beyond the RFC that a real Okta-provisioned app shows.

pub mod tailnet;
