//! The recording proxy: a reverse proxy in front of a SCIM server. Each request is forwarded
//! unchanged (its body streamed, its headers kept except hop-by-hop ones, Authorization passed
//! through) and each answer streamed back, while both are copied into the exchange that is
//! appended to the tape when the answer ends. When the upstream fails or closes the connection
//! the client gets a 502 with a SCIM Error body, and recording goes on.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::{Stream, StreamExt};
use tokio::sync::watch;

use super::tape::{Scrubber, TapeExchange, TapeRequest, TapeResponse, TapeWriter};
use crate::errors::{RecordError, TapeError};

/// The most of one body a recording keeps; the rest is forwarded but not recorded.
pub const MAX_RECORDED_BODY: usize = 16 * 1024 * 1024;

/// Headers that belong to one connection (RFC 9110 §7.6.1), never forwarded; and the ones the
/// HTTP client sets itself.
pub(crate) fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
    )
}

/// The headers a `Connection` header names: they belong to that connection too.
fn connection_named(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(axum::http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

/// How the proxy is set up.
#[derive(Debug, Clone)]
pub struct ProxySettings {
    /// The upstream's SCIM base URL (no trailing `/`). The proxy mirrors the upstream's paths:
    /// its own SCIM base URL has the same path (`http://proxy/scim/v2` for
    /// `https://app/scim/v2`); a request beside it (an admin API) is forwarded too, and recorded
    /// as beside the SCIM base URL.
    pub upstream: String,
    /// Stop after this many exchanges.
    pub max_requests: Option<u64>,
    /// How long the upstream may take to answer one request.
    pub timeout: Duration,
    /// Accept an upstream's invalid TLS certificate.
    pub insecure: bool,
}

struct Shared {
    settings: ProxySettings,
    /// `scheme://host[:port]` of the upstream: requests are forwarded to it with their path.
    origin: String,
    /// The path of the upstream's SCIM base URL (`/scim/v2`; `""` at the root).
    scim_path: String,
    client: reqwest::Client,
    tape: TapeWriter,
    scrubber: Mutex<Scrubber>,
    started: Instant,
    next_seq: AtomicU64,
    done: AtomicU64,
    stop: watch::Sender<bool>,
    /// The proxy stopped waiting: an exchange that ends later is not recorded (it is counted as
    /// unfinished), so that nothing is appended while the scenario is being written.
    closed: std::sync::atomic::AtomicBool,
    /// Problems writing the tape, reported when the proxy stops.
    write_errors: Mutex<Vec<RecordError>>,
}

impl Shared {
    /// Redacts and appends one exchange; counts it toward `--max-requests`.
    fn finish(&self, exchange: TapeExchange) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        let exchange = {
            self.scrubber
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .scrub(exchange)
        };
        if let Err(e) = self.tape.append(&exchange) {
            tracing::error!("{e}");
            self.write_errors
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(e);
        }
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::info!(
            "recorded {} {} -> {}",
            exchange.request.method,
            exchange.request.path,
            exchange.response.status
        );
        if self.settings.max_requests.is_some_and(|max| done >= max) {
            let _ = self.stop.send(true);
        }
    }
}

/// A running recording proxy.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// How a recording ended.
#[derive(Debug)]
pub struct ProxyStopped {
    /// Exchanges recorded.
    pub exchanges: u64,
    /// Exchanges still in flight when the proxy gave up waiting for them: not recorded.
    pub unfinished: u64,
    /// Errors writing the tape (each exchange that hit one is missing from it).
    pub write_errors: Vec<RecordError>,
}

impl Proxy {
    /// Starts the proxy on `listen`, appending to the tape in `dir`.
    pub async fn start(
        listen: &str,
        dir: &std::path::Path,
        settings: ProxySettings,
    ) -> Result<Proxy, RecordError> {
        let upstream = settings.upstream.trim_end_matches('/').to_string();
        let parsed = url::Url::parse(&upstream).ok().filter(|u| {
            matches!(u.scheme(), "http" | "https")
                // Credentials come from the client, never from the command line; a query or
                // fragment would not be forwarded.
                && u.username().is_empty()
                && u.password().is_none()
                && u.query().is_none()
                && u.fragment().is_none()
        });
        let Some(parsed) = parsed else {
            return Err(RecordError::Upstream(super::tape::shown_url(
                &settings.upstream,
            )));
        };
        let origin = parsed.origin().ascii_serialization();
        let scim_path = super::tape::base_path(&upstream);
        let tape = TapeWriter::open(dir)?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(settings.timeout)
            .danger_accept_invalid_certs(settings.insecure)
            .redirect(reqwest::redirect::Policy::none())
            // Forwarded unchanged: no Accept-Encoding of the client's own, no decoding.
            .no_gzip()
            .no_deflate()
            .build()
            .map_err(|_| RecordError::Upstream(super::tape::shown_url(&upstream)))?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| RecordError::Listen {
                addr: listen.to_string(),
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| RecordError::Listen {
                addr: listen.to_string(),
                source,
            })?;
        let (stop, mut stopped) = watch::channel(false);
        let shared = Arc::new(Shared {
            settings: ProxySettings {
                upstream,
                ..settings
            },
            origin,
            scim_path,
            client,
            tape,
            scrubber: Mutex::new(Scrubber::default()),
            started: Instant::now(),
            next_seq: AtomicU64::new(1),
            done: AtomicU64::new(0),
            stop: stop.clone(),
            closed: std::sync::atomic::AtomicBool::new(false),
            write_errors: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
        });
        Ok(Proxy {
            addr,
            shared,
            stop,
            server,
        })
    }

    /// Where the proxy listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy's SCIM base URL: its address and the upstream's SCIM base path.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.shared.scim_path)
    }

    /// Resolves when the proxy was asked to stop (`--max-requests` reached, or [`Proxy::stop`]).
    pub async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Stops accepting, lets the exchanges in flight end (at most the upstream timeout and
    /// 5 s more), and returns what was recorded.
    pub async fn stop(self) -> ProxyStopped {
        let _ = self.stop.send(true);
        let grace = self.shared.settings.timeout + Duration::from_secs(5);
        let mut server = self.server;
        if tokio::time::timeout(grace, &mut server).await.is_err() {
            server.abort();
        }
        self.shared.closed.store(true, Ordering::SeqCst);
        let done = self.shared.done.load(Ordering::SeqCst);
        let started = self.shared.next_seq.load(Ordering::SeqCst) - 1;
        ProxyStopped {
            exchanges: done,
            unfinished: started.saturating_sub(done),
            write_errors: std::mem::take(
                &mut *self
                    .shared
                    .write_errors
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            ),
        }
    }
}

/// A body copied as it streams: the first [`MAX_RECORDED_BODY`] bytes.
#[derive(Default)]
struct Copy {
    bytes: Vec<u8>,
    cut: bool,
}

impl Copy {
    fn push(&mut self, chunk: &[u8]) {
        let room = MAX_RECORDED_BODY.saturating_sub(self.bytes.len());
        if chunk.len() > room {
            self.cut = true;
        }
        self.bytes
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
    }

    /// The copy as text; a gzip or deflate answer (the client asked for it) is decoded.
    fn text(&self, encoding: Option<&str>) -> String {
        use std::io::Read as _;
        let mut decoded = Vec::new();
        // Decoded up to the recorded size, whatever the encoded body claims to hold.
        let limit = MAX_RECORDED_BODY as u64;
        let bytes = match encoding.map(str::to_ascii_lowercase).as_deref() {
            None | Some("identity") => &self.bytes,
            Some("gzip" | "x-gzip")
                if !self.cut
                    && flate2::read::GzDecoder::new(&self.bytes[..])
                        .take(limit)
                        .read_to_end(&mut decoded)
                        .is_ok() =>
            {
                &decoded
            }
            Some("deflate")
                if !self.cut
                    && flate2::read::ZlibDecoder::new(&self.bytes[..])
                        .take(limit)
                        .read_to_end(&mut decoded)
                        .is_ok() =>
            {
                &decoded
            }
            Some(other) => {
                return format!(
                    "[okscim: the answer was {other}-encoded, which okscim does not decode; its body is not recorded]"
                );
            }
        };
        let mut s = String::from_utf8_lossy(bytes).into_owned();
        if self.cut {
            s.push_str(&format!(
                "\n[okscim: the body was longer than {MAX_RECORDED_BODY} bytes; the rest was forwarded, not recorded]"
            ));
        }
        s
    }
}

fn header_pairs(headers: &HeaderMap, lowercase: bool) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = if lowercase {
                k.as_str().to_string()
            } else {
                okta_case(k.as_str())
            };
            (name, String::from_utf8_lossy(v.as_bytes()).into_owned())
        })
        .collect()
}

