//! The scenario model: what a scenario file says, after loading and validation.
//!
//! Defaults are filled in (every user has a `userName` and an `email`, every group a `name`,
//! `apps` lists the app kinds to run under), `json_file` bodies are read, and every fixture
//! alias, `${variable}` and JSONPath has been checked. The types serialize back to the file
//! format, and the JSON Schema of the format is generated from them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::template::{Template, Vars};
use crate::errors::TemplateError;

/// A line and column in a file, both 1-based (the column counts characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, in characters.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One okscim scenario: the Okta-side fixtures and the steps to play against a SCIM server.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "okscim scenario")]
pub struct Scenario {
    /// What the scenario checks, in a few words; shown in reports and used by `--filter`.
    pub name: String,
    /// A sentence or two on what Okta does and what the server must do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub about: Option<String>,
    /// Labels for `--tags`. The tag `tailnet` means the scenario runs only when the target
    /// declares the tailnet profile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The Okta app kinds the scenario runs under: `oin` (catalog app, PATCH) and/or `aiw`
    /// (App Integration Wizard app, GET then PUT). Default: both.
    #[serde(default = "AppKind::all")]
    #[schemars(length(min = 1))]
    pub apps: Vec<AppKind>,
    /// Okta-side settings of the app.
    #[serde(default)]
    pub options: AppOptions,
    /// Okta users, by alias. The alias names the user in steps and in `${alias.id}`,
    /// `${alias.userName}`, `${alias.email}` and `${alias.oktaId}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, Option<UserFixture>>")]
    pub users: BTreeMap<String, UserFixture>,
    /// Okta groups, by alias. The alias names the group in steps and in `${alias.id}` and
    /// `${alias.name}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, Option<GroupFixture>>")]
    pub groups: BTreeMap<String, GroupFixture>,
    /// What happens, in order. Each step has exactly one of `okta`, `read`, `request`.
    #[schemars(length(min = 1))]
    pub steps: Vec<Step>,
    /// JSONPath expressions whose nodes are replaced with `"[redacted]"` in every response
    /// body of the scenario's snapshot (for values a server makes up on each run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<JsonPathExpr>,
    /// Whether the scenario needs the target to itself: it reads or changes state of the whole
    /// server (an app-wide setting such as the tailnet access policy, a list of every group), so
    /// on a shared target (`--target`) it runs while no other scenario of the run sends anything.
    /// Default: false (imports still page alone, step by step).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
    /// The Okta certification requirements the whole scenario shows (test-plan case ids such as
    /// `C9290`); `okscim certify` reports each from the scenario's runs. Ids of single steps
    /// (`SPEC-11`, `CRUD-5`) go on the step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<String>,
    /// The file the scenario was loaded from, as given (not made absolute).
    #[serde(skip)]
    pub path: PathBuf,
}

impl Scenario {
    /// Whether the scenario runs only against targets with the tailnet profile.
    pub fn requires_tailnet(&self) -> bool {
        self.tags.iter().any(|t| t == "tailnet")
    }

    /// Whether the scenario runs under the given app kind.
    pub fn runs_under(&self, app: AppKind) -> bool {
        self.apps.contains(&app)
    }
}

/// The kind of Okta app the SCIM integration is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    /// OIN catalog integration: PATCH for activation, deactivation and group membership.
    Oin,
    /// App Integration Wizard custom app: GET then PUT for every change.
    Aiw,
}

impl AppKind {
    /// Both kinds, in the order scenarios run under them.
    pub fn all() -> Vec<AppKind> {
        vec![AppKind::Oin, AppKind::Aiw]
    }

    /// The word used in scenario files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::Oin => "oin",
            AppKind::Aiw => "aiw",
        }
    }
}

impl fmt::Display for AppKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Okta-side settings of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppOptions {
    /// Group Push setting "Rename app groups to match group name in Okta": when off, renaming
    /// a pushed group in Okta sends nothing. Default: true.
    #[serde(default = "yes")]
    pub rename_groups: bool,
    /// The headers of the scenario's `request:` and `read:` steps, which Okta's provisioning
    /// engine would not send: `okscim` (default: `User-Agent: okscim/<version>`, no Okta-only
    /// headers, so a server log tells them from Okta's traffic) or `okta-spec-test` (the header
    /// sets of Okta's SPEC test, per method). A step's own `headers` replace these by name.
    #[serde(default)]
    pub request_headers: RequestHeaders,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            rename_groups: true,
            request_headers: RequestHeaders::Okscim,
        }
    }
}

/// Whose headers a scenario's own requests carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequestHeaders {
    /// okscim's own: `User-Agent: okscim/<version>`, `Accept: application/scim+json` and, with
    /// a body, `Content-Type: application/scim+json`.
    #[default]
    Okscim,
    /// The SPEC test's: on GET `Accept-Charset: utf-8`, `Content-Type: application/scim+json;
    /// charset=utf-8`, `Accept: application/scim+json`, `User-Agent: OKTA SCIM Integration`; on
    /// requests with a body only `Content-Type: application/json` and `Accept:
    /// application/scim+json; charset=utf-8`.
    OktaSpecTest,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// An Okta user. Only `userName` and `email` always exist; the other profile attributes are
