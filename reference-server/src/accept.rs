//! The accept loop: HTTP/1.1 connections with the timeouts and the connection limit of
//! [`Limits`], so that no client can starve the others.
//!
//! - A connection must send a complete request head within `header_read_timeout` of being
//!   accepted or of starting to send it (a slowloris connection is closed).
//! - Between requests, a keep-alive connection may stay idle for `idle_timeout`.
//! - A request body must keep arriving (`body_read_timeout` between its parts: 408 otherwise,
//!   from tower-http's body timeout).
//! - At `max_connections`, a new connection closes the connection that has been idle longest (a
//!   keep-alive connection between requests, or one still sending its head); when every
//!   connection has a request in flight, the new one is answered 503 with `Retry-After: 1`.
//!
//! Each connection's state lives in a [`ConnInfo`]: a request counter kept by the per-connection
//! service and its response bodies, and the time its idle wait or its request head began,
//! stamped by [`WatchedIo`] from the socket's reads. hyper's own header timer is off: its one
//! deadline covers the idle wait and the head together, and this loop needs them apart.
//!
//! A connection's task reads these deadlines when its timer fires, and its timer never waits
//! longer than the shorter of `header_read_timeout` and `idle_timeout`: a head or an idle wait
//! that starts meanwhile is seen in time to be held to its own deadline. So a request costs no wake-up of the task and no new timer; only
//! the limit wakes a task (to close it).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::response::Response;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use crate::limits::Limits;

/// The most bytes of request head hyper buffers; a head above it is answered 431 by hyper
/// itself, without a body (the router's own check answers a SCIM 431 well below it).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long a stop waits for the requests in flight before it closes their connections.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What a connection serves: the router, as a tower service of hyper's requests.
pub trait App:
    tower::Service<
        hyper::Request<Incoming>,
        Response = Response,
        Error = Infallible,
        Future: Send + Unpin + 'static,
    > + Clone
    + Send
    + Unpin
    + 'static
{
}

impl<S> App for S where
    S: tower::Service<
            hyper::Request<Incoming>,
            Response = Response,
            Error = Infallible,
            Future: Send + Unpin + 'static,
        > + Clone
        + Send
        + Unpin
        + 'static
{
}

/// What the loop knows of one connection.
#[derive(Debug)]
struct ConnInfo {
    epoch: Instant,
    /// Requests whose response has not been written yet (0 or 1: HTTP/1.1 without pipelining
    /// answers one at a time).
    in_flight: AtomicUsize,
    /// When the connection last became idle (accepted, or its last response written), in
    /// milliseconds since `epoch`.
    idle_since: AtomicU64,
    /// When the next request's head began to arrive, or 0 while no byte of it has.
    head_since: AtomicU64,
    /// Told to close by the limit.
    evicting: AtomicBool,
    /// Wakes the connection's task to close it (eviction).
    wake: Notify,
}

impl ConnInfo {
    fn now(&self) -> u64 {
        // At least 1, so that 0 can mean "not yet".
        (self.epoch.elapsed().as_millis() as u64).max(1)
    }

    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }

    /// When this connection is to be closed if nothing changes: the head's deadline while a
    /// head is arriving, the idle deadline between requests, none while a request is served.
    fn deadline(&self, limits: &Limits) -> Option<u64> {
        if !self.is_idle() {
            return None;
        }
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let head = self.head_since.load(Ordering::Acquire);
        if head != 0 {
            return Some(head.saturating_add(millis(limits.header_read_timeout)));
        }
        Some(
            self.idle_since
                .load(Ordering::Acquire)
                .saturating_add(millis(limits.idle_timeout)),
        )
    }
}

/// The open connections.
#[derive(Debug)]
struct Registry {
    epoch: Instant,
    conns: Mutex<HashMap<u64, Arc<ConnInfo>>>,
}

/// What the limit decided for a new connection.
enum Room {
    /// Under the limit, or the longest-idle connection was told to close.
    Made,
    /// Every connection has a request in flight, or [`MAX_EVICTING`] evicted ones are closing.
    Full,
}

