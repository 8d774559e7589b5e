//! The HTTP client: sends exactly the bytes and headers it is given (reqwest's `.json()` would
//! change the Content-Type), records each exchange, never follows redirects, and reports
//! transport failures as data instead of failing the run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::Method;

use super::exchange::{Exchange, RecordedRequest, RecordedResponse};
use super::redact::{REDACTED, Redactor, Secret};
use crate::errors::{HarnessError, TransportError};

/// How requests authenticate (Okta's auth modes, okta-reference.md §4.4).
#[derive(Debug, Clone)]
pub enum Auth {
    /// No Authorization header.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: <value>` verbatim (Okta's Header auth).
    Header(Secret),
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: Secret,
    },
}

impl Auth {
    fn header_value(&self) -> Option<String> {
        use base64::Engine;
        match self {
            Auth::None => None,
            Auth::Bearer(t) => Some(format!("Bearer {}", t.expose())),
            Auth::Header(v) => Some(v.expose().to_string()),
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", password.expose()))
            )),
        }
    }

    fn redacted_value(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Bearer(_) => Some(format!("Bearer {REDACTED}")),
            Auth::Header(_) => Some(REDACTED.to_string()),
            Auth::Basic { .. } => Some(format!("Basic {REDACTED}")),
        }
    }

    /// The secrets this auth carries (for the redactor), including the encoded Basic value.
    pub fn secrets(&self) -> Vec<Secret> {
        match self {
            Auth::None => vec![],
            Auth::Bearer(t) | Auth::Header(t) => vec![t.clone()],
            Auth::Basic { password, .. } => {
                let mut v = vec![password.clone()];
                if let Some(h) = self.header_value() {
                    v.push(Secret::new(h.trim_start_matches("Basic ").to_string()));
                }
                v
            }
        }
    }
}

/// The token of `auth: invalid` requests (a server must answer 401).
pub const INVALID_TOKEN: &str = "invalid-okscim-token";

/// Which credentials one request carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequestAuth {
    /// The target's credentials.
    #[default]
    Default,
    /// No Authorization header at all.
    Omit,
    /// A wrong token (`Authorization: Bearer invalid-okscim-token`), to test 401 handling.
    Invalid,
}

/// Transport settings.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Per-request timeout (Okta gives up after 60 s of silence).
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Accept invalid TLS certificates.
    pub insecure: bool,
    /// An extra CA certificate (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// Largest response body read, in bytes; a longer one is a [`TransportError::BodyTooLarge`].
    pub max_body: usize,
}

/// The default cap on a response body: 16 MiB.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            insecure: false,
            ca_file: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    /// Method.
    pub method: Method,
    /// Path and query below the base URL (`/Users?filter=…`), already encoded.
    pub path: String,
    /// Headers other than Authorization, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes, sent verbatim.
    pub body: Option<String>,
    /// Which credentials.
    pub auth: RequestAuth,
    /// `path` is below the server's root rather than the SCIM base URL.
    pub from_root: bool,
}

/// A client bound to one target.
#[derive(Debug, Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    /// For requests that carry their own `Accept-Encoding` (the okta2019 header set): decodes
    /// the gzip or deflate answer it asked for. Never used otherwise, since reqwest would add
    /// an `Accept-Encoding` of its own to every request.
    http_decoding: reqwest::Client,
    base_url: String,
    auth: Auth,
    redactor: Redactor,
    timeout: Duration,
    max_body: usize,
}

/// The typed transport error for a reqwest failure, its causes redacted.
fn describe(e: &reqwest::Error, timeout: Duration, redactor: &Redactor) -> TransportError {
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    let detail = redactor.redact(&detail);
    if e.is_timeout() {
        TransportError::Timeout {
            secs: timeout.as_secs_f64(),
            detail,
        }
    } else if e.is_connect() {
        TransportError::Connect { detail }
    } else {
        TransportError::Other { detail }
    }
}

/// What reading an answer gave: the status, the headers, the body (whole, or cut at the cap).
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    too_large: Option<usize>,
}

/// Reads the status, the headers and at most `cap` bytes of the body: an endless or huge body
/// never makes the harness hold more than `cap` bytes of it.
async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Answer, reqwest::Error> {
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let announced = response.content_length().unwrap_or(0);
    if announced > cap as u64 {
        return Ok(Answer {
            status,
            headers,
            body: Vec::new(),
            too_large: Some(0),
        });
    }
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0).min(cap));
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > cap {
            let received = body.len() + chunk.len();
            return Ok(Answer {
                status,
                headers,
                body: Vec::new(),
                too_large: Some(received),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers,
        body,
        too_large: None,
    })
}

