//! A JSON-aware diff of two transcripts: which path changed, the old and the new value.

use serde::Serialize;
use serde_json::Value;

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Where, e.g. `$[3].response.status`.
    pub path: String,
    /// The stored value (`None`: added).
    pub old: Option<Value>,
    /// The new value (`None`: removed).
    pub new: Option<Value>,
}

fn child(path: &str, key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !key.is_empty() {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_string()))
    }
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, av) in a {
                match b.get(k) {
                    Some(bv) => walk(&child(path, k), av, bv, out),
                    None => out.push(Change {
                        path: child(path, k),
                        old: Some(av.clone()),
                        new: None,
                    }),
                }
            }
            for (k, bv) in b {
                if !a.contains_key(k) {
                    out.push(Change {
                        path: child(path, k),
                        old: None,
                        new: Some(bv.clone()),
                    });
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let p = format!("{path}[{i}]");
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => walk(&p, x, y, out),
                    (Some(x), None) => out.push(Change {
                        path: p,
                        old: Some(x.clone()),
                        new: None,
                    }),
                    (None, Some(y)) => out.push(Change {
                        path: p,
                        old: None,
                        new: Some(y.clone()),
                    }),
                    (None, None) => {}
                }
            }
        }
        _ if old != new => out.push(Change {
            path: path.to_string(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
        _ => {}
    }
}

/// Every difference between the stored and the new transcript.
pub fn json_diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("$", old, new, &mut out);
    out
}

/// One line per change: `$[3].response.status: 201 → 200`.
pub fn render_changes(changes: &[Change]) -> String {
    let show = |v: &Option<Value>| match v {
        None => "(absent)".to_string(),
        Some(v) => crate::text::truncate(&v.to_string(), 200).into_owned(),
    };
    changes
        .iter()
        .map(|c| format!("{}: {} → {}\n", c.path, show(&c.old), show(&c.new)))
        .collect()
}

/// A unified line diff of the two snapshot texts.
pub fn text_diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header("stored", "new")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_name_what_changed_and_types_matter() {
        let old = json!([{"response": {"status": 201, "body": {"startIndex": 1, "a": [1]}}}]);
        let new = json!([{"response": {"status": 200, "body": {"startIndex": "1", "a": [1, 2]}}}]);
        let changes = json_diff(&old, &new);
        assert_eq!(
            render_changes(&changes),
            "$[0].response.body.a[1]: (absent) → 2\n$[0].response.body.startIndex: 1 → \"1\"\n$[0].response.status: 201 → 200\n"
        );
    }
}
