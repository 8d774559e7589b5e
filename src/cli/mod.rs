//! The command line: clap types, one file per subcommand.

mod serve;

use clap::{Parser, Subcommand};

/// okscim: play Okta's provisioning engine against a SCIM 2.0 server.
#[derive(Debug, Parser)]
#[command(name = "okscim", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bundled reference SCIM server.
    Serve(okscim_reference_server::cli::ServeArgs),
}

/// Runs a parsed command line and returns the process exit code (see [`crate::errors`]).
pub async fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Serve(args) => serve::run(&args).await,
    }
}
