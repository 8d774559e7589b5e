//! Stopping a run early: Ctrl-C, or CI's SIGTERM when a job times out. The run stops sending
//! (no scenario run starts, a step in flight is dropped, no further step runs), finishes its
//! summary and reports with what ran, each unfinished run marked interrupted, and `okscim`
//! exits 130 (SIGINT) or 143 (SIGTERM), as a shell reports a process a signal ended.

use serde::Serialize;
use tokio::sync::watch;

/// The signal that stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StopSignal {
    /// Ctrl-C.
    #[serde(rename = "SIGINT")]
    Interrupt,
    /// A CI runner's timeout, `kill`.
    #[serde(rename = "SIGTERM")]
    Terminate,
}

impl StopSignal {
    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
        }
    }

    /// 128 plus the signal's number: 130 or 143.
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
        }
    }
}

impl std::fmt::Display for StopSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Stops a run: the sending half of [`StopFlag`].
#[derive(Debug)]
pub struct Stopper(watch::Sender<Option<StopSignal>>);

/// Whether, and by what, a run was asked to stop (cheap to clone; clones see the same stop).
#[derive(Debug, Clone)]
pub struct StopFlag(watch::Receiver<Option<StopSignal>>);

/// A stopper and the flag it sets.
pub fn stop_channel() -> (Stopper, StopFlag) {
    let (tx, rx) = watch::channel(None);
    (Stopper(tx), StopFlag(rx))
}

impl Stopper {
    /// Asks the run to stop; the first signal is the one kept.
    pub fn stop(&self, signal: StopSignal) {
        self.0.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(signal);
                true
            } else {
                false
            }
        });
    }
}

impl Default for StopFlag {
    /// A flag nothing sets.
    fn default() -> Self {
        StopFlag::never()
    }
}

impl StopFlag {
    /// A flag nothing sets.
    pub fn never() -> Self {
        stop_channel().1
    }

    /// The signal, once the run was asked to stop.
    pub fn get(&self) -> Option<StopSignal> {
        *self.0.borrow()
    }

    /// Waits until the run is asked to stop (forever, when nothing can ask).
    pub async fn stopped(&self) -> StopSignal {
        let mut rx = self.0.clone();
        loop {
            if let Some(signal) = *rx.borrow_and_update() {
                return signal;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Listens for SIGINT and SIGTERM: the first stops the run through `stopper` (and says so on
/// stderr), a second one exits at once with the first one's code.
pub fn stop_on_signals(stopper: Stopper) {
    tokio::spawn(async move {
        let first = next_signal().await;
        eprintln!(
            "\n{first}: stopping; the summary and reports will hold what ran (a second signal quits at once)"
        );
        stopper.stop(first);
        next_signal().await;
        eprintln!("{first} again: quitting without reports");
        std::process::exit(i32::from(first.exit_code()));
    });
}

#[cfg(unix)]
async fn next_signal() -> StopSignal {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => tokio::select! {
            _ = int.recv() => StopSignal::Interrupt,
            _ = term.recv() => StopSignal::Terminate,
        },
        _ => {
            tracing::warn!(
                "cannot listen for SIGINT/SIGTERM: a signal will end okscim without reports"
            );
            std::future::pending().await
        }
    }
}

#[cfg(not(unix))]
async fn next_signal() -> StopSignal {
    match tokio::signal::ctrl_c().await {
        Ok(()) => StopSignal::Interrupt,
        Err(_) => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn the_first_signal_is_kept_and_waiters_wake() {
        let (stopper, flag) = stop_channel();
        assert_eq!(flag.get(), None);
        let waiter = {
            let flag = flag.clone();
            tokio::spawn(async move { flag.stopped().await })
        };
        stopper.stop(StopSignal::Terminate);
        stopper.stop(StopSignal::Interrupt);
        assert_eq!(waiter.await.expect("waiter"), StopSignal::Terminate);
        assert_eq!(flag.get(), Some(StopSignal::Terminate));
        assert_eq!(StopSignal::Terminate.exit_code(), 143);
        assert_eq!(StopSignal::Interrupt.exit_code(), 130);
    }

    #[tokio::test]
    async fn a_flag_nothing_sets_never_wakes() {
        let flag = StopFlag::never();
        let waited = tokio::time::timeout(Duration::from_millis(20), flag.stopped()).await;
        assert!(waited.is_err());
    }
}
