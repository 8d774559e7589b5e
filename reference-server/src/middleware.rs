//! The one middleware around every request: one log line per request, error shaping so that no
//! response of 400 or above leaves without a SCIM Error body (the router's own 404/405 answers
//! included) and so that the faults and variants that change error bodies live in one place, a
//! handler that panics answered with a SCIM 500, and the `connection-close` variant's header.
//!
//! It is one hand-written service around the router, with one boxed future per request, rather
//! than a stack of `from_fn` and tower layers: each of those costs every request an allocation
//! or a clone of the service below it, and together they cost more than the lookup they wrap.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::errors::{ErrorStyle, ScimError};
use crate::faults::Fault;
use crate::resources::routes::{Endpoint, ResourceRoutes};
use crate::response::SCIM_CONTENT_TYPE;
use crate::state::SharedState;
use crate::variants::Variant;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The resource endpoints and the router, wrapped in the one middleware (see the module docs).
/// Logs `METHOD path?query -> status (ms)`, never headers or bodies, which carry secrets: at
/// info level for `serve`, at debug level when embedded in the harness.
#[derive(Clone)]
pub struct Scim {
    resources: Arc<ResourceRoutes>,
    router: axum::Router,
    state: SharedState,
}

impl Scim {
    /// The resource endpoints under `base_path` ([`ResourceRoutes`]), then `router` for every
    /// other path, with the middleware around both.
    pub fn new(base_path: &str, router: axum::Router, state: SharedState) -> Self {
        Scim {
            resources: Arc::new(ResourceRoutes::new(base_path, state.clone())),
            router,
            state,
        }
    }
}

impl<B> tower::Service<axum::http::Request<B>> for Scim
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        let req = req.map(Body::new);
        let state = self.state.clone();
        let method = req.method().clone();
        let uri = req.uri().clone();
        let started = Instant::now();
        // Routing runs here, before the future: a panic in it is caught too.
        let routed = match head_too_large(&req) {
            Some(error) => Routed::Refused(error),
            None => match self.resources.endpoint(req.uri().path()) {
                Some(endpoint) => Routed::Resource(self.resources.clone(), endpoint, req),
                None => match std::panic::catch_unwind(AssertUnwindSafe(|| {
                    tower::Service::call(&mut self.router, req)
                })) {
                    Ok(future) => Routed::Future(future),
                    Err(panic) => Routed::Panicked(panic),
                },
            },
        };
        Box::pin(async move {
            let response = match routed {
                Routed::Refused(error) => error.into_response(),
                Routed::Panicked(panic) => panicked(panic),
                Routed::Resource(resources, endpoint, req) => {
                    match caught(resources.serve(state.clone(), endpoint, req)).await {
                        Ok(response) => response,
                        Err(panic) => panicked(panic),
                    }
                }
                Routed::Future(future) => match caught(future).await {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(panic) => panicked(panic),
                },
            };
            let mut response = shape_errors(&state, &method, uri.path(), response);
            if state.variant(Variant::ConnectionClose) {
                // hyper closes the connection once the response is written (it honours the
                // header on a response).
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            log(&state, &method, &uri, response.status(), started);
            Ok(response)
        })
    }
}

/// Where a request stands once it has been routed. Built once and moved once, into the
/// request's future: boxing the request to shrink it would cost an allocation a request.
#[allow(clippy::large_enum_variant)]
enum Routed<F> {
    /// Answered before routing (the head is over a limit).
    Refused(ScimError),
    /// For a resource endpoint, served without the router.
    Resource(Arc<ResourceRoutes>, Endpoint, Request),
    /// The router's future.
    Future(F),
    /// Routing panicked.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// `future`'s output, or the panic it raised while polled.
async fn caught<F: Future>(future: F) -> Result<F::Output, Box<dyn std::any::Any + Send>> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(polled) => polled.map(Ok),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await
}

/// A handler that panicked: the panic is logged (its message only), the client gets a SCIM 500.
fn panicked(panic: Box<dyn std::any::Any + Send>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    tracing::error!("a request handler panicked: {message}");
    ScimError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; the server log has details",
    )
    .into_response()
}

fn log(
    state: &SharedState,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    status: StatusCode,
    started: Instant,
) {
    // Tenths of a millisecond, rounded.
    let tenths = (started.elapsed().as_micros() + 50) / 100;
    // As sent: the path and query (a request in absolute form is logged whole).
    let whole;
    let target = match uri.path_and_query() {
        Some(pq) if uri.scheme().is_none() => pq.as_str(),
        _ => {
            whole = uri.to_string();
            &whole
        }
    };
    let line = crate::log::RequestLine {
        method: method.as_str(),
        target,
        status: status.as_u16(),
        tenths,
    };
    if state.log_requests {
        if !tracing::enabled!(target: "okscim_reference_server::request", tracing::Level::INFO) {
            // Filtered out (RUST_LOG).
        } else if !crate::log::write_request_line(line) {
            tracing::info!(target: "okscim_reference_server::request", "{line}");
        }
    } else {
        tracing::debug!(target: "okscim_reference_server::request", "{line}");
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use crate::state::AppState;
    use tower::ServiceExt;

    fn scim(router: axum::Router) -> Scim {
        let state = std::sync::Arc::new(AppState::new(
            &ServerConfig::default(),
            "http://127.0.0.1:1/scim/v2".into(),
            "token".into(),
            None,
        ));
        Scim::new("/scim/v2", router, state)
    }

    async fn answer(service: Scim, path: &str) -> (StatusCode, serde_json::Value) {
        let request = axum::http::Request::get(path).body(Body::empty()).unwrap();
        let response = service.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    /// A handler that panics, before or after it first waits, is answered with a SCIM 500 and
    /// the server goes on.
    #[tokio::test]
    async fn a_panicking_handler_is_answered_with_a_scim_500() {
        let router = axum::Router::new()
            .route(
                "/now",
                axum::routing::get(|| async {
                    if true {
                        panic!("at once");
                    }
                }),
            )
            .route(
                "/later",
                axum::routing::get(|| async {
                    tokio::task::yield_now().await;
                    if true {
                        panic!("after a wait");
                    }
                }),
            )
            .route("/fine", axum::routing::get(|| async { "ok" }));
        let service = scim(router);
        for path in ["/now", "/later"] {
            let (status, body) = answer(service.clone(), path).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
            assert_eq!(body["status"], "500", "{path}: {body}");
            assert!(body["detail"].as_str().unwrap().contains("internal error"));
        }
        let response = service
            .oneshot(
                axum::http::Request::get("/fine")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// The router's own answers (no route, wrong method) leave as SCIM errors.
    #[tokio::test]
    async fn the_routers_own_answers_are_scim_errors() {
        let router = axum::Router::new().route("/only-get", axum::routing::get(|| async { "" }));
        let service = scim(router);
        let (status, body) = answer(service.clone(), "/nowhere").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body["detail"].as_str().unwrap().contains("/nowhere"));
        let request = axum::http::Request::post("/only-get")
            .body(Body::empty())
            .unwrap();
        let response = service.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(response.headers().contains_key(header::ALLOW));
    }
}
