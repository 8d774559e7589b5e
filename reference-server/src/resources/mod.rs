//! The `/Users` and `/Groups` resources: input canonicalization, the rules a resource must
//! satisfy, and the HTTP handlers.

pub mod handlers;
pub mod input;
pub mod render;
pub mod validate;
