//! The evaluator.
//!
//! Semantics (RFC 7644 §3.4.2.2), with the choices the RFC leaves open:
//!
//! - Attribute names resolve case-insensitively through [`ResourceKind::resolve`]; an
//!   unqualified name that the core schema does not define is also looked up in the type's
//!   extensions (`department` finds the enterprise `department`). JSON keys are matched
//!   case-insensitively. Attributes no schema defines are still filterable: they are looked up
//!   at the top level (or under their URN key when qualified) and compared as `caseExact=false`.
//! - Strings honour the attribute's `caseExact`; case-insensitive comparisons use Unicode
//!   lowercase. `gt`/`ge`/`lt`/`le` order strings lexicographically (by code point), numbers
//!   numerically and `dateTime` attributes chronologically (RFC 3339, or an xsd:dateTime without
//!   offset read as UTC; if either side does not parse, they compare as strings).
//!   `co`/`sw`/`ew` apply to strings only. Booleans support only `eq` and `ne`.
//! - A literal of a different JSON type than the stored value never matches (`active eq
//!   "true"` is false when `active` is the boolean `true`), for every operator including `ne`.
//! - Multi-valued attributes match when ANY value matches, for every operator including `ne`
//!   (`emails.type ne "work"` matches a user with a work and a home email). A comparison on a
//!   complex attribute without a sub-attribute (`emails co "x"`) compares each element's
//!   `value` sub-attribute.
//! - `pr` is true when some value exists that is not null, `""`, `[]` or `{}`.
//! - An absent attribute (missing, null or empty array) makes every comparison false except
//!   `ne`, which is true: the attribute is "not equal" to anything.
//! - `attr eq null` means "not present" (`not (attr pr)`), `attr ne null` means "present";
//!   any other operator with `null` is false.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Number, Value};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::schema::{AttrType, AttributeDef, ResolvedAttr, ResourceKind};

/// Whether `resource` (a full stored resource of `kind`) matches `filter`.
pub fn matches(filter: &Filter, resource: &Value, kind: ResourceKind) -> bool {
    eval(
        filter,
        Scope::Resource {
            root: resource,
            kind,
        },
    )
}

/// Whether one element of a multi-valued complex attribute `parent` matches a value filter
/// whose paths are relative to the element (`members[value eq "…"]`).
pub fn matches_element(filter: &Filter, element: &Value, parent: &'static AttributeDef) -> bool {
    eval(
        filter,
        Scope::Element {
            element,
            parent: Some(parent),
        },
    )
}

/// Semantic checks a parser cannot make: ordering operators on booleans or binaries, etc.
/// The error text becomes the 400 invalidFilter detail.
///
/// Rejected: `gt`/`ge`/`lt`/`le` on a Boolean or Binary attribute or with a `true`/`false`
/// literal; a value filter on an attribute that is neither multi-valued nor complex, after a
/// sub-attribute, or nested in another value filter; a sub-attribute that a known attribute
/// does not have (`name.foo`, `userName.foo`, `emails[foo eq "x"]`); a schema URN on a path
/// inside a value filter. Attributes no schema defines are allowed (custom attributes).
pub fn check(filter: &Filter, kind: ResourceKind) -> Result<(), String> {
    check_in(filter, &CheckScope::Resource(kind))
}

/// The values at `path` in `resource`, flattened across multi-valued attributes.
///
/// `userName` gives one value, `emails` the element objects, `emails.value` every email's
/// value. Elements with `"primary": true` come first (otherwise in stored order), so a caller
/// sorting by a multi-valued attribute can take the first value. Nulls are skipped.
pub fn values_at<'a>(resource: &'a Value, path: &AttrPath, kind: ResourceKind) -> Vec<&'a Value> {
    let loc = locate(
        Scope::Resource {
            root: resource,
            kind,
        },
        path,
    );
    let mut elements = Vec::new();
    push_flat(&mut elements, loc.node);
    elements.sort_by_key(|v| !is_primary(v));
    match path.sub_attr.as_deref() {
        None => elements,
        Some(sub) => {
            let key = sub_key(loc.def, sub);
            let mut out = Vec::new();
            for element in elements {
                push_flat(&mut out, get_ci(element, key));
            }
            out
        }
    }
}

/// Where paths are resolved: a whole resource, or one element of a multi-valued attribute.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Resource {
        root: &'a Value,
        kind: ResourceKind,
    },
    Element {
        element: &'a Value,
        parent: Option<&'static AttributeDef>,
    },
}

/// An attribute found in a scope: its JSON value (`None` when absent) and its definition
/// (`None` when no schema defines it).
struct Located<'a> {
    node: Option<&'a Value>,
    def: Option<&'static AttributeDef>,
}

/// [`ResourceKind::resolve`], falling back to the type's extensions for an unqualified name.
fn resolve_attr(kind: ResourceKind, urn: Option<&str>, name: &str) -> Option<ResolvedAttr> {
    kind.resolve(urn, name).or_else(|| match urn {
        None => kind
            .extensions()
            .iter()
            .find_map(|ext| kind.resolve(Some(ext.id), name)),
        Some(_) => None,
    })
}

