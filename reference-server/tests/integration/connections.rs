//! No client can starve the others: header-read, idle and body-read timeouts, the connection
//! limit and its eviction of the longest-idle connection, SCIM bodies for what is refused below
//! the handlers, and 2,000 idle connections that do not keep a new client out. Raw sockets on
//! 127.0.0.1, short configured timeouts, every wait bounded.

use std::time::{Duration, Instant};

use okscim_reference_server::ServerConfig;
use okscim_reference_server::limits::Limits;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::TestServer;

fn limits(f: impl FnOnce(&mut Limits)) -> ServerConfig {
    let mut limits = Limits::default();
    f(&mut limits);
    ServerConfig {
        limits,
        ..ServerConfig::default()
    }
}

/// Reads until the peer closes or `within` passes; what was read, and whether it closed (a
/// reset is a close too).
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let (out, how) = read_until_closed_orderly(stream, within).await;
    (out, how != Closed::Open)
}

/// The status and JSON body of a raw HTTP/1.1 answer.
fn parse_answer(bytes: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(bytes);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn head(srv: &TestServer, method: &str, path: &str, extra: &str) -> String {
    format!(
        "{method} /scim/v2{path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n{extra}\r\n",
        srv.server.addr, srv.server.token
    )
}

async fn connect(srv: &TestServer) -> TcpStream {
    TcpStream::connect(srv.server.addr).await.expect("connect")
}

/// A connection that has sent `POST /Users` with these framing headers, then `body`.
async fn post_users(srv: &TestServer, framing: &str, body: &[u8]) -> TcpStream {
    let mut conn = connect(srv).await;
    let extra = format!("Content-Type: application/scim+json\r\n{framing}");
    conn.write_all(head(srv, "POST", "/Users", &extra).as_bytes())
        .await
        .unwrap();
    conn.write_all(body).await.unwrap();
    conn
}

/// The answer to a connection, read until it closes (at most 5 s): status, body and the text.
async fn answer_of(conn: &mut TcpStream) -> (u16, Value, String) {
    let (bytes, _) = read_until_closed(conn, Duration::from_secs(5)).await;
    let (status, body) = parse_answer(&bytes);
    (status, body, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_slow_request_head_is_closed_after_the_header_read_timeout() {
    let srv = TestServer::start(limits(|l| {
        l.header_read_timeout = Duration::from_millis(300);
    }))
    .await;
    let mut slow = connect(&srv).await;
    slow.write_all(b"GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (bytes, closed) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(closed, "a head that never ends is closed");
    assert!(bytes.is_empty(), "nothing is answered to half a head");
    assert!(started.elapsed() < Duration::from_secs(3));
    // A silent connection is closed by the same rule.
    let mut silent = connect(&srv).await;
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(5)).await;
    assert!(closed, "a connection that never sends a request is closed");
    // And the server still answers.
    srv.get("/ServiceProviderConfig").send().await.expect(200);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let srv = TestServer::start(limits(|l| {
        l.idle_timeout = Duration::from_millis(300);
    }))
    .await;
    let mut conn = connect(&srv).await;
    conn.write_all(head(&srv, "GET", "/ServiceProviderConfig", "").as_bytes())
        .await
        .unwrap();
    let mut first = vec![0u8; 65536];
    let n = conn.read(&mut first).await.unwrap();
    assert_eq!(parse_answer(&first[..n]).0, 200);
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut conn, Duration::from_secs(5)).await;
    assert!(closed, "the idle connection is closed");
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_408_with_a_scim_body() {
    let srv = TestServer::start(limits(|l| {
        l.body_read_timeout = Duration::from_millis(300);
    }))
    .await;
    let mut conn = post_users(&srv, "Content-Length: 100\r\n", b"{\"userName\":").await;
    let (status, body, text) = answer_of(&mut conn).await;
    assert_eq!(status, 408, "{text}");
    assert_eq!(body["status"], "408");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("--body-read-timeout")
    );
}

#[tokio::test]
async fn a_truncated_body_is_400_not_413() {
    let srv = TestServer::rfc().await;
    let mut conn = post_users(&srv, "Content-Length: 100\r\n", b"{\"userName\":").await;
    conn.shutdown().await.unwrap();
    let (status, body, text) = answer_of(&mut conn).await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(body["scimType"], "invalidSyntax");
    assert!(body["detail"].as_str().unwrap().contains("Content-Length"));
}

#[tokio::test]
async fn bad_chunked_encoding_is_400() {
    let srv = TestServer::rfc().await;
    let mut conn = post_users(
        &srv,
        "Transfer-Encoding: chunked\r\n",
        b"zz\r\n{}\r\n0\r\n\r\n",
    )
    .await;
    let (status, body, text) = answer_of(&mut conn).await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(body["scimType"], "invalidSyntax");
    assert!(body["detail"].as_str().unwrap().contains("chunked"));
}

#[tokio::test]
async fn a_long_uri_and_a_large_head_get_scim_bodies() {
    let srv = TestServer::rfc().await;
    let long = format!("/Users?filter=userName%20eq%20%22{}%22", "a".repeat(9000));
    let r = srv.get(&long).send().await;
    r.assert_scim_error(414, None);
    assert!(r.detail().contains(".search"), "{}", r.detail());
    let mut call = srv.get("/ServiceProviderConfig");
    for i in 0..70 {
        call = call.header(&format!("x-extra-{i}"), "1");
    }
    call.send().await.assert_scim_error(431, None);
}

#[tokio::test]
async fn at_the_limit_a_new_client_closes_the_longest_idle_connection() {
    let srv = TestServer::start(limits(|l| {
        l.max_connections = 4;
    }))
    .await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(connect(&srv).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A fifth client is served.
    srv.get("/ServiceProviderConfig").send().await.expect(200);
    // The oldest idle connection was closed to make room; the newest is still open.
    let (_, oldest_closed) = read_until_closed(&mut idle[0], Duration::from_secs(2)).await;
    assert!(oldest_closed, "the longest-idle connection is closed");
    let (_, newest_closed) = read_until_closed(&mut idle[3], Duration::from_millis(200)).await;
    assert!(!newest_closed, "a younger idle connection is kept");
}

/// A server whose one connection has a request in flight (its body is still being sent), and
/// that connection.
async fn one_connection_busy() -> (TestServer, TcpStream) {
    let srv = TestServer::start(limits(|l| {
        l.max_connections = 1;
    }))
    .await;
    let busy = post_users(&srv, "Content-Length: 100\r\n", b"{").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    (srv, busy)
}

#[tokio::test]
async fn at_the_limit_with_every_connection_busy_a_new_client_gets_503() {
    let (srv, _busy) = one_connection_busy().await;
    let mut next = connect(&srv).await;
    let (bytes, closed) = read_until_closed(&mut next, Duration::from_secs(5)).await;
    assert!(closed);
    let (status, body) = parse_answer(&bytes);
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&bytes));
    assert!(String::from_utf8_lossy(&bytes).contains("retry-after: 1"));
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("--max-connections")
    );
}

