//! The command line: clap types, one file per subcommand.

mod certify;
mod diff;
mod init;
mod list;
mod load;
mod record;
mod run;
mod schema;
mod serve;
mod shell;
mod snapshots;

use clap::{Parser, Subcommand};

pub use certify::CertifyArgs;
pub use diff::{DiffArgs, TargetBArgs};
pub use init::InitArgs;
pub use list::ListArgs;
pub use load::{LoadArgs, render as render_load};
pub use record::{ImportHarArgs, RecordArgs};
pub use run::{RunArgs, TargetArgs};
pub use shell::CompletionsArgs;
pub use snapshots::{PendingArgs, SnapshotsAction, SnapshotsArgs};

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
    /// Run scenarios against a target (default: the embedded reference server).
    Run(Box<RunArgs>),
    /// Okta's certification (SPEC and CRUD tests, the OIN test plan) with a readiness verdict.
    Certify(Box<CertifyArgs>),
    /// Run the same scenarios against two targets and show where the redacted transcripts and
    /// the verdicts differ (B defaults to the embedded reference server).
    Diff(Box<DiffArgs>),
    /// List the scenario runs that would happen.
    List(ListArgs),
    /// A recording proxy in front of a SCIM server: forwards every request, records each
    /// exchange (secrets gone), and writes the scenario that reproduces them.
    Record(Box<RecordArgs>),
    /// The same from a HAR file: the exchanges below the SCIM base URL become a scenario.
    ImportHar(Box<ImportHarArgs>),
    /// Okta onboarding a customer at scale: N users, G groups of M members, updates and
    /// deactivations, then a check that the server holds exactly Okta's state.
    Load(Box<LoadArgs>),
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// Run the bundled reference SCIM server.
    Serve(okscim_reference_server::cli::ServeArgs),
    /// Review, accept or reject pending snapshots.
    Snapshots(SnapshotsArgs),
    /// Write a starter scenario folder: one scenario per user story, and a README.
    Init(InitArgs),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `okscim man > okscim.1`.
    Man,
}

/// The scenarios to run: the paths given; else `./scenarios` when it exists; else the bundled
/// scenarios built into the binary.
pub fn load_scenarios(
    paths: &[std::path::PathBuf],
) -> Result<Vec<crate::scenario::Scenario>, crate::errors::LoadError> {
    if !paths.is_empty() {
        return crate::scenario::load_all(paths);
    }
    let local = std::path::PathBuf::from("scenarios");
    if local.is_dir() {
        crate::scenario::load_all(&[local])
    } else {
        crate::scenario::load_bundled()
    }
}

/// The scenarios `paths` name ([`load_scenarios`]) and the selection the options make; or, after
/// printing why not, the exit code.
pub(crate) fn load_selected(
    paths: &[std::path::PathBuf],
    select: &run::SelectArgs,
) -> Result<
    (
        Vec<std::sync::Arc<crate::scenario::Scenario>>,
        crate::runner::Selection,
    ),
    u8,
> {
    let scenarios = match load_scenarios(paths) {
        Ok(s) => s,
        Err(e) => {
            print_load_errors(e);
            return Err(crate::exit::USAGE);
        }
    };
    let selection = select.selection().map_err(|e| {
        eprintln!("error: {e}");
        crate::exit::USAGE
    })?;
    Ok((
        scenarios.into_iter().map(std::sync::Arc::new).collect(),
        selection,
    ))
}

/// Prints each scenario-file problem as its own diagnostic (a code frame with the fix), then a
/// count.
pub fn print_load_errors(e: crate::errors::LoadError) {
    let errors = e.into_errors();
    let n = errors.len();
    for err in errors {
        eprintln!("{:?}", miette::Report::new(err));
    }
    eprintln!(
        "{n} problem{} in scenario files; nothing was run",
        if n == 1 { "" } else { "s" }
    );
}

/// Runs a parsed command line and returns the process exit code (see [`crate::exit`]).
pub async fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Run(args) => run::run(&args).await,
        Command::Certify(args) => certify::run(&args).await,
        Command::Diff(args) => diff::run(&args).await,
        Command::List(args) => list::run(&args),
        Command::Record(args) => record::run(&args).await,
        Command::ImportHar(args) => record::import_har(&args).await,
        Command::Load(args) => load::run(&args).await,
        Command::Schema => schema::run(),
        Command::Serve(args) => serve::run(&args).await,
        Command::Snapshots(args) => snapshots::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man => shell::man(),
    }
}
