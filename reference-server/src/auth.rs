//! Token authentication. Okta sends either `Authorization: Bearer <token>` or, with Header auth,
//! the token verbatim; both are accepted. The token is case-sensitive and compared in constant
//! time (SHA-256 of both sides first, so the length does not leak either).

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::errors::ScimError;
use crate::faults::Fault;
use crate::state::SharedState;
use crate::variants::Variant;

/// Whether `presented` equals `expected`, in constant time.
pub fn token_matches(presented: &str, expected: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.ct_eq(&b).into()
}

/// The token carried by an Authorization header value, in either accepted form.
fn presented_token(value: &str, bearer_only: bool) -> Option<&str> {
    let value = value.trim();
    match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => Some(rest.trim()),
        _ if bearer_only => None,
        _ => Some(value),
    }
}

/// Middleware: 401 with a SCIM error body and `WWW-Authenticate` unless the token matches.
pub async fn require_token(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let header_value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let detail = match header_value {
        None => "missing Authorization header; send `Authorization: Bearer <token>`",
        Some(v) => match presented_token(v, state.fault(Fault::BearerOnly)) {
            Some(t) if token_matches(t, &state.token) => {
                if state.variant(Variant::RateLimit) && !state.admit() {
                    let detail = format!(
                        "too many requests: this server takes {} a second; retry after 1 second",
                        state.rate_limit()
                    );
                    let mut response =
                        ScimError::new(StatusCode::TOO_MANY_REQUESTS, detail).into_response();
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                    return response;
                }
                return next.run(req).await;
            }
            _ => "invalid token in the Authorization header (tokens are case-sensitive)",
        },
    };
    ScimError::new(StatusCode::UNAUTHORIZED, detail).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_are_accepted_and_case_matters() {
        assert_eq!(presented_token("Bearer abc", false), Some("abc"));
        assert_eq!(presented_token("bearer abc", false), Some("abc"));
        assert_eq!(presented_token("abc", false), Some("abc"));
        assert_eq!(presented_token("abc", true), None);
        assert!(token_matches("abc", "abc"));
        assert!(!token_matches("ABC", "abc"));
        assert!(!token_matches("ab", "abc"));
    }
}
