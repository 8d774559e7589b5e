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
}

impl ScimJson {
    /// 200 with a body.
    pub fn ok(body: Value) -> Self {
        ScimJson {
            status: StatusCode::OK,
            body,
            headers: HeaderMap::new(),
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

impl IntoResponse for ScimJson {
    fn into_response(self) -> Response {
        let bytes = serde_json::to_vec(&self.body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_CONTENT_TYPE),
        );
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
