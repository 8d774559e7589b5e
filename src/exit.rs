//! Exit codes of `okscim`, documented in one place.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | every required check passed (and every snapshot matched, when `--snapshots` is given) |
//! | 1 | a required check failed, or a snapshot differs |
//! | 2 | usage error, or a scenario file could not be loaded |
//! | 3 | the target could not be reached at all |
//! | 130 | interrupted by SIGINT (Ctrl-C): the reports hold what ran |
//! | 143 | interrupted by SIGTERM (a CI timeout): the reports hold what ran |

/// Every required check passed.
pub const OK: u8 = 0;
/// A required check failed (or a snapshot differs).
pub const FAILED: u8 = 1;
/// Usage or scenario-file error.
pub const USAGE: u8 = 2;
/// The target could not be reached.
pub const UNREACHABLE: u8 = 3;

/// Interrupted by a signal: 130 for SIGINT, 143 for SIGTERM (128 plus the signal's number).
pub fn interrupted(signal: crate::runner::StopSignal) -> u8 {
    signal.exit_code()
}
