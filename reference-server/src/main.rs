//! `okscim-reference-server`: the reference SCIM server on its own (`okscim serve` is the same).

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "okscim-reference-server",
    version,
    about = "The okscim reference SCIM 2.0 server"
)]
struct Cli {
    #[command(flatten)]
    serve: okscim_reference_server::cli::ServeArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // The request log is written a batch of lines at a time (log.rs), so that no request waits on
    // the terminal or the pipe; the guard writes the last batch at exit.
    let (log, _flush_at_exit) = okscim_reference_server::log_writer(std::io::stdout());
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    if !terminal {
        okscim_reference_server::log::install_request_log(log.clone());
    }
    tracing_subscriber::fmt()
        .with_writer(log)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        // Colour only on a terminal: a redirected log stays plain text.
        .with_ansi(terminal)
        .init();
    let cli = Cli::parse();
    match okscim_reference_server::cli::serve(&cli.serve).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// jemalloc, not the system allocator: less CPU a create (docs/reference-server.md, "Allocation").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
