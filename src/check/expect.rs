//! The scenario's explicit expectations: status (one of), body subset, JSONPath equality,
//! headers.

use serde_json::Value;
use serde_json_path::JsonPath;

use super::outcome::CheckOutcome;
use super::registry::{BODY, DURATION, HEADER, JSONPATH, NON_EMPTY, STATUS, TYPE};
use crate::http::Exchange;
use crate::scenario::JsonType;

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
    /// JSONPath expressions that must each select at least one value, none of them empty.
    pub non_empty: Vec<String>,
    /// JSONPath expression → the JSON type of every value it selects (at least one).
    pub types: Vec<(String, JsonType)>,
    /// The most milliseconds the answer may take.
    pub within_ms: Option<u64>,
}

/// The values `path` selects in `body`, or why it cannot be evaluated.
fn select(body: Option<&Value>, path: &str) -> Result<Vec<Value>, String> {
    let p = JsonPath::parse(path).map_err(|e| format!("invalid JSONPath: {e}"))?;
    Ok(body
        .map(|b| p.query(b).all().into_iter().cloned().collect())
        .unwrap_or_default())
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
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

/// One place where a body does not contain what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The JSON path, e.g. `$.name.givenName` or `$.emails[0].value`.
    pub path: String,
    /// The expected value (JSON text).
    pub expected: String,
    /// What is there (JSON text, or `absent`).
    pub actual: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {}, actual {}",
            self.path, self.expected, self.actual
        )
    }
}

/// A key as a JSONPath step: `.name`, or `['odd key']` when it is not a plain name.
fn key_step(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        format!(".{key}")
    } else {
        format!("[{}]", Value::String(key.to_string()))
    }
}

/// Every path at which `actual` fails to contain `expected` (empty when it does), most
/// specific first: a differing field inside an object is named rather than the whole object.
/// In arrays, an expected element that matches no actual element is reported at the array's
/// path; when the array holds objects and one of them differs only in some fields (the same
/// position), those fields are named instead.
pub fn mismatches(actual: &Value, expected: &Value) -> Vec<Mismatch> {
    let mut out = Vec::new();
    collect_mismatches(actual, expected, "$".to_string(), &mut out);
    out
}

