//! The in-memory resource store.
//!
//! Resources are kept as JSON in insertion order (a sequence number per resource), so paging is
//! stable whatever `count` is. Indexes make Okta's filter-before-create O(1): users by id,
//! lowercased userName and externalId (not unique, so a set of ids per value); groups by id and
//! lowercased displayName. Derived attributes are not stored: `meta` is built from the record's
//! timestamps and version, and a user's `groups` from a reverse membership index, so neither can
//! drift (including after a group is deleted), and 100,000 users stay small.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::errors::ScimError;
use crate::fold::fold;
use crate::schema::ResourceKind;
use crate::stored::stored;
pub use crate::stored::{DERIVED, Layout, TopLevel, extension_bits, schemas_of};

/// One stored resource.
#[derive(Debug, Clone)]
pub struct Record {
    /// The server-assigned id.
    pub id: Box<str>,
    /// Insertion order.
    pub seq: u64,
    /// Bumped on every write; the ETag is `W/"<version>"`.
    pub version: u64,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it was last written.
    pub last_modified: DateTime<Utc>,
    /// userName (users) or displayName (groups), kept apart for the hot paths.
    pub name: Box<str>,
    /// `active`, when the resource has it.
    pub active: Option<bool>,
    /// Users or groups.
    pub kind: ResourceKind,
    /// The stored attributes as compact JSON (canonical names; `id`, and `schemas` when it is the
    /// one [`schemas_of`] derives, left out; `meta` and a user's `groups` are derived when the
    /// resource is rendered). A few hundred bytes a user, where a parsed tree of small maps costs
    /// several kilobytes.
    json: Box<str>,
    /// Where the derived members go in `json`, found when it is written; `None` for a text the
    /// renderer has to read (a member name with escapes).
    layout: Option<Layout>,
    /// A user's password, salted and hashed; kept with the user, so it goes when the user does.
    password: Option<Box<PasswordHash>>,
}

impl Record {
    /// The stored attributes, parsed.
    pub fn data(&self) -> Value {
        // The text was serialized from a Value by this module, so it parses.
        let mut data: Value = serde_json::from_str(&self.json).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut data {
            map.insert("id".into(), Value::String(self.id.to_string()));
            if !map.contains_key("schemas") {
                let schemas = schemas_of(self.kind, map);
                map.insert("schemas".into(), schemas);
            }
        }
        data
    }

    /// The stored attributes as compact JSON text, keys sorted, without `id` (kept beside it, in
    /// [`Record::id`]) and without a derivable `schemas` ([`schemas_of`]): 100 bytes a user
    /// less.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Where the derived members go in [`Record::json`], when it can be spliced.
    pub fn layout(&self) -> Option<&Layout> {
        self.layout.as_ref()
    }

    /// Records the password as a salted hash; the clear text is dropped by the caller.
    pub fn set_password(&mut self, password: &str) {
        self.password = Some(Box::new(PasswordHash::new(password)));
    }

    /// Whether `password` is this resource's password (for tests: proves it is kept, hashed).
    pub fn password_matches(&self, password: &str) -> bool {
        self.password
            .as_deref()
            .is_some_and(|h| PasswordHash::digest(&h.salt, password) == h.digest)
    }

    /// Whether `active` is `false`.
    pub fn is_inactive(&self) -> bool {
        self.active == Some(false)
    }

    /// The ETag of this version.
    pub fn etag(&self) -> String {
        etag(self.version)
    }