/// A key of a JSON object, matched exactly first, then ASCII case-insensitively.
fn get_ci<'a>(object: &'a Value, key: &str) -> Option<&'a Value> {
    let map = object.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn locate<'a>(scope: Scope<'a>, path: &AttrPath) -> Located<'a> {
    match scope {
        Scope::Resource { root, kind } => {
            let urn = path.urn.as_deref();
            match resolve_attr(kind, urn, &path.attr) {
                Some(resolved) => {
                    let container = if resolved.in_extension {
                        get_ci(root, resolved.schema.id)
                    } else {
                        Some(root)
                    };
                    Located {
                        node: container.and_then(|c| get_ci(c, resolved.def.name)),
                        def: Some(resolved.def),
                    }
                }
                None => {
                    let container = match urn {
                        None => Some(root),
                        Some(u) if u.eq_ignore_ascii_case(kind.core_schema().id) => Some(root),
                        Some(u) => get_ci(root, u),
                    };
                    Located {
                        node: container.and_then(|c| get_ci(c, &path.attr)),
                        def: None,
                    }
                }
            }
        }
        Scope::Element { element, parent } => {
            let def = parent.and_then(|p| p.sub_attribute(&path.attr));
            Located {
                node: get_ci(element, def.map_or(path.attr.as_str(), |d| d.name)),
                def,
            }
        }
    }
}

fn sub_key<'p>(def: Option<&'static AttributeDef>, sub: &'p str) -> &'p str {
    def.and_then(|d| d.sub_attribute(sub))
        .map_or(sub, |d| d.name)
}

/// Pushes a value, or the elements of an array; nulls are skipped.
fn push_flat<'a>(out: &mut Vec<&'a Value>, value: Option<&'a Value>) {
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => out.extend(items.iter().filter(|v| !v.is_null())),
        Some(v) => out.push(v),
    }
}

/// The values at the located attribute, or at its sub-attribute across every element, and the
/// definition that describes them.
fn path_values<'a>(
    loc: &Located<'a>,
    sub: Option<&str>,
) -> (Vec<&'a Value>, Option<&'static AttributeDef>) {
    let mut out = Vec::new();
    match sub {
        None => {
            push_flat(&mut out, loc.node);
            (out, loc.def)
        }
        Some(sub) => {
            let mut parents = Vec::new();
            push_flat(&mut parents, loc.node);
            let key = sub_key(loc.def, sub);
            for parent in parents {
                push_flat(&mut out, get_ci(parent, key));
            }
            (out, loc.def.and_then(|d| d.sub_attribute(sub)))
        }
    }
}