impl Registry {
    fn register(&self, id: u64) -> Arc<ConnInfo> {
        let now = (self.epoch.elapsed().as_millis() as u64).max(1);
        let info = Arc::new(ConnInfo {
            epoch: self.epoch,
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(now),
            // A new connection is expected to send its first request head at once.
            head_since: AtomicU64::new(now),
            evicting: AtomicBool::new(false),
            wake: Notify::new(),
        });
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, info.clone());
        info
    }

    fn remove(&self, id: u64) {
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }

    fn make_room(&self, max: usize) -> Room {
        let conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        let mut live = 0usize;
        let mut closing = 0usize;
        let mut victim: Option<&Arc<ConnInfo>> = None;
        for info in conns.values() {
            if info.evicting.load(Ordering::Relaxed) {
                closing += 1;
                continue;
            }
            live += 1;
            let since = |i: &ConnInfo| {
                let head = i.head_since.load(Ordering::Relaxed);
                if head != 0 {
                    head
                } else {
                    i.idle_since.load(Ordering::Relaxed)
                }
            };
            if info.is_idle() && victim.is_none_or(|v| since(info) < since(v)) {
                victim = Some(info);
            }
        }
        if live < max {
            return Room::Made;
        }
        // An evicted connection holds its socket until it has closed (at most EVICTED_FLUSH):
        // with MAX_EVICTING of them closing, a new client waits for one to end rather than
        // evicting more, so that a burst of clients cannot open sockets faster than they close.
        if closing >= MAX_EVICTING {
            return Room::Full;
        }
        match victim {
            Some(v) => {
                v.evicting.store(true, Ordering::Relaxed);
                v.wake.notify_one();
                Room::Made
            }
            None => Room::Full,
        }
    }
}