    /// The `meta` attribute; `with_version: false` leaves out `meta.version` (the `no-etags`
    /// variant: a server without versioning).
    pub fn meta(&self, kind: ResourceKind, base_url: &str, with_version: bool) -> Value {
        let mut meta = json!({
            "resourceType": kind.name(),
            "created": timestamp(self.created),
            "lastModified": timestamp(self.last_modified),
            "location": format!("{base_url}{}/{}", kind.endpoint(), self.id),
        });
        if with_version {
            meta["version"] = json!(self.etag());
        }
        meta
    }
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The ETag for a version number.
pub fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

#[derive(Debug, Default)]
struct Table {
    /// Boxed: a B-tree filled in ascending order keeps its nodes about half full, and a node of
    /// pointers wastes less than a node of records (about 60 bytes a resource).
    by_seq: BTreeMap<u64, Box<Record>>,
    /// By [`id_key`]: the id's value, not a copy of its text.
    seq_of: HashMap<u128, u64>,
}

impl Table {
    fn seq(&self, id: &str) -> Option<u64> {
        id_key(id).and_then(|key| self.seq_of.get(&key).copied())
    }
    fn get(&self, id: &str) -> Option<&Record> {
        self.seq(id).and_then(|s| self.by_seq.get(&s)).map(|r| &**r)
    }
    fn get_mut(&mut self, id: &str) -> Option<&mut Record> {
        match self.seq(id) {
            Some(s) => self.by_seq.get_mut(&s).map(|r| &mut **r),
            None => None,
        }
    }
}

/// The key the id index holds for an id as this store writes it: the 128 bits of a version-4
/// UUID in its canonical form (36 characters, lowercase, hyphenated), or the number of an
/// integer id (the integer-ids variant) without leading zeros. Any other text has no key, so it
/// names no resource: another spelling of the same UUID or number (ids are compared exactly,
/// RFC 7643 §3.1, caseExact), and a UUID of another version, which this store never writes (so
/// `00000000-0000-0000-0000-000000000001` is not another name of the integer id `1`: a
/// version-4 UUID is at least 2^76, and the two kinds of key never meet). Keyed by value, the
/// index holds no copy of the id's text (about 40 bytes a resource) and never reads one to
/// rehash.
fn id_key(id: &str) -> Option<u128> {
    if id.len() == 36 {
        if id.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        // At 36 characters, only the hyphenated form parses.
        return uuid::Uuid::try_parse(id)
            .ok()
            .filter(|u| u.get_version_num() == 4)
            .map(|u| u.as_u128());
    }
    let canonical_number = !id.is_empty()
        && id.len() <= 20
        && id.bytes().all(|b| b.is_ascii_digit())
        && (id == "0" || !id.starts_with('0'));
    if !canonical_number {
        return None;
    }
    id.parse::<u64>().ok().map(u128::from)
}

/// A resource made ready to store without the store, so that the store is locked only to put it
/// in ([`Store::insert_new`]): its stored text written, its password hashed.
#[derive(Debug)]
pub struct NewResource {
    kind: ResourceKind,
    /// The attributes, for the uniqueness check and the indexes.
    data: Value,
    json: Box<str>,
    layout: Option<Layout>,
    name: String,
    active: Option<bool>,
    password: Option<Box<PasswordHash>>,
}

impl NewResource {
    /// `attrs` (already canonical and checked) as a new resource of `kind`.
    pub fn new(kind: ResourceKind, mut attrs: Map<String, Value>) -> Self {
        // `id` is kept beside the stored text, not in it; `meta` is derived.
        attrs.remove("meta");
        let data = Value::Object(attrs);
        let (name, active) = hot_fields(kind, &data);
        let (json, layout) = stored(kind, &data);
        NewResource {
            kind,
            data,
            json,
            layout,
            name,
            active,
            password: None,
        }
    }

    /// With a user's password, kept as a salted hash.
    pub fn with_password(mut self, password: &str) -> Self {
        self.password = Some(Box::new(PasswordHash::new(password)));
        self
    }
}

/// A salted SHA-256 of a password: enough to show it was set, never the clear text.
#[derive(Debug, Clone)]
struct PasswordHash {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl PasswordHash {
    fn new(password: &str) -> Self {
        let salt: [u8; 16] = rand::random();
        PasswordHash {
            salt,
            digest: PasswordHash::digest(&salt, password),
        }
    }

    fn digest(salt: &[u8; 16], password: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(salt);
        hasher.update(password.as_bytes());
        hasher.finalize().into()
    }
}

/// How uniqueness is enforced (faults relax it).
#[derive(Debug, Clone, Copy, Default)]
pub struct StorePolicy {
    /// Index userName exactly as stored instead of lowercased (the case-sensitive filter fault).
    pub case_sensitive_user_names: bool,
    /// Let a second user with the same userName in (the duplicate-create fault).
    pub allow_duplicate_user_names: bool,
    /// Assign ids `"1"`, `"2"`, … instead of UUIDs (the integer-ids variant): the insertion
    /// sequence number, one counter for users and groups, so an id names one resource across
    /// both types (RFC 7643 §3.1) and is never reused after a delete.
    pub integer_ids: bool,
}

/// All users and groups of one server.
#[derive(Debug)]
pub struct Store {
    base_url: String,
    policy: StorePolicy,
    users: Table,
    groups: Table,
    /// The indexes name a resource by its sequence number (8 bytes), not by a copy of its id:
    /// 100,000 users are then 300 bytes of index each less.
    user_names: HashMap<Box<str>, u64>,
    /// externalId is not unique; almost always one resource a value, so a Vec, not a set.
    user_external_ids: HashMap<Box<str>, Vec<u64>>,
    group_names: HashMap<Box<str>, u64>,
    /// user id → ids of the groups that list it as a member.
    memberships: HashMap<String, BTreeSet<String>>,
    next_seq: u64,
}

impl Store {
    /// An empty store whose resources live under `base_url`.
    pub fn new(base_url: impl Into<String>, policy: StorePolicy) -> Self {
        Store {
            base_url: base_url.into(),
            policy,
            users: Table::default(),
            groups: Table::default(),
            user_names: HashMap::new(),
            user_external_ids: HashMap::new(),
            group_names: HashMap::new(),
            memberships: HashMap::new(),
            next_seq: 1,
        }
    }

