//! What clients send, made canonical before it is stored: attribute names as the schema spells
//! them, `"True"`/`"False"` strings coerced to booleans, values type-checked, read-only
//! attributes dropped.
//!
//! The rules, shared by POST/PUT bodies ([`normalize_resource`]) and PATCH values
//! ([`normalize_value`]):
//!
//! * attribute and sub-attribute keys are matched case-insensitively and renamed to the schema's
//!   spelling; extension URN keys are renamed to the URN as the schema spells it;
//! * read-only attributes and sub-attributes (`id`, `meta`, `groups`, `manager.displayName`) are
//!   dropped silently: Okta's PUT round-trips them (RFC 7643 §2.2, "readOnly ... SHALL be
//!   ignored");
//! * `null` means unassigned (RFC 7643 §2.5): the key is removed;
//! * booleans sent as strings (`"True"`, `"false"`, any case) become JSON booleans;
//! * a multi-valued attribute given one value is wrapped in an array; a single-valued attribute
//!   given an array, a complex attribute given a non-object, or a scalar of the wrong type is a
//!   400 `invalidValue` naming the attribute;
//! * attributes and sub-attributes no schema defines (Okta custom attributes) are kept as sent.

use std::fmt;

use serde_json::{Map, Value};

use crate::errors::ScimError;
use crate::schema::{AttrType, AttributeDef, ResourceKind};

/// Canonicalizes a POST or PUT body of `kind`.
///
/// Returns the attributes to store: `schemas` as given (the caller validates it), known
/// attributes under their canonical names with type-checked values, extension attributes under
/// the canonical extension URN, read-only attributes and nulls removed, unknown attributes and
/// `password` kept (the caller hashes and strips the password). The body's values are moved into
/// the result, not copied.
pub fn normalize_resource(
    body: Value,
    kind: ResourceKind,
) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(map) = body else {
        return Err(ScimError::invalid_syntax(
            "the body must be a JSON object (a SCIM resource)",
        ));
    };
    let mut out = Map::new();
    for (key, value) in map {
        if key.eq_ignore_ascii_case("schemas") {
            insert_once(&mut out, canonical("schemas", key), value)?;
            continue;
        }
        if let Some(ext) = kind.extension(&key) {
            match value {
                Value::Null => {}
                Value::Object(inner) => {
                    let mut attrs = Map::new();
                    for (name, v) in inner {
                        match kind.resolve(Some(ext.id), &name) {
                            Some(r) => normalize_into(&mut attrs, r.def, v, &r.def.name, name)?,
                            None if v.is_null() => {}
                            None => insert_once(&mut attrs, name, v)?,
                        }
                    }
                    insert_once(&mut out, canonical(ext.id, key), Value::Object(attrs))?;
                }
                _ => {
                    return Err(ScimError::invalid_value(format!(
                        "{} must be an object holding the extension's attributes",
                        ext.id
                    )));
                }
            }
            continue;
        }
        match kind.resolve(None, &key) {
            Some(r) => normalize_into(&mut out, r.def, value, &r.def.name, key)?,
            None if value.is_null() => {}
            None => insert_once(&mut out, key, value)?,
        }
    }
    Ok(out)
}

/// The canonical name as a key: the key as sent when it is spelled so (its text is reused).
fn canonical(name: &str, given: String) -> String {
    if given == name {
        given
    } else {
        name.to_string()
    }
}

/// Canonicalizes one value written to the attribute `def`.
///
/// `null` stays `null` (the caller decides what unassigning means); a multi-valued attribute
/// always comes back as an array (a single value is wrapped, `null` elements dropped); complex
/// values get canonical sub-attribute keys with read-only sub-attributes and nulls removed.
/// The attribute's own mutability is not checked here.
pub fn normalize_value(value: &Value, def: &'static AttributeDef) -> Result<Value, ScimError> {
    normalize_named(value, def, &def.name)
}

/// [`normalize_value`] with `label` naming the attribute in error details (`emails.value`).
pub(crate) fn normalize_named(
    value: &Value,
    def: &'static AttributeDef,
    label: &dyn fmt::Display,
) -> Result<Value, ScimError> {
    normalize_owned(value.clone(), def, label)
}

