//! How fast the reference server answers, next to what its own stack can do.
//!
//! The bench starts, one at a time, on 127.0.0.1:
//! - the reference server, as `okscim serve` runs it (the `okscim-reference-server` binary, its
//!   request log piped to a reader, as a container runtime would take it);
//! - a minimal axum server that checks the Authorization header and answers `GET
//!   /scim/v2/Users` with a fixed body of the same size as the reference server's answer (the
//!   ceiling of the stack: same axum, same hyper, same tokio, no work);
//! - a baseline binary, when `OKSCIM_BENCH_BASELINE` names one (e.g. the reference server built
//!   from an earlier commit), so that a change is measured against what it replaces in one run.
//!
//! and drives each with `wrk -t2 -c16` (Debian package `wrk`; the bench installs it with apt-get
//! when it can, and says it skipped otherwise) for two workloads:
//! - **lookup**: `GET /Users?filter=userName eq "<a random one of 1,000 users>"`, the request
//!   Okta sends before every create and import match;
//! - **create flow**: Okta's create, the lookup of a new userName then `POST /Users` with Okta's
//!   body (creates/s is half the requests/s).
//!
//! Each server is measured in `OKSCIM_BENCH_ROUNDS` rounds (default 2) of
//! `OKSCIM_BENCH_SECONDS` seconds (default 5) per workload, alternating servers, and the best
//! round is kept. Reported: requests/s of each, and the ratios the targets are stated in
//! (reference / minimal axum >= 0.60 on lookups; reference / baseline >= 3 on creates). The
//! machine is shared with wrk, so only ratios from one run mean anything; the ratio within each
//! round, and their median, are printed too, to show how far the best-of ratios move with the
//! machine's noise. So is the CPU time (user and system) each server and wrk spend a request,
//! read from `/proc`: unlike requests/s, it does not depend on how the cores are shared between
//! the server and its load, so it compares the work servers do per request.
//!
//! Run: `cargo bench -p okscim-reference-server --bench throughput`.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token-0123456789";
const USERS: usize = 1000;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_until_listening(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "server at {addr} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One HTTP/1.1 request on a fresh connection; the status and body.
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut stream, &mut text).expect("read");
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn okta_user(n: usize) -> String {
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user{n}@example.com","name":{{"givenName":"Bench","familyName":"User{n}"}},"emails":[{{"primary":true,"value":"user{n}@example.com","type":"work"}}],"displayName":"Bench User{n}","locale":"en-US","externalId":"00u{n:017}","groups":[],"password":"1mz050nq","active":true}}"#
    )
}

/// A reference server (or a baseline build of it) in its own process.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    fn start(binary: &Path) -> ServerProcess {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut child = Command::new(binary)
            .args(["--addr", &addr.to_string()])
            .env("OKSCIM_SERVER_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        // The request log is read as fast as it comes, as a container runtime would.
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            while let Some(Ok(_)) = lines.next() {}
        });
        wait_until_listening(addr);
        for n in 1..=USERS {
            let (status, _) = http(addr, "POST", "/scim/v2/Users", &okta_user(n));
            assert_eq!(status, 201, "seed user {n}");
        }
        ServerProcess { child, addr }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The minimal axum server: an Authorization check and a fixed body, on a runtime of its own.
