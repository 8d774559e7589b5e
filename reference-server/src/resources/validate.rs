//! Rules a resource must satisfy before it is stored, whichever way it arrived (POST, PUT or
//! PATCH): required attributes, `schemas`, members that exist, the tailnet profile's rules, and
//! the write-path faults.

use serde_json::{Map, Value, json};

use crate::config::Profile;
use crate::errors::ScimError;
use crate::faults::Fault;
use crate::schema::ResourceKind;
use crate::state::AppState;
use crate::store::Store;
use crate::variants::Variant;

/// A resource ready to store, and the password it carried (stored hashed, never as JSON).
#[derive(Debug)]
pub struct Prepared {
    /// The attributes to store.
    pub attrs: Map<String, Value>,
    /// The clear-text password, if one was sent.
    pub password: Option<String>,
}

fn non_empty_str<'a>(attrs: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    attrs
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// Sets `schemas` to the core schema plus the extensions the resource carries; rejects a
/// `schemas` list that does not name the core schema.
fn settle_schemas(attrs: &mut Map<String, Value>, kind: ResourceKind) -> Result<(), ScimError> {
    let core = kind.core_schema().id;
    if let Some(given) = attrs.get("schemas") {
        let list = given
            .as_array()
            .ok_or_else(|| ScimError::invalid_syntax("schemas must be an array of schema URNs"))?;
        let names_core = list
            .iter()
            .filter_map(Value::as_str)
            .any(|s| s.eq_ignore_ascii_case(core));
        if !names_core {
            return Err(ScimError::invalid_value(format!(
                "schemas must include \"{core}\" for a {}",
                kind.name()
            )));
        }
    }
    let mut schemas = vec![json!(core)];
    for ext in kind.extensions() {
        if attrs
            .get(ext.id)
            .is_some_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        {
            schemas.push(json!(ext.id));
        } else {
            attrs.remove(ext.id);
        }
    }
    attrs.insert("schemas".into(), Value::Array(schemas));
    Ok(())
}

/// The primary email: the one marked primary, else the first.
/// Refuses a string value over [`crate::limits::Limits::max_value_bytes`] anywhere in the
/// resource, and a resource over `max_resource_bytes` (a group's members not counted).
fn check_sizes(
    attrs: &Map<String, Value>,
    limits: &crate::limits::Limits,
) -> Result<(), ScimError> {
    fn walk(v: &Value, path: &mut String, max: usize) -> Result<usize, ScimError> {
        Ok(match v {
            Value::String(s) => {
                if s.len() > max {
                    return Err(ScimError::invalid_value(format!(
                        "{path} is {} bytes long, over this server's limit of {max} bytes for one value (okscim serve --max-value-bytes)",
                        s.len()
                    )));
                }
                s.len() + 2
            }
            Value::Array(items) => {
                let mut n = 2;
                for item in items {
                    n += walk(item, path, max)? + 1;
                }
                n
            }
            Value::Object(map) => {
                let mut n = 2;
                for (k, item) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    n += k.len() + 3 + walk(item, path, max)? + 1;
                    path.truncate(len);
                }
                n
            }
            Value::Bool(true) | Value::Null => 4,
            Value::Bool(false) => 5,
            Value::Number(n) => n.to_string().len(),
        })
    }
    let mut size = 0;
    let mut path = String::new();
    for (k, v) in attrs {
        path.clear();
        path.push_str(k);
        let n = walk(v, &mut path, limits.max_value_bytes)?;
        if k != "members" {
            size += k.len() + 3 + n + 1;
        }
    }
    if size > limits.max_resource_bytes {
        return Err(ScimError::invalid_value(format!(
            "the resource is about {size} bytes of JSON (a group's members not counted), over this server's limit of {} bytes (okscim serve --max-resource-bytes)",
            limits.max_resource_bytes
        )));
    }
    Ok(())
}

/// RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once."
fn one_primary(attrs: &Map<String, Value>) -> Result<(), ScimError> {
    let mut lists: Vec<(String, &Vec<Value>)> = Vec::new();
    for (k, v) in attrs {
        match v {
            Value::Array(items) => lists.push((k.clone(), items)),
            // Extension attributes.
            Value::Object(ext) if k.starts_with("urn:") => {
                for (sub, v) in ext {
                    if let Value::Array(items) = v {
                        lists.push((format!("{k}:{sub}"), items));
                    }
                }
            }
            _ => {}
        }
    }
    for (name, items) in lists {
        let primaries = items
            .iter()
            .filter(|i| i.get("primary") == Some(&Value::Bool(true)))
            .count();
        if primaries > 1 {
            return Err(ScimError::invalid_value(format!(
                "{name} has {primaries} values with \"primary\": true; at most one may be primary (RFC 7643 §2.4)"
            )));
        }
    }
    Ok(())
}

/// userName and displayName are names people read and other systems match: no control
/// characters (U+0000 to U+001F, U+007F to U+009F).
fn no_control_characters(name: &str, text: &str) -> Result<(), ScimError> {
    match text.char_indices().find(|(_, c)| c.is_control()) {
        Some((at, c)) => Err(ScimError::invalid_value(format!(
            "{name} contains the control character U+{:04X} at byte {at}; names may not contain control characters",
            c as u32
        ))),
        None => Ok(()),
    }
}

fn primary_email(attrs: &Map<String, Value>) -> Option<&str> {
    let emails = attrs.get("emails")?.as_array()?;
    emails
        .iter()
        .find(|e| e.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| emails.first())
        .and_then(|e| e.get("value"))
        .and_then(Value::as_str)
}