/// sent only when set.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserFixture {
    /// The Okta username, sent as SCIM `userName`. Default: `<alias>.${run}@example.com`, unique
    /// per run.
    #[serde(default, skip_serializing_if = "Template::is_empty")]
    pub user_name: Template,
    /// The primary email. Default: the `userName`.
    #[serde(default, skip_serializing_if = "Template::is_empty")]
    pub email: Template,
    /// First name (`name.givenName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Template")]
    pub given_name: Option<Template>,
    /// Last name (`name.familyName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Template")]
    pub family_name: Option<Template>,
    /// Display name (`displayName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Template")]
    pub display_name: Option<Template>,
    /// Job title (`title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Template")]
    pub title: Option<Template>,
    /// Locale, e.g. `en-US` (`locale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Template")]
    pub locale: Option<Template>,
    /// Further SCIM attributes Okta sends for this user, as JSON (strings may hold templates),
    /// e.g. `{ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: R&D } }`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
    /// The Okta user's status when the scenario starts. Default: `active`.
    #[serde(default, skip_serializing_if = "UserStatus::is_active")]
    #[schemars(extend("default" = "active"))]
    pub status: UserStatus,
    /// Okta's own id for the user, sent as `externalId` (a recording keeps the one Okta sent).
    /// Default: a fresh `00u…` id each run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Template")]
    pub okta_id: Option<Template>,
}

/// The status of an Okta user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// Active (the default).
    #[default]
    Active,
    /// Created but not activated.
    Staged,
    /// Suspended in Okta.
    Suspended,
    /// Deactivated in Okta.
    Deactivated,
}

impl UserStatus {
    fn is_active(&self) -> bool {
        *self == UserStatus::Active
    }
}

/// An Okta group.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupFixture {
    /// The Okta group name, pushed as `displayName`. Default: `<alias>-${run}`.
    #[serde(default, skip_serializing_if = "Template::is_empty")]
    pub name: Template,
    /// Users (aliases) in the Okta group when the scenario starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

/// One step: an Okta admin action, a verification read, or a raw request.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What the step does.
    #[serde(flatten)]
    pub kind: StepKind,
    /// A label for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub name: Option<String>,
    /// The app kinds this step runs under (default: both). A step for the other kind is left
    /// out of the run, as if it were not in the file: for setup that must use PUT under an AIW
    /// app (which never PATCHes) and PATCH under an OIN app.
    #[serde(default = "AppKind::all", skip_serializing_if = "is_both")]
    #[schemars(length(min = 1))]
    pub apps: Vec<AppKind>,
    /// The Okta certification requirements this step shows (`SPEC-11`, `CRUD-5`); `okscim
    /// certify` reports each from the step's result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<String>,
    /// What the (last) response must look like, beyond what Okta itself needs.
    #[serde(default, skip_serializing_if = "Expect::is_empty")]
    pub expect: Expect,
    /// Variables to set from the (last) response body: name to JSONPath. The first match is
    /// taken; later steps use it as `${name}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, JsonPathExpr>,
    /// Whether the step's exchanges go into the scenario's snapshot. Default: true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    #[schemars(extend("default" = true))]
    pub snapshot: bool,
    /// A collection path (`/Users`): the step runs only when `GET {path}?count=1&startIndex=1`
    /// lists no resource (`totalResults` 0), to meet a precondition such as the SPEC test's
    /// "one user exists"; otherwise it is not applicable and passes without running. Reports say
    /// which happened. Such a step is never in the snapshot: what it does depends on the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", regex(pattern = r"^/[^?]*$"))]
    pub when_empty: Option<String>,
    /// Where the step starts in the scenario file.
    #[serde(skip)]
    pub position: Position,
}

fn is_both(apps: &[AppKind]) -> bool {
    AppKind::all().iter().all(|a| apps.contains(a))
}

/// The three kinds of step.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// An Okta admin action; okscim sends exactly what Okta would.
    Okta(OktaAction),
    /// A verification GET of a resource Okta knows (by the id the server gave it).
    Read(ReadTarget),
    /// A raw request.
    Request(Request),
}

/// The resource a `read` step fetches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum ReadTarget {
    /// `GET /Users/{id}` of this user alias.
    User(String),
    /// `GET /Groups/{id}` of this group alias.
    Group(String),
}

/// A raw request to the target.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The HTTP method, in capitals.
    pub method: Method,
    /// The path, relative to the SCIM base URL, starting with `/` (e.g. `/Users/${alice.id}`).
    pub path: Template,
    /// Query parameters, URL-encoded when sent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, Template>,
    /// Extra request headers (they replace okscim's defaults of the same name).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Template>,
    /// The JSON body (strings may hold templates). Excludes `json_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Value")]
    pub body: Option<Value>,
    /// A JSON or YAML file holding the body, relative to the scenario file. Excludes `body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "JsonFile")]
    pub json_file: Option<JsonFile>,
    /// Which credentials to send. Default: `default`.
    #[serde(default, skip_serializing_if = "Auth::is_default")]
    #[schemars(extend("default" = "default"))]
    pub auth: Auth,
    /// The path is below the server's root (`/admin/groups`), not below the SCIM base URL: for an
    /// API beside SCIM, such as the reference server's tailnet admin API. RFC checks do not apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_root: bool,
}