fn collect_mismatches(actual: &Value, expected: &Value, path: String, out: &mut Vec<Mismatch>) {
    if contains(actual, expected) {
        return;
    }
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (k, ev) in e {
                let p = format!("{path}{}", key_step(k));
                match a.get(k) {
                    None => out.push(Mismatch {
                        path: p,
                        expected: ev.to_string(),
                        actual: "absent".to_string(),
                    }),
                    Some(av) => collect_mismatches(av, ev, p, out),
                }
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            let mut used = vec![false; a.len()];
            let mut unmatched = Vec::new();
            for (i, ev) in e.iter().enumerate() {
                match a
                    .iter()
                    .enumerate()
                    .find(|(j, av)| !used[*j] && contains(av, ev))
                {
                    Some((j, _)) => used[j] = true,
                    None => unmatched.push(i),
                }
            }
            for i in unmatched {
                let ev = &e[i];
                // An object at the same position that is not otherwise matched: name its fields.
                match a.get(i) {
                    Some(av @ Value::Object(_)) if ev.is_object() && !used[i] => {
                        used[i] = true;
                        collect_mismatches(av, ev, format!("{path}[{i}]"), out);
                    }
                    _ => out.push(Mismatch {
                        path: format!("{path}[*]"),
                        expected: format!("an element matching {ev}"),
                        actual: actual.to_string(),
                    }),
                }
            }
        }
        _ => out.push(Mismatch {
            path,
            expected: expected.to_string(),
            actual: actual.to_string(),
        }),
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
        let (passed, actual) = match body {
            None => (false, "no JSON body".to_string()),
            Some(b) => {
                let differences = mismatches(b, expected);
                let text = differences
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                (differences.is_empty(), text)
            }
        };
        out.push(BODY.judge(passed, format!("a body containing {expected}"), actual));
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
                    [] => format!("{path}: no match"),
                    [one] => format!("{path} = {one}"),
                    many => {
                        let found = Value::Array(many.to_vec());
                        let mut text = format!("{path} = {found}");
                        if let Value::Array(e) = expected {
                            let missing: Vec<String> = e
                                .iter()
                                .filter(|ev| !many.iter().any(|n| contains(n, ev)))
                                .map(Value::to_string)
                                .collect();
                            let extra: Vec<String> = many
                                .iter()
                                .filter(|n| !e.iter().any(|ev| contains(n, ev)))
                                .map(Value::to_string)
                                .collect();
                            if !missing.is_empty() {
                                text.push_str(&format!("; missing {}", missing.join(", ")));
                            }
                            if !extra.is_empty() {
                                text.push_str(&format!("; unexpected {}", extra.join(", ")));
                            }
                        }
                        text
                    }
                };
                (passed, text)
            }
        };
        out.push(JSONPATH.judge(passed, format!("{path} = {expected}"), actual_text));
    }
    for path in &expectations.non_empty {
        let (passed, actual) = match select(body, path) {
            Err(e) => (false, e),
            Ok(nodes) if nodes.is_empty() => (false, format!("{path}: no match")),
            Ok(nodes) => {
                let empty: Vec<String> = nodes
                    .iter()
                    .filter(|v| is_empty_value(v))
                    .map(Value::to_string)
                    .collect();
                if empty.is_empty() {
                    (true, format!("{path} = {}", Value::Array(nodes)))
                } else {
                    (false, format!("{path} = {}", empty.join(", ")))
                }
            }
        };
        out.push(NON_EMPTY.judge(passed, format!("{path} is not empty"), actual));
    }
    for (path, t) in &expectations.types {
        let (passed, actual) = match select(body, path) {
            Err(e) => (false, e),
            Ok(nodes) if nodes.is_empty() => (false, format!("{path}: no match")),
            Ok(nodes) => {
                let wrong: Vec<String> = nodes
                    .iter()
                    .filter(|v| !t.matches(v))
                    .map(Value::to_string)
                    .collect();
                (
                    wrong.is_empty(),
                    format!("{path} = {}", Value::Array(nodes)),
                )
            }
        };
        out.push(TYPE.judge(passed, format!("{path} is a {}", t.name()), actual));
    }
    if let Some(max) = expectations.within_ms {
        // Only a complete answer has a duration worth judging.
        let took = exchange.duration_ms;
        out.push(DURATION.judge(
            exchange.response.is_some() && took <= max as f64,
            format!("an answer within {max} ms"),
            format!("{took:.0} ms"),
        ));
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

    #[test]
    fn mismatches_name_each_differing_path() {
        let actual = json!({
            "userName": "a@example.com",
            "name": {"givenName": "Bob", "familyName": "Smith"},
            "emails": [{"value": "a@example.com", "primary": false}],
            "odd key": 1
        });
        let expected = json!({
            "userName": "a@example.com",
            "name": {"givenName": "Alice", "familyName": "Smith"},
            "active": true,
            "emails": [{"value": "a@example.com", "primary": true}],
            "odd key": 2
        });
        let found: Vec<String> = mismatches(&actual, &expected)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "$.active: expected true, actual absent",
                "$.emails[0].primary: expected true, actual false",
                "$.name.givenName: expected \"Alice\", actual \"Bob\"",
                "$[\"odd key\"]: expected 2, actual 1",
            ]
        );
        assert!(mismatches(&actual, &json!({"name": {"familyName": "Smith"}})).is_empty());
        let arr = mismatches(&json!({"a": [1, 2]}), &json!({"a": [3]}));
        assert_eq!(arr.len(), 1);
        assert_eq!(arr[0].path, "$.a[*]");
        assert_eq!(mismatches(&json!(1), &json!("1"))[0].path, "$");
    }
}
