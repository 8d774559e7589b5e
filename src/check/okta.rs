//! What Okta needs from each response for the action to succeed. Each rule cites its source in
//! okta-reference.md; none fails what Okta accepts (204 for PATCH, 404 for a filter miss, lower-case
//! list keys, `text/json` responses).

use serde_json::Value;

use super::list::list_view;
use super::outcome::CheckOutcome;
use super::registry::{
    ACTIVE_APPLIED, COMPLETE, CREATE_ACTIVE, CREATE_BODY, CREATE_ID, CREATE_NAME, CREATE_STATUS,
    CREATE_USER_NAME, DELETE_STATUS, ERROR_BODY, FIND_MATCH, FIND_UNIQUE, LIST_INTEGERS, LIST_JSON,
    LIST_RESOURCES, LIST_STATUS, PATCH_STATUS, PUT_STATUS, REACHABLE, READ_ACTIVE, READ_ID,
    READ_STATUS,
};
use crate::http::Exchange;
use crate::okta::Purpose;
use crate::text::truncate;

const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

fn status_text(e: &Exchange) -> String {
    match (&e.response, &e.error) {
        (Some(r), _) => r.status.to_string(),
        (None, Some(err)) => err.to_string(),
        (None, None) => "no response".to_string(),
    }
}

fn short(v: Option<&Value>) -> String {
    match v {
        None => "absent".to_string(),
        Some(v) => truncate(&v.to_string(), 120).into_owned(),
    }
}

/// The okta-kind checks for one exchange.
pub fn judge_okta(purpose: &Purpose, exchange: &Exchange) -> Vec<CheckOutcome> {
    let Some(response) = &exchange.response else {
        return vec![REACHABLE.judge(false, "an HTTP response", status_text(exchange))];
    };
    if let Some(error) = &exchange.error {
        return vec![COMPLETE.judge(
            false,
            "a complete answer",
            format!("{} {error}", response.status),
        )];
    }
    let status = response.status;
    let body = response.json.as_ref();
    let mut out = Vec::new();
    if purpose == &Purpose::FindEntitlementTypes {
        // Looking for entitlements: a server without /ResourceTypes has none, which is no failure.
        return out;
    }
    if status >= 400 {
        // Okta accepts a 404 error as "not found" for a filter lookup; any error must be JSON.
        let ok = body.is_some_and(|b| {
            b.get("schemas")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|u| u == ERROR_URN))
                && b.get("detail")
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.is_empty())
        });
        out.push(ERROR_BODY.judge(
            ok,
            "a SCIM Error JSON body with a non-empty detail",
            if body.is_some() {
                short(body)
            } else {
                format!("{:?}", truncate(&response.body, 120))
            },
        ));
    }
    match purpose {
        Purpose::ConnectionProbe => {
            out.push(LIST_STATUS.judge(status == 200, "200", status.to_string()));
            if status == 200 {
                judge_list(body, &mut out);
            }
        }
        // What Okta reads of each imported resource is judged by the import as a whole
        // (`judge_import_items`), which reads every page even when one of them breaks it.
        Purpose::ImportPage { .. } => {
            out.push(LIST_STATUS.judge(status == 200, "200", status.to_string()));
            if status == 200 {
                judge_list(body, &mut out);
            }
        }
        Purpose::ReadResourceTypes => {
            super::discovery::judge_resource_types(status, body, &mut out)
        }
        Purpose::ReadSchemas { extensions } => {
            super::discovery::judge_schemas(status, body, extensions, &mut out);
        }
        Purpose::EntitlementPage { role } => {
            super::discovery::judge_entitlement_page(status, body, *role, &mut out);
        }
        Purpose::FindEntitlementTypes => {}
        Purpose::FindUser { user_name } => {
            let found_ok = status == 200 || status == 404;
            out.push(LIST_STATUS.judge(found_ok, "200 (or 404 for no match)", status.to_string()));
            if status == 200
                && let Some(items) = judge_list(body, &mut out)
            {
                judge_find(items, "userName", user_name, &mut out);
            }
        }
        Purpose::FindGroup { name } => {
            let found_ok = status == 200 || status == 404;
            out.push(LIST_STATUS.judge(found_ok, "200 (or 404 for no match)", status.to_string()));
            if status == 200
                && let Some(items) = judge_list(body, &mut out)
            {
                judge_find(items, "displayName", name, &mut out);
            }
        }
        Purpose::CreateUser {
            user_name,
            given_name,
            family_name,
        } => {
            out.push(CREATE_STATUS.judge(status == 201, "201", status.to_string()));
            if (200..300).contains(&status) {
                judge_created(body, &mut out);
                if let Some(b) = body.filter(|b| b.is_object()) {
                    let echoed = b.get("userName");
                    out.push(CREATE_USER_NAME.judge(
                        echoed.and_then(Value::as_str) == Some(user_name),
                        format!("{user_name:?}"),
                        short(echoed),
                    ));
                    let active = b.get("active");
                    out.push(CREATE_ACTIVE.judge(
                        active == Some(&Value::Bool(true)),
                        "true",
                        short(active),
                    ));
                    let g = b.pointer("/name/givenName").and_then(Value::as_str);
                    let f = b.pointer("/name/familyName").and_then(Value::as_str);
                    out.push(CREATE_NAME.judge(
                        g == Some(given_name) && f == Some(family_name),
                        format!("{given_name:?} {family_name:?}"),
                        format!(
                            "{} {}",
                            short(b.pointer("/name/givenName")),
                            short(b.pointer("/name/familyName"))
                        ),
                    ));
                }
            }
        }
        Purpose::CreateGroup { .. } => {
            out.push(CREATE_STATUS.judge(status == 201, "201", status.to_string()));
            if (200..300).contains(&status) {
                judge_created(body, &mut out);
            }
        }
        Purpose::ReadUser { id } | Purpose::ReadGroup { id } => {
            out.push(READ_STATUS.judge(status == 200, "200", status.to_string()));
            if status == 200 {
                let got = body.and_then(|b| b.get("id"));
                out.push(READ_ID.judge(
                    got.and_then(Value::as_str) == Some(id),
                    format!("{id:?}"),
                    short(got),
                ));
                if matches!(purpose, Purpose::ReadUser { .. }) {
                    let active = body.and_then(|b| b.get("active"));
                    out.push(READ_ACTIVE.judge(
                        active.is_some_and(Value::is_boolean),
                        "a boolean `active`",
                        short(active),
                    ));
                }
            }
        }
        Purpose::ReplaceUser { active, .. } => {
            out.push(PUT_STATUS.judge(status == 200, "200", status.to_string()));
            judge_active_echo(body, *active, &mut out);
        }
        Purpose::ReplaceGroup { .. } => {
            out.push(PUT_STATUS.judge(status == 200, "200", status.to_string()));
        }
        Purpose::SetUserActive { active, .. } => {
            out.push(PATCH_STATUS.judge(
                status == 200 || status == 204,
                "200 or 204",
                status.to_string(),
            ));
            if status == 200 {
                judge_active_echo(body, *active, &mut out);
            }
        }
        Purpose::PatchGroup { .. } | Purpose::SyncPassword { .. } => {
            out.push(PATCH_STATUS.judge(
                status == 200 || status == 204,
                "200 or 204",
                status.to_string(),
            ));
        }
        Purpose::DeleteGroup { .. } => {
            out.push(DELETE_STATUS.judge(
                status == 204 || status == 200,
                "204",
                status.to_string(),
            ));
        }
        Purpose::Read | Purpose::Raw | Purpose::Outside => {}
    }
    out
}

