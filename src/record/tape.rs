//! The tape: what a recording holds, one exchange per line of `exchanges.jsonl`, appended as each
//! exchange ends so that a recording survives the proxy being killed. Every secret is gone
//! before a line is written: credentials in headers, the bearer token or Basic password wherever
//! else it appears, and every JSON `password` value.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::{RecordError, TapeError};
use crate::http::{REDACTED, Redactor, Secret};

/// The file a recording appends its exchanges to, inside the recording folder.
pub const EXCHANGES_FILE: &str = "exchanges.jsonl";

/// One recorded request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TapeRequest {
    /// The method, in capitals.
    pub method: String,
    /// The path and query as sent: below the SCIM base URL (`/Users?filter=…`), or below the
    /// server's root when `from_root`.
    pub path: String,
    /// The headers, in order, as sent; credentials redacted.
    pub headers: Vec<(String, String)>,
    /// The body as text (absent when there was none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Which of the credentials seen in the recording the request carried, numbered from 1 in
    /// the order they first appeared (the value itself is never written); absent without an
    /// Authorization header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<u32>,
    /// The path is below the server's root, beside the SCIM base URL (an admin API), not below
    /// the SCIM base URL.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_root: bool,
}

/// One recorded answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TapeResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

/// One recorded exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TapeExchange {
    /// The order the request arrived in, from 1.
    pub seq: u64,
    /// When the request arrived, in milliseconds since the recording started.
    pub at_ms: f64,
    /// How long the exchange took, in milliseconds.
    pub duration_ms: f64,
    /// How long the upstream took to start its answer (its status and headers), in
    /// milliseconds; `0` when not known (a HAR). A request that arrived before the one before it
    /// was answered was sent at the same time.
    #[serde(default)]
    pub head_ms: f64,
    /// What the client sent.
    pub request: TapeRequest,
    /// What the client got back (from the upstream, or the proxy's own 502).
    pub response: TapeResponse,
    /// What went wrong on the way, when something did: the upstream failed or closed the
    /// connection, or the client went away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TapeError>,
    /// The SCIM base URL the request went to (without credentials): where the server's answers
    /// point (`meta.location`, `Location`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

/// The path of a SCIM base URL (`/scim/v2`), or `""` at the root.
pub fn base_path(base: &str) -> String {
    url::Url::parse(base)
        .map(|u| u.path().trim_end_matches('/').to_string())
        .unwrap_or_default()
}

/// A request path split by where it is: below the SCIM base path (`/scim/v2/Users` →
/// `(/Users, false)`) or beside it (`/admin/policy` → `(/admin/policy, true)`).
pub fn split_path(path: &str, scim_path: &str) -> (String, bool) {
    if scim_path.is_empty() {
        return (path.to_string(), false);
    }
    match path.strip_prefix(scim_path) {
        Some("") => ("/".to_string(), false),
        // A client base URL written with a trailing `/` sends `/scim/v2//Users`.
        Some(rest) if rest.starts_with('/') => {
            (format!("/{}", rest.trim_start_matches('/')), false)
        }
        Some(rest) if rest.starts_with('?') => (format!("/{rest}"), false),
        _ => (path.to_string(), true),
    }
}

/// A URL as it may be shown and written: without user, password, query or fragment, and
/// without a trailing `/`.
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => "the upstream".to_string(),
    }
}

/// Whose traffic a request is, told by its User-Agent (docs/okta-behaviour.md, "Whose traffic is
/// which").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Traffic {
    /// Okta's provisioning engine: `Okta SCIM Client …`.
    Okta,
    /// Okta's SPEC test: `OKTA SCIM Integration`.
    SpecTest,
    /// Anything else (okscim's own requests, a browser, a script).
    Other,
}

impl Traffic {
    /// Whose traffic a request with this User-Agent is.
    pub fn of_user_agent(user_agent: Option<&str>) -> Traffic {
        match user_agent {
            Some(ua) if ua.starts_with("Okta SCIM Client") => Traffic::Okta,
            Some(ua) if ua == crate::okta::SPEC_TEST_USER_AGENT => Traffic::SpecTest,
            _ => Traffic::Other,
        }
    }