impl Request {
    /// The body to send, inline or from `json_file` (templates not yet rendered).
    pub fn body(&self) -> Option<&Value> {
        self.body
            .as_ref()
            .or(self.json_file.as_ref().map(|f| &f.contents))
    }
}

/// A request body kept in its own file.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonFile {
    /// The path as written in the scenario.
    pub path: PathBuf,
    /// The path it was read from: the scenario file's folder joined with `path`.
    pub resolved: PathBuf,
    /// The file's contents.
    pub contents: Value,
}

impl Serialize for JsonFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.path.display())
    }
}

impl JsonSchema for JsonFile {
    fn schema_name() -> Cow<'static, str> {
        "JsonFile".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "minLength": 1 })
    }
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// Every method, in the order the format lists them.
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The credentials a raw request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// The target's credentials, as Okta sends them.
    #[default]
    Default,
    /// No `Authorization` header.
    None,
    /// A wrong token (the server must answer 401).
    Invalid,
}

impl Auth {
    fn is_default(&self) -> bool {
        *self == Auth::Default
    }
}

/// Assertions on a step's (last) response: what an `expect` block or its `advisory` block asks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assertions {
    /// The status code, or a list of acceptable codes (100 to 599).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "status_schema")]
    pub status: Vec<u16>,
    /// A subset of the response body: every key given must be there with a matching value,
    /// recursively; each item of an expected list must match a different item of the actual
    /// list, in any order. Strings may hold templates; a string that is exactly one
    /// `${capture}` stands for the captured JSON value, whatever its type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// JSONPath expression to expected value. With one match the value is compared to it; with
    /// several, the expected list must hold the same values in any order; `null` expects no
    /// match.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_pairs"
    )]
    #[schemars(schema_with = "jsonpath_checks_schema")]
    pub jsonpath: Vec<(JsonPathExpr, Value)>,
    /// Response headers that must be present with these values (names case-insensitive;
    /// values compared without parameters such as `; charset=utf-8` unless given).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Template>,
    /// JSONPath expressions that must each select at least one value, none of them `null`,
    /// `""`, `[]` or `{}` (the SPEC test's "is not empty").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub non_empty: Vec<JsonPathExpr>,
    /// JSONPath expression to JSON type: it must select at least one value, each of that type
    /// (the SPEC test's "is a number").
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "type_pairs")]
    #[schemars(with = "BTreeMap<String, JsonType>")]
    pub types: Vec<(JsonPathExpr, JsonType)>,
    /// The response must arrive within this many milliseconds (the SPEC test's 600 ms budget
    /// for GET /Groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_ms: Option<u64>,
}

/// A JSON type, for `types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    /// A string.
    String,
    /// Any number.
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonType {
    /// Every type, by its name in a scenario file.
    pub const ALL: &'static [(&'static str, JsonType)] = &[
        ("string", JsonType::String),
        ("number", JsonType::Number),
        ("integer", JsonType::Integer),
        ("boolean", JsonType::Boolean),
        ("array", JsonType::Array),
        ("object", JsonType::Object),
    ];

    /// Its name in a scenario file.
    pub fn name(self) -> &'static str {
        JsonType::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("?", |(n, _)| n)
    }

    /// Whether `value` has this type.
    pub fn matches(self, value: &Value) -> bool {
        match self {
            JsonType::String => value.is_string(),
            JsonType::Number => value.is_number(),
            JsonType::Integer => value.is_i64() || value.is_u64(),
            JsonType::Boolean => value.is_boolean(),
            JsonType::Array => value.is_array(),
            JsonType::Object => value.is_object(),
        }
    }
}

/// `types` serializes as a map, path to type name.
mod type_pairs {
    use super::{JsonPathExpr, JsonType};
    use serde::ser::SerializeMap;

    pub fn serialize<S: serde::Serializer>(
        pairs: &[(JsonPathExpr, JsonType)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(pairs.len()))?;
        for (path, t) in pairs {
            map.serialize_entry(path, t)?;
        }
        map.end()
    }
}

impl Assertions {
    /// Whether nothing is asserted.
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
            && self.body.is_none()
            && self.jsonpath.is_empty()
            && self.headers.is_empty()
            && self.non_empty.is_empty()
            && self.types.is_empty()
            && self.within_ms.is_none()
    }
}

/// Expectations whose failure is reported as advisory: what the RFC recommends (SHOULD) or an
/// optional feature (ETags, `scimType`, `Location`), which Okta does not need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Advisory {
    /// Why these are worth reporting, e.g. `RFC 7644 §3.12: scimType is optional`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// The assertions.
    #[serde(flatten)]
    pub assert: Assertions,
}

/// Explicit expectations on a step's (last) response. Failures are `expect` checks: the
/// top-level assertions are required (a failure fails the run), those under `advisory` are
/// reported only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The required assertions.
    #[serde(flatten)]
    pub assert: Assertions,
    /// Why the required assertions are required: what Okta needs for the action to succeed,
    /// the certification test step that asserts it (`SPEC test step 15`), or the RFC MUST
    /// (`RFC 7644 §3.12`). Shown with every failure. Every bundled scenario gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// Assertions whose failure is advisory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory: Option<Advisory>,
    /// How many requests the step sends, e.g. `0` for an Okta action that sends nothing
    /// (suspend, unlink keeping the group, a rename with renaming off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<usize>,
    /// For `okta` steps only: whether the Okta action should succeed (the default) or fail
    /// because the server rejects it.
    #[serde(default, skip_serializing_if = "Outcome::is_success")]
    #[schemars(extend("default" = "success"))]
    pub outcome: Outcome,
}

