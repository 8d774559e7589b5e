//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5), applied with the schema's
//! `returned` characteristic: `always` attributes survive both, `never` ones never leave.

use serde_json::{Map, Value};

use crate::filter::AttrPath;
use crate::schema::{ResourceKind, Returned};

/// Which attributes a response carries.
#[derive(Debug, Default, Clone)]
pub struct Projection {
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
}

/// Splits `urn:…:User:name.givenName` into its URN, attribute and sub-attribute.
pub fn parse_attr_path(text: &str) -> AttrPath {
    let text = text.trim();
    let (urn, rest) = if text.to_ascii_lowercase().starts_with("urn:") {
        match text.rfind(':') {
            Some(i) => (Some(text[..i].to_string()), &text[i + 1..]),
            None => (None, text),
        }
    } else {
        (None, text)
    };
    let (attr, sub_attr) = match rest.split_once('.') {
        Some((a, s)) => (a.to_string(), Some(s.to_string())),
        None => (rest.to_string(), None),
    };
    AttrPath {
        urn,
        attr,
        sub_attr,
    }
}

/// Finds a key case-insensitively.
fn key_of(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

impl Projection {
    /// From the two parameter lists (comma-separated names already split).
    pub fn new(attributes: Vec<String>, excluded: Vec<String>) -> Self {
        Projection {
            attributes: attributes.iter().map(|s| parse_attr_path(s)).collect(),
            excluded: excluded.iter().map(|s| parse_attr_path(s)).collect(),
        }
    }

    /// Whether neither list was given.
    pub fn is_identity(&self) -> bool {
        self.attributes.is_empty() && self.excluded.is_empty()
    }

    /// Applies the projection to a rendered resource.
    pub fn apply(&self, resource: Value, kind: ResourceKind) -> Value {
        let Value::Object(mut map) = resource else {
            return resource;
        };
        map.remove("password");
        if self.is_identity() {
            return Value::Object(map);
        }
        let always = |name: &str| {
            name == "schemas"
                || kind
                    .resolve(None, name)
                    .is_some_and(|r| r.def.returned == Returned::Always)
        };
        if !self.attributes.is_empty() {
            let mut out = Map::new();
            for (k, v) in &map {
                if always(k) {
                    out.insert(k.clone(), v.clone());
                }
            }
            for path in &self.attributes {
                copy_path(&map, &mut out, path, kind);
            }
            map = out;
        }
        for path in &self.excluded {
            remove_path(&mut map, path, kind, &always);
        }
        Value::Object(map)
    }
}

/// The object an attribute lives in (top level, or under its extension URN key) and its
/// key in that object.
fn container_key(path: &AttrPath, kind: ResourceKind) -> (Option<String>, String) {
    match &path.urn {
        Some(urn) if !urn.eq_ignore_ascii_case(kind.core_schema().id) => {
            let ext = kind
                .extension(urn)
                .map(|s| s.id.to_string())
                .unwrap_or(urn.clone());
            (Some(ext), path.attr.clone())
        }
        _ => (None, path.attr.clone()),
    }
}

fn copy_path(
    src: &Map<String, Value>,
    dst: &mut Map<String, Value>,
    path: &AttrPath,
    kind: ResourceKind,
) {
    let (ext, attr) = container_key(path, kind);
    // A bare extension URN (`attributes=urn:…:enterprise:2.0:User`) selects the whole extension.
    let whole_extension = format!("{}:{}", path.urn.as_deref().unwrap_or(""), path.attr);
    if path.urn.is_some()
        && path.sub_attr.is_none()
        && let Some(k) = key_of(src, &whole_extension)
        && let Some(v) = src.get(&k)
        && v.is_object()
    {
        dst.insert(k, v.clone());
        return;
    }
    let (src_obj, dst_obj) = match &ext {
        Some(urn) => {
            let Some(k) = key_of(src, urn) else { return };
            let Some(Value::Object(inner)) = src.get(&k) else {
                return;
            };
            let entry = dst.entry(k).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(dst_inner) = entry else {
                return;
            };
            (inner, dst_inner)
        }
        None => (src, dst),
    };
    let Some(k) = key_of(src_obj, &attr) else {
        return;
    };
    let Some(value) = src_obj.get(&k) else { return };
    match &path.sub_attr {
        None => {
            dst_obj.insert(k, value.clone());
        }
        Some(sub) => {
            let pick = |v: &Value| -> Option<Value> {
                let obj = v.as_object()?;
                let sk = key_of(obj, sub)?;
                let mut m = Map::new();
                m.insert(sk.clone(), obj.get(&sk)?.clone());
                Some(Value::Object(m))
            };
            let picked = match value {
                Value::Array(items) => Value::Array(items.iter().filter_map(pick).collect()),
                other => match pick(other) {
                    Some(v) => v,
                    None => return,
                },
            };
            match (dst_obj.get_mut(&k), picked) {
                (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
                (Some(Value::Array(existing)), Value::Array(new))
                    if existing.len() == new.len() =>
                {
                    for (e, n) in existing.iter_mut().zip(new) {
                        if let (Value::Object(e), Value::Object(n)) = (e, n) {
                            e.extend(n);
                        }
                    }
                }
                (_, picked) => {
                    dst_obj.insert(k, picked);
                }
            }
        }
    }
}

fn remove_path(
    map: &mut Map<String, Value>,
    path: &AttrPath,
    kind: ResourceKind,
    always: &dyn Fn(&str) -> bool,
) {
    let (ext, attr) = container_key(path, kind);
    let obj = match &ext {
        Some(urn) => {
            let Some(k) = key_of(map, urn) else { return };
            match map.get_mut(&k) {
                Some(Value::Object(inner)) => inner,
                _ => return,
            }
        }
        None => {
            if always(&attr) {
                return;
            }
            map
        }
    };
    let Some(k) = key_of(obj, &attr) else { return };
    match &path.sub_attr {
        None => {
            obj.remove(&k);
        }
        Some(sub) => {
            let strip = |v: &mut Value| {
                if let Value::Object(o) = v
                    && let Some(sk) = key_of(o, sub)
                {
                    o.remove(&sk);
                }
            };
            match obj.get_mut(&k) {
                Some(Value::Array(items)) => items.iter_mut().for_each(strip),
                Some(v) => strip(v),
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "1",
            "userName": "a",
            "name": {"givenName": "A", "familyName": "B"},
            "emails": [{"value": "a@x", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D", "costCenter": "C"},
            "meta": {"resourceType": "User"}
        })
    }

    #[test]
    fn attributes_keep_only_the_named_ones_plus_always() {
        let p = Projection::new(vec!["USERNAME".into(), "name.givenName".into()], vec![]);
        assert_eq!(
            p.apply(user(), ResourceKind::User),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "1", "userName": "a", "name": {"givenName": "A"}})
        );
        let p = Projection::new(
            vec!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department".into()],
            vec![],
        );
        let v = p.apply(user(), ResourceKind::User);
        assert_eq!(
            v["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            json!({"department": "D"})
        );
    }

    #[test]
    fn excluded_attributes_never_drop_id() {
        let p = Projection::new(
            vec![],
            vec!["id".into(), "emails".into(), "name.familyName".into()],
        );
        let v = p.apply(user(), ResourceKind::User);
        assert_eq!(v["id"], "1");
        assert!(v.get("emails").is_none());
        assert_eq!(v["name"], json!({"givenName": "A"}));
    }
}
