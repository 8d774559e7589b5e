//! The harness every module shares: a server on 127.0.0.1 (port 0) per test, a client that
//! sends Okta's exact headers and bodies, parsed responses, SCIM error assertions and a
//! redactor that turns ids, timestamps and versions into stable aliases before snapshotting.

use std::collections::BTreeMap;
use std::sync::Mutex;

use okscim_reference_server::{
    Fault, Faults, Profile, RunningServer, ServerConfig, Variant, Variants, spawn,
};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value, json};

/// The Error message URN.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The ListResponse message URN.
pub const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The PatchOp message URN.
pub const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension URN.
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Okta's request Content-Type (okta-reference.md §1.0).
pub const OKTA_CONTENT_TYPE: &str = "application/scim+json; charset=utf-8";
/// Okta's User-Agent in production (okta-reference.md §1.0).
pub const OKTA_USER_AGENT: &str = "Okta SCIM Client 1.0.0";

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>` (OIN "Bearer" / OAuth test app).
    Bearer,
    /// `Authorization: <token>` verbatim (OIN "Header" auth).
    Raw,
    /// No Authorization header.
    None,
    /// This exact Authorization value.
    Value(String),
}

/// A server for one test, and a client speaking to it like Okta does.
pub struct TestServer {
    /// The running server (dropped at the end of the test, which stops it).
    pub server: RunningServer,
    /// A keep-alive client; no proxy, no default headers.
    pub client: reqwest::Client,
}

/// One response, read completely.
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as text.
    pub text: String,
    /// The body parsed as JSON (`Null` when it is empty or not JSON).
    pub json: Value,
}

impl Resp {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of the body, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// Panics with the whole response unless the status is `expected`.
    #[track_caller]
    pub fn expect(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status, expected,
            "expected HTTP {expected}, got {}: {}",
            self.status, self.text
        );
        self
    }

    /// Asserts an RFC 7644 §3.12 error: `application/scim+json`, the Error URN, `status` as a
    /// string equal to the HTTP status, a non-empty `detail` and the given `scimType` (or none).
    #[track_caller]
    pub fn assert_scim_error(&self, status: u16, scim_type: Option<&str>) -> &Self {
        self.expect(status);
        assert_eq!(
            self.media_type().as_deref(),
            Some("application/scim+json"),
            "error content type: {:?}",
            self.headers
        );
        assert_eq!(self.json["schemas"], json!([ERROR_URN]), "{}", self.text);
        assert_eq!(
            self.json["status"],
            json!(status.to_string()),
            "status must be a JSON string: {}",
            self.text
        );
        let detail = self.json["detail"].as_str().unwrap_or("");
        assert!(
            !detail.trim().is_empty(),
            "detail must be non-empty: {}",
            self.text
        );
        match scim_type {
            Some(t) => assert_eq!(self.json["scimType"], json!(t), "{}", self.text),
            None => assert!(
                self.json.get("scimType").is_none(),
                "no scimType expected: {}",
                self.text
            ),
        }
        self
    }

    /// The `detail` of an error body.
    pub fn detail(&self) -> &str {
        self.json["detail"].as_str().unwrap_or("")
    }

    /// The `id` of a resource body.
    #[track_caller]
    pub fn id(&self) -> String {
        self.json["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.text))
            .to_string()
    }

    /// The ids of the resources in a ListResponse, in order.
    pub fn resource_ids(&self) -> Vec<String> {
        self.json["Resources"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| r["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `totalResults` of a ListResponse.
    #[track_caller]
    pub fn total(&self) -> u64 {
        self.json["totalResults"]
            .as_u64()
            .unwrap_or_else(|| panic!("totalResults is not an integer: {}", self.text))
    }
}

/// A request being built; `send` runs it.
pub struct Call<'a> {
    srv: &'a TestServer,
    method: Method,
    url: String,
    auth: Auth,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Call<'_> {
    /// Authenticates differently.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Sends this Content-Type instead of Okta's (`None`: no Content-Type at all).
    pub fn content_type(mut self, ct: Option<&str>) -> Self {
        self.content_type = ct.map(str::to_string);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sends these exact bytes as the body.
    pub fn raw_body(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some(bytes.into());
        self
    }

    /// Sends the request and reads the whole response.
    pub async fn send(self) -> Resp {
        let mut req = self
            .srv
            .client
            .request(self.method.clone(), &self.url)
            .header("Accept", "application/scim+json")
            .header("Accept-Charset", "utf-8")
            .header("User-Agent", OKTA_USER_AGENT);
        let token = &self.srv.server.token;
        req = match &self.auth {
            Auth::Bearer => req.header("Authorization", format!("Bearer {token}")),
            Auth::Raw => req.header("Authorization", token.clone()),
            Auth::None => req,
            Auth::Value(v) => req.header("Authorization", v.clone()),
        };
        if let Some(ct) = &self.content_type {
            req = req.header("Content-Type", ct.clone());
        }
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some(body) = self.body {
            req = req.body(body);
        }
        let response = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{} {} failed: {e}", self.method, self.url));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("read the response body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            json,
        }
    }
}

impl TestServer {
    /// A server with this configuration (its address forced to 127.0.0.1:0).
    pub async fn start(mut config: ServerConfig) -> TestServer {
        config.addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let server = spawn(config).await.expect("spawn the reference server");
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("build the client");
        TestServer { server, client }
    }

    /// The default (rfc profile, no faults) server.
    pub async fn rfc() -> TestServer {
        Self::start(ServerConfig::default()).await
    }

    /// A tailnet-profile server.
    pub async fn tailnet() -> TestServer {
        Self::start(ServerConfig {
            profile: Profile::Tailnet,
            ..ServerConfig::default()
        })
        .await
    }

    /// An rfc-profile server with these faults switched on.
    pub async fn with_faults(faults: &[Fault]) -> TestServer {
        Self::start(ServerConfig {
            faults: faults.iter().copied().collect::<Faults>(),
            ..ServerConfig::default()
        })
        .await
    }

    /// A server with these variants switched on.
    pub async fn with_variants(variants: &[Variant]) -> TestServer {
        Self::start(ServerConfig {
            variants: variants.iter().copied().collect::<Variants>(),
            ..ServerConfig::default()
        })
        .await
    }

    /// The SCIM base URL.
    pub fn base(&self) -> &str {
        &self.server.base_url
    }

    /// `http://127.0.0.1:PORT` (no base path), for the admin API.
    pub fn root(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// A request to `base + path`, with Okta's headers and Bearer auth.
    pub fn call(&self, method: Method, path: &str) -> Call<'_> {
        self.call_url(method, format!("{}{path}", self.base()))
    }

    /// A request to an absolute URL, with Okta's headers and Bearer auth.
    pub fn call_url(&self, method: Method, url: String) -> Call<'_> {
        Call {
            srv: self,
            method,
            url,
            auth: Auth::Bearer,
            content_type: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// GET `path` (no Content-Type, as Okta's GETs).
    pub fn get(&self, path: &str) -> Call<'_> {
        self.call(Method::GET, path)
    }

    /// A request with a JSON body sent as Okta sends it.
    pub fn with_body(&self, method: Method, path: &str, body: &Value) -> Call<'_> {
        self.call(method, path)
            .content_type(Some(OKTA_CONTENT_TYPE))
            .raw_body(serde_json::to_vec(body).expect("serialize"))
    }

    /// POST a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> Call<'_> {
        self.with_body(Method::POST, path, body)
    }

    /// PUT a JSON body.
    pub fn put(&self, path: &str, body: &Value) -> Call<'_> {
        self.with_body(Method::PUT, path, body)
    }

    /// PATCH with a PatchOp message of these operations.
    pub fn patch(&self, path: &str, operations: Value) -> Call<'_> {
        self.with_body(Method::PATCH, path, &patch_op(operations))
    }

    /// DELETE (with Okta's Content-Type, as in R19).
    pub fn delete(&self, path: &str) -> Call<'_> {
        self.call(Method::DELETE, path)
            .content_type(Some(OKTA_CONTENT_TYPE))
    }

    /// A request to the tailnet admin API (`/admin/...`).
    pub fn admin(&self, method: Method, path: &str) -> Call<'_> {
        self.call_url(method, format!("{}/admin{path}", self.root()))
    }

    /// Creates a user with Okta's create body and returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let r = self.post("/Users", &okta_user(user_name)).send().await;
        r.expect(201);
        r.id()
    }

    /// Creates a group with these member ids and returns its id.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let r = self
            .post(
                "/Groups",
                &json!({"schemas": [GROUP_URN], "displayName": name, "members": members}),
            )
            .send()
            .await;
        r.expect(201);
        r.id()
    }

    /// `GET /Users/{id}`, expecting 200.
    pub async fn user(&self, id: &str) -> Value {
        let r = self.get(&format!("/Users/{id}")).send().await;
        r.expect(200);
        r.json
    }

    /// `GET /Groups/{id}`, expecting 200.
    pub async fn group(&self, id: &str) -> Value {
        let r = self.get(&format!("/Groups/{id}")).send().await;
        r.expect(200);
        r.json
    }
}