    /// How a scenario's header comment names it.
    pub fn describe(self) -> &'static str {
        match self {
            Traffic::Okta => "Okta's provisioning engine",
            Traffic::SpecTest => "Okta's SPEC test",
            Traffic::Other => "other clients",
        }
    }
}

impl TapeRequest {
    /// A header value by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::header_value(&self.headers, name)
    }

    /// Whose traffic this is.
    pub fn traffic(&self) -> Traffic {
        Traffic::of_user_agent(self.header("user-agent"))
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
    }

    /// The path without its query.
    pub fn bare_path(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }
}

impl TapeResponse {
    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Headers whose value is a credential: written as `[REDACTED]` (a Bearer or Basic scheme kept),
/// never copied into a scenario.
pub fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "cookie" | "set-cookie")
        || ["auth", "token", "secret", "key", "password", "session"]
            .iter()
            .any(|word| n.contains(word))
}

/// The secrets a credential header's value carries: the whole value, the credential after its
/// scheme, a Basic password, and each cookie's value.
pub fn credential_secrets(name: &str, value: &str) -> Vec<Secret> {
    use base64::Engine as _;
    let value = value.trim();
    let mut out = vec![Secret::new(value)];
    if name.eq_ignore_ascii_case("cookie") || name.eq_ignore_ascii_case("set-cookie") {
        for pair in value.split(';') {
            if let Some((_, v)) = pair.split_once('=') {
                out.push(Secret::new(v.trim().trim_matches('"')));
            }
        }
        return out;
    }
    if let Some((scheme, credential)) = value.split_once(' ') {
        let credential = credential.trim();
        out.push(Secret::new(credential));
        if scheme.eq_ignore_ascii_case("basic")
            && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(credential)
            && let Ok(text) = String::from_utf8(bytes)
            && let Some((_, password)) = text.split_once(':')
        {
            out.push(Secret::new(password));
        }
    }
    out
}

/// A credential header's value as written: its scheme kept, the rest redacted.
fn redacted_credential(value: &str) -> String {
    match value.trim().split_once(' ') {
        Some((scheme, _)) if matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "basic") => {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_string(),
    }
}

fn is_password_path(path: &str) -> bool {
    let p = path.trim().to_ascii_lowercase();
    p == "password" || p.ends_with(":password")
}

/// Every password in a JSON value, replaced by `[REDACTED]`: the value of any `password` key, and
/// the `value` of a PATCH operation whose `path` is `password` (Okta's other password sync
/// form). The values replaced are pushed to `found`, so that they are redacted wherever else they
/// appear. Returns whether anything was replaced.
pub fn redact_passwords(value: &mut Value, found: &mut Vec<Secret>) -> bool {
    let mut changed = false;
    match value {
        Value::Object(map) => {
            let password_op = map
                .get("path")
                .and_then(Value::as_str)
                .is_some_and(is_password_path);
            for (key, v) in map.iter_mut() {
                if key.eq_ignore_ascii_case("password") || (password_op && key == "value") {
                    if let Value::String(s) = v {
                        found.push(Secret::new(s.clone()));
                    }
                    *v = Value::String(REDACTED.to_string());
                    changed = true;
                } else {
                    changed |= redact_passwords(v, found);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                changed |= redact_passwords(v, found);
            }
        }
        _ => {}
    }
    changed
}

/// A body with its passwords redacted (a body that is not JSON is kept as text).
fn redact_body(body: &str, found: &mut Vec<Secret>) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(body) else {
        return body.to_string();
    };
    if redact_passwords(&mut v, found) {
        v.to_string()
    } else {
        body.to_string()
    }
}

