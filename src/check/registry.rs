//! The catalogue: every check okscim makes, in one list, with what it judges, where its rule
//! comes from, what the Okta admin sees when it fails and how to fix the server. The judges
//! (`okta.rs`, `rfc.rs`, `expect.rs`, the engine and the runner) use these definitions;
//! docs/checks.md is generated from them (a test keeps it in step) and certification reports
//! read them. A check that is not here does not exist.

use super::outcome::{Check, CheckKind, Severity};

/// `okta.import.complete`.
pub const IMPORT_COMPLETE: Check = Check {
    id: "okta.import.complete",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "an import (all its pages)",
    means: "the pages hold every resource `totalResults` counts: Okta imports only what the pages show",
    source: "Okta pages by startIndex until it passes totalResults (okta-reference.md §1.2)",
    admin_sees: Some(
        "an import whose scan count is lower than the number of users in the app (okta-reference.md §1.2)",
    ),
    fix: "return every resource across the pages: honour startIndex and count, and make totalResults the number of resources the pages hold",
};
/// `okta.import.user`.
pub const IMPORT_USER: Check = Check {
    id: "okta.import.user",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "each active user on an import page",
    means: "the user carries what Okta reads into the imported app user: a non-empty `id`, `userName`, `name.givenName`, `name.familyName` and `emails[0].value`, and a boolean `active`",
    source: "each imported user needs id, userName, name, emails and active; the SPEC test asserts them on the first listed user (okta-reference.md §1.2, §2.1)",
    admin_sees: Some(
        "imported users without the attribute on the Import tab, which Okta cannot match to Okta users by userName or email (okta-reference.md §1.2)",
    ),
    fix: "return each user whole in list answers: id, userName, name.givenName, name.familyName, emails (an array, one primary) and active",
};
/// `okta.import.group`.
pub const IMPORT_GROUP: Check = Check {
    id: "okta.import.group",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "each group on an import page",
    means: "the group carries a non-empty `id` and `displayName`, and `members`, when present, is an array of objects each with a string `value`",
    source: "Okta reads a group's id, displayName and members as [{value, display}] (okta-reference.md §1.14)",
    admin_sees: Some(
        "imported groups without a name, or whose members Okta cannot read (okta-reference.md §1.14)",
    ),
    fix: "return each group with id, displayName and members as [{\"value\": \"<user id>\", \"display\": \"<name>\"}]",
};
/// `okta.import.member-display`.
pub const IMPORT_MEMBER_DISPLAY: Check = Check {
    id: "okta.import.member-display",
    kind: CheckKind::Okta,
    severity: Severity::Advisory,
    applies_to: "each member of a group on an import page",
    means: "each member carries `display` beside `value`, as Okta's reference shows members",
    source: "Okta's SCIM 2.0 reference shows members as [{value, display}] (okta-reference.md §1.14); what Okta does without display is not documented",
    admin_sees: None,
    fix: "give each member a `display` (the user's userName or displayName)",
};
/// `okta.rate-limit.retry-after`.
pub const RATE_LIMIT_RETRY_AFTER: Check = Check {
    id: "okta.rate-limit.retry-after",
    kind: CheckKind::Okta,
    severity: Severity::Advisory,
    applies_to: "each 429 answer",
    means: "the 429 carries `Retry-After` as an integer number of seconds, which Okta follows exactly",
    source: "Okta follows an integer Retry-After; without one (absent, an HTTP date, not an integer, empty) it waits 5 minutes, and each further 429 doubles the wait (okta-reference.md §4.1)",
    admin_sees: Some(
        "the task marked rate-limited for 5 minutes or more where the server needed seconds (okta-reference.md §4.1)",
    ),
    fix: "send `Retry-After: <seconds>` (an integer) with every 429",
};
/// `okta.rate-limit.attempts`.
pub const RATE_LIMIT_ATTEMPTS: Check = Check {
    id: "okta.rate-limit.attempts",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "each request answered 429",
    means: "the request is answered with something other than 429 within Okta's 10 attempts, Okta waiting as its rule says between them",
    source: "after at most 10 attempts answered 429 the task fails for good and has to be retried by hand (okta-reference.md §4.1)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks that needs Retry Selected (okta-reference.md §4.1, §4.2)",
    ),
    fix: "let a client that waits as Retry-After asks through: the rate window must pass within Okta's waits (the first as Retry-After says, then doubling)",
};
/// `okta.schema.resource-types`.
pub const SCHEMA_RESOURCE_TYPES: Check = Check {
    id: "okta.schema.resource-types",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "GET /ResourceTypes of Import User Schema",
    means: "200 with the resource types (a ListResponse, or a bare array), one of them the User type: schema `urn:ietf:params:scim:schemas:core:2.0:User`, with its extension URNs in `schemaExtensions`",
    source: "Import User Schema reads the User resource type's schemaExtensions from /ResourceTypes (okta-reference.md §1.1)",
    admin_sees: Some(
        "Import User Schema brings no attribute into the app's Profile Editor (okta-reference.md §1.1)",
    ),
    fix: "serve GET /ResourceTypes (RFC 7644 §4) with a User resource type: {\"id\": \"User\", \"endpoint\": \"/Users\", \"schema\": \"urn:ietf:params:scim:schemas:core:2.0:User\", \"schemaExtensions\": [...]}",
};
/// `okta.schema.user`.
pub const SCHEMA_USER: Check = Check {
    id: "okta.schema.user",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "GET /Schemas of Import User Schema",
    means: "200 with the schemas (a ListResponse, or a bare array): the core User schema with an `attributes` array, and a schema for each extension the User resource type lists that Okta does not know (the enterprise extension it knows)",
    source: "Import User Schema reads core attributes from the core User schema in /Schemas and extension attributes from the schemas the User resource type names (okta-reference.md §1.1)",
    admin_sees: Some(
        "Import User Schema brings in none of the attributes the missing schema defines (okta-reference.md §1.1)",
    ),
    fix: "serve GET /Schemas (RFC 7643 §7) with the core User schema and every extension schema the User resource type lists, each with its attributes",
};
/// `okta.entitlements.list`.
pub const ENTITLEMENTS_LIST: Check = Check {
    id: "okta.entitlements.list",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "GET {endpoint}?count=1&startIndex=1 of each Role or Entitlement resource type",
    means: "every assertion of Okta's Entitlements SPEC test: status 200, `Resources` not empty, the ListResponse URN in `schemas`, `startIndex` and `totalResults` numbers, `itemsPerPage` 1",
    source: "the Entitlements SPEC test, one step per entitlement endpoint (okta-reference.md §2.5)",
    admin_sees: Some(
        "the Entitlements SPEC test fails, and Okta's discovery brings in no value of that resource type for the app's Governance tab (okta-reference.md §2.5)",
    ),
    fix: "answer each advertised entitlement endpoint as a paged ListResponse: honour count and startIndex, report itemsPerPage as the number of resources on the page",
};
/// `okta.entitlements.resource`.
pub const ENTITLEMENTS_RESOURCE: Check = Check {
    id: "okta.entitlements.resource",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "each resource on an entitlement endpoint's page",
    means: "a role has a non-empty `id` and `displayName`; an entitlement also a `type`",
    source: "Okta's entitlements guide lists id and displayName as required for roles, and id, displayName and type for entitlements (okta-reference.md §2.5)",
    admin_sees: Some("values missing from the app's Governance tab (okta-reference.md §2.5)"),
    fix: "give each role an id and displayName, and each entitlement an id, displayName and type (the resource type's name)",
};
/// `rfc.list.resources`.
pub const RFC_LIST_RESOURCES: Check = Check {
    id: "rfc.list.resources",
    kind: CheckKind::Rfc,
    severity: Severity::Required,
    applies_to: "a list answer to a scenario's own GET (not one that asked count=0)",
    means: "a ListResponse whose `totalResults` is not 0 carries a `Resources` array",
    source: "RFC 7644 §3.4.2: Resources is REQUIRED if totalResults is non-zero; the SPEC test's step 19 asserts it of GET /Groups (okta-reference.md §2.1)",
    admin_sees: None,
    fix: "put the page's resources in a `Resources` array whenever totalResults is not 0",
};
/// `okta.reachable`.
pub const REACHABLE: Check = Check {
    id: "okta.reachable",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "any request",
    means: "an HTTP response came back: not a refused connection, TLS failure or timeout (`--timeout`, default 60 s like Okta)",
    source: "Okta closes a request after 60 s without an answer (okta-reference.md §4.3)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: \"… failed: Error while …: <connection error or timeout>\"; the admin can Retry Selected (okta-reference.md §4.2)",
    ),
    fix: "make the SCIM base URL reachable from the internet over HTTPS and answer every request within 60 s",
};
/// `okta.complete-answer`.
pub const COMPLETE: Check = Check {
    id: "okta.complete-answer",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "any request",
    means: "the whole answer could be read: a body larger than `--max-body` (16 MiB by default) is cut at the cap and judged by nothing else, since Okta acts only on an answer it read whole",
    source: "Okta acts on an answer only once it has read it whole, and gives up after 60 s (okta-reference.md §4.3); okscim reads at most --max-body bytes (16 MiB by default) and judges nothing it could not read",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: the request times out or the answer cannot be read (okta-reference.md §4.3)",
    ),
    fix: "answer with a complete, bounded body; page list results (count, startIndex) instead of returning everything",
};
/// `okta.error-body`.
pub const ERROR_BODY: Check = Check {
    id: "okta.error-body",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "any answer ≥ 400 to an Okta request",
    means: "the error is SCIM Error JSON (the Error URN in `schemas`, a non-empty `detail`): Okta parses it and shows `detail` on Dashboard → Tasks",
    source: "Okta parses error bodies as SCIM Error JSON and shows `detail` to the admin (okta-reference.md §1.0, §3.9)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: \"<Okta message>: <HTTP reason>. Errors reported by remote server: <detail>\", with no readable detail when the body is not SCIM Error JSON (okta-reference.md §1.0)",
    ),
    fix: "answer every error with Content-Type application/scim+json and {\"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:Error\"], \"status\": \"<code>\", \"detail\": \"<message>\"}",
};
/// `okta.list.status`.
pub const LIST_STATUS: Check = Check {
    id: "okta.list.status",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "connection probe, import page, lookup",
    means: "list calls answer 200; a lookup may also answer 404 for \"not found\"",
    source: "Okta SCIM 2.0 reference: list calls answer 200 (okta-reference.md §1.1, §1.2)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: the connection test or import fails with the HTTP reason (a 401 reads \"Unauthorized. Errors reported by remote server: …\", okta-reference.md KB-401 in §0)",
    ),
    fix: "answer GET /Users and GET /Groups with 200 and a ListResponse; accept the token in the form Okta sends it (Bearer, or the raw header value)",
};
/// `okta.list.body`.
pub const LIST_JSON: Check = Check {
    id: "okta.list.body",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "200 list answers",
    means: "the body is a ListResponse object, not empty, `null` or a bare `[]` (\"No results for users returned\")",
    source: "an empty body, null or a bare [] fails with \"No results for users returned\" (okta-reference.md §1.1, KB-TEST)",
    admin_sees: Some(
        "\"No results for users returned\" when testing the API credentials (okta-reference.md §1.1)",
    ),
    fix: "answer a list with a ListResponse object even when it is empty: {\"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"], \"totalResults\": 0, \"Resources\": []}",
};
/// `okta.list.integer-counts`.
pub const LIST_INTEGERS: Check = Check {
    id: "okta.list.integer-counts",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "200 list answers",
    means: "`totalResults` (present), `startIndex`, `itemsPerPage` are JSON integers",
    source: "totalResults, startIndex and itemsPerPage must be JSON integers (okta-reference.md §1.0, §3.12)",
    admin_sees: Some("the create or import flow fails (okta-reference.md §3.12)"),
    fix: "write totalResults, startIndex and itemsPerPage as JSON numbers, not strings",
};
/// `okta.list.resources`.
pub const LIST_RESOURCES: Check = Check {
    id: "okta.list.resources",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "200 list answers",
    means: "`Resources` is an array (absent only when `totalResults` is 0)",
    source: "a ListResponse carries a Resources array (okta-reference.md §1.2)",
    admin_sees: Some(
        "an import that finds nothing, or a lookup that misses the user (okta-reference.md §1.2)",
    ),
    fix: "put the page's resources in a `Resources` array",
};
/// `okta.find.match`.
pub const FIND_MATCH: Check = Check {
    id: "okta.find.match",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "the lookup before create/link (`userName eq`, `displayName eq`)",
    means: "the first result has an `id` and the value looked up (any case): Okta links the first result",
    source: "the filter answer is the user Okta asked for, or nothing; Okta links the first result (okta-reference.md §1.3)",
    admin_sees: Some(
        "no error: Okta links the app account of another user, or creates a duplicate (okta-reference.md §1.3)",
    ),
    fix: "make `filter=userName eq \"…\"` (and displayName eq for groups) return only the matching resource, compared case-insensitively",
};
/// `okta.find.unique`.
pub const FIND_UNIQUE: Check = Check {
    id: "okta.find.unique",
    kind: CheckKind::Okta,
    severity: Severity::Advisory,
    applies_to: "the lookup",
    means: "at most one result for an `eq` filter on a unique attribute",
    source: "an eq filter on a unique attribute finds at most one resource (RFC 7643 §4.1.1)",
    admin_sees: None,
    fix: "keep userName unique (case-insensitively) so an eq filter finds at most one user",
};
/// `okta.create.status`.
pub const CREATE_STATUS: Check = Check {
    id: "okta.create.status",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "`POST /Users`, `POST /Groups`",
    means: "201 Created",
    source: "Okta expects 201 Created (okta-reference.md §1.3; SPEC test step 11, §2.1)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: \"Automatic provisioning of user … failed: Error while creating user …\" with the HTTP reason (okta-reference.md §1.3)",
    ),
    fix: "answer a successful POST with 201 Created and the created resource; accept Content-Type application/scim+json",
};
/// `okta.create.body`.
pub const CREATE_BODY: Check = Check {
    id: "okta.create.body",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "2xx create answers",
    means: "the created resource comes back as a JSON object (\"Create new user returned empty user\")",
    source: "an empty create response fails the task: \"Create new user returned empty user\" (okta-reference.md §1.3)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: \"… Error while creating user …: Create new user returned empty user.\" (okta-reference.md §1.3)",
    ),
    fix: "return the created resource as JSON in the body of the 201",
};
/// `okta.create.id`.
pub const CREATE_ID: Check = Check {
    id: "okta.create.id",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "2xx create answers",
    means: "it carries a non-empty string `id`, which Okta stores",
    source: "Okta stores the returned id and addresses the resource by it (okta-reference.md §1.3)",
    admin_sees: Some(
        "the user is created but Okta cannot address it: later updates and deactivation fail (okta-reference.md §1.3)",
    ),
    fix: "return the new resource's `id` (a non-empty string) in the 201 body",
};
/// `okta.create.user-name-echoed`.
pub const CREATE_USER_NAME: Check = Check {
    id: "okta.create.user-name-echoed",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "2xx `POST /Users`",
    means: "`userName` is echoed exactly as sent, case preserved",
    source: "userName is echoed exactly as sent, case preserved (SPEC test step 11, okta-reference.md §2.1, §3.15)",
    admin_sees: Some("Okta's SPEC test step 11 fails (okta-reference.md §2.1)"),
    fix: "store userName exactly as sent and echo it; compare it case-insensitively for uniqueness and filters only",
};
/// `okta.create.active`.
pub const CREATE_ACTIVE: Check = Check {
    id: "okta.create.active",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "2xx `POST /Users`",
    means: "the created user has `active: true`",
    source: "the created user is active (SPEC test step 11, okta-reference.md §2.1)",
    admin_sees: Some("Okta's SPEC test step 11 fails (okta-reference.md §2.1)"),
    fix: "store and return `active: true` for a user created active",
};
/// `okta.create.name`.
pub const CREATE_NAME: Check = Check {
    id: "okta.create.name",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "2xx `POST /Users`",
    means: "`name.givenName` and `name.familyName` equal what was sent",
    source: "name.givenName and name.familyName equal the values sent (SPEC test step 11, okta-reference.md §2.1)",
    admin_sees: Some("Okta's SPEC test step 11 fails (okta-reference.md §2.1)"),
    fix: "store and return name.givenName and name.familyName as sent",
};
/// `okta.read.status`.
pub const READ_STATUS: Check = Check {
    id: "okta.read.status",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "Okta's `GET /Users/{id}` before a PUT",
    means: "200: the user Okta holds is readable, deactivated or not",
    source: "Okta reads the resource before every PUT; deactivated users stay readable (okta-reference.md §1.4, §3.16)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: the profile update or deactivation fails with the HTTP reason (okta-reference.md §1.4)",
    ),
    fix: "keep deactivated users readable: GET /Users/{id} answers 200 with `active: false` until the user is deleted",
};
/// `okta.read.id`.
pub const READ_ID: Check = Check {
    id: "okta.read.id",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "the same GET",
    means: "the resource read is the one asked for",
    source: "the resource read is the one asked for (SPEC test step 3, okta-reference.md §2.1)",
    admin_sees: Some(
        "Okta updates the wrong resource, or its SPEC test step 3 fails (okta-reference.md §2.1)",
    ),
    fix: "answer GET /Users/{id} with the resource whose id is {id}",
};
/// `okta.read.active`.
pub const READ_ACTIVE: Check = Check {
    id: "okta.read.active",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "the same GET",
    means: "the user carries a boolean `active`",
    source: "a user always carries `active` (CRUD test steps 11 and 19, okta-reference.md §2.4, §3.16)",
    admin_sees: Some(
        "Okta's CRUD test fails; Okta cannot tell a deactivated user from an active one (okta-reference.md §2.4, §3.16)",
    ),
    fix: "always return `active` as a JSON boolean",
};
/// `okta.put.status`.
pub const PUT_STATUS: Check = Check {
    id: "okta.put.status",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "`PUT /Users/{id}`, `PUT /Groups/{id}`",
    means: "200 with the updated resource",
    source: "Okta expects 200 and the updated resource (okta-reference.md §1.4)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: \"… Error while updating user …\" with the HTTP reason (okta-reference.md §1.4)",
    ),
    fix: "answer PUT with 200 and the updated resource; accept read-only attributes (id, meta, groups) in the body and ignore them",
};
/// `okta.patch.status`.
pub const PATCH_STATUS: Check = Check {
    id: "okta.patch.status",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "`PATCH /Users/{id}`, `PATCH /Groups/{id}`",
    means: "200 or 204 (Okta never falls back to PUT)",
    source: "Okta accepts 200 with the resource or 204 (okta-reference.md §1.5, §1.10)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: \"… Errors reported by remote server: …\" with the HTTP reason; Okta never falls back to PUT (okta-reference.md §1.10, §3.20)",
    ),
    fix: "implement PATCH (RFC 7644 §3.5.2): path-less replace of active, replace/add/remove of members with a value filter, and answer 200 with the resource or 204",
};
/// `okta.active.applied`.
pub const ACTIVE_APPLIED: Check = Check {
    id: "okta.active.applied",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "answers with a body to a deactivate/reactivate (PATCH 200, PUT)",
    means: "the answer shows the new `active`",
    source: "the answer to a deactivate or reactivate shows the new `active` (CRUD test steps 11 and 15, okta-reference.md §2.4)",
    admin_sees: Some(
        "no error: Okta shows the user deactivated while the app keeps it active (okta-reference.md §3.1)",
    ),
    fix: "apply a path-less replace {\"active\": false} (and the PUT's `active`) and return the changed resource",
};
/// `okta.delete.status`.
pub const DELETE_STATUS: Check = Check {
    id: "okta.delete.status",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "`DELETE /Groups/{id}` (unlink and delete)",
    means: "204 (200 is tolerated)",
    source: "Okta expects 204 No Content (okta-reference.md §1.13)",
    admin_sees: Some(
        "a failed task on Dashboard → Tasks: the group stays in the app while Okta shows it unlinked (okta-reference.md §1.13)",
    ),
    fix: "answer DELETE /Groups/{id} with 204 No Content and delete the group",
};
/// `okta.import.stable-order`.
pub const IMPORT_STABLE_ORDER: Check = Check {
    id: "okta.import.stable-order",
    kind: CheckKind::Okta,
    severity: Severity::Required,
    applies_to: "an import (all its pages)",
    means: "each resource appears on exactly one page: ordering is stable across pages of 100",
    source: "Okta pages imports by 100; ordering must be stable across pages (okta-reference.md §1.2)",
    admin_sees: Some("an import that shows a user twice or misses one (okta-reference.md §1.2)"),
    fix: "honour startIndex and count, and order list results stably (for example by creation)",
};
/// `rfc.content-type`.
pub const CONTENT_TYPE: Check = Check {
    id: "rfc.content-type",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "any answer with a body",
    means: "`Content-Type` is `application/scim+json`",
    source: "RFC 7644 §3.1, §8.1: SCIM bodies are application/scim+json",
    admin_sees: None,
    fix: "send Content-Type: application/scim+json",
};
/// `rfc.json-body`.
pub const JSON_BODY: Check = Check {
    id: "rfc.json-body",
    kind: CheckKind::Rfc,
    severity: Severity::Required,
    applies_to: "an answer that says it is JSON",
    means: "the body parses as JSON",
    source: "RFC 7644 §3.1: SCIM bodies are JSON",
    admin_sees: Some("Okta cannot parse the answer: the task fails (okta-reference.md §1.0)"),
    fix: "send valid JSON",
};
/// `rfc.error.schema`.
pub const ERROR_SCHEMA: Check = Check {
    id: "rfc.error.schema",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "JSON answers ≥ 400",
    means: "`schemas` has `urn:ietf:params:scim:api:messages:2.0:Error`",
    source: "RFC 7644 §3.12: errors carry the Error schema URN",
    admin_sees: None,
    fix: "put urn:ietf:params:scim:api:messages:2.0:Error in the error's `schemas`",
};
/// `rfc.error.status`.
pub const ERROR_STATUS: Check = Check {
    id: "rfc.error.status",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "JSON answers ≥ 400",
    means: "`status` is the HTTP status as a JSON string (Okta's SPEC test compares `\"401\"`, `\"404\"`)",
    source: "RFC 7644 §3.12: `status` is the HTTP status as a JSON string (Okta's SPEC test compares \"401\", \"404\")",
    admin_sees: None,
    fix: "write the error's `status` as a JSON string, e.g. \"404\" (Okta's SPEC test compares strings)",
};
/// `rfc.resource.schemas`.
pub const RESOURCE_SCHEMAS: Check = Check {
    id: "rfc.resource.schemas",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "every resource returned (single or in a list)",
    means: "a non-empty `schemas` array",
    source: "RFC 7643 §3: every resource lists its schemas",
    admin_sees: None,
    fix: "list the resource's schema URNs in `schemas`",
};
/// `rfc.resource.meta`.
pub const RESOURCE_META: Check = Check {
    id: "rfc.resource.meta",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "the same",
    means: "`meta.resourceType` and `meta.location`",
    source: "RFC 7643 §3.1: meta.resourceType and meta.location",
    admin_sees: None,
    fix: "return meta.resourceType and meta.location",
};
/// `rfc.create.location`.
pub const LOCATION: Check = Check {
    id: "rfc.create.location",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "201 answers with a resource",
    means: "a `Location` header equal to `meta.location`",
    source: "RFC 7644 §3.3: 201 carries a Location header equal to meta.location",
    admin_sees: None,
    fix: "send a Location header equal to meta.location on 201",
};
/// `rfc.list.schema`.
pub const LIST_SCHEMA: Check = Check {
    id: "rfc.list.schema",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "list answers",
    means: "`schemas` has the ListResponse URN",
    source: "RFC 7644 §3.4.2: a ListResponse names its schema",
    admin_sees: None,
    fix: "put urn:ietf:params:scim:api:messages:2.0:ListResponse in a list's `schemas`",
};
/// `rfc.password.never-returned`.
pub const NO_PASSWORD: Check = Check {
    id: "rfc.password.never-returned",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "every resource returned",
    means: "no `password` attribute",
    source: "RFC 7643 §4.1.1: password is returned \"never\"",
    admin_sees: None,
    fix: "never return `password`",
};
/// `rfc.etag.version`.
pub const ETAG: Check = Check {
    id: "rfc.etag.version",
    kind: CheckKind::Rfc,
    severity: Severity::Advisory,
    applies_to: "answers with both an `ETag` header and `meta.version`",
    means: "they are equal",
    source: "RFC 7644 §3.14: the ETag header equals meta.version",
    admin_sees: None,
    fix: "send the same version in the ETag header and meta.version",
};
/// `expect.status`.
pub const STATUS: Check = Check {
    id: "expect.status",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "the status is one of `expect.status`",
    source: "the scenario file",
    admin_sees: None,
    fix: "see the scenario's basis for what the status must be and why",
};
/// `expect.body`.
pub const BODY: Check = Check {
    id: "expect.body",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "the body contains `expect.body` (objects as subsets, lists element by element)",
    source: "the scenario file",
    admin_sees: None,
    fix: "see the scenario's basis; the failure names each differing JSON path",
};
/// `expect.jsonpath`.
pub const JSONPATH: Check = Check {
    id: "expect.jsonpath",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "each JSONPath selects the expected value (a list when it selects several)",
    source: "the scenario file",
    admin_sees: None,
    fix: "see the scenario's basis; the failure names the path and both values",
};
/// `expect.header`.
pub const HEADER: Check = Check {
    id: "expect.header",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "a response header has the value (media types also match with parameters)",
    source: "the scenario file",
    admin_sees: None,
    fix: "see the scenario's basis",
};
/// `expect.outcome`.
pub const OUTCOME: Check = Check {
    id: "expect.outcome",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "the Okta action failed (`outcome: failure`) or succeeded: an action that fails without a failed response check (linking a group the app does not have) also fails the step through this check",
    source: "the scenario file",
    admin_sees: None,
    fix: "see the scenario's basis: the Okta action was expected to fail (or succeed) and did not",
};
/// `expect.requests`.
pub const REQUESTS: Check = Check {
    id: "expect.requests",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "the step sent exactly `expect.requests` requests (`0` for an Okta action that sends nothing)",
    source: "the scenario file",
    admin_sees: None,
    fix: "a scenario or okscim mistake: the Okta action sent another number of requests than the scenario says",
};