/// A PatchOp message.
pub fn patch_op(operations: Value) -> Value {
    json!({"schemas": [PATCH_URN], "Operations": operations})
}

/// Okta's POST /Users body (okta-reference.md §1.3) for a userName that is also the email.
pub fn okta_user(user_name: &str) -> Value {
    let local = user_name.split('@').next().unwrap_or(user_name);
    let (given, family) = local.split_once('.').unwrap_or((local, "User"));
    json!({
        "schemas": [USER_URN],
        "userName": user_name,
        "name": {"givenName": capitalize(given), "familyName": capitalize(family)},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{} {}", capitalize(given), capitalize(family)),
        "locale": "en-US",
        "externalId": okta_user_id(user_name),
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

/// A stable Okta-style user id (`00u…`) derived from the userName: Okta sends its own user id
/// as the SCIM `externalId`.
pub fn okta_user_id(user_name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in user_name.to_lowercase().bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("00u{h:016x}")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The `value`s of a group's members, sorted.
pub fn member_values(group: &Value) -> Vec<String> {
    let mut v: Vec<String> = group["members"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The `(value, display)` pairs of a user's `groups`, sorted.
pub fn user_groups(user: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = user["groups"]
        .as_array()
        .map(|gs| {
            gs.iter()
                .map(|g| {
                    (
                        g["value"].as_str().unwrap_or("").to_string(),
                        g["display"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Replaces server-chosen values with stable aliases so snapshots are reviewable claims:
/// known ids become `[alice.id]`, other UUIDs `[id-N]` (numbered by first appearance), the
/// base URL `{base}`, `meta.created`/`meta.lastModified` `[timestamp]`, `meta.version` and
/// the ETag header `[version]`.
pub struct Redactor {
    base: String,
    aliases: Mutex<BTreeMap<String, String>>,
}

impl Redactor {
    /// A redactor for responses of `srv`.
    pub fn new(srv: &TestServer) -> Self {
        Redactor {
            base: srv.base().to_string(),
            aliases: Mutex::new(BTreeMap::new()),
        }
    }

    /// Names an id: it shows as `[name]` in snapshots.
    pub fn alias(&self, id: &str, name: &str) -> &Self {
        self.aliases
            .lock()
            .unwrap()
            .insert(id.to_string(), format!("[{name}]"));
        self
    }

    fn redact_str(&self, s: &str) -> String {
        let mut out = s.replace(&self.base, "{base}");
        let mut aliases = self.aliases.lock().unwrap();
        for (id, alias) in aliases.iter() {
            out = out.replace(id.as_str(), alias);
        }
        // Any other UUID gets a numbered alias.
        while let Some(found) = find_uuid(&out) {
            let n = aliases.len() + 1;
            let alias = format!("[id-{n}]");
            aliases.insert(found.clone(), alias.clone());
            out = out.replace(&found, &alias);
        }
        out
    }

    fn walk(&self, v: &Value, key: Option<&str>) -> Value {
        match v {
            Value::String(s) => match key {
                Some("created") | Some("lastModified") => json!("[timestamp]"),
                Some("version") => json!("[version]"),
                _ => Value::String(self.redact_str(s)),
            },
            Value::Array(items) => Value::Array(items.iter().map(|i| self.walk(i, None)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), self.walk(v, Some(k)));
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    /// A JSON body, redacted.
    pub fn body(&self, v: &Value) -> Value {
        self.walk(v, None)
    }

    /// A response, redacted: status, the headers that matter, and the body.
    pub fn response(&self, r: &Resp) -> Value {
        let mut headers = Map::new();
        if let Some(ct) = r.header("content-type") {
            headers.insert("content-type".into(), json!(ct));
        }
        if let Some(l) = r.header("location") {
            headers.insert("location".into(), json!(self.redact_str(l)));
        }
        if r.header("etag").is_some() {
            headers.insert("etag".into(), json!("[version]"));
        }
        if let Some(w) = r.header("www-authenticate") {
            headers.insert("www-authenticate".into(), json!(w));
        }
        if let Some(a) = r.header("allow") {
            headers.insert("allow".into(), json!(a));
        }
        let body = if r.json.is_null() {
            json!(r.text)
        } else {
            self.body(&r.json)
        };
        json!({"status": r.status, "headers": headers, "body": body})
    }
}

/// The first UUID-shaped substring (8-4-4-4-12 hex digits).
fn find_uuid(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 36 {
        return None;
    }
    (0..=b.len() - 36).find_map(|i| {
        let w = &b[i..i + 36];
        let ok = w.iter().enumerate().all(|(j, c)| match j {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
        ok.then(|| String::from_utf8_lossy(w).into_owned())
    })
}

/// Percent-encodes a query value (space as `%20`, as R20 shows Okta's filter).
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `?filter=...` (`%20`-encoded) for a filter expression.
pub fn filter_query(filter: &str) -> String {
    format!("filter={}", enc(filter))
}
