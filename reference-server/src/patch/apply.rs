//! Applying a PatchOp message.
//!
//! Semantics (RFC 7644 §3.5.2), as implemented:
//!
//! * The message needs `schemas` naming the PatchOp URN and a non-empty `Operations` array
//!   (keys matched case-insensitively); each operation needs `op` (`add`, `remove`, `replace`,
//!   any case), an optional string `path`, and a `value` for add and replace.
//! * Paths are parsed by [`crate::filter::parse_patch_path`]; attribute names resolve
//!   case-insensitively through the schema tables. Attributes no schema defines (custom
//!   attributes) are written as given. A path that is exactly an extension URN targets the whole
//!   extension object.
//! * `add`: multi-valued attributes get the new elements appended (an element already present,
//!   or for `members` one with the same `value`, is not added twice); complex attributes get
//!   the given sub-attributes merged; other attributes are set. With a value filter that matches
//!   nothing, an element is created from the filter's `eq` comparisons (Entra's
//!   `emails[type eq "work"].value`), else 400 noTarget.
//! * `replace`: multi-valued attributes are replaced whole (also with `[]`); complex attributes
//!   get the given sub-attributes replaced and the others kept (§3.5.2.3); a value filter that
//!   matches nothing is 400 noTarget; `null` unassigns.
//! * `remove`: needs a path (400 noTarget otherwise); removes the attribute, the sub-attribute,
//!   or the elements a value filter matches (matching nothing is not an error: Okta repeats
//!   removes). A `value` on a remove of a multi-valued attribute removes just those elements
//!   (Entra). A multi-valued attribute a remove leaves without elements is removed (a
//!   `replace` with `[]` stores `[]`, as sent).
//! * Path-less `add`/`replace`: each key of the value object is handled as if it were the path
//!   (plain names, extension URN keys holding objects, fully qualified `urn:…:attr` names and
//!   `name.givenName`-style keys). Read-only attributes in such a value (`id`, `meta`,
//!   `groups`) and `schemas` are ignored silently (Okta's rename sends `id`); an explicit path to
//!   a read-only attribute is 400 mutability.
//! * Removing or nulling a required attribute (`userName`, a group's `displayName`) is 400
//!   invalidValue; changing an immutable sub-attribute value in place (`members[…].value`) is
//!   400 mutability. Replacing or removing whole member elements is ordinary.
//! * After an operation that writes elements, at most one element keeps `primary: true`: the
//!   newly written one.
//! * Values are canonicalized by [`crate::resources::input`] (case of keys, `"False"` strings).
//! * An extension object left empty is removed; an extension that gained attributes is added
//!   to `schemas`, one whose attributes were all removed is taken out of it.
//! * Faults that live here (each a small switch at the spot of the real bug):
//!   `patch-pathless-ignored`, `member-filter-remove-ignored`, `member-filter-remove-wipes`,
//!   `replace-members-empty-ignored`, `rename-rejects-id`, `add-members-replaces`,
//!   `member-requires-type`.
//!
//! Everything happens on a copy: on any error the caller's resource is untouched.

use serde_json::{Map, Value};

use crate::errors::ScimError;
use crate::faults::{Fault, Faults};
use crate::filter::{self, CompValue, CompareOp, Filter};
use crate::resources::input::normalize_named;
use crate::schema::{
    AttrType, AttributeDef, Mutability, PATCH_OP_SCHEMA, ResourceKind, Returned, SchemaDef,
    schema_by_id,
};

/// What the engine needs besides the resource and the message.
#[derive(Debug, Clone, Copy)]
pub struct PatchContext<'a> {
    /// The resource type being patched.
    pub kind: ResourceKind,
    /// Faults switched on (some live in this engine).
    pub faults: &'a Faults,
}

/// Applies the PatchOp message `body` to a copy of `resource` and returns the patched copy.
/// On any error `resource` is untouched: the whole message applies or nothing does.
pub fn apply_patch(
    resource: &Value,
    body: &Value,
    ctx: &PatchContext<'_>,
) -> Result<Value, ScimError> {
    let ops = parse_message(body)?;
    let Value::Object(original) = resource else {
        return Err(ScimError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "the stored resource is not a JSON object",
        ));
    };
    let mut work = original.clone();
    for op in &ops {
        apply_op(&mut work, op, ctx).map_err(|e| op.context(e))?;
    }
    settle_extensions(original, &mut work, ctx.kind);
    Ok(Value::Object(work))
}

// ---------------------------------------------------------------------------------------------
// The message
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Add,
    Remove,
    Replace,
}

impl OpKind {
    fn name(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
        }
    }
}

/// One validated operation of the message.
#[derive(Debug)]
struct Operation<'v> {
    index: usize,
    kind: OpKind,
    path: Option<&'v str>,
    value: Option<&'v Value>,
}

impl Operation<'_> {
    /// Says which operation failed.
    fn context(&self, mut e: ScimError) -> ScimError {
        e.detail = format!(
            "Operations[{}] ({}): {}",
            self.index,
            self.kind.name(),
            e.detail
        );
        e
    }
}

/// A member of a JSON object, the key matched exactly first, then case-insensitively.
fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn parse_message(body: &Value) -> Result<Vec<Operation<'_>>, ScimError> {
    let Value::Object(msg) = body else {
        return Err(ScimError::invalid_syntax(
            "a PATCH body must be a PatchOp message: a JSON object",
        ));
    };
    let names_patch_op = match get_ci(msg, "schemas") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA)),
        _ => false,
    };
    if !names_patch_op {
        return Err(ScimError::invalid_syntax(format!(
            "schemas must be [\"{PATCH_OP_SCHEMA}\"]"
        )));
    }
    let ops = match get_ci(msg, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        Some(Value::Array(_)) => {
            return Err(ScimError::invalid_syntax(
                "Operations is empty; a PatchOp message needs at least one operation",
            ));
        }
        Some(_) => return Err(ScimError::invalid_syntax("Operations must be an array")),
        None => {
            return Err(ScimError::invalid_syntax(
                "Operations is missing from the PatchOp message",
            ));
        }
    };
    ops.iter()
        .enumerate()
        .map(|(index, op)| parse_operation(index, op))
        .collect()
}

fn parse_operation(index: usize, op: &Value) -> Result<Operation<'_>, ScimError> {
    let at = |e: ScimError| ScimError {
        detail: format!("Operations[{index}]: {}", e.detail),
        ..e
    };
    let Value::Object(op) = op else {
        return Err(at(ScimError::invalid_syntax(
            "an operation must be an object with op, path and value",
        )));
    };
    let kind = match get_ci(op, "op") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("add") => OpKind::Add,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("remove") => OpKind::Remove,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("replace") => OpKind::Replace,
        Some(Value::String(s)) => {
            return Err(at(ScimError::invalid_syntax(format!(
                "unknown op \"{s}\"; expected add, remove or replace"
            ))));
        }
        Some(_) => {
            return Err(at(ScimError::invalid_syntax(
                "op must be a string: add, remove or replace",
            )));
        }
        None => return Err(at(ScimError::invalid_syntax("op is missing"))),
    };
    let path = match get_ci(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(at(ScimError::invalid_path("path must be a string"))),
    };
    let value = get_ci(op, "value");
    if value.is_none() && kind != OpKind::Remove {
        return Err(at(ScimError::invalid_value(format!(
            "a {} operation requires a value",
            kind.name()
        ))));
    }
    Ok(Operation {
        index,
        kind,
        path,
        value,
    })
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

/// A set of attributes addressed as one object: the core attributes, or one extension.
#[derive(Debug, Clone, Copy)]
enum Scope {
    Core,
    Extension(&'static SchemaDef),
}

/// Where an attribute lives in the stored resource.
#[derive(Debug, Clone)]
struct Slot {
    /// Top-level key of the object holding it (an extension URN); `None` for the top level.
    container: Option<String>,
    /// The attribute's key: the canonical name for known attributes, as written otherwise.
    key: String,
    /// The definition, `None` for attributes no schema defines.
    def: Option<&'static AttributeDef>,
}

/// A sub-attribute named by a path.
#[derive(Debug, Clone)]
struct SubSlot {
    key: String,
    def: Option<&'static AttributeDef>,
}

/// An attribute, or part of one, that an operation works on.
#[derive(Debug, Clone)]
struct AttrTarget {
    slot: Slot,
    filter: Option<Filter>,
    sub: Option<SubSlot>,
}

#[derive(Debug)]
enum Target {
    Object(Scope),
    Attr(AttrTarget),
}

/// Stands in for the definition of a multi-valued attribute no schema defines, so value
/// filters on custom attributes can be evaluated.
static UNKNOWN_MULTI: AttributeDef = AttributeDef {
    name: "",
    kind: AttrType::Complex,
    multi_valued: true,
    required: false,
    case_exact: false,
    mutability: Mutability::ReadWrite,
    returned: Returned::Default,
    uniqueness: "none",
    sub_attributes: &[],
    canonical_values: &[],
    reference_types: &[],
    description: "an attribute no schema defines",
};

impl AttrTarget {
    fn label(&self) -> String {
        let mut s = self.slot.key.clone();
        if let Some(sub) = &self.sub {
            s.push('.');
            s.push_str(&sub.key);
        }
        s
    }