/// [`normalize_named`] of a value the caller gives up: its parts are moved, not copied.
fn normalize_owned(
    value: Value,
    def: &'static AttributeDef,
    label: &dyn fmt::Display,
) -> Result<Value, ScimError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    if def.multi_valued {
        let items = match value {
            Value::Array(items) => items,
            single => vec![single],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if item.is_null() {
                continue;
            }
            if item.is_array() {
                return Err(ScimError::invalid_value(format!(
                    "{label} is multi-valued; its elements cannot be arrays"
                )));
            }
            out.push(normalize_single(item, def, label)?);
        }
        Ok(Value::Array(out))
    } else if value.is_array() {
        Err(ScimError::invalid_value(format!(
            "{label} is single-valued; an array was given"
        )))
    } else {
        normalize_single(value, def, label)
    }
}

/// Normalizes `value` for `def` and stores it in `out` under the canonical name (`given` is the
/// key it was sent under), unless the attribute is read-only or the value is null.
fn normalize_into(
    out: &mut Map<String, Value>,
    def: &'static AttributeDef,
    value: Value,
    label: &dyn fmt::Display,
    given: String,
) -> Result<(), ScimError> {
    if def.is_read_only() || value.is_null() {
        return Ok(());
    }
    let v = normalize_owned(value, def, label)?;
    if !v.is_null() {
        insert_once(out, canonical(def.name, given), v)?;
    }
    Ok(())
}

/// One non-array, non-null value of `def`'s type.
fn normalize_single(
    value: Value,
    def: &'static AttributeDef,
    label: &dyn fmt::Display,
) -> Result<Value, ScimError> {
    let wrong = |expected: &str, value: &Value| {
        Err(ScimError::invalid_value(format!(
            "{label} must be {expected}, not {}",
            describe(value)
        )))
    };
    match def.kind {
        AttrType::Complex => {
            let map = match value {
                Value::Object(map) => map,
                other => return wrong("an object (it is a complex attribute)", &other),
            };
            let mut out = Map::new();
            for (key, v) in map {
                match def.sub_attribute(&key) {
                    Some(sub) => {
                        // The label is only written out if the value is refused.
                        let sub_label = format_args!("{label}.{}", sub.name);
                        normalize_into(&mut out, sub, v, &sub_label, key)?;
                    }
                    None if v.is_null() => {}
                    None => insert_once(&mut out, key, v)?,
                }
            }
            Ok(Value::Object(out))
        }
        AttrType::Boolean => match value {
            Value::Bool(_) => Ok(value),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            other => wrong("a boolean", &other),
        },
        AttrType::Integer => match value {
            Value::Number(ref n) if n.is_i64() || n.is_u64() => Ok(value),
            other => wrong("an integer", &other),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => Ok(value),
            other => wrong("a number", &other),
        },
        AttrType::String | AttrType::DateTime | AttrType::Binary | AttrType::Reference => {
            match value {
                Value::String(_) => Ok(value),
                other => wrong("a string", &other),
            }
        }
    }
}

