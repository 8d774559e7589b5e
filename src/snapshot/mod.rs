//! Snapshots: a scenario's transcript, normalized and redacted with stable aliases, stored as a
//! `.snap` file and compared on the next run with a JSON-aware diff; pending snapshots are
//! reviewed, accepted or rejected like code.

mod diff;
mod redact;
pub mod scope;
mod store;
mod transcript;

pub use diff::{Change, json_diff, render_changes, text_diff};
pub use redact::{Aliases, redact_jsonpath};
pub use store::{
    SnapshotVerdict, UpdateMode, accept, compare, default_dir, pending_files, pending_path,
    read_contents, reject, render_file, slug, snapshot_file_name, stored_path,
};
pub use transcript::transcript;