    /// The base URL resources are located under.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn table(&self, kind: ResourceKind) -> &Table {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    fn table_mut(&mut self, kind: ResourceKind) -> &mut Table {
        match kind {
            ResourceKind::User => &mut self.users,
            ResourceKind::Group => &mut self.groups,
        }
    }

    /// A resource by id.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Option<&Record> {
        self.table(kind).get(id)
    }

    /// A resource by its sequence number ([`Record::seq`]).
    pub fn at(&self, kind: ResourceKind, seq: u64) -> Option<&Record> {
        self.table(kind).by_seq.get(&seq).map(|r| &**r)
    }

    /// Every resource of a kind, in insertion order.
    pub fn iter(&self, kind: ResourceKind) -> impl Iterator<Item = &Record> {
        self.table(kind).by_seq.values().map(|r| &**r)
    }

    /// How many resources of a kind there are.
    pub fn len(&self, kind: ResourceKind) -> usize {
        self.table(kind).by_seq.len()
    }

    /// Whether there are none of a kind.
    pub fn is_empty(&self, kind: ResourceKind) -> bool {
        self.len(kind) == 0
    }

    /// The index answer for `attr eq value`, where an index covers `attr` (canonical name):
    /// `Some(candidates)` (possibly empty), or `None` when no index applies.
    pub fn lookup_eq(&self, kind: ResourceKind, attr: &str, value: &str) -> Option<Vec<&Record>> {
        let table = self.table(kind);
        if kind == ResourceKind::User && attr == "externalId" {
            let seqs = self.user_external_ids.get(value);
            return Some(
                seqs.into_iter()
                    .flatten()
                    .filter_map(|seq| table.by_seq.get(seq).map(|r| &**r))
                    .collect(),
            );
        }
        let seq = match (kind, attr) {
            (_, "id") => return Some(self.get(kind, value).into_iter().collect()),
            (ResourceKind::User, "userName") => {
                if self.policy.case_sensitive_user_names {
                    self.user_names.get(value).copied()
                } else {
                    self.user_names.get(&*fold(value)).copied()
                }
            }
            (ResourceKind::Group, "displayName") => self.group_names.get(&*fold(value)).copied(),
            _ => return None,
        };
        Some(
            seq.and_then(|seq| table.by_seq.get(&seq).map(|r| &**r))
                .into_iter()
                .collect(),
        )
    }

    /// Whether `user_id` belongs to a group.
    pub fn has_groups(&self, user_id: &str) -> bool {
        self.memberships
            .get(user_id)
            .is_some_and(|ids| ids.iter().any(|gid| self.groups.get(gid).is_some()))
    }

