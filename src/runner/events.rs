//! Events a run emits as it goes; reporters consume them.

use crate::runner::result::{RunResult, ScenarioResult};

/// Something that happened during a run. Events lend the results; reporters copy what they keep.
#[derive(Debug, Clone, Copy)]
pub enum RunEvent<'a> {
    /// The run starts with this many scenario runs planned.
    Started {
        /// Planned scenario runs.
        total: usize,
        /// The target's description.
        target: &'a str,
    },
    /// A scenario run finished (in completion order).
    ScenarioFinished(&'a ScenarioResult),
    /// The run finished.
    Finished(&'a RunResult),
}

/// A consumer of run events.
pub trait Reporter: Send {
    /// Handles one event.
    fn on_event(&mut self, event: &RunEvent<'_>);
}
