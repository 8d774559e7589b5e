//! Errors of a run other than scenario-file problems (to be merged into errors.rs).

/// A run could not start or could not go on.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// Bad command-line input.
    #[error("{0}")]
    Usage(String),
    /// The embedded reference server could not start.
    #[error("cannot start the embedded reference server: {0}")]
    Embedded(#[from] okscim_reference_server::errors::ServerError),
    /// Writing a report failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}
