//! The JSON Schema of the scenario format, generated from the model types.

use schemars::generate::SchemaSettings;

use super::model::Scenario;

/// The JSON Schema (draft 2020-12) of scenario files, for editors and CI validation.
///
/// The published copy is `docs/scenario.schema.json`; a test keeps it in step with this.
pub fn json_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<Scenario>();
    schema.to_value()
}
