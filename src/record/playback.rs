//! Playback: a server on 127.0.0.1 that answers each request with the next recorded answer, when
//! the request is the next recorded request. Recognition runs a candidate Okta action against
//! it: the action is what Okta did only if it sent exactly the recorded requests, in order. The
//! written scenario is run against it once more, from the start, to write its snapshot from the
//! recorded answers.
//!
//! "Exactly" means the same method, the same path and query (byte for byte), a body with the
//! same JSON value (passwords aside: they are never recorded), and traffic of the same kind
//! (Okta's, the SPEC test's or another client's, by User-Agent).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::tape::{TapeExchange, Traffic, redact_passwords};

/// The first request playback was sent that was not the next recorded one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{sent}: {why}")]
pub struct Mismatch {
    /// The request sent: `METHOD path`.
    pub sent: String,
    /// How it differs.
    pub why: MismatchKind,
}

/// How a request differs from the next recorded one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MismatchKind {
    /// The recording has no more exchanges.
    #[error("nothing more was recorded")]
    NothingMore,
    /// Another method or path and query.
    #[error("the recording has {0}")]
    Other(String),
    /// Sent as another kind of traffic than recorded.
    #[error("sent as {sent}, recorded from {recorded}")]
    Traffic {
        /// Whose traffic the request was.
        sent: &'static str,
        /// Whose the recorded one was.
        recorded: &'static str,
    },
    /// Other credentials: the right ones where a wrong one (or none) was recorded, or the reverse.
    #[error("sent with {sent}, recorded with {recorded}")]
    Credentials {
        /// What the request carried.
        sent: &'static str,
        /// What the recorded one carried.
        recorded: &'static str,
    },
    /// The body differs.
    #[error("the body differs from the recorded one")]
    Body,
    /// A request after the first mismatch.
    #[error("after a mismatch")]
    AfterMismatch,
}

#[derive(Debug, Default)]
struct Position {
    /// The first exchange not played yet.
    next: usize,
    /// Exchanges after `next` played already: requests that were sent at once arrive in any
    /// order.
    ahead: std::collections::BTreeSet<usize>,
    /// Runs of exchanges sent at once, which may be played in any order.
    reorder: Vec<std::ops::Range<usize>>,
    mismatch: Option<Mismatch>,
}

/// A request sent to playback.
struct Sent<'a> {
    method: &'a str,
    path: &'a str,
    from_root: bool,
    traffic: Traffic,
    credentials: &'static str,
    body: Option<&'a str>,
    /// Playback's own SCIM base URL, as the request named it.
    here: &'a str,
}

/// How `sent` differs from the recorded exchange `x`, if it does.
fn differs(x: &TapeExchange, sent: &Sent<'_>, main: Option<u32>) -> Option<MismatchKind> {
    if x.request.method != sent.method
        || x.request.path != sent.path
        || x.request.from_root != sent.from_root
    {
        return Some(MismatchKind::Other(format!(
            "{} {}",
            x.request.method, x.request.path
        )));
    }
    if x.request.traffic() != sent.traffic {
        return Some(MismatchKind::Traffic {
            sent: sent.traffic.describe(),
            recorded: x.request.traffic().describe(),
        });
    }
    let recorded = credentials_word(x.request.credential, main);
    if recorded != sent.credentials {
        return Some(MismatchKind::Credentials {
            sent: sent.credentials,
            recorded,
        });
    }
    // A body that carries playback's own URL (a PUT of a resource read from it) is compared as
    // it was sent to the recorded server.
    let body = sent.body.map(|b| match x.base.as_deref() {
        Some(base) if !base.is_empty() => rebased(b, sent.here, base),
        _ => b.to_string(),
    });
    if !same_body(x.request.body.as_deref(), body.as_deref()) {
        return Some(MismatchKind::Body);
    }
    None
}

