//! `okscim certify`: run the certification scenarios built into okscim (those that `covers` an
//! Okta requirement) against the target, and report per requirement with a readiness verdict.

use std::io::Write;
use std::path::PathBuf;

use anstream::AutoStream;

use super::run::TargetArgs;
use crate::errors::HarnessError;
use crate::exit;
use crate::okta::AppKind;

/// Options of `okscim certify`.
#[derive(Debug, Clone, clap::Args)]
pub struct CertifyArgs {
    /// Where requests go and how they authenticate.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Certify for this Okta app kind only (default: both; the SPEC test is for OIN apps).
    #[arg(long, value_enum)]
    pub okta_app: Option<AppKind>,
    /// Scenario runs at once (default: the number of CPUs).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Write the report as JSON (`okscim-certify/1`, docs/certify.schema.json).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the report as JUnit XML, one test case per requirement.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the report as one self-contained HTML file (works offline; attach it to the
    /// submission).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

fn write(path: &PathBuf, text: &str) -> Result<(), HarnessError> {
    std::fs::write(path, text).map_err(|source| HarnessError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Runs `okscim certify`; returns the exit code.
pub async fn run(args: &CertifyArgs) -> u8 {
    let scenarios = match crate::certify::scenarios() {
        Ok(s) => s,
        Err(e) => {
            super::print_load_errors(e);
            return exit::USAGE;
        }
    };
    let target = match args.target.open().await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    eprintln!(
        "okscim certify: the certification scenarios against {}",
        crate::text::target_phrase(&target.label)
    );
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let apps: Vec<AppKind> = args.okta_app.into_iter().collect();
    let (stopper, stop) = crate::runner::stop_channel();
    crate::runner::stop_on_signals(stopper);
    let (result, readiness) =
        crate::certify::certify_until(&scenarios, &target, &apps, jobs, stop).await;
    let mut out = AutoStream::auto(std::io::stdout());
    if let Some(cause) = result.common_failure() {
        let _ = writeln!(out, "{}: {}", cause.what(), cause.fix());
    }
    let _ = write!(out, "{}", crate::report::certify_text(&readiness));
    let _ = out.flush();
    let written = args
        .json
        .as_ref()
        .map(|p| write(p, &crate::report::certify_json(&readiness)))
        .transpose()
        .and_then(|_| {
            args.junit
                .as_ref()
                .map(|p| crate::report::certify_junit(&readiness).and_then(|xml| write(p, &xml)))
                .transpose()
        })
        .and_then(|_| {
            args.html
                .as_ref()
                .map(|p| write(p, &crate::report::certify_html(&readiness, &result)))
                .transpose()
        });
    if let Err(e) = written {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    if let Some(signal) = result.interrupted {
        exit::interrupted(signal)
    } else if result.target_unreachable() {
        exit::UNREACHABLE
    } else if readiness.ready {
        exit::OK
    } else {
        exit::FAILED
    }
}
