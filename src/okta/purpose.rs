//! Why Okta sent a request: the checks judge a response by what Okta needed from it.

use serde::Serialize;

/// What one request was for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "purpose", rename_all = "kebab-case")]
pub enum Purpose {
    /// Test API Credentials: `GET /Users?startIndex=1&count=2` or `GET /Groups?…`.
    ConnectionProbe,
    /// One page of an import.
    ImportPage {
        /// Groups (`/Groups`) rather than users.
        groups: bool,
    },
    /// Import User Schema: `GET /ResourceTypes`.
    ReadResourceTypes,
    /// Import User Schema: `GET /Schemas`, after `/ResourceTypes` named these extension URNs.
    ReadSchemas {
        /// The User resource type's extension URNs.
        extensions: Vec<String>,
    },
    /// The Entitlements SPEC test's look for entitlement resource types in `/ResourceTypes`:
    /// a server that has none (or no `/ResourceTypes`) has no entitlements, which is no failure.
    FindEntitlementTypes,
    /// The Entitlements SPEC test's `GET {endpoint}?count=1&startIndex=1`.
    EntitlementPage {
        /// A Role resource type (`id`, `displayName`) rather than an Entitlement (also `type`).
        role: bool,
    },
    /// The existence lookup before create or link: `GET /Users?filter=userName eq "…"`.
    FindUser {
        /// The userName looked up.
        user_name: String,
    },
    /// `POST /Users`.
    CreateUser {
        /// The userName sent.
        user_name: String,
        /// The given name sent.
        given_name: String,
        /// The family name sent.
        family_name: String,
    },
    /// `GET /Users/{id}` before a PUT.
    ReadUser {
        /// The SCIM id Okta holds.
        id: String,
    },
    /// `PUT /Users/{id}`.
    ReplaceUser {
        /// The SCIM id.
        id: String,
        /// The `active` value sent.
        active: bool,
    },
    /// `PATCH /Users/{id}` replacing the password (password sync of an OIN app).
    SyncPassword {
        /// The SCIM id.
        id: String,
    },
    /// `PATCH /Users/{id}` with a path-less `{active}` replace.
    SetUserActive {
        /// The SCIM id.
        id: String,
        /// The value sent.
        active: bool,
    },
    /// `GET /Groups?filter=displayName eq "…"`.
    FindGroup {
        /// The name looked up.
        name: String,
    },
    /// `POST /Groups`.
    CreateGroup {
        /// The name sent.
        name: String,
    },
    /// `GET /Groups/{id}`.
    ReadGroup {
        /// The SCIM id.
        id: String,
    },
    /// `PATCH /Groups/{id}` (rename, membership, push-now).
    PatchGroup {
        /// The SCIM id.
        id: String,
    },
    /// `PUT /Groups/{id}`.
    ReplaceGroup {
        /// The SCIM id.
        id: String,
    },
    /// `DELETE /Groups/{id}`.
    DeleteGroup {
        /// The SCIM id.
        id: String,
    },
    /// A scenario's verification read.
    Read,
    /// A scenario's raw request.
    Raw,
    /// A scenario's request outside the SCIM API (`from_root`): no RFC rules apply.
    Outside,
}

impl Purpose {
    /// Whether the response should be a ListResponse.
    pub fn expects_list(&self) -> bool {
        matches!(
            self,
            Purpose::ConnectionProbe
                | Purpose::ImportPage { .. }
                | Purpose::EntitlementPage { .. }
                | Purpose::FindUser { .. }
                | Purpose::FindGroup { .. }
        )
    }
}
