//! SCIM responses. axum's `Json` always says `application/json`; SCIM says
//! `application/scim+json`, so the server has its own responder.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::errors::ScimError;

/// The media type of every SCIM body this server sends.
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// A SCIM JSON response.
#[derive(Debug)]
pub struct ScimJson {
    /// Status.
    pub status: StatusCode,
    /// Body.
    pub body: Value,
    /// Extra headers (ETag, Location).
    pub headers: HeaderMap,
    /// The body already written as JSON, which is sent instead of `body`.
    pub written: Option<Vec<u8>>,
}

impl ScimJson {
    /// 200 with a body.
    pub fn ok(body: Value) -> Self {
        ScimJson {
            status: StatusCode::OK,
            body,
            headers: HeaderMap::new(),
            written: None,
        }
    }

    /// 200 with a body already written as JSON.
    pub fn ok_written(body: Vec<u8>) -> Self {
        ScimJson {
            written: Some(body),
            ..ScimJson::ok(Value::Null)
        }
    }

    /// Sets the status.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Adds an ETag header.
    pub fn etag(mut self, etag: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(etag) {
            self.headers.insert(header::ETAG, v);
        }
        self
    }

    /// Adds a Location header.
    pub fn location(mut self, url: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(url) {
            self.headers.insert(header::LOCATION, v);
        }
        self
    }
}

/// A SCIM body already written as JSON bytes.
pub fn scim_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SCIM_CONTENT_TYPE),
    );
    response
}

impl IntoResponse for ScimJson {
    fn into_response(self) -> Response {
        let bytes = match self.written {
            Some(bytes) => bytes,
            None => serde_json::to_vec(&self.body).unwrap_or_default(),
        };
        let mut response = scim_bytes(self.status, bytes);
        response.headers_mut().extend(self.headers);
        response
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut response = ScimJson {
            status: self.status,
            body: self.body(),
            headers: HeaderMap::new(),
            written: None,
        }
        .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"okscim\""),
            );
        }
        // The error-shaping middleware reads this to apply faults that garble error bodies.
        response.extensions_mut().insert(self);
        response
    }
}
