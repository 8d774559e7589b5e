//! Two targets, one scenario set: where the redacted transcripts differ and where the verdicts
//! do (`okscim diff`). Ids, timestamps, versions and run tokens are redacted to the same aliases
//! on both sides (docs/snapshots.md), so two servers that behave alike compare equal; what is
//! left is behaviour: a status, a header that matters (Content-Type, Location, ETag), a JSON
//! value, an exchange one sent and the other did not.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::runner::{RunResult, ScenarioResult, Status};
use crate::snapshot::{Change, json_diff};

/// One difference between the two transcripts, placed on its step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExchangeDiff {
    /// The step, as the transcript names it (`3 okta push eng`).
    pub step: String,
    /// The exchange's position in the transcript (1-based).
    pub exchange: usize,
    /// The path inside the exchange (`response.status`, `response.body.members[0].value`).
    pub path: String,
    /// A's value (`None`: A has none).
    pub a: Option<Value>,
    /// B's value (`None`: B has none).
    pub b: Option<Value>,
}

/// A step whose required checks differ between the two.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictDiff {
    /// The step (`3 okta push eng`), or `scenario` for the run as a whole.
    pub step: String,
    /// The required checks that failed against A (ids), or why it could not run.
    pub a: Vec<String>,
    /// The same against B.
    pub b: Vec<String>,
    /// A's first failure there, as the check says it (`expected …, found …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_detail: Option<String>,
    /// B's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_detail: Option<String>,
}

/// One scenario run compared.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioDiff {
    /// `name [oin]`.
    pub title: String,
    /// Whether it passed against A and against B (`None`: it did not run there).
    pub a_passed: Option<bool>,
    /// See `a_passed`.
    pub b_passed: Option<bool>,
    /// Where the transcripts differ.
    pub exchanges: Vec<ExchangeDiff>,
    /// Where the verdicts differ.
    pub verdicts: Vec<VerdictDiff>,
}

impl ScenarioDiff {
    /// Whether anything differs.
    pub fn differs(&self) -> bool {
        !self.exchanges.is_empty() || !self.verdicts.is_empty() || self.a_passed != self.b_passed
    }
}

/// Every scenario run compared, in A's order (then runs only B made).
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// What A was.
    pub a: String,
    /// What B was.
    pub b: String,
    /// Per scenario run.
    pub scenarios: Vec<ScenarioDiff>,
}

impl Comparison {
    /// Whether any scenario differs.
    pub fn differs(&self) -> bool {
        self.scenarios.iter().any(ScenarioDiff::differs)
    }
}

fn ran(r: &ScenarioResult) -> bool {
    r.status != Status::Skipped
}

/// Why a step failed: its required checks' ids (or the Okta failure or step error), and the first
/// failure as the check words it.
type Verdict = (Vec<String>, Option<String>);

/// Each failed step's [`Verdict`].
fn step_verdicts(r: &ScenarioResult) -> BTreeMap<String, Verdict> {
    let mut out = BTreeMap::new();
    if let Some(e) = &r.error {
        out.insert(
            "scenario".to_string(),
            (vec![format!("could not run: {e}")], None),
        );
    }
    for step in &r.steps {
        let detail = step.failures().next().map(|c| {
            crate::text::truncate(
                &format!("{}: expected {}, found {}", c.id, c.expected, c.actual),
                300,
            )
            .into_owned()
        });
        let mut why: Vec<String> = step.failures().map(|c| c.id.to_string()).collect();
        if step.error.is_some() {
            why.push("step error".to_string());
        }
        if step.okta_failure.is_some() && why.is_empty() {
            why.push("Okta failure".to_string());
        }
        why.sort();
        why.dedup();
        if !why.is_empty() {
            out.insert(format!("{} {}", step.index, step.label), (why, detail));
        }
    }
    out
}

/// Splits `$[4].response.status` into (4, `response.status`).
fn split_path(path: &str) -> (Option<usize>, String) {
    let Some(rest) = path.strip_prefix("$[") else {
        return (None, path.to_string());
    };
    let Some((index, tail)) = rest.split_once(']') else {
        return (None, path.to_string());
    };
    let tail = tail.strip_prefix('.').unwrap_or(tail);
    (
        index.parse().ok(),
        if tail.is_empty() {
            "(the whole exchange)".to_string()
        } else {
            tail.to_string()
        },
    )
}