/// `expect.non-empty`.
pub const NON_EMPTY: Check = Check {
    id: "expect.non-empty",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "each JSONPath of `non_empty` selects at least one value, none of them `null`, `\"\"`, `[]` or `{}`",
    source: "the scenario file",
    admin_sees: None,
    fix: "see the scenario's basis; the failure names the path and what it found",
};
/// `expect.type`.
pub const TYPE: Check = Check {
    id: "expect.type",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "each JSONPath of `types` selects at least one value, every one of the JSON type given",
    source: "the scenario file",
    admin_sees: None,
    fix: "see the scenario's basis; the failure names the path and what it found",
};
/// `expect.duration`.
pub const DURATION: Check = Check {
    id: "expect.duration",
    kind: CheckKind::Expect,
    severity: Severity::Required,
    applies_to: "the step's last response (or its Okta outcome)",
    means: "the answer arrived within `within_ms` milliseconds",
    source: "the scenario file",
    admin_sees: None,
    fix: "see the scenario's basis; the failure gives the time the answer took",
};
/// Every check, `okta` first, then `rfc`, then `expect`.
pub const ALL: &[Check] = &[
    REACHABLE,
    COMPLETE,
    ERROR_BODY,
    LIST_STATUS,
    LIST_JSON,
    LIST_INTEGERS,
    LIST_RESOURCES,
    FIND_MATCH,
    FIND_UNIQUE,
    CREATE_STATUS,
    CREATE_BODY,
    CREATE_ID,
    CREATE_USER_NAME,
    CREATE_ACTIVE,
    CREATE_NAME,
    READ_STATUS,
    READ_ID,
    READ_ACTIVE,
    PUT_STATUS,
    PATCH_STATUS,
    ACTIVE_APPLIED,
    DELETE_STATUS,
    IMPORT_STABLE_ORDER,
    IMPORT_COMPLETE,
    IMPORT_USER,
    IMPORT_GROUP,
    IMPORT_MEMBER_DISPLAY,
    RATE_LIMIT_RETRY_AFTER,
    RATE_LIMIT_ATTEMPTS,
    SCHEMA_RESOURCE_TYPES,
    SCHEMA_USER,
    ENTITLEMENTS_LIST,
    ENTITLEMENTS_RESOURCE,
    CONTENT_TYPE,
    JSON_BODY,
    ERROR_SCHEMA,
    ERROR_STATUS,
    RESOURCE_SCHEMAS,
    RESOURCE_META,
    LOCATION,
    LIST_SCHEMA,
    RFC_LIST_RESOURCES,
    NO_PASSWORD,
    ETAG,
    STATUS,
    BODY,
    JSONPATH,
    HEADER,
    NON_EMPTY,
    TYPE,
    DURATION,
    OUTCOME,
    REQUESTS,
];

