//! The `/Users` and `/Groups` resources: input canonicalization, the rules a resource must
//! satisfy, the HTTP handlers and the routes that reach them.

pub mod handlers;
pub mod input;
pub mod render;
pub mod routes;
pub mod validate;