/// The values a comparison looks at: like [`path_values`], but a complex value without a
/// sub-attribute in the path stands for its `value` sub-attribute.
fn comparison_values<'a>(
    loc: &Located<'a>,
    sub: Option<&str>,
) -> (Vec<&'a Value>, Option<&'static AttributeDef>) {
    let (values, def) = path_values(loc, sub);
    if sub.is_some() || !values.iter().any(|v| v.is_object()) {
        return (values, def);
    }
    let mut out = Vec::new();
    for v in values {
        if v.is_object() {
            push_flat(&mut out, get_ci(v, "value"));
        } else {
            out.push(v);
        }
    }
    (out, def.and_then(|d| d.sub_attribute("value")))
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(map) => !map.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn is_primary(value: &Value) -> bool {
    get_ci(value, "primary").and_then(Value::as_bool) == Some(true)
}

fn eval(filter: &Filter, scope: Scope<'_>) -> bool {
    match filter {
        Filter::And(a, b) => eval(a, scope) && eval(b, scope),
        Filter::Or(a, b) => eval(a, scope) || eval(b, scope),
        Filter::Not(inner) => !eval(inner, scope),
        Filter::Present(path) => present(scope, path),
        Filter::Compare { path, op, value } => {
            if *value == CompValue::Null {
                return match op {
                    CompareOp::Eq => !present(scope, path),
                    CompareOp::Ne => present(scope, path),
                    _ => false,
                };
            }
            let loc = locate(scope, path);
            let (values, leaf) = comparison_values(&loc, path.sub_attr.as_deref());
            if values.is_empty() {
                return *op == CompareOp::Ne;
            }
            values.iter().any(|v| compare(v, *op, value, leaf))
        }
        Filter::ValuePath { path, filter } => {
            let loc = locate(scope, path);
            let (elements, def) = path_values(&loc, path.sub_attr.as_deref());
            elements.iter().any(|element| {
                element.is_object()
                    && eval(
                        filter,
                        Scope::Element {
                            element,
                            parent: def,
                        },
                    )
            })
        }
    }
}

fn present(scope: Scope<'_>, path: &AttrPath) -> bool {
    let loc = locate(scope, path);
    let (values, _) = path_values(&loc, path.sub_attr.as_deref());
    values.iter().any(|v| is_present(v))
}

fn holds(ordering: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare(value: &Value, op: CompareOp, literal: &CompValue, leaf: Option<&AttributeDef>) -> bool {
    match (value, literal) {
        (Value::String(s), CompValue::Str(l)) => compare_str(s, op, l, leaf),
        (Value::Number(n), CompValue::Num(l)) => match op {
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
            _ => compare_numbers(n, l).is_some_and(|o| holds(o, op)),
        },
        (Value::Bool(b), CompValue::Bool(l)) => match op {
            CompareOp::Eq => b == l,
            CompareOp::Ne => b != l,
            _ => false,
        },
        _ => false,
    }
}

fn compare_str(value: &str, op: CompareOp, literal: &str, leaf: Option<&AttributeDef>) -> bool {
    let is_datetime = leaf.is_some_and(|d| d.kind == AttrType::DateTime);
    if is_datetime
        && !matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
        && let (Some(a), Some(b)) = (parse_datetime(value), parse_datetime(literal))
    {
        return holds(a.cmp(&b), op);
    }
    let (a, b): (Cow<'_, str>, Cow<'_, str>) = if leaf.is_some_and(|d| d.case_exact) {
        (Cow::Borrowed(value), Cow::Borrowed(literal))
    } else {
        (crate::fold::fold(value), crate::fold::fold(literal))
    };
    match op {
        CompareOp::Co => a.contains(&*b),
        CompareOp::Sw => a.starts_with(&*b),
        CompareOp::Ew => a.ends_with(&*b),
        _ => holds(a.cmp(&b), op),
    }
}

fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    let int = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// An RFC 3339 timestamp, or an xsd:dateTime without an offset (read as UTC).
fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// Where [`check`] resolves paths.
enum CheckScope {
    Resource(ResourceKind),
    /// Inside `parent[…]`: `def` is the parent's definition, `written` its path as written.
    Element {
        def: Option<&'static AttributeDef>,
        written: String,
    },
}

/// A path's attribute definition and the definition of what it compares (its sub-attribute,
/// or the `value` sub-attribute of a complex attribute).
struct Checked {
    def: Option<&'static AttributeDef>,
    leaf: Option<&'static AttributeDef>,
}

fn check_path(path: &AttrPath, scope: &CheckScope) -> Result<Checked, String> {
    let def = match scope {
        CheckScope::Resource(kind) => {
            resolve_attr(*kind, path.urn.as_deref(), &path.attr).map(|r| r.def)
        }
        CheckScope::Element {
            def: parent,
            written,
        } => {
            if path.urn.is_some() {
                return Err(format!(
                    "\"{path}\": paths inside \"{written}[…]\" are relative to its elements and cannot carry a schema URN"
                ));
            }
            match parent {
                Some(parent) if parent.kind == AttrType::Complex => {
                    match parent.sub_attribute(&path.attr) {
                        Some(def) => Some(def),
                        None => {
                            return Err(format!(
                                "\"{written}\" has no sub-attribute \"{}\"",
                                path.attr
                            ));
                        }
                    }
                }
                _ => None,
            }
        }
    };
    let leaf = match (&path.sub_attr, def) {
        (Some(sub), Some(def)) => {
            if def.kind != AttrType::Complex {
                return Err(format!(
                    "\"{}\" is not a complex attribute, so it has no sub-attribute \"{sub}\"",
                    def.name
                ));
            }
            match def.sub_attribute(sub) {
                Some(leaf) => Some(leaf),
                None => return Err(format!("\"{}\" has no sub-attribute \"{sub}\"", def.name)),
            }
        }
        (Some(_), None) => None,
        (None, Some(def)) if def.kind == AttrType::Complex => def.sub_attribute("value"),
        (None, def) => def,
    };
    Ok(Checked { def, leaf })
}

fn check_in(filter: &Filter, scope: &CheckScope) -> Result<(), String> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            check_in(a, scope)?;
            check_in(b, scope)
        }
        Filter::Not(inner) => check_in(inner, scope),
        Filter::Present(path) => check_path(path, scope).map(|_| ()),
        Filter::Compare { path, op, value } => {
            let checked = check_path(path, scope)?;
            if op.is_ordering() {
                if let Some(leaf) = checked.leaf {
                    let kind = match leaf.kind {
                        AttrType::Boolean => Some("boolean"),
                        AttrType::Binary => Some("binary"),
                        _ => None,
                    };
                    if let Some(kind) = kind {
                        return Err(format!(
                            "\"{op}\" cannot be applied to \"{path}\": it is a {kind} attribute, and {kind} values have no order"
                        ));
                    }
                }
                if let CompValue::Bool(b) = value {
                    return Err(format!(
                        "\"{op}\" cannot compare \"{path}\" with {b}: booleans have no order"
                    ));
                }
            }
            Ok(())
        }
        Filter::ValuePath { path, filter } => {
            if let CheckScope::Element { written, .. } = scope {
                return Err(format!(
                    "value filters cannot be nested: \"{path}[…]\" inside \"{written}[…]\""
                ));
            }
            if path.sub_attr.is_some() {
                return Err(format!(
                    "a value filter must follow an attribute name, not the sub-attribute path \"{path}\""
                ));
            }
            let checked = check_path(path, scope)?;
            if let Some(def) = checked.def
                && !def.multi_valued
                && def.kind != AttrType::Complex
            {
                return Err(format!(
                    "\"{path}[…]\": a value filter needs a multi-valued or complex attribute, and \"{}\" is neither",
                    def.name
                ));
            }
            check_in(
                filter,
                &CheckScope::Element {
                    def: checked.def,
                    written: path.to_string(),
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rstest::rstest;
    use serde_json::json;

    use super::*;
    use crate::filter::parse::tests as strategies;
    use crate::filter::{parse_filter, parse_patch_path};

    fn user() -> Value {
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "userName": "Test.User@Okta.Local",
            "displayName": "Test SCIMv2",
            "name": {
                "givenName": "Barbara",
                "familyName": "Jensen",
                "formatted": "Ms. Barbara J Jensen III"
            },
            "active": true,
            "title": "",
            "nickName": null,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "phoneNumbers": [],
            "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z",
                "version": "W/\"a330bc54f0671c9\""
            },
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984",
                "department": "Tour Operations",
                "manager": {
                    "value": "26118915-6090-4610-87e4-49d8ca9f808d",
                    "displayName": "John Smith"
                }
            },
            "customAttr": "Blue",
            "customNumber": 7,
            "customList": ["Alpha", "Beta"],
            "customObjects": [{"kind": "Gadget", "size": 3}],
            "urn:example:custom:1.0:Thing": {"colour": "Red"}
        })
    }

    fn group() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "displayName": "Test SCIMv2",
            "members": [
                {"value": "89bb1940-b905-4575-9e7f-6f887cfb368e", "display": "Alice"},
                {"value": "ABC", "display": "Bob", "type": "User"}
            ],
            "meta": {"resourceType": "Group", "lastModified": "2024-02-29T12:00:00.250+01:00"}
        })
    }

    fn members_def() -> &'static AttributeDef {
        ResourceKind::Group.resolve(None, "members").unwrap().def
    }

    fn user_matches(filter: &str) -> bool {
        let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        matches(&parsed, &user(), ResourceKind::User)
    }

    /// Every filter Okta sends, against a stored user whose userName has mixed case.
    #[rstest]
    #[case("userName eq \"test.user@okta.local\"", true)]
    #[case("userName eq \"TEST.USER@OKTA.LOCAL\"", true)]
    #[case("userName eq \"Test.User@Okta.Local\"", true)]
    #[case("userName eq \"other.user@okta.local\"", false)]
    #[case("USERNAME eq \"test.user@okta.local\"", true)]
    #[case("username EQ \"test.user@okta.local\"", true)]
    #[case("displayName eq \"Test SCIMv2\"", true)]
    #[case("displayName eq \"test scimv2\"", true)]
    #[case("externalId eq \"00ujl29u0le5T6Aj10h7\"", true)]
    #[case("externalId eq \"00UJL29U0LE5T6AJ10H7\"", false)]
    #[case("id eq \"2819c223-7f76-453a-919d-413861904646\"", true)]
    #[case("id eq \"2819C223-7F76-453A-919D-413861904646\"", false)]
    #[case("ID eq \"2819c223-7f76-453a-919d-413861904646\"", true)]
    fn okta_filters_and_case_exactness(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    #[rstest]
    #[case("userName ne \"x\"", true)]
    #[case("userName ne \"TEST.user@okta.local\"", false)]
    #[case("userName co \"USER@\"", true)]
    #[case("userName co \"nope\"", false)]
    #[case("userName sw \"test.\"", true)]
    #[case("userName sw \"user\"", false)]
    #[case("userName ew \".LOCAL\"", true)]
    #[case("userName ew \"okta\"", false)]
    #[case("userName gt \"a\"", true)]
    #[case("userName gt \"U\"", false)]
    #[case("userName lt \"a\"", false)]
    #[case("userName lt \"U\"", true)]
    #[case("userName ge \"test.user@okta.local\"", true)]
    #[case("userName le \"TEST.USER@OKTA.LOCAL\"", true)]
    #[case("userName gt \"test.user@okta.local\"", false)]
    #[case("userName lt \"test.user@okta.local\"", false)]
    #[case("externalId co \"T6Aj\"", true)]
    #[case("externalId co \"t6aj\"", false)]
    #[case("externalId sw \"00UJ\"", false)]
    #[case("externalId gt \"00uz\"", false)]
    #[case("externalId gt \"00UZ\"", true)]
    #[case("name.familyName eq \"jensen\"", true)]
    #[case("NAME.FAMILYNAME co \"ENS\"", true)]
    #[case("name.givenName sw \"barb\"", true)]
    #[case("name.middleName eq \"x\"", false)]
    #[case("name eq \"Barbara\"", false)]
    #[case("userName eq 5", false)]
    fn string_operators(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    #[rstest]
    #[case("userName pr", true)]
    #[case("name pr", true)]
    #[case("name.givenName pr", true)]
    #[case("name.middleName pr", false)]
    #[case("emails pr", true)]
    #[case("emails.value pr", true)]
    #[case("emails.display pr", false)]
    #[case("title pr", false)]
    #[case("nickName pr", false)]
    #[case("phoneNumbers pr", false)]
    #[case("active pr", true)]
    #[case("nonexistent pr", false)]
    #[case("customAttr pr", true)]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr",
        true
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr",
        false
    )]
    fn present(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    /// `eq null` is "not present", `ne null` is "present"; `ne` on an absent attribute is true.
    #[rstest]
    #[case("nickName eq null", true)]
    #[case("title eq null", true)]
    #[case("missing eq null", true)]
    #[case("userName eq null", false)]
    #[case("userName ne null", true)]
    #[case("missing ne null", false)]
    #[case("userName co null", false)]
    #[case("missing ne \"x\"", true)]
    #[case("nickName ne \"x\"", true)]
    #[case("phoneNumbers.value ne \"x\"", true)]
    #[case("missing eq \"x\"", false)]
    #[case("missing co \"\"", false)]
    #[case("missing gt \"a\"", false)]
    #[case("missing lt \"a\"", false)]
    fn null_and_absent(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    #[rstest]
    #[case("emails co \"example.com\"", true)]
    #[case("emails eq \"BABS@jensen.org\"", true)]
    #[case("emails eq \"work\"", false)]
    #[case("emails.value eq \"BABS@jensen.org\"", true)]
    #[case("emails.value ew \"@jensen.org\"", true)]
    #[case("emails.type eq \"home\"", true)]
    #[case("emails.type eq \"other\"", false)]
    #[case("emails.type ne \"work\"", true)]
    #[case("emails.primary eq true", true)]
    #[case("emails.primary eq false", false)]
    #[case("emails[type eq \"work\" and value co \"@example.com\"]", true)]
    #[case("emails[type eq \"home\" and value co \"@example.com\"]", false)]
    #[case("emails[TYPE eq \"WORK\"]", true)]
    #[case("emails[primary eq true]", true)]
    #[case("emails[not (type eq \"work\")]", true)]
    #[case("emails[type eq \"work\" or type eq \"home\"] and userName pr", true)]
    #[case("emails[display pr]", false)]
    #[case("phoneNumbers[type eq \"work\"]", false)]
    #[case("name[givenName eq \"barbara\"]", true)]
    #[case("x509Certificates co \"MIIDQz\"", true)]
    #[case("customList eq \"beta\"", true)]
    #[case("customList eq \"gamma\"", false)]
    #[case("customObjects[kind eq \"gadget\" and size gt 2]", true)]
    #[case("customObjects.size lt 3", false)]
    fn multi_valued(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    #[rstest]
    #[case("meta.lastModified gt \"2011-05-13T04:42:34Z\"", false)]
    #[case("meta.lastModified ge \"2011-05-13T04:42:34Z\"", true)]
    #[case("meta.lastModified gt \"2011-05-13T04:42:33Z\"", true)]
    #[case("meta.lastModified lt \"2011-05-13T04:42:34.001Z\"", true)]
    #[case("meta.lastModified eq \"2011-05-13T06:42:34+02:00\"", true)]
    #[case("meta.lastModified eq \"2011-05-13T04:42:34.000Z\"", true)]
    #[case("meta.lastModified le \"2011-05-13T01:00:00-05:00\"", true)]
    #[case("meta.lastModified gt \"2011-05-13T04:42:33\"", true)]
    #[case("meta.created lt \"2011-01-01T00:00:00Z\"", true)]
    #[case("meta.created gt \"2011-01-01T00:00:00Z\"", false)]
    #[case("meta.lastModified sw \"2011-05\"", true)]
    // Unparseable: compared as strings ("2011…" < "not…").
    #[case("meta.lastModified gt \"not a date\"", false)]
    #[case("meta.lastModified lt \"not a date\"", true)]
    #[case("meta.resourceType eq \"User\"", true)]
    #[case("meta.resourceType eq \"user\"", false)]
    fn date_times(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    #[rstest]
    #[case("active eq true", true)]
    #[case("active eq false", false)]
    #[case("active ne false", true)]
    #[case("active ne true", false)]
    #[case("active eq \"true\"", false)]
    #[case("active ne \"true\"", false)]
    #[case("active gt false", false)]
    #[case("active co true", false)]
    #[case("customNumber gt 5", true)]
    #[case("customNumber ge 7", true)]
    #[case("customNumber eq 7.0", true)]
    #[case("customNumber eq 7e0", true)]
    #[case("customNumber lt 7.5", true)]
    #[case("customNumber lt -1", false)]
    #[case("customNumber gt 18446744073709551615", false)]
    #[case("customNumber eq \"7\"", false)]
    #[case("customNumber co 7", false)]
    #[case("customAttr eq \"blue\"", true)]
    #[case("CUSTOMATTR eq \"BLUE\"", true)]
    #[case("customAttr eq true", false)]
    fn booleans_numbers_and_custom(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    #[rstest]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"tour operations\"",
        true
    )]
    #[case(
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT eq \"Tour Operations\"",
        true
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"",
        true
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\"",
        true
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt \"8\"",
        false
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt \"69\"",
        true
    )]
    #[case("department eq \"Tour Operations\"", true)]
    #[case("manager.displayName eq \"john smith\"", true)]
    #[case(
        "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"test.user@okta.local\"",
        true
    )]
    #[case(
        "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq \"Barbara\"",
        true
    )]
    #[case(
        "urn:ietf:params:scim:schemas:core:2.0:User:department eq \"Tour Operations\"",
        false
    )]
    #[case("urn:example:custom:1.0:Thing:colour eq \"red\"", true)]
    #[case("urn:example:custom:1.0:Thing:shape pr", false)]
    #[case("urn:example:other:1.0:Thing:colour pr", false)]
    fn urn_qualified(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    #[rstest]
    #[case("userName pr and not (active eq false)", true)]
    #[case("userName eq \"x\" or displayName pr", true)]
    #[case("userName eq \"x\" or displayName pr and active eq false", false)]
    #[case("(userName eq \"x\" or displayName pr) and active eq true", true)]
    #[case("not (userName pr)", false)]
    #[case("not (not (userName pr))", true)]
    fn logic(#[case] filter: &str, #[case] expected: bool) {
        assert_eq!(user_matches(filter), expected, "{filter}");
    }

    #[rstest]
    #[case("members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]", true)]
    #[case("members[value eq \"89BB1940-B905-4575-9E7F-6F887CFB368E\"]", false)]
    #[case("members[VALUE eq \"ABC\" and display eq \"bob\"]", true)]
    #[case("members.value eq \"abc\"", false)]
    #[case("members.value eq \"ABC\"", true)]
    #[case("members eq \"ABC\"", true)]
    #[case("members.display eq \"ALICE\"", true)]
    #[case("members.type eq \"user\"", true)]
    #[case("displayName eq \"test scimv2\"", true)]
    #[case("userName pr", false)]
    #[case("meta.lastModified gt \"2024-02-29T11:00:00Z\"", true)]
    #[case("meta.lastModified gt \"2024-02-29T11:00:00.250Z\"", false)]
    #[case("meta.lastModified eq \"2024-02-29T11:00:00.25Z\"", true)]
    fn groups(#[case] filter: &str, #[case] expected: bool) {
        let parsed = parse_filter(filter).unwrap();
        assert_eq!(
            matches(&parsed, &group(), ResourceKind::Group),
            expected,
            "{filter}"
        );
    }

    #[rstest]
    #[case("value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"", true)]
    #[case("VALUE eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"", true)]
    #[case("value eq \"89BB1940-B905-4575-9E7F-6F887CFB368E\"", false)]
    #[case("display eq \"alice\"", true)]
    #[case("type pr", false)]
    #[case(
        "value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\" and not (display eq \"bob\")",
        true
    )]
    fn element_filters(#[case] filter: &str, #[case] expected: bool) {
        let element = json!({"value": "89bb1940-b905-4575-9e7f-6f887cfb368e", "display": "Alice"});
        let parsed = parse_filter(filter).unwrap();
        assert_eq!(
            matches_element(&parsed, &element, members_def()),
            expected,
            "{filter}"
        );
    }

    #[test]
    fn okta_patch_path_selects_the_member() {
        let path =
            parse_patch_path("members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]").unwrap();
        let filter = path.value_filter.unwrap();
        let group = group();
        let selected: Vec<&Value> = group["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| matches_element(&filter, m, members_def()))
            .collect();
        assert_eq!(selected, vec![&group["members"][0]]);

        let emails_def = ResourceKind::User.resolve(None, "emails").unwrap().def;
        let path = parse_patch_path("emails[type eq \"WORK\"].value").unwrap();
        let filter = path.value_filter.unwrap();
        let user = user();
        let selected: Vec<&Value> = user["emails"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| matches_element(&filter, e, emails_def))
            .collect();
        assert_eq!(selected, vec![&user["emails"][0]]);
    }

    #[rstest]
    #[case(ResourceKind::User, "userName eq \"x\"")]
    #[case(ResourceKind::User, "emails[type eq \"work\" and primary eq true]")]
    #[case(ResourceKind::User, "name.givenName pr")]
    #[case(ResourceKind::User, "name[givenName eq \"x\"]")]
    #[case(ResourceKind::User, "customThing gt 5")]
    #[case(ResourceKind::User, "customThing.whatever gt 5")]
    #[case(ResourceKind::User, "meta.lastModified gt \"2011-05-13T04:42:34Z\"")]
    #[case(
        ResourceKind::User,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"x\""
    )]
    #[case(ResourceKind::User, "urn:example:custom:1.0:Thing:colour gt \"x\"")]
    #[case(ResourceKind::User, "active eq true and emails.primary ne false")]
    #[case(ResourceKind::User, "groups.$ref pr")]
    #[case(ResourceKind::User, "emails co \"x\"")]
    #[case(ResourceKind::Group, "members[value eq \"x\"]")]
    #[case(ResourceKind::Group, "members.value gt \"a\"")]
    fn check_accepts(#[case] kind: ResourceKind, #[case] filter: &str) {
        let parsed = parse_filter(filter).unwrap();
        assert_eq!(check(&parsed, kind), Ok(()), "{filter}");
    }

    #[rstest]
    #[case(ResourceKind::User, "active gt true", "it is a boolean attribute")]
    #[case(
        ResourceKind::User,
        "active lt false",
        "\"lt\" cannot be applied to \"active\""
    )]
    #[case(ResourceKind::User, "userName pr and ACTIVE ge false", "boolean")]
    #[case(
        ResourceKind::User,
        "emails[primary gt false]",
        "\"primary\": it is a boolean attribute"
    )]
    #[case(ResourceKind::User, "emails.primary le true", "boolean")]
    #[case(ResourceKind::User, "x509Certificates gt \"a\"", "binary attribute")]
    #[case(
        ResourceKind::User,
        "x509Certificates.value ge \"a\"",
        "binary attribute"
    )]
    #[case(ResourceKind::User, "userName gt true", "booleans have no order")]
    #[case(
        ResourceKind::User,
        "customThing.whatever lt false",
        "booleans have no order"
    )]
    #[case(ResourceKind::User, "userName[value eq \"x\"]", "is neither")]
    #[case(ResourceKind::User, "not (active[value eq \"x\"])", "is neither")]
    #[case(
        ResourceKind::User,
        "name.foo pr",
        "\"name\" has no sub-attribute \"foo\""
    )]
    #[case(
        ResourceKind::User,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.foo pr",
        "\"manager\" has no sub-attribute \"foo\""
    )]
    #[case(ResourceKind::User, "userName.foo pr", "not a complex attribute")]
    #[case(
        ResourceKind::User,
        "emails[foo eq \"x\"]",
        "\"emails\" has no sub-attribute \"foo\""
    )]
    #[case(
        ResourceKind::User,
        "emails[type.foo eq \"x\"]",
        "not a complex attribute"
    )]
    #[case(
        ResourceKind::User,
        "emails[urn:ietf:params:scim:schemas:core:2.0:User:type eq \"x\"]",
        "cannot carry a schema URN"
    )]
    #[case(
        ResourceKind::Group,
        "members[foo eq 1]",
        "\"members\" has no sub-attribute \"foo\""
    )]
    #[case(ResourceKind::Group, "displayName[value pr]", "is neither")]
    fn check_rejects(#[case] kind: ResourceKind, #[case] filter: &str, #[case] fragment: &str) {
        let parsed = parse_filter(filter).unwrap();
        let err = check(&parsed, kind).unwrap_err();
        assert!(
            err.contains(fragment),
            "{filter}: {err:?} lacks {fragment:?}"
        );
    }

    #[test]
    fn check_rejects_trees_the_parser_would_not_build() {
        let inner = parse_filter("type eq \"work\"").unwrap();
        let emails = AttrPath {
            urn: None,
            attr: "emails".into(),
            sub_attr: None,
        };
        let nested = Filter::ValuePath {
            path: emails.clone(),
            filter: Box::new(Filter::ValuePath {
                path: emails.clone(),
                filter: Box::new(inner.clone()),
            }),
        };
        let err = check(&nested, ResourceKind::User).unwrap_err();
        assert!(err.contains("cannot be nested"), "{err}");
        let after_sub = Filter::ValuePath {
            path: AttrPath {
                sub_attr: Some("value".into()),
                ..emails
            },
            filter: Box::new(inner),
        };
        let err = check(&after_sub, ResourceKind::User).unwrap_err();
        assert!(err.contains("must follow an attribute name"), "{err}");
    }

    fn attr_path(text: &str) -> AttrPath {
        parse_patch_path(text).unwrap().attr
    }

    #[rstest]
    #[case("userName", json!(["Test.User@Okta.Local"]))]
    #[case("USERNAME", json!(["Test.User@Okta.Local"]))]
    #[case("emails.value", json!(["bjensen@example.com", "babs@jensen.org"]))]
    #[case("emails.type", json!(["work", "home"]))]
    #[case("name.givenName", json!(["Barbara"]))]
    #[case("nickName", json!([]))]
    #[case("missing", json!([]))]
    #[case("customList", json!(["Alpha", "Beta"]))]
    #[case("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", json!(["Tour Operations"]))]
    #[case("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", json!(["John Smith"]))]
    #[case("department", json!(["Tour Operations"]))]
    #[case("meta.lastModified", json!(["2011-05-13T04:42:34Z"]))]
    fn values_at_paths(#[case] path: &str, #[case] expected: Value) {
        let user = user();
        let values: Vec<Value> = values_at(&user, &attr_path(path), ResourceKind::User)
            .into_iter()
            .cloned()
            .collect();
        assert_eq!(Value::Array(values), expected, "{path}");
    }

    #[test]
    fn values_at_puts_the_primary_element_first() {
        let user = json!({
            "emails": [
                {"value": "a@x", "type": "home"},
                {"value": "b@x", "type": "other"},
                {"value": "c@x", "type": "work", "primary": true}
            ]
        });
        let values = values_at(&user, &attr_path("emails"), ResourceKind::User);
        assert_eq!(
            values,
            vec![&user["emails"][2], &user["emails"][0], &user["emails"][1]]
        );
        let values = values_at(&user, &attr_path("emails.value"), ResourceKind::User);
        assert_eq!(values, vec!["c@x", "a@x", "b@x"]);
        let group = group();
        let values = values_at(&group, &attr_path("members.value"), ResourceKind::Group);
        assert_eq!(values, vec!["89bb1940-b905-4575-9e7f-6f887cfb368e", "ABC"]);
    }

    #[test]
    fn long_chains_evaluate_without_exhausting_the_stack() {
        let chain = vec!["id eq \"nope\""; crate::filter::parse::MAX_TERMS].join(" or ");
        let filter = parse_filter(&chain).unwrap();
        assert!(!matches(&filter, &user(), ResourceKind::User));
        assert_eq!(check(&filter, ResourceKind::User), Ok(()));
        let nested = format!("{}userName pr{}", "not (".repeat(64), ")".repeat(64));
        let filter = parse_filter(&nested).unwrap();
        assert!(matches(&filter, &user(), ResourceKind::User));
    }

    /// Stored keys are canonical, but lookups are lenient about their case.
    #[test]
    fn json_keys_match_case_insensitively() {
        let stored = json!({
            "USERNAME": "bjensen",
            "Emails": [{"VALUE": "b@x", "Type": "work"}],
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Department": "Ops"}
        });
        for filter in [
            "userName eq \"BJENSEN\"",
            "emails[type eq \"work\" and value eq \"b@x\"]",
            "emails co \"b@\"",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"ops\"",
        ] {
            let parsed = parse_filter(filter).unwrap();
            assert!(matches(&parsed, &stored, ResourceKind::User), "{filter}");
        }
    }

    /// Type mismatches and odd shapes never panic and never match.
    #[test]
    fn odd_shapes_do_not_match() {
        let stored = json!({
            "userName": 42,
            "active": "true",
            "emails": "not-an-array",
            "name": [1, 2, 3],
            "meta": {"lastModified": 5}
        });
        for filter in [
            "userName eq \"42\"",
            "active eq true",
            "emails[type eq \"work\"]",
            "name.givenName eq \"x\"",
            "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
        ] {
            let parsed = parse_filter(filter).unwrap();
            assert!(!matches(&parsed, &stored, ResourceKind::User), "{filter}");
        }
        assert!(user_matches("emails co \"\""));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn evaluation_never_panics(filter in strategies::filter()) {
            for (resource, kind) in [(user(), ResourceKind::User), (group(), ResourceKind::Group)] {
                let _ = check(&filter, kind);
                let m = matches(&filter, &resource, kind);
                prop_assert_eq!(matches(&Filter::Not(Box::new(filter.clone())), &resource, kind), !m);
                let _ = matches_element(&filter, &resource["emails"][0], members_def());
            }
        }

        #[test]
        fn parsed_filterish_input_evaluates(input in strategies::filterish()) {
            if let Ok(filter) = parse_filter(&input) {
                let _ = check(&filter, ResourceKind::User);
                let _ = matches(&filter, &user(), ResourceKind::User);
            }
        }

        /// `attr eq null` is exactly `not (attr pr)`.
        #[test]
        fn eq_null_is_not_present(
            attr in prop::sample::select(vec![
                "userName", "title", "nickName", "emails", "emails.value", "emails.display",
                "phoneNumbers", "name.givenName", "name.middleName", "missing", "customList",
            ])
        ) {
            let user = user();
            let eq_null = parse_filter(&format!("{attr} eq null")).unwrap();
            let present = parse_filter(&format!("{attr} pr")).unwrap();
            prop_assert_eq!(
                matches(&eq_null, &user, ResourceKind::User),
                !matches(&present, &user, ResourceKind::User)
            );
        }
    }
}
