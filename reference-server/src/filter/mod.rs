//! The SCIM filter grammar (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): a winnow parser that
//! keeps byte positions for errors, and an evaluator that reads case sensitivity and types from
//! [`crate::schema`].

mod ast;
mod eval;
mod parse;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, FilterError, PatchPath};
pub use eval::{check, matches, matches_element, values_at};
pub use parse::{MAX_DEPTH, MAX_TERMS, parse_filter, parse_patch_path};
