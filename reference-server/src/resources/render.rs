//! A stored resource as it is answered: the stored attributes with `id`, `meta` and, for users,
//! `groups` derived (and `schemas` when the store left it out as derivable). Every answer that
//! carries a resource goes through here, so the common case, no projection, is written straight
//! from the stored text: the top-level keys are found without parsing the values, and the
//! derived attributes are written in between in the sorted key order a parsed resource is
//! written in, without building a tree or a string for any of them.

use std::io::Write as _;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::{Value, json};

use crate::projection::Projection;
use crate::schema::ResourceKind;
use crate::store::{DERIVED, Record, Store, TopLevel, extension_bits};
use crate::variants::{Variant, Variants};

/// A stored resource as it is answered, as a tree: `meta` and, for users, `groups` derived. The
/// `no-etags` variant leaves out `meta.version`, the `no-groups-attribute` variant a user's
/// `groups`.
pub fn render(store: &Store, kind: ResourceKind, record: &Record, variants: &Variants) -> Value {
    let mut data = record.data();
    data["meta"] = record.meta(kind, store.base_url(), !variants.has(Variant::NoEtags));
    if kind == ResourceKind::User && !variants.has(Variant::NoGroupsAttribute) {
        let groups = user_groups(store, &record.id);
        if !groups.is_empty() {
            data["groups"] = Value::Array(groups);
        }
    }
    data
}

/// A user's `groups`, derived from the membership index.
fn user_groups(store: &Store, user_id: &str) -> Vec<Value> {
    store
        .groups_of(user_id)
        .into_iter()
        .map(|(gid, name)| {
            json!({
                "value": gid,
                "display": name,
                "$ref": format!("{}/Groups/{gid}", store.base_url()),
                "type": "direct",
            })
        })
        .collect()
}

/// A stored resource as it is answered, written as JSON (the bytes [`render`] would be written
/// as, projected by `projection`).
pub fn rendered_bytes(
    store: &Store,
    kind: ResourceKind,
    record: &Record,
    projection: &Projection,
    variants: &Variants,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(record.json().len() + 320);
    write_rendered(&mut out, store, kind, record, projection, variants);
    out
}

/// [`rendered_bytes`], appended to `out`.
pub fn write_rendered(
    out: &mut Vec<u8>,
    store: &Store,
    kind: ResourceKind,
    record: &Record,
    projection: &Projection,
    variants: &Variants,
) {
    if !projection.is_identity() {
        let value = projection.apply(render(store, kind, record, variants), kind);
        let _ = serde_json::to_writer(out, &value);
        return;
    }
    let groups = kind == ResourceKind::User
        && !variants.has(Variant::NoGroupsAttribute)
        && store.has_groups(&record.id);
    let derived = |schemas_derived: bool, extensions: u8| Derived {
        store,
        kind,
        record,
        with_version: !variants.has(Variant::NoEtags),
        extensions,
        // Which of DERIVED are written.
        due: [groups, true, true, schemas_derived],
    };
    if let Some(layout) = record.layout() {
        // The text's members between the places the derived ones go, copied as they are.
        let derived = derived(layout.schemas_derived, layout.extensions);
        let json = record.json();
        let mut members = Members::new(out);
        let mut cursor = 1;
        for (i, at) in layout.at.iter().enumerate() {
            let at = *at as usize;
            members.copy(&json[cursor..at]);
            cursor = at;
            derived.write(&mut members, i);
        }
        members.copy(&json[cursor..json.len() - 1]);
        members.finish();
        return;
    }
    let Ok(TopLevel(mut top)) = serde_json::from_str::<TopLevel>(record.json()) else {
        let _ = serde_json::to_writer(out, &render(store, kind, record, variants));
        return;
    };
    if !top.is_sorted_by(|a, b| a.0 <= b.0) {
        top.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let extensions = extension_bits(kind, &top);
    let derived = derived(!top.iter().any(|(k, _)| k == "schemas"), extensions);
    let mut members = Members::new(out);
    let mut next = 0;
    for (key, raw) in &top {
        if matches!(key.as_ref(), "password" | "meta" | "groups" | "id") {
            continue;
        }
        while next < DERIVED.len() && DERIVED[next] < key.as_ref() {
            derived.write(&mut members, next);
            next += 1;
        }
        let out = members.next();
        write_str(out, key);
        out.push(b':');
        out.extend_from_slice(raw.get().as_bytes());
    }
    while next < DERIVED.len() {
        derived.write(&mut members, next);
        next += 1;
    }
    members.finish();
}

/// An object being written, member by member.
struct Members<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Members<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Members { out, first: true }
    }

    /// The buffer, ready for the next member.
    fn next(&mut self) -> &mut Vec<u8> {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        self.out
    }

    /// Members as written in a stored text (`"a":1,"b":2`, with or without a trailing comma).
    fn copy(&mut self, text: &str) {
        let text = text.strip_suffix(',').unwrap_or(text);
        if !text.is_empty() {
            self.next().extend_from_slice(text.as_bytes());
        }
    }

    fn finish(self) {
        self.out.push(b'}');
    }
}