    /// The read-only attribute or sub-attribute this target names, if any.
    fn read_only(&self) -> Option<String> {
        if self.slot.def.is_some_and(AttributeDef::is_read_only) {
            return Some(self.slot.key.clone());
        }
        if self
            .sub
            .as_ref()
            .and_then(|s| s.def)
            .is_some_and(AttributeDef::is_read_only)
        {
            return Some(self.label());
        }
        None
    }
}

fn invalid_path(path: &str, why: impl std::fmt::Display) -> ScimError {
    ScimError::invalid_path(format!("invalid path \"{path}\": {why}"))
}

/// Resolves a `path` attribute.
fn resolve_path(path: &str, kind: ResourceKind) -> Result<Target, ScimError> {
    let trimmed = path.trim();
    if let Some(ext) = kind.extension(trimmed) {
        return Ok(Target::Object(Scope::Extension(ext)));
    }
    if trimmed.eq_ignore_ascii_case(kind.core_schema().id) {
        return Ok(Target::Object(Scope::Core));
    }
    let parsed = filter::parse_patch_path(path).map_err(|e| invalid_path(path, e))?;
    let sub_name = match (parsed.attr.sub_attr, parsed.sub_attr) {
        (Some(_), Some(_)) => {
            return Err(invalid_path(
                path,
                "a sub-attribute may come before or after the value filter, not both",
            ));
        }
        (a, b) => a.or(b),
    };
    let name = parsed.attr.attr;
    let slot = match parsed.attr.urn.as_deref() {
        None => plain_slot(kind, &name, path)?,
        Some(urn) if urn.eq_ignore_ascii_case(kind.core_schema().id) => {
            plain_slot(kind, &name, path)?
        }
        Some(urn) => {
            if let Some(ext) = kind.extension(urn) {
                extension_slot(kind, ext, name)
            } else if let Some(ext) = kind.extension(&format!("{urn}:{name}")) {
                if sub_name.is_some() || parsed.value_filter.is_some() {
                    return Err(invalid_path(path, "an extension URN has no value filter"));
                }
                return Ok(Target::Object(Scope::Extension(ext)));
            } else if let Some(other) = schema_by_id(urn) {
                return Err(invalid_path(
                    path,
                    format!("{} is not a schema of a {}", other.id, kind.name()),
                ));
            } else {
                Slot {
                    container: Some(urn.to_string()),
                    key: name,
                    def: None,
                }
            }
        }
    };
    let sub = match (sub_name, slot.def) {
        (None, _) => None,
        (Some(s), Some(d)) if d.kind != AttrType::Complex => {
            return Err(invalid_path(
                path,
                format!(
                    "{} has no sub-attributes (it is not complex), so .{s} names nothing",
                    d.name
                ),
            ));
        }
        (Some(s), Some(d)) => Some(match d.sub_attribute(&s) {
            Some(sd) => SubSlot {
                key: sd.name.to_string(),
                def: Some(sd),
            },
            None => SubSlot { key: s, def: None },
        }),
        (Some(s), None) => Some(SubSlot { key: s, def: None }),
    };
    if parsed.value_filter.is_some()
        && let Some(d) = slot.def
        && !d.multi_valued
    {
        return Err(invalid_path(
            path,
            format!(
                "{} is not multi-valued, so it takes no value filter",
                d.name
            ),
        ));
    }
    Ok(Target::Attr(AttrTarget {
        slot,
        filter: parsed.value_filter,
        sub,
    }))
}

/// An unqualified top-level attribute name.
/// The slot of attribute `name` under the extension `ext` (canonically named when the schema
/// defines it; kept as written for a custom attribute).
fn extension_slot(kind: ResourceKind, ext: &'static SchemaDef, name: String) -> Slot {
    match kind.resolve(Some(ext.id), &name) {
        Some(r) => Slot {
            container: Some(ext.id.to_string()),
            key: r.def.name.to_string(),
            def: Some(r.def),
        },
        None => Slot {
            container: Some(ext.id.to_string()),
            key: name,
            def: None,
        },
    }
}

fn plain_slot(kind: ResourceKind, name: &str, path: &str) -> Result<Slot, ScimError> {
    if name.eq_ignore_ascii_case("schemas") {
        return Err(ScimError::mutability(format!(
            "invalid path \"{path}\": schemas is maintained by the server"
        )));
    }
    Ok(match kind.resolve(None, name) {
        Some(r) => Slot {
            container: None,
            key: r.def.name.to_string(),
            def: Some(r.def),
        },
        None => Slot {
            container: None,
            key: name.to_string(),
            def: None,
        },
    })
}

/// Resolves a key of a path-less value object (core scope). Keys are plain names, or
/// path-like (`name.givenName`, `urn:…:User:department`, `emails[type eq "work"].value`) when
/// that resolves to a schema this resource type knows. A custom `urn:…:attr` key holding a
/// non-object goes under its URN key, like the same path would; anything else is a custom
/// attribute stored under the key as sent (a custom extension URN holding an object).
fn resolve_value_key(key: &str, value: &Value, kind: ResourceKind) -> Target {
    let unknown = || {
        Target::Attr(AttrTarget {
            slot: Slot {
                container: None,
                key: key.to_string(),
                def: None,
            },
            filter: None,
            sub: None,
        })
    };
    if let Some(r) = kind.resolve(None, key) {
        return Target::Attr(AttrTarget {
            slot: Slot {
                container: None,
                key: r.def.name.to_string(),
                def: Some(r.def),
            },
            filter: None,
            sub: None,
        });
    }
    let path_like =
        key.contains(['.', '[']) || key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    if !path_like {
        return unknown();
    }
    match resolve_path(key, kind) {
        Ok(Target::Attr(t))
            if t.slot.def.is_some()
                || t.slot
                    .container
                    .as_deref()
                    .is_some_and(|c| kind.extension(c).is_some() || !value.is_object()) =>
        {
            Target::Attr(t)
        }
        _ => unknown(),
    }
}

// ---------------------------------------------------------------------------------------------
// Storage helpers
// ---------------------------------------------------------------------------------------------

/// The key under which `name` is stored in `map`: exact first, then case-insensitively.
fn find_key(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_string());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn container<'a>(res: &'a Map<String, Value>, slot: &Slot) -> Option<&'a Map<String, Value>> {
    match &slot.container {
        None => Some(res),
        Some(c) => res.get(&find_key(res, c)?)?.as_object(),
    }
}

/// The object holding `slot`, created (replacing a non-object) when asked.
fn container_mut<'a>(
    res: &'a mut Map<String, Value>,
    slot: &Slot,
    create: bool,
) -> Option<&'a mut Map<String, Value>> {
    let Some(c) = &slot.container else {
        return Some(res);
    };
    let key = match find_key(res, c) {
        Some(k) => k,
        None if create => c.clone(),
        None => return None,
    };
    let entry = res.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        if !create {
            return None;
        }
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut()
}

fn get<'a>(res: &'a Map<String, Value>, slot: &Slot) -> Option<&'a Value> {
    let c = container(res, slot)?;
    c.get(&find_key(c, &slot.key)?)
}

/// Removes the attribute and returns its value.
fn take(res: &mut Map<String, Value>, slot: &Slot) -> Option<Value> {
    let c = container_mut(res, slot, false)?;
    let key = find_key(c, &slot.key)?;
    c.remove(&key)
}

/// Stores `value` (known attributes under their canonical name, replacing other spellings).
fn set(res: &mut Map<String, Value>, slot: &Slot, value: Value) {
    let Some(c) = container_mut(res, slot, true) else {
        return;
    };
    put(c, &slot.key, slot.def.is_some(), value);
}

/// Inserts into an object: under `key` replacing other spellings when `canonical`, else under
/// the spelling already present.
fn put(map: &mut Map<String, Value>, key: &str, canonical: bool, value: Value) {
    let existing = find_key(map, key);
    let key = match existing {
        Some(k) if canonical && k != key => {
            map.remove(&k);
            key.to_string()
        }
        Some(k) => k,
        None => key.to_string(),
    };
    map.insert(key, value);
}

/// Removes a multi-valued attribute's elements from the resource for editing.
fn take_array(res: &mut Map<String, Value>, slot: &Slot) -> Vec<Value> {
    match take(res, slot) {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other],
    }
}

/// Unassigns an attribute, refusing required ones.
fn unset(res: &mut Map<String, Value>, slot: &Slot) -> Result<(), ScimError> {
    if let Some(d) = slot.def
        && d.required
    {
        return Err(ScimError::invalid_value(format!(
            "{} is required and cannot be removed",
            d.name
        )));
    }
    take(res, slot);
    Ok(())
}

