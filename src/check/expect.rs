//! The scenario's explicit expectations: status (one of), body subset, JSONPath equality,
//! headers.

use serde_json::Value;
use serde_json_path::JsonPath;

use super::outcome::{Check, CheckKind, CheckOutcome, Severity};
use crate::http::Exchange;

const fn expect(id: &'static str) -> Check {
    Check {
        id,
        kind: CheckKind::Expect,
        severity: Severity::Required,
        source: "the scenario file",
    }
}

const STATUS: Check = expect("expect.status");
const BODY: Check = expect("expect.body");
const JSONPATH: Check = expect("expect.jsonpath");
const HEADER: Check = expect("expect.header");

/// Expectations with every template already rendered.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// Accepted statuses.
    pub status: Vec<u16>,
    /// A JSON value the body must contain (objects: a subset; arrays: every expected element
    /// matches a distinct actual element).
    pub body: Option<Value>,
    /// JSONPath expression → expected value (a list when the path selects several nodes).
    pub jsonpath: Vec<(String, Value)>,
    /// Header name → expected value (a media type also matches when parameters follow).
    pub headers: Vec<(String, String)>,
}

/// Whether `actual` contains `expected`.
pub fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| contains(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            let mut used = vec![false; a.len()];
            e.iter().all(|ev| {
                match a
                    .iter()
                    .enumerate()
                    .find(|(i, av)| !used[*i] && contains(av, ev))
                {
                    Some((i, _)) => {
                        used[i] = true;
                        true
                    }
                    None => false,
                }
            })
        }
        (Value::Number(a), Value::Number(e)) => a.as_f64() == e.as_f64(),
        _ => actual == expected,
    }
}

fn same_multiset(actual: &[Value], expected: &[Value]) -> bool {
    actual.len() == expected.len()
        && contains(
            &Value::Array(actual.to_vec()),
            &Value::Array(expected.to_vec()),
        )
}

/// Judges `exchange` against `expectations`.
pub fn judge_expectations(expectations: &Expectations, exchange: &Exchange) -> Vec<CheckOutcome> {
    let mut out = Vec::new();
    let status = exchange.status();
    if !expectations.status.is_empty() {
        let wanted = expectations
            .status
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
        out.push(STATUS.judge(
            status.is_some_and(|s| expectations.status.contains(&s)),
            wanted,
            status.map_or_else(
                || {
                    exchange
                        .error
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                },
                |s| s.to_string(),
            ),
        ));
    }
    let body = exchange.json();
    if let Some(expected) = &expectations.body {
        out.push(BODY.judge(
            body.is_some_and(|b| contains(b, expected)),
            format!("a body containing {expected}"),
            body.map_or_else(|| "no JSON body".to_string(), Value::to_string),
        ));
    }
    for (path, expected) in &expectations.jsonpath {
        let actual = match JsonPath::parse(path) {
            Err(e) => Err(format!("invalid JSONPath: {e}")),
            Ok(p) => Ok(body
                .map(|b| p.query(b).all().into_iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default()),
        };
        let (passed, actual_text) = match actual {
            Err(e) => (false, e),
            Ok(nodes) => {
                let passed = match (nodes.as_slice(), expected) {
                    ([], Value::Null) => true,
                    ([one], e) if !e.is_array() || one.is_array() => one == e,
                    (many, Value::Array(e)) => same_multiset(many, e),
                    _ => false,
                };
                let text = match nodes.as_slice() {
                    [] => "no match".to_string(),
                    [one] => one.to_string(),
                    many => Value::Array(many.to_vec()).to_string(),
                };
                (passed, text)
            }
        };
        out.push(JSONPATH.judge(passed, format!("{path} = {expected}"), actual_text));
    }
    for (name, expected) in &expectations.headers {
        let actual = exchange.response.as_ref().and_then(|r| r.header(name));
        let passed = actual.is_some_and(|a| {
            a == expected
                || a.to_ascii_lowercase()
                    .starts_with(&format!("{};", expected.to_ascii_lowercase()))
        });
        out.push(HEADER.judge(
            passed,
            format!("{name}: {expected}"),
            actual.map_or_else(|| "absent".to_string(), str::to_string),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_matching() {
        assert!(contains(
            &json!({"a": 1, "b": {"c": 2, "d": 3}}),
            &json!({"b": {"c": 2}})
        ));
        assert!(!contains(&json!({"a": 1}), &json!({"a": "1"})));
        assert!(contains(&json!([{"v": 1}, {"v": 2}]), &json!([{"v": 2}])));
        assert!(!contains(&json!([{"v": 1}]), &json!([{"v": 1}, {"v": 1}])));
    }
}