/// An evicted connection that never finishes what it is doing (here a request head it stopped
/// sending) is closed within a second or so, not held open until its own deadline (30 s here).
#[tokio::test]
async fn an_evicted_connection_that_never_finishes_is_closed_soon() {
    let srv = TestServer::start(limits(|l| {
        l.max_connections = 1;
        l.header_read_timeout = Duration::from_secs(30);
    }))
    .await;
    let mut stuck = connect(&srv).await;
    stuck
        .write_all(
            format!(
                "GET /scim/v2/Users HTTP/1.1\r\nHost: {}\r\n",
                srv.server.addr
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A new client takes its place.
    srv.get("/ServiceProviderConfig").send().await.expect(200);
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut stuck, Duration::from_secs(10)).await;
    assert!(closed, "the evicted connection is closed");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "closed after {:?}",
        started.elapsed()
    );
}

/// Clients arriving faster than evicted connections close cannot make the server hold more
/// sockets than the limit plus what it keeps for closing: with `MAX_EVICTING` evicted
/// connections still closing (each a half-sent head, held up to 1 s), the next client is refused
/// with 503 instead of evicting one more. Once they have closed, a client is served again.
/// (Before the bound, every new client evicted another, and none was refused.)
#[tokio::test]
async fn evicted_connections_still_closing_are_bounded() {
    use okscim_reference_server::accept::MAX_EVICTING;
    let max = 2;
    let srv = TestServer::start(limits(|l| {
        l.max_connections = max;
        l.header_read_timeout = Duration::from_secs(30);
    }))
    .await;
    let half_head = format!(
        "GET /scim/v2/Users HTTP/1.1\r\nHost: {}\r\n",
        srv.server.addr
    );
    let extra = 8;
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..max + MAX_EVICTING + extra {
        let mut conn = connect(&srv).await;
        conn.write_all(half_head.as_bytes()).await.unwrap();
        // The server has taken it in before the next one arrives.
        tokio::time::sleep(Duration::from_millis(5)).await;
        clients.push(conn);
    }
    let opened_in = started.elapsed();
    let mut refused = 0;
    for conn in &mut clients {
        let (bytes, _) = read_until_closed(conn, Duration::from_millis(50)).await;
        if parse_answer(&bytes).0 == 503 {
            refused += 1;
        }
    }
    // All were opened well within the 1 s an evicted connection may take to close, so the last
    // `extra` found MAX_EVICTING closing (allow for slow machines: at least one refused).
    if opened_in < Duration::from_millis(800) {
        assert!(
            refused >= 1,
            "{refused} of {} refused; opened in {opened_in:?}",
            clients.len()
        );
    } else {
        eprintln!(
            "opening took {opened_in:?}: evicted connections may have closed meanwhile; the refusal is not asserted"
        );
    }
    assert!(
        refused <= extra,
        "{refused} refused, at most {extra} expected"
    );
    // The evicted ones close within their 1 s; then a new client evicts and is served.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    srv.get("/ServiceProviderConfig").send().await.expect(200);
}