/// Fills in and checks each member: it must name an existing user or group (else 400
/// invalidValue; the `unknown-members-accepted` variant drops it silently instead, so every stored
/// member still names a resource); `type`, `$ref` and `display` are filled in when absent.
fn settle_members(
    attrs: &mut Map<String, Value>,
    store: &Store,
    state: &AppState,
) -> Result<(), ScimError> {
    let Some(members) = attrs.get_mut("members") else {
        return Ok(());
    };
    let Value::Array(list) = members else {
        return Err(ScimError::invalid_value("members must be an array"));
    };
    if state.fault(Fault::MemberRequiresType) {
        list.retain(|m| m.get("type").and_then(Value::as_str) == Some("User"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut settled = Vec::with_capacity(list.len());
    for member in list.iter() {
        let Some(obj) = member.as_object() else {
            return Err(ScimError::invalid_value(
                "each member must be an object with a value",
            ));
        };
        let Some(value) = obj.get("value").and_then(Value::as_str) else {
            return Err(ScimError::invalid_value(
                "each member needs a \"value\": the member's id",
            ));
        };
        if !seen.insert(value.to_string()) {
            continue;
        }
        let (kind, name) = if let Some(u) = store.get(ResourceKind::User, value) {
            (ResourceKind::User, Some(Value::String(u.name.to_string())))
        } else if let Some(g) = store.get(ResourceKind::Group, value) {
            (ResourceKind::Group, Some(Value::String(g.name.to_string())))
        } else if state.variant(Variant::UnknownMembersAccepted) {
            continue;
        } else {
            return Err(ScimError::invalid_value(format!(
                "member \"{value}\" is not the id of an existing User or Group"
            )));
        };
        let mut out = obj.clone();
        out.entry("type").or_insert_with(|| json!(kind.name()));
        out.entry("$ref")
            .or_insert_with(|| json!(format!("{}{}/{value}", state.base_url, kind.endpoint())));
        if let Some(name) = name {
            out.entry("display").or_insert(name);
        }
        settled.push(Value::Object(out));
    }
    *list = settled;
    Ok(())
}

/// How a resource is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// POST.
    Create,
    /// PUT: the whole resource.
    Replace,
    /// PATCH: the stored resource with the operations applied.
    Patch,
}

/// Checks and completes `attrs` (already canonical) for storing as a `kind`.
/// `previous` is the stored resource on update.
pub fn prepare(
    attrs: Map<String, Value>,
    kind: ResourceKind,
    previous: Option<&Value>,
    write: Write,
    store: &Store,
    state: &AppState,
) -> Result<Prepared, ScimError> {
    let mut prepared = prepare_alone(attrs, kind, previous, write, state)?;
    if kind == ResourceKind::Group {
        settle_members(&mut prepared.attrs, store, state)?;
    }
    Ok(prepared)
}

/// [`prepare`] without what needs the store: everything but a group's members, so a user can
/// be made ready before the store is locked.
pub fn prepare_alone(
    mut attrs: Map<String, Value>,
    kind: ResourceKind,
    previous: Option<&Value>,
    write: Write,
    state: &AppState,
) -> Result<Prepared, ScimError> {
    for read_only in ["id", "meta", "groups"] {
        attrs.remove(read_only);
    }
    check_sizes(&attrs, &state.limits)?;
    if write != Write::Patch {
        // A PATCH settles `primary` itself: a value written primary makes the others not
        // (RFC 7644 §3.5.2); a whole resource must say it no more than once.
        one_primary(&attrs)?;
    }
    for name in ["userName", "displayName"] {
        if let Some(text) = attrs.get(name).and_then(Value::as_str) {
            no_control_characters(name, text)?;
        }
    }
    settle_schemas(&mut attrs, kind)?;
    let password = match attrs.remove("password") {
        Some(Value::String(p)) => Some(p),
        Some(Value::Null) | None => None,
        Some(_) => return Err(ScimError::invalid_value("password must be a string")),
    };
    match kind {
        ResourceKind::User => {
            if non_empty_str(&attrs, "userName").is_none() {
                return Err(ScimError::invalid_value(
                    "userName is required and must be a non-empty string",
                ));
            }
            if state.fault(Fault::UsernameLowercased)
                && let Some(Value::String(u)) = attrs.get_mut("userName")
            {
                *u = u.to_lowercase();
            }
            if !attrs.contains_key("active") && write != Write::Patch {
                // Okta's CRUD test reads `active` back after every step; keep it always present.
                // A PATCH that removes it leaves it unassigned (RFC 7644 §3.5.2.2).
                let active = previous
                    .and_then(|p| p.get("active"))
                    .cloned()
                    .unwrap_or(json!(true));
                attrs.insert("active".into(), active);
            }
            if state.profile == Profile::Tailnet {
                let user_name = non_empty_str(&attrs, "userName").unwrap_or_default();
                match primary_email(&attrs) {
                    Some(email) if crate::fold::eq(email, user_name) => {}
                    Some(email) => {
                        return Err(ScimError::invalid_value(format!(
                            "userName \"{user_name}\" must equal the primary email \"{email}\": this app requires Email as the Application username format"
                        )));
                    }
                    None => {
                        return Err(ScimError::invalid_value(format!(
                            "userName \"{user_name}\" must equal the primary email, but the user has no email: this app requires Email as the Application username format"
                        )));
                    }
                }
            }
        }
        ResourceKind::Group => {
            let Some(name) = non_empty_str(&attrs, "displayName") else {
                return Err(ScimError::invalid_value(
                    "displayName is required and must be a non-empty string",
                ));
            };
            if state.profile == Profile::Tailnet && name.contains('@') {
                return Err(ScimError::invalid_value(format!(
                    "group name \"{name}\" contains '@', which this app does not allow in group names"
                )));
            }
        }
    }
    Ok(Prepared { attrs, password })
}
