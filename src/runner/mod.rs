//! Runs scenarios: planning (tags, filter, partition), scheduling in parallel, executing steps
//! with variables and captures, and emitting events for reporters.

mod events;
mod execute;
mod plan;
mod result;
mod schedule;
mod vars;

pub use events::{Reporter, RunEvent};
pub use execute::{run_scenario, run_token};
pub use plan::{Job, Selection, parse_partition, plan};
pub use result::{Counts, RunResult, ScenarioResult, Status, StepResult};
pub use schedule::{SnapshotSettings, run_jobs};
pub use vars::RunVars;