/// A refused client that has already sent its request still reads the 503: the refused
/// connection is closed after its answer is sent and what the client sent is read, so that the
/// close is not a reset that can destroy the answer on its way.
#[tokio::test]
async fn a_refused_client_that_sent_its_request_reads_the_503_and_an_orderly_close() {
    let (srv, _busy) = one_connection_busy().await;
    for _ in 0..20 {
        let mut next = connect(&srv).await;
        // The request, and a body larger than the socket's receive window of small writes,
        // arrive before the server looks at the connection.
        let mut request = head(&srv, "POST", "/Users", "Content-Length: 200000\r\n").into_bytes();
        request.extend(std::iter::repeat_n(b' ', 200_000));
        let (mut reader, mut writer) = next.split();
        let send = async {
            let _ = writer.write_all(&request).await;
        };
        let read = read_until_closed_orderly(&mut reader, Duration::from_secs(5));
        let ((), (bytes, how)) = tokio::join!(send, read);
        let (status, _) = parse_answer(&bytes);
        assert_eq!(status, 503, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(
            how,
            Closed::Orderly,
            "the refused connection ends with a FIN, not a reset"
        );
    }
}

#[derive(Debug, PartialEq)]
enum Closed {
    Orderly,
    Reset,
    Open,
}

/// Reads until the peer closes or `within` passes; what was read, and how it ended.
async fn read_until_closed_orderly(
    stream: &mut (impl AsyncReadExt + Unpin),
    within: Duration,
) -> (Vec<u8>, Closed) {
    let mut out = Vec::new();
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) => return (out, Closed::Orderly),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Ok(Err(_)) => return (out, Closed::Reset),
            Err(_) => return (out, Closed::Open),
        }
    }
}

/// The soft open-file limit of this process.
fn open_file_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_do_not_stop_a_new_client() {
    const IDLE: usize = 2000;
    // Both ends of every connection live in this process.
    let needed = (IDLE as u64) * 2 + 200;
    match open_file_limit() {
        Some(n) if n >= needed => {}
        other => {
            let why = format!(
                "2,000 idle connections need {needed} open files, this process may open {other:?} (raise it with `ulimit -n`; .ci/run does)"
            );
            // In CI the limit is raised before the tests: a skip there would hide the test.
            assert!(std::env::var_os("CI").is_none(), "{why}");
            eprintln!("skipped: {why}");
            return;
        }
    }
    let srv = TestServer::rfc().await;
    let mut idle = Vec::with_capacity(IDLE);
    let started = Instant::now();
    for _ in 0..IDLE {
        idle.push(connect(&srv).await);
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    // Half of them have sent half a request head; the other half nothing.
    for conn in idle.iter_mut().step_by(2) {
        conn.write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
    }
    let t0 = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        srv.get("/ServiceProviderConfig").send(),
    )
    .await
    .expect("a new client is answered while 2,000 connections sit idle");
    r.expect(200);
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    // And with a limit below the idle count, new clients evict the idle ones.
    drop(idle);
    let srv = TestServer::start(limits(|l| l.max_connections = 500)).await;
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        idle.push(connect(&srv).await);
    }
    for _ in 0..5 {
        srv.get("/ServiceProviderConfig").send().await.expect(200);
    }
}

#[tokio::test]
async fn a_body_dripped_a_byte_at_a_time_is_408_by_the_body_deadline() {
    let srv = TestServer::start(limits(|l| {
        l.body_read_timeout = Duration::from_millis(500);
    }))
    .await;
    let mut conn = post_users(&srv, "Content-Length: 100\r\n", b"{").await;
    let started = Instant::now();
    // A byte every 100 ms: never a pause as long as the timeout, but the body is not done.
    let mut answered = Vec::new();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if conn.write_all(b" ").await.is_err() {
            break;
        }
        let mut buf = [0u8; 4096];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(1), conn.read(&mut buf)).await
        {
            answered.extend_from_slice(&buf[..n]);
            if n == 0 || !answered.is_empty() {
                break;
            }
        }
    }
    if answered.is_empty() {
        answered = read_until_closed(&mut conn, Duration::from_secs(3)).await.0;
    }
    let (status, body) = parse_answer(&answered);
    assert_eq!(status, 408, "{}", String::from_utf8_lossy(&answered));
    assert_eq!(body["status"], "408");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
