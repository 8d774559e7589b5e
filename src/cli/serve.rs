//! `okscim serve`: the reference server.

use crate::exit;

/// Runs the reference server until Ctrl-C.
pub async fn run(args: &okscim_reference_server::cli::ServeArgs) -> u8 {
    match okscim_reference_server::cli::serve(args).await {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}
