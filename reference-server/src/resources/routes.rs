//! The resource endpoints, matched by hand in front of the router: `/Users` and `/Groups` (list,
//! create), their `/.search`, their items (read, replace, patch, delete) and the root `/.search`.
//!
//! These carry all of Okta's traffic. Matched and called here, a request skips axum's router:
//! its route table, its route layer (the token check), the extractors, the extensions it adds to
//! every request and the futures it nests, which together cost Okta's lookup as much CPU as the
//! lookup itself (`benches/throughput.rs`). Every other path (discovery, the admin API,
//! entitlements, `/Me`, `/Bulk`, paths nothing serves) goes on to the router
//! ([`crate::router`]).
//!
//! The answers are the ones the router gave: a request without the server's token is refused
//! first (401), a method an endpoint does not take is answered 405 with the same `Allow` header,
//! `HEAD` is a `GET` without its body, and an id is percent-decoded from its path segment.

use axum::body::Body;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::TokenCheck;
use crate::body::ScimBody;
use crate::errors::ScimError;
use crate::resources::handlers;
use crate::schema::ResourceKind;
use crate::state::SharedState;

/// An endpoint matched here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `/Users`, `/Groups`.
    Collection(ResourceKind),
    /// `/Users/.search`, `/Groups/.search`.
    Search(ResourceKind),
    /// `/Users/{id}`, `/Groups/{id}`: the id percent-decoded, or the error when it is not UTF-8.
    Item(ResourceKind, Result<String, std::str::Utf8Error>),
    /// The root `/.search`.
    SearchAll,
}

/// The methods an item takes, as the `Allow` header lists them.
const ITEM_METHODS: &str = "GET,HEAD,PUT,PATCH,DELETE";

impl Endpoint {
    /// The methods the endpoint takes, as the `Allow` header lists them.
    pub fn allow(&self) -> &'static str {
        match self {
            Endpoint::Collection(_) => "GET,HEAD,POST",
            Endpoint::Search(_) | Endpoint::SearchAll => "POST",
            Endpoint::Item(..) => ITEM_METHODS,
        }
    }
}

/// The resource endpoints under one base path.
#[derive(Clone)]
pub struct ResourceRoutes {
    base_path: String,
    token: TokenCheck,
}

impl ResourceRoutes {
    /// The endpoints under `base_path` (normalized: a leading slash, no trailing one), guarded by
    /// `state`'s token.
    pub fn new(base_path: &str, state: SharedState) -> Self {
        ResourceRoutes {
            base_path: base_path.to_string(),
            token: TokenCheck::new(state),
        }
    }

    /// The endpoint at `path`, if it is one of these.
    pub fn endpoint(&self, path: &str) -> Option<Endpoint> {
        let rest = path.strip_prefix(self.base_path.as_str())?;
        if rest == "/.search" {
            return Some(Endpoint::SearchAll);
        }
        let kind = [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .find(|kind| rest.starts_with(kind.endpoint()))?;
        let after = &rest[kind.endpoint().len()..];
        if after.is_empty() {
            return Some(Endpoint::Collection(kind));
        }
        let segment = after.strip_prefix('/')?;
        if segment.is_empty() || segment.contains('/') {
            return None;
        }
        if segment == ".search" {
            return Some(Endpoint::Search(kind));
        }
        let id = percent_encoding::percent_decode_str(segment)
            .decode_utf8()
            .map(|id| id.into_owned());
        Some(Endpoint::Item(kind, id))
    }

    /// The answer to `req`, sent to `endpoint`.
    pub async fn serve(&self, state: SharedState, endpoint: Endpoint, req: Request) -> Response {
        if let Some(refused) = self.token.refusal(req.headers()) {
            return refused;
        }
        let method = req.method().clone();
        // A block of its own, so that `?` gives a body's refusal as the answer.
        let answer = async {
            match (endpoint, &method) {
                (Endpoint::Collection(kind), &Method::GET | &Method::HEAD) => {
                    let (parts, _) = req.into_parts();
                    handlers::list(State(state), kind, parts.uri).await
                }
                (Endpoint::Collection(kind), &Method::POST) => {
                    let body = ScimBody::from_request(req, &state).await?;
                    handlers::create(State(state), kind, body).await
                }
                (Endpoint::Search(kind), &Method::POST) => {
                    let body = ScimBody::from_request(req, &state).await?;
                    handlers::search(State(state), kind, body).await
                }
                (Endpoint::SearchAll, &Method::POST) => {
                    let body = ScimBody::from_request(req, &state).await?;
                    handlers::search_all(State(state), body).await
                }
                (Endpoint::Item(_, Err(e)), m) if allows(ITEM_METHODS, m) => Err(ScimError::new(
                    StatusCode::BAD_REQUEST,
                    format!("the id in the path is not UTF-8 once percent-decoded: {e}"),
                )),
                (Endpoint::Item(kind, Ok(id)), &Method::GET | &Method::HEAD) => {
                    let (parts, _) = req.into_parts();
                    handlers::get_one(State(state), kind, Path(id), parts.uri, parts.headers).await
                }
                (Endpoint::Item(kind, Ok(id)), &Method::PUT) => {
                    let headers = req.headers().clone();
                    let body = ScimBody::from_request(req, &state).await?;
                    handlers::replace(State(state), kind, Path(id), headers, body).await
                }
                (Endpoint::Item(kind, Ok(id)), &Method::PATCH) => {
                    let headers = req.headers().clone();
                    let body = ScimBody::from_request(req, &state).await;
                    handlers::patch(State(state), kind, Path(id), headers, body).await
                }
                (Endpoint::Item(kind, Ok(id)), &Method::DELETE) => {
                    let (parts, _) = req.into_parts();
                    handlers::delete(State(state), kind, Path(id), parts.headers).await
                }
                (endpoint, _) => Ok(method_not_allowed(endpoint.allow())),
            }
        }
        .await;
        let response = answer.into_response();
        if method == Method::HEAD {
            without_body(response)
        } else {
            response
        }
    }
}

/// Whether an `Allow` list names `method`.
fn allows(allow: &str, method: &Method) -> bool {
    allow.split(',').any(|m| m == method.as_str())
}

/// 405 with the methods the endpoint takes; the middleware gives it its SCIM body, as it does
/// the router's own 405s.
fn method_not_allowed(allow: &'static str) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, HeaderValue::from_static(allow))],
    )
        .into_response()
}

