//! HAR import: the exchanges of a HAR file (what browser devtools and most proxies export) below a
//! SCIM base URL, as a tape. Every secret is taken out as the recording proxy does, and query
//! parameters that name a secret (`access_token`, `api_key`, …) too, so that none reaches the
//! written files.

use std::path::Path;

use base64::Engine as _;
use serde::Deserialize;

use super::tape::{Scrubber, TapeExchange, TapeRequest, TapeResponse};
use crate::errors::RecordError;

#[derive(Deserialize)]
struct Har {
    log: Log,
}

#[derive(Deserialize)]
struct Log {
    #[serde(default)]
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default)]
    time: f64,
    request: HarRequest,
    response: HarResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HarRequest {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default)]
    post_data: Option<PostData>,
}

#[derive(Deserialize)]
struct Header {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct PostData {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HarResponse {
    status: i64,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default)]
    content: Option<Content>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

/// What an import found.
#[derive(Debug)]
pub struct HarImport {
    /// The exchanges below the base URL, in the file's order, secrets gone.
    pub exchanges: Vec<TapeExchange>,
    /// The base URL used (given, or the one most entries are below).
    pub base: String,
    /// Entries left out: not below the base URL, or without an answer.
    pub skipped: usize,
}

/// SCIM endpoints: what a base URL is followed by.
const ENDPOINTS: &[&str] = &[
    "/Users",
    "/Groups",
    "/ServiceProviderConfig",
    "/ResourceTypes",
    "/Schemas",
    "/Bulk",
    "/Me",
    "/.search",
];

/// The SCIM base URL of `url`: what comes before its endpoint.
fn base_of(url: &str) -> Option<String> {
    let path_start = url.find("://").map_or(0, |i| i + 3);
    let path_at = url[path_start..].find('/').map(|i| i + path_start)?;
    let path = url[path_at..].split('?').next().unwrap_or("");
    ENDPOINTS
        .iter()
        .filter_map(|e| {
            path.match_indices(e)
                .find(|(i, _)| {
                    let after = &path[i + e.len()..];
                    after.is_empty() || after.starts_with('/')
                })
                .map(|(i, _)| i)
        })
        .min()
        .map(|i| url[..path_at + i].to_string())
}

/// Reads a HAR file and keeps the exchanges below `base` (default: the base URL most of its
/// SCIM requests share).
pub fn read_har(path: &Path, base: Option<&str>) -> Result<HarImport, RecordError> {
    let text = std::fs::read_to_string(path).map_err(|source| RecordError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let har: Har = serde_json::from_str(&text).map_err(|e| RecordError::Har {
        path: path.to_path_buf(),
        message: format!("line {}, column {}: {e}", e.line(), e.column()),
    })?;
    let base = match base {
        Some(b) => b.trim_end_matches('/').to_string(),
        None => {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for e in &har.log.entries {
                if let Some(b) = base_of(&e.request.url) {
                    match counts.iter_mut().find(|(c, _)| *c == b) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((b, 1)),
                    }
                }
            }
            counts
                .into_iter()
                .max_by_key(|(_, n)| *n)
                .map(|(b, _)| b)
                .ok_or_else(|| {
                    RecordError::Empty(format!(
                        "{}: no request in it goes to a SCIM endpoint (/Users, /Groups, …); give the SCIM base URL with --base",
                        path.display()
                    ))
                })?
        }
    };
    let mut scrubber = Scrubber::default();
    let mut exchanges = Vec::new();
    let mut skipped = 0;
    let mut at_ms = 0.0f64;
    for (i, e) in har.log.entries.into_iter().enumerate() {
        let Some(rest) = e.request.url.strip_prefix(&base) else {
            skipped += 1;
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
            || e.response.status <= 0
        {
            skipped += 1;
            continue;
        }
        let path = if rest.is_empty() || rest.starts_with('?') {
            format!("/{rest}")
        } else {
            rest.to_string()
        };
        let body = e
            .response
            .content
            .as_ref()
            .and_then(|c| {
                let text = c.text.as_deref()?;
                if c.encoding.as_deref() == Some("base64") {
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .ok()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                } else {
                    Some(text.to_string())
                }
            })
            .unwrap_or_default();
        let duration_ms = e.time.max(0.0);
        let x = TapeExchange {
            seq: i as u64 + 1,
            at_ms,
            duration_ms,
            head_ms: 0.0,
            request: TapeRequest {
                method: e.request.method.to_ascii_uppercase(),
                path,
                headers: e
                    .request
                    .headers
                    .into_iter()
                    // HTTP/2 pseudo-headers (`:authority`) are not headers a scenario sends.
                    .filter(|h| !h.name.starts_with(':'))
                    .map(|h| (h.name, h.value))
                    .collect(),
                body: e
                    .request
                    .post_data
                    .and_then(|p| p.text)
                    .filter(|t| !t.is_empty()),
                credential: None,
                from_root: false,
            },
            response: TapeResponse {
                status: u16::try_from(e.response.status).unwrap_or(0),
                headers: e
                    .response
                    .headers
                    .into_iter()
                    .filter(|h| !h.name.starts_with(':'))
                    .map(|h| (h.name.to_ascii_lowercase(), h.value))
                    .collect(),
                body,
            },
            error: None,
            base: Some(super::tape::shown_url(&base)),
        };
        at_ms += duration_ms;
        exchanges.push(x);
    }
    // The whole file is learned first: a secret first seen late is gone from earlier entries too.
    for x in &exchanges {
        scrubber.learn(x);
    }
    let exchanges = exchanges.into_iter().map(|x| scrubber.scrub(x)).collect();
    Ok(HarImport {
        exchanges,
        base,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_is_what_comes_before_the_endpoint() {
        assert_eq!(
            base_of("https://app.example.com/scim/v2/Users?filter=x").as_deref(),
            Some("https://app.example.com/scim/v2")
        );
        assert_eq!(
            base_of("https://app.example.com/Groups/12").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(base_of("https://app.example.com/UsersX"), None);
        assert_eq!(base_of("https://app.example.com/static/app.js"), None);
    }
}
