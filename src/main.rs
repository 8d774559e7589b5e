//! The `okscim` binary: parse the command line, set up logging, run, map the result to an exit
//! code.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    let cli = okscim::cli::Cli::parse();
    std::process::ExitCode::from(okscim::cli::run(cli).await)
}
