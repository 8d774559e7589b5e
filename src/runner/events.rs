//! Events a run emits as it goes; reporters consume them.

use crate::runner::result::{RunResult, ScenarioResult};

/// Something that happened during a run.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The run starts with this many scenario runs planned.
    Started {
        /// Planned scenario runs.
        total: usize,
        /// The target's description.
        target: String,
    },
    /// A scenario run finished (in completion order).
    ScenarioFinished(Box<ScenarioResult>),
    /// The run finished.
    Finished(Box<RunResult>),
}

/// A consumer of run events.
pub trait Reporter: Send {
    /// Handles one event.
    fn on_event(&mut self, event: &RunEvent);
}
