//! The CLI's golden-file store. insta's writer is not public API, so this writes the same `.snap`
//! layout (a YAML header between `---` lines, then the contents) that insta's reader and
//! `cargo insta review` understand; pending snapshots are `.snap.new` files beside the stored
//! ones.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::diff::{Change, json_diff, text_diff};
use crate::okta::AppKind;

/// When snapshots are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UpdateMode {
    /// Never write; a difference fails.
    No,
    /// Write `.snap.new` beside the stored file for review; a difference still fails.
    New,
    /// Overwrite the stored file.
    Always,
}

impl UpdateMode {
    /// `no` when the CI environment variable is set (and not `false`/`0`), `new` otherwise.
    pub fn default_for_env() -> Self {
        match std::env::var("CI") {
            Ok(v) if !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false") => {
                UpdateMode::No
            }
            _ => UpdateMode::New,
        }
    }
}

/// The snapshot verdict of one scenario run (separate from its checks).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum SnapshotVerdict {
    /// Same as stored.
    Matched {
        /// The stored file.
        file: PathBuf,
    },
    /// No stored snapshot.
    Missing {
        /// Where it belongs.
        file: PathBuf,
        /// The pending file written, if any.
        pending: Option<PathBuf>,
    },
    /// Different from the stored snapshot.
    Changed {
        /// The stored file.
        file: PathBuf,
        /// What changed, path by path.
        changes: Vec<Change>,
        /// A unified diff of the two texts.
        diff: String,
        /// The pending file written, if any.
        pending: Option<PathBuf>,
    },
    /// Written (new or changed) because `--update-snapshots always`.
    Written {
        /// The file.
        file: PathBuf,
    },
}

impl SnapshotVerdict {
    /// Whether the verdict fails the scenario.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            SnapshotVerdict::Missing { .. } | SnapshotVerdict::Changed { .. }
        )
    }
}

/// A file-name-safe slug.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The snapshot file name of a scenario run: the scenario file's path without its extension,
/// folders joined by `__`, then the app kind: `groups__rename__oin.snap`. The path counts from
/// the last folder named `scenarios`, or else from the working directory, so that the name is
/// the same wherever the checkout is (an absolute `…/scenarios/groups/rename.yaml` too).
pub fn snapshot_file_name(scenario_path: &Path, app: AppKind) -> String {
    let cwd = std::env::current_dir().ok();
    let relative = cwd
        .as_deref()
        .and_then(|cwd| scenario_path.strip_prefix(cwd).ok())
        .unwrap_or(scenario_path);
    let without_ext = relative.with_extension("");
    let mut parts: Vec<String> = without_ext
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(slug(&s.to_string_lossy())),
            _ => None,
        })
        .collect();
    if let Some(last) = parts.iter().rposition(|s| s == "scenarios") {
        parts.drain(..=last);
    }
    format!("{}__{}.snap", parts.join("__"), app.as_str())
}

/// The default folder for a target: `okscim-snapshots/<slug of the URL>`, or
/// `okscim-snapshots/embedded-<profile>` for the embedded server.
pub fn default_dir(target_url: Option<&str>, profile: &str) -> PathBuf {
    let leaf = match target_url {
        None => format!("embedded-{profile}"),
        Some(url) => {
            let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
            slug(without_scheme)
        }
    };
    PathBuf::from("okscim-snapshots").join(leaf)
}

/// The file text: insta's layout.
pub fn render_file(expression: &str, contents: &str) -> String {
    let expression = serde_json::to_string(expression).unwrap_or_default();
    format!("---\nsource: okscim\nexpression: {expression}\n---\n{contents}\n")
}

/// The contents of a `.snap` file (everything after the header), or `None` if absent.
pub fn read_contents(path: &Path) -> std::io::Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(strip_header(&text)))
}

fn strip_header(text: &str) -> String {
    let body = if let Some(rest) = text.strip_prefix("---\n") {
        match rest.find("\n---\n") {
            Some(i) => &rest[i + 5..],
            None => rest,
        }
    } else {
        text
    };
    body.strip_suffix('\n').unwrap_or(body).to_string()
}

/// The pending file beside `file`.
pub fn pending_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

/// Compares `transcript` with the stored snapshot `dir/name` and writes per `mode`.
pub fn compare(
    dir: &Path,
    name: &str,
    expression: &str,
    transcript: &Value,
    mode: UpdateMode,
) -> std::io::Result<SnapshotVerdict> {
    let file = dir.join(name);
    let contents = serde_json::to_string_pretty(transcript).unwrap_or_default();
    let stored = read_contents(&file)?;
    let write = |path: &Path| -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, render_file(expression, &contents))
    };
    let pending = pending_path(&file);
    match stored {
        Some(old) if old == contents => {
            if pending.exists() {
                std::fs::remove_file(&pending)?;
            }
            Ok(SnapshotVerdict::Matched { file })
        }
        _ if mode == UpdateMode::Always => {
            write(&file)?;
            if pending.exists() {
                std::fs::remove_file(&pending)?;
            }
            Ok(SnapshotVerdict::Written { file })
        }
        None => {
            let pending = if mode == UpdateMode::New {
                write(&pending)?;
                Some(pending)
            } else {
                None
            };
            Ok(SnapshotVerdict::Missing { file, pending })
        }
        Some(old) => {
            let old_value: Value = serde_json::from_str(&old).unwrap_or(Value::String(old.clone()));
            let changes = json_diff(&old_value, transcript);
            let diff = text_diff(&old, &contents);
            let pending = if mode == UpdateMode::New {
                write(&pending)?;
                Some(pending)
            } else {
                None
            };
            Ok(SnapshotVerdict::Changed {
                file,
                changes,
                diff,
                pending,
            })
        }
    }
}

/// Every pending `.snap.new` under `dir`, sorted.
pub fn pending_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && d == dir => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".snap.new") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The stored file a pending file belongs to.
pub fn stored_path(pending: &Path) -> PathBuf {
    let s = pending.to_string_lossy();
    PathBuf::from(s.strip_suffix(".new").unwrap_or(&s))
}

/// Accepts a pending snapshot: it replaces the stored one.
pub fn accept(pending: &Path) -> std::io::Result<PathBuf> {
    let stored = stored_path(pending);
    std::fs::rename(pending, &stored)?;
    Ok(stored)
}

/// Rejects a pending snapshot: it is deleted, the stored one stays.
pub fn reject(pending: &Path) -> std::io::Result<()> {
    std::fs::remove_file(pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_default_dirs() {
        assert_eq!(
            snapshot_file_name(Path::new("scenarios/groups/rename.yaml"), AppKind::Oin),
            "groups__rename__oin.snap"
        );
        assert_eq!(
            snapshot_file_name(
                Path::new("/srv/checkout/scenarios/groups/rename.yaml"),
                AppKind::Aiw
            ),
            "groups__rename__aiw.snap"
        );
        assert_eq!(
            snapshot_file_name(Path::new("okscim-tests/users/create.yaml"), AppKind::Oin),
            "okscim-tests__users__create__oin.snap"
        );
        assert_eq!(
            default_dir(Some("https://App.example.com:8443/scim/v2"), "rfc"),
            PathBuf::from("okscim-snapshots/app.example.com-8443-scim-v2")
        );
        assert_eq!(
            default_dir(None, "tailnet"),
            PathBuf::from("okscim-snapshots/embedded-tailnet")
        );
        assert_eq!(
            strip_header(&render_file("x \"y\"", "[\n  1\n]")),
            "[\n  1\n]"
        );
    }
}
