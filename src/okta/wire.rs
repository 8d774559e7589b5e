//! The exact requests Okta sends (okta-reference.md §1): headers, query encoding and body shapes.
//! Bodies are serialized from structs so their key order is Okta's, and kept as the exact bytes
//! sent.

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::app::{FilterEncoding, HeaderStyle, OktaOptions, PasswordPatch};
use crate::http::OutgoingRequest;

/// SCIM core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// SCIM core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// PatchOp message URN.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The User-Agent Okta's provisioning engine sends.
pub const USER_AGENT: &str = "Okta SCIM Client 1.0.0";

/// Builds Okta's requests for one app's settings.
#[derive(Debug, Clone, Copy)]
pub struct Wire {
    options: OktaOptions,
}

/// Characters Java's URLEncoder leaves alone: Okta's filter values are encoded like this.
fn encode_query_value(value: &str, encoding: FilterEncoding) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push_str(match encoding {
                FilterEncoding::Percent => "%20",
                FilterEncoding::Plus => "+",
            }),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A SCIM filter string literal: quotes and backslashes escaped.
fn filter_literal(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

#[derive(Serialize)]
struct PatchMessage<'a> {
    schemas: [&'static str; 1],
    #[serde(rename = "Operations")]
    operations: &'a [PatchOperation],
}

/// One PATCH operation, with Okta's key order.
#[derive(Debug, Clone, Serialize)]
pub struct PatchOperation {
    /// `add`, `remove` or `replace` (Okta sends lowercase).
    pub op: &'static str,
    /// The path, absent for Okta's path-less replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<PatchValue>,
}

/// A PATCH operation's value. Typed rather than a `serde_json::Value`, whose maps sort their
/// keys: Okta sends `{"id", "displayName"}` and members as `{"value", "display"}`, in that order.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PatchValue {
    /// `{"active": …}` (deactivate, reactivate).
    Active {
        /// The new `active`.
        active: bool,
    },
    /// `{"id": …, "displayName": …}` (rename, reconciliation after a push).
    Rename {
        /// The group's SCIM id (the URL's).
        id: String,
        /// The new name.
        #[serde(rename = "displayName")]
        display_name: String,
    },
    /// A member list (add, Push Now; `[]` for an empty group).
    Members(Vec<Member>),
    /// `{"password": …}`: a path-less password sync (the documented default; unconfirmed).
    Password {
        /// The password (a secret: redacted wherever it is recorded).
        password: String,
    },
    /// A bare string, e.g. the new password of a `replace` with `path: password`.
    Text(String),
    /// `{"id": …, "displayName": …, "members": […]}`: the observed path-less Push Now.
    Group {
        /// The group's SCIM id.
        id: String,
        /// Its name.
        #[serde(rename = "displayName")]
        display_name: String,
        /// Every member.
        members: Vec<Member>,
    },
}

/// A member item as Okta sends it: only `value` and `display`, no `type`, no `$ref`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Member {
    /// The member's SCIM id.
    pub value: String,
    /// Its userName.
    pub display: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserName<'a> {
    given_name: &'a str,
    family_name: &'a str,
}