struct Shared {
    tape: Vec<TapeExchange>,
    /// The recorded server's SCIM base path, which playback's own base URL has too.
    scim_path: String,
    /// The credential most recorded requests carried: what the target's auth stands for.
    main_credential: Option<u32>,
    position: Mutex<Position>,
}

/// The credential most requests of `tape` carried (the lowest number on a tie).
pub fn main_credential(tape: &[TapeExchange]) -> Option<u32> {
    let mut counts: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
    for x in tape {
        if let Some(c) = x.request.credential {
            *counts.entry(c).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(c, n)| (*n, std::cmp::Reverse(*c)))
        .map(|(c, _)| c)
}

/// How a request's credentials stand to the recording's main ones.
fn credentials_word(credential: Option<u32>, main: Option<u32>) -> &'static str {
    match credential {
        None => "no credentials",
        Some(c) if Some(c) == main => "the main credentials",
        Some(_) => "other credentials",
    }
}

/// What a request sent to playback carried: the client's token (the main credentials), the
/// wrong token of `auth: invalid`, or none.
fn sent_credentials(headers: &axum::http::HeaderMap) -> &'static str {
    match headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        None => "no credentials",
        Some(v) if v.contains(crate::http::INVALID_TOKEN) => "other credentials",
        Some(_) => "the main credentials",
    }
}

/// A running playback server.
pub struct Playback {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Playback {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// `text` with the URL `from` (a scheme, host and port) replaced by `to` where it is a whole URL
/// or the start of one: `http://127.0.0.1:3456` is not the start of `http://127.0.0.1:34567`.
fn rebased(text: &str, from: &str, to: &str) -> String {
    text.replace(&format!("{from}/"), &format!("{to}/"))
        .replace(&format!("{from}\""), &format!("{to}\""))
}

/// Whether two bodies say the same: equal JSON values (passwords aside), or equal text.
pub fn same_body(recorded: Option<&str>, sent: Option<&str>) -> bool {
    let recorded = recorded.filter(|b| !b.is_empty());
    let sent = sent.filter(|b| !b.is_empty());
    match (recorded, sent) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            match (
                serde_json::from_str::<Value>(a),
                serde_json::from_str::<Value>(b),
            ) {
                (Ok(mut a), Ok(mut b)) => {
                    // Passwords are never recorded.
                    redact_passwords(&mut a, &mut Vec::new());
                    redact_passwords(&mut b, &mut Vec::new());
                    a == b
                }
                _ => a == b,
            }
        }
        _ => false,
    }
}

