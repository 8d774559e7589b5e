//! `okscim completions SHELL` and `okscim man`: generated from the clap definitions, so they
//! never disagree with `--help`.

use clap::CommandFactory;

use super::Cli;
use crate::exit;

/// Options of `okscim completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> u8 {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "okscim", &mut std::io::stdout());
    exit::OK
}

/// Prints the manual page (roff) of `okscim` and its subcommands.
pub fn man() -> u8 {
    let command = Cli::command();
    let mut out = Vec::new();
    let rendered = clap_mangen::Man::new(command.clone())
        .render(&mut out)
        .and_then(|()| {
            for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
                let name = format!("okscim-{}", sub.get_name());
                let sub = sub.clone().name(name).version(env!("CARGO_PKG_VERSION"));
                clap_mangen::Man::new(sub).render(&mut out)?;
            }
            Ok(())
        });
    match rendered {
        Ok(()) => {
            use std::io::Write;
            let mut stdout = std::io::stdout();
            if stdout.write_all(&out).is_err() {
                return exit::USAGE;
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("error: cannot render the manual page: {e}");
            exit::USAGE
        }
    }
}
