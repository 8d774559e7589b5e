//! Okta's create flow against the reference server, at scale.
//!
//! For each N in `OKSCIM_BENCH_USERS` (comma-separated, default `1000,100000`; `0` skips the
//! bench) a fresh server is spawned in-process on 127.0.0.1 and one keep-alive client drives
//! Okta's create flow (okta-wire.md §1.3) for N distinct users, one after the other:
//!
//! ```text
//! GET  /Users?filter=userName%20eq%20%22<u>%22&startIndex=1&count=100   -> 200, totalResults 0
//! POST /Users  <Okta's create body, with groups: [] and password>        -> 201
//! ```
//!
//! Reported per N: total time, creates per second, the median latency of one create (the GET
//! and the POST) over the first 1,000 and the last 1,000 creates and their ratio (target
//! <= 1.2: the indexes keep the lookup O(1)), and the process RSS (VmRSS) after the run and
//! its growth per user (target <= 1 KiB a typical Okta user at 100,000 users). Server and client
//! share the process, so RSS includes the client, the runtime and the latency samples.
//!
//! Run: `cargo bench -p okscim-reference-server --bench create_flow`
//! (`OKSCIM_BENCH_USERS=1000 cargo bench ...` for a quick run). `cargo test` does not run it.

use std::time::{Duration, Instant};

use okscim_reference_server::{ServerConfig, spawn};
use serde_json::{Value, json};

/// The allocator the server binaries ship with, so that the memory a user is what they use.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const WINDOW: usize = 1000;

fn okta_user(user_name: &str, n: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Bench", "familyName": format!("User{n}")},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("Bench User{n}"),
        "locale": "en-US",
        "externalId": format!("00u{n:017}"),
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

/// Percent-encodes a query value (space as `%20`).
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn median(samples: &[Duration]) -> Duration {
    let mut v = samples.to_vec();
    v.sort();
    if v.is_empty() {
        Duration::ZERO
    } else {
        v[v.len() / 2]
    }
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut v = samples.to_vec();
    v.sort();
    if v.is_empty() {
        return Duration::ZERO;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

struct Outcome {
    users: usize,
    total: Duration,
    first_median: Duration,
    last_median: Duration,
    p99: Duration,
    rss_before: Option<f64>,
    rss_after: Option<f64>,
    stored: usize,
}

async fn run(users: usize) -> Outcome {
    let rss_before = rss_mb();
    let server = spawn(ServerConfig::default())
        .await
        .expect("spawn the server");
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(1)
        .build()
        .expect("client");
    let auth = format!("Bearer {}", server.token);
    let base = server.base_url.clone();
    let mut latencies = Vec::with_capacity(users);
    let started = Instant::now();
    for n in 0..users {
        let user_name = format!("bench.user{n}@example.com");
        let body = serde_json::to_vec(&okta_user(&user_name, n)).expect("serialize");
        let t0 = Instant::now();
        let lookup = client
            .get(format!(
                "{base}/Users?filter={}&startIndex=1&count=100",
                enc(&format!("userName eq \"{user_name}\""))
            ))
            .header("Accept", "application/scim+json")
            .header("Accept-Charset", "utf-8")
            .header("User-Agent", "Okta SCIM Client 1.0.0")
            .header("Authorization", &auth)
            .send()
            .await
            .expect("GET");
        assert_eq!(lookup.status().as_u16(), 200);
        let found: Value =
            serde_json::from_slice(&lookup.bytes().await.expect("body")).expect("json");
        assert_eq!(found["totalResults"], json!(0), "user {n} already exists");
        let created = client
            .post(format!("{base}/Users"))
            .header("Accept", "application/scim+json")
            .header("Accept-Charset", "utf-8")
            .header("User-Agent", "Okta SCIM Client 1.0.0")
            .header("Content-Type", "application/scim+json; charset=utf-8")
            .header("Authorization", &auth)
            .body(body)
            .send()
            .await
            .expect("POST");
        assert_eq!(created.status().as_u16(), 201);
        let _ = created.bytes().await.expect("body");
        latencies.push(t0.elapsed());
    }
    let total = started.elapsed();
    let stored = server
        .state()
        .read()
        .await
        .len(okscim_reference_server::schema::ResourceKind::User);
    let rss_after = rss_mb();
    let window = WINDOW.min(users);
    let outcome = Outcome {
        users,
        total,
        first_median: median(&latencies[..window]),
        last_median: median(&latencies[users - window..]),
        p99: percentile(&latencies, 0.99),
        rss_before,
        rss_after,
        stored,
    };
    server.shutdown().await;
    outcome
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let spec = std::env::var("OKSCIM_BENCH_USERS").unwrap_or_else(|_| "1000,100000".to_string());
    let sizes: Vec<usize> = spec
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|n| *n > 0)
        .collect();
    if sizes.is_empty() {
        println!("create_flow: skipped (OKSCIM_BENCH_USERS={spec})");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "okscim reference server: Okta create flow (GET userName eq -> POST), sequential, keep-alive, 127.0.0.1"
    );
    println!("server and client in one process (RSS includes both)");
    let mut outcomes = Vec::new();
    for n in sizes {
        eprintln!("running N={n} ...");
        outcomes.push(rt.block_on(run(n)));
    }
    println!();
    println!(
        "{:>8} | {:>10} | {:>10} | {:>16} | {:>16} | {:>8} | {:>10} | {:>12} | {:>12}",
        "users",
        "total",
        "creates/s",
        "median first 1k",
        "median last 1k",
        "ratio",
        "p99",
        "RSS before",
        "RSS after"
    );
    println!("{}", "-".repeat(130));
    for o in &outcomes {
        let ratio = o.last_median.as_secs_f64() / o.first_median.as_secs_f64().max(1e-9);
        let mb = |v: Option<f64>| {
            v.map(|m| format!("{m:.1} MB"))
                .unwrap_or_else(|| "n/a".into())
        };
        println!(
            "{:>8} | {:>10} | {:>10.0} | {:>16} | {:>16} | {:>8.2} | {:>10} | {:>12} | {:>12}",
            o.users,
            format!("{:.2} s", o.total.as_secs_f64()),
            o.users as f64 / o.total.as_secs_f64(),
            ms(o.first_median),
            ms(o.last_median),
            ratio,
            ms(o.p99),
            mb(o.rss_before),
            mb(o.rss_after),
        );
        assert_eq!(o.stored, o.users, "every create was stored");
    }
    println!();
    for o in &outcomes {
        let ratio = o.last_median.as_secs_f64() / o.first_median.as_secs_f64().max(1e-9);
        let ratio_ok = if ratio <= 1.2 { "ok" } else { "OVER TARGET" };
        print!(
            "N={}: last/first median ratio {ratio:.2} (target <= 1.2: {ratio_ok})",
            o.users
        );
        if o.users >= 100_000 {
            let grown = o.rss_after.unwrap_or(f64::NAN) - o.rss_before.unwrap_or(f64::NAN);
            let per_user = grown * 1024.0 * 1024.0 / o.users as f64;
            let ok = if per_user <= 1024.0 {
                "ok"
            } else {
                "OVER TARGET"
            };
            print!(
                "; RSS grew {grown:.1} MB, {per_user:.0} bytes a user (target <= 1024, client and latency samples included: {ok})"
            );
        }
        println!();
    }
}