/// The values of query parameters named like a secret (`access_token`, `api_key`, `sig`, …):
/// decoded, as written, and re-encoded.
pub fn secret_params(path_and_query: &str) -> Vec<Secret> {
    let Some((_, query)) = path_and_query.split_once('?') else {
        return vec![];
    };
    let mut out = Vec::new();
    for pair in query.split('&') {
        let Some((name, raw)) = pair.split_once('=') else {
            continue;
        };
        let name = percent_encoding::percent_decode_str(name)
            .decode_utf8_lossy()
            .to_ascii_lowercase();
        if !["token", "key", "secret", "password", "sig", "code"]
            .iter()
            .any(|w| name.contains(w))
        {
            continue;
        }
        let decoded = url::form_urlencoded::parse(format!("v={raw}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let encoded: String = url::form_urlencoded::byte_serialize(decoded.as_bytes()).collect();
        out.extend([Secret::new(raw), Secret::new(decoded), Secret::new(encoded)]);
    }
    out
}

/// The secrets an exchange carries: its credential headers' values, its passwords, and the
/// values of its query parameters named like a secret.
fn secrets_of(x: &TapeExchange) -> Vec<Secret> {
    let mut found = secret_params(&x.request.path);
    for (name, value) in x.request.headers.iter().chain(x.response.headers.iter()) {
        if is_credential_header(name) {
            found.extend(credential_secrets(name, value));
        }
    }
    for body in x
        .request
        .body
        .iter()
        .chain(std::iter::once(&x.response.body))
    {
        if let Ok(mut v) = serde_json::from_str::<Value>(body) {
            redact_passwords(&mut v, &mut found);
        }
    }
    found
}

/// Takes every secret out of exchanges before they are written, remembering the secrets it has
/// seen so that they are found anywhere later, and numbering the credentials requests carry.
#[derive(Debug, Default)]
pub struct Scrubber {
    redactor: Redactor,
    credentials: Vec<Secret>,
}

impl Scrubber {
    /// Secrets to take out wherever they appear from now on.
    pub fn add_secrets(&mut self, secrets: impl IntoIterator<Item = Secret>) {
        self.redactor.add_all(secrets);
    }

    /// Learns the secrets of an exchange without scrubbing it: a file read whole (a HAR) is
    /// learned first, so that a secret first seen late is gone from earlier exchanges too.
    pub fn learn(&mut self, x: &TapeExchange) {
        self.redactor.add_all(secrets_of(x));
    }

    /// The exchange with every secret gone: credential headers, every secret seen so far, the
    /// credentials its own headers carry, and JSON `password` values.
    pub fn scrub(&mut self, mut x: TapeExchange) -> TapeExchange {
        if let Some(auth) = x.request.header("authorization") {
            let secret = Secret::new(auth.trim());
            let index = match self.credentials.iter().position(|c| *c == secret) {
                Some(i) => i,
                None => {
                    self.credentials.push(secret);
                    self.credentials.len() - 1
                }
            };
            x.request.credential = Some(index as u32 + 1);
        }
        x.redacted(&mut self.redactor)
    }
}

impl TapeExchange {
    /// The exchange with every secret gone: credential headers, the secrets of `redactor`, the
    /// credentials its own headers carry, and JSON `password` values (added to `redactor`).
    fn redacted(mut self, redactor: &mut Redactor) -> TapeExchange {
        let mut found = secrets_of(&self);
        for (name, value) in self
            .request
            .headers
            .iter_mut()
            .chain(self.response.headers.iter_mut())
        {
            if is_credential_header(name) {
                *value = redacted_credential(value);
            }
        }
        if let Some(body) = &self.request.body {
            self.request.body = Some(redact_body(body, &mut found));
        }
        self.response.body = redact_body(&self.response.body, &mut found);
        redactor.add_all(found);
        let scrub = |s: &mut String| *s = redactor.redact(s);
        scrub(&mut self.request.path);
        for (_, v) in self
            .request
            .headers
            .iter_mut()
            .chain(self.response.headers.iter_mut())
        {
            scrub(v);
        }
        if let Some(b) = &mut self.request.body {
            scrub(b);
        }
        scrub(&mut self.response.body);
        match &mut self.error {
            Some(TapeError::Unreachable { detail } | TapeError::CutShort { detail }) => {
                scrub(detail);
            }
            Some(TapeError::ClientGone) | None => {}
        }
        self
    }
}

/// Appends exchanges to a recording's `exchanges.jsonl`, one line each, written whole.
#[derive(Debug)]
pub struct TapeWriter {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl TapeWriter {
    /// Opens (creating) `dir/exchanges.jsonl` for appending; `dir` is created.
    pub fn open(dir: &Path) -> Result<TapeWriter, RecordError> {
        std::fs::create_dir_all(dir).map_err(|source| RecordError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(EXCHANGES_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| RecordError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(TapeWriter {
            path,
            file: Mutex::new(file),
        })
    }

    /// Appends one exchange (already redacted) as one line.
    pub fn append(&self, exchange: &TapeExchange) -> Result<(), RecordError> {
        let mut line = serde_json::to_vec(exchange).map_err(RecordError::Encode)?;
        line.push(b'\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(&line).map_err(|source| RecordError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// What reading a tape found besides its exchanges.
#[derive(Debug, Default)]
pub struct TapeRead {
    /// The exchanges, in the order their requests arrived.
    pub exchanges: Vec<TapeExchange>,
    /// A last line cut short (the proxy was killed while writing it): left out.
    pub cut_last_line: bool,
}

/// Reads `dir/exchanges.jsonl`. A last line cut short is left out (and said); any other line
/// that does not parse is an error naming it.
pub fn read_tape(dir: &Path) -> Result<TapeRead, RecordError> {
    let path = dir.join(EXCHANGES_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| RecordError::Io {
        path: path.clone(),
        source,
    })?;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut read = TapeRead::default();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<TapeExchange>(line) {
            Ok(x) => read.exchanges.push(x),
            // The last line, with no newline after it: written in part when the proxy died.
            Err(_) if i + 1 == lines.len() => read.cut_last_line = true,
            Err(e) => {
                return Err(RecordError::BadLine {
                    path: path.clone(),
                    line: i + 1,
                    message: e.to_string(),
                });
            }
        }
    }
    read.exchanges.sort_by_key(|x| x.seq);
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(body: &str, auth: &str) -> TapeExchange {
        TapeExchange {
            seq: 1,
            at_ms: 0.0,
            duration_ms: 1.0,
            head_ms: 1.0,
            request: TapeRequest {
                method: "POST".into(),
                path: "/Users".into(),
                headers: vec![("Authorization".into(), auth.into())],
                body: Some(body.into()),
                credential: None,
                from_root: false,
            },
            response: TapeResponse {
                status: 201,
                headers: vec![],
                body: r#"{"id":"1","echo":"s3cr3t-token-value"}"#.into(),
            },
            error: None,
            base: None,
        }
    }

    #[test]
    fn credentials_and_passwords_are_gone_and_their_values_too() {
        let mut scrubber = Scrubber::default();
        let x = scrubber.scrub(exchange(
            r#"{"userName":"a","password":"hunter2-pass","nested":{"Password":"x"}}"#,
            "Bearer s3cr3t-token-value",
        ));
        assert_eq!(x.request.credential, Some(1));
        let other = scrubber.scrub(exchange("{}", "Bearer another-token-value"));
        assert_eq!(other.request.credential, Some(2));
        let text = serde_json::to_string(&x).unwrap();
        assert!(!text.contains("s3cr3t-token-value"), "{text}");
        assert!(!text.contains("hunter2-pass"), "{text}");
        assert_eq!(x.request.headers[0].1, "Bearer [REDACTED]");
        assert!(text.contains(r#"\"password\":\"[REDACTED]\""#), "{text}");
    }

    #[test]
    fn path_form_password_syncs_api_keys_and_cookie_values_are_gone() {
        let mut scrubber = Scrubber::default();
        let mut x = exchange(
            r#"{"Operations":[{"op":"replace","path":"password","value":"pathform-secret-1"}]}"#,
            "Bearer t-0123456789",
        );
        x.request.headers.push((
            "Ocp-Apim-Subscription-Key".into(),
            "apim-key-value-9".into(),
        ));
        x.request
            .headers
            .push(("Cookie".into(), "a=1; sid=session-cookie-value".into()));
        x.response.body =
            r#"{"echo":"session-cookie-value apim-key-value-9 pathform-secret-1"}"#.into();
        let x = scrubber.scrub(x);
        let text = serde_json::to_string(&x).unwrap();
        for secret in [
            "pathform-secret-1",
            "apim-key-value-9",
            "session-cookie-value",
        ] {
            assert!(!text.contains(secret), "{secret}: {text}");
        }
    }

    #[test]
    fn secret_query_parameters_are_found_as_written_decoded_and_encoded() {
        let s = secret_params("/Users?access_token=abc%2fdef123&count=1&Sig=x%3D%3Dyz");
        let values: Vec<&str> = s.iter().map(Secret::expose).collect();
        for v in [
            "abc%2fdef123",
            "abc/def123",
            "abc%2Fdef123",
            "x%3D%3Dyz",
            "x==yz",
        ] {
            assert!(values.contains(&v), "{v}: {values:?}");
        }
        assert!(!values.contains(&"1"));
        let mut scrubber = Scrubber::default();
        let mut x = exchange("{}", "Bearer t-0123456789");
        x.request.path = "/admin/export?api_key=query-key-value-5".into();
        x.response.body = "query-key-value-5".into();
        let x = scrubber.scrub(x);
        assert!(
            !serde_json::to_string(&x)
                .unwrap()
                .contains("query-key-value-5")
        );
    }

    #[test]
    fn basic_passwords_are_found_inside_the_header() {
        use base64::Engine as _;
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("admin:open-sesame-1")
        );
        let secrets = credential_secrets("Authorization", &value);
        assert!(secrets.iter().any(|s| s.expose() == "open-sesame-1"));
    }

    #[test]
    fn a_cut_last_line_is_left_out_and_a_bad_middle_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let line = serde_json::to_string(&exchange("{}", "x")).unwrap();
        std::fs::write(
            dir.path().join(EXCHANGES_FILE),
            format!("{line}\n{}", &line[..10]),
        )
        .unwrap();
        let read = read_tape(dir.path()).unwrap();
        assert_eq!(read.exchanges.len(), 1);
        assert!(read.cut_last_line);
        std::fs::write(
            dir.path().join(EXCHANGES_FILE),
            format!("{}\n{line}\n", &line[..10]),
        )
        .unwrap();
        let err = read_tape(dir.path()).unwrap_err();
        assert!(err.to_string().contains(":1"), "{err}");
    }

    #[test]
    fn paths_are_split_by_the_scim_base_path() {
        assert_eq!(
            split_path("/scim/v2/Users?x=1", "/scim/v2"),
            ("/Users?x=1".into(), false)
        );
        assert_eq!(split_path("/scim/v2", "/scim/v2"), ("/".into(), false));
        assert_eq!(split_path("/scim/v2?a", "/scim/v2"), ("/?a".into(), false));
        assert_eq!(
            split_path("/scim/v2x/Users", "/scim/v2"),
            ("/scim/v2x/Users".into(), true)
        );
        assert_eq!(
            split_path("/admin/policy", "/scim/v2"),
            ("/admin/policy".into(), true)
        );
        assert_eq!(split_path("/Users", ""), ("/Users".into(), false));
        assert_eq!(base_path("http://h:1/scim/v2/"), "/scim/v2");
        assert_eq!(base_path("http://h:1"), "");
    }

    #[test]
    fn traffic_is_told_apart_by_user_agent() {
        assert_eq!(
            Traffic::of_user_agent(Some("Okta SCIM Client 1.0.0")),
            Traffic::Okta
        );
        assert_eq!(
            Traffic::of_user_agent(Some(crate::okta::SPEC_TEST_USER_AGENT)),
            Traffic::SpecTest
        );
        assert_eq!(Traffic::of_user_agent(Some("curl/8")), Traffic::Other);
        assert_eq!(Traffic::of_user_agent(None), Traffic::Other);
    }
}
