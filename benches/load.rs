//! Benchmark of `okscim load` against `okscim serve` in another process, on 127.0.0.1.
//!
//! 1. Memory: Okta onboarding 100,000 users and 100 groups of 1,000 members (with the update,
//!    membership and deactivation waves and the read-back); this process's peak RSS (VmHWM), the
//!    harness's, must stay under 100 MB. It runs first, so that the peak is the load's.
//! 2. Throughput: the assign phase (Okta's lookup, then the create, per user) against a bare
//!    reqwest client sending the same requests (the same filter GET and the same create POST
//!    body, for other users) at the same concurrency, in the same run: baseline, load, baseline.
//!    The load must reach 90% of the baseline's request rate. Like `okscim load --target`, it
//!    runs on a single-threaded runtime: the harness has one core, the server the other.
//!
//! `cargo bench --bench load`; `OKSCIM_BENCH_USERS` (100000), `OKSCIM_BENCH_GROUPS` (100),
//! `OKSCIM_BENCH_MEMBERS` (1000), `OKSCIM_BENCH_RATE_USERS` (5000) and
//! `OKSCIM_BENCH_CONCURRENCY` (8) change the sizes.

use std::time::Instant;

use okscim::http::{Auth, ClientOptions, Redactor, ScimClient, Secret};
use okscim::load::{LoadEvent, LoadPlan};
use okscim::okta::{AppKind, OktaOptions};

#[path = "support/server.rs"]
mod server;
use server::start_server;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's peak resident set, in KiB (VmHWM).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn plan(users: usize, groups: usize, members: usize, concurrency: usize) -> LoadPlan {
    LoadPlan {
        users,
        groups,
        members_per_group: members,
        concurrency,
        app: AppKind::Oin,
        okta: OktaOptions::default(),
        run: okscim::runner::run_token(),
    }
}

/// The bare client: for `users` users, the filter GET then the create POST Okta sends, with
/// `concurrency` users in flight. Returns requests per second.
async fn baseline(base: &str, token: &str, users: usize, concurrency: usize) -> f64 {
    let client = reqwest::Client::new();
    let run = okscim::runner::run_token();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0usize;
    let mut done = 0usize;
    let one = |i: usize| {
        let client = client.clone();
        let base = base.to_string();
        let token = token.to_string();
        let name = format!("bare{i}.{run}@example.com");
        async move {
            let filter = format!(
                "{base}/Users?filter=userName%20eq%20%22{}%22&startIndex=1&count=100",
                name.replace('@', "%40")
            );
            let r = client
                .get(filter)
                .header("Accept", "application/scim+json")
                .header("Authorization", format!("Bearer {token}"))
                .send()
                .await
                .expect("the lookup");
            let _ = r.bytes().await;
            let body = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": name,
                "name": {"givenName": "Load", "familyName": format!("User{i}")},
                "emails": [{"primary": true, "value": name, "type": "work"}],
                "displayName": format!("Load User{i}"),
                "locale": "en-US",
                "externalId": format!("00u{i:017}"),
                "groups": [],
                "password": "abcdefgh",
                "active": true,
            });
            let r = client
                .post(format!("{base}/Users"))
                .header("Accept", "application/scim+json")
                .header("Content-Type", "application/scim+json; charset=utf-8")
                .header("Authorization", format!("Bearer {token}"))
                .body(body.to_string())
                .send()
                .await
                .expect("the create");
            let _ = r.bytes().await;
        }
    };
    while done < users {
        while set.len() < concurrency && next < users {
            set.spawn(one(next));
            next += 1;
        }
        if set.join_next().await.is_some() {
            done += 1;
        }
    }
    (users * 2) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let token = "bench-token-0123456789";
    let (_server, base) = start_server(token);
    let client = ScimClient::new(
        &base,
        Auth::Bearer(Secret::new(token)),
        &ClientOptions::default(),
        Redactor::default(),
    )
    .expect("a client");
    let concurrency = env_usize("OKSCIM_BENCH_CONCURRENCY", 8);

    // 1. Memory at scale.
    let big = plan(
        env_usize("OKSCIM_BENCH_USERS", 100_000),
        env_usize("OKSCIM_BENCH_GROUPS", 100),
        env_usize("OKSCIM_BENCH_MEMBERS", 1000),
        concurrency,
    );
    let before = peak_rss_kib();
    let started = Instant::now();
    let report = okscim::load::run(&big, &client, "bench", &mut |e| {
        if let LoadEvent::PhaseFinished(p) = e {
            eprintln!(
                "  {:<10} {:>8} requests {:>8.1} s {:>8.0} req/s  peak RSS {} MiB",
                p.name,
                p.stats.requests,
                p.stats.seconds,
                p.stats.requests_per_second,
                peak_rss_kib() / 1024
            );
        }
    })
    .await;
    let peak = peak_rss_kib();
    println!(
        "okscim load against `okscim serve` in another process, 127.0.0.1, {} tasks at once",
        concurrency
    );
    println!(
        "scale: {} users, {} groups of {}: {} requests in {:.1} s, {} failed tasks, converged: {}",
        big.users,
        big.groups,
        big.members_per_group,
        report.total.requests,
        started.elapsed().as_secs_f64(),
        report.total.failed_tasks,
        report.convergence.converged()
    );
    if !report.passed() {
        // What differed, as `okscim load` prints it.
        let text = okscim::cli::render_load(&report);
        let tail: Vec<&str> = text.lines().skip_while(|l| !l.is_empty()).collect();
        println!("{}", tail.join("\n"));
    }
    println!(
        "harness peak RSS: {:.1} MiB (before the load: {:.1} MiB; target < 100 MB = 95.4 MiB)",
        peak as f64 / 1024.0,
        before as f64 / 1024.0
    );

    // 2. Throughput of the assign phase against the bare client, same requests and concurrency.
    let users = env_usize("OKSCIM_BENCH_RATE_USERS", 5000);
    let b1 = baseline(&base, token, users, concurrency).await;
    let mut assign_rate = 0.0;
    let small = plan(users, 0, 0, concurrency);
    let _ = okscim::load::run(&small, &client, "bench", &mut |e| {
        if let LoadEvent::PhaseFinished(p) = e
            && p.name == "assign"
        {
            assign_rate = p.stats.requests_per_second;
        }
    })
    .await;
    let b2 = baseline(&base, token, users, concurrency).await;
    let base_rate = (b1 + b2) / 2.0;
    println!();
    println!("{:<34} {:>12}", "", "requests/s");
    println!("{:<34} {:>12.0}", "baseline (bare reqwest), first", b1);
    println!("{:<34} {:>12.0}", "okscim load, assign phase", assign_rate);
    println!("{:<34} {:>12.0}", "baseline (bare reqwest), second", b2);
    println!(
        "okscim load / baseline: {:.2} (target ≥ 0.90), over {users} users each",
        assign_rate / base_rate
    );
}