impl ScimClient {
    /// A client for `base_url` (trailing slash ignored).
    pub fn new(
        base_url: &str,
        auth: Auth,
        options: &ClientOptions,
        redactor: Redactor,
    ) -> Result<Self, HarnessError> {
        let cert = match &options.ca_file {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    HarnessError::Usage(format!("cannot read --ca-file {}: {e}", path.display()))
                })?;
                Some(reqwest::Certificate::from_pem(&pem).map_err(|e| {
                    HarnessError::Usage(format!(
                        "--ca-file {} is not a PEM certificate: {e}",
                        path.display()
                    ))
                })?)
            }
            None => None,
        };
        let build = |decoding: bool| {
            let mut builder = reqwest::Client::builder()
                // Okta's client writes header names as `Accept-Charset`, not `accept-charset`.
                .http1_title_case_headers()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(options.timeout)
                .connect_timeout(options.connect_timeout)
                .gzip(decoding)
                .deflate(decoding)
                .danger_accept_invalid_certs(options.insecure);
            if let Some(cert) = &cert {
                builder = builder.add_root_certificate(cert.clone());
            }
            builder
                .build()
                .map_err(|e| HarnessError::Usage(format!("cannot build the HTTP client: {e}")))
        };
        let http = build(false)?;
        let http_decoding = build(true)?;
        let mut redactor = redactor;
        redactor.add_all(auth.secrets());
        Ok(ScimClient {
            http,
            http_decoding,
            base_url: base_url.trim_end_matches('/').to_string(),
            auth,
            redactor,
            timeout: options.timeout,
            max_body: options.max_body,
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `scheme://host[:port]` of the base URL.
    pub fn origin(&self) -> &str {
        let after_scheme = self.base_url.find("://").map_or(0, |i| i + 3);
        match self.base_url[after_scheme..].find('/') {
            Some(i) => &self.base_url[..after_scheme + i],
            None => &self.base_url,
        }
    }

    /// The redactor (shared with reports).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Adds secrets to redact from now on (e.g. generated passwords).
    pub fn add_secrets(&mut self, secrets: impl IntoIterator<Item = Secret>) {
        self.redactor.add_all(secrets);
    }

    /// Sends a request and records the exchange. Never fails: transport errors are recorded.
    pub async fn send(&self, request: OutgoingRequest) -> Exchange {
        let url = if request.from_root {
            format!("{}{}", self.origin(), request.path)
        } else {
            format!("{}{}", self.base_url, request.path)
        };
        let (auth_value, auth_recorded) = match request.auth {
            RequestAuth::Default => (self.auth.header_value(), self.auth.redacted_value()),
            RequestAuth::Omit => (None, None),
            RequestAuth::Invalid => (
                Some(format!("Bearer {INVALID_TOKEN}")),
                Some(format!("Bearer {INVALID_TOKEN}")),
            ),
        };
        let mut recorded_headers: Vec<(String, String)> = Vec::new();
        let asks_encoding = request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("accept-encoding"));
        let http = if asks_encoding {
            &self.http_decoding
        } else {
            &self.http
        };
        let mut builder = http.request(request.method.clone(), &url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
            recorded_headers.push((name.clone(), self.redactor.redact(value)));
        }
        if let (Some(v), Some(r)) = (auth_value, auth_recorded) {
            builder = builder.header("Authorization", v);
            recorded_headers.push(("Authorization".to_string(), r));
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let recorded = RecordedRequest {
            method: request.method.to_string(),
            url: self.redactor.redact(&url),
            path: self.redactor.redact(&request.path),
            headers: recorded_headers,
            body: request.body.as_deref().map(|b| self.redactor.redact(b)),
        };
        let started = Instant::now();
        let timeout = self.timeout;
        let result = match builder.send().await {
            Ok(response) => read_capped(response, self.max_body).await,
            Err(e) => Err(e),
        };
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(answer) => {
                let text = self.redactor.redact(&String::from_utf8_lossy(&answer.body));
                let json = if text.trim().is_empty() {
                    None
                } else {
                    serde_json::from_str(&text).ok()
                };
                Exchange {
                    request: recorded,
                    response: Some(RecordedResponse {
                        status: answer.status,
                        headers: answer
                            .headers
                            .into_iter()
                            .map(|(k, v)| (k, self.redactor.redact(&v)))
                            .collect(),
                        body: text,
                        json,
                    }),
                    error: answer
                        .too_large
                        .map(|received| TransportError::BodyTooLarge {
                            cap: self.max_body,
                            received,
                        }),
                    duration_ms,
                }
            }
            Err(e) => Exchange {
                request: recorded,
                response: None,
                error: Some(describe(&e, timeout, &self.redactor)),
                duration_ms,
            },
        }
    }
}
