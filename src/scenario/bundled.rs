//! The bundled scenarios, built into the binary (see `build.rs`): `okscim run` with no path
//! uses `./scenarios` when it exists, and these otherwise.

use std::path::Path;

use super::model::Scenario;
use crate::errors::LoadError;

include!(concat!(env!("OUT_DIR"), "/bundled_scenarios.rs"));

/// Loads every bundled scenario (paths as in the repository, e.g. `scenarios/users/create.yaml`).
pub fn load_bundled() -> Result<Vec<Scenario>, LoadError> {
    super::discovery::collect_loaded(
        BUNDLED
            .iter()
            .map(|(path, text)| super::load_str(Path::new(path), text)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_scenario_is_built_in_and_loads() {
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(on_disk > 0);
        let scenarios = load_bundled().expect("the bundled scenarios load from memory");
        assert_eq!(scenarios.len(), BUNDLED.len());
        assert!(scenarios.len() >= 25, "{}", scenarios.len());
        assert!(BUNDLED.iter().all(|(p, _)| p.starts_with("scenarios/")));
    }
}
