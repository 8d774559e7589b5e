//! The routes other than the resource endpoints, which are matched before the router
//! ([`crate::resources::routes`]).

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{any, get, post};

use crate::errors::ScimError;

use crate::auth::require_token;
use crate::discovery;
use crate::profile::tailnet;
use crate::state::SharedState;

/// The rest of the application: discovery, `/Me`, `/Bulk` and the entitlements under
/// `base_path`, the tailnet admin API under `/admin`, and the 404 for every path nothing serves.
/// Every
/// route is written with its whole path (not nested under the base path), so that a request is
/// routed once, without its URI being rewritten.
pub fn router(state: SharedState, base_path: &str) -> Router {
    let at = |path: &str| format!("{base_path}{path}");
    let discovery = Router::new()
        .route(
            &at("/ServiceProviderConfig"),
            get(discovery::service_provider_config),
        )
        .route(&at("/ResourceTypes"), get(discovery::resource_types))
        .route(&at("/ResourceTypes/{name}"), get(discovery::resource_type))
        .route(&at("/Schemas"), get(discovery::schemas))
        .route(&at("/Schemas/{id}"), get(discovery::schema));
    // Optional endpoints this server does not implement (RFC 7644 §3.7, §3.11): 501.
    let not_implemented = Router::new()
        .route(&at("/Me"), any(|| async { ScimError::new(StatusCode::NOT_IMPLEMENTED, "/Me is not supported by this server") }))
        .route(&at("/Bulk"), any(|| async { ScimError::new(StatusCode::NOT_IMPLEMENTED, "bulk operations are not supported (ServiceProviderConfig bulk.supported is false)") }))
        .route_layer(require_token(state.clone()));
    let entitlements =
        crate::entitlements::routes(base_path).route_layer(require_token(state.clone()));
    let scim = discovery.merge(not_implemented).merge(entitlements);
    let admin = Router::new()
        .route(
            "/admin/policy",
            get(tailnet::get_policy).put(tailnet::put_policy),
        )
        .route("/admin/policy/problems", get(tailnet::get_problems))
        .route("/admin/policy/check", post(tailnet::check))
        .route("/admin/groups", get(tailnet::groups))
        .route_layer(require_token(state.clone()));
    // Logging, error shaping, panics and the connection-close variant are around the router,
    // in middleware::Scim.
    scim.merge(admin).with_state(state)
}
