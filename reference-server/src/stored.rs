//! The text a resource is stored as, and what is known of it when it is written: compact JSON
//! without `id` (and without `schemas` when it is the derived one), and where the members
//! rendering derives go in it ([`Layout`]), so that an answer is copied from it in pieces.

use serde_json::{Map, Value};

use crate::schema::ResourceKind;

/// Where the members a stored resource does not hold go in its text, so that an answer is
/// spliced from the text without reading it again (resources::render).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// For `groups`, `id`, `meta` and `schemas`, in that (sorted) order: the byte offset of the
    /// first stored member whose name sorts after it, or of the closing brace. (A text of
    /// 64 KiB or more has no layout: two bytes an offset keep the record small.)
    pub at: [u16; 4],
    /// Whether `schemas` is derived ([`schemas_of`]) rather than stored.
    pub schemas_derived: bool,
    /// The kind's extensions the resource holds a non-empty object for, one bit each, in the
    /// order of [`ResourceKind::extensions`].
    pub extensions: u8,
}

/// The names of the members rendering derives, in sorted order.
pub const DERIVED: [&str; 4] = ["groups", "id", "meta", "schemas"];

/// The top-level members of a stored text, their values left as text.
pub struct TopLevel<'a>(pub Vec<(std::borrow::Cow<'a, str>, &'a serde_json::value::RawValue)>);

impl<'de> serde::Deserialize<'de> for TopLevel<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{MapAccess, Visitor};
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = TopLevel<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(16);
                while let Some(Key(key)) = map.next_key()? {
                    members.push((key, map.next_value()?));
                }
                Ok(TopLevel(members))
            }
        }
        d.deserialize_map(Members)
    }
}

/// A member name, borrowed from the text unless it has escapes.
struct Key<'a>(std::borrow::Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Visitor;
        struct Name;
        impl<'de> Visitor<'de> for Name {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Key(std::borrow::Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Key(std::borrow::Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(Name)
    }
}

/// The extensions `members` holds a non-empty object for, one bit each.
pub fn extension_bits(
    kind: ResourceKind,
    members: &[(std::borrow::Cow<'_, str>, &serde_json::value::RawValue)],
) -> u8 {
    let mut bits = 0u8;
    for (i, ext) in kind.extensions().iter().enumerate().take(8) {
        let held = members
            .iter()
            .any(|(k, raw)| k == ext.id && raw.get().starts_with('{') && raw.get() != "{}");
        if held {
            bits |= 1 << i;
        }
    }
    bits
}

/// The layout of a stored text, when the renderer can splice it: an object whose member names
/// have no escapes, in sorted order, holding none of the members rendering derives or drops.
pub(crate) fn layout_of(kind: ResourceKind, json: &str) -> Option<Layout> {
    let members: TopLevel<'_> = serde_json::from_str(json).ok()?;
    if json.len() > usize::from(u16::MAX) || !json.ends_with('}') {
        return None;
    }
    let mut offsets = Vec::with_capacity(members.0.len());
    for (key, _) in &members.0 {
        let std::borrow::Cow::Borrowed(name) = key else {
            return None;
        };
        if matches!(*name, "password" | "meta" | "groups" | "id") {
            return None;
        }
        // The name is borrowed from `json`, just after its opening quote.
        let at = (name.as_ptr() as usize).checked_sub(json.as_ptr() as usize + 1)?;
        if json.as_bytes().get(at) != Some(&b'"') {
            return None;
        }
        offsets.push((*name, at));
    }
    if !offsets.windows(2).all(|w| w[0].0 < w[1].0) {
        return None;
    }
    let closing = json.len() - 1;
    let mut at = [0u16; 4];
    for (slot, derived) in at.iter_mut().zip(DERIVED) {
        let offset = offsets
            .iter()
            .find(|(name, _)| *name > derived)
            .map_or(closing, |(_, offset)| *offset);
        *slot = u16::try_from(offset).ok()?;
    }
    Some(Layout {
        at,
        schemas_derived: !members.0.iter().any(|(k, _)| k == "schemas"),
        extensions: extension_bits(kind, &members.0),
    })
}

/// The `schemas` a stored resource has: the core schema, then each extension it holds (the
/// rule every write settles `schemas` by, resources::validate).
pub fn schemas_of(kind: ResourceKind, map: &Map<String, Value>) -> Value {
    let mut schemas = vec![Value::String(kind.core_schema().id.to_string())];
    for ext in kind.extensions() {
        if map
            .get(ext.id)
            .is_some_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        {
            schemas.push(Value::String(ext.id.to_string()));
        }
    }
    Value::Array(schemas)
}

/// The text a resource is stored as: its JSON without `id`.
pub(crate) fn stored_text(kind: ResourceKind, data: &Value) -> Box<str> {
    /// The map without the keys that are kept or derived elsewhere, written without a copy.
    struct Stored<'a> {
        map: &'a Map<String, Value>,
        drop_schemas: bool,
    }
    impl serde::Serialize for Stored<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut out = s.serialize_map(None)?;
            for (k, v) in self.map {
                if k == "id" || (self.drop_schemas && k == "schemas") {
                    continue;
                }
                out.serialize_entry(k, v)?;
            }
            out.end()
        }
    }
    match data {
        Value::Object(map) => {
            let drop_schemas = map.get("schemas") == Some(&schemas_of(kind, map));
            serde_json::to_string(&Stored { map, drop_schemas })
                .unwrap_or_default()
                .into_boxed_str()
        }
        other => other.to_string().into_boxed_str(),
    }
}
