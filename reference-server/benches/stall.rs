//! Can one client stall the others? The latency of `GET /ServiceProviderConfig` while the
//! costliest requests the server admits run, against the same GETs on an idle server.
//!
//! The bench starts the reference server (the `okscim-reference-server` binary, as `okscim
//! serve` runs it) on 127.0.0.1, fills it with `OKSCIM_BENCH_USERS` users (default 100,000),
//! then measures up to 300 sequential GETs of `/ServiceProviderConfig` (at most 60 s of them) on
//! one keep-alive connection:
//! - idle;
//! - while two clients send, back to back, the worst requests there are: a `.search` whose
//!   filter scans every user with as many `co` conditions as the work limit admits, a filter of
//!   1,001 conditions (refused), and a PATCH that adds 20,000 emails to one user (the whole
//!   megabyte body is read and applied, then refused by the resource size limit).
//!
//! It also reports the server process's memory per user: its RSS before and after the users
//! (Okta's create body each) are created.
//!
//! With `OKSCIM_BENCH_BASELINE` naming another build, it is measured the same way after (each
//! heavy request bounded by a 60 s client timeout, so a build that stalls still ends).
//!
//! Run: `cargo bench -p okscim-reference-server --bench stall`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TOKEN: &str = "bench-token-0123456789";

struct ServerProcess {
    child: Child,
    base: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(binary: &Path) -> ServerProcess {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let child = Command::new(binary)
        .args(["--addr", &addr.to_string()])
        .env("OKSCIM_SERVER_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    ServerProcess {
        child,
        base: format!("http://{addr}/scim/v2"),
    }
}

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("client")
}

async fn seed(base: &str, users: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let next = next.clone();
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let c = client(Duration::from_secs(30));
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= users {
                    break;
                }
                let name = format!("user{n}@example.com");
                let body = json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": name,
                    "name": {"givenName": "Bench", "familyName": format!("User{n}")},
                    "emails": [{"primary": true, "value": name, "type": "work"}],
                    "displayName": format!("Bench User{n}"),
                    "locale": "en-US",
                    "externalId": format!("00u{n:017}"),
                    "groups": [],
                    "password": "1mz050nq",
                    "active": true
                });
                let r = c
                    .post(format!("{base}/Users"))
                    .bearer_auth(TOKEN)
                    .header("Content-Type", "application/scim+json")
                    .body(body.to_string())
                    .send()
                    .await
                    .expect("seed POST");
                assert_eq!(r.status().as_u16(), 201, "seed user {n}");
            }
        }));
    }
    for t in tasks {
        t.await.expect("seed task");
    }
}

