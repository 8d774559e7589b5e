//! The scenario writer: a tape becomes a scenario file (recognised Okta actions, reads, raw
//! requests with comments), which is loaded back and run against playback from the start; that
//! run's transcript is the scenario's snapshot. Replaying the scenario against any server with
//! `--snapshots` then says whether the server answers as the recorded one did.
//!
//! Layout of a recording folder:
//! - `exchanges.jsonl`: the raw exchanges, redacted, one per line;
//! - `scenarios/recording.yaml`: the scenario;
//! - `snapshots/recording__<app>.snap`: its snapshot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::playback::{Mismatch, Playback};
use super::recognize::{Recognition, app_kind_of, playback_client, playback_options, recognize};
use super::tape::{TapeExchange, Traffic};
use crate::errors::RecordError;
use crate::runner::run_scenario;
use crate::snapshot::UpdateMode;

/// The scenario file's name inside a recording folder.
pub const SCENARIO_FILE: &str = "recording.yaml";

/// Why recognition was given up for raw requests only (a bug in okscim, said when it happens).
#[derive(Debug, thiserror::Error)]
pub enum FellBack {
    /// The recognised scenario did not load.
    #[error("the recognised scenario did not load: {0}")]
    DidNotLoad(#[source] crate::errors::LoadError),
    /// The recognised scenario did not send exactly the recording.
    #[error("the recognised scenario did not replay the recording: {0}")]
    DidNotReplay(#[source] Mismatch),
}

/// What was written.
#[derive(Debug)]
pub struct Written {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The snapshot file.
    pub snapshot: PathBuf,
    /// Okta actions among the steps.
    pub okta_steps: usize,
    /// All steps.
    pub steps: usize,
    /// Exchanges on the tape.
    pub exchanges: usize,
    /// Exchanges the written scenario replayed against playback before it ended (all of them,
    /// unless a step failed as it did when recorded).
    pub replayed: usize,
    /// Where the written scenario sent something else than the recording, if it did.
    pub mismatch: Option<Mismatch>,
    /// Recognition was given up for raw requests only, and why.
    pub fell_back: Option<FellBack>,
    /// Requests by whose traffic they are.
    pub traffic: BTreeMap<Traffic, usize>,
}

fn wrap_comment(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + word.len() + 1 > 96 {
            out.push_str(&format!("{indent}# {line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{indent}# {line}\n"));
    }
    out
}

fn yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// A step's YAML with its kind first (`okta`, `read` or `request`), then `expect`, then
/// `capture`.
fn step_yaml(step: &Value) -> String {
    let Some(map) = step.as_object() else {
        return yaml(step);
    };
    let mut keys: Vec<&String> = map.keys().collect();
    let rank = |k: &str| match k {
        "okta" | "read" | "request" => 0,
        "expect" => 1,
        "capture" => 2,
        "snapshot" => 3,
        _ => 4,
    };
    keys.sort_by_key(|k| rank(k));
    keys.iter()
        .map(|k| {
            let inner = match map[*k].as_object() {
                Some(inner) if matches!(k.as_str(), "okta" | "request") => ordered(k, inner),
                _ => yaml(&map[*k]),
            };
            if map[*k].is_object() {
                format!("{k}:\n{}", indented(&inner, "  ", "  "))
            } else {
                let mut one = serde_json::Map::new();
                one.insert((*k).clone(), map[*k].clone());
                yaml(&Value::Object(one))
            }
        })
        .collect::<Vec<_>>()
        .join("")
}

/// An action's map with its subject first (`push: eng`, then `members`), or a request's with
/// `method` and `path` first.
fn ordered(kind: &str, inner: &serde_json::Map<String, Value>) -> String {
    const REQUEST: [&str; 7] = [
        "method",
        "path",
        "from_root",
        "query",
        "headers",
        "body",
        "auth",
    ];
    const PARAMS: [&str; 8] = [
        "members",
        "users",
        "concurrently",
        "set",
        "to",
        "delete",
        "groups",
        "delete_groups",
    ];
    let mut keys: Vec<&String> = inner.keys().collect();
    keys.sort_by_key(|k| {
        if kind == "request" {
            REQUEST.iter().position(|r| r == k).unwrap_or(REQUEST.len())
        } else {
            PARAMS.iter().position(|p| p == k).map_or(0, |p| p + 1)
        }
    });
    keys.iter()
        .map(|k| {
            let mut one = serde_json::Map::new();
            one.insert((*k).clone(), inner[*k].clone());
            yaml(&Value::Object(one))
        })
        .collect::<Vec<_>>()
        .join("")
}

fn indented(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.trim_end().lines().enumerate() {
        out.push_str(if i == 0 { first } else { rest });
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Requests by whose traffic they are, and the User-Agents of each.
fn traffic_seen(tape: &[TapeExchange]) -> BTreeMap<Traffic, (usize, Vec<String>)> {
    let mut seen: BTreeMap<Traffic, (usize, Vec<String>)> = BTreeMap::new();
    for x in tape {
        let entry = seen.entry(x.request.traffic()).or_default();
        entry.0 += 1;
        let ua = x
            .request
            .header("user-agent")
            .unwrap_or("(none)")
            .to_string();
        if !entry.1.contains(&ua) {
            entry.1.push(ua);
        }
    }
    seen
}

/// The scenario's text.
pub fn render(rec: &Recognition, tape: &[TapeExchange], name: &str, source: &str) -> String {
    let mut out = String::new();
    let seen = traffic_seen(tape);
    let seen_text: Vec<String> = seen
        .iter()
        .map(|(t, (n, uas))| format!("{n} from {} (User-Agent: {})", t.describe(), uas.join(", ")))
        .collect();
    let raw = rec
        .steps
        .iter()
        .filter(|s| s.step.get("request").is_some())
        .count();
    let reads = rec
        .steps
        .iter()
        .filter(|s| s.step.get("read").is_some())
        .count();
    out.push_str(&wrap_comment(
        &format!(
            "Written by okscim from {source}: {} exchanges. Requests seen: {}.",
            tape.len(),
            seen_text.join("; ")
        ),
        "",
    ));
    out.push_str(&wrap_comment(
        &format!(
            "Recognised: {} Okta actions, {reads} verification reads, {raw} raw requests. Replay it with `okscim run <this folder> --snapshots <the recording's snapshots folder> --target URL`.",
            rec.okta_steps()
        ),
        "",
    ));
    out.push_str(&indented(
        &yaml(&serde_json::json!({ "name": name })),
        "",
        "",
    ));
    out.push_str(&indented(
        &yaml(&serde_json::json!({
            "about": format!("What a SCIM server was sent and answered, recorded from {source} ({} app).", rec.app.as_str()),
            "tags": ["recorded"],
        })),
        "",
        "",
    ));
    out.push_str(&format!("apps: [{}]\n", rec.app.as_str()));
    if !rec.users.is_empty() {
        let users = serde_json::to_value(&rec.users).unwrap_or(Value::Null);
        out.push_str("users:\n");
        out.push_str(&indented(&yaml(&users), "  ", "  "));
    }
    if !rec.groups.is_empty() {
        let groups = serde_json::to_value(&rec.groups).unwrap_or(Value::Null);
        out.push_str("groups:\n");
        out.push_str(&indented(&yaml(&groups), "  ", "  "));
    }
    out.push_str("steps:\n");
    for s in &rec.steps {
        if let Some(c) = &s.comment {
            out.push_str(&wrap_comment(c, "  "));
        }
        out.push_str(&indented(&step_yaml(&s.step), "  - ", "    "));
    }
    out
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RecordError + '_ {
    move |source| RecordError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the scenario and snapshot of `tape` into `dir` (see the module docs).
pub async fn write_recording(
    dir: &Path,
    tape: Vec<TapeExchange>,
    raw: bool,
    name: &str,
    source: &str,
) -> Result<Written, RecordError> {
    if tape.is_empty() {
        return Err(RecordError::Empty(format!(
            "nothing was recorded in {}: no request reached the proxy",
            dir.display()
        )));
    }
    let playback = Playback::start(tape.clone())
        .await
        .map_err(RecordError::Playback)?;
    let client = playback_client(&playback)?;
    let app = app_kind_of(&tape);
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).map_err(io(&scenarios))?;
    let path = scenarios.join(SCENARIO_FILE);
    let mut raw = raw;
    let mut fell_back = None;
    loop {
        let rec = recognize(&tape, &playback, app, raw).await;
        let text = render(&rec, &tape, name, source);
        std::fs::write(&path, &text).map_err(io(&path))?;
        let scenario = match crate::scenario::load(&path) {
            Ok(s) => s,
            Err(e) if !raw => {
                fell_back = Some(FellBack::DidNotLoad(e));
                raw = true;
                continue;
            }
            Err(source) => return Err(RecordError::Written { path, source }),
        };
        playback.seek(0, &rec.reorder);
        let result = run_scenario(&scenario, app, &client, playback_options()).await;
        let mismatch = playback.mismatch();
        if let Some(m) = mismatch.clone()
            && !raw
        {
            fell_back = Some(FellBack::DidNotReplay(m));
            raw = true;
            continue;
        }
        let doc = crate::snapshot::transcript(&result, &[]);
        let snapshots = dir.join("snapshots");
        let file = crate::snapshot::snapshot_file_name(&scenario.path, app);
        let verdict =
            crate::snapshot::compare(&snapshots, &file, &result.title(), &doc, UpdateMode::Always)
                .map_err(io(&snapshots))?;
        let _ = verdict;
        let traffic = traffic_seen(&tape)
            .into_iter()
            .map(|(t, (n, _))| (t, n))
            .collect();
        return Ok(Written {
            scenario: path,
            snapshot: snapshots.join(file),
            okta_steps: rec.okta_steps(),
            steps: rec.steps.len(),
            exchanges: tape.len(),
            replayed: playback.next(),
            mismatch,
            fell_back,
            traffic,
        });
    }
}