impl Expect {
    /// Whether nothing is expected beyond the defaults.
    pub fn is_empty(&self) -> bool {
        self.assert.is_empty()
            && self.advisory.as_ref().is_none_or(|a| a.assert.is_empty())
            && self.requests.is_none()
            && self.outcome.is_success()
    }
}

/// Serializes pairs as a map, in order.
fn serialize_pairs<S: Serializer>(
    pairs: &[(JsonPathExpr, Value)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(pairs.len()))?;
    for (path, value) in pairs {
        map.serialize_entry(path.as_str(), value)?;
    }
    map.end()
}

fn jsonpath_checks_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "patternProperties": { "^\\$": true },
        "additionalProperties": false
    })
}

fn status_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "oneOf": [
            { "type": "integer", "minimum": 100, "maximum": 599 },
            {
                "type": "array",
                "items": { "type": "integer", "minimum": 100, "maximum": 599 },
                "minItems": 1
            }
        ]
    })
}

/// Whether an Okta action is expected to succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The action succeeds: every Okta need is met (the default).
    #[default]
    Success,
    /// The action fails in Okta because of the server's answer (e.g. a 409 on create).
    Failure,
}

impl Outcome {
    fn is_success(&self) -> bool {
        *self == Outcome::Success
    }
}

/// A JSONPath expression (RFC 9535), possibly with `${variables}`.
///
/// Checked when the scenario loads; without variables it is compiled once.
#[derive(Debug, Clone)]
pub struct JsonPathExpr {
    template: Template,
    compiled: Option<serde_json_path::JsonPath>,
}

impl JsonPathExpr {
    /// Wraps a checked template and, when it has no variables, its compiled form.
    pub(crate) fn new(template: Template, compiled: Option<serde_json_path::JsonPath>) -> Self {
        JsonPathExpr { template, compiled }
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        self.template.as_str()
    }

    /// The expression as a template.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The compiled expression, with variables filled in from `vars`.
    pub fn resolve<V: Vars + ?Sized>(
        &self,
        vars: &V,
    ) -> Result<serde_json_path::JsonPath, TemplateError> {
        if let Some(compiled) = &self.compiled {
            return Ok(compiled.clone());
        }
        let path = self.template.render(vars)?;
        serde_json_path::JsonPath::parse(&path).map_err(|e| TemplateError::JsonPath {
            template: self.template.as_str().to_owned(),
            path: path.clone(),
            message: e.to_string(),
        })
    }
}

impl PartialEq for JsonPathExpr {
    fn eq(&self, other: &Self) -> bool {
        self.template == other.template
    }
}

impl Eq for JsonPathExpr {}

impl PartialOrd for JsonPathExpr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JsonPathExpr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.template.cmp(&other.template)
    }
}

impl fmt::Display for JsonPathExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JsonPathExpr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl JsonSchema for JsonPathExpr {
    fn schema_name() -> Cow<'static, str> {
        "JsonPath".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^\\$",
            "description": "A JSONPath expression (RFC 9535), e.g. `$.members[*].value`; may hold `${variables}`."
        })
    }
}