/// Takes the connection out of the registry when its task ends, however it ends.
struct Deregister {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Deregister {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

/// The socket, watched: the first bytes read while the connection is idle start the head's
/// deadline.
struct WatchedIo {
    inner: TcpStream,
    info: Arc<ConnInfo>,
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let info = &self.info;
            if info.is_idle() && info.head_since.load(Ordering::Acquire) == 0 {
                info.head_since.store(info.now(), Ordering::Release);
            }
        }
        polled
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// One request in flight, from the service call until hyper has taken its response's last
/// bytes.
struct InFlight(Arc<ConnInfo>);

impl InFlight {
    fn enter(info: Arc<ConnInfo>) -> Self {
        info.in_flight.fetch_add(1, Ordering::AcqRel);
        info.head_since.store(0, Ordering::Release);
        InFlight(info)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.idle_since.store(self.0.now(), Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that carries its request's [`InFlight`].
struct GuardedBody {
    inner: Body,
    _in_flight: InFlight,
}

impl HttpBody for GuardedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The service of one connection: the app, with the request counted.
struct ConnService<S> {
    app: S,
    info: Arc<ConnInfo>,
}

impl<S> hyper::service::Service<hyper::Request<Incoming>> for ConnService<S>
where
    S: App,
{
    type Response = hyper::Response<GuardedBody>;
    type Error = Infallible;
    type Future = Served<S>;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        Served {
            app: self.app.clone(),
            request: Some(req),
            answer: None,
            in_flight: Some(InFlight::enter(self.info.clone())),
        }
    }
}

/// A request being served: the app made ready and called, its response body given the
/// request's [`InFlight`]. (A future of its own rather than a boxed `async` block: it runs on
/// every request.)
struct Served<S: App> {
    app: S,
    /// Until the app is ready for it.
    request: Option<hyper::Request<Incoming>>,
    /// The app's answer, once called.
    answer: Option<S::Future>,
    in_flight: Option<InFlight>,
}

impl<S: App> Future for Served<S> {
    type Output = Result<hyper::Response<GuardedBody>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.answer.is_none() {
            match tower::Service::poll_ready(&mut this.app, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(never)) => match never {},
                Poll::Ready(Ok(())) => {}
            }
            // A future polled after it is done stays pending.
            let Some(request) = this.request.take() else {
                return Poll::Pending;
            };
            this.answer = Some(tower::Service::call(&mut this.app, request));
        }
        let Some(answer) = this.answer.as_mut() else {
            return Poll::Pending;
        };
        let response = match std::task::ready!(Pin::new(answer).poll(cx)) {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let Some(in_flight) = this.in_flight.take() else {
            return Poll::Pending;
        };
        Poll::Ready(Ok(response.map(|inner| GuardedBody {
            inner,
            _in_flight: in_flight,
        })))
    }
}

/// Refused connections closed at once (with a reset) rather than read out, beyond this many
/// (they hold file descriptors: [`crate::limits::connection_ceiling`] keeps room for them).
pub const MAX_LINGERING: usize = 32;

/// At most this many evicted connections are closing at once; beyond it, a new client is refused
/// (503) until one has closed. With [`MAX_LINGERING`], the sockets the server holds stay within
/// the connection limit plus 64, which the open-file reserve (limits::connection_ceiling) keeps
/// room for.
pub const MAX_EVICTING: usize = 32;

/// How long an evicted connection may take to flush its last answer while idle.
const EVICTED_FLUSH: Duration = Duration::from_secs(1);

/// The longest a connection's timer waits before its deadlines are read again.
const MAX_WAIT: Duration = Duration::from_secs(86_400);

/// How long, and how much, a refused connection is read before it is closed.
const LINGER_FOR: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 256 * 1024;

/// Sends FIN after the answer, then reads and drops what the client sent until it closes, for at
/// most [`LINGER_FOR`] and [`LINGER_BYTES`], so that the close is orderly.
async fn linger(mut stream: TcpStream, _permit: OwnedSemaphorePermit) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = stream.shutdown().await;
    let _ = tokio::time::timeout(LINGER_FOR, async {
        let mut buf = [0u8; 8192];
        let mut read = 0;
        while read < LINGER_BYTES {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => read += n,
            }
        }
    })
    .await;
}

/// What a connection over the limit is told when every connection has a request in flight.
fn busy_answer() -> Vec<u8> {
    let body = serde_json::json!({
        "schemas": [crate::schema::ERROR_SCHEMA],
        "status": "503",
        "detail": "the server is at its connection limit (okscim serve --max-connections) and every connection has a request in flight; retry after 1 second",
    })
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: {}\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        crate::response::SCIM_CONTENT_TYPE,
        body.len()
    )
    .into_bytes()
}

