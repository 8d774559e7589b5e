//! The `/Users` and `/Groups` resources: input canonicalization and the HTTP handlers.

pub mod input;
