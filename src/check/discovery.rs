//! How Okta reads `/ResourceTypes` and `/Schemas` (Import User Schema, okta-reference.md §1.1),
//! and every assertion of the Entitlements SPEC test (okta-reference.md §2.5).

use serde_json::Value;

use super::list::list_view;
use super::outcome::CheckOutcome;
use super::registry::{
    ENTITLEMENTS_LIST, ENTITLEMENTS_RESOURCE, SCHEMA_RESOURCE_TYPES, SCHEMA_USER,
};

/// The core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise extension URN: Okta knows it and does not need it from `/Schemas`.
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The schema URN of Okta's Role resource type.
pub const ROLE_URN: &str = "urn:okta:scim:schemas:core:1.0:Role";
/// The schema URN of Okta's Entitlement resource type.
pub const ENTITLEMENT_URN: &str = "urn:okta:scim:schemas:core:1.0:Entitlement";
const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The items of a discovery answer: a ListResponse's `Resources`, or a bare array (RFC 7643 §6
/// shows one; RFC 7644 §4 a ListResponse: Okta's reader is given both here).
pub fn discovery_items(body: Option<&Value>) -> Option<&[Value]> {
    match body? {
        Value::Array(items) => Some(items),
        b => list_view(b)?.items(),
    }
}

/// The User resource type of a `/ResourceTypes` answer.
pub fn user_resource_type(items: &[Value]) -> Option<&Value> {
    items
        .iter()
        .find(|t| t.get("schema").and_then(Value::as_str) == Some(USER_URN))
}

