//! The step gate: on a shared target, an import must not page while another scenario of the same
//! run writes, or okscim would blame the server for changes it made itself (RFC 7644 §3.4.2.4:
//! a client paging a changing list may see resources twice or miss them). Every step holds the
//! gate shared; an import step holds it alone, so it starts once the steps in flight have ended
//! and the others wait until it has read every page. tokio's lock is fair: an import waiting for
//! the gate is not starved by a stream of other steps.

use std::sync::Arc;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use super::interrupt::{StopFlag, StopSignal};

/// The gate of one run (cheap to clone; clones share it). It also carries the run's
/// [`StopFlag`]: once the run is interrupted, no further step passes.
#[derive(Debug, Clone, Default)]
pub struct StepGate {
    lock: Option<Arc<RwLock<()>>>,
    stop: StopFlag,
}

/// Held while a step runs; dropping it opens the gate again.
#[derive(Debug)]
pub enum GateGuard {
    /// No gate (a target no other scenario run shares).
    Open,
    /// A step that shares the target with other steps.
    Shared(OwnedRwLockReadGuard<()>),
    /// A step that needs the target to itself (an import).
    Exclusive(OwnedRwLockWriteGuard<()>),
}

impl StepGate {
    /// A gate that never waits: for a target that no other scenario run sees.
    pub fn none() -> Self {
        StepGate::default()
    }

    /// A gate for a target that every scenario run of this run shares.
    pub fn shared() -> Self {
        StepGate {
            lock: Some(Arc::new(RwLock::new(()))),
            stop: StopFlag::never(),
        }
    }

    /// The same gate, closed for good once `stop` is set.
    pub fn with_stop(mut self, stop: StopFlag) -> Self {
        self.stop = stop;
        self
    }

    /// Whether the run was asked to stop, and by what.
    pub fn stopped_by(&self) -> Option<StopSignal> {
        self.stop.get()
    }

    /// Waits until the run is asked to stop.
    pub async fn stopped(&self) -> StopSignal {
        self.stop.stopped().await
    }

    /// Waits until a step may run beside others.
    pub async fn step(&self) -> GateGuard {
        match &self.lock {
            None => GateGuard::Open,
            Some(lock) => GateGuard::Shared(lock.clone().read_owned().await),
        }
    }

    /// Waits until no other step runs, and keeps them off until the guard drops.
    pub async fn exclusive(&self) -> GateGuard {
        match &self.lock {
            None => GateGuard::Open,
            Some(lock) => GateGuard::Exclusive(lock.clone().write_owned().await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn an_exclusive_step_waits_for_shared_ones_and_holds_them_off() {
        let gate = StepGate::shared();
        let first = gate.step().await;
        let g = gate.clone();
        let exclusive = tokio::spawn(async move {
            let _guard = g.exclusive().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(
            !exclusive.is_finished(),
            "the import waits for the step in flight"
        );
        drop(first);
        exclusive.await.expect("the exclusive step ends");
        let _again = gate.step().await;
        assert!(matches!(
            StepGate::none().exclusive().await,
            GateGuard::Open
        ));
    }
}
