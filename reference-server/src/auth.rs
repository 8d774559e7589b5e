//! Token authentication. Okta sends either `Authorization: Bearer <token>` or, with Header auth,
//! the token verbatim; both are accepted. The token is case-sensitive and compared in constant
//! time (SHA-256 of both sides first, so the length does not leak either).

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tower_http::validate_request::{ValidateRequest, ValidateRequestHeaderLayer};

use crate::errors::ScimError;
use crate::faults::Fault;
use crate::state::SharedState;
use crate::variants::Variant;

/// Whether `presented` equals `expected`, in constant time.
pub fn token_matches(presented: &str, expected: &str) -> bool {
    digest_matches(presented, &Sha256::digest(expected.as_bytes()).into())
}

/// Whether `presented` hashes to `expected` (the SHA-256 of the token), in constant time.
fn digest_matches(presented: &str, expected: &[u8; 32]) -> bool {
    let a: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    a.ct_eq(expected).into()
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

/// The layer that lets a request through only with the server's token: 401 with a SCIM error
/// body and `WWW-Authenticate` otherwise (429 under the `rate-limit` variant when the bucket is
/// empty). A plain check before the route, with no future of its own: it runs on every
/// authenticated request.
pub fn require_token(state: SharedState) -> ValidateRequestHeaderLayer<TokenCheck> {
    ValidateRequestHeaderLayer::custom(TokenCheck::new(state))
}

/// The check of [`require_token`], for the routes matched outside the router too.
#[derive(Clone)]
pub struct TokenCheck {
    state: SharedState,
    expected: [u8; 32],
}

impl TokenCheck {
    /// The check of `state`'s token.
    pub fn new(state: SharedState) -> Self {
        // The token's own digest is taken once, not on every request.
        let expected = Sha256::digest(state.token.as_bytes()).into();
        TokenCheck { state, expected }
    }

    /// The answer to a request with these headers if it is refused (no token, the wrong one,
    /// or over the rate limit); `None` lets it through.
    pub fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        refusal(&self.state, &self.expected, headers)
    }
}

impl<B> ValidateRequest<B> for TokenCheck {
    type ResponseBody = Body;

    fn validate(&mut self, request: &mut Request<B>) -> Result<(), Response> {
        match self.refusal(request.headers()) {
            None => Ok(()),
            Some(response) => Err(response),
        }
    }
}

/// The answer to a request without the token (or over the rate limit); `None` lets it through.
fn refusal(state: &SharedState, expected: &[u8; 32], headers: &HeaderMap) -> Option<Response> {
    let header_value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let detail = match header_value {
        None => "missing Authorization header; send `Authorization: Bearer <token>`",
        Some(v) => match presented_token(v, state.fault(Fault::BearerOnly)) {
            Some(t) if digest_matches(t, expected) => {
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
                    return Some(response);
                }
                return None;
            }
            _ => "invalid token in the Authorization header (tokens are case-sensitive)",
        },
    };
    Some(ScimError::new(StatusCode::UNAUTHORIZED, detail).into_response())
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
