//! What a snapshot is about: the scenario's own resources. A staging server keeps data between
//! runs and holds resources of other runs, other scenarios and other teams; a snapshot that
//! listed them would differ on every run. So, before ids are aliased:
//!
//! - a list of Users or Groups that the scenario did not scope to its own data (no filter naming
//!   its run token or one of its ids: an import, the test connection, `GET /Users?count=1`) keeps
//!   only the scenario's resources; the others are not listed, and the counts that depend on
//!   them (`totalResults`, `itemsPerPage`) read `[count]`. Every page of one such list, in one
//!   step, is one entry: how many pages there are depends on the other data too.
//! - a User or Group read on its own that the scenario did not make (the SPEC test's "first
//!   user") is summarized to its id.
//!
//! A resource is the scenario's when its id is a fixture's, when the scenario created or changed
//! it, or when it carries the scenario's run token; never when a `when_empty` precondition made
//! it, since that step runs only against an empty server.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::runner::ScenarioResult;

/// The key that marks a normalized list or a summarized resource; it is there whatever the
/// server holds, so that it reads the same on every run.
pub const NOT_LISTED: &str = "[not listed]";
const NOT_LISTED_LIST: &str =
    "resources this scenario did not make; every page of the list is in this entry";
const NOT_LISTED_RESOURCE: &str = "a resource this scenario did not make";

/// Which resources are the scenario's.
#[derive(Debug, Default)]
pub struct Ownership {
    own: HashSet<String>,
    foreign: HashSet<String>,
    run_token: String,
    /// Each known id's place among the scenario's fixtures: the order an unscoped list shows
    /// them in (the server's own order depends on where other data puts them).
    rank: std::collections::HashMap<String, usize>,
}

fn body_ids(body: &Value, into: &mut HashSet<String>) {
    if let Some(id) = body.get("id").and_then(Value::as_str) {
        into.insert(id.to_string());
    }
}

impl Ownership {
    /// The ownership of one scenario run's resources.
    pub fn of(result: &ScenarioResult) -> Self {
        let mut own: HashSet<String> = result
            .aliases
            .iter()
            .filter(|(name, v)| name.ends_with(".id") && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect();
        let mut foreign = HashSet::new();
        for step in &result.steps {
            for exchange in &step.exchanges {
                let writes = matches!(exchange.request.method.as_str(), "POST" | "PUT" | "PATCH");
                let Some(body) = exchange.json() else {
                    continue;
                };
                if step.precondition {
                    body_ids(body, &mut foreign);
                } else if writes && exchange.status().is_some_and(|s| (200..300).contains(&s)) {
                    body_ids(body, &mut own);
                }
            }
        }
        for id in &foreign {
            own.remove(id);
        }
        let rank = result
            .aliases
            .iter()
            .enumerate()
            .map(|(n, (_, v))| (v.clone(), n))
            .collect();
        Ownership {
            own,
            foreign,
            run_token: result.run_token.to_ascii_lowercase(),
            rank,
        }
    }

    /// Sorts the scenario's resources of an unscoped list into fixture order (others after,
    /// by their text), so that where other data puts them does not show.
    fn order(&self, resources: &mut [Value]) {
        resources.sort_by_cached_key(|r| {
            let rank = r
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| self.rank.get(id).copied())
                .unwrap_or(usize::MAX);
            (rank, r.to_string())
        });
    }

    /// Ids that are not the scenario's even though it knows them (a precondition's).
    pub fn foreign_ids(&self) -> &HashSet<String> {
        &self.foreign
    }

    /// Whether a resource is the scenario's.
    pub fn owns(&self, resource: &Value) -> bool {
        let id = resource.get("id").and_then(Value::as_str);
        if id.is_some_and(|id| self.foreign.contains(id)) {
            return false;
        }
        if id.is_some_and(|id| self.own.contains(id)) {
            return true;
        }
        !self.run_token.is_empty()
            && resource
                .to_string()
                .to_ascii_lowercase()
                .contains(&self.run_token)
    }

    /// Whether a list request names the scenario's own data: its run token, or one of its ids
    /// as a quoted value.
    fn scoped(&self, request_text: &str) -> bool {
        let text = percent_encoding::percent_decode_str(request_text)
            .decode_utf8_lossy()
            .to_ascii_lowercase();
        if !self.run_token.is_empty() && text.contains(&self.run_token) {
            return true;
        }
        self.own
            .iter()
            .any(|id| text.contains(&format!("\"{}\"", id.to_ascii_lowercase())))
    }
}

