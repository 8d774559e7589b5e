//! The parser (winnow).

use super::ast::{Filter, FilterError, PatchPath};

/// Parses a filter expression.
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    Err(FilterError { position: 0, message: format!("not implemented: {input}") })
}

/// Parses a PATCH path.
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    Err(FilterError { position: 0, message: format!("not implemented: {input}") })
}
