//! Request bodies: JSON sent as `application/scim+json` or `application/json`, within a size
//! limit, parsed with a precise error.

use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::Value;

use crate::errors::ScimError;
use crate::faults::Fault;
use crate::state::SharedState;

/// A parsed JSON request body, and its length in bytes.
#[derive(Debug)]
pub struct ScimBody(pub Value, pub usize);

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

impl FromRequest<SharedState> for ScimBody {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &SharedState) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(media_type);
        match content_type.as_deref() {
            // A missing Content-Type is read as JSON: Okta's SCIM 1.1 test sent POSTs without it.
            None => {}
            Some("application/scim+json") if state.fault(Fault::RejectScimContentType) => {
                return Err(ScimError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type application/scim+json is not supported",
                ));
            }
            Some(t)
                if t == "application/json"
                    || t == "application/scim+json"
                    || t.ends_with("+json") => {}
            Some(other) => {
                return Err(ScimError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "Content-Type {other} is not supported; send application/scim+json or application/json"
                    ),
                ));
            }
        }
        let limit = state.limits.max_body_bytes;
        let too_large = || {
            ScimError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than the limit of {limit} bytes"),
            )
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|e| body_error(e, too_large))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax(
                "the request body is empty; a JSON object was expected",
            ));
        }
        let len = bytes.len();
        serde_json::from_slice(&bytes)
            .map(|v| ScimBody(v, len))
            .map_err(|e| {
                ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}"))
            })
    }
}

/// Why a body could not be read: over the size limit (413), not sent in time (408), or cut
/// short or badly framed (400: a body shorter than its `Content-Length`, bad chunked encoding).
fn body_error(e: axum::Error, too_large: impl Fn() -> ScimError) -> ScimError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return too_large();
        }
        if err.is::<tower_http::timeout::TimeoutError>() {
            return ScimError::new(
                StatusCode::REQUEST_TIMEOUT,
                "the request body stopped arriving (okscim serve --body-read-timeout)",
            );
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return ScimError::invalid_syntax(if io.kind() == std::io::ErrorKind::UnexpectedEof {
                "the request body ended before its Content-Length"
            } else {
                "the request body's chunked encoding is malformed"
            });
        }
        source = err.source();
    }
    ScimError::invalid_syntax(format!("the request body could not be read: {e}"))
}
