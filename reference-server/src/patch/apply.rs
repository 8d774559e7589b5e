//! Applying a PatchOp message.

use serde_json::Value;

use crate::errors::ScimError;
use crate::faults::Faults;
use crate::schema::ResourceKind;

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
pub fn apply_patch(resource: &Value, body: &Value, ctx: &PatchContext<'_>) -> Result<Value, ScimError> {
    let _ = (body, ctx);
    Ok(resource.clone())
}