/// A `GET` answer as `HEAD` sends it: the head, its `Content-Length` the body's, and no body.
fn without_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    if !parts.headers.contains_key(header::CONTENT_LENGTH)
        && let Some(len) = axum::body::HttpBody::size_hint(&body).exact()
    {
        parts.headers.insert(header::CONTENT_LENGTH, len.into());
    }
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use crate::state::AppState;
    use rstest::rstest;

    fn routes(base_path: &str) -> ResourceRoutes {
        let state = std::sync::Arc::new(AppState::new(
            &ServerConfig::default(),
            "http://127.0.0.1:1/scim/v2".into(),
            "token".into(),
            None,
        ));
        ResourceRoutes::new(base_path, state)
    }

    #[rstest]
    #[case("/scim/v2/Users", Some(Endpoint::Collection(ResourceKind::User)))]
    #[case("/scim/v2/Groups", Some(Endpoint::Collection(ResourceKind::Group)))]
    #[case("/scim/v2/Users/.search", Some(Endpoint::Search(ResourceKind::User)))]
    #[case("/scim/v2/.search", Some(Endpoint::SearchAll))]
    #[case("/scim/v2/Users/abc", Some(Endpoint::Item(ResourceKind::User, Ok("abc".into()))))]
    #[case("/scim/v2/Groups/a%20b", Some(Endpoint::Item(ResourceKind::Group, Ok("a b".into()))))]
    #[case("/scim/v2/Users/a%2Fb", Some(Endpoint::Item(ResourceKind::User, Ok("a/b".into()))))]
    #[case("/scim/v2/Users/a/b", None)]
    #[case("/scim/v2/Users//", None)]
    #[case("/scim/v2/UsersX", None)]
    #[case("/scim/v2/users", None)]
    #[case("/scim/v2/Schemas", None)]
    #[case("/scim/v2/ServiceProviderConfig", None)]
    #[case("/scim/v2", None)]
    #[case("/Users", None)]
    #[case("/admin/groups", None)]
    fn endpoints(#[case] path: &str, #[case] expected: Option<Endpoint>) {
        assert_eq!(routes("/scim/v2").endpoint(path), expected, "{path}");
    }

    #[test]
    fn an_id_that_is_not_utf8_is_matched_with_its_error() {
        let endpoint = routes("/scim/v2").endpoint("/scim/v2/Users/%FF%FE");
        assert!(matches!(
            endpoint,
            Some(Endpoint::Item(ResourceKind::User, Err(_)))
        ));
    }

    #[test]
    fn an_empty_base_path_is_the_root() {
        let routes = routes("");
        assert_eq!(
            routes.endpoint("/Users"),
            Some(Endpoint::Collection(ResourceKind::User))
        );
        assert_eq!(routes.endpoint("/.search"), Some(Endpoint::SearchAll));
    }

    #[test]
    fn allow_lists_what_each_endpoint_takes() {
        assert!(allows("GET,HEAD,POST", &Method::HEAD));
        assert!(!allows("GET,HEAD,POST", &Method::DELETE));
        assert!(!allows("POST", &Method::GET));
    }
}