/// An Okta admin action. Each produces exactly the requests Okta would send for it, given the
/// simulated Okta state and the app kind (possibly none).
#[derive(Debug, Clone, PartialEq)]
pub enum OktaAction {
    /// "Test API Credentials" when enabling provisioning.
    TestConnection,
    /// "Import Now" on the Import tab: page through `/Users`.
    ImportUsers,
    /// Import app groups: page through `/Groups`.
    ImportGroups,
    /// "Import User Schema" (OIN Wizard apps): read `/ResourceTypes` and `/Schemas`.
    ImportSchema,
    /// Okta's Entitlements SPEC test: each Role or Entitlement endpoint `/ResourceTypes` lists,
    /// read with `?count=1&startIndex=1`; not applicable when it lists none.
    EntitlementsTest,
    /// Switch provisioning off for the app: later actions send nothing.
    DisableProvisioning,
    /// Switch provisioning on again.
    EnableProvisioning,
    /// Confirm the match of the user to the app user the last import showed (same userName or
    /// email): Okta links them without a request.
    ConfirmImport {
        /// User alias.
        user: String,
    },
    /// Assign the user to the app (create or link it in the app).
    Assign {
        /// User alias.
        user: String,
    },
    /// Change the Okta user's profile; Okta pushes the change.
    Update {
        /// User alias.
        user: String,
        /// Attribute to new value (strings may hold templates).
        set: Map<String, Value>,
    },
    /// Remove the user's assignment to the app (deactivates it in the app).
    Unassign {
        /// User alias.
        user: String,
    },
    /// Deactivate the Okta user (deactivates it in the app).
    Deactivate {
        /// User alias.
        user: String,
    },
    /// Reactivate the Okta user and assign it again.
    Reactivate {
        /// User alias.
        user: String,
    },
    /// Suspend the Okta user (Okta sends nothing).
    Suspend {
        /// User alias.
        user: String,
    },
    /// Unsuspend the Okta user (Okta sends nothing).
    Unsuspend {
        /// User alias.
        user: String,
    },
    /// Push the group to the app (create it and push its members).
    Push {
        /// Group alias.
        group: String,
        /// When given, the Okta group's members are set to these users first.
        members: Option<Vec<String>>,
    },
    /// Add users to the Okta group; Okta pushes the membership change.
    AddMembers {
        /// Group alias.
        group: String,
        /// User aliases.
        users: Vec<String>,
        /// One update per user, all sent at once (several admins or rules at the same moment).
        concurrently: bool,
    },
    /// Remove users from the Okta group; Okta pushes the membership change.
    RemoveMembers {
        /// Group alias.
        group: String,
        /// User aliases.
        users: Vec<String>,
    },
    /// "Push Now": replace the app group's members with the Okta group's.
    PushNow {
        /// Group alias.
        group: String,
    },
    /// The user's password changes in Okta, with "Sync Password" on: Okta pushes it.
    SyncPassword {
        /// User alias.
        user: String,
    },
    /// Assign the group to the app: Okta provisions each member not yet assigned.
    AssignGroup {
        /// Group alias.
        group: String,
    },
    /// Remove the group's assignment: Okta deactivates each member no longer assigned.
    UnassignGroup {
        /// Group alias.
        group: String,
    },
    /// "Deactivate group push": Okta sends nothing, now or for later changes, until the push is
    /// activated again.
    DeactivatePush {
        /// Group alias.
        group: String,
    },
    /// "Activate group push": Okta pushes the group's membership at once (as Push Now).
    ActivatePush {
        /// Group alias.
        group: String,
    },
    /// Create and activate a Group Push rule matching `groups`: Okta pushes each of them that
    /// is not pushed yet, as `push` does.
    PushRule {
        /// The rule's name.
        rule: String,
        /// Group aliases the rule matches.
        groups: Vec<String>,
    },
    /// Deactivate the push rule: Okta sends nothing; the groups it pushed stay pushed.
    DeactivatePushRule {
        /// The rule's name.
        rule: String,
    },
    /// Delete the push rule: with `delete_groups`, Okta deletes each group the rule pushed in
    /// the app; otherwise it unlinks them and leaves them there, sending nothing.
    DeletePushRule {
        /// The rule's name.
        rule: String,
        /// Delete the rule's groups in the app. Default: false.
        delete_groups: bool,
    },
    /// Rename the Okta group; Okta renames the app group when `rename_groups` is on.
    Rename {
        /// Group alias.
        group: String,
        /// The new name.
        to: Template,
    },
    /// Link the Okta group to an existing app group of the same name.
    Link {
        /// Group alias.
        group: String,
    },
    /// Unlink the pushed group; with `delete`, Okta deletes the app group.
    Unlink {
        /// Group alias.
        group: String,
        /// Delete the group in the app (otherwise it is left there). Default: false.
        delete: bool,
    },
}

/// What an action's subject is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// No subject: the action is written as a plain string.
    None,
    /// A user alias.
    User,
    /// A group alias.
    Group,
    /// A name the scenario gives (a push rule's).
    Rule,
}

/// The type of an action parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// A list of user aliases.
    Users,
    /// A map of attribute to value.
    Attributes,
    /// A string template.
    Text,
    /// A boolean.
    Bool,
    /// A list of group aliases.
    Groups,
}

/// A parameter of an Okta action.
#[derive(Debug)]
pub(crate) struct ParamSpec {
    pub(crate) key: &'static str,
    pub(crate) required: bool,
    pub(crate) kind: ParamKind,
    pub(crate) about: &'static str,
    pub(crate) example: &'static str,
}

/// One Okta action as written in a scenario: its key, subject and parameters.
#[derive(Debug)]
pub(crate) struct ActionSpec {
    pub(crate) key: &'static str,
    pub(crate) subject: Subject,
    pub(crate) params: &'static [ParamSpec],
    pub(crate) about: &'static str,
}

const USERS_PARAM: ParamSpec = ParamSpec {
    key: "users",
    required: true,
    kind: ParamKind::Users,
    about: "User aliases.",
    example: "users: [alice]",
};

