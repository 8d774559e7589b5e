//! Redaction with stable aliases, not blanks: the id the server gave alice becomes `[alice.id]`
//! wherever it appears (paths, bodies, Location, member values), an id with no fixture becomes
//! `[id-N]` in order of first appearance, timestamps `[timestamp]`, ETags and versions
//! `[version]`, the per-run token `[run]` (`[RUN]` upper-cased), the target's base URL `[base]`. A snapshot still shows
//! that a group's member is alice.

use std::collections::HashMap;

use serde_json::Value;

/// The alias table of one transcript.
#[derive(Debug, Clone)]
pub struct Aliases {
    /// value → alias, for ids whose owner is known.
    known: Vec<(String, String)>,
    unknown: HashMap<String, String>,
    next_unknown: usize,
    run_token: String,
    base_url: String,
}

/// Whether a string looks like an RFC 3339 timestamp (`2026-11-29T09:43:48.811Z`).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        && b[13] == b':'
        && b[16] == b':'
}

/// Ids this short could occur inside other text by chance; they are replaced only as whole
/// strings, whole path segments or quoted tokens.
const SUBSTRING_SAFE_LEN: usize = 8;

impl Aliases {
    /// An alias table: `known` pairs alias names (`alice.id`) with values.
    pub fn new(known: &[(String, String)], run_token: &str, base_url: &str) -> Self {
        let mut pairs: Vec<(String, String)> = known
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, value)| (value.clone(), format!("[{name}]")))
            .collect();
        // Longest first, so an id that contains another is replaced whole.
        pairs.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        Aliases {
            known: pairs,
            unknown: HashMap::new(),
            next_unknown: 1,
            run_token: run_token.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    fn alias_of(&self, value: &str) -> Option<&str> {
        self.known
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, a)| a.as_str())
            .or_else(|| self.unknown.get(value).map(String::as_str))
    }

    fn learn(&mut self, value: &str) {
        if value.is_empty() || value.starts_with('[') || self.alias_of(value).is_some() {
            return;
        }
        let alias = format!("[id-{}]", self.next_unknown);
        self.next_unknown += 1;
        self.unknown.insert(value.to_string(), alias);
    }

    /// Finds ids with no fixture in order of first appearance: `id` keys, member and group
    /// `value`s, and path segments after `Users` or `Groups`.
    fn discover(&mut self, v: &Value, parent_key: Option<&str>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    match (k.as_str(), child) {
                        ("id", Value::String(s)) => self.learn(s),
                        ("path" | "location", Value::String(s)) => self.discover_path(s),
                        _ => {}
                    }
                    if matches!(parent_key, Some("members" | "groups" | "value"))
                        && k == "value"
                        && let Value::String(s) = child
                    {
                        self.learn(s);
                    }
                    self.discover(child, Some(k));
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.discover(item, parent_key);
                }
            }
            _ => {}
        }
    }

    fn discover_path(&mut self, path: &str) {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        for pair in segments.windows(2) {
            if matches!(pair[0], "Users" | "Groups") {
                let decoded = percent_decode(pair[1]);
                self.learn(&decoded);
            }
        }
    }

    /// Redacts a whole transcript in place.
    pub fn apply(&mut self, doc: &mut Value) {
        self.discover(doc, None);
        self.rewrite(doc, None, None);
    }

    fn rewrite(&self, v: &mut Value, key: Option<&str>, parent_key: Option<&str>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    self.rewrite(child, Some(k.as_str()), key);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.rewrite(item, key, parent_key);
                }
            }
            Value::String(s) => {
                let position = match (key, parent_key) {
                    (Some("version" | "etag"), _) => {
                        *s = "[version]".to_string();
                        return;
                    }
                    (Some("id"), _) => Position::Id,
                    // Member items: in `members`/`groups`, and in a PATCH op's `value` list.
                    (Some("value"), Some("members" | "groups" | "value")) => Position::Id,
                    (Some("externalId"), _) => Position::Id,
                    (Some("path" | "location" | "$ref"), _) => Position::Path,
                    _ => Position::Text,
                };
                *s = self.rewrite_str(s, position);
            }
            _ => {}
        }
    }

    fn ids(&self) -> impl Iterator<Item = (&str, &str)> {
        self.known
            .iter()
            .map(|(v, a)| (v.as_str(), a.as_str()))
            .chain(self.unknown.iter().map(|(v, a)| (v.as_str(), a.as_str())))
    }

    /// One string. Ids are aliased by position, not by value: an `id`, a member's `value`, a
    /// segment of a path or URL, a quoted token in a PATCH path. Elsewhere only long ids are
    /// replaced inside longer text (an error detail naming an id), so a server that uses the
    /// userName as the id does not turn every userName into `[alice.id]`.
    fn rewrite_str(&self, s: &str, position: Position) -> String {
        if position != Position::Text
            && let Some(a) = self.alias_of(s)
        {
            return a.to_string();
        }
        if is_timestamp(s) {
            return "[timestamp]".to_string();
        }
        let mut out = s.to_string();
        if !self.base_url.is_empty() {
            out = out.replace(&self.base_url, "[base]");
        }
        for (value, alias) in self.ids() {
            match position {
                Position::Path => {
                    out = replace_segments(&out, value, alias);
                    if value.len() >= SUBSTRING_SAFE_LEN && out.contains(value) {
                        out = out.replace(value, alias);
                    }
                }
                Position::Id | Position::Text => {
                    if value.len() >= SUBSTRING_SAFE_LEN && out != value && out.contains(value) {
                        out = out.replace(value, alias);
                    }
                }
            }
        }
        if !self.run_token.is_empty() {
            out = out.replace(&self.run_token, "[run]");
            // `${upper(…)}` of a value that holds the token (the SPEC test's upper-cased
            // userName) carries it upper-cased.
            let upper = self.run_token.to_uppercase();
            if upper != self.run_token {
                out = out.replace(&upper, "[RUN]");
            }
        }
        out
    }
}