/// The attributes a stored resource does not hold, written as `"name":value`.
struct Derived<'a> {
    store: &'a Store,
    kind: ResourceKind,
    record: &'a Record,
    with_version: bool,
    /// The extensions held, one bit each (for `schemas`).
    extensions: u8,
    /// Which of [`DERIVED`] are written.
    due: [bool; 4],
}

impl Derived<'_> {
    /// Writes the `i`th of [`DERIVED`], if it is due.
    fn write(&self, members: &mut Members<'_>, i: usize) {
        if !self.due[i] {
            return;
        }
        let out = members.next();
        let base = self.store.base_url();
        let record = self.record;
        match DERIVED[i] {
            "groups" => {
                out.extend_from_slice(b"\"groups\":[");
                for (i, (gid, display)) in self.store.groups_of(&record.id).iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    // The keys in sorted order, as a parsed map is written.
                    out.extend_from_slice(b"{\"$ref\":");
                    write_joined(out, &[base, "/Groups/", gid]);
                    out.extend_from_slice(b",\"display\":");
                    write_str(out, display);
                    out.extend_from_slice(b",\"type\":\"direct\",\"value\":");
                    write_str(out, gid);
                    out.push(b'}');
                }
                out.push(b']');
            }
            "id" => {
                out.extend_from_slice(b"\"id\":");
                write_str(out, &record.id);
            }
            "meta" => {
                out.extend_from_slice(b"\"meta\":{\"created\":");
                let created = out.len();
                write_timestamp(out, record.created);
                let created = created..out.len();
                out.extend_from_slice(b",\"lastModified\":");
                if record.last_modified == record.created {
                    // Never written since: the same text again.
                    out.extend_from_within(created);
                } else {
                    write_timestamp(out, record.last_modified);
                }
                out.extend_from_slice(b",\"location\":");
                write_joined(out, &[base, self.kind.endpoint(), "/", &record.id]);
                out.extend_from_slice(b",\"resourceType\":");
                write_str(out, self.kind.name());
                if self.with_version {
                    let _ = write!(out, ",\"version\":\"W/\\\"{}\\\"\"", record.version);
                }
                out.push(b'}');
            }
            _ => {
                // The rule of store::schemas_of: the core schema, then each extension the
                // resource holds a non-empty object for.
                out.extend_from_slice(b"\"schemas\":[");
                write_str(out, self.kind.core_schema().id);
                for (i, ext) in self.kind.extensions().iter().enumerate().take(8) {
                    if self.extensions & (1 << i) != 0 {
                        out.push(b',');
                        write_str(out, ext.id);
                    }
                }
                out.push(b']');
            }
        }
    }
}

/// A JSON string, escaped as serde_json escapes it.
fn write_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(out, s);
}

/// The pieces joined, as one JSON string.
fn write_joined(out: &mut Vec<u8>, pieces: &[&str]) {
    // JSON escapes one character at a time, so pieces that need none are written as they are.
    let plain = |p: &&str| !p.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
    if pieces.iter().all(plain) {
        out.push(b'"');
        for p in pieces {
            out.extend_from_slice(p.as_bytes());
        }
        out.push(b'"');
    } else {
        write_str(out, &pieces.concat());
    }
}