/// Up to 300 sequential GETs of /ServiceProviderConfig, for at most 60 s (a server that stalls
/// answers few): (p50, p99, max, how many).
async fn probe(base: &str) -> (Duration, Duration, Duration, usize) {
    let c = client(Duration::from_secs(60));
    let mut samples = Vec::with_capacity(300);
    let started = Instant::now();
    while samples.len() < 300 && started.elapsed() < Duration::from_secs(60) {
        let t = Instant::now();
        let r = c
            .get(format!("{base}/ServiceProviderConfig"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("GET");
        let _ = r.bytes().await;
        samples.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), at(1.0), samples.len())
}

/// What the heavy clients did.
#[derive(Default)]
struct Heavy {
    requests: AtomicUsize,
    statuses: std::sync::Mutex<std::collections::BTreeMap<String, usize>>,
    slowest_ms: AtomicUsize,
}

fn worst_filter(users: usize, budget: u64) -> String {
    // users × (terms + 1) <= budget: the most conditions the work limit admits over every user.
    let terms = ((budget / users.max(1) as u64).saturating_sub(1)).clamp(1, 1000) as usize;
    (0..terms)
        .map(|i| format!("emails.value co \"zz{i}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

async fn heavy_client(
    base: String,
    id: String,
    which: usize,
    users: usize,
    stop: Arc<AtomicBool>,
    heavy: Arc<Heavy>,
) {
    let c = client(Duration::from_secs(60));
    let admitted = worst_filter(users, 4_000_000);
    let refused: String = (0..1001)
        .map(|i| format!("emails.value co \"{i}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let emails: Vec<Value> = (0..20_000)
        .map(|i| json!({"value": format!("e{i}@example.com"), "type": "other"}))
        .collect();
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "emails", "value": emails}]
    })
    .to_string();
    let mut round = which;
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        let request = match round % 3 {
            0 => c
                .post(format!("{base}/Users/.search"))
                .body(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": admitted, "count": 10}).to_string()),
            1 => c
                .post(format!("{base}/Users/.search"))
                .body(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": refused}).to_string()),
            _ => c.patch(format!("{base}/Users/{id}")).body(patch.clone()),
        };
        round += 1;
        let label = [
            "filter (admitted)",
            "filter (1,001 terms)",
            "PATCH 20,000 emails",
        ][(round - 1) % 3];
        let status = match request
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/scim+json")
            .send()
            .await
        {
            Ok(r) => {
                let s = r.status().as_u16().to_string();
                let _ = r.bytes().await;
                s
            }
            Err(e) if e.is_timeout() => "timeout".to_string(),
            Err(_) => "error".to_string(),
        };
        heavy.requests.fetch_add(1, Ordering::Relaxed);
        heavy
            .slowest_ms
            .fetch_max(t.elapsed().as_millis() as usize, Ordering::Relaxed);
        *heavy
            .statuses
            .lock()
            .unwrap()
            .entry(format!("{label}: {status}"))
            .or_default() += 1;
    }
}

/// The server process's resident memory, in bytes.
fn rss(child: &Child) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kb| kb * 1024)
}

async fn measure(name: &str, binary: &Path, users: usize) {
    let server = start(binary);
    let before = rss(&server.child);
    let t = Instant::now();
    seed(&server.base, users).await;
    println!(
        "{name}: {users} users seeded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if let (Some(before), Some(after)) = (before, rss(&server.child)) {
        let grown = after.saturating_sub(before);
        println!(
            "{name}: server RSS {:.1} MiB before, {:.1} MiB after: {:.0} bytes a user (Okta's create body; target <= 1024)",
            before as f64 / 1048576.0,
            after as f64 / 1048576.0,
            grown as f64 / users as f64
        );
    }
    let c = client(Duration::from_secs(30));
    let found: Value = c
        .get(format!(
            "{}/Users?filter=userName%20eq%20%22user0%40example.com%22",
            server.base
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("lookup")
        .json()
        .await
        .expect("json");
    let id = found["Resources"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let idle = probe(&server.base).await;
    let stop = Arc::new(AtomicBool::new(false));
    let heavy = Arc::new(Heavy::default());
    let mut clients = Vec::new();
    for which in 0..2 {
        clients.push(tokio::spawn(heavy_client(
            server.base.clone(),
            id.clone(),
            which,
            users,
            stop.clone(),
            heavy.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let loaded = probe(&server.base).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        let _ = c.await;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: GET /ServiceProviderConfig idle    p50 {:8.2} ms  p99 {:8.2} ms  max {:8.2} ms  ({} GETs)",
        ms(idle.0),
        ms(idle.1),
        ms(idle.2),
        idle.3
    );
    println!(
        "{name}: GET /ServiceProviderConfig loaded  p50 {:8.2} ms  p99 {:8.2} ms  max {:8.2} ms  ({} GETs)",
        ms(loaded.0),
        ms(loaded.1),
        ms(loaded.2),
        loaded.3
    );
    println!(
        "{name}: loaded / idle: p50 {:.1}x, p99 {:.1}x; {} heavy requests meanwhile, the slowest {} ms",
        ms(loaded.0) / ms(idle.0).max(1e-6),
        ms(loaded.1) / ms(idle.1).max(1e-6),
        heavy.requests.load(Ordering::Relaxed),
        heavy.slowest_ms.load(Ordering::Relaxed)
    );
    for (k, v) in heavy.statuses.lock().unwrap().iter() {
        println!("{name}:   {k}: {v}");
    }
}

fn main() {
    let users: usize = std::env::var("OKSCIM_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let current = PathBuf::from(env!("CARGO_BIN_EXE_okscim-reference-server"));
    rt.block_on(measure("reference server", &current, users));
    if let Some(baseline) = std::env::var_os("OKSCIM_BENCH_BASELINE") {
        rt.block_on(measure("baseline", Path::new(&baseline), users));
    }
}
