//! A tolerant view of a ListResponse: Okta accepts lower-case `resources`, `totalresults`,
//! `startindex`, `itemsperpage` (okta-reference.md §1.0), so the harness reads keys case-insensitively.

use serde_json::Value;

/// The parts of a ListResponse, found case-insensitively.
#[derive(Debug, Clone, Copy)]
pub struct ListView<'a> {
    /// `schemas`.
    pub schemas: Option<&'a Value>,
    /// `totalResults`.
    pub total_results: Option<&'a Value>,
    /// `startIndex`.
    pub start_index: Option<&'a Value>,
    /// `itemsPerPage`.
    pub items_per_page: Option<&'a Value>,
    /// `Resources`.
    pub resources: Option<&'a Value>,
}

fn get_ci<'a>(body: &'a Value, key: &str) -> Option<&'a Value> {
    body.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The view, when `body` is a JSON object.
pub fn list_view(body: &Value) -> Option<ListView<'_>> {
    body.as_object()?;
    Some(ListView {
        schemas: get_ci(body, "schemas"),
        total_results: get_ci(body, "totalResults"),
        start_index: get_ci(body, "startIndex"),
        items_per_page: get_ci(body, "itemsPerPage"),
        resources: get_ci(body, "Resources"),
    })
}

impl<'a> ListView<'a> {
    /// `totalResults` when it is a JSON integer.
    pub fn total(&self) -> Option<u64> {
        self.total_results.and_then(Value::as_u64)
    }

    /// The resources, when `Resources` is an array (absent counts as empty).
    pub fn items(&self) -> Option<&'a [Value]> {
        match self.resources {
            None | Some(Value::Null) => Some(&[]),
            Some(Value::Array(a)) => Some(a),
            Some(_) => None,
        }
    }
}