/// Where a string stands in a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// An id: `id`, a member or group `value`.
    Id,
    /// A path or URL: `path`, `location`, `$ref`, a PATCH op path.
    Path,
    /// Anything else.
    Text,
}

/// Replaces `value` where it is a whole path segment or a quoted token (`"1"`, `%221%22`).
fn replace_segments(text: &str, value: &str, alias: &str) -> String {
    let quoted = text
        .replace(&format!("\"{value}\""), &format!("\"{alias}\""))
        .replace(&format!("%22{value}%22"), &format!("%22{alias}%22"));
    let (path, query) = match quoted.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (quoted.clone(), None),
    };
    let path = path
        .split('/')
        .map(|seg| if seg == value { alias } else { seg })
        .collect::<Vec<_>>()
        .join("/");
    match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Replaces every node a JSONPath selects with `"[redacted]"`.
pub fn redact_jsonpath(body: &mut Value, path: &serde_json_path::JsonPath) {
    let locations: Vec<String> = path
        .query_located(body)
        .locations()
        .map(|l| l.to_json_pointer())
        .collect();
    for pointer in locations {
        if let Some(node) = body.pointer_mut(&pointer) {
            *node = Value::String("[redacted]".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aliases_replace_ids_everywhere_and_unknowns_in_order() {
        let known = vec![
            ("alice.id".to_string(), "1".to_string()),
            ("eng.id".to_string(), "abcdef0123456789".to_string()),
        ];
        let mut a = Aliases::new(&known, "tok123", "http://127.0.0.1:9/scim/v2");
        let mut doc = json!([
            {"request": {"path": "/Groups/abcdef0123456789", "body": {"Operations": [{"path": "members[value eq \"1\"]"}]}},
             "response": {"body": {"id": "zzz-unknown", "members": [{"value": "1"}, {"value": "other"}],
                          "meta": {"created": "2026-11-29T09:43:48.811Z", "version": "W/\"3\"",
                                   "location": "http://127.0.0.1:9/scim/v2/Groups/abcdef0123456789"}},
                          "headers": {"etag": "W/\"3\""}}},
            {"request": {"path": "/Users?filter=userName%20eq%20%22alice.tok123%40example.com%22"}}
        ]);
        a.apply(&mut doc);
        assert_eq!(doc[0]["request"]["path"], "/Groups/[eng.id]");
        assert_eq!(
            doc[0]["request"]["body"]["Operations"][0]["path"],
            "members[value eq \"[alice.id]\"]"
        );
        assert_eq!(doc[0]["response"]["body"]["id"], "[id-1]");
        assert_eq!(
            doc[0]["response"]["body"]["members"],
            json!([{"value": "[alice.id]"}, {"value": "[id-2]"}])
        );
        assert_eq!(doc[0]["response"]["body"]["meta"]["created"], "[timestamp]");
        assert_eq!(doc[0]["response"]["body"]["meta"]["version"], "[version]");
        assert_eq!(
            doc[0]["response"]["body"]["meta"]["location"],
            "[base]/Groups/[eng.id]"
        );
        assert_eq!(doc[0]["response"]["headers"]["etag"], "[version]");
        assert_eq!(
            doc[1]["request"]["path"],
            "/Users?filter=userName%20eq%20%22alice.[run]%40example.com%22"
        );
    }
}