struct Minimal {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Minimal {
    fn start(body: String) -> Minimal {
        use axum::http::{HeaderMap, StatusCode, header};
        use axum::response::IntoResponse;
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let body: &'static str = Box::leak(body.into_boxed_str());
                let app = axum::Router::new().route(
                    "/scim/v2/Users",
                    axum::routing::get(move |headers: HeaderMap| async move {
                        let expected = concat!("Bearer ", "bench-token-0123456789");
                        if headers.get(header::AUTHORIZATION).map(|v| v.as_bytes())
                            != Some(expected.as_bytes())
                        {
                            return StatusCode::UNAUTHORIZED.into_response();
                        }
                        ([(header::CONTENT_TYPE, "application/scim+json")], body).into_response()
                    }),
                );
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        wait_until_listening(addr);
        Minimal {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Minimal {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const LOOKUP_LUA: &str = r#"
math.randomseed(os.time())
local headers = {["Authorization"] = "Bearer bench-token-0123456789", ["Accept"] = "application/scim+json", ["User-Agent"] = "Okta SCIM Client 1.0.0"}
request = function()
  local n = math.random(1, USERS)
  return wrk.format("GET", "/scim/v2/Users?filter=userName%20eq%20%22user" .. n .. "%40example.com%22&startIndex=1&count=100", headers)
end
"#;

const CREATE_LUA: &str = r#"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
local post = false
local run = os.getenv("OKSCIM_BENCH_RUN") or "0"
local headers = {["Authorization"] = "Bearer bench-token-0123456789", ["Accept"] = "application/scim+json", ["User-Agent"] = "Okta SCIM Client 1.0.0", ["Content-Type"] = "application/scim+json; charset=utf-8"}
request = function()
  local name = "c" .. run .. "-" .. tid .. "-" .. counter .. "@example.com"
  if not post then
    post = true
    return wrk.format("GET", "/scim/v2/Users?filter=userName%20eq%20%22" .. name:gsub("@", "%%40") .. "%22&startIndex=1&count=100", headers)
  end
  post = false
  counter = counter + 1
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name .. '","name":{"givenName":"Bench","familyName":"User"},"emails":[{"primary":true,"value":"' .. name .. '","type":"work"}],"displayName":"Bench User","locale":"en-US","externalId":"00u' .. tid .. counter .. '","groups":[],"password":"1mz050nq","active":true}'
  return wrk.format("POST", "/scim/v2/Users", headers, body)
end
"#;

/// What wrk measured, and the CPU time spent a request (user and system, in µs) by the server
/// and by wrk.
struct Measured {
    per_sec: f64,
    non_2xx: u64,
    server_cpu: f64,
    wrk_cpu: f64,
}

/// Where a server runs, for its CPU time: a process of its own, or this one (the minimal
/// server, whose runtime is the only thing this process runs while wrk drives it).
#[derive(Clone, Copy)]
enum Host {
    Process(u32),
    Here,
}

/// CPU seconds (user and system) from `/proc/<pid>/stat`: the process's own, or those of its
/// children that have ended and been waited for (how wrk's time is read, since it is this
/// process's only child to end while it runs). `None` off Linux.
fn cpu_seconds(pid: &str, children: bool) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name, which is in parentheses and may hold spaces: state is field 3,
    // utime 14, stime 15, cutime 16, cstime 17.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let at = if children { 13 } else { 11 };
    let ticks: u64 =
        fields.get(at)?.parse::<u64>().ok()? + fields.get(at + 1)?.parse::<u64>().ok()?;
    Some(ticks as f64 / clock_ticks())
}

/// Clock ticks a second (`getconf CLK_TCK`; 100, the Linux ABI's value, if it cannot say).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn wrk(addr: SocketAddr, host: Host, script: &Path, seconds: u64, run: usize) -> Measured {
    let server_pid = match host {
        Host::Process(pid) => pid.to_string(),
        Host::Here => "self".to_string(),
    };
    let server_before = cpu_seconds(&server_pid, false);
    let wrk_before = cpu_seconds("self", true);
    let out = Command::new("wrk")
        .args(["-t2", "-c16", &format!("-d{seconds}s"), "-s"])
        .arg(script)
        .arg(format!("http://{addr}"))
        .env("OKSCIM_BENCH_RUN", run.to_string())
        .output()
        .expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    let per_sec = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("wrk printed no rate:\n{text}"));
    let non_2xx = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let requests = per_sec * seconds as f64;
    let per_request = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(b), Some(a)) if requests > 0.0 => (a - b) * 1e6 / requests,
        _ => f64::NAN,
    };
    Measured {
        per_sec,
        non_2xx,
        server_cpu: per_request(server_before, cpu_seconds(&server_pid, false)),
        wrk_cpu: per_request(wrk_before, cpu_seconds("self", true)),
    }
}

