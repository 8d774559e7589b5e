//! Discovery endpoints (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.

use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::errors::ScimError;
use crate::response::ScimJson;
use crate::schema::{
    ALL_SCHEMAS, LIST_RESPONSE_SCHEMA, ResourceKind, SERVICE_PROVIDER_CONFIG_SCHEMA, schema_by_id,
};
use crate::state::SharedState;
use crate::variants::Variant;

fn list_of(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// `GET /ServiceProviderConfig`. The `put-only` and `no-etags` variants say so here, and
/// `filter.maxResults` is the page-size cap (50 under `page-size-50`).
pub async fn service_provider_config(State(state): State<SharedState>) -> ScimJson {
    ScimJson::ok(json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "documentationUri": "https://example.invalid/okscim/docs",
        "patch": {"supported": !state.variant(Variant::PutOnly)},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": state.max_results},
        "changePassword": {"supported": true},
        "sort": {"supported": true},
        "etag": {"supported": !state.variant(Variant::NoEtags)},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A static token sent as `Authorization: Bearer <token>` or verbatim as `Authorization: <token>`",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", state.base_url),
        },
    }))
}

const KINDS: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

/// `GET /ResourceTypes` (with Okta's Role and Entitlement types under `entitlements`).
pub async fn resource_types(State(state): State<SharedState>) -> ScimJson {
    let mut types: Vec<Value> = KINDS
        .iter()
        .map(|k| k.resource_type_json(&state.base_url))
        .collect();
    types.extend(crate::entitlements::resource_types(&state));
    ScimJson::ok(list_of(types))
}

/// `GET /ResourceTypes/{name}`.
pub async fn resource_type(
    State(state): State<SharedState>,
    Path(name): Path<String>,
) -> Result<ScimJson, ScimError> {
    KINDS
        .iter()
        .find(|k| k.name().eq_ignore_ascii_case(&name))
        .map(|k| ScimJson::ok(k.resource_type_json(&state.base_url)))
        .ok_or_else(|| {
            ScimError::not_found(format!(
                "no resource type \"{name}\"; there are User and Group"
            ))
        })
}

/// `GET /Schemas`.
pub async fn schemas(State(state): State<SharedState>) -> ScimJson {
    ScimJson::ok(list_of(
        ALL_SCHEMAS
            .iter()
            .map(|s| s.to_json(&state.base_url))
            .collect(),
    ))
}

/// `GET /Schemas/{id}`.
pub async fn schema(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<ScimJson, ScimError> {
    schema_by_id(&id)
        .map(|s| ScimJson::ok(s.to_json(&state.base_url)))
        .ok_or_else(|| ScimError::not_found(format!("no schema \"{id}\"")))
}
