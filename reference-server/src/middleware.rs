//! Middleware around every route: one log line per request, error shaping so that no response
//! of 400 or above leaves without a SCIM Error body (axum's own 404/405/413 answers included)
//! and so that the faults and variants that change error bodies live in one place, and the
//! `connection-close` variant's header.

use std::time::Instant;

use crate::errors::{ErrorStyle, ScimError};
use crate::faults::Fault;
use crate::response::SCIM_CONTENT_TYPE;
use crate::state::SharedState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The one middleware around every request (one layer, not two, as it runs on every
/// request): shapes error responses (see [`shape_errors`]), then logs `METHOD path?query ->
/// status (ms)`, never headers or bodies, which carry secrets. At info level for `serve`, at
/// debug level when embedded in the harness.
pub async fn log_and_shape(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let started = Instant::now();
    let response = match head_too_large(&req) {
        Some(error) => error.into_response(),
        None => next.run(req).await,
    };
    let response = shape_errors(&state, &method, uri.path(), response);
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if state.log_requests {
        if !tracing::enabled!(target: "okscim_reference_server::request", tracing::Level::INFO) {
            // Filtered out (RUST_LOG).
        } else if !crate::log::write_request_line(format_args!(
            "{method} {uri} -> {status} ({ms:.1} ms)"
        )) {
            tracing::info!(target: "okscim_reference_server::request", "{method} {uri} -> {status} ({ms:.1} ms)");
        }
    } else {
        tracing::debug!(target: "okscim_reference_server::request", "{method} {uri} -> {status} ({ms:.1} ms)");
    }
    response
}

/// The longest request target (path and query) answered with a SCIM 414; hyper answers longer
/// ones than its own limit (64 KiB) itself, without a body.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The largest request head (target and headers) answered with a SCIM 431; above
/// [`crate::accept::MAX_HEAD_BYTES`] hyper answers 431 itself, without a body.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The most header fields answered with a SCIM 431 (hyper's own limit is 100).
pub const MAX_HEADER_FIELDS: usize = 64;

fn head_too_large(req: &Request) -> Option<ScimError> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(ScimError::new(
            StatusCode::URI_TOO_LONG,
            format!(
                "the request URI is {target} bytes, over this server's limit of {MAX_URI_BYTES}; send a long filter in a POST .search body"
            ),
        ));
    }
    let fields = req.headers().len();
    let bytes: usize = target
        + req
            .headers()
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if fields > MAX_HEADER_FIELDS || bytes > MAX_HEADER_BYTES {
        return Some(ScimError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request head has {fields} header fields and {bytes} bytes, over this server's limit of {MAX_HEADER_FIELDS} fields or {MAX_HEADER_BYTES} bytes"
            ),
        ));
    }
    None
}

fn is_scim_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(SCIM_CONTENT_TYPE))
}

/// Turns every error response into a SCIM Error body in the style the variants ask for
/// (`status-as-number`, `no-scim-type`), then applies the error-body faults.
fn shape_errors(
    state: &SharedState,
    method: &axum::http::Method,
    path: &str,
    mut response: Response,
) -> Response {
    let status = response.status();
    if status.as_u16() < 400 {
        return response;
    }
    let error = match response.extensions().get::<ScimError>() {
        Some(e) => e.clone(),
        None if is_scim_json(&response) => return response,
        None => {
            let detail = match status {
                // axum adds the Allow header above this layer, so name it rather than copy it.
                StatusCode::METHOD_NOT_ALLOWED => format!(
                    "{method} is not allowed on {path}; the Allow header lists the methods it takes"
                ),
                StatusCode::NOT_FOUND => format!("no SCIM endpoint at {path}"),
                StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
                StatusCode::INTERNAL_SERVER_ERROR => {
                    "internal error; the server log has details".to_string()
                }
                other => other
                    .canonical_reason()
                    .unwrap_or("request failed")
                    .to_string(),
            };
            let error = ScimError::new(status, detail);
            let mut shaped = error.clone().into_response();
            for (name, value) in response.headers() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    shaped.headers_mut().insert(name.clone(), value.clone());
                }
            }
            response = shaped;
            error
        }
    };
    if state.fault(Fault::PlainTextErrors) {
        let (mut parts, _) = response.into_parts();
        parts
            .headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(format!("Error: {}", error.detail)));
    }
    let style = state.error_style();
    if style != ErrorStyle::default() {
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(error.body_styled(style).to_string()));
    }
    response
}

/// The `connection-close` variant: every response says `Connection: close`, and hyper closes
/// the connection once the response is written (it honours the header on a response).
pub async fn close_connection(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