/// The collection a request path reads, and whether it names one resource: `/Users?…` is
/// `("Users", false)`, `/Groups/abc` is `("Groups", true)`; only Users and Groups, the
/// resources Okta writes, are scoped.
fn data_path(path: &str) -> Option<(&str, bool)> {
    let path = path.split('?').next().unwrap_or(path);
    let mut segments = path.trim_start_matches('/').split('/');
    let collection = segments.next()?;
    if !matches!(collection, "Users" | "Groups") {
        return None;
    }
    match segments.next() {
        None | Some("") => Some((collection, false)),
        Some(".search") => Some((collection, false)),
        Some(_) => Some((collection, true)),
    }
}

/// The path without its `startIndex` parameter: pages of one list share it.
fn list_key(method: &str, path: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("startIndex="))
        .collect();
    format!("{method} {base}?{}", rest.join("&"))
}

/// One transcript entry before aliasing, with what scoping needs to know of it.
#[derive(Debug)]
pub struct Entry {
    /// The step's index.
    pub step: usize,
    /// Request method.
    pub method: String,
    /// Request path and query.
    pub path: String,
    /// Request body text.
    pub request_body: Option<String>,
    /// The entry as the snapshot shows it.
    pub value: Map<String, Value>,
}

impl Entry {
    fn body_mut(&mut self) -> Option<&mut Map<String, Value>> {
        self.value
            .get_mut("response")
            .and_then(|r| r.get_mut("body"))
            .and_then(Value::as_object_mut)
    }

    fn status(&self) -> Option<&Value> {
        self.value.get("response").and_then(|r| r.get("status"))
    }

    fn is_list(&self) -> bool {
        self.value
            .get("response")
            .and_then(|r| r.get("body"))
            .is_some_and(|b| b.get("Resources").is_some() || b.get("totalResults").is_some())
    }
}

