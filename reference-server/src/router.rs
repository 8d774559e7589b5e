//! The routes and the middleware around them.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{any, get, post};

use crate::errors::ScimError;

use crate::auth::require_token;
use crate::discovery;
use crate::profile::tailnet;
use crate::resources::handlers;
use crate::schema::ResourceKind;
use crate::state::SharedState;

fn resource_routes(base_path: &str, kind: ResourceKind) -> Router<SharedState> {
    let collection = format!("{base_path}{}", kind.endpoint());
    let search = format!("{collection}/.search");
    let item = format!("{collection}/{{id}}");
    Router::new()
        .route(
            &collection,
            get(move |s, q| handlers::list(s, kind, q))
                .post(move |s, b| handlers::create(s, kind, b)),
        )
        .route(&search, post(move |s, b| handlers::search(s, kind, b)))
        .route(
            &item,
            get(move |s, p, q, h| handlers::get_one(s, kind, p, q, h))
                .put(move |s, p, h, b| handlers::replace(s, kind, p, h, b))
                .patch(move |s, p, h, b| handlers::patch(s, kind, p, h, b))
                .delete(move |s, p, h| handlers::delete(s, kind, p, h)),
        )
}

/// The whole application: SCIM under `base_path`, the tailnet admin API under `/admin`. Every
/// route is written with its whole path (not nested under the base path), so that a request is
/// routed once, without its URI being rewritten.
pub fn router(state: SharedState, base_path: &str) -> Router {
    let at = |path: &str| format!("{base_path}{path}");
    let protected = resource_routes(base_path, ResourceKind::User)
        .merge(resource_routes(base_path, ResourceKind::Group))
        .route(&at("/.search"), post(handlers::search_all))
        .route_layer(require_token(state.clone()));
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
    let scim = protected
        .merge(discovery)
        .merge(not_implemented)
        .merge(entitlements);
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