/// Every Okta action, in the order the format documents them.
pub(crate) const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        key: "test-connection",
        subject: Subject::None,
        params: &[],
        about: "\"Test API Credentials\": GET /Users?startIndex=1&count=2 and GET /Groups?startIndex=1&count=100.",
    },
    ActionSpec {
        key: "import-users",
        subject: Subject::None,
        params: &[],
        about: "Import users: GET /Users?startIndex=1&count=100, paging by 100.",
    },
    ActionSpec {
        key: "import-groups",
        subject: Subject::None,
        params: &[],
        about: "Import groups: GET /Groups?startIndex=1&count=100, paging by 100.",
    },
    ActionSpec {
        key: "import-schema",
        subject: Subject::None,
        params: &[],
        about: "\"Import User Schema\" (OIN Wizard apps): GET /ResourceTypes, then GET /Schemas; judged as Okta reads them (the core User schema, and a schema for each extension the User resource type lists).",
    },
    ActionSpec {
        key: "entitlements-test",
        subject: Subject::None,
        params: &[],
        about: "Okta's Entitlements SPEC test: GET /ResourceTypes, then GET {endpoint}?count=1&startIndex=1 for each resource type with Okta's Role or Entitlement schema; the step does not apply when there is none.",
    },
    ActionSpec {
        key: "disable-provisioning",
        subject: Subject::None,
        params: &[],
        about: "Switch provisioning off for the app: the actions that follow change Okta only and send nothing, until `enable-provisioning`.",
    },
    ActionSpec {
        key: "enable-provisioning",
        subject: Subject::None,
        params: &[],
        about: "Switch provisioning on again (sends nothing by itself).",
    },
    ActionSpec {
        key: "assign",
        subject: Subject::User,
        params: &[],
        about: "Assign the user to the app: filter by userName, then POST /Users (or link and update a match).",
    },
    ActionSpec {
        key: "update",
        subject: Subject::User,
        params: &[ParamSpec {
            key: "set",
            required: true,
            kind: ParamKind::Attributes,
            about: "Profile attributes to change, e.g. { givenName: Alicia }.",
            example: "set: { title: Boss }",
        }],
        about: "Change the Okta profile: GET /Users/{id}, then PUT the whole user with the change.",
    },
    ActionSpec {
        key: "unassign",
        subject: Subject::User,
        params: &[],
        about: "Unassign the user: deactivate in the app (PATCH active=false, or GET + PUT).",
    },
    ActionSpec {
        key: "deactivate",
        subject: Subject::User,
        params: &[],
        about: "Deactivate the Okta user: deactivate in the app (PATCH active=false, or GET + PUT).",
    },
    ActionSpec {
        key: "reactivate",
        subject: Subject::User,
        params: &[],
        about: "Reactivate the Okta user and assign it again: filter, then PATCH active=true (or GET + PUT).",
    },
    ActionSpec {
        key: "suspend",
        subject: Subject::User,
        params: &[],
        about: "Suspend the Okta user: Okta sends nothing.",
    },
    ActionSpec {
        key: "unsuspend",
        subject: Subject::User,
        params: &[],
        about: "Unsuspend the Okta user: Okta sends nothing.",
    },
    ActionSpec {
        key: "sync-password",
        subject: Subject::User,
        params: &[],
        about: "The user's password changes in Okta with Sync Password on: PATCH replace password (OIN; body unconfirmed, --password-patch), or GET + PUT with password (AIW).",
    },
    ActionSpec {
        key: "confirm-import",
        subject: Subject::User,
        params: &[],
        about: "Confirm the import's match of the user: Okta links it to the imported app user with the same userName (or primary email), sending nothing; later pushes use that id.",
    },
    ActionSpec {
        key: "assign-group",
        subject: Subject::Group,
        params: &[],
        about: "Assign the group to the app: each member not yet assigned is provisioned as by assign (filter, then POST or link).",
    },
    ActionSpec {
        key: "unassign-group",
        subject: Subject::Group,
        params: &[],
        about: "Remove the group's assignment: each member no longer assigned directly or by another group is deactivated as by unassign.",
    },
    ActionSpec {
        key: "push",
        subject: Subject::Group,
        params: &[ParamSpec {
            key: "members",
            required: false,
            kind: ParamKind::Users,
            about: "Set the Okta group's members to these users first.",
            example: "members: [alice, bob]",
        }],
        about: "Push the group: POST /Groups, then push its members.",
    },
    ActionSpec {
        key: "add-members",
        subject: Subject::Group,
        params: &[
            USERS_PARAM,
            ParamSpec {
                key: "concurrently",
                required: false,
                kind: ParamKind::Bool,
                about: "One membership update per user, all sent at once, as when several admins or group rules add members at the same moment (OIN; an AIW app PUTs the full list either way). Default false.",
                example: "concurrently: true",
            },
        ],
        about: "Add users to the Okta group: PATCH add members (or PUT the group).",
    },
    ActionSpec {
        key: "remove-members",
        subject: Subject::Group,
        params: &[USERS_PARAM],
        about: "Remove users from the Okta group: PATCH remove members[value eq \"id\"] (or PUT the group).",
    },
    ActionSpec {
        key: "push-now",
        subject: Subject::Group,
        params: &[],
        about: "\"Push Now\": replace all members (PATCH replace members, or PUT the group).",
    },
    ActionSpec {
        key: "deactivate-push",
        subject: Subject::Group,
        params: &[],
        about: "\"Deactivate group push\": Okta sends nothing, and sends no change to the group until the push is activated again.",
    },
    ActionSpec {
        key: "activate-push",
        subject: Subject::Group,
        params: &[],
        about: "\"Activate group push\": Okta pushes the group's membership at once, as Push Now does.",
    },
    ActionSpec {
        key: "rename",
        subject: Subject::Group,
        params: &[ParamSpec {
            key: "to",
            required: true,
            kind: ParamKind::Text,
            about: "The new group name.",
            example: "to: New Name",
        }],
        about: "Rename the Okta group: path-less PATCH replace {id, displayName} (or PUT), when rename_groups is on.",
    },
    ActionSpec {
        key: "link",
        subject: Subject::Group,
        params: &[],
        about: "Link the Okta group to the app group of the same name: GET /Groups?filter=displayName eq \"name\", then push.",
    },
    ActionSpec {
        key: "unlink",
        subject: Subject::Group,
        params: &[ParamSpec {
            key: "delete",
            required: false,
            kind: ParamKind::Bool,
            about: "Delete the group in the app (DELETE /Groups/{id}); default false leaves it there and sends nothing.",
            example: "delete: true",
        }],
        about: "Unlink the pushed group.",
    },
    ActionSpec {
        key: "push-rule",
        subject: Subject::Rule,
        params: &[ParamSpec {
            key: "groups",
            required: true,
            kind: ParamKind::Groups,
            about: "Group aliases the rule matches.",
            example: "groups: [eng, ops]",
        }],
        about: "Create and activate a Group Push rule: Okta pushes each matching group not pushed yet, as `push` does.",
    },
    ActionSpec {
        key: "deactivate-push-rule",
        subject: Subject::Rule,
        params: &[],
        about: "Deactivate the push rule: Okta sends nothing; the groups it pushed stay pushed.",
    },
    ActionSpec {
        key: "delete-push-rule",
        subject: Subject::Rule,
        params: &[ParamSpec {
            key: "delete_groups",
            required: false,
            kind: ParamKind::Bool,
            about: "Delete each group the rule pushed in the app (DELETE /Groups/{id}); default false unlinks them and leaves them there, sending nothing.",
            example: "delete_groups: true",
        }],
        about: "Delete the push rule.",
    },
];