fn have_wrk() -> bool {
    let found = || {
        Command::new("wrk")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if found() {
        return true;
    }
    let _ = Command::new("apt-get")
        .args(["install", "-y", "-qq", "wrk"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    found()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `what: r1 r2 … (median m)`: the ratio of `a` to `b` in each round, and their median.
fn per_round(what: &str, a: &[f64], b: &[f64]) -> String {
    let mut ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    let listed: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    let median = median(&mut ratios).unwrap_or(f64::NAN);
    format!("{what}: {} (median {median:.2})", listed.join(" "))
}

fn main() {
    if !have_wrk() {
        println!("throughput: skipped: wrk is not installed and `apt-get install wrk` failed");
        return;
    }
    let seconds = env_number("OKSCIM_BENCH_SECONDS", 5);
    let rounds = env_number("OKSCIM_BENCH_ROUNDS", 2);
    let dir = std::env::temp_dir().join(format!("okscim-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let lookup = dir.join("lookup.lua");
    std::fs::write(&lookup, LOOKUP_LUA.replace("USERS", &USERS.to_string())).expect("script");
    let create = dir.join("create.lua");
    std::fs::write(&create, CREATE_LUA).expect("script");

    let current = PathBuf::from(env!("CARGO_BIN_EXE_okscim-reference-server"));
    let baseline = std::env::var_os("OKSCIM_BENCH_BASELINE").map(PathBuf::from);
    let mut servers: Vec<(&str, Option<&Path>)> = vec![("reference server", Some(&current))];
    if let Some(b) = &baseline {
        servers.push(("baseline", Some(b)));
    }
    servers.push(("minimal axum", None));

    println!(
        "throughput: wrk -t2 -c16, {seconds} s a round, best of {rounds} rounds, 127.0.0.1, {USERS} users"
    );
    if baseline.is_none() {
        println!("(no OKSCIM_BENCH_BASELINE: set it to an earlier build to compare creates/s)");
    }
    let mut best_lookup = vec![0.0f64; servers.len()];
    let mut best_create = vec![0.0f64; servers.len()];
    // Every round's figure too: the ratio within one round shows how far the best-of figures
    // move with the machine's noise.
    let mut lookup_rounds = vec![Vec::new(); servers.len()];
    let mut create_rounds = vec![Vec::new(); servers.len()];
    // CPU µs a request, every round: (server, wrk), per workload.
    let mut lookup_cpu = vec![Vec::new(); servers.len()];
    let mut create_cpu = vec![Vec::new(); servers.len()];
    let mut run = 0;
    for _ in 0..rounds {
        for (i, (name, binary)) in servers.iter().enumerate() {
            run += 1;
            match binary {
                Some(binary) => {
                    let server = ServerProcess::start(binary);
                    let host = Host::Process(server.child.id());
                    let m = wrk(server.addr, host, &lookup, seconds, run);
                    assert_eq!(m.non_2xx, 0, "{name}: lookups answered non-2xx");
                    best_lookup[i] = best_lookup[i].max(m.per_sec);
                    lookup_rounds[i].push(m.per_sec);
                    lookup_cpu[i].push((m.server_cpu, m.wrk_cpu));
                    let m = wrk(server.addr, host, &create, seconds, run);
                    assert_eq!(m.non_2xx, 0, "{name}: the create flow answered non-2xx");
                    best_create[i] = best_create[i].max(m.per_sec / 2.0);
                    create_rounds[i].push(m.per_sec / 2.0);
                    create_cpu[i].push((m.server_cpu, m.wrk_cpu));
                }
                None => {
                    // The fixed body is the reference server's own answer to one lookup.
                    let server = ServerProcess::start(&current);
                    let (status, body) = http(
                        server.addr,
                        "GET",
                        "/scim/v2/Users?filter=userName%20eq%20%22user500%40example.com%22&startIndex=1&count=100",
                        "",
                    );
                    assert_eq!(status, 200);
                    drop(server);
                    let minimal = Minimal::start(body);
                    let m = wrk(minimal.addr, Host::Here, &lookup, seconds, run);
                    assert_eq!(m.non_2xx, 0, "{name}: non-2xx");
                    best_lookup[i] = best_lookup[i].max(m.per_sec);
                    lookup_rounds[i].push(m.per_sec);
                    lookup_cpu[i].push((m.server_cpu, m.wrk_cpu));
                }
            }
        }
    }
    println!();
    println!("{:<18} {:>14} {:>14}", "server", "lookups/s", "creates/s");
    for (i, (name, binary)) in servers.iter().enumerate() {
        let creates = if binary.is_some() {
            format!("{:.0}", best_create[i])
        } else {
            "-".to_string()
        };
        println!("{name:<18} {:>14.0} {creates:>14}", best_lookup[i]);
    }
    let ceiling = best_lookup[servers.len() - 1];
    println!();
    println!(
        "reference / minimal axum, lookups: {:.2} (target >= 0.60)",
        best_lookup[0] / ceiling
    );
    if baseline.is_some() {
        println!(
            "reference / baseline, lookups: {:.2}; creates: {:.2} (target >= 3)",
            best_lookup[0] / best_lookup[1],
            best_create[0] / best_create[1]
        );
    }
    println!();
    println!(
        "round by round, {}",
        per_round(
            "reference / minimal axum, lookups",
            &lookup_rounds[0],
            &lookup_rounds[servers.len() - 1]
        )
    );
    if baseline.is_some() {
        println!(
            "round by round, {}",
            per_round(
                "reference / baseline, creates",
                &create_rounds[0],
                &create_rounds[1]
            )
        );
    }
    // CPU a request does not depend on how the two cores are shared between the server and
    // wrk, so it says how much work a server does per request where requests/s cannot.
    println!();
    println!("CPU a request, user + system, µs (median of the rounds; wrk's own beside it):");
    println!(
        "{:<18} {:>14} {:>10} {:>18} {:>10}",
        "server", "lookup", "wrk", "create flow", "wrk"
    );
    let cell = |rounds: &[(f64, f64)], wrk: bool| {
        let mut v: Vec<f64> = rounds
            .iter()
            .map(|&(s, w)| if wrk { w } else { s })
            .collect();
        median(&mut v).map_or_else(|| "-".to_string(), |m| format!("{m:.1}"))
    };
    for (i, (name, _)) in servers.iter().enumerate() {
        println!(
            "{name:<18} {:>14} {:>10} {:>18} {:>10}",
            cell(&lookup_cpu[i], false),
            cell(&lookup_cpu[i], true),
            cell(&create_cpu[i], false),
            cell(&create_cpu[i], true)
        );
    }
    let server_median = |rounds: &[(f64, f64)]| {
        let mut v: Vec<f64> = rounds.iter().map(|&(s, _)| s).collect();
        median(&mut v).unwrap_or(f64::NAN)
    };
    println!(
        "reference / minimal axum, CPU a lookup: {:.2}x",
        server_median(&lookup_cpu[0]) / server_median(&lookup_cpu[servers.len() - 1])
    );
    if baseline.is_some() {
        println!(
            "baseline / reference, CPU a request: lookups {:.2}x, create flow {:.2}x",
            server_median(&lookup_cpu[1]) / server_median(&lookup_cpu[0]),
            server_median(&create_cpu[1]) / server_median(&create_cpu[0])
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The median of `values` (sorted in place), leaving out what could not be measured (NaN).
fn median(values: &mut Vec<f64>) -> Option<f64> {
    values.retain(|v| !v.is_nan());
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[n / 2]),
        n => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}