/// List-shape checks; returns the items when they can be read.
fn judge_list<'a>(body: Option<&'a Value>, out: &mut Vec<CheckOutcome>) -> Option<&'a [Value]> {
    let view = body.and_then(list_view);
    let Some(view) = view else {
        out.push(LIST_JSON.judge(false, "a ListResponse JSON object", short(body)));
        return None;
    };
    out.push(LIST_JSON.judge(true, "a ListResponse JSON object", "an object"));
    let ints = [view.total_results, view.start_index, view.items_per_page];
    let all_ints = view.total_results.is_some_and(Value::is_u64)
        && ints.iter().all(|v| v.is_none_or(|v| v.is_u64()));
    out.push(LIST_INTEGERS.judge(
        all_ints,
        "integers",
        format!(
            "totalResults={} startIndex={} itemsPerPage={}",
            short(view.total_results),
            short(view.start_index),
            short(view.items_per_page)
        ),
    ));
    let items = view.items();
    let has_any = view.total().unwrap_or(0) > 0;
    out.push(LIST_RESOURCES.judge(
        items.is_some() && (!has_any || view.resources.is_some()),
        "a Resources array",
        short(view.resources),
    ));
    items
}

fn judge_find(items: &[Value], attribute: &str, wanted: &str, out: &mut Vec<CheckOutcome>) {
    if let Some(first) = items.first() {
        let got = first.get(attribute).and_then(Value::as_str);
        let has_id = first
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        out.push(FIND_MATCH.judge(
            has_id && got.is_some_and(|g| g.eq_ignore_ascii_case(wanted)),
            format!("a resource with an id and {attribute} {wanted:?} (any case)"),
            format!(
                "id={} {attribute}={}",
                short(first.get("id")),
                short(first.get(attribute))
            ),
        ));
    }
    out.push(FIND_UNIQUE.judge(
        items.len() <= 1,
        "at most 1 result",
        format!("{} results", items.len()),
    ));
}

fn judge_created(body: Option<&Value>, out: &mut Vec<CheckOutcome>) {
    let object = body.filter(|b| b.as_object().is_some_and(|o| !o.is_empty()));
    out.push(CREATE_BODY.judge(
        object.is_some(),
        "the created resource as JSON",
        short(body),
    ));
    if let Some(b) = object {
        let id = b.get("id");
        out.push(CREATE_ID.judge(
            id.and_then(Value::as_str).is_some_and(|s| !s.is_empty()),
            "a non-empty string id",
            short(id),
        ));
    }
}

fn judge_active_echo(body: Option<&Value>, active: bool, out: &mut Vec<CheckOutcome>) {
    if let Some(b) = body.filter(|b| b.is_object()) {
        let got = b.get("active");
        out.push(ACTIVE_APPLIED.judge(
            got == Some(&Value::Bool(active)),
            active.to_string(),
            short(got),
        ));
    }
}
