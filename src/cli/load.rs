//! `okscim load`: Okta onboarding a customer at scale, with the figures an admin and an ISV ask
//! for (throughput, latency per request kind, 429s, failed tasks) and a check that the server
//! converged to exactly Okta's state.

use std::io::IsTerminal;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::run::TargetArgs;
use crate::exit;
use crate::load::{LoadEvent, LoadPlan, LoadReport, PhaseReport};
use crate::okta::{AppKind, OktaOptions};

/// Options of `okscim load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Where requests go and how they authenticate.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Users Okta assigns (each: the lookup, then the create).
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Groups Okta pushes.
    #[arg(long, default_value_t = 10)]
    pub groups: usize,
    /// Members of each pushed group (users taken in turn).
    #[arg(long, default_value_t = 10)]
    pub members_per_group: usize,
    /// Okta tasks in flight at once (Okta's own figure is unconfirmed).
    #[arg(long, default_value_t = crate::okta::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// The Okta app kind: `oin` (PATCH) or `aiw` (PUT).
    #[arg(long, value_enum, default_value_t = AppKind::Oin)]
    pub okta_app: AppKind,
    /// Write the report as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Follows the run: a progress bar per phase on a terminal, one line per phase otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    terminal: bool,
}

impl Progress {
    fn on(&mut self, event: LoadEvent<'_>) {
        match event {
            LoadEvent::PhaseStarted { name, tasks } => {
                if self.terminal {
                    let bar = ProgressBar::new(tasks);
                    if let Ok(style) =
                        ProgressStyle::with_template("{prefix:>10} {bar:30} {pos}/{len} {per_sec}")
                    {
                        bar.set_style(style);
                    }
                    bar.set_prefix(name.to_string());
                    self.bar = Some(bar);
                }
            }
            LoadEvent::TaskDone => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
            LoadEvent::PhaseFinished(phase) => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                println!("{}", phase_line(phase));
            }
        }
    }
}

fn phase_line(p: &PhaseReport) -> String {
    let s = &p.stats;
    let mut line = format!(
        "{:<10} {:>7} tasks {:>8} requests {:>8.2} s {:>8.0} req/s",
        p.name, s.tasks, s.requests, s.seconds, s.requests_per_second
    );
    if s.failed_tasks > 0 {
        line.push_str(&format!(", {} failed tasks", s.failed_tasks));
    }
    if s.throttled > 0 {
        line.push_str(&format!(
            ", {} answered 429 (Okta would have paused {})",
            s.throttled,
            crate::okta::ratelimit::human(std::time::Duration::from_secs_f64(s.okta_waited_secs))
        ));
    }
    line
}

/// The report as text.
pub fn render(report: &LoadReport) -> String {
    let mut out = String::new();
    let t = &report.total;
    out.push_str(&format!(
        "\n{} requests in {:.2} s: {:.0} req/s at {} tasks in flight\n",
        t.requests, t.seconds, t.requests_per_second, report.concurrency
    ));
    out.push_str(
        "request kind           count     p50 ms     p90 ms     p99 ms     max ms  statuses\n",
    );
    for k in &t.kinds {
        let statuses: Vec<String> = k.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        out.push_str(&format!(
            "{:<20} {:>7} {:>10.2} {:>10.2} {:>10.2} {:>10.2}  {}\n",
            k.kind,
            k.requests,
            k.p50_ms,
            k.p90_ms,
            k.p99_ms,
            k.max_ms,
            statuses.join(" ")
        ));
    }
    if t.failed_tasks > 0 {
        out.push_str(&format!(
            "\n{} failed tasks, as Dashboard → Tasks would list them (the first {}):\n",
            t.failed_tasks,
            t.failures.len()
        ));
        for f in &t.failures {
            out.push_str(&format!("  ✗ {f}\n"));
        }
    }
    let c = &report.convergence;
    out.push('\n');
    if let Some(why) = &c.unreadable {
        out.push_str(&format!("the read-back could not finish: {why}\n"));
    }
    for (what, d) in [
        ("users missing", &c.missing_users),
        ("users Okta did not create", &c.extra_users),
        ("users whose attributes differ", &c.wrong_users),
        ("groups missing", &c.missing_groups),
        ("groups Okta did not push", &c.extra_groups),
        ("memberships that differ", &c.wrong_members),
    ] {
        if d.count > 0 {
            out.push_str(&format!("{} {what}:\n", d.count));
            for e in &d.examples {
                out.push_str(&format!("  {e}\n"));
            }
        }
    }
    if report.passed() {
        out.push_str(&format!(
            "converged: the server holds exactly Okta's state ({} users, {} groups)\n",
            c.users_expected, c.groups_expected
        ));
    } else if c.converged() {
        out.push_str("converged, but tasks failed (above)\n");
    } else {
        out.push_str("not converged: the server does not hold Okta's state\n");
    }
    out
}

/// Runs `okscim load`; returns the exit code.
pub async fn run(args: &LoadArgs) -> u8 {
    let target = match args.target.open().await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    if args.users == 0 {
        eprintln!("error: --users must be at least 1: a load of nothing checks nothing");
        return exit::USAGE;
    }
    let connection = match target.connect().await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let plan = LoadPlan {
        users: args.users,
        groups: args.groups,
        members_per_group: args.members_per_group,
        concurrency: args.concurrency.max(1),
        app: args.okta_app,
        okta: OktaOptions {
            concurrency: args.concurrency.max(1),
            ..OktaOptions::default()
        },
        run: crate::runner::run_token(),
    };
    println!(
        "okscim load against {}: {} users, {} groups of {}, {} tasks at once, {} app",
        crate::text::target_phrase(&target.label),
        plan.users,
        plan.groups,
        plan.members_per_group,
        plan.concurrency,
        plan.app
    );
    let mut progress = Progress {
        bar: None,
        terminal: std::io::stdout().is_terminal(),
    };
    let report = crate::load::run(&plan, &connection.client, &target.label, &mut |e| {
        progress.on(e)
    })
    .await;
    connection.close().await;
    print!("{}", render(&report));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::USAGE;
        }
    }
    let answered = report
        .total
        .kinds
        .iter()
        .any(|k| k.statuses.keys().any(|s| s != "no answer"));
    if !answered {
        exit::UNREACHABLE
    } else if report.passed() {
        exit::OK
    } else {
        exit::FAILED
    }
}
