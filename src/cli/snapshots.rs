//! `okscim snapshots review|accept|reject [DIR] [--filter F]`: pending snapshots, handled like
//! code review.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::exit;
use crate::snapshot::{
    accept, json_diff, pending_files, read_contents, reject, render_changes, stored_path, text_diff,
};

/// Options of `okscim snapshots`.
#[derive(Debug, Clone, clap::Args)]
pub struct SnapshotsArgs {
    /// What to do with pending snapshots.
    #[command(subcommand)]
    pub action: SnapshotsAction,
}

/// The actions.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum SnapshotsAction {
    /// Step through pending snapshots, showing each diff, asking accept / reject / skip.
    Review(PendingArgs),
    /// Accept pending snapshots without asking: each replaces its stored snapshot.
    Accept(PendingArgs),
    /// Reject pending snapshots without asking: each is deleted.
    Reject(PendingArgs),
}

/// Which pending snapshots.
#[derive(Debug, Clone, clap::Args)]
pub struct PendingArgs {
    /// The snapshot folder (default: `okscim-snapshots`, searched recursively).
    pub dir: Option<PathBuf>,
    /// Only snapshots whose file name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
}

fn selected(args: &PendingArgs) -> std::io::Result<Vec<PathBuf>> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("okscim-snapshots"));
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "{} is not a folder: name the folder the run wrote its snapshots to (`--snapshots DIR`)",
                dir.display()
            ),
        ));
    }
    let mut files = pending_files(&dir)?;
    if let Some(f) = &args.filter {
        files.retain(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(f.as_str()))
        });
    }
    Ok(files)
}

/// The diff of one pending snapshot against its stored one, as text.
pub fn describe(pending: &Path) -> std::io::Result<String> {
    let stored = stored_path(pending);
    let new = read_contents(pending)?.unwrap_or_default();
    match read_contents(&stored)? {
        None => Ok(format!(
            "new snapshot {} (nothing stored yet)\n{new}\n",
            stored.display()
        )),
        Some(old) => {
            let parse =
                |t: &str| serde_json::from_str::<Value>(t).unwrap_or(Value::String(t.to_string()));
            let changes = json_diff(&parse(&old), &parse(&new));
            Ok(format!(
                "snapshot {} changed ({} changes):\n{}\n{}",
                stored.display(),
                changes.len(),
                render_changes(&changes),
                text_diff(&old, &new)
            ))
        }
    }
}

/// Runs `okscim snapshots …`.
pub fn run(args: &SnapshotsArgs) -> u8 {
    let result = match &args.action {
        SnapshotsAction::Accept(p) => selected(p).and_then(|files| {
            for f in &files {
                let stored = accept(f)?;
                println!("accepted {}", stored.display());
            }
            println!("{} accepted", files.len());
            Ok(())
        }),
        SnapshotsAction::Reject(p) => selected(p).and_then(|files| {
            for f in &files {
                reject(f)?;
                println!("rejected {}", f.display());
            }
            println!("{} rejected", files.len());
            Ok(())
        }),
        SnapshotsAction::Review(p) => selected(p).and_then(|files| review(&files)),
    };
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

fn review(files: &[PathBuf]) -> std::io::Result<()> {
    if files.is_empty() {
        println!("no pending snapshots");
        return Ok(());
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for (i, f) in files.iter().enumerate() {
        println!("── {}/{} ──", i + 1, files.len());
        print!("{}", describe(f)?);
        loop {
            print!("accept (a), reject (r) or skip (s)? ");
            std::io::stdout().flush()?;
            let Some(line) = lines.next().transpose()? else {
                println!();
                println!(
                    "{accepted} accepted, {rejected} rejected, {} left pending",
                    skipped + files.len() - i
                );
                return Ok(());
            };
            match line.trim() {
                "a" | "accept" => {
                    accept(f)?;
                    accepted += 1;
                }
                "r" | "reject" => {
                    reject(f)?;
                    rejected += 1;
                }
                "s" | "skip" | "" => skipped += 1,
                _ => continue,
            }
            break;
        }
    }
    println!("{accepted} accepted, {rejected} rejected, {skipped} skipped");
    Ok(())
}
