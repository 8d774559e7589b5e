//! `okscim init [DIR]`: a starter scenario folder, one scenario per user story and a README.

use std::path::{Path, PathBuf};

use crate::exit;

/// Options of `okscim init`.
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// The folder to create (it must not exist, or be empty).
    #[arg(default_value = "okscim-scenarios")]
    pub dir: PathBuf,
}

/// The starter files, relative to the folder.
pub const FILES: [(&str, &str); 8] = [
    ("README.md", include_str!("init/README.md")),
    ("users/assign.yaml", include_str!("init/users/assign.yaml")),
    (
        "users/update-profile.yaml",
        include_str!("init/users/update-profile.yaml"),
    ),
    (
        "users/deactivate.yaml",
        include_str!("init/users/deactivate.yaml"),
    ),
    (
        "users/reactivate.yaml",
        include_str!("init/users/reactivate.yaml"),
    ),
    ("groups/push.yaml", include_str!("init/groups/push.yaml")),
    (
        "groups/membership.yaml",
        include_str!("init/groups/membership.yaml"),
    ),
    (
        "import/import-users.yaml",
        include_str!("init/import/import-users.yaml"),
    ),
];

fn is_empty_dir(dir: &Path) -> std::io::Result<bool> {
    Ok(std::fs::read_dir(dir)?.next().is_none())
}

fn write_all(dir: &Path) -> std::io::Result<()> {
    for (name, text) in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// Runs `okscim init`; returns the exit code.
pub fn run(args: &InitArgs) -> u8 {
    let dir = &args.dir;
    if dir.exists() {
        match is_empty_dir(dir) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!(
                    "error: {} exists and is not empty: okscim init writes into a new or empty folder only (name another one)",
                    dir.display()
                );
                return exit::USAGE;
            }
            Err(e) => {
                eprintln!(
                    "error: {} is not a folder okscim can use: {e}",
                    dir.display()
                );
                return exit::USAGE;
            }
        }
    }
    if let Err(e) = write_all(dir) {
        eprintln!(
            "error: cannot write the scenarios into {}: {e}",
            dir.display()
        );
        return exit::USAGE;
    }
    println!(
        "wrote {} scenarios and a README into {}:",
        FILES.len() - 1,
        dir.display()
    );
    for (name, _) in FILES.iter().skip(1) {
        println!("  {}", dir.join(name).display());
    }
    println!(
        "next: `okscim run {0}` (against the reference server), then `okscim run {0} --target URL --token-env VAR`",
        dir.display()
    );
    exit::OK
}