#[derive(Serialize)]
struct Email<'a> {
    primary: bool,
    value: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// The profile Okta sends when it creates a user.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// userName (the app username: usually the Okta login or email).
    pub user_name: &'a str,
    /// Given name.
    pub given_name: &'a str,
    /// Family name.
    pub family_name: &'a str,
    /// Primary work email.
    pub email: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Locale, `en-US` in SCIM 2.0 (R20).
    pub locale: &'a str,
    /// Okta's own user id, sent as `externalId`.
    pub okta_id: &'a str,
    /// The placeholder password Okta sends on every create.
    pub password: &'a str,
    /// Extra mapped attributes, appended after Okta's standard ones.
    pub extra: &'a serde_json::Map<String, Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateUserBody<'a> {
    schemas: [&'static str; 1],
    user_name: &'a str,
    name: UserName<'a>,
    emails: [Email<'a>; 1],
    display_name: &'a str,
    locale: &'a str,
    external_id: &'a str,
    groups: [(); 0],
    password: &'a str,
    active: bool,
    #[serde(flatten)]
    extra: &'a serde_json::Map<String, Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateGroupBody<'a> {
    schemas: [&'static str; 1],
    display_name: &'a str,
    members: [(); 0],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupPutBody<'a> {
    schemas: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    display_name: &'a str,
    members: &'a [Member],
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

impl Wire {
    /// Requests for these settings.
    pub fn new(options: OktaOptions) -> Self {
        Wire { options }
    }

    fn headers(&self, method: &Method, has_body: bool) -> Vec<(String, String)> {
        let mut h = vec![
            ("Accept".to_string(), "application/scim+json".to_string()),
            ("Accept-Charset".to_string(), "utf-8".to_string()),
        ];
        let legacy = self.options.headers == HeaderStyle::Okta2019;
        if has_body || (legacy && *method == Method::DELETE) {
            h.push((
                "Content-Type".to_string(),
                "application/scim+json; charset=utf-8".to_string(),
            ));
        }
        h.push(("User-Agent".to_string(), USER_AGENT.to_string()));
        if legacy {
            h.push(("Accept-Encoding".to_string(), "gzip,deflate".to_string()));
            h.push(("Connection".to_string(), "Keep-Alive".to_string()));
        }
        h
    }

    fn request(&self, method: Method, path: String, body: Option<String>) -> OutgoingRequest {
        OutgoingRequest {
            headers: self.headers(&method, body.is_some()),
            method,
            path,
            body,
            auth: Default::default(),
            from_root: false,
        }
    }

    /// `GET /Users?startIndex=…&count=…` (test connection, import).
    pub fn list(&self, endpoint: &str, start_index: usize, count: usize) -> OutgoingRequest {
        self.request(
            Method::GET,
            format!("{endpoint}?startIndex={start_index}&count={count}"),
            None,
        )
    }

    /// `GET /Users?filter=userName eq "…"&startIndex=1&count=100` (and `displayName eq` for groups).
    pub fn find(&self, endpoint: &str, attribute: &str, value: &str) -> OutgoingRequest {
        let filter = format!("{attribute} eq {}", filter_literal(value));
        self.request(
            Method::GET,
            format!(
                "{endpoint}?filter={}&startIndex=1&count=100",
                encode_query_value(&filter, self.options.filter_encoding)
            ),
            None,
        )
    }

    /// `GET /Users/{id}` or `GET /Groups/{id}`.
    pub fn get(&self, endpoint: &str, id: &str) -> OutgoingRequest {
        self.request(
            Method::GET,
            format!("{endpoint}/{}", encode_path_segment(id)),
            None,
        )
    }

    /// `POST /Users` with Okta's create body.
    pub fn create_user(&self, user: &NewUser<'_>) -> OutgoingRequest {
        let body = CreateUserBody {
            schemas: [USER_SCHEMA],
            user_name: user.user_name,
            name: UserName {
                given_name: user.given_name,
                family_name: user.family_name,
            },
            emails: [Email {
                primary: true,
                value: user.email,
                kind: "work",
            }],
            display_name: user.display_name,
            locale: user.locale,
            external_id: user.okta_id,
            groups: [],
            password: user.password,
            active: true,
            extra: user.extra,
        };
        self.request(Method::POST, "/Users".to_string(), Some(to_json(&body)))
    }

    /// `PUT /Users/{id}` or `/Groups/{id}` with a whole resource.
    pub fn put(&self, endpoint: &str, id: &str, resource: &Value) -> OutgoingRequest {
        self.request(
            Method::PUT,
            format!("{endpoint}/{}", encode_path_segment(id)),
            Some(resource.to_string()),
        )
    }

    /// `PATCH` with a PatchOp message.
    pub fn patch(
        &self,
        endpoint: &str,
        id: &str,
        operations: &[PatchOperation],
    ) -> OutgoingRequest {
        let body = PatchMessage {
            schemas: [PATCH_OP_SCHEMA],
            operations,
        };
        self.request(
            Method::PATCH,
            format!("{endpoint}/{}", encode_path_segment(id)),
            Some(to_json(&body)),
        )
    }

    /// `POST /Groups` with `members: []`.
    pub fn create_group(&self, name: &str) -> OutgoingRequest {
        let body = CreateGroupBody {
            schemas: [GROUP_SCHEMA],
            display_name: name,
            members: [],
        };
        self.request(Method::POST, "/Groups".to_string(), Some(to_json(&body)))
    }

    /// An AIW group PUT: `{schemas, [id], displayName, members}`.
    pub fn put_group(
        &self,
        id: &str,
        with_id: bool,
        name: &str,
        members: &[Member],
    ) -> OutgoingRequest {
        let body = GroupPutBody {
            schemas: [GROUP_SCHEMA],
            id: with_id.then_some(id),
            display_name: name,
            members,
        };
        self.request(
            Method::PUT,
            format!("/Groups/{}", encode_path_segment(id)),
            Some(to_json(&body)),
        )
    }

    /// `DELETE /Groups/{id}`.
    pub fn delete(&self, endpoint: &str, id: &str) -> OutgoingRequest {
        self.request(
            Method::DELETE,
            format!("{endpoint}/{}", encode_path_segment(id)),
            None,
        )
    }

    /// `GET /ResourceTypes` or `GET /Schemas` as Okta's discovery sends them (no paging: the
    /// sources show none, okta-reference.md §1.1).
    pub fn discovery(&self, path: &str) -> OutgoingRequest {
        self.request(Method::GET, path.to_string(), None)
    }

    /// The Entitlements SPEC test's `GET {endpoint}?count=1&startIndex=1`, with the SPEC test's
    /// GET headers (okta-reference.md §2.5).
    pub fn entitlement_page(&self, endpoint: &str) -> OutgoingRequest {
        OutgoingRequest {
            headers: spec_test_headers(false),
            method: Method::GET,
            path: format!("{endpoint}?count=1&startIndex=1"),
            body: None,
            auth: Default::default(),
            from_root: false,
        }
    }
}

/// The User-Agent of Okta's Runscope SPEC tests (not Okta's provisioning User-Agent).
pub const SPEC_TEST_USER_AGENT: &str = "OKTA SCIM Integration";

/// The headers (besides Authorization) of Okta's SPEC tests (okta-reference.md §2.1, §2.5): its
/// POST steps send only Content-Type `application/json` and Accept; its GET steps the rest.
pub fn spec_test_headers(post: bool) -> Vec<(String, String)> {
    let pairs: &[(&str, &str)] = if post {
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/scim+json; charset=utf-8"),
        ]
    } else {
        &[
            ("Accept-Charset", "utf-8"),
            ("Content-Type", "application/scim+json; charset=utf-8"),
            ("Accept", "application/scim+json"),
            ("User-Agent", SPEC_TEST_USER_AGENT),
        ]
    };
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// Path-less `replace` of `{active}` (deactivate, reactivate).
pub fn set_active(active: bool) -> PatchOperation {
    PatchOperation {
        op: "replace",
        path: None,
        value: Some(PatchValue::Active { active }),
    }
}

/// The password sync of an OIN app: a `replace` of `password`, path-less (`{"password": …}`, the
/// default) or with `path: password` (okta-reference.md §1.8: the body is unconfirmed).
pub fn set_password(password: &str, style: PasswordPatch) -> PatchOperation {
    match style {
        PasswordPatch::Pathless => PatchOperation {
            op: "replace",
            path: None,
            value: Some(PatchValue::Password {
                password: password.to_string(),
            }),
        },
        PasswordPatch::Path => PatchOperation {
            op: "replace",
            path: Some("password".to_string()),
            value: Some(PatchValue::Text(password.to_string())),
        },
    }
}

/// Path-less `replace` of `{id, displayName}` (rename, and alongside membership updates).
pub fn rename(id: &str, display_name: &str) -> PatchOperation {
    PatchOperation {
        op: "replace",
        path: None,
        value: Some(PatchValue::Rename {
            id: id.to_string(),
            display_name: display_name.to_string(),
        }),
    }
}

/// `remove` of one member by value filter.
pub fn remove_member(id: &str) -> PatchOperation {
    PatchOperation {
        op: "remove",
        path: Some(format!("members[value eq {}]", filter_literal(id))),
        value: None,
    }
}

/// `add` of members, batched.
pub fn add_members(members: &[Member]) -> PatchOperation {
    PatchOperation {
        op: "add",
        path: Some("members".to_string()),
        value: Some(PatchValue::Members(members.to_vec())),
    }
}

/// `replace` of all members (Push Now), `[]` for an empty group.
pub fn replace_members(members: &[Member]) -> PatchOperation {
    PatchOperation {
        op: "replace",
        path: Some("members".to_string()),
        value: Some(PatchValue::Members(members.to_vec())),
    }
}

/// The observed path-less Push Now: `replace` with `{id, displayName, members}` (okta-reference.md
/// §1.10, jelhub/scimgateway#111).
pub fn replace_group(id: &str, display_name: &str, members: &[Member]) -> PatchOperation {
    PatchOperation {
        op: "replace",
        path: None,
        value: Some(PatchValue::Group {
            id: id.to_string(),
            display_name: display_name.to_string(),
            members: members.to_vec(),
        }),
    }
}

/// Ids come from the server; escape what a path segment cannot carry (the same escaping for
/// okscim's own reads, so a transcript names a resource one way).
pub fn encode_path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'@'
            | b':'
            | b'+' => out.push(b as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_encoded_as_okta_does() {
        let w = Wire::new(OktaOptions::default());
        assert_eq!(
            w.find("/Users", "userName", "test.user@okta.local").path,
            "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100"
        );
        let w = Wire::new(OktaOptions {
            filter_encoding: FilterEncoding::Plus,
            ..OktaOptions::default()
        });
        assert_eq!(
            w.find("/Users", "userName", "jane.doe@example.com").path,
            "/Users?filter=userName+eq+%22jane.doe%40example.com%22&startIndex=1&count=100"
        );
    }

    #[test]
    fn patch_bodies_have_okta_key_order() {
        let w = Wire::new(OktaOptions::default());
        let r = w.patch("/Groups", "g1", &[rename("g1", "New Name")]);
        assert_eq!(
            r.body.unwrap(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"g1","displayName":"New Name"}}]}"#
        );
        let r = w.patch("/Users", "u1", &[set_active(false)]);
        assert_eq!(
            r.body.unwrap(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
        );
        assert_eq!(
            remove_member("a\"b").path.unwrap(),
            r#"members[value eq "a\"b"]"#
        );
    }

    #[test]
    fn get_has_no_content_type_and_writes_do() {
        let w = Wire::new(OktaOptions::default());
        let names =
            |r: &OutgoingRequest| r.headers.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&w.get("/Users", "x")),
            ["Accept", "Accept-Charset", "User-Agent"]
        );
        assert_eq!(
            names(&w.create_group("g")),
            ["Accept", "Accept-Charset", "Content-Type", "User-Agent"]
        );
    }
}