/// `2026-01-02T03:04:05.678Z`, as `to_rfc3339_opts(Millis, true)` writes it.
fn write_timestamp(out: &mut Vec<u8>, t: DateTime<Utc>) {
    let nanos = t.nanosecond();
    if (0..=9999).contains(&t.year()) && nanos < 1_000_000_000 {
        out.push(b'"');
        write_rfc3339(out, t, 3);
        out.push(b'"');
    } else {
        write_str(out, &t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
}

/// `2026-01-02T03:04:05` then `.` and the first `digits` digits of the fraction, then `Z`, for
/// a year of four digits and a time that is not a leap second (what `Utc::now()` gives).
pub(crate) fn write_rfc3339(out: &mut Vec<u8>, t: DateTime<Utc>, digits: u32) {
    fn pad(out: &mut Vec<u8>, n: u32, width: u32) {
        for i in (0..width).rev() {
            out.push(b'0' + (n / 10u32.pow(i) % 10) as u8);
        }
    }
    // The fields of the naive time: each accessor of a DateTime converts it again.
    let t = t.naive_utc();
    pad(out, t.year().unsigned_abs(), 4);
    out.push(b'-');
    pad(out, t.month(), 2);
    out.push(b'-');
    pad(out, t.day(), 2);
    out.push(b'T');
    pad(out, t.hour(), 2);
    out.push(b':');
    pad(out, t.minute(), 2);
    out.push(b':');
    pad(out, t.second(), 2);
    out.push(b'.');
    pad(out, t.nanosecond() / 10u32.pow(9 - digits), digits);
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_are_written_as_rfc3339_with_milliseconds() {
        for t in [
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            Utc.timestamp_opt(1_765_000_000, 7_891_234).unwrap(),
            Utc.timestamp_opt(0, 999_999_999).unwrap(),
        ] {
            let mut out = Vec::new();
            write_timestamp(&mut out, t);
            let expected =
                serde_json::to_string(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected);
            let mut out = Vec::new();
            write_rfc3339(&mut out, t, 6);
            let expected = t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }

    /// The written bytes are exactly those of the rendered tree, for every shape a stored
    /// resource takes.
    #[test]
    fn written_resources_equal_the_rendered_tree() {
        for base in ["http://127.0.0.1:1/scim/v2", "http://h/a\"b\\c"] {
            written_resources_equal_the_rendered_tree_under(base);
        }
    }

    fn written_resources_equal_the_rendered_tree_under(base: &str) {
        use crate::store::StorePolicy;
        let mut store = Store::new(base, StorePolicy::default());
        let ext = crate::schema::ENTERPRISE_USER_SCHEMA;
        let users = [
            json!({"userName": "a@x.com", "active": true, "name": {"givenName": "A"}}),
            json!({"userName": "b\"q\u{e9}\u{1}@x.com", "emails": [{"value": "b@x.com", "primary": true}]}),
            json!({"userName": "c@x.com", ext: {"employeeNumber": "7"}, "zeta": 1, "Alpha": 2}),
            json!({"userName": "d@x.com", ext: {}}),
            json!({"userName": "e@x.com", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:other"]}),
            // A member name with an escape: the text is read, not spliced.
            json!({"userName": "f@x.com", "we\"ird": 1, "zz": {}}),
        ];
        let mut ids = Vec::new();
        for u in users {
            let map = u.as_object().cloned().unwrap();
            ids.push(store.insert(ResourceKind::User, map).unwrap().id.clone());
        }
        // One written again: its lastModified is not its created.
        std::thread::sleep(std::time::Duration::from_millis(2));
        let again = json!({"userName": "a@x.com", "active": false});
        store
            .replace(
                ResourceKind::User,
                &ids[0],
                again.as_object().cloned().unwrap(),
            )
            .unwrap();
        for (name, members) in [
            ("Team \"One\"", &ids[..2]),
            ("Two", &ids[..1]),
            ("Empty", &ids[..0]),
        ] {
            let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
            let map = json!({"displayName": name, "members": members})
                .as_object()
                .cloned()
                .unwrap();
            store.insert(ResourceKind::Group, map).unwrap();
        }
        let variant_sets: [Variants; 3] = [
            Variants::default(),
            [Variant::NoEtags].into_iter().collect(),
            [Variant::NoGroupsAttribute].into_iter().collect(),
        ];
        let mut checked = 0;
        for kind in [ResourceKind::User, ResourceKind::Group] {
            for record in store.iter(kind) {
                for variants in &variant_sets {
                    let tree = serde_json::to_vec(&render(&store, kind, record, variants)).unwrap();
                    let written =
                        rendered_bytes(&store, kind, record, &Projection::default(), variants);
                    assert_eq!(
                        String::from_utf8(written).unwrap(),
                        String::from_utf8(tree).unwrap()
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 9 * 3);
        let spliced = store
            .iter(ResourceKind::User)
            .filter(|r| r.layout().is_some())
            .count();
        assert_eq!(
            spliced, 5,
            "every user but the one with an escaped name is spliced"
        );
    }

    #[test]
    fn member_names_with_escapes_are_read() {
        let TopLevel(members) = serde_json::from_str(r#"{"a\"b":1,"plain":{"x":[1,2]}}"#).unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].0, "a\"b");
        assert_eq!(members[1].1.get(), r#"{"x":[1,2]}"#);
    }
}