/// `user-agent` → `User-Agent`: HTTP/1 header names arrive lowercased by the HTTP library; a
/// recording writes them in the usual case, as Okta sends them.
fn okta_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A SCIM Error body (RFC 7644 §3.12).
fn scim_error_body(status: StatusCode, detail: &str) -> String {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.as_u16().to_string(),
        "detail": detail,
    })
    .to_string()
}

fn scim_response(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    r
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let seq = shared.next_seq.fetch_add(1, Ordering::SeqCst);
    let arrived = Instant::now();
    let at_ms = arrived.duration_since(shared.started).as_secs_f64() * 1000.0;
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let (recorded_path, from_root) = super::tape::split_path(&path, &shared.scim_path);
    let tape_request = TapeRequest {
        method: parts.method.as_str().to_string(),
        path: recorded_path,
        headers: header_pairs(&parts.headers, false),
        body: None,
        credential: None,
        from_root,
    };
    let request_copy = Arc::new(Mutex::new(Copy::default()));
    let copy = request_copy.clone();
    // A body may come: HTTP/1 says so with Content-Length or Transfer-Encoding, HTTP/2 by not
    // ending the stream with the head.
    let had_body = !axum::body::HttpBody::is_end_stream(&body);
    let upstream_body = body.into_data_stream().map(move |chunk| {
        if let Ok(bytes) = &chunk {
            copy.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(bytes);
        }
        chunk
    });
    let url = format!("{}{}", shared.origin, path);
    let mut builder = shared.client.request(parts.method.clone(), &url);
    let named = connection_named(&parts.headers);
    for (name, value) in &parts.headers {
        if !is_hop_by_hop(name.as_str()) && !named.contains(&name.as_str().to_ascii_lowercase()) {
            builder = builder.header(name, value);
        }
    }
    if had_body {
        builder = builder.body(reqwest::Body::wrap_stream(upstream_body));
    }
    let mut pending = Pending {
        shared: shared.clone(),
        seq,
        at_ms,
        head_ms: 0.0,
        arrived,
        request: tape_request,
        request_copy,
        had_body,
    };
    let sent = builder.send().await;
    pending.head_ms = arrived.elapsed().as_secs_f64() * 1000.0;
    match sent {
        Ok(answer) => {
            let status = answer.status();
            let mut response = Response::new(Body::empty());
            *response.status_mut() =
                StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let named = connection_named(answer.headers());
            for (name, value) in answer.headers() {
                if !is_hop_by_hop(name.as_str())
                    && !named.contains(&name.as_str().to_ascii_lowercase())
                    && let (Ok(n), Ok(v)) = (
                        HeaderName::from_bytes(name.as_str().as_bytes()),
                        HeaderValue::from_bytes(value.as_bytes()),
                    )
                {
                    response.headers_mut().append(n, v);
                }
            }
            let response_headers = header_pairs(response.headers(), true);
            let length = answer.content_length();
            let tee = Tee {
                length,
                sent: 0,
                inner: Box::pin(answer.bytes_stream()),
                copy: Copy::default(),
                finish: Some(Finish {
                    pending,
                    status: status.as_u16(),
                    headers: response_headers,
                }),
            };
            *response.body_mut() = Body::from_stream(tee);
            response
        }
        Err(e) => {
            let error = TapeError::Unreachable {
                detail: describe(&e),
            };
            let body = scim_error_body(StatusCode::BAD_GATEWAY, &error.to_string());
            pending.finish(
                502,
                vec![("content-type".into(), "application/scim+json".into())],
                body.clone(),
                Some(error),
            );
            scim_response(StatusCode::BAD_GATEWAY, body)
        }
    }
}