fn place(change: Change, a: &Value, b: &Value) -> ExchangeDiff {
    let (index, path) = split_path(&change.path);
    let step = index
        .and_then(|i| a.get(i).or_else(|| b.get(i)))
        .and_then(|e| e.get("step"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    ExchangeDiff {
        step,
        exchange: index.map_or(0, |i| i + 1),
        path,
        a: change.old,
        b: change.new,
    }
}

/// Compares one scenario run against A with the same run against B.
pub fn compare_runs(a: Option<&ScenarioResult>, b: Option<&ScenarioResult>) -> ScenarioDiff {
    let title = a.or(b).map(ScenarioResult::title).unwrap_or_default();
    let a_ran = a.filter(|r| ran(r));
    let b_ran = b.filter(|r| ran(r));
    let (ta, tb) = (
        a_ran
            .map(ScenarioResult::transcript)
            .unwrap_or(Value::Array(Vec::new())),
        b_ran
            .map(ScenarioResult::transcript)
            .unwrap_or(Value::Array(Vec::new())),
    );
    let exchanges = json_diff(&ta, &tb)
        .into_iter()
        // Which step an exchange belongs to is the scenario's, not the server's: the step
        // label shows on every line instead.
        .filter(|c| !c.path.ends_with("].step"))
        .map(|c| place(c, &ta, &tb))
        .collect();
    let va = a_ran.map(step_verdicts).unwrap_or_default();
    let vb = b_ran.map(step_verdicts).unwrap_or_default();
    let mut steps: Vec<&String> = va.keys().chain(vb.keys()).collect();
    steps.sort_by_key(|s| {
        s.split_whitespace()
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    });
    steps.dedup();
    let verdicts = steps
        .into_iter()
        .filter(|s| va.get(*s).map(|v| &v.0) != vb.get(*s).map(|v| &v.0))
        .map(|s| VerdictDiff {
            step: s.clone(),
            a: va.get(s).map(|v| v.0.clone()).unwrap_or_default(),
            b: vb.get(s).map(|v| v.0.clone()).unwrap_or_default(),
            a_detail: va.get(s).and_then(|v| v.1.clone()),
            b_detail: vb.get(s).and_then(|v| v.1.clone()),
        })
        .collect();
    ScenarioDiff {
        title,
        a_passed: a_ran.map(|r| !r.failed()),
        b_passed: b_ran.map(|r| !r.failed()),
        exchanges,
        verdicts,
    }
}

/// Compares two runs of the same scenario set, run by run (by snapshot name: scenario file and
/// app kind).
pub fn compare(a: &RunResult, b: &RunResult) -> Comparison {
    let by_name: BTreeMap<String, &ScenarioResult> =
        b.scenarios.iter().map(|r| (r.snapshot_name(), r)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut scenarios = Vec::new();
    for ra in &a.scenarios {
        let name = ra.snapshot_name();
        seen.insert(name.clone());
        scenarios.push(compare_runs(Some(ra), by_name.get(&name).copied()));
    }
    for rb in &b.scenarios {
        if !seen.contains(&rb.snapshot_name()) {
            scenarios.push(compare_runs(None, Some(rb)));
        }
    }
    Comparison {
        a: a.target.clone(),
        b: b.target.clone(),
        scenarios,
    }
}

/// The comparison as text: a line per scenario run, and under each that differs, a line per
/// difference (`step 4 okta push-now eng, exchange 6: response.status: 200 → 500`).
pub fn render(c: &Comparison) -> String {
    use std::fmt::Write;
    let show = |v: &Option<Value>| match v {
        None => "(absent)".to_string(),
        Some(v) => crate::text::truncate(&v.to_string(), 160).into_owned(),
    };
    let verdict = |p: Option<bool>| match p {
        Some(true) => "passed",
        Some(false) => "failed",
        None => "did not run",
    };
    let mut out = String::new();
    let _ = writeln!(out, "A: {}\nB: {}\n", c.a, c.b);
    let mut differing = 0;
    let mut verdicts = 0;
    for s in &c.scenarios {
        if !s.differs() {
            let _ = writeln!(out, "same       {}", s.title);
            continue;
        }
        differing += 1;
        if s.a_passed != s.b_passed || !s.verdicts.is_empty() {
            verdicts += 1;
        }
        let _ = writeln!(
            out,
            "DIFFERENT  {} (A {}, B {})",
            s.title,
            verdict(s.a_passed),
            verdict(s.b_passed)
        );
        for v in &s.verdicts {
            let list = |x: &Vec<String>| {
                if x.is_empty() {
                    "passed".to_string()
                } else {
                    format!("failed {}", x.join(", "))
                }
            };
            let _ = writeln!(
                out,
                "  verdict, step {}: A {}; B {}",
                v.step,
                list(&v.a),
                list(&v.b)
            );
            for (side, detail) in [("A", &v.a_detail), ("B", &v.b_detail)] {
                if let Some(d) = detail {
                    let _ = writeln!(out, "    {side}: {d}");
                }
            }
        }
        for d in &s.exchanges {
            let _ = writeln!(
                out,
                "  step {}, exchange {}: {}: A {} | B {}",
                d.step,
                d.exchange,
                d.path,
                show(&d.a),
                show(&d.b)
            );
        }
    }
    let n = c.scenarios.len();
    let _ = writeln!(
        out,
        "\n{n} scenario run{}: {} the same, {differing} different ({verdicts} with a different verdict)",
        if n == 1 { "" } else { "s" },
        n - differing
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_split_into_exchange_and_inner_path() {
        assert_eq!(
            split_path("$[4].response.status"),
            (Some(4), "response.status".to_string())
        );
        assert_eq!(
            split_path("$[12]"),
            (Some(12), "(the whole exchange)".to_string())
        );
        assert_eq!(
            split_path("$[0].response.body[\"urn:x\"].a"),
            (Some(0), "response.body[\"urn:x\"].a".to_string())
        );
    }
}
