//! Finding scenario files under the paths given on the command line, and loading them all.

use std::path::{Path, PathBuf};

use super::load::load;
use super::model::Scenario;
use crate::errors::{LoadError, ScenarioError, ScenarioErrorKind};

/// The scenario files named by `paths`, in a deterministic order.
///
/// A file is taken as given, whatever its extension; a folder is walked recursively for
/// `*.yaml` and `*.yml` files (skipping entries whose name starts with `.`), sorted by path.
/// Results keep the order of `paths`, without repeats. A path that does not exist is an error;
/// all such paths are reported together.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut files = Vec::new();
                walk(path, &mut files, &mut errors);
                files.sort();
                found.extend(files);
            }
            Ok(_) => found.push(path.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => errors.push(
                ScenarioError::new(
                    ScenarioErrorKind::MissingPath,
                    path,
                    "no such file or folder",
                )
                .with_help("give scenario files or folders that contain them"),
            ),
            Err(e) => errors.push(ScenarioError::new(
                ScenarioErrorKind::Io,
                path,
                format!("cannot read: {e}"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(LoadError::new(errors));
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|p| seen.insert(p.clone()));
    Ok(found)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<ScenarioError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(ScenarioError::new(
                ScenarioErrorKind::Io,
                dir,
                format!("cannot read the folder: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, files, errors),
            Ok(_) if is_yaml(&path) => files.push(path),
            _ => {}
        }
    }
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Discovers and loads every scenario under `paths`: all of them, or every problem found (in
/// discovery order).
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, LoadError> {
    collect_loaded(discover(paths)?.iter().map(|file| load(file)))
}

/// Every scenario, or every problem of every file that failed.
pub(crate) fn collect_loaded(
    results: impl Iterator<Item = Result<Scenario, LoadError>>,
) -> Result<Vec<Scenario>, LoadError> {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(scenario) => scenarios.push(scenario),
            Err(e) => errors.extend(e.into_errors()),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(LoadError::new(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("okscim-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for file in [
            "b.yaml",
            "a/z.yml",
            "a/y.yaml",
            "a/notes.txt",
            ".hidden/x.yaml",
            "c.YAML",
        ] {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        dir
    }

    #[test]
    fn walks_folders_sorted_and_keeps_files_as_given() {
        let dir = tree();
        let found = discover(&[dir.clone(), dir.join("a/notes.txt"), dir.join("b.yaml")]).unwrap();
        let rel: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["a/y.yaml", "a/z.yml", "b.yaml", "a/notes.txt"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_paths_are_all_reported() {
        let err = discover(&["nope-1".into(), "nope-2.yaml".into()]).unwrap_err();
        let lines: Vec<_> = err.errors().iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "nope-1: no such file or folder; give scenario files or folders that contain them",
                "nope-2.yaml: no such file or folder; give scenario files or folders that contain them",
            ]
        );
    }
}