/// The spec of an action key.
pub(crate) fn action_spec(key: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|a| a.key == key)
}

impl OktaAction {
    /// The action's key in scenario files, e.g. `add-members`.
    pub fn key(&self) -> &'static str {
        match self {
            OktaAction::TestConnection => "test-connection",
            OktaAction::ImportUsers => "import-users",
            OktaAction::ImportGroups => "import-groups",
            OktaAction::ImportSchema => "import-schema",
            OktaAction::EntitlementsTest => "entitlements-test",
            OktaAction::DisableProvisioning => "disable-provisioning",
            OktaAction::EnableProvisioning => "enable-provisioning",
            OktaAction::ConfirmImport { .. } => "confirm-import",
            OktaAction::Assign { .. } => "assign",
            OktaAction::Update { .. } => "update",
            OktaAction::Unassign { .. } => "unassign",
            OktaAction::Deactivate { .. } => "deactivate",
            OktaAction::Reactivate { .. } => "reactivate",
            OktaAction::Suspend { .. } => "suspend",
            OktaAction::Unsuspend { .. } => "unsuspend",
            OktaAction::Push { .. } => "push",
            OktaAction::AddMembers { .. } => "add-members",
            OktaAction::RemoveMembers { .. } => "remove-members",
            OktaAction::PushNow { .. } => "push-now",
            OktaAction::SyncPassword { .. } => "sync-password",
            OktaAction::AssignGroup { .. } => "assign-group",
            OktaAction::UnassignGroup { .. } => "unassign-group",
            OktaAction::DeactivatePush { .. } => "deactivate-push",
            OktaAction::ActivatePush { .. } => "activate-push",
            OktaAction::Rename { .. } => "rename",
            OktaAction::Link { .. } => "link",
            OktaAction::Unlink { .. } => "unlink",
            OktaAction::PushRule { .. } => "push-rule",
            OktaAction::DeactivatePushRule { .. } => "deactivate-push-rule",
            OktaAction::DeletePushRule { .. } => "delete-push-rule",
        }
    }

    /// Whether the action makes Okta send provisioning requests (not a switch, an import
    /// confirmation, a suspension, or one of the discovery reads and tests that provisioning
    /// being off does not stop).
    pub fn sends_requests(&self) -> bool {
        !matches!(
            self,
            OktaAction::TestConnection
                | OktaAction::ImportUsers
                | OktaAction::ImportGroups
                | OktaAction::ImportSchema
                | OktaAction::EntitlementsTest
                | OktaAction::DisableProvisioning
                | OktaAction::EnableProvisioning
                | OktaAction::ConfirmImport { .. }
                | OktaAction::Suspend { .. }
                | OktaAction::Unsuspend { .. }
        )
    }

    /// The user alias the action is about, if any.
    pub fn user(&self) -> Option<&str> {
        match self {
            OktaAction::Assign { user }
            | OktaAction::Update { user, .. }
            | OktaAction::Unassign { user }
            | OktaAction::Deactivate { user }
            | OktaAction::Reactivate { user }
            | OktaAction::Suspend { user }
            | OktaAction::Unsuspend { user }
            | OktaAction::SyncPassword { user }
            | OktaAction::ConfirmImport { user } => Some(user),
            _ => None,
        }
    }

    /// The push rule the action is about, if any.
    pub fn rule(&self) -> Option<&str> {
        match self {
            OktaAction::PushRule { rule, .. }
            | OktaAction::DeactivatePushRule { rule }
            | OktaAction::DeletePushRule { rule, .. } => Some(rule),
            _ => None,
        }
    }

    /// The group alias the action is about, if any.
    pub fn group(&self) -> Option<&str> {
        match self {
            OktaAction::Push { group, .. }
            | OktaAction::AddMembers { group, .. }
            | OktaAction::RemoveMembers { group, .. }
            | OktaAction::PushNow { group }
            | OktaAction::AssignGroup { group }
            | OktaAction::UnassignGroup { group }
            | OktaAction::DeactivatePush { group }
            | OktaAction::ActivatePush { group }
            | OktaAction::Rename { group, .. }
            | OktaAction::Link { group }
            | OktaAction::Unlink { group, .. } => Some(group),
            _ => None,
        }
    }
}