/// Inserts `key`, refusing two different values for one canonical name (`userName` and
/// `USERNAME` in the same body).
fn insert_once(out: &mut Map<String, Value>, key: String, value: Value) -> Result<(), ScimError> {
    match out.entry(key) {
        serde_json::map::Entry::Vacant(slot) => {
            slot.insert(value);
            Ok(())
        }
        serde_json::map::Entry::Occupied(slot) if *slot.get() != value => {
            Err(ScimError::invalid_value(format!(
                "{} is given more than once (keys differing only in case) with different values",
                slot.key()
            )))
        }
        serde_json::map::Entry::Occupied(_) => Ok(()),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::ScimType;
    use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP, USER, USER_SCHEMA};
    use rstest::rstest;
    use serde_json::json;

    fn user(body: Value) -> Result<Value, ScimError> {
        normalize_resource(body, ResourceKind::User).map(Value::Object)
    }

    fn group(body: Value) -> Result<Value, ScimError> {
        normalize_resource(body, ResourceKind::Group).map(Value::Object)
    }

    fn def(schema: &crate::schema::SchemaDef, name: &str) -> &'static AttributeDef {
        schema.attribute(name).unwrap()
    }

    #[rstest]
    #[case::array(json!([]))]
    #[case::string(json!("user"))]
    #[case::null(json!(null))]
    #[case::number(json!(1))]
    fn non_object_body_is_invalid_syntax(#[case] body: Value) {
        let err = user(body).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn okta_create_body_is_kept_with_groups_dropped() {
        // okta-reference.md §1.3 / §3.21: POST /Users carries `groups: []` and `password`.
        let body = json!({
            "schemas": [USER_SCHEMA],
            "userName": "test.user@okta.local",
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "1mz050nq",
            "active": true
        });
        let out = user(body.clone()).unwrap();
        let mut expected = body;
        expected.as_object_mut().unwrap().remove("groups");
        assert_eq!(out, expected);
    }

    #[test]
    fn okta_put_round_trip_drops_read_only_attributes() {
        // okta-reference.md §1.4 / §3.18: the PUT body round-trips id, meta and groups.
        let out = user(json!({
            "schemas": [USER_SCHEMA],
            "id": "23a35c27",
            "userName": "a@b",
            "meta": {"resourceType": "User", "created": "04-12-2018 00:00:00"},
            "groups": [{"value": "g1", "display": "G"}],
            "emails": [{"value": "a@b", "display": "a@b", "primary": true}],
        }))
        .unwrap();
        assert_eq!(
            out,
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "a@b",
                "emails": [{"value": "a@b", "display": "a@b", "primary": true}],
            })
        );
    }

    #[test]
    fn keys_are_canonicalized_at_every_level() {
        let out = user(json!({
            "SCHEMAS": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "USERNAME": "a",
            "Name": {"GIVENNAME": "A", "familyname": "B"},
            "EMAILS": [{"VALUE": "a@b", "Type": "work", "PRIMARY": "True"}],
            "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user": {
                "DEPARTMENT": "R&D",
                "Manager": {"VALUE": "m1", "displayName": "read only"}
            }
        }))
        .unwrap();
        assert_eq!(
            out,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "userName": "a",
                "name": {"givenName": "A", "familyName": "B"},
                "emails": [{"value": "a@b", "type": "work", "primary": true}],
                ENTERPRISE_USER_SCHEMA: {"department": "R&D", "manager": {"value": "m1"}}
            })
        );
    }

    #[rstest]
    #[case(json!("True"), json!(true))]
    #[case(json!("true"), json!(true))]
    #[case(json!("TRUE"), json!(true))]
    #[case(json!("False"), json!(false))]
    #[case(json!("false"), json!(false))]
    #[case(json!(false), json!(false))]
    fn boolean_strings_are_coerced(#[case] given: Value, #[case] expected: Value) {
        let out = user(json!({"userName": "a", "active": given})).unwrap();
        assert_eq!(out["active"], expected);
    }

    #[rstest]
    #[case::string_given_number(json!({"userName": 5}), "userName")]
    #[case::string_given_bool(json!({"userName": "a", "title": true}), "title")]
    #[case::string_given_object(json!({"userName": "a", "displayName": {"x": 1}}), "displayName")]
    #[case::bool_given_word(json!({"userName": "a", "active": "yes"}), "active")]
    #[case::bool_given_number(json!({"userName": "a", "active": 1}), "active")]
    #[case::single_given_array(json!({"userName": ["a"]}), "userName")]
    #[case::complex_given_string(json!({"userName": "a", "name": "A B"}), "name")]
    #[case::sub_attribute(json!({"userName": "a", "emails": [{"value": 7}]}), "emails.value")]
    #[case::element_not_object(json!({"userName": "a", "emails": ["a@b"]}), "emails")]
    #[case::nested_array(json!({"userName": "a", "emails": [[{"value": "a"}]]}), "emails")]
    #[case::extension_attr(json!({ENTERPRISE_USER_SCHEMA: {"department": 3}}), "department")]
    #[case::extension_not_object(json!({ENTERPRISE_USER_SCHEMA: "x"}), ENTERPRISE_USER_SCHEMA)]
    #[case::conflicting_spellings(json!({"userName": "a", "USERNAME": "b"}), "userName")]
    fn type_errors_are_invalid_value_naming_the_attribute(
        #[case] body: Value,
        #[case] attribute: &str,
    ) {
        let err = user(body).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{err}");
        assert!(err.detail.contains(attribute), "{}", err.detail);
    }

    #[test]
    fn single_object_for_multi_valued_is_wrapped() {
        let out = user(json!({"userName": "a", "emails": {"value": "a@b"}})).unwrap();
        assert_eq!(out["emails"], json!([{"value": "a@b"}]));
    }

    #[test]
    fn nulls_are_removed_everywhere() {
        let out = user(json!({
            "userName": "a",
            "title": null,
            "custom": null,
            "name": {"givenName": null, "familyName": "B"},
            "emails": [null, {"value": "a@b", "type": null}],
            ENTERPRISE_USER_SCHEMA: {"department": null, "x": null}
        }))
        .unwrap();
        assert_eq!(
            out,
            json!({
                "userName": "a",
                "name": {"familyName": "B"},
                "emails": [{"value": "a@b"}],
                ENTERPRISE_USER_SCHEMA: {}
            })
        );
    }

    #[test]
    fn unknown_attributes_are_kept_as_sent() {
        let body = json!({
            "userName": "a",
            "customFlag": 1,
            "Custom": {"Deep": [1, "x"]},
            "urn:okta:custom:1.0": {"costCode": 7},
            "name": {"pronoun": 3},
        });
        assert_eq!(user(body.clone()).unwrap(), body);
    }

    #[test]
    fn okta_group_bodies() {
        // okta-reference.md §1.9: POST /Groups with empty members; AIW PUT round-trips id.
        let out = group(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Test SCIMv2",
            "members": []
        }))
        .unwrap();
        assert_eq!(out["members"], json!([]));
        let out = group(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "g1",
            "DisplayName": "G",
            "Members": [
                {"Value": "u1", "display": "a@b"},
                {"value": "u2", "$REF": "https://x/Users/u2", "type": "User"}
            ]
        }))
        .unwrap();
        assert_eq!(
            out,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "G",
                "members": [
                    {"value": "u1", "display": "a@b"},
                    {"value": "u2", "$ref": "https://x/Users/u2", "type": "User"}
                ]
            })
        );
    }

    #[test]
    fn group_keeps_user_attributes_as_unknown() {
        let out = group(json!({"displayName": "G", "userName": 5})).unwrap();
        assert_eq!(out["userName"], json!(5));
    }

    #[rstest]
    #[case::multi_wrap(def(&USER, "emails"), json!({"Value": "a"}), json!([{"value": "a"}]))]
    #[case::multi_nulls(def(&USER, "emails"), json!([null, {"value": "a"}]), json!([{"value": "a"}]))]
    #[case::member(def(&GROUP, "members"), json!([{"value": "u1", "display": "x"}]), json!([{"value": "u1", "display": "x"}]))]
    #[case::entra_bool(def(&USER, "active"), json!("False"), json!(false))]
    #[case::null(def(&USER, "active"), json!(null), json!(null))]
    #[case::complex(def(&USER, "name"), json!({"GivenName": "A", "x": null}), json!({"givenName": "A"}))]
    fn normalize_value_cases(
        #[case] def: &'static AttributeDef,
        #[case] given: Value,
        #[case] expected: Value,
    ) {
        assert_eq!(normalize_value(&given, def).unwrap(), expected);
    }

    #[test]
    fn normalize_value_rejects_wrong_types() {
        let err = normalize_value(&json!(["a"]), def(&USER, "active")).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
        let err = normalize_value(&json!(1), def(&USER, "name")).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    }
}
