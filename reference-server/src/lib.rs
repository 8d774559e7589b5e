//! The reference SCIM 2.0 server bundled with okscim.
#![warn(missing_docs)]

pub mod errors;
pub mod faults;
pub mod filter;
pub mod patch;
pub mod resources;
pub mod schema;
