//! The evaluator.

use serde_json::Value;

use super::ast::{AttrPath, Filter};
use crate::schema::{AttributeDef, ResourceKind};

/// Whether `resource` (a full stored resource of `kind`) matches `filter`.
pub fn matches(filter: &Filter, resource: &Value, kind: ResourceKind) -> bool {
    let _ = (filter, resource, kind);
    false
}

/// Whether one element of a multi-valued complex attribute `parent` matches a value filter
/// whose paths are relative to the element (`members[value eq "…"]`).
pub fn matches_element(filter: &Filter, element: &Value, parent: &'static AttributeDef) -> bool {
    let _ = (filter, element, parent);
    false
}

/// Semantic checks a parser cannot make: ordering operators on booleans or binaries, etc.
/// The error text becomes the 400 invalidFilter detail.
pub fn check(filter: &Filter, kind: ResourceKind) -> Result<(), String> {
    let _ = (filter, kind);
    Ok(())
}

/// The values at `path` in `resource`, flattened across multi-valued attributes.
pub fn values_at<'a>(resource: &'a Value, path: &AttrPath, kind: ResourceKind) -> Vec<&'a Value> {
    let _ = (resource, path, kind);
    Vec::new()
}