impl Serialize for OktaAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let key = self.key();
        let Some(subject) = self.user().or(self.group()).or(self.rule()) else {
            return serializer.serialize_str(key);
        };
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(key, subject)?;
        match self {
            OktaAction::Update { set, .. } => map.serialize_entry("set", set)?,
            OktaAction::Push {
                members: Some(members),
                ..
            } => map.serialize_entry("members", members)?,
            OktaAction::AddMembers {
                users,
                concurrently,
                ..
            } => {
                map.serialize_entry("users", users)?;
                if *concurrently {
                    map.serialize_entry("concurrently", &true)?;
                }
            }
            OktaAction::RemoveMembers { users, .. } => map.serialize_entry("users", users)?,
            OktaAction::Rename { to, .. } => map.serialize_entry("to", to)?,
            OktaAction::Unlink { delete: true, .. } => map.serialize_entry("delete", &true)?,
            OktaAction::PushRule { groups, .. } => map.serialize_entry("groups", groups)?,
            OktaAction::DeletePushRule {
                delete_groups: true,
                ..
            } => map.serialize_entry("delete_groups", &true)?,
            _ => {}
        }
        map.end()
    }
}

impl JsonSchema for OktaAction {
    fn schema_name() -> Cow<'static, str> {
        "OktaAction".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut variants = Vec::new();
        for spec in ACTIONS {
            if spec.subject == Subject::None {
                variants.push(serde_json::json!({
                    "const": spec.key,
                    "description": spec.about,
                }));
                continue;
            }
            let subject = match spec.subject {
                Subject::User => "User alias.",
                Subject::Rule => "The push rule's name.",
                _ => "Group alias.",
            };
            let mut properties = Map::new();
            properties.insert(
                spec.key.to_owned(),
                serde_json::json!({ "type": "string", "description": subject }),
            );
            let mut required = vec![Value::from(spec.key)];
            for param in spec.params {
                let schema = match param.kind {
                    ParamKind::Users | ParamKind::Groups => serde_json::json!({
                        "type": "array", "items": { "type": "string" }
                    }),
                    ParamKind::Attributes => serde_json::json!({
                        "type": "object", "minProperties": 1
                    }),
                    ParamKind::Text => serde_json::json!({ "type": "string" }),
                    ParamKind::Bool => serde_json::json!({ "type": "boolean", "default": false }),
                };
                let mut schema = schema;
                schema["description"] = Value::from(param.about);
                properties.insert(param.key.to_owned(), schema);
                if param.required {
                    required.push(Value::from(param.key));
                }
            }
            variants.push(serde_json::json!({
                "type": "object",
                "description": spec.about,
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            }));
        }
        json_schema!({
            "description": "An Okta admin action: a plain string for actions without a subject \
                (`test-connection`), else a map whose first key is the action and names the \
                user or group alias (`{ assign: alice }`), plus that action's parameters.",
            "oneOf": variants,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_table_matches_the_enum_keys() {
        let keys: Vec<_> = ACTIONS.iter().map(|a| a.key).collect();
        assert_eq!(
            keys,
            [
                "test-connection",
                "import-users",
                "import-groups",
                "import-schema",
                "entitlements-test",
                "disable-provisioning",
                "enable-provisioning",
                "assign",
                "update",
                "unassign",
                "deactivate",
                "reactivate",
                "suspend",
                "unsuspend",
                "sync-password",
                "confirm-import",
                "assign-group",
                "unassign-group",
                "push",
                "add-members",
                "remove-members",
                "push-now",
                "deactivate-push",
                "activate-push",
                "rename",
                "link",
                "unlink",
                "push-rule",
                "deactivate-push-rule",
                "delete-push-rule"
            ]
        );
        assert_eq!(OktaAction::PushNow { group: "g".into() }.key(), "push-now");
    }

    #[test]
    fn actions_serialize_to_the_file_format() {
        let cases = [
            (
                OktaAction::TestConnection,
                serde_json::json!("test-connection"),
            ),
            (
                OktaAction::Assign {
                    user: "alice".into(),
                },
                serde_json::json!({ "assign": "alice" }),
            ),
            (
                OktaAction::Push {
                    group: "eng".into(),
                    members: Some(vec!["alice".into()]),
                },
                serde_json::json!({ "push": "eng", "members": ["alice"] }),
            ),
            (
                OktaAction::Push {
                    group: "eng".into(),
                    members: None,
                },
                serde_json::json!({ "push": "eng" }),
            ),
            (
                OktaAction::Unlink {
                    group: "eng".into(),
                    delete: false,
                },
                serde_json::json!({ "unlink": "eng" }),
            ),
        ];
        for (action, json) in cases {
            assert_eq!(serde_json::to_value(&action).unwrap(), json);
        }
    }
}
