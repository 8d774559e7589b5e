//! A small in-memory SCIM server on wiremock, with a choice of id format, for tests that need a
//! server other than the reference one (redaction across id formats).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// How the fake assigns ids.
#[derive(Debug, Clone, Copy)]
pub enum IdFormat {
    /// Random UUIDs.
    Uuid,
    /// 1, 2, 3, … (one sequence for users and groups).
    Integer,
    /// The userName (users) or displayName (groups) itself.
    Name,
}

struct State {
    format: IdFormat,
    next: u64,
    users: BTreeMap<String, Value>,
    groups: BTreeMap<String, Value>,
    base: String,
}

struct FakeScim(Mutex<State>);

/// A page of `items`, as `startIndex` and `count` in the query ask (RFC 7644 §3.4.2.4).
fn list(items: Vec<Value>, query: &str) -> Value {
    let param = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let start = param("startIndex").unwrap_or(1).max(1);
    let count = param("count").unwrap_or(items.len());
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start - 1).take(count).collect();
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": page.len(),
        "Resources": page,
    })
}

fn scim(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/scim+json")
}

fn filter_value(query: &str) -> Option<String> {
    let decoded: String = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())?;
    let start = decoded.find('"')?;
    let end = decoded.rfind('"')?;
    Some(decoded[start + 1..end].to_string())
}

impl State {
    fn new_id(&mut self, name: &str) -> String {
        self.next += 1;
        match self.format {
            IdFormat::Uuid => format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                rand::random::<u32>(),
                rand::random::<u16>(),
                rand::random::<u16>() & 0xfff,
                rand::random::<u16>() & 0xfff,
                rand::random::<u64>() & 0xffff_ffff_ffff
            ),
            IdFormat::Integer => self.next.to_string(),
            IdFormat::Name => name.to_string(),
        }
    }

    fn finish(&self, kind: &str, id: &str, mut body: Value) -> Value {
        body["id"] = json!(id);
        body["meta"] = json!({
            "resourceType": kind,
            "created": "2026-01-01T00:00:00Z",
            "lastModified": chrono_now(),
            "location": format!("{}/{kind}s/{id}", self.base),
        });
        if let Some(o) = body.as_object_mut() {
            o.remove("password");
        }
        body
    }

    fn handle(
        &mut self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<Value>,
    ) -> ResponseTemplate {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (collection, id) = match segments.as_slice() {
            [c] => (*c, None),
            [c, id] => (*c, Some(id.to_string())),
            _ => return scim(404, json!({"detail": "no such path"})),
        };
        let is_users = collection == "Users";
        match (method, id) {
            ("GET", None) => {
                let table = if is_users { &self.users } else { &self.groups };
                let key = if is_users { "userName" } else { "displayName" };
                let items: Vec<Value> = match filter_value(query) {
                    Some(v) => table
                        .values()
                        .filter(|r| r[key].as_str().is_some_and(|s| s.eq_ignore_ascii_case(&v)))
                        .cloned()
                        .collect(),
                    None => table.values().cloned().collect(),
                };
                scim(200, list(items, query))
            }
            ("POST", None) => {
                let body = body.unwrap_or_default();
                let name = body[if is_users { "userName" } else { "displayName" }]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let id = self.new_id(&name);
                let kind = if is_users { "User" } else { "Group" };
                let stored = self.finish(kind, &id, body);
                if is_users {
                    self.users.insert(id.clone(), stored.clone());
                } else {
                    self.groups.insert(id.clone(), stored.clone());
                }
                scim(201, stored)
                    .insert_header("Location", format!("{}/{collection}/{id}", self.base))
            }
            (m, Some(id)) => {
                let kind = if is_users { "User" } else { "Group" };
                let table = if is_users { &self.users } else { &self.groups };
                let Some(current) = table.get(&id).cloned() else {
                    return scim(
                        404,
                        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "not found"}),
                    );
                };
                let updated = match m {
                    "GET" => return scim(200, current),
                    "DELETE" => {
                        if is_users {
                            self.users.remove(&id);
                        } else {
                            self.groups.remove(&id);
                        }
                        return ResponseTemplate::new(204);
                    }
                    "PUT" => self.finish(kind, &id, body.unwrap_or_default()),
                    "PATCH" => {
                        let mut r = current;
                        for op in body.unwrap_or_default()["Operations"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default()
                        {
                            let value = op["value"].clone();
                            match (op["op"].as_str(), op["path"].as_str()) {
                                (Some("replace"), None) => {
                                    for (k, v) in value.as_object().cloned().unwrap_or_default() {
                                        if k != "id" {
                                            r[k] = v;
                                        }
                                    }
                                }
                                (Some("replace"), Some("members")) => r["members"] = value,
                                (Some("add"), Some("members")) => {
                                    let mut m =
                                        r["members"].as_array().cloned().unwrap_or_default();
                                    m.extend(value.as_array().cloned().unwrap_or_default());
                                    r["members"] = Value::Array(m);
                                }
                                (Some("remove"), Some(p)) if p.starts_with("members[") => {
                                    let target = p.split('"').nth(1).unwrap_or("").to_string();
                                    if let Some(m) = r["members"].as_array_mut() {
                                        m.retain(|x| x["value"].as_str() != Some(target.as_str()));
                                    }
                                }
                                _ => {}
                            }
                        }
                        self.finish(kind, &id, r)
                    }
                    _ => return scim(405, json!({"detail": "method not allowed"})),
                };
                if is_users {
                    self.users.insert(id.clone(), updated.clone());
                } else {
                    self.groups.insert(id.clone(), updated.clone());
                }
                scim(200, updated)
            }
            _ => scim(405, json!({"detail": "method not allowed"})),
        }
    }
}

fn chrono_now() -> String {
    // A timestamp that changes between runs, to show it is redacted.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("2026-11-29T09:00:00.{nanos:09}Z")
}

/// The one token the fake accepts.
pub const TOKEN: &str = "t";

impl Respond for FakeScim {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let bearer = format!("Bearer {TOKEN}");
        if request
            .headers
            .get("authorization")
            .is_none_or(|v| v.as_bytes() != bearer.as_bytes())
        {
            return scim(
                401,
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401", "detail": "bad token"}),
            );
        }
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        let path = request
            .url
            .path()
            .trim_start_matches("/scim/v2")
            .to_string();
        let query = request.url.query().unwrap_or("").to_string();
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        state.handle(request.method.as_str(), &path, &query, body)
    }
}

/// Starts a fake SCIM server on 127.0.0.1; its base URL is `{uri}/scim/v2`.
pub async fn start(format: IdFormat) -> (MockServer, String) {
    let server = MockServer::start().await;
    let base = format!("{}/scim/v2", server.uri());
    Mock::given(any())
        .respond_with(FakeScim(Mutex::new(State {
            format,
            next: 0,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            base: base.clone(),
        })))
        .mount(&server)
        .await;
    (server, base)
}
