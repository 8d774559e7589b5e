//! The PATCH engine (RFC 7644 §3.5.2): add, remove and replace, with and without `path`, value
//! filters, sub-attributes and extension URNs, applied atomically to a copy of the resource.

mod apply;

pub use apply::{PatchContext, apply_patch};
