//! The `entitlements` variant: Okta's Role and Entitlement resource types (okta-reference.md
//! §2.5), advertised in `/ResourceTypes` and served read-only at `/Roles` and `/Entitlements`
//! as paged ListResponses, so that Okta's entitlement discovery and its Entitlements SPEC test
//! have something to read. Without the variant these endpoints do not exist.

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::errors::ScimError;
use crate::list::ListQuery;
use crate::response::ScimJson;
use crate::schema::{LIST_RESPONSE_SCHEMA, RESOURCE_TYPE_SCHEMA};
use crate::state::SharedState;
use crate::variants::Variant;

/// The schema URN of Okta's Role resource type.
pub const ROLE_SCHEMA: &str = "urn:okta:scim:schemas:core:1.0:Role";
/// The schema URN of Okta's Entitlement resource type.
pub const ENTITLEMENT_SCHEMA: &str = "urn:okta:scim:schemas:core:1.0:Entitlement";

/// One of the two resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/Roles`: `id`, `displayName`, `description`.
    Role,
    /// `/Entitlements`: also `type`.
    Entitlement,
}

impl Kind {
    const ALL: [Kind; 2] = [Kind::Role, Kind::Entitlement];

    fn name(self) -> &'static str {
        match self {
            Kind::Role => "Role",
            Kind::Entitlement => "Entitlement",
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Kind::Role => "/Roles",
            Kind::Entitlement => "/Entitlements",
        }
    }

    fn schema(self) -> &'static str {
        match self {
            Kind::Role => ROLE_SCHEMA,
            Kind::Entitlement => ENTITLEMENT_SCHEMA,
        }
    }

    fn items(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self {
            Kind::Role => &[
                (
                    "role-admin",
                    "Admin",
                    "Manages the workspace and its members",
                ),
                ("role-member", "Member", "Uses the workspace"),
                ("role-auditor", "Auditor", "Reads the audit log"),
            ],
            Kind::Entitlement => &[
                ("license-pro", "Pro license", "The paid plan"),
                ("license-basic", "Basic license", "The free plan"),
            ],
        }
    }

    fn resource(self, base_url: &str, (id, name, description): (&str, &str, &str)) -> Value {
        let mut v = json!({
            "schemas": [self.schema()],
            "id": id,
            "displayName": name,
            "description": description,
            "meta": {
                "resourceType": self.name(),
                "location": format!("{base_url}{}/{id}", self.endpoint()),
            },
        });
        if self == Kind::Entitlement {
            v["type"] = json!("License");
        }
        v
    }

    /// Its entry in `/ResourceTypes`.
    pub fn resource_type_json(self, base_url: &str) -> Value {
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.name(),
            "name": self.name(),
            "endpoint": self.endpoint(),
            "description": self.name(),
            "schema": self.schema(),
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base_url}/ResourceTypes/{}", self.name()),
            },
        })
    }
}

/// The resource types the variant adds to `/ResourceTypes` (none without it).
pub fn resource_types(state: &SharedState) -> Vec<Value> {
    if !state.variant(Variant::Entitlements) {
        return Vec::new();
    }
    Kind::ALL
        .iter()
        .map(|k| k.resource_type_json(&state.base_url))
        .collect()
}

fn enabled(state: &SharedState, kind: Kind) -> Result<(), ScimError> {
    if state.variant(Variant::Entitlements) {
        Ok(())
    } else {
        Err(ScimError::not_found(format!(
            "no endpoint {}: this server has no entitlements (start it with --variant entitlements)",
            kind.endpoint()
        )))
    }
}

/// `GET /Roles` or `GET /Entitlements`: `startIndex` and `count` page them.
pub async fn list(
    state: SharedState,
    kind: Kind,
    query: Option<String>,
) -> Result<ScimJson, ScimError> {
    enabled(&state, kind)?;
    let q = ListQuery::from_query(query.as_deref())?;
    let all = kind.items();
    let count = q.count.unwrap_or(state.max_results).min(state.max_results);
    let page: Vec<Value> = all
        .iter()
        .skip(q.start_index - 1)
        .take(count)
        .map(|item| kind.resource(&state.base_url, *item))
        .collect();
    Ok(ScimJson::ok(json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": all.len(),
        "startIndex": q.start_index,
        "itemsPerPage": page.len(),
        "Resources": page,
    })))
}

/// `GET /Roles/{id}` or `GET /Entitlements/{id}`.
pub async fn get_one(state: SharedState, kind: Kind, id: String) -> Result<ScimJson, ScimError> {
    enabled(&state, kind)?;
    kind.items()
        .iter()
        .find(|(i, ..)| *i == id)
        .map(|item| ScimJson::ok(kind.resource(&state.base_url, *item)))
        .ok_or_else(|| ScimError::not_found(format!("no {} \"{id}\"", kind.name())))
}

/// The routes (answering 404 without the variant).
pub fn routes(base_path: &str) -> axum::Router<SharedState> {
    use axum::routing::get;
    let mut router = axum::Router::new();
    for kind in Kind::ALL {
        router = router
            .route(
                &format!("{base_path}{}", kind.endpoint()),
                get(move |State(s): State<SharedState>, RawQuery(q): RawQuery| list(s, kind, q)),
            )
            .route(
                &format!("{base_path}{}/{{id}}", kind.endpoint()),
                get(
                    move |State(s): State<SharedState>, Path(id): Path<String>| {
                        get_one(s, kind, id)
                    },
                ),
            );
    }
    router
}