impl Playback {
    /// Starts a playback server for `tape`.
    pub async fn start(tape: Vec<TapeExchange>) -> std::io::Result<Playback> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let scim_path = tape
            .iter()
            .find_map(|x| x.base.as_deref())
            .map(super::tape::base_path)
            .unwrap_or_default();
        let shared = Arc::new(Shared {
            scim_path,
            main_credential: main_credential(&tape),
            tape,
            position: Mutex::new(Position::default()),
        });
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Playback {
            addr,
            shared,
            server,
        })
    }

    /// The SCIM base URL to send to: the recorded server's base path, on 127.0.0.1.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.shared.scim_path)
    }

    fn position(&self) -> std::sync::MutexGuard<'_, Position> {
        self.shared
            .position
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Plays from exchange `index` on, forgetting any mismatch. Within each of `reorder` (runs
    /// of exchanges Okta sent at once), requests may come in any order.
    pub fn seek(&self, index: usize, reorder: &[std::ops::Range<usize>]) {
        *self.position() = Position {
            next: index,
            reorder: reorder.to_vec(),
            ..Position::default()
        };
    }

    /// The next exchange to be played.
    pub fn next(&self) -> usize {
        self.position().next
    }

    /// The first request that was not the recorded one.
    pub fn mismatch(&self) -> Option<Mismatch> {
        self.position().mismatch.clone()
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let sent_body = (!bytes.is_empty()).then(|| String::from_utf8_lossy(&bytes).into_owned());
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let traffic = Traffic::of_user_agent(
        parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let here = format!(
        "http://{}{}",
        parts
            .headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1"),
        shared.scim_path
    );
    let (path, from_root) = super::tape::split_path(&path, &shared.scim_path);
    let mut position = shared
        .position
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let sent = Sent {
        method: parts.method.as_str(),
        path: &path,
        from_root,
        traffic,
        credentials: sent_credentials(&parts.headers),
        body: sent_body.as_deref(),
        here: &here,
    };
    let next = position.next;
    let outcome = if position.mismatch.is_some() {
        Err(MismatchKind::AfterMismatch)
    } else {
        match shared.tape.get(next) {
            None => Err(MismatchKind::NothingMore),
            Some(x) => match differs(x, &sent, shared.main_credential) {
                None => Ok(next),
                // Requests Okta sent at once (a step recognised as such): they may come in
                // another order than recorded.
                Some(kind) => position
                    .reorder
                    .iter()
                    .find(|r| r.contains(&next))
                    .map_or(next + 1..next + 1, |r| next + 1..r.end)
                    .filter(|j| !position.ahead.contains(j))
                    .find(|&j| differs(&shared.tape[j], &sent, shared.main_credential).is_none())
                    .ok_or(kind),
            },
        }
    };
    let sent = format!("{} {path}", parts.method);
    let outcome = outcome.map(|j| {
        if j == position.next {
            position.next += 1;
            loop {
                let n = position.next;
                if !position.ahead.remove(&n) {
                    break;
                }
                position.next += 1;
            }
        } else {
            position.ahead.insert(j);
        }
        shared.tape[j].clone()
    });
    match outcome {
        Ok(x) => {
            drop(position);
            // The recorded server's base URL, in its answers, becomes playback's own.
            let rebase = |s: &str| match x.base.as_deref() {
                Some(b) if !b.is_empty() => rebased(s, b, &here),
                _ => s.to_string(),
            };
            let mut response = Response::new(Body::from(rebase(&x.response.body)));
            *response.status_mut() =
                StatusCode::from_u16(x.response.status).unwrap_or(StatusCode::BAD_GATEWAY);
            for (name, value) in &x.response.headers {
                let lower = name.to_ascii_lowercase();
                // The body is served decoded and whole.
                if matches!(
                    lower.as_str(),
                    "content-length" | "content-encoding" | "transfer-encoding" | "connection"
                ) {
                    continue;
                }
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(lower.as_bytes()),
                    HeaderValue::from_str(&rebase(value)),
                ) {
                    response.headers_mut().append(n, v);
                }
            }
            response
        }
        Err(why) => {
            let why = Mismatch { sent, why };
            if position.mismatch.is_none() {
                position.mismatch = Some(why.clone());
            }
            drop(position);
            let mut response = Response::new(Body::from(
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "500",
                    "detail": format!("okscim playback: not the recorded request: {why}"),
                })
                .to_string(),
            ));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_rebased_only_where_it_is_whole() {
        assert_eq!(
            rebased(
                r#"{"a":"http://127.0.0.1:3456/Users/1","b":"http://127.0.0.1:34567/x","c":"http://127.0.0.1:3456"}"#,
                "http://127.0.0.1:3456",
                "https://app/scim"
            ),
            r#"{"a":"https://app/scim/Users/1","b":"http://127.0.0.1:34567/x","c":"https://app/scim"}"#
        );
    }

    #[test]
    fn bodies_compare_as_json_without_passwords() {
        assert!(same_body(
            Some(r#"{"a":1,"password":"[REDACTED]"}"#),
            Some(r#"{"password":"x7y8z9w0","a":1}"#)
        ));
        assert!(!same_body(Some(r#"{"a":1}"#), Some(r#"{"a":2}"#)));
        assert!(same_body(None, Some("")));
        assert!(!same_body(Some("{}"), None));
    }
}