fn is_true(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

fn primary_of(el: &Value) -> bool {
    el.as_object()
        .and_then(|o| get_ci(o, "primary"))
        .is_some_and(is_true)
}

/// At most one element keeps `primary: true`: the last of `preferred` (the elements just
/// written) that is primary, else the first primary one.
fn settle_primary(elements: &mut [Value], preferred: &[usize]) {
    let primaries: Vec<usize> = (0..elements.len())
        .filter(|&i| primary_of(&elements[i]))
        .collect();
    if primaries.len() < 2 {
        return;
    }
    let winner = preferred
        .iter()
        .rev()
        .copied()
        .find(|&i| i < elements.len() && primary_of(&elements[i]))
        .unwrap_or(primaries[0]);
    for i in primaries {
        if i != winner
            && let Some(o) = elements[i].as_object_mut()
        {
            put(o, "primary", true, Value::Bool(false));
        }
    }
}

fn member_value(el: &Value) -> Option<&Value> {
    el.as_object().and_then(|o| get_ci(o, "value"))
}

/// Whether the group's `members` attribute is the target (where the member faults live).
fn is_members(def: Option<&'static AttributeDef>, ctx: &PatchContext<'_>) -> bool {
    ctx.kind == ResourceKind::Group && def.is_some_and(|d| d.name == "members")
}

/// What makes an element the same as another when added: for members, the same `value`;
/// otherwise the whole element (its canonical JSON: object keys are sorted). Kept in a set, so
/// adding n elements to m is O(n + m), never O(n·m).
fn identity(el: &Value, members: bool) -> String {
    if members && let Some(v) = member_value(el) {
        return format!("v{v}");
    }
    format!("e{el}")
}

/// The elements of `new` that are not among `elements` nor earlier in `new`, appended to
/// `elements`; the indexes written.
fn append_new(elements: &mut Vec<Value>, new: Vec<Value>, members: bool) -> Vec<usize> {
    let mut seen: std::collections::HashSet<String> =
        elements.iter().map(|e| identity(e, members)).collect();
    let mut written = Vec::new();
    for el in new {
        if seen.insert(identity(&el, members)) {
            elements.push(el);
            written.push(elements.len() - 1);
        }
    }
    written
}

/// The key a remove's `value` element and a stored element share when one designates the
/// other: the same `value` (case-folded unless
/// `value` is caseExact), or, for a given element without `value`, the identical element.
fn designation_key(v: &Value, case_exact: bool) -> String {
    match v {
        Value::String(s) if !case_exact => format!("s{}", crate::fold::fold(s)),
        other => format!("j{other}"),
    }
}

/// Normalizes a value written to `def` (or keeps it as sent for unknown attributes).
fn normalize(
    value: &Value,
    def: Option<&'static AttributeDef>,
    label: &str,
) -> Result<Value, ScimError> {
    match def {
        Some(d) => normalize_named(value, d, &label),
        None => Ok(value.clone()),
    }
}

/// Normalizes one element of the multi-valued `def`.
fn normalize_element(
    value: &Value,
    def: Option<&'static AttributeDef>,
    label: &str,
) -> Result<Map<String, Value>, ScimError> {
    let one = match def {
        Some(d) => match normalize_named(value, d, &label)? {
            Value::Array(mut items) if items.len() == 1 => items.remove(0),
            Value::Array(items) => {
                return Err(ScimError::invalid_value(format!(
                    "{label}: a value filter selects elements one at a time; expected one element, got {}",
                    items.len()
                )));
            }
            other => other,
        },
        None => match value {
            Value::Array(items) if items.len() == 1 => items[0].clone(),
            other => other.clone(),
        },
    };
    match one {
        Value::Object(o) => Ok(o),
        _ => Err(ScimError::invalid_value(format!(
            "{label}: an element must be an object"
        ))),
    }
}

/// Writes (or, for `null`, removes) a sub-attribute of one element or complex value.
fn set_sub(
    obj: &mut Map<String, Value>,
    sub: &SubSlot,
    value: &Value,
    label: &str,
) -> Result<(), ScimError> {
    let existing = find_key(obj, &sub.key);
    if let Some(sd) = sub.def
        && sd.mutability == Mutability::Immutable
        && let Some(k) = &existing
        && obj.get(k) != Some(value)
    {
        return Err(ScimError::mutability(format!(
            "{label} is immutable and already set"
        )));
    }
    if value.is_null() {
        if let Some(k) = existing {
            obj.remove(&k);
        }
    } else {
        put(obj, &sub.key, sub.def.is_some(), value.clone());
    }
    Ok(())
}

/// Merges sub-attributes into a complex value: nulls in `raw` unassign, the normalized
/// values in `normalized` are written.
fn merge_subs(
    target: &mut Map<String, Value>,
    raw: &Map<String, Value>,
    normalized: &Map<String, Value>,
    def: Option<&'static AttributeDef>,
    label: &str,
) -> Result<(), ScimError> {
    for (k, v) in raw {
        if v.is_null() {
            let sd = def.and_then(|d| d.sub_attribute(k));
            if sd.is_some_and(AttributeDef::is_read_only) {
                continue;
            }
            let sub = SubSlot {
                key: sd.map_or_else(|| k.clone(), |d| d.name.to_string()),
                def: sd,
            };
            set_sub(target, &sub, &Value::Null, &format!("{label}.{}", sub.key))?;
        }
    }
    for (k, v) in normalized {
        let sd = def.and_then(|d| d.sub_attribute(k));
        let sub = SubSlot {
            key: k.clone(),
            def: sd,
        };
        set_sub(target, &sub, v, &format!("{label}.{k}"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

fn apply_op(
    res: &mut Map<String, Value>,
    op: &Operation<'_>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let value = op.value.unwrap_or(&Value::Null);
    let Some(path) = op.path else {
        if ctx.faults.has(Fault::PatchPathlessIgnored) {
            // The bug: path-less operations are acknowledged and dropped.
            return Ok(());
        }
        return match op.kind {
            OpKind::Remove => Err(ScimError::no_target("a remove operation requires a path")),
            kind => {
                if ctx.faults.has(Fault::RenameRejectsId)
                    && let Value::Object(v) = value
                    && get_ci(v, "id").is_some()
                {
                    // The bug: Okta's rename carries the (unchanged) id.
                    return Err(ScimError::mutability("id is readOnly"));
                }
                write_object(res, Scope::Core, value, kind, ctx)
            }
        };
    };
    match resolve_path(path, ctx.kind)? {
        Target::Object(scope) => match op.kind {
            OpKind::Remove => match scope {
                Scope::Extension(ext) => {
                    take(
                        res,
                        &Slot {
                            container: None,
                            key: ext.id.to_string(),
                            def: None,
                        },
                    );
                    Ok(())
                }
                Scope::Core => Err(ScimError::invalid_path(format!(
                    "invalid path \"{path}\": the core schema cannot be removed"
                ))),
            },
            kind => write_object(res, scope, value, kind, ctx),
        },
        Target::Attr(t) => {
            if let Some(name) = t.read_only() {
                return Err(ScimError::mutability(format!(
                    "{name} is readOnly and cannot be changed with PATCH"
                )));
            }
            match op.kind {
                OpKind::Remove => remove_attr(res, &t, op.value, ctx),
                kind => write_attr(res, &t, value, kind, ctx),
            }
        }
    }
}

/// A path-less add/replace (or one whose path is a schema URN): each key of `value` is an
/// attribute of `scope`.
fn write_object(
    res: &mut Map<String, Value>,
    scope: Scope,
    value: &Value,
    kind: OpKind,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let obj = match (value, scope) {
        (Value::Object(o), _) => o,
        (Value::Null, Scope::Extension(ext)) => {
            if kind == OpKind::Replace {
                take(
                    res,
                    &Slot {
                        container: None,
                        key: ext.id.to_string(),
                        def: None,
                    },
                );
            }
            return Ok(());
        }
        (_, Scope::Core) => {
            return Err(ScimError::invalid_value(format!(
                "a {} without a path needs an object of attributes as its value",
                kind.name()
            )));
        }
        (_, Scope::Extension(ext)) => {
            return Err(ScimError::invalid_value(format!(
                "{} needs an object of extension attributes",
                ext.id
            )));
        }
    };
    for (key, v) in obj {
        let target = match scope {
            Scope::Core => {
                if key.eq_ignore_ascii_case("schemas") {
                    continue;
                }
                if let Some(ext) = ctx.kind.extension(key) {
                    write_object(res, Scope::Extension(ext), v, kind, ctx)?;
                    continue;
                }
                if key.eq_ignore_ascii_case(ctx.kind.core_schema().id) {
                    write_object(res, Scope::Core, v, kind, ctx)?;
                    continue;
                }
                match resolve_value_key(key, v, ctx.kind) {
                    Target::Attr(t) => t,
                    Target::Object(s) => {
                        write_object(res, s, v, kind, ctx)?;
                        continue;
                    }
                }
            }
            Scope::Extension(ext) => AttrTarget {
                slot: extension_slot(ctx.kind, ext, key.clone()),
                filter: None,
                sub: None,
            },
        };
        // Read-only attributes in a value (Okta's rename sends `id`) are ignored.
        if target.read_only().is_some() {
            continue;
        }
        write_attr(res, &target, v, kind, ctx)?;
    }
    Ok(())
}

/// add or replace on an attribute target.
fn write_attr(
    res: &mut Map<String, Value>,
    t: &AttrTarget,
    value: &Value,
    kind: OpKind,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    match (&t.filter, &t.sub) {
        (None, None) => write_whole(res, &t.slot, value, kind, ctx),
        (None, Some(sub)) => write_sub_everywhere(res, t, sub, value),
        (Some(f), sub) => write_filtered(res, t, f, sub.as_ref(), value, kind),
    }
}

/// add/replace of a whole attribute.
fn write_whole(
    res: &mut Map<String, Value>,
    slot: &Slot,
    value: &Value,
    kind: OpKind,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let Some(def) = slot.def else {
        return write_unknown(res, slot, value, kind);
    };
    if def.multi_valued {
        let members = is_members(slot.def, ctx);
        if members
            && kind == OpKind::Replace
            && ctx.faults.has(Fault::ReplaceMembersEmptyIgnored)
            && value.as_array().is_some_and(Vec::is_empty)
        {
            // The bug: Push Now of an empty group is acknowledged and dropped.
            return Ok(());
        }
        let mut new = match normalize_named(value, def, &def.name)? {
            Value::Null => {
                return match kind {
                    OpKind::Add => Ok(()),
                    _ => unset(res, slot),
                };
            }
            Value::Array(items) => items,
            other => vec![other],
        };
        if members && ctx.faults.has(Fault::MemberRequiresType) {
            // The bug: members without `type: User` (Okta never sends one) are dropped.
            new.retain(|m| m.get("type").and_then(Value::as_str) == Some("User"));
        }
        let replaces =
            kind == OpKind::Replace || (members && ctx.faults.has(Fault::AddMembersReplaces));
        let (mut elements, written) = if replaces {
            let written: Vec<usize> = (0..new.len()).collect();
            (new, written)
        } else {
            let mut elements = take_array(res, slot);
            let written = append_new(&mut elements, new, members);
            (elements, written)
        };
        settle_primary(&mut elements, &written);
        set(res, slot, Value::Array(elements));
        return Ok(());
    }
    if def.kind == AttrType::Complex {
        let Value::Object(raw) = value else {
            if value.is_null() {
                return match kind {
                    OpKind::Add => Ok(()),
                    _ => unset(res, slot),
                };
            }
            // Reports the type error.
            normalize_named(value, def, &def.name)?;
            return Err(ScimError::invalid_value(format!(
                "{} must be an object",
                def.name
            )));
        };
        let Value::Object(normalized) = normalize_named(value, def, &def.name)? else {
            return Err(ScimError::invalid_value(format!(
                "{} must be an object",
                def.name
            )));
        };
        let mut current = match take(res, slot) {
            Some(Value::Object(o)) => o,
            _ => Map::new(),
        };
        merge_subs(&mut current, raw, &normalized, Some(def), def.name)?;
        if !current.is_empty() {
            set(res, slot, Value::Object(current));
        }
        return Ok(());
    }
    let normalized = normalize_named(value, def, &def.name)?;
    if normalized.is_null() {
        return match kind {
            OpKind::Add => Ok(()),
            _ => unset(res, slot),
        };
    }
    if def.mutability == Mutability::Immutable
        && let Some(current) = get(res, slot)
        && *current != normalized
    {
        return Err(ScimError::mutability(format!(
            "{} is immutable and already set",
            def.name
        )));
    }
    set(res, slot, normalized);
    Ok(())
}

/// add/replace of an attribute no schema defines: arrays append on add, objects merge on add,
/// anything else is set.
fn write_unknown(
    res: &mut Map<String, Value>,
    slot: &Slot,
    value: &Value,
    kind: OpKind,
) -> Result<(), ScimError> {
    if value.is_null() {
        if kind == OpKind::Replace {
            take(res, slot);
        }
        return Ok(());
    }
    if kind == OpKind::Add {
        match (take(res, slot), value) {
            (Some(Value::Array(mut current)), Value::Array(new)) => {
                append_new(&mut current, new.clone(), false);
                set(res, slot, Value::Array(current));
                return Ok(());
            }
            (Some(Value::Object(mut current)), Value::Object(new)) => {
                for (k, v) in new {
                    if v.is_null() {
                        if let Some(k) = find_key(&current, k) {
                            current.remove(&k);
                        }
                    } else {
                        put(&mut current, k, false, v.clone());
                    }
                }
                set(res, slot, Value::Object(current));
                return Ok(());
            }
            _ => {}
        }
    }
    set(res, slot, value.clone());
    Ok(())
}

/// add/replace of `attr.sub` without a value filter: the sub-attribute of a complex value, or
/// of every element of a multi-valued one (an element is created when there is none).
fn write_sub_everywhere(
    res: &mut Map<String, Value>,
    t: &AttrTarget,
    sub: &SubSlot,
    value: &Value,
) -> Result<(), ScimError> {
    let label = t.label();
    let normalized = normalize(value, sub.def, &label)?;
    let multi = match t.slot.def {
        Some(d) => d.multi_valued,
        None => matches!(get(res, &t.slot), Some(Value::Array(_))),
    };
    if multi {
        let mut elements = take_array(res, &t.slot);
        let mut written = Vec::new();
        if elements.is_empty() {
            if !normalized.is_null() {
                let mut el = Map::new();
                set_sub(&mut el, sub, &normalized, &label)?;
                elements.push(Value::Object(el));
                written.push(0);
            }
        } else {
            for (i, el) in elements.iter_mut().enumerate() {
                if let Some(o) = el.as_object_mut() {
                    set_sub(o, sub, &normalized, &label)?;
                    written.push(i);
                }
            }
            elements.retain(|e| e.as_object().is_none_or(|o| !o.is_empty()));
        }
        settle_primary(&mut elements, &written);
        if !elements.is_empty() {
            set(res, &t.slot, Value::Array(elements));
        }
    } else {
        let mut current = match take(res, &t.slot) {
            Some(Value::Object(o)) => o,
            _ => Map::new(),
        };
        set_sub(&mut current, sub, &normalized, &label)?;
        if !current.is_empty() {
            set(res, &t.slot, Value::Object(current));
        }
    }
    Ok(())
}

/// add/replace through a value filter (`emails[type eq "work"]`, `…].value`).
fn write_filtered(
    res: &mut Map<String, Value>,
    t: &AttrTarget,
    f: &Filter,
    sub: Option<&SubSlot>,
    value: &Value,
    kind: OpKind,
) -> Result<(), ScimError> {
    let def = t.slot.def.unwrap_or(&UNKNOWN_MULTI);
    let label = t.label();
    let mut elements = take_array(res, &t.slot);
    let mut matched: Vec<usize> = (0..elements.len())
        .filter(|&i| filter::matches_element(f, &elements[i], def))
        .collect();
    // What each matching element gets.
    let sub_value = match sub {
        Some(s) => Some(normalize(value, s.def, &label)?),
        None => None,
    };
    let element = match (sub, value) {
        (None, Value::Null) => None,
        (None, _) => Some(normalize_element(value, t.slot.def, &label)?),
        (Some(_), _) => None,
    };
    if matched.is_empty() {
        let created = match kind {
            OpKind::Add => element_from_filter(f, def),
            _ => None,
        };
        let Some(mut created) = created else {
            return Err(ScimError::no_target(format!(
                "no element of {} matches the filter [{f}]",
                t.slot.key
            )));
        };
        if let (Some(s), Some(v)) = (sub, &sub_value) {
            set_sub(&mut created, s, v, &label)?;
        }
        if let Some(el) = &element {
            for (k, v) in el {
                let sd = t.slot.def.and_then(|d| d.sub_attribute(k));
                put(&mut created, k, sd.is_some(), v.clone());
            }
        }
        elements.push(Value::Object(created));
        matched.push(elements.len() - 1);
    } else {
        for &i in &matched {
            match (sub, &sub_value, &element) {
                (Some(s), Some(v), _) => {
                    if let Some(o) = elements[i].as_object_mut() {
                        set_sub(o, s, v, &label)?;
                    }
                }
                (None, _, Some(el)) if kind == OpKind::Add => {
                    if let Some(o) = elements[i].as_object_mut() {
                        let raw = value.as_object().cloned().unwrap_or_default();
                        merge_subs(o, &raw, el, t.slot.def, &label)?;
                    }
                }
                (None, _, Some(el)) => elements[i] = Value::Object(el.clone()),
                // replace with null: the matching elements are unassigned.
                _ => elements[i] = Value::Null,
            }
        }
    }
    let mut kept = Vec::with_capacity(elements.len());
    let mut written = Vec::new();
    for (i, el) in elements.into_iter().enumerate() {
        if el.is_null() || el.as_object().is_some_and(Map::is_empty) {
            continue;
        }
        // `matched` is ascending: found in O(log n).
        if matched.binary_search(&i).is_ok() {
            written.push(kept.len());
        }
        kept.push(el);
    }
    settle_primary(&mut kept, &written);
    if !kept.is_empty() {
        set(res, &t.slot, Value::Array(kept));
    }
    Ok(())
}

/// The element an `add` through a filter that matches nothing creates: the filter's `eq`
/// comparisons (`type eq "work"`, joined by `and`) as sub-attributes. `None` for filters that
/// do not describe one element.
fn element_from_filter(f: &Filter, def: &'static AttributeDef) -> Option<Map<String, Value>> {
    fn collect(f: &Filter, def: &'static AttributeDef, out: &mut Map<String, Value>) -> bool {
        match f {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } if path.urn.is_none() && path.sub_attr.is_none() => {
                let v = match value {
                    CompValue::Str(s) => Value::String(s.clone()),
                    CompValue::Num(n) => Value::Number(n.clone()),
                    CompValue::Bool(b) => Value::Bool(*b),
                    CompValue::Null => return false,
                };
                let sd = def.sub_attribute(&path.attr);
                let key = sd.map_or_else(|| path.attr.clone(), |d| d.name.to_string());
                let v = match sd {
                    Some(sd) => match normalize_named(&v, sd, &key) {
                        Ok(v) => v,
                        Err(_) => return false,
                    },
                    None => v,
                };
                out.insert(key, v);
                true
            }
            Filter::And(a, b) => collect(a, def, out) && collect(b, def, out),
            _ => false,
        }
    }
    let mut out = Map::new();
    collect(f, def, &mut out).then_some(out)
}

/// remove on an attribute target.
fn remove_attr(
    res: &mut Map<String, Value>,
    t: &AttrTarget,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let slot = &t.slot;
    let label = t.label();
    match (&t.filter, &t.sub) {
        (None, None) => {
            let multi = match slot.def {
                Some(d) => d.multi_valued,
                None => matches!(get(res, slot), Some(Value::Array(_))),
            };
            if multi && let Some(v) = value.filter(|v| !v.is_null()) {
                // Entra: {"op":"remove","path":"members","value":[{"value":"id"}]}.
                let given = match normalize(v, slot.def, &label)? {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                let mut elements = take_array(res, slot);
                let case_exact = slot
                    .def
                    .and_then(|d| d.sub_attribute("value"))
                    .is_none_or(|d| d.case_exact);
                // One pass over each side, the keys of what is given in sets.
                let by_value: std::collections::HashSet<String> = given
                    .iter()
                    .filter_map(member_value)
                    .map(|v| designation_key(v, case_exact))
                    .collect();
                let whole: std::collections::HashSet<String> = given
                    .iter()
                    .filter(|g| member_value(g).is_none())
                    .map(|g| format!("{g}"))
                    .collect();
                elements.retain(|el| {
                    let named = member_value(el)
                        .is_some_and(|v| by_value.contains(&designation_key(v, case_exact)));
                    !(named || whole.contains(&format!("{el}")))
                });
                if !elements.is_empty() {
                    set(res, slot, Value::Array(elements));
                }
                return Ok(());
            }
            unset(res, slot)
        }
        (None, Some(sub)) => {
            match take(res, slot) {
                Some(Value::Array(mut elements)) => {
                    for el in elements.iter_mut() {
                        if let Some(o) = el.as_object_mut() {
                            set_sub(o, sub, &Value::Null, &label)?;
                        }
                    }
                    elements.retain(|e| e.as_object().is_none_or(|o| !o.is_empty()));
                    if !elements.is_empty() {
                        set(res, slot, Value::Array(elements));
                    }
                }
                Some(Value::Object(mut o)) => {
                    set_sub(&mut o, sub, &Value::Null, &label)?;
                    if !o.is_empty() {
                        set(res, slot, Value::Object(o));
                    }
                }
                Some(other) => set(res, slot, other),
                None => {}
            }
            Ok(())
        }
        (Some(f), sub) => {
            if is_members(slot.def, ctx) {
                if ctx.faults.has(Fault::MemberFilterRemoveIgnored) {
                    // The bug: the value filter is not understood; 200 and nothing happens.
                    return Ok(());
                }
                if ctx.faults.has(Fault::MemberFilterRemoveWipes) {
                    // The bug: the filter is dropped and the whole attribute goes.
                    take(res, slot);
                    return Ok(());
                }
            }
            let def = slot.def.unwrap_or(&UNKNOWN_MULTI);
            let mut elements = take_array(res, slot);
            match sub {
                None => elements.retain(|el| !filter::matches_element(f, el, def)),
                Some(s) => {
                    for el in elements.iter_mut() {
                        if filter::matches_element(f, el, def)
                            && let Some(o) = el.as_object_mut()
                        {
                            set_sub(o, s, &Value::Null, &label)?;
                        }
                    }
                    elements.retain(|e| e.as_object().is_none_or(|o| !o.is_empty()));
                }
            }
            if !elements.is_empty() {
                set(res, slot, Value::Array(elements));
            }
            Ok(())
        }
    }
}

/// Extension objects the patch emptied are removed; `schemas` gains the extensions that now
/// hold attributes and loses those the patch removed.
fn settle_extensions(
    original: &Map<String, Value>,
    work: &mut Map<String, Value>,
    kind: ResourceKind,
) {
    let holds = |m: &Map<String, Value>, id: &str| {
        find_key(m, id)
            .and_then(|k| m.get(&k))
            .and_then(Value::as_object)
            .is_some_and(|o| !o.is_empty())
    };
    for ext in kind.extensions() {
        let now = holds(work, ext.id);
        if !now
            && let Some(k) = find_key(work, ext.id)
            && work.get(&k).and_then(Value::as_object).is_some()
        {
            work.remove(&k);
        }
        let before = holds(original, ext.id);
        let Some(Value::Array(schemas)) = work.get_mut("schemas") else {
            continue;
        };
        let listed = schemas
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(ext.id)));
        if now && !listed {
            schemas.push(Value::String(ext.id.to_string()));
        } else if !now && before && listed {
            schemas.retain(|s| !s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(ext.id)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::ScimType;
    use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
    use proptest::prelude::*;
    use rstest::rstest;
    use serde_json::json;

    /// JSON pointer to the enterprise extension object.
    const ENT: &str = "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn user() -> Value {
        json!({
            "schemas": [USER_SCHEMA],
            "id": "u-1",
            "userName": "alice@example.com",
            "active": true,
            "title": "Engineer",
            "name": {"givenName": "Alice", "familyName": "Smith"},
            "emails": [
                {"value": "alice@example.com", "type": "work", "primary": true},
                {"value": "alice@home.example", "type": "home"}
            ],
            "meta": {
                "resourceType": "User",
                "created": "2026-01-01T00:00:00Z",
                "lastModified": "2026-01-01T00:00:00Z",
                "version": "W/\"1\""
            }
        })
    }

    fn group() -> Value {
        json!({
            "schemas": [GROUP_SCHEMA],
            "id": "g-1",
            "displayName": "Engineering",
            "members": [
                {"value": "u1", "display": "one@example.com", "type": "User"},
                {"value": "u3", "display": "three@example.com", "type": "User"}
            ],
            "meta": {"resourceType": "Group", "created": "2026-01-01T00:00:00Z"}
        })
    }

    fn msg(ops: Value) -> Value {
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})
    }

    fn run(
        kind: ResourceKind,
        resource: &Value,
        body: &Value,
        faults: &[Fault],
    ) -> Result<Value, ScimError> {
        let faults: Faults = faults.iter().copied().collect();
        let ctx = PatchContext {
            kind,
            faults: &faults,
        };
        let before = resource.clone();
        let out = apply_patch(resource, body, &ctx);
        assert_eq!(*resource, before, "the input resource must never change");
        out
    }

    fn patch_user(ops: Value) -> Result<Value, ScimError> {
        run(ResourceKind::User, &user(), &msg(ops), &[])
    }

    fn patch_group(ops: Value) -> Result<Value, ScimError> {
        run(ResourceKind::Group, &group(), &msg(ops), &[])
    }

    /// Asserts each JSON pointer's value; `null` means absent.
    fn check(v: &Value, expect: &[(&str, Value)]) {
        for (ptr, want) in expect {
            let got = v.pointer(ptr).cloned().unwrap_or(Value::Null);
            assert_eq!(&got, want, "at {ptr} in {v:#}");
        }
    }

    fn members(v: &Value) -> Vec<&str> {
        v.get("members")
            .and_then(Value::as_array)
            .map(|m| m.iter().filter_map(|m| m["value"].as_str()).collect())
            .unwrap_or_default()
    }

    // --- Every Okta body (okta-reference.md §1.5, §1.6, §1.9-§1.11, §3) ------------------------

    #[rstest]
    #[case::deactivate(json!({"active": false}), false)]
    #[case::reactivate(json!({"active": true}), true)]
    fn okta_pathless_active(#[case] value: Value, #[case] active: bool) {
        let mut inactive = user();
        inactive["active"] = json!(!active);
        let body = msg(json!([{"op": "replace", "value": value}]));
        let out = run(ResourceKind::User, &inactive, &body, &[]).unwrap();
        let mut expected = inactive.clone();
        expected["active"] = json!(active);
        assert_eq!(out, expected);
    }

    #[test]
    fn okta_rename_with_id_is_accepted_and_id_ignored() {
        let out = patch_group(json!([
            {"op": "replace", "value": {"id": "g-1", "displayName": "New Name"}}
        ]))
        .unwrap();
        let mut expected = group();
        expected["displayName"] = json!("New Name");
        assert_eq!(out, expected);
        // A different id in the value is ignored as well: the URL id is the truth.
        let out = patch_group(json!([
            {"op": "replace", "value": {"id": "other", "meta": {}, "schemas": [], "displayName": "N"}}
        ]))
        .unwrap();
        check(&out, &[("/id", json!("g-1")), ("/displayName", json!("N"))]);
        assert_eq!(out["meta"], group()["meta"]);
        assert_eq!(out["schemas"], group()["schemas"]);
    }

    #[test]
    fn okta_pathless_members_replace() {
        let out = patch_group(json!([
            {"op": "replace", "value": {"members": [{"value": "u1"}]}}
        ]))
        .unwrap();
        assert_eq!(out["members"], json!([{"value": "u1"}]));
    }

    #[test]
    fn okta_pathless_replace_with_id_name_and_empty_members() {
        let out = patch_group(json!([
            {"op": "replace", "value": {"id": "g-1", "displayName": "Renamed", "members": []}}
        ]))
        .unwrap();
        check(
            &out,
            &[
                ("/displayName", json!("Renamed")),
                ("/members", json!([])),
                ("/id", json!("g-1")),
            ],
        );
        let out = patch_group(json!([
            {"op": "replace", "value": {"id": "g-1", "displayName": "R", "members": [{"value": "u9", "display": "n@x"}]}}
        ]))
        .unwrap();
        assert_eq!(out["members"], json!([{"value": "u9", "display": "n@x"}]));
    }

    #[test]
    fn okta_membership_push_removes_and_adds_in_one_message() {
        let out = patch_group(json!([
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "remove", "path": "members[value eq \"u-not-there\"]"},
            {"op": "remove", "path": "members[value eq \"u3\"]"},
            {"op": "add", "path": "members", "value": [{"value": "u2", "display": "x@y"}]}
        ]))
        .unwrap();
        assert_eq!(out["members"], json!([{"value": "u2", "display": "x@y"}]));
        check(&out, &[("/displayName", json!("Engineering"))]);
    }

    #[test]
    fn okta_member_add_keeps_value_and_display_only_members() {
        let out = patch_group(json!([
            {"op": "add", "path": "members", "value": [
                {"value": "u2", "display": "two@example.com"},
                {"value": "u4", "display": "four@example.com"}
            ]}
        ]))
        .unwrap();
        assert_eq!(members(&out), ["u1", "u3", "u2", "u4"]);
        check(
            &out,
            &[(
                "/members/2",
                json!({"value": "u2", "display": "two@example.com"}),
            )],
        );
    }

    #[rstest]
    #[case::push_now(json!([{"value": "u5", "display": "a@b"}, {"value": "u6", "display": "c@d"}]), &["u5", "u6"])]
    #[case::push_now_empty(json!([]), &[])]
    fn okta_push_now_replaces_members(#[case] value: Value, #[case] expected: &[&str]) {
        let out =
            patch_group(json!([{"op": "replace", "path": "members", "value": value}])).unwrap();
        assert_eq!(members(&out), expected);
        assert_eq!(out["members"], value);
    }

    #[test]
    fn member_add_does_not_duplicate() {
        let out = patch_group(json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}, {"value": "u2"}]}
        ]))
        .unwrap();
        assert_eq!(members(&out), ["u1", "u3", "u2"]);
    }

    #[test]
    fn member_add_to_a_group_without_members() {
        let mut g = group();
        g.as_object_mut().unwrap().remove("members");
        let body = msg(json!([{"op": "add", "path": "members", "value": [{"value": "u2"}]}]));
        let out = run(ResourceKind::Group, &g, &body, &[]).unwrap();
        assert_eq!(out["members"], json!([{"value": "u2"}]));
    }

    #[test]
    fn entra_style_member_remove_with_value() {
        let out = patch_group(json!([
            {"op": "Remove", "path": "members", "value": [{"value": "u1"}]}
        ]))
        .unwrap();
        assert_eq!(members(&out), ["u3"]);
        let out = patch_group(json!([
            {"op": "remove", "path": "members", "value": [{"value": "u1"}, {"value": "u3"}]}
        ]))
        .unwrap();
        assert_eq!(out.get("members"), None);
    }

    // --- RFC 7644 §3.5.2 operation forms --------------------------------------------------

    #[rstest]
    // add
    #[case::add_simple(json!([{"op": "add", "path": "nickName", "value": "Al"}]),
        vec![("/nickName", json!("Al"))])]
    #[case::add_sets_existing_single(json!([{"op": "add", "path": "title", "value": "Boss"}]),
        vec![("/title", json!("Boss"))])]
    #[case::add_multi_appends(json!([{"op": "add", "path": "emails", "value": [{"value": "n@x", "type": "other"}]}]),
        vec![("/emails/0/value", json!("alice@example.com")), ("/emails/2", json!({"value": "n@x", "type": "other"}))])]
    #[case::add_multi_single_object(json!([{"op": "add", "path": "emails", "value": {"value": "n@x"}}]),
        vec![("/emails/2", json!({"value": "n@x"}))])]
    #[case::add_multi_identical_not_twice(json!([{"op": "add", "path": "emails", "value": [{"value": "alice@home.example", "type": "home"}]}]),
        vec![("/emails/1/type", json!("home")), ("/emails/2", json!(null))])]
    #[case::add_complex_merges(json!([{"op": "add", "path": "name", "value": {"middleName": "Q"}}]),
        vec![("/name", json!({"givenName": "Alice", "familyName": "Smith", "middleName": "Q"}))])]
    #[case::add_sub_attribute(json!([{"op": "add", "path": "name.middleName", "value": "Q"}]),
        vec![("/name/middleName", json!("Q")), ("/name/givenName", json!("Alice"))])]
    #[case::add_sub_creates_parent(json!([{"op": "add", "path": "addresses.locality", "value": "Oslo"}]),
        vec![("/addresses", json!([{"locality": "Oslo"}]))])]
    #[case::add_pathless(json!([{"op": "add", "value": {"nickName": "Al", "name": {"honorificPrefix": "Dr"}}}]),
        vec![("/nickName", json!("Al")), ("/name/honorificPrefix", json!("Dr")), ("/name/givenName", json!("Alice"))])]
    #[case::add_pathless_multi_appends(json!([{"op": "add", "value": {"emails": [{"value": "n@x"}]}}]),
        vec![("/emails/0/value", json!("alice@example.com")), ("/emails/2/value", json!("n@x"))])]
    #[case::add_filter_sub(json!([{"op": "add", "path": "emails[type eq \"work\"].display", "value": "Work"}]),
        vec![("/emails/0/display", json!("Work")), ("/emails/1/display", json!(null))])]
    #[case::add_filter_no_match_creates(json!([{"op": "add", "path": "emails[type eq \"other\"].value", "value": "o@x"}]),
        vec![("/emails/2", json!({"type": "other", "value": "o@x"}))])]
    #[case::add_filter_merges_element(json!([{"op": "add", "path": "emails[type eq \"home\"]", "value": {"display": "Home"}}]),
        vec![("/emails/1", json!({"value": "alice@home.example", "type": "home", "display": "Home"}))])]
    #[case::add_extension_qualified(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"}]),
        vec![(ENT, json!({"department": "R&D"})), ("/schemas/1", json!(ENTERPRISE_USER_SCHEMA))])]
    #[case::add_extension_urn_path(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "value": {"Department": "R&D"}}]),
        vec![(ENT, json!({"department": "R&D"})), ("/schemas/1", json!(ENTERPRISE_USER_SCHEMA))])]
    #[case::add_extension_pathless_urn_key(json!([{"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "manager": {"value": "m1"}}}}]),
        vec![(ENT, json!({"department": "R&D", "manager": {"value": "m1"}}))])]
    #[case::add_extension_pathless_qualified_key(json!([{"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D"}}]),
        vec![(ENT, json!({"department": "R&D"}))])]
    #[case::add_extension_sub(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "value": "m1"}]),
        vec![(ENT, json!({"manager": {"value": "m1"}}))])]
    #[case::add_core_qualified(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:nickName", "value": "Al"}]),
        vec![("/nickName", json!("Al"))])]
    #[case::add_custom(json!([{"op": "add", "path": "customField", "value": {"a": 1}}]),
        vec![("/customField", json!({"a": 1}))])]
    #[case::add_custom_pathless(json!([{"op": "add", "value": {"my-attr": [1], "urn:example:custom:1.0": {"x": 1}}}]),
        vec![("/my-attr", json!([1])), ("/urn:example:custom:1.0", json!({"x": 1}))])]
    #[case::add_custom_qualified_key(json!([{"op": "add", "value": {"urn:example:custom:1.0:flag": true}}]),
        vec![("/urn:example:custom:1.0", json!({"flag": true}))])]
    #[case::add_custom_qualified_path(json!([{"op": "add", "path": "urn:example:custom:1.0:flag", "value": true}]),
        vec![("/urn:example:custom:1.0", json!({"flag": true}))])]
    #[case::add_password(json!([{"op": "add", "path": "password", "value": "s3cret"}]),
        vec![("/password", json!("s3cret"))])]
    // replace
    #[case::replace_simple(json!([{"op": "replace", "path": "userName", "value": "bob@example.com"}]),
        vec![("/userName", json!("bob@example.com"))])]
    #[case::replace_absent_adds(json!([{"op": "replace", "path": "nickName", "value": "Al"}]),
        vec![("/nickName", json!("Al"))])]
    #[case::replace_multi_whole(json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x"}]}]),
        vec![("/emails", json!([{"value": "only@x"}]))])]
    #[case::replace_multi_empty(json!([{"op": "replace", "path": "emails", "value": []}]),
        vec![("/emails", json!([]))])]
    #[case::replace_complex_keeps_others(json!([{"op": "replace", "path": "name", "value": {"givenName": "Al"}}]),
        vec![("/name", json!({"givenName": "Al", "familyName": "Smith"}))])]
    #[case::replace_complex_null_sub_unassigns(json!([{"op": "replace", "path": "name", "value": {"familyName": null}}]),
        vec![("/name", json!({"givenName": "Alice"}))])]
    #[case::replace_sub(json!([{"op": "replace", "path": "name.givenName", "value": "Al"}]),
        vec![("/name", json!({"givenName": "Al", "familyName": "Smith"}))])]
    #[case::replace_filter_sub(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@x"}]),
        vec![("/emails/0", json!({"value": "w@x", "type": "work", "primary": true})), ("/emails/1/value", json!("alice@home.example"))])]
    #[case::replace_filter_element(json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h2@x", "type": "home"}}]),
        vec![("/emails/1", json!({"value": "h2@x", "type": "home"}))])]
    #[case::replace_filter_null_removes(json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": null}]),
        vec![("/emails/1", json!(null)), ("/emails/0/type", json!("work"))])]
    #[case::replace_pathless(json!([{"op": "replace", "value": {"name": {"givenName": "Al"}, "title": "CTO"}}]),
        vec![("/name", json!({"givenName": "Al", "familyName": "Smith"})), ("/title", json!("CTO"))])]
    #[case::replace_pathless_multi_whole(json!([{"op": "replace", "value": {"emails": [{"value": "only@x"}]}}]),
        vec![("/emails", json!([{"value": "only@x"}]))])]
    #[case::replace_pathless_dotted_key(json!([{"op": "replace", "value": {"name.givenName": "Al", "emails[type eq \"work\"].value": "w@x"}}]),
        vec![("/name/givenName", json!("Al")), ("/emails/0/value", json!("w@x"))])]
    #[case::replace_null_unassigns(json!([{"op": "replace", "path": "title", "value": null}]),
        vec![("/title", json!(null))])]
    #[case::replace_extension(json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", "value": "42"}]),
        vec![(ENT, json!({"costCenter": "42"}))])]
    #[case::entra_string_boolean(json!([{"op": "Replace", "path": "active", "value": "False"}]),
        vec![("/active", json!(false))])]
    #[case::entra_pathless_string_boolean(json!([{"op": "Replace", "value": {"active": "False"}}]),
        vec![("/active", json!(false))])]
    // remove
    #[case::remove_simple(json!([{"op": "remove", "path": "title"}]),
        vec![("/title", json!(null)), ("/userName", json!("alice@example.com"))])]
    #[case::remove_absent_is_fine(json!([{"op": "remove", "path": "nickName"}]),
        vec![("/nickName", json!(null))])]
    #[case::remove_sub(json!([{"op": "remove", "path": "name.familyName"}]),
        vec![("/name", json!({"givenName": "Alice"}))])]
    #[case::remove_last_sub_removes_parent(json!([{"op": "remove", "path": "name.familyName"}, {"op": "remove", "path": "name.givenName"}]),
        vec![("/name", json!(null))])]
    #[case::remove_filter(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
        vec![("/emails", json!([{"value": "alice@example.com", "type": "work", "primary": true}]))])]
    #[case::remove_filter_no_match(json!([{"op": "remove", "path": "emails[type eq \"other\"]"}]),
        vec![("/emails/1/type", json!("home"))])]
    #[case::remove_filter_sub(json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]),
        vec![("/emails/0", json!({"value": "alice@example.com", "type": "work"}))])]
    #[case::remove_multi(json!([{"op": "remove", "path": "emails"}]),
        vec![("/emails", json!(null))])]
    #[case::remove_multi_with_value(json!([{"op": "remove", "path": "emails", "value": [{"value": "alice@home.example"}]}]),
        vec![("/emails/0/type", json!("work")), ("/emails/1", json!(null))])]
    #[case::remove_all_by_filter_unassigns(json!([{"op": "remove", "path": "emails[value pr]"}]),
        vec![("/emails", json!(null))])]
    // case-insensitive names
    #[case::ci_attribute_names(json!([{"op": "add", "path": "NAME.MIDDLENAME", "value": "Q"}, {"op": "replace", "path": "EMAILS[TYPE eq \"work\"].VALUE", "value": "w@x"}]),
        vec![("/name/middleName", json!("Q")), ("/emails/0/value", json!("w@x"))])]
    #[case::ci_pathless_keys(json!([{"op": "replace", "value": {"NickName": "Al", "NAME": {"GIVENNAME": "Al"}}}]),
        vec![("/nickName", json!("Al")), ("/name/givenName", json!("Al")), ("/NickName", json!(null))])]
    #[case::ci_op_names(json!([{"op": "ADD", "path": "nickName", "value": "A"}, {"op": "Replace", "path": "title", "value": "T"}, {"op": "REMOVE", "path": "name"}]),
        vec![("/nickName", json!("A")), ("/title", json!("T")), ("/name", json!(null))])]
    fn user_operation_forms(#[case] ops: Value, #[case] expect: Vec<(&str, Value)>) {
        let out = patch_user(ops).unwrap();
        check(&out, &expect);
        check(
            &out,
            &[("/id", json!("u-1")), ("/meta", user()["meta"].clone())],
        );
    }

    #[test]
    fn removing_the_last_extension_attribute_removes_the_extension() {
        let mut u = user();
        u["schemas"] = json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
        u[ENTERPRISE_USER_SCHEMA] = json!({"department": "R&D"});
        let body = msg(json!([{
            "op": "remove",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        }]));
        let out = run(ResourceKind::User, &u, &body, &[]).unwrap();
        assert_eq!(out, user());
        let body = msg(json!([{
            "op": "remove",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        }]));
        assert_eq!(run(ResourceKind::User, &u, &body, &[]).unwrap(), user());
    }

    #[test]
    fn message_keys_are_case_insensitive() {
        let body = json!({
            "Schemas": [PATCH_OP_SCHEMA.to_uppercase()],
            "operations": [{"OP": "replace", "Path": "active", "VALUE": false}]
        });
        let out = run(ResourceKind::User, &user(), &body, &[]).unwrap();
        assert_eq!(out["active"], json!(false));
    }

    #[test]
    fn path_null_means_pathless() {
        let out = patch_user(json!([{"op": "replace", "path": null, "value": {"active": false}}]))
            .unwrap();
        assert_eq!(out["active"], json!(false));
    }

    // --- primary -------------------------------------------------------------------------

    #[rstest]
    #[case::added_primary_wins(json!([{"op": "add", "path": "emails", "value": [{"value": "p@x", "primary": true}]}]),
        vec![("/emails/0/primary", json!(false)), ("/emails/2/primary", json!(true))])]
    #[case::string_primary_coerced(json!([{"op": "add", "path": "emails", "value": [{"value": "p@x", "primary": "True"}]}]),
        vec![("/emails/0/primary", json!(false)), ("/emails/2/primary", json!(true))])]
    #[case::filter_replace_primary(json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
        vec![("/emails/0/primary", json!(false)), ("/emails/1/primary", json!(true))])]
    #[case::replace_two_primaries(json!([{"op": "replace", "path": "emails", "value": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}]),
        vec![("/emails/0/primary", json!(false)), ("/emails/1/primary", json!(true))])]
    #[case::pathless_add_primary(json!([{"op": "add", "value": {"emails": [{"value": "p@x", "primary": true}]}}]),
        vec![("/emails/0/primary", json!(false)), ("/emails/2/primary", json!(true))])]
    #[case::non_primary_add_keeps(json!([{"op": "add", "path": "emails", "value": [{"value": "p@x", "primary": false}]}]),
        vec![("/emails/0/primary", json!(true)), ("/emails/2/primary", json!(false))])]
    fn primary_stays_unique(#[case] ops: Value, #[case] expect: Vec<(&str, Value)>) {
        let out = patch_user(ops).unwrap();
        check(&out, &expect);
        let primaries = out["emails"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["primary"] == json!(true))
            .count();
        assert!(primaries <= 1, "{out:#}");
    }

    // --- errors --------------------------------------------------------------------------

    #[rstest]
    #[case::body_not_object(json!([]), ScimType::InvalidSyntax, "JSON object")]
    #[case::no_schemas(json!({"Operations": [{"op": "remove", "path": "title"}]}), ScimType::InvalidSyntax, "schemas")]
    #[case::wrong_schemas(json!({"schemas": [USER_SCHEMA], "Operations": [{"op": "remove", "path": "title"}]}), ScimType::InvalidSyntax, "schemas")]
    #[case::schemas_not_array(json!({"schemas": PATCH_OP_SCHEMA, "Operations": [{"op": "remove", "path": "title"}]}), ScimType::InvalidSyntax, "schemas")]
    #[case::no_operations(json!({"schemas": [PATCH_OP_SCHEMA]}), ScimType::InvalidSyntax, "Operations is missing")]
    #[case::empty_operations(msg(json!([])), ScimType::InvalidSyntax, "empty")]
    #[case::operations_not_array(msg(json!({"op": "add"})), ScimType::InvalidSyntax, "array")]
    #[case::op_not_object(msg(json!(["add"])), ScimType::InvalidSyntax, "Operations[0]")]
    #[case::unknown_op(msg(json!([{"op": "move", "path": "title"}])), ScimType::InvalidSyntax, "move")]
    #[case::missing_op(msg(json!([{"path": "title"}])), ScimType::InvalidSyntax, "op is missing")]
    #[case::op_not_string(msg(json!([{"op": 1, "path": "title"}])), ScimType::InvalidSyntax, "op must be")]
    #[case::add_without_value(msg(json!([{"op": "add", "path": "title"}])), ScimType::InvalidValue, "requires a value")]
    #[case::replace_without_value(msg(json!([{"op": "replace", "path": "title"}])), ScimType::InvalidValue, "requires a value")]
    #[case::path_not_string(msg(json!([{"op": "remove", "path": 5}])), ScimType::InvalidPath, "string")]
    #[case::bad_path(msg(json!([{"op": "add", "path": "emails[type eq", "value": "x"}])), ScimType::InvalidPath, "position")]
    #[case::empty_path(msg(json!([{"op": "add", "path": "", "value": "x"}])), ScimType::InvalidPath, "empty path")]
    #[case::sub_of_simple(msg(json!([{"op": "add", "path": "userName.x", "value": "x"}])), ScimType::InvalidPath, "not complex")]
    #[case::filter_on_single(msg(json!([{"op": "replace", "path": "name[givenName eq \"A\"]", "value": {}}])), ScimType::InvalidPath, "not multi-valued")]
    #[case::group_schema_on_user(msg(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:Group:displayName", "value": "x"}])), ScimType::InvalidPath, "not a schema of a User")]
    #[case::replace_filter_no_match(msg(json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "x"}])), ScimType::NoTarget, "matches")]
    #[case::add_filter_no_match_not_eq(msg(json!([{"op": "add", "path": "emails[type co \"oth\"].value", "value": "x"}])), ScimType::NoTarget, "matches")]
    #[case::remove_without_path(msg(json!([{"op": "remove"}])), ScimType::NoTarget, "requires a path")]
    #[case::path_id(msg(json!([{"op": "replace", "path": "id", "value": "x"}])), ScimType::Mutability, "id is readOnly")]
    #[case::path_id_ci(msg(json!([{"op": "remove", "path": "ID"}])), ScimType::Mutability, "id is readOnly")]
    #[case::path_meta(msg(json!([{"op": "replace", "path": "meta", "value": {}}])), ScimType::Mutability, "meta is readOnly")]
    #[case::path_meta_sub(msg(json!([{"op": "replace", "path": "meta.lastModified", "value": "x"}])), ScimType::Mutability, "readOnly")]
    #[case::path_groups(msg(json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}])), ScimType::Mutability, "groups is readOnly")]
    #[case::path_schemas(msg(json!([{"op": "remove", "path": "schemas"}])), ScimType::Mutability, "schemas")]
    #[case::path_read_only_sub(msg(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", "value": "x"}])), ScimType::Mutability, "readOnly")]
    #[case::remove_required(msg(json!([{"op": "remove", "path": "userName"}])), ScimType::InvalidValue, "required")]
    #[case::null_required(msg(json!([{"op": "replace", "path": "userName", "value": null}])), ScimType::InvalidValue, "required")]
    #[case::pathless_null_required(msg(json!([{"op": "replace", "value": {"userName": null}}])), ScimType::InvalidValue, "required")]
    #[case::wrong_type(msg(json!([{"op": "replace", "path": "active", "value": 5}])), ScimType::InvalidValue, "active must be a boolean")]
    #[case::array_for_single(msg(json!([{"op": "replace", "path": "userName", "value": ["a"]}])), ScimType::InvalidValue, "single-valued")]
    #[case::complex_not_object(msg(json!([{"op": "replace", "path": "name", "value": "A B"}])), ScimType::InvalidValue, "name must be")]
    #[case::sub_wrong_type(msg(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": 1}])), ScimType::InvalidValue, "emails.value")]
    #[case::pathless_not_object(msg(json!([{"op": "replace", "value": "x"}])), ScimType::InvalidValue, "object")]
    #[case::extension_not_object(msg(json!([{"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": 3}}])), ScimType::InvalidValue, "object")]
    fn user_errors(#[case] body: Value, #[case] scim_type: ScimType, #[case] detail: &str) {
        let err = run(ResourceKind::User, &user(), &body, &[]).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(err.scim_type, Some(scim_type), "{}", err.detail);
        assert!(
            err.detail.contains(detail),
            "{:?} lacks {detail:?}",
            err.detail
        );
    }

    #[rstest]
    #[case::remove_display_name(json!([{"op": "remove", "path": "displayName"}]), ScimType::InvalidValue)]
    #[case::enterprise_on_group(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "x"}]), ScimType::InvalidPath)]
    #[case::member_value_immutable(json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u9"}]), ScimType::Mutability)]
    #[case::member_replace_no_match(json!([{"op": "replace", "path": "members[value eq \"u9\"].display", "value": "x"}]), ScimType::NoTarget)]
    fn group_errors(#[case] ops: Value, #[case] scim_type: ScimType) {
        let err = patch_group(ops).unwrap_err();
        assert_eq!(err.scim_type, Some(scim_type), "{}", err.detail);
    }

    #[test]
    fn member_element_replace_through_filter_is_allowed() {
        let out = patch_group(json!([
            {"op": "replace", "path": "members[value eq \"u1\"]", "value": {"value": "u7", "display": "x"}},
            {"op": "replace", "path": "members[value eq \"u3\"].display", "value": "renamed"}
        ]))
        .unwrap();
        assert_eq!(members(&out), ["u7", "u3"]);
        check(&out, &[("/members/1/display", json!("renamed"))]);
    }

    #[test]
    fn a_failing_operation_discards_the_earlier_ones() {
        let err = patch_group(json!([
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "replace", "value": {"displayName": "Renamed"}},
            {"op": "replace", "path": "id", "value": "x"}
        ]))
        .unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::Mutability));
        assert!(
            err.detail.starts_with("Operations[2] (replace)"),
            "{}",
            err.detail
        );
    }

    // --- faults --------------------------------------------------------------------------

    #[rstest]
    #[case::pathless_ignored(Fault::PatchPathlessIgnored, ResourceKind::User,
        json!([{"op": "replace", "value": {"active": false}}]),
        vec![("/active", json!(true))], vec![("/active", json!(false))])]
    #[case::pathless_ignored_rename(Fault::PatchPathlessIgnored, ResourceKind::Group,
        json!([{"op": "replace", "value": {"id": "g-1", "displayName": "New"}}]),
        vec![("/displayName", json!("Engineering"))], vec![("/displayName", json!("New"))])]
    #[case::pathless_ignored_keeps_paths(Fault::PatchPathlessIgnored, ResourceKind::User,
        json!([{"op": "replace", "path": "active", "value": false}]),
        vec![("/active", json!(false))], vec![("/active", json!(false))])]
    #[case::filter_remove_ignored(Fault::MemberFilterRemoveIgnored, ResourceKind::Group,
        json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]),
        vec![("/members/0/value", json!("u1")), ("/members/1/value", json!("u3"))],
        vec![("/members/0/value", json!("u3")), ("/members/1", json!(null))])]
    #[case::filter_remove_wipes(Fault::MemberFilterRemoveWipes, ResourceKind::Group,
        json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]),
        vec![("/members", json!(null))],
        vec![("/members/0/value", json!("u3")), ("/members/1", json!(null))])]
    #[case::replace_empty_ignored(Fault::ReplaceMembersEmptyIgnored, ResourceKind::Group,
        json!([{"op": "replace", "path": "members", "value": []}]),
        vec![("/members/0/value", json!("u1"))], vec![("/members", json!([]))])]
    #[case::replace_empty_ignored_pathless(Fault::ReplaceMembersEmptyIgnored, ResourceKind::Group,
        json!([{"op": "replace", "value": {"id": "g-1", "displayName": "E", "members": []}}]),
        vec![("/members/0/value", json!("u1")), ("/displayName", json!("E"))],
        vec![("/members", json!([])), ("/displayName", json!("E"))])]
    #[case::add_members_replaces(Fault::AddMembersReplaces, ResourceKind::Group,
        json!([{"op": "add", "path": "members", "value": [{"value": "u2", "display": "x@y"}]}]),
        vec![("/members", json!([{"value": "u2", "display": "x@y"}]))],
        vec![("/members/0/value", json!("u1")), ("/members/2/value", json!("u2"))])]
    #[case::member_requires_type(Fault::MemberRequiresType, ResourceKind::Group,
        json!([{"op": "add", "path": "members", "value": [{"value": "u2", "display": "x@y"}, {"value": "u4", "type": "User"}]}]),
        vec![("/members/2/value", json!("u4")), ("/members/3", json!(null))],
        vec![("/members/2/value", json!("u2")), ("/members/3/value", json!("u4"))])]
    #[case::member_requires_type_replace(Fault::MemberRequiresType, ResourceKind::Group,
        json!([{"op": "replace", "path": "members", "value": [{"value": "u2"}]}]),
        vec![("/members", json!([]))], vec![("/members", json!([{"value": "u2"}]))])]
    fn faults_misbehave_where_the_real_bug_lives(
        #[case] fault: Fault,
        #[case] kind: ResourceKind,
        #[case] ops: Value,
        #[case] with_fault: Vec<(&str, Value)>,
        #[case] conformant: Vec<(&str, Value)>,
    ) {
        let resource = match kind {
            ResourceKind::User => user(),
            ResourceKind::Group => group(),
        };
        let body = msg(ops);
        check(&run(kind, &resource, &body, &[fault]).unwrap(), &with_fault);
        check(&run(kind, &resource, &body, &[]).unwrap(), &conformant);
    }

    #[test]
    fn fault_pathless_ignored_also_swallows_pathless_remove() {
        let body = msg(json!([{"op": "remove"}]));
        let out = run(
            ResourceKind::User,
            &user(),
            &body,
            &[Fault::PatchPathlessIgnored],
        )
        .unwrap();
        assert_eq!(out, user());
    }

    #[test]
    fn fault_rename_rejects_id() {
        let body = msg(json!([{"op": "replace", "value": {"id": "g-1", "displayName": "New"}}]));
        let err = run(
            ResourceKind::Group,
            &group(),
            &body,
            &[Fault::RenameRejectsId],
        )
        .unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::Mutability));
        assert!(err.detail.contains("id is readOnly"), "{}", err.detail);
        // Without `id` in the value the faulty server still renames.
        let body = msg(json!([{"op": "replace", "value": {"displayName": "New"}}]));
        let out = run(
            ResourceKind::Group,
            &group(),
            &body,
            &[Fault::RenameRejectsId],
        )
        .unwrap();
        assert_eq!(out["displayName"], json!("New"));
    }

    #[test]
    fn member_faults_leave_users_alone() {
        // The member faults are about a group's members only.
        let body = msg(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]));
        let out = run(
            ResourceKind::User,
            &user(),
            &body,
            &[
                Fault::MemberFilterRemoveIgnored,
                Fault::MemberFilterRemoveWipes,
            ],
        )
        .unwrap();
        assert_eq!(out["emails"].as_array().unwrap().len(), 1);
    }

    // --- properties ----------------------------------------------------------------------

    const KEYS: &[&str] = &[
        "op",
        "path",
        "value",
        "Operations",
        "schemas",
        "members",
        "active",
        "emails",
        "displayName",
        "id",
        "meta",
        "name",
        "userName",
        "type",
        "primary",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ];

    const STRINGS: &[&str] = &[
        "add",
        "remove",
        "replace",
        "Replace",
        "ADD",
        "u1",
        "u3",
        "work",
        "True",
        "false",
        PATCH_OP_SCHEMA,
        "members",
        "emails",
        "emails[type eq \"work\"].value",
        "members[value eq \"u1\"]",
        "name.givenName",
        "id",
        "meta",
        "groups",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "emails[",
        "x]",
        "",
    ];

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-3i64..5).prop_map(Value::from),
            prop::sample::select(STRINGS).prop_map(Value::from),
            "[ -~]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof![
                            prop::sample::select(KEYS).prop_map(String::from),
                            "[a-zA-Z]{1,8}"
                        ],
                        inner
                    ),
                    0..5
                )
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn path() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(STRINGS).prop_map(String::from),
            "[ -~]{0,24}",
            any::<String>(),
            (
                prop::sample::select(KEYS),
                prop::sample::select(KEYS),
                "[ -~]{0,6}"
            )
                .prop_map(|(a, b, v)| format!("{a}[{b} eq \"{v}\"].{b}")),
        ]
    }

    /// Paths that resolve (for one resource type or the other).
    const GOOD_PATHS: &[&str] = &[
        "members",
        "members[value eq \"u1\"]",
        "members[value eq \"u3\"].display",
        "displayName",
        "active",
        "title",
        "nickName",
        "name",
        "name.givenName",
        "emails",
        "emails[type eq \"work\"].value",
        "emails[type eq \"home\"]",
        "emails[primary eq true].primary",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "customAttr",
    ];

    /// An operation shaped like a real one, with arbitrary parts.
    fn operation() -> impl Strategy<Value = Value> {
        (
            prop_oneof![
                8 => prop::sample::select(&["add", "remove", "replace", "Replace"][..]),
                1 => Just("bogus"),
            ],
            prop::option::weighted(
                0.8,
                prop_oneof![4 => prop::sample::select(GOOD_PATHS).prop_map(String::from), 1 => path()],
            ),
            prop::option::weighted(0.9, json_value()),
        )
            .prop_map(|(op, path, value)| {
                let mut o = Map::new();
                o.insert("op".into(), json!(op));
                if let Some(p) = path {
                    o.insert("path".into(), json!(p));
                }
                if let Some(v) = value {
                    o.insert("value".into(), v);
                }
                Value::Object(o)
            })
    }

    /// Operations that apply to the base user or group (values arbitrary but well typed).
    fn applicable_operation() -> impl Strategy<Value = Value> {
        let name = "[a-z]{1,6}";
        prop_oneof![
            any::<bool>().prop_map(|b| json!({"op": "replace", "value": {"active": b}})),
            name.prop_map(|n| json!({"op": "replace", "value": {"id": "x", "displayName": n}})),
            name.prop_map(|n| json!({"op": "add", "path": "members", "value": [{"value": n, "display": "d"}]})),
            name.prop_map(|n| json!({"op": "remove", "path": format!("members[value eq \"{n}\"]")})),
            prop::collection::vec(name, 0..3).prop_map(|ns| {
                let m: Vec<Value> = ns.iter().map(|n| json!({"value": n})).collect();
                json!({"op": "replace", "path": "members", "value": m})
            }),
            name.prop_map(|n| json!({"op": "add", "path": "emails", "value": [{"value": n, "primary": true}]})),
            name.prop_map(|n| json!({"op": "add", "path": "emails[type eq \"work\"].value", "value": n})),
            Just(json!({"op": "remove", "path": "emails[type eq \"home\"]"})),
            name.prop_map(|n| json!({"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": n}}})),
            Just(json!({"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"})),
            name.prop_map(|n| json!({"op": "replace", "path": "name.givenName", "value": n})),
            Just(json!({"op": "remove", "path": "title"})),
        ]
    }

    fn faults() -> impl Strategy<Value = Vec<Fault>> {
        prop::collection::vec(prop::sample::select(Fault::ALL), 0..3)
    }

    fn kind_and_resource() -> impl Strategy<Value = (ResourceKind, Value)> {
        prop_oneof![
            Just((ResourceKind::User, user())),
            Just((ResourceKind::Group, group())),
        ]
    }

    /// A valid operation that changes something.
    fn valid_operation() -> impl Strategy<Value = (ResourceKind, Value)> {
        prop_oneof![
            Just((
                ResourceKind::User,
                json!({"op": "replace", "value": {"active": false}})
            )),
            Just((
                ResourceKind::User,
                json!({"op": "add", "path": "nickName", "value": "n"})
            )),
            Just((
                ResourceKind::User,
                json!({"op": "remove", "path": "emails[type eq \"home\"]"})
            )),
            Just((
                ResourceKind::Group,
                json!({"op": "remove", "path": "members[value eq \"u1\"]"})
            )),
            Just((
                ResourceKind::Group,
                json!({"op": "add", "path": "members", "value": [{"value": "u2"}]})
            )),
            Just((
                ResourceKind::Group,
                json!({"op": "replace", "value": {"id": "g-1", "displayName": "N"}})
            )),
            Just((
                ResourceKind::Group,
                json!({"op": "replace", "path": "members", "value": []})
            )),
        ]
    }

    /// An operation every conformant server must reject.
    fn invalid_operation() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!({"op": "move", "path": "displayName"})),
            Just(json!({"path": "displayName", "value": "x"})),
            Just(json!({"op": "add", "path": "displayName"})),
            Just(json!({"op": "replace", "path": "id", "value": "x"})),
            Just(json!({"op": "remove", "path": "meta"})),
            Just(json!({"op": "add", "path": "members[", "value": "x"})),
            Just(
                json!({"op": "replace", "path": "members[value eq \"nobody\"].display", "value": "x"})
            ),
            Just(json!({"op": "replace", "path": "displayName", "value": 7})),
            Just(json!({"op": "replace", "value": 7})),
            Just(json!("not an operation")),
            "[ -~]{1,12}".prop_map(|p| json!({"op": "remove", "path": format!("{p}[")})),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panics_on_arbitrary_bodies(
            (kind, resource) in kind_and_resource(),
            body in json_value(),
            faults in faults(),
        ) {
            let _ = run(kind, &resource, &body, &faults);
        }

        #[test]
        fn never_panics_on_arbitrary_operations(
            (kind, resource) in kind_and_resource(),
            ops in prop::collection::vec(prop_oneof![6 => operation(), 1 => json_value()], 1..4),
            faults in faults(),
        ) {
            let out = run(kind, &resource, &msg(Value::Array(ops)), &faults);
            if let Ok(out) = out {
                // Read-only attributes never change, whatever the message.
                prop_assert!(out.is_object());
                prop_assert_eq!(out.get("id"), resource.get("id"));
                prop_assert_eq!(out.get("meta"), resource.get("meta"));
            }
        }

        #[test]
        fn one_message_equals_its_operations_applied_one_by_one(
            (kind, resource) in kind_and_resource(),
            ops in prop::collection::vec(applicable_operation(), 1..6),
        ) {
            let at_once = run(kind, &resource, &msg(json!(ops)), &[]);
            let mut step = resource.clone();
            for op in &ops {
                match run(kind, &step, &msg(json!([op])), &[]) {
                    Ok(next) => step = next,
                    Err(e) => {
                        prop_assert!(at_once.is_err(), "{:?} failed alone: {}", op, e);
                        return Ok(());
                    }
                }
            }
            prop_assert_eq!(at_once.ok(), Some(step));
        }

        #[test]
        fn a_valid_then_an_invalid_operation_applies_nothing(
            (kind, valid) in valid_operation(),
            invalid in invalid_operation(),
            before in prop::collection::vec(valid_operation(), 0..2),
        ) {
            let resource = match kind {
                ResourceKind::User => user(),
                ResourceKind::Group => group(),
            };
            let mut ops: Vec<Value> = before
                .into_iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, op)| op)
                .collect();
            ops.push(valid.clone());
            // The valid prefix alone succeeds and changes the resource.
            let alone = run(kind, &resource, &msg(Value::Array(ops.clone())), &[]);
            prop_assert!(alone.is_ok());
            ops.push(invalid);
            let result = run(kind, &resource, &msg(Value::Array(ops)), &[]);
            prop_assert!(result.is_err(), "expected an error, got {:?}", result);
        }
    }
}