/// Keeps the snapshot to the scenario's own resources (see the module's documentation).
pub fn scope(entries: Vec<Entry>, ownership: &Ownership) -> Vec<Value> {
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    // The list key of the last entry kept, when it is an unscoped list.
    let mut open_list: Option<(usize, String)> = None;
    for mut entry in entries {
        let data = data_path(&entry.path);
        let unscoped_list = data.is_some_and(|(_, one)| !one)
            && entry.is_list()
            && !ownership.scoped(&entry.path)
            && !entry
                .request_body
                .as_deref()
                .is_some_and(|b| ownership.scoped(b));
        if unscoped_list {
            let key = list_key(&entry.method, &entry.path);
            let own: Vec<Value> = entry
                .body_mut()
                .and_then(|b| b.remove("Resources"))
                .and_then(|r| match r {
                    Value::Array(items) => Some(items),
                    _ => None,
                })
                .unwrap_or_default()
                .into_iter()
                .filter(|r| ownership.owns(r))
                .collect();
            let same_list = open_list
                .as_ref()
                .is_some_and(|(step, k)| *step == entry.step && *k == key);
            if same_list
                && let Some(previous) = out.last_mut()
                && previous.status() == entry.status()
            {
                if let Some(body) = previous.body_mut() {
                    let resources = body
                        .entry("Resources")
                        .or_insert_with(|| Value::Array(vec![]));
                    if let Value::Array(items) = resources {
                        items.extend(own);
                        ownership.order(items);
                    }
                }
                continue;
            }
            let mut own = own;
            ownership.order(&mut own);
            if let Some(body) = entry.body_mut() {
                if !own.is_empty() {
                    body.insert("Resources".into(), Value::Array(own));
                }
                for count in ["totalResults", "itemsPerPage"] {
                    if body.contains_key(count) {
                        body.insert(count.into(), Value::String("[count]".into()));
                    }
                }
                body.insert(NOT_LISTED.into(), Value::String(NOT_LISTED_LIST.into()));
            }
            open_list = Some((entry.step, key));
            out.push(entry);
            continue;
        }
        open_list = None;
        if data.is_some_and(|(_, one)| one)
            && let Some(body) = entry.body_mut()
            && body.get("id").is_some_and(Value::is_string)
            && !ownership.owns(&Value::Object(body.clone()))
        {
            let id = body.get("id").cloned().unwrap_or(Value::Null);
            body.clear();
            body.insert("id".into(), id);
            body.insert(NOT_LISTED.into(), Value::String(NOT_LISTED_RESOURCE.into()));
        }
        out.push(entry);
    }
    out.into_iter().map(|e| Value::Object(e.value)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ownership(own: &[&str], foreign: &[&str]) -> Ownership {
        Ownership {
            own: own.iter().map(|s| s.to_string()).collect(),
            foreign: foreign.iter().map(|s| s.to_string()).collect(),
            run_token: "tok123abcd".into(),
            rank: Default::default(),
        }
    }

    fn list_entry(step: usize, path: &str, resources: Value, total: u64) -> Entry {
        let value = json!({
            "request": {"method": "GET", "path": path},
            "response": {"status": 200, "body": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": total, "itemsPerPage": 2, "startIndex": 1,
                "Resources": resources}}
        });
        Entry {
            step,
            method: "GET".into(),
            path: path.into(),
            request_body: None,
            value: value.as_object().cloned().expect("object"),
        }
    }

    #[test]
    fn an_unscoped_list_keeps_the_scenarios_own_resources_and_merges_its_pages() {
        let o = ownership(&["u1", "u2"], &[]);
        let page1 = list_entry(
            3,
            "/Users?startIndex=1&count=2",
            json!([{"id": "u1"}, {"id": "x9", "userName": "someone@else"}]),
            4,
        );
        let page2 = list_entry(
            3,
            "/Users?startIndex=3&count=2",
            json!([{"id": "x8"}, {"id": "u3", "userName": "bob.TOK123ABCD@example.com"}]),
            4,
        );
        let out = scope(vec![page1, page2], &o);
        assert_eq!(out.len(), 1, "{out:#?}");
        let body = &out[0]["response"]["body"];
        assert_eq!(
            body["Resources"],
            json!([{"id": "u1"}, {"id": "u3", "userName": "bob.TOK123ABCD@example.com"}])
        );
        assert_eq!(body["totalResults"], "[count]");
        assert_eq!(body["itemsPerPage"], "[count]");
        assert_eq!(body["startIndex"], 1);
        assert!(body.get(NOT_LISTED).is_some());
    }

    #[test]
    fn a_list_filtered_on_the_scenarios_data_is_kept_whole() {
        let o = ownership(&["u1"], &[]);
        let scoped = list_entry(
            1,
            "/Users?filter=userName%20eq%20%22alice.tok123abcd%40example.com%22",
            json!([{"id": "u1"}]),
            1,
        );
        let by_id = list_entry(
            2,
            "/Groups?filter=members%5Bvalue%20eq%20%22u1%22%5D",
            json!([{"id": "g1"}]),
            1,
        );
        let out = scope(vec![scoped, by_id], &o);
        assert_eq!(out[0]["response"]["body"]["totalResults"], 1);
        assert_eq!(
            out[1]["response"]["body"]["Resources"],
            json!([{"id": "g1"}])
        );
        assert!(out[1]["response"]["body"].get(NOT_LISTED).is_none());
    }

    #[test]
    fn an_empty_server_and_a_full_one_give_the_same_entry() {
        let o = ownership(&["u1"], &[]);
        let empty = scope(
            vec![list_entry(
                1,
                "/Users?startIndex=1&count=100",
                json!([{"id": "u1"}]),
                1,
            )],
            &o,
        );
        let full = scope(
            vec![
                list_entry(
                    1,
                    "/Users?startIndex=1&count=100",
                    json!([{"id": "a"}, {"id": "u1"}]),
                    150,
                ),
                list_entry(
                    1,
                    "/Users?startIndex=101&count=100",
                    json!([{"id": "b"}]),
                    150,
                ),
            ],
            &o,
        );
        assert_eq!(empty, full);
    }

    #[test]
    fn a_resource_the_scenario_did_not_make_is_summarized_to_its_id() {
        // A precondition's user carries the run token but is not the scenario's.
        let o = ownership(&["u1"], &["seed"]);
        let mut entry = list_entry(2, "/Users/seed", json!([]), 0);
        entry.value["response"]["body"] =
            json!({"id": "seed", "userName": "seed.tok123abcd@example.com"});
        let mut own = list_entry(3, "/Users/u1", json!([]), 0);
        own.value["response"]["body"] = json!({"id": "u1", "userName": "alice"});
        let out = scope(vec![entry, own], &o);
        assert_eq!(
            out[0]["response"]["body"],
            json!({"id": "seed", NOT_LISTED: NOT_LISTED_RESOURCE})
        );
        assert_eq!(out[1]["response"]["body"]["userName"], "alice");
    }

    #[test]
    fn discovery_lists_are_not_scoped() {
        assert_eq!(data_path("/ResourceTypes"), None);
        assert_eq!(data_path("/Users?count=1"), Some(("Users", false)));
        assert_eq!(data_path("/Users/.search"), Some(("Users", false)));
        assert_eq!(data_path("/Groups/abc"), Some(("Groups", true)));
    }
}