/// Accepts connections until `stop` completes, then stops accepting, lets the requests in
/// flight finish and waits for every connection to close.
pub async fn run<S, F>(listener: TcpListener, app: S, limits: Limits, stop: F) -> io::Result<()>
where
    S: App,
    F: Future<Output = ()> + Send + 'static,
{
    let mut http = http1::Builder::new();
    // This loop keeps the head and idle deadlines itself (see the module docs).
    http.header_read_timeout(None)
        .max_header_size(MAX_HEAD_BYTES);
    let max_connections = limits
        .max_connections
        .clamp(1, crate::limits::connection_ceiling());
    let limits = Arc::new(limits);
    let registry = Arc::new(Registry {
        epoch: Instant::now(),
        conns: Mutex::new(HashMap::new()),
    });
    let (stopping_tx, stopping) = watch::channel(false);
    let mut tasks: JoinSet<()> = JoinSet::new();
    let lingering = Arc::new(Semaphore::new(MAX_LINGERING));
    let mut next_id = 0u64;
    let mut stop = pin!(stop);
    loop {
        tokio::select! {
            biased;
            () = &mut stop => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, _peer): (TcpStream, SocketAddr) = match accepted {
                    Ok(pair) => pair,
                    Err(e) if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionRefused
                    ) => continue,
                    Err(e) => {
                        // Out of file descriptors, most likely: wait for connections to end.
                        tracing::error!("accept error: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                if let Room::Full = registry.make_room(max_connections) {
                    let _ = stream.try_write(&busy_answer());
                    // Closed with what the client sent still unread, the socket would be reset,
                    // and a reset can destroy the answer on its way: read it first, briefly.
                    match lingering.clone().try_acquire_owned() {
                        Ok(permit) => {
                            tasks.spawn(linger(stream, permit));
                        }
                        Err(_) => drop(stream),
                    }
                    continue;
                }
                let _ = stream.set_nodelay(true);
                next_id += 1;
                let info = registry.register(next_id);
                let deregister = Deregister {
                    registry: registry.clone(),
                    id: next_id,
                };
                let io = WatchedIo {
                    inner: stream,
                    info: info.clone(),
                };
                let service = ConnService {
                    app: app.clone(),
                    info: info.clone(),
                };
                let conn = http.serve_connection(TokioIo::new(io), service);
                tasks.spawn(drive(conn, info, limits.clone(), stopping.clone(), deregister));
            }
        }
    }
    drop(listener);
    stopping_tx.send_replace(true);
    // Requests in flight finish; a connection still busy after the grace period is cut, so a
    // stuck handler or a client that never reads cannot hold the stop.
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "{} connections still busy {} s after the stop; closing them",
            tasks.len(),
            SHUTDOWN_GRACE.as_secs()
        );
        tasks.shutdown().await;
    }
    Ok(())
}

/// Serves one connection until it ends, is evicted, misses a deadline or the server stops.
async fn drive<S>(
    conn: http1::Connection<TokioIo<WatchedIo>, ConnService<S>>,
    info: Arc<ConnInfo>,
    limits: Arc<Limits>,
    mut stopping: watch::Receiver<bool>,
    _deregister: Deregister,
) where
    S: App,
{
    let mut conn = pin!(conn);
    let mut draining = false;
    // When an evicted connection that is still idle is closed outright: it was told to shut
    // down, but a client that never reads its last answer must not keep it open.
    let mut evicted_by: Option<u64> = None;
    let mut timer = pin!(tokio::time::sleep(Duration::ZERO));
    loop {
        let now = info.now();
        let deadline = match (info.deadline(&limits), evicted_by) {
            (Some(d), Some(e)) => Some(d.min(e)),
            (d, None) => d,
            (None, Some(_)) => None,
        };
        let wait = match deadline {
            Some(deadline) if deadline <= now => {
                tracing::debug!(
                    "closing a connection that missed its head, idle or eviction deadline"
                );
                return;
            }
            Some(deadline) => Duration::from_millis(deadline - now),
            // A request is served: look again later.
            None => limits.idle_timeout,
        }
        // No longer than a head or an idle wait may take, so that one that starts meanwhile is
        // held to its own deadline (see the module docs); a day at most, so the deadline is
        // always a time the clock can hold.
        .min(limits.header_read_timeout.min(limits.idle_timeout))
        .clamp(Duration::from_millis(1), MAX_WAIT);
        timer.as_mut().reset(tokio::time::Instant::now() + wait);
        tokio::select! {
            // The connection first: it is what wakes this task on every request.
            biased;
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("connection ended: {e}");
                }
                return;
            }
            () = info.wake.notified() => {
                // Shut down rather than dropped, even when idle: the last response may still be
                // in the connection's write buffer (a request counts as served once its body
                // is handed over, before it is flushed). An idle connection closes at once.
                if info.evicting.load(Ordering::Relaxed) && !draining {
                    conn.as_mut().graceful_shutdown();
                    draining = true;
                    let grace = EVICTED_FLUSH.min(limits.header_read_timeout);
                    evicted_by = Some(info.now() + u64::try_from(grace.as_millis()).unwrap_or(u64::MAX));
                }
            }
            () = timer.as_mut() => {}
            _ = stopping.wait_for(|s| *s), if !draining => {
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}
