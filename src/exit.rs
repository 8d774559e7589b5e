//! Exit codes of `okscim`, documented in one place.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | every required check passed (and every snapshot matched, when `--snapshots` is given) |
//! | 1 | a required check failed, or a snapshot differs |
//! | 2 | usage error, or a scenario file could not be loaded |
//! | 3 | the target could not be reached at all |

/// Every required check passed.
pub const OK: u8 = 0;
/// A required check failed (or a snapshot differs).
pub const FAILED: u8 = 1;
/// Usage or scenario-file error.
pub const USAGE: u8 = 2;
/// The target could not be reached.
pub const UNREACHABLE: u8 = 3;
