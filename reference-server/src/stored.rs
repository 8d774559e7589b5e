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

/// The layout of a stored text read back from the text (what [`stored`] finds while writing;
/// the tests hold the two together), when the renderer can splice it: an object whose member names
/// have no escapes, in sorted order, holding none of the members rendering derives or drops.
#[cfg(test)]
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
        if holds_extension(map, ext.id) {
            schemas.push(Value::String(ext.id.to_string()));
        }
    }
    Value::Array(schemas)
}

/// The text a resource is stored as (its JSON without `id`, and without `schemas` when that is
/// the derived one) and its [`Layout`], found while the text is written.
pub(crate) fn stored(kind: ResourceKind, data: &Value) -> (Box<str>, Option<Layout>) {
    let Value::Object(map) = data else {
        return (data.to_string().into_boxed_str(), None);
    };
    let drop_schemas = map.get("schemas") == Some(&schemas_of(kind, map));
    match write_members(kind, map, drop_schemas) {
        Ok(written) => written,
        // Writing a JSON value to memory does not fail; if it ever did, the text alone is kept.
        Err(_) => (data.to_string().into_boxed_str(), None),
    }
}

/// Writes `map` as compact JSON (what `serde_json::to_string` writes), noting where each member
/// starts, and lays the text out by the rules of [`layout_of`].
fn write_members(
    kind: ResourceKind,
    map: &Map<String, Value>,
    drop_schemas: bool,
) -> serde_json::Result<(Box<str>, Option<Layout>)> {
    let mut out = Vec::with_capacity(512);
    out.push(b'{');
    let mut spliceable = true;
    let mut at = [0usize; 4];
    let mut filled = 0;
    let mut previous: Option<&str> = None;
    let mut schemas_stored = false;
    for (key, value) in map {
        if key == "id" || (drop_schemas && key == "schemas") {
            continue;
        }
        schemas_stored |= key == "schemas";
        if out.len() > 1 {
            out.push(b',');
        }
        let offset = out.len();
        serde_json::to_writer(&mut out, key)?;
        // A name with escapes, a member rendering drops or derives, or names out of order: the
        // renderer reads such a text instead of splicing it.
        let escaped = out.len() - offset != key.len() + 2;
        let out_of_order = previous.is_some_and(|p| p >= key.as_str());
        if escaped || out_of_order || matches!(key.as_str(), "password" | "meta" | "groups") {
            spliceable = false;
        }
        previous = Some(key);
        while filled < DERIVED.len() && key.as_str() > DERIVED[filled] {
            at[filled] = offset;
            filled += 1;
        }
        out.push(b':');
        serde_json::to_writer(&mut out, value)?;
    }
    let closing = out.len();
    out.push(b'}');
    let text_len = out.len();
    at[filled..].fill(closing);
    let layout = if spliceable {
        layout_at(kind, map, at, text_len, schemas_stored)
    } else {
        None
    };
    let text = String::from_utf8(out)
        .map_err(|e| serde::ser::Error::custom(format!("a written text is not UTF-8: {e}")))?;
    Ok((text.into_boxed_str(), layout))
}

/// The [`Layout`] of a spliceable text of `text_len` bytes whose derived members go at `at`.
fn layout_at(
    kind: ResourceKind,
    map: &Map<String, Value>,
    at: [usize; 4],
    text_len: usize,
    schemas_stored: bool,
) -> Option<Layout> {
    // The whole text, as layout_of counts it (64 KiB or more has no layout).
    u16::try_from(text_len).ok()?;
    let mut offsets = [0u16; 4];
    for (slot, offset) in offsets.iter_mut().zip(at) {
        *slot = u16::try_from(offset).ok()?;
    }
    let mut extensions = 0u8;
    for (i, ext) in kind.extensions().iter().enumerate().take(8) {
        if holds_extension(map, ext.id) {
            extensions |= 1 << i;
        }
    }
    Some(Layout {
        at: offsets,
        schemas_derived: !schemas_stored,
        extensions,
    })
}

/// Whether `map` holds a non-empty object for the extension `id` (what puts it in `schemas`).
fn holds_extension(map: &Map<String, Value>, id: &str) -> bool {
    map.get(id)
        .is_some_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// What a stored text must be: the resource's compact JSON without `id`, and without
    /// `schemas` when that is the derived one.
    fn expected_text(kind: ResourceKind, data: &Value) -> String {
        let mut map = data.as_object().unwrap().clone();
        map.remove("id");
        if map.get("schemas") == Some(&schemas_of(kind, &map)) {
            map.remove("schemas");
        }
        serde_json::to_string(&map).unwrap()
    }

    #[test]
    fn the_layout_found_while_writing_is_the_one_read_back() {
        let core = "urn:ietf:params:scim:schemas:core:2.0:User";
        let resources = [
            json!({"id": "1", "userName": "a@example.com", "active": true}),
            json!({"schemas": [core], "userName": "b", "name": {"givenName": "B"}}),
            json!({"schemas": [core, ENTERPRISE], "userName": "c", ENTERPRISE: {"employeeNumber": "7"}}),
            json!({"schemas": [core], "userName": "d", ENTERPRISE: {}}),
            json!({"schemas": ["urn:example:other"], "userName": "e"}),
            json!({"userName": "f", "a\"quoted": 1}),
            json!({"userName": "g", "groups": [{"value": "x"}]}),
            json!({"userName": "h", "meta": {"version": "W/\"1\""}}),
            json!({"userName": "i", "password": "secret"}),
            json!({"aaa": 1, "zzz": {"x": [1, 2, "é\u{1}"]}, "userName": "j"}),
            json!({}),
            json!({"userName": "k", "big": "x".repeat(70_000)}),
            // `{"big":"…","userName":"k"}` is 25 bytes and the x's: 65,535 and 65,536 bytes, at
            // the edge of what two bytes an offset hold.
            json!({"userName": "k", "big": "x".repeat(65_510)}),
            json!({"userName": "k", "big": "x".repeat(65_511)}),
        ];
        for data in &resources {
            let (text, layout) = stored(ResourceKind::User, data);
            assert_eq!(&*text, expected_text(ResourceKind::User, data), "{data}");
            assert_eq!(layout, layout_of(ResourceKind::User, &text), "{data}");
        }
        // The cases that must not be spliced are not; the plain ones are.
        let spliced: Vec<bool> = resources
            .iter()
            .map(|d| stored(ResourceKind::User, d).1.is_some())
            .collect();
        assert_eq!(
            spliced,
            [
                true, true, true, true, true, false, false, false, false, true, true, false, true,
                false
            ]
        );
    }
}
