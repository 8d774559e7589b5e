//! A scenario's exchanges as normalized, redacted data: request method, path and body; response
//! status, the headers that matter (content-type, location, etag) and body. JSON keys are sorted
//! (serde_json's map is ordered) and JSON types stay visible: `"1"` and `1` differ.

use serde_json::{Map, Value, json};

use super::redact::Aliases;
use super::scope::{Entry, Ownership, scope};
use crate::runner::ScenarioResult;

/// Response headers a snapshot keeps.
const KEPT_HEADERS: [&str; 3] = ["content-type", "location", "etag"];

fn body_value(text: &str, parsed: Option<&Value>) -> Value {
    match parsed {
        Some(v) => v.clone(),
        None if text.trim().is_empty() => Value::Null,
        None => Value::String(text.to_string()),
    }
}

/// The normalized, redacted transcript of one scenario run, kept to the scenario's own resources
/// (see [`super::scope`]).
pub fn transcript(
    result: &ScenarioResult,
    jsonpath_redactions: &[serde_json_path::JsonPath],
) -> Value {
    let ownership = Ownership::of(result);
    let known: Vec<(String, String)> = result
        .aliases
        .iter()
        .filter(|(_, v)| !ownership.foreign_ids().contains(v))
        .cloned()
        .collect();
    let mut aliases = Aliases::new(&known, &result.run_token, &result.base_url);
    let mut exchanges = Vec::new();
    for step in result.steps.iter().filter(|s| s.snapshot) {
        for exchange in &step.exchanges {
            let request_body = exchange.request.body.as_deref().map(|b| {
                let parsed: Option<Value> = serde_json::from_str(b).ok();
                body_value(b, parsed.as_ref())
            });
            let mut request = Map::new();
            request.insert("method".into(), json!(exchange.request.method));
            request.insert("path".into(), json!(exchange.request.path));
            if let Some(b) = request_body {
                request.insert("body".into(), b);
            }
            let mut entry = Map::new();
            entry.insert(
                "step".into(),
                json!(format!("{} {}", step.index, step.label)),
            );
            entry.insert("request".into(), Value::Object(request));
            match (&exchange.response, &exchange.error) {
                (Some(r), _) => {
                    let mut headers = Map::new();
                    for name in KEPT_HEADERS {
                        if let Some(v) = r.header(name) {
                            headers.insert(name.into(), json!(v));
                        }
                    }
                    let mut body = body_value(&r.body, r.json.as_ref());
                    for path in jsonpath_redactions {
                        super::redact::redact_jsonpath(&mut body, path);
                    }
                    entry.insert(
                        "response".into(),
                        json!({"status": r.status, "headers": headers, "body": body}),
                    );
                    if let Some(e) = &exchange.error {
                        entry.insert("error".into(), json!(e));
                    }
                }
                (None, Some(e)) => {
                    entry.insert("error".into(), json!(e));
                }
                (None, None) => {}
            }
            exchanges.push(Entry {
                step: step.index,
                method: exchange.request.method.clone(),
                path: exchange.request.path.clone(),
                request_body: exchange.request.body.clone(),
                value: entry,
            });
        }
    }
    let mut doc = Value::Array(scope(exchanges, &ownership));
    aliases.apply(&mut doc);
    doc
}
