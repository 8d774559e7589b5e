//! Runs scenarios: planning (tags, filter, partition), scheduling in parallel, executing steps
//! with variables and captures, and emitting events for reporters.

mod events;
mod execute;
mod gate;
mod interrupt;
mod plan;
mod result;
mod schedule;
mod traffic;
mod vars;

pub use events::{Reporter, RunEvent};
pub(crate) use execute::{okta_group, okta_user, run_action};
pub use execute::{run_scenario, run_scenario_gated, run_token};
pub use gate::{GateGuard, StepGate};
pub use interrupt::{StopFlag, StopSignal, Stopper, stop_channel, stop_on_signals};
pub use plan::{Job, Selection, parse_partition, plan};
pub use result::{
    CommonFailure, Counts, FailedRun, RunError, RunResult, ScenarioResult, Status, StepResult,
};
pub use schedule::{Executor, RunFuture, Scheduler, SnapshotSettings, run_jobs};
pub use traffic::{OKSCIM_USER_AGENT, SPEC_TEST_USER_AGENT, own_headers};
pub use vars::RunVars;