/// The cause of a reqwest error, in a few words (no URL: it may carry a secret).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// An exchange whose request is known and whose answer is on its way.
struct Pending {
    shared: Arc<Shared>,
    seq: u64,
    at_ms: f64,
    /// When the upstream's answer head came, in milliseconds from arrival.
    head_ms: f64,
    arrived: Instant,
    request: TapeRequest,
    request_copy: Arc<Mutex<Copy>>,
    had_body: bool,
}

impl Pending {
    fn finish(
        self,
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
        error: Option<TapeError>,
    ) {
        let mut request = self.request;
        if self.had_body {
            request.body = Some(
                self.request_copy
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .text(None),
            );
        }
        let base = Some(super::tape::shown_url(&self.shared.settings.upstream));
        self.shared.finish(TapeExchange {
            base,
            seq: self.seq,
            at_ms: self.at_ms,
            duration_ms: self.arrived.elapsed().as_secs_f64() * 1000.0,
            head_ms: self.head_ms,
            request,
            response: TapeResponse {
                status,
                headers,
                body,
            },
            error,
        });
    }
}

struct Finish {
    pending: Pending,
    status: u16,
    headers: Vec<(String, String)>,
}

/// The upstream's answer body on its way to the client, copied; the exchange is recorded when
/// it ends, fails, or the client goes away.
struct Tee {
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    copy: Copy,
    finish: Option<Finish>,
    /// The answer's Content-Length: the HTTP library stops reading once it has sent that many.
    length: Option<u64>,
    sent: u64,
}

