//! One request and its response, as recorded: redacted, with timings. Results are data: the
//! runner, the checks and the reporters all read these records.

use serde::Serialize;
use serde_json::Value;

use crate::errors::TransportError;

/// The request as it was sent (secrets redacted).
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The path and query below the SCIM base URL, e.g. `/Users?filter=…`.
    pub path: String,
    /// Headers in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// The response as received (secrets redacted).
#[derive(Debug, Clone, Serialize)]
pub struct RecordedResponse {
    /// Status code.
    pub status: u16,
    /// Headers (names lowercase).
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// The body parsed as JSON, when it is JSON.
    #[serde(skip)]
    pub json: Option<Value>,
}

/// A header's value in a list of headers, by name, case-insensitively.
pub fn header_value<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl RecordedResponse {
    /// A header value by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The media type of the body, lowercase, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }
}

/// One exchange.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// What was sent.
    pub request: RecordedRequest,
    /// What came back; `None` when the request failed in transport. With a
    /// [`TransportError::BodyTooLarge`] error it holds the status and headers, and no body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    /// The transport error (connection refused, timeout, TLS, a body over the cap), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TransportError>,
    /// Wall time from sending to the end of the body, in milliseconds.
    pub duration_ms: f64,
}

impl Exchange {
    /// The status, or `None` on a transport error.
    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }

    /// Whether a complete HTTP answer arrived (a status, headers and the whole body).
    pub fn answered(&self) -> bool {
        self.response.is_some() && self.error.is_none()
    }

    /// The parsed response body.
    pub fn json(&self) -> Option<&Value> {
        self.response.as_ref().and_then(|r| r.json.as_ref())
    }

    /// `GET /Users?…` — a one-line summary.
    pub fn summary(&self) -> String {
        let outcome = match (&self.response, &self.error) {
            (Some(r), Some(e)) => format!("{} (error: {e})", r.status),
            (Some(r), None) => r.status.to_string(),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => "no response".to_string(),
        };
        format!("{} {} -> {outcome}", self.request.method, self.request.path)
    }

    /// The whole exchange as HTTP text (request line, headers, body; status, headers, body),
    /// as recorded: secrets are already redacted. Bodies longer than `max_body` characters are
    /// cut, saying so.
    pub fn http_text(&self, max_body: usize) -> String {
        let mut text = format!("{} {}\n", self.request.method, self.request.url);
        for (name, value) in &self.request.headers {
            text.push_str(&format!("{name}: {value}\n"));
        }
        if let Some(body) = &self.request.body {
            text.push_str(&format!(
                "\n{}\n",
                crate::text::truncate_counted(body, max_body)
            ));
        }
        match &self.response {
            Some(r) => {
                text.push_str(&format!("\nHTTP {}\n", r.status));
                for (name, value) in &r.headers {
                    text.push_str(&format!("{name}: {value}\n"));
                }
                if !r.body.is_empty() {
                    text.push_str(&format!(
                        "\n{}\n",
                        crate::text::truncate_counted(&r.body, max_body)
                    ));
                }
            }
            None => text.push_str("\n(no response)\n"),
        }
        if let Some(e) = &self.error {
            text.push_str(&format!("error: {e}\n"));
        }
        text
    }
}