/// The extension URNs a resource type lists.
pub fn extension_urns(resource_type: &Value) -> Vec<String> {
    resource_type
        .get("schemaExtensions")
        .and_then(Value::as_array)
        .map(|exts| {
            exts.iter()
                .filter_map(|e| e.get("schema").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The entitlement resource types of a `/ResourceTypes` answer: `(endpoint, role)` for each
/// whose schema is Okta's Role or Entitlement URN.
pub fn entitlement_types(items: &[Value]) -> Vec<(String, bool)> {
    items
        .iter()
        .filter_map(|t| {
            let schema = t.get("schema").and_then(Value::as_str)?;
            let role = schema == ROLE_URN;
            if !role && schema != ENTITLEMENT_URN {
                return None;
            }
            let endpoint = t.get("endpoint").and_then(Value::as_str)?;
            Some((endpoint.to_string(), role))
        })
        .collect()
}

fn short(v: Option<&Value>) -> String {
    v.map_or_else(
        || "absent".to_string(),
        |v| crate::text::truncate(&v.to_string(), 120).into_owned(),
    )
}

pub(super) fn judge_resource_types(status: u16, body: Option<&Value>, out: &mut Vec<CheckOutcome>) {
    let expected = "200 and a resource type with schema urn:ietf:params:scim:schemas:core:2.0:User";
    let actual = if status != 200 {
        format!("{status}")
    } else {
        match discovery_items(body) {
            None => format!("no list of resource types: {}", short(body)),
            Some(items) => match user_resource_type(items) {
                Some(_) => String::new(),
                None => format!(
                    "{} resource types, none with the User schema: {}",
                    items.len(),
                    items
                        .iter()
                        .map(|t| short(t.get("schema")))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        }
    };
    out.push(SCHEMA_RESOURCE_TYPES.judge(
        actual.is_empty(),
        expected,
        if actual.is_empty() {
            "a User resource type".to_string()
        } else {
            actual
        },
    ));
}

pub(super) fn judge_schemas(
    status: u16,
    body: Option<&Value>,
    extensions: &[String],
    out: &mut Vec<CheckOutcome>,
) {
    let wanted: Vec<&str> = std::iter::once(USER_URN)
        .chain(
            extensions
                .iter()
                .map(String::as_str)
                .filter(|u| *u != ENTERPRISE_URN),
        )
        .collect();
    let expected = format!(
        "200 and a schema with attributes for each of {}",
        wanted.join(", ")
    );
    let actual = if status != 200 {
        status.to_string()
    } else {
        match discovery_items(body) {
            None => format!("no list of schemas: {}", short(body)),
            Some(items) => {
                let missing: Vec<&str> = wanted
                    .iter()
                    .copied()
                    .filter(|urn| {
                        !items.iter().any(|s| {
                            s.get("id").and_then(Value::as_str) == Some(urn)
                                && s.get("attributes")
                                    .and_then(Value::as_array)
                                    .is_some_and(|a| !a.is_empty())
                        })
                    })
                    .collect();
                if missing.is_empty() {
                    String::new()
                } else {
                    format!("no schema with attributes for {}", missing.join(", "))
                }
            }
        }
    };
    out.push(SCHEMA_USER.judge(
        actual.is_empty(),
        expected,
        if actual.is_empty() {
            "every one".to_string()
        } else {
            actual
        },
    ));
}

pub(super) fn judge_entitlement_page(
    status: u16,
    body: Option<&Value>,
    role: bool,
    out: &mut Vec<CheckOutcome>,
) {
    let mut broken = Vec::new();
    if status != 200 {
        broken.push(format!("status {status}"));
    }
    let view = body.and_then(list_view);
    let items = view.and_then(|v| v.items()).unwrap_or(&[]);
    if items.is_empty() {
        broken.push("Resources empty or absent".to_string());
    }
    let has_urn = view
        .and_then(|v| v.schemas)
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u == LIST_URN));
    if !has_urn {
        broken.push("no ListResponse URN in schemas".to_string());
    }
    for (name, v) in [
        ("startIndex", view.and_then(|v| v.start_index)),
        ("totalResults", view.and_then(|v| v.total_results)),
    ] {
        if !v.is_some_and(Value::is_number) {
            broken.push(format!("{name} {} is not a number", short(v)));
        }
    }
    let per_page = view.and_then(|v| v.items_per_page);
    if per_page.and_then(Value::as_f64) != Some(1.0) {
        broken.push(format!("itemsPerPage {} is not 1", short(per_page)));
    }
    out.push(ENTITLEMENTS_LIST.judge(
        broken.is_empty(),
        "200, Resources not empty, the ListResponse URN, numeric startIndex and totalResults, itemsPerPage 1",
        if broken.is_empty() { "all of them".to_string() } else { broken.join("; ") },
    ));
    if !items.is_empty() {
        let needs: &[&str] = if role {
            &["id", "displayName"]
        } else {
            &["id", "displayName", "type"]
        };
        let lacking: Vec<String> = items
            .iter()
            .filter_map(|r| {
                let gaps: Vec<&str> = needs
                    .iter()
                    .copied()
                    .filter(|k| r.get(*k).and_then(Value::as_str).is_none_or(str::is_empty))
                    .collect();
                (!gaps.is_empty())
                    .then(|| format!("{} lacks {}", short(r.get("id")), gaps.join(", ")))
            })
            .collect();
        out.push(ENTITLEMENTS_RESOURCE.judge(
            lacking.is_empty(),
            format!(
                "each {} with {}",
                if role { "role" } else { "entitlement" },
                needs.join(", ")
            ),
            if lacking.is_empty() {
                "all of them".to_string()
            } else {
                lacking.join("; ")
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(items: Value, per_page: Value) -> Value {
        json!({"schemas": [LIST_URN], "totalResults": 3, "startIndex": 1, "itemsPerPage": per_page, "Resources": items})
    }

    #[test]
    fn an_entitlement_page_passes_only_with_every_assertion() {
        let good = page(
            json!([{"id": "e1", "displayName": "E", "type": "License"}]),
            json!(1),
        );
        let mut out = Vec::new();
        judge_entitlement_page(200, Some(&good), false, &mut out);
        assert!(out.iter().all(|c| c.passed), "{out:?}");
        let mut out = Vec::new();
        judge_entitlement_page(
            200,
            Some(&page(json!([{"id": "e1", "displayName": "E"}]), json!(3))),
            false,
            &mut out,
        );
        assert!(
            out[0].actual.contains("itemsPerPage 3") && out[1].actual.contains("type"),
            "{out:?}"
        );
        let mut out = Vec::new();
        judge_entitlement_page(
            200,
            Some(&page(json!([{"id": "r1", "displayName": "R"}]), json!(1))),
            true,
            &mut out,
        );
        assert!(out.iter().all(|c| c.passed), "roles need no type: {out:?}");
        let mut out = Vec::new();
        judge_entitlement_page(404, None, true, &mut out);
        assert!(out[0].is_failure() && out[0].actual.contains("status 404"));
    }

    #[test]
    fn schemas_need_the_core_user_and_unknown_extensions_only() {
        let schemas =
            json!({"Resources": [{"id": USER_URN, "attributes": [{"name": "userName"}]}]});
        let mut out = Vec::new();
        judge_schemas(200, Some(&schemas), &[ENTERPRISE_URN.to_string()], &mut out);
        assert!(out[0].passed, "{out:?}");
        let mut out = Vec::new();
        judge_schemas(200, Some(&schemas), &["urn:acme:ext".to_string()], &mut out);
        assert!(out[0].is_failure() && out[0].actual.contains("urn:acme:ext"));
        let mut out = Vec::new();
        judge_resource_types(200, Some(&json!([{"schema": USER_URN}])), &mut out);
        assert!(out[0].passed, "a bare array is read too");
        let mut out = Vec::new();
        judge_resource_types(404, None, &mut out);
        assert!(out[0].is_failure());
    }
}