impl Tee {
    fn end(&mut self, error: Option<TapeError>) {
        if let Some(f) = self.finish.take() {
            let encoding = f
                .headers
                .iter()
                .find(|(k, _)| k == "content-encoding")
                .map(|(_, v)| v.as_str());
            let body = self.copy.text(encoding);
            f.pending.finish(f.status, f.headers, body, error);
        }
    }
}

impl Stream for Tee {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                self.copy.push(&bytes);
                self.sent += bytes.len() as u64;
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(Some(Err(e))) => {
                let error = TapeError::CutShort {
                    detail: describe(&e),
                };
                let text = error.to_string();
                self.end(Some(error));
                Poll::Ready(Some(Err(std::io::Error::other(text))))
            }
            Poll::Ready(None) => {
                self.end(None);
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Tee {
    fn drop(&mut self) {
        if self.finish.is_some() {
            if self.length.is_some_and(|n| n == self.sent) {
                self.end(None);
            } else {
                self.end(Some(TapeError::ClientGone));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_written_in_the_usual_case() {
        assert_eq!(okta_case("user-agent"), "User-Agent");
        assert_eq!(okta_case("accept-charset"), "Accept-Charset");
        assert_eq!(okta_case("x-b3-traceid"), "X-B3-Traceid");
    }

    #[test]
    fn a_long_body_is_cut_and_says_so() {
        let mut c = Copy::default();
        c.push(&vec![b'a'; MAX_RECORDED_BODY + 10]);
        assert!(c.cut);
        assert!(c.text(None).ends_with("not recorded]"));
    }
}
