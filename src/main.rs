//! The `okscim` binary: parse the command line, set up logging, run, map the result to an exit
//! code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Lines are written by a thread of their own (`okscim serve` logs every request), and the
    // guard flushes them before the process ends.
    let (log, _flush_at_exit) = okscim_reference_server::log_writer(std::io::stderr());
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if !terminal {
        okscim_reference_server::log::install_request_log(log.clone());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        // Colour only on a terminal: a redirected log stays plain text.
        .with_ansi(terminal)
        .with_writer(log)
        .init();
    let cli = okscim::cli::Cli::parse();
    // Against a remote target the harness only waits on sockets: one thread does it with the
    // least CPU (no cross-thread wake-ups). The embedded server and `serve` get every core.
    let remote = match &cli.command {
        okscim::cli::Command::Run(args) => args.target.target.is_some(),
        okscim::cli::Command::Load(args) => args.target.target.is_some(),
        _ => false,
    };
    let runtime = if remote {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    match runtime {
        Ok(rt) => std::process::ExitCode::from(rt.block_on(okscim::cli::run(cli))),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::ExitCode::from(okscim::exit::USAGE)
        }
    }
}

/// jemalloc, not the system allocator: less CPU a create (docs/reference-server.md, "Allocation").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