/// The check with this id.
pub fn by_id(id: &str) -> Option<&'static Check> {
    ALL.iter().find(|c| c.id == id)
}

/// The Markdown table of docs/checks.md for one kind of check: id, severity, what it applies
/// to, what it means, its source, and the test that shows it failing (`demonstrated`, which the
/// catalogue test supplies from its own list).
pub fn markdown_table(kind: CheckKind, demonstrated: &dyn Fn(&str) -> String) -> String {
    let mut out = String::from(
        "| id | severity | applies to | means | source | demonstrated by |\n|---|---|---|---|---|---|\n",
    );
    for c in ALL.iter().filter(|c| c.kind == kind) {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            c.id,
            severity_name(c.severity),
            cell(c.applies_to),
            cell(c.means),
            cell(c.source),
            cell(&demonstrated(c.id)),
        ));
    }
    out
}

/// The Markdown table of docs/checks.md that says, for each check Okta needs, what the Okta
/// admin sees when it fails and how to fix the server.
pub fn markdown_failures() -> String {
    let mut out =
        String::from("| id | what the Okta admin sees | how to fix the server |\n|---|---|---|\n");
    for c in ALL.iter().filter(|c| c.kind != CheckKind::Expect) {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.id,
            cell(
                c.admin_sees
                    .unwrap_or("nothing: Okta does not need it (advisory)")
            ),
            cell(c.fix),
        ));
    }
    out
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Required => "required",
        Severity::Advisory => "advisory",
    }
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckKind;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_named_after_their_kind() {
        let mut seen = BTreeSet::new();
        for c in ALL {
            assert!(seen.insert(c.id), "{} twice", c.id);
            let prefix = match c.kind {
                CheckKind::Okta => "okta.",
                CheckKind::Rfc => "rfc.",
                CheckKind::Expect => "expect.",
            };
            assert!(c.id.starts_with(prefix), "{}", c.id);
            assert!(!c.source.is_empty(), "{}", c.id);
        }
        assert_eq!(
            by_id("okta.create.status").map(|c| c.id),
            Some("okta.create.status")
        );
        assert!(by_id("okta.no-such-check").is_none());
    }
}
