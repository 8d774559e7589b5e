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

/// Logs `METHOD path?query -> status (ms)`; never headers or bodies, which carry secrets. At
/// info level for `serve`, at debug level when embedded in the harness.
pub async fn log_request(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if state.log_requests {
        tracing::info!(target: "okscim_reference_server::request", "{method} {uri} -> {status} ({ms:.1} ms)");
    } else {
        tracing::debug!(target: "okscim_reference_server::request", "{method} {uri} -> {status} ({ms:.1} ms)");
    }
    response
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
pub async fn shape_errors(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut response = next.run(req).await;
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
