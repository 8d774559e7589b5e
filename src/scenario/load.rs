//! Loading one scenario file: read, parse, convert, validate.

use std::path::Path;

use super::model::Scenario;
use super::reader::Reader;
use crate::errors::{LoadError, ScenarioError, ScenarioErrorKind};

/// Loads and validates the scenario file at `path`.
///
/// `path` is kept as given (relative paths stay relative) for error messages and
/// [`Scenario::path`]; `json_file`s are resolved against its folder. On failure the error lists
/// every problem found in the file.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            _ => e.to_string(),
        };
        ScenarioError::new(
            ScenarioErrorKind::Io,
            path,
            format!("cannot read the scenario file: {reason}"),
        )
        .with_help("check the path; scenario files are YAML (`.yaml` or `.yml`)")
    })?;
    load_str(path, &text)
}

/// Loads and validates a scenario from `text`, as if read from `path` (used for messages, for
/// [`Scenario::path`] and to resolve `json_file`s).
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    Reader::new(path, text).read().map_err(LoadError::new)
}
