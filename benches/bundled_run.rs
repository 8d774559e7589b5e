//! Benchmark: the full bundled run against the reference server, in a separate process so the
//! harness's own CPU time can be measured. Reports exchanges per second and the harness's CPU
//! time per exchange (checks included), against a baseline run in the same command: the same
//! requests (method, path, headers, body) replayed with a bare reqwest client that reads each
//! body and does nothing else, so the difference is what the harness adds: Okta's logic,
//! parsing, checks and recording. Like `okscim run --target`, it uses a single-threaded runtime.
//!
//! `cargo bench --bench bundled_run`; `OKSCIM_BENCH_ROUNDS` sets how many times the bundled
//! scenarios run (default 10).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use okscim::okta::OktaOptions;
use okscim::runner::{Selection, plan, run_jobs};
use okscim::target::{Target, TargetOptions, TargetSpec};

/// CPU time (user + system) of this process, from /proc/self/stat (clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the full line: 11 and 12 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

#[path = "support/server.rs"]
mod server;
use server::start_server;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rounds: usize = std::env::var("OKSCIM_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let token = "bench-token-0123456789";
    let (_server, base) = start_server(token);
    let scenarios = okscim::scenario::load_all(&[PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios"
    ))])
    .expect("the bundled scenarios load");
    let scenarios: Vec<Arc<_>> = scenarios.into_iter().map(Arc::new).collect();
    let spec = TargetSpec::Url {
        url: base.clone(),
        auth: okscim::http::Auth::Bearer(okscim::http::Secret::new(token)),
        secret_env: None,
    };
    let target = Arc::new(
        Target::open(spec, &TargetOptions::default())
            .await
            .expect("target"),
    );

    // The harness: every bundled scenario, both app kinds, one at a time.
    let mut exchanges = 0usize;
    let mut failed = 0usize;
    let mut runs = Vec::new();
    let cpu0 = cpu_time();
    let wall0 = Instant::now();
    for _ in 0..rounds {
        let jobs = plan(&scenarios, &Selection::default(), target.profile);
        let run = run_jobs(
            jobs,
            &target,
            OktaOptions::default(),
            1,
            "bench",
            None,
            &mut [],
        )
        .await;
        exchanges += run
            .scenarios
            .iter()
            .map(|s| s.exchanges().count())
            .sum::<usize>();
        failed += run.counts().failed;
        runs.push(run);
    }
    let harness_wall = wall0.elapsed();
    let harness_cpu = cpu_time() - cpu0;
    let replay: Vec<_> = runs
        .iter()
        .flat_map(|r| r.scenarios.iter())
        .flat_map(|s| s.exchanges())
        .map(|e| e.request.clone())
        .collect();

    // Baseline: the same requests replayed by a bare keep-alive reqwest client.
    let client = reqwest::Client::new();
    let cpu0 = cpu_time();
    let wall0 = Instant::now();
    for request in &replay {
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("a method");
        let mut builder = client.request(method, &request.url);
        for (name, value) in &request.headers {
            if !name.eq_ignore_ascii_case("authorization") {
                builder = builder.header(name.as_str(), value.as_str());
            }
        }
        builder = builder.header("Authorization", format!("Bearer {token}"));
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let r = builder.send().await.expect("baseline request");
        let _ = r.bytes().await.expect("baseline body");
    }
    let base_wall = wall0.elapsed();
    let base_cpu = cpu_time() - cpu0;

    let per = |d: Duration| d.as_secs_f64() * 1e6 / exchanges.max(1) as f64;
    println!(
        "okscim bundled run against `okscim serve` in another process, 127.0.0.1, jobs=1, {rounds} rounds"
    );
    println!("{} scenario runs failed (must be 0)", failed);
    println!();
    println!(
        "{:<28} {:>10} {:>12} {:>14} {:>18}",
        "", "exchanges", "wall (s)", "exchanges/s", "CPU µs/exchange"
    );
    println!(
        "{:<28} {:>10} {:>12.2} {:>14.0} {:>18.1}",
        "harness (okscim run)",
        exchanges,
        harness_wall.as_secs_f64(),
        exchanges as f64 / harness_wall.as_secs_f64(),
        per(harness_cpu)
    );
    println!(
        "{:<28} {:>10} {:>12.2} {:>14.0} {:>18.1}",
        "baseline (bare replay)",
        exchanges,
        base_wall.as_secs_f64(),
        exchanges as f64 / base_wall.as_secs_f64(),
        per(base_cpu)
    );
    println!();
    println!(
        "harness/baseline: wall {:.2}x, CPU per exchange {:.2}x; harness CPU per exchange {:.1} µs (target < 100 µs)",
        harness_wall.as_secs_f64() / base_wall.as_secs_f64(),
        harness_cpu.as_secs_f64() / base_cpu.as_secs_f64().max(1e-9),
        per(harness_cpu)
    );
}
