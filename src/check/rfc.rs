//! RFC 7643/7644 rules checked on every response. Most are advisory: Okta tolerates them, and a
//! harness must not fail what Okta accepts. Rules whose breach also breaks Okta are okta checks.

use serde_json::Value;

use super::list::list_view;
use super::outcome::{Check, CheckOutcome};
use super::registry::{
    CONTENT_TYPE, ERROR_SCHEMA, ERROR_STATUS, ETAG, JSON_BODY, LIST_SCHEMA, LOCATION, NO_PASSWORD,
    RESOURCE_META, RESOURCE_SCHEMAS, RFC_LIST_RESOURCES,
};
use crate::http::Exchange;
use crate::okta::Purpose;

const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

fn schemas_contain(body: &Value, urn: &str) -> bool {
    body.get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn)))
        })
}

/// The rfc-kind checks for one exchange.
pub fn judge_rfc(purpose: &Purpose, exchange: &Exchange) -> Vec<CheckOutcome> {
    let Some(response) = exchange
        .response
        .as_ref()
        .filter(|_| exchange.error.is_none())
    else {
        return Vec::new();
    };
    if purpose == &Purpose::Outside {
        return Vec::new();
    }
    let mut out = Vec::new();
    let has_body = !response.body.trim().is_empty();
    if !has_body {
        return out;
    }
    let media = response.media_type().unwrap_or_default();
    out.push(
        CONTENT_TYPE.judge(
            media == "application/scim+json",
            "application/scim+json",
            response
                .header("content-type")
                .unwrap_or("absent")
                .to_string(),
        ),
    );
    let Some(body) = &response.json else {
        let text = || format!("{:?}", crate::text::truncate(&response.body, 80));
        if media.contains("json") {
            out.push(JSON_BODY.judge(false, "a JSON body", text()));
        }
        if response.status >= 400 {
            // An error that is not JSON at all (plain text, HTML) is no SCIM Error either.
            out.push(ERROR_SCHEMA.judge(false, ERROR_URN, text()));
        }
        return out;
    };
    if response.status >= 400 {
        out.push(
            ERROR_SCHEMA.judge(
                schemas_contain(body, ERROR_URN),
                ERROR_URN,
                body.get("schemas")
                    .map_or("absent".into(), Value::to_string),
            ),
        );
        let status = body.get("status");
        out.push(ERROR_STATUS.judge(
            status.and_then(Value::as_str) == Some(response.status.to_string().as_str()),
            format!("\"{}\"", response.status),
            status.map_or("absent".into(), Value::to_string),
        ));
        return out;
    }
    if purpose.expects_list()
        || (purpose == &Purpose::Raw && list_view(body).is_some_and(|v| v.total_results.is_some()))
    {
        out.push(
            LIST_SCHEMA.judge(
                schemas_contain(body, LIST_URN),
                LIST_URN,
                body.get("schemas")
                    .map_or("absent".into(), Value::to_string),
            ),
        );
        // Okta's own reads are judged by okta.list.resources; a scenario's own GET by the RFC.
        if matches!(purpose, Purpose::Raw | Purpose::Read)
            && let Some(view) = list_view(body)
            && view.total().is_some_and(|t| t > 0)
            && !asked_count_zero(&exchange.request.path)
        {
            out.push(RFC_LIST_RESOURCES.judge(
                matches!(view.resources, Some(Value::Array(_))),
                "a Resources array, as totalResults is not 0",
                view.resources.map_or("absent".into(), |r| {
                    crate::text::truncate(&r.to_string(), 80).into_owned()
                }),
            ));
        }
        if let Some(items) = list_view(body).and_then(|v| v.items())
            && !items.is_empty()
        {
            judge_resources(items, &mut out);
        }
        return out;
    }
    if body.get("id").is_some() {
        judge_resource(body, &mut out);
        let location = body.pointer("/meta/location").and_then(Value::as_str);
        if response.status == 201 {
            let header = response.header("location");
            out.push(LOCATION.judge(
                header.is_some() && header == location,
                location.unwrap_or("meta.location").to_string(),
                header.unwrap_or("absent").to_string(),
            ));
        }
        if let (Some(tag), Some(version)) = (
            response.header("etag"),
            body.pointer("/meta/version").and_then(Value::as_str),
        ) {
            out.push(ETAG.judge(tag == version, version.to_string(), tag.to_string()));
        }
    }
    out
}

/// Whether the request asked `count=0`: then only totalResults comes back (RFC 7644 §3.4.2.4).
fn asked_count_zero(path: &str) -> bool {
    path.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|kv| kv.eq_ignore_ascii_case("count=0"))
    })
}

const RESOURCE_CHECKS: [Check; 3] = [RESOURCE_SCHEMAS, RESOURCE_META, NO_PASSWORD];

/// Whether a resource passes each of the three per-resource rules.
fn resource_rules(resource: &Value) -> [bool; 3] {
    let meta_ok = resource
        .pointer("/meta/resourceType")
        .and_then(Value::as_str)
        .is_some()
        && resource
            .pointer("/meta/location")
            .and_then(Value::as_str)
            .is_some();
    [
        resource
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty()),
        meta_ok,
        resource.get("password").is_none(),
    ]
}

/// What a resource has where rule `k` failed (built only for a failure).
fn found(resource: &Value, k: usize) -> String {
    match k {
        0 => resource
            .get("schemas")
            .map_or("absent".into(), Value::to_string),
        1 => resource
            .get("meta")
            .map_or("absent".into(), Value::to_string),
        _ => "password present".to_string(),
    }
}

const RULE_EXPECTATIONS: [&str; 3] = [
    "a non-empty schemas array",
    "meta.resourceType and meta.location",
    "no password attribute",
];

fn judge_resource(resource: &Value, out: &mut Vec<CheckOutcome>) {
    for (k, passed) in resource_rules(resource).into_iter().enumerate() {
        let actual = if passed {
            "as expected".to_string()
        } else {
            found(resource, k)
        };
        out.push(RESOURCE_CHECKS[k].judge(passed, RULE_EXPECTATIONS[k], actual));
    }
}

/// One outcome per rule for a list of resources: which of them break it, and the first one.
fn judge_resources(items: &[Value], out: &mut Vec<CheckOutcome>) {
    let mut failing = [0usize; 3];
    let mut first: [Option<String>; 3] = [None, None, None];
    for item in items {
        for (k, passed) in resource_rules(item).into_iter().enumerate() {
            if !passed {
                failing[k] += 1;
                if first[k].is_none() {
                    let id = item
                        .get("id")
                        .map_or("(no id)".to_string(), Value::to_string);
                    first[k] = Some(format!("resource {id}: {}", found(item, k)));
                }
            }
        }
    }
    for k in 0..3 {
        let actual = match &first[k] {
            None => format!("all {} resources", items.len()),
            Some(f) => format!("{} of {} resources break it; {f}", failing[k], items.len()),
        };
        out.push(RESOURCE_CHECKS[k].judge(failing[k] == 0, RULE_EXPECTATIONS[k], actual));
    }
}