    /// The groups `user_id` belongs to, as `(id, displayName)`, in id order.
    pub fn groups_of(&self, user_id: &str) -> Vec<(&str, &str)> {
        self.memberships
            .get(user_id)
            .map(|ids| {
                ids.iter()
                    .filter_map(|gid| self.groups.get(gid))
                    .map(|g| (&*g.id, &*g.name))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The key `data` has in its kind's unique index (borrowed when folding changes nothing).
    fn unique_key<'a>(&self, kind: ResourceKind, data: &'a Value) -> Option<Cow<'a, str>> {
        let (attr, case_sensitive) = match kind {
            ResourceKind::User => ("userName", self.policy.case_sensitive_user_names),
            ResourceKind::Group => ("displayName", false),
        };
        data.get(attr).and_then(Value::as_str).map(|s| {
            if case_sensitive {
                Cow::Borrowed(s)
            } else {
                fold(s)
            }
        })
    }

    fn check_unique(
        &self,
        kind: ResourceKind,
        data: &Value,
        own_id: Option<&str>,
    ) -> Result<(), ScimError> {
        if kind == ResourceKind::User && self.policy.allow_duplicate_user_names {
            return Ok(());
        }
        let Some(key) = self.unique_key(kind, data) else {
            return Ok(());
        };
        let index = match kind {
            ResourceKind::User => &self.user_names,
            ResourceKind::Group => &self.group_names,
        };
        let own = own_id.and_then(|id| self.table(kind).seq(id));
        match index.get(&*key) {
            Some(&existing) if Some(existing) != own => {
                let (what, attr) = match kind {
                    ResourceKind::User => ("user", "userName"),
                    ResourceKind::Group => ("group", "displayName"),
                };
                let value = data.get(attr).and_then(Value::as_str).unwrap_or_default();
                Err(ScimError::uniqueness(format!(
                    "a {what} with {attr} \"{value}\" already exists ({attr} is unique, compared case-insensitively)"
                )))
            }
            _ => Ok(()),
        }
    }

    fn index(&mut self, kind: ResourceKind, id: &str, seq: u64, data: &Value) {
        let key = self.unique_key(kind, data);
        match kind {
            ResourceKind::User => {
                if let Some(k) = key {
                    self.user_names.insert(boxed(k), seq);
                }
                if let Some(ext) = data.get("externalId").and_then(Value::as_str) {
                    // Almost always one user a value: room for one, not the default four.
                    let seqs = self
                        .user_external_ids
                        .entry(ext.into())
                        .or_insert_with(|| Vec::with_capacity(1));
                    if !seqs.contains(&seq) {
                        seqs.push(seq);
                    }
                }
            }
            ResourceKind::Group => {
                if let Some(k) = key {
                    self.group_names.insert(boxed(k), seq);
                }
                for member in member_ids(data) {
                    self.memberships
                        .entry(member)
                        .or_default()
                        .insert(id.to_string());
                }
            }
        }
    }

    fn unindex(&mut self, kind: ResourceKind, id: &str, seq: u64, data: &Value) {
        let key = self.unique_key(kind, data);
        match kind {
            ResourceKind::User => {
                if let Some(k) = key
                    && self.user_names.get(&*k) == Some(&seq)
                {
                    self.user_names.remove(&*k);
                }
                if let Some(ext) = data.get("externalId").and_then(Value::as_str)
                    && let Some(seqs) = self.user_external_ids.get_mut(ext)
                {
                    seqs.retain(|s| *s != seq);
                    if seqs.is_empty() {
                        self.user_external_ids.remove(ext);
                    }
                }
            }
            ResourceKind::Group => {
                if let Some(k) = key
                    && self.group_names.get(&*k) == Some(&seq)
                {
                    self.group_names.remove(&*k);
                }
                for member in member_ids(data) {
                    if let Some(set) = self.memberships.get_mut(&member) {
                        set.remove(id);
                        if set.is_empty() {
                            self.memberships.remove(&member);
                        }
                    }
                }
            }
        }
    }

    /// Stores a new resource: assigns `id`, enforces uniqueness.
    pub fn insert(
        &mut self,
        kind: ResourceKind,
        attrs: Map<String, Value>,
    ) -> Result<&mut Record, ScimError> {
        self.insert_new(NewResource::new(kind, attrs))
    }

    /// Stores a resource made ready outside the store ([`NewResource`]): assigns `id`, enforces
    /// uniqueness, indexes it.
    pub fn insert_new(&mut self, new: NewResource) -> Result<&mut Record, ScimError> {
        let kind = new.kind;
        self.check_unique(kind, &new.data, None)?;
        // The sequence number is taken only once the resource is known to go in, so integer
        // ids stay consecutive when a create is refused.
        let seq = self.next_seq;
        let (id, key) = if self.policy.integer_ids {
            (seq.to_string(), u128::from(seq))
        } else {
            // From the thread's generator (a CSPRNG seeded by the OS), not a system call per id.
            let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
            (uuid.to_string(), uuid.as_u128())
        };
        debug_assert_eq!(id_key(&id), Some(key));
        self.index(kind, &id, seq, &new.data);
        self.next_seq += 1;
        let now = Utc::now();
        let table = self.table_mut(kind);
        table.seq_of.insert(key, seq);
        let record = table.by_seq.entry(seq).or_insert(Box::new(Record {
            id: id.into(),
            seq,
            version: 1,
            created: now,
            last_modified: now,
            name: new.name.into(),
            active: new.active,
            kind,
            layout: new.layout,
            json: new.json,
            password: new.password,
        }));
        Ok(record)
    }

    /// Replaces the attributes of an existing resource, keeping `id`, the creation time and the
    /// position; bumps the version.
    pub fn replace(
        &mut self,
        kind: ResourceKind,
        id: &str,
        mut attrs: Map<String, Value>,
    ) -> Result<&Record, ScimError> {
        let Some(old) = self.table(kind).get(id) else {
            return Err(not_found(kind, id));
        };
        let old_data = old.data();
        // `id` is kept beside the stored text, not in it.
        attrs.remove("meta");
        let data = Value::Object(attrs);
        self.check_unique(kind, &data, Some(id))?;
        let seq = old.seq;
        self.unindex(kind, id, seq, &old_data);
        self.index(kind, id, seq, &data);
        let record = self
            .table_mut(kind)
            .get_mut(id)
            .ok_or_else(|| not_found(kind, id))?;
        let (name, active) = hot_fields(kind, &data);
        record.name = name.into();
        record.active = active;
        (record.json, record.layout) = stored(kind, &data);
        record.version += 1;
        record.last_modified = Utc::now();
        Ok(record)
    }

    /// Deletes a resource. Deleting a user also removes it from every group's members.
    pub fn delete(&mut self, kind: ResourceKind, id: &str) -> Result<(), ScimError> {
        let table = self.table_mut(kind);
        let Some(seq) = id_key(id).and_then(|key| table.seq_of.remove(&key)) else {
            return Err(not_found(kind, id));
        };
        let Some(record) = table.by_seq.remove(&seq) else {
            return Err(not_found(kind, id));
        };
        self.unindex(kind, id, seq, &record.data());
        // Users and groups alike leave every group that lists them as a member.
        {
            let groups: Vec<String> = self
                .memberships
                .remove(id)
                .map(|s| s.into_iter().collect())
                .unwrap_or_default();
            for gid in groups {
                if let Some(group) = self.groups.get(&gid) {
                    let mut attrs = group.data().as_object().cloned().unwrap_or_default();
                    if let Some(Value::Array(members)) = attrs.get_mut("members") {
                        members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
                    }
                    self.replace(ResourceKind::Group, &gid, attrs)?;
                }
            }
        }
        Ok(())
    }

    /// Records a user's password as a salted hash; the clear text is dropped by the caller.
    pub fn set_password(&mut self, user_id: &str, password: &str) {
        if let Some(user) = self.users.get_mut(user_id) {
            user.set_password(password);
        }
    }

    /// Whether `password` is the user's password (for tests: proves it is kept, hashed).
    pub fn password_matches(&self, user_id: &str, password: &str) -> bool {
        self.users
            .get(user_id)
            .is_some_and(|u| u.password_matches(password))
    }
}

/// An index key of its own, allocated at its size.
fn boxed(key: Cow<'_, str>) -> Box<str> {
    match key {
        Cow::Borrowed(s) => s.into(),
        Cow::Owned(s) => s.into_boxed_str(),
    }
}

fn hot_fields(kind: ResourceKind, data: &Value) -> (String, Option<bool>) {
    let attr = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    (
        data.get(attr)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        data.get("active").and_then(Value::as_bool),
    )
}

/// The `value`s of a group's members.
pub fn member_ids(data: &Value) -> Vec<String> {
    data.get("members")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The 404 for a missing resource.
pub fn not_found(kind: ResourceKind, id: &str) -> ScimError {
    ScimError::not_found(format!("{} {id} not found", kind.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    /// A user named `user_name` put in `store`; its id.
    fn user_id(store: &mut Store, user_name: &str) -> String {
        store
            .insert(ResourceKind::User, attrs(json!({"userName": user_name})))
            .unwrap()
            .id
            .to_string()
    }

    #[test]
    fn user_names_are_unique_case_insensitively_and_indexed() {
        let mut s = Store::new("http://h/scim/v2", StorePolicy::default());
        let id = s
            .insert(
                ResourceKind::User,
                attrs(json!({"userName": "Alice@X.com"})),
            )
            .unwrap()
            .id
            .clone();
        let err = s
            .insert(
                ResourceKind::User,
                attrs(json!({"userName": "alice@x.COM"})),
            )
            .unwrap_err();
        assert_eq!(err.status.as_u16(), 409);
        let hits = s
            .lookup_eq(ResourceKind::User, "userName", "ALICE@x.com")
            .unwrap();
        assert_eq!(hits[0].id, id);
        assert_eq!(hits[0].data()["userName"], "Alice@X.com");
    }

    #[test]
    fn deleting_a_group_clears_user_groups_and_deleting_a_user_clears_members() {
        let mut s = Store::new("http://h", StorePolicy::default());
        let u = s
            .insert(ResourceKind::User, attrs(json!({"userName": "u"})))
            .unwrap()
            .id
            .clone();
        let g = s
            .insert(
                ResourceKind::Group,
                attrs(json!({"displayName": "g", "members": [{"value": u}]})),
            )
            .unwrap()
            .id
            .clone();
        assert_eq!(s.groups_of(&u), vec![(&*g, "g")]);
        s.delete(ResourceKind::User, &u).unwrap();
        assert_eq!(
            s.get(ResourceKind::Group, &g).unwrap().data()["members"],
            json!([])
        );
        let u2 = s
            .insert(ResourceKind::User, attrs(json!({"userName": "u2"})))
            .unwrap()
            .id
            .clone();
        let mut ga = s
            .get(ResourceKind::Group, &g)
            .unwrap()
            .data()
            .as_object()
            .cloned()
            .unwrap();
        ga.insert("members".into(), json!([{"value": u2}]));
        s.replace(ResourceKind::Group, &g, ga).unwrap();
        assert_eq!(s.groups_of(&u2).len(), 1);
        s.delete(ResourceKind::Group, &g).unwrap();
        assert!(s.groups_of(&u2).is_empty());
    }

    #[test]
    fn integer_ids_count_across_users_and_groups_and_skip_refused_creates() {
        let policy = StorePolicy {
            integer_ids: true,
            ..StorePolicy::default()
        };
        let mut s = Store::new("http://h", policy);
        let a = s
            .insert(ResourceKind::User, attrs(json!({"userName": "a"})))
            .unwrap()
            .id
            .clone();
        assert!(
            s.insert(ResourceKind::User, attrs(json!({"userName": "A"})))
                .is_err()
        );
        let g = s
            .insert(ResourceKind::Group, attrs(json!({"displayName": "g"})))
            .unwrap()
            .id
            .clone();
        s.delete(ResourceKind::User, &a).unwrap();
        let b = s
            .insert(ResourceKind::User, attrs(json!({"userName": "b"})))
            .unwrap()
            .id
            .clone();
        assert_eq!((&*a, &*g, &*b), ("1", "2", "3"));
    }

    #[test]
    fn passwords_are_hashed() {
        let mut s = Store::new("http://h", StorePolicy::default());
        let id = user_id(&mut s, "x");
        s.set_password(&id, "secret");
        assert!(s.password_matches(&id, "secret"));
        assert!(!s.password_matches(&id, "other"));
        assert!(!s.password_matches("no-such-user", "secret"));
        assert!(!format!("{s:?}").contains("secret"));
        // The password goes with its user.
        s.delete(ResourceKind::User, &id).unwrap();
        assert!(!s.password_matches(&id, "secret"));
    }

    /// An id is found only as it was written: another spelling of the same UUID or number names
    /// no resource (ids are caseExact).
    #[test]
    fn ids_are_found_only_as_written() {
        let mut s = Store::new("http://h", StorePolicy::default());
        let id = user_id(&mut s, "x");
        assert!(s.get(ResourceKind::User, &id).is_some());
        assert!(s.get(ResourceKind::Group, &id).is_none());
        let simple = id.replace('-', "");
        for other in [
            id.to_uppercase(),
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            simple,
            format!(" {id}"),
        ] {
            assert!(s.get(ResourceKind::User, &other).is_none(), "{other}");
            assert!(s.delete(ResourceKind::User, &other).is_err(), "{other}");
        }

        let mut s = Store::new(
            "http://h",
            StorePolicy {
                integer_ids: true,
                ..StorePolicy::default()
            },
        );
        assert_eq!(user_id(&mut s, "a"), "1");
        assert!(s.get(ResourceKind::User, "1").is_some());
        for other in [
            "01",
            "+1",
            "1.0",
            " 1",
            "0x1",
            "",
            "18446744073709551617",
            // A UUID whose 128 bits are the number 1 is not the id "1".
            "00000000-0000-0000-0000-000000000001",
            "00000000-0000-4000-8000-000000000001",
        ] {
            assert!(s.get(ResourceKind::User, other).is_none(), "{other:?}");
            assert!(s.delete(ResourceKind::User, other).is_err(), "{other:?}");
        }
        assert!(s.get(ResourceKind::User, "1").is_some());
    }
}
