//! The log's writer. `okscim serve` logs a line per request; written one `write` at a time, the
//! log costs each request a system call, and handed to a logging thread line by line, a wake-up
//! of that thread. Here lines are appended to a buffer in memory; a full batch (16 KiB) is handed
//! to the logging thread, which writes it; what has gathered in the buffer is written when no
//! batch has come for 100 ms (so a line waits at most that long, or until its batch is full), and
//! at exit.
//! No request waits on the terminal or the pipe unless 64 batches (1 MiB) are waiting already:
//! then the log holds requests back rather than grow or drop lines. Nothing is dropped, and the
//! lines keep their order.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

const BATCH: usize = 16 * 1024;
const QUEUED: usize = 64;
/// With the queue full, a line that brings the buffer to this size waits for the thread.
const HELD: usize = 4 * BATCH;
const EVERY: Duration = Duration::from_millis(100);

struct Shared {
    state: Mutex<State>,
    /// Signalled when the logging thread has taken the buffer and a request waits for it.
    space: Condvar,
    /// Requests waiting on `space` (changed under the lock; read by the thread without it).
    waiting: AtomicUsize,
}

struct State {
    buf: Vec<u8>,
    /// Full batches to the logging thread. Sent with the lock held, so batches and the buffer
    /// stay in the order their lines were written; never waited on with the lock held (the
    /// thread takes the lock to take the buffer).
    batches: SyncSender<Vec<u8>>,
    /// Set when the guard is dropped: lines then stay in the buffer for the last write.
    stop: bool,
    /// Until the logging thread has taken it, and after it has ended: lines are written
    /// through (so a thread that cannot be started costs a write per line, not the log).
    through: Option<Box<dyn Write + Send>>,
}

/// Writes a batch; a log that cannot be written (a closed pipe) must not stop the server.
fn write_batch(out: &mut dyn Write, batch: &[u8]) {
    if !batch.is_empty() {
        let _ = out.write_all(batch);
        let _ = out.flush();
    }
}

/// Where log lines go; cheap to clone, one per log line.
#[derive(Clone)]
pub struct LogWriter(Arc<Shared>);

impl LogWriter {
    /// Runs `append` on the buffer under the lock, then hands a full batch on.
    fn append(&self, append: impl FnOnce(&mut Vec<u8>)) {
        let shared = &*self.0;
        let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        append(&mut state.buf);
        let inner = &mut *state;
        if let Some(out) = inner.through.as_mut() {
            write_batch(out.as_mut(), &inner.buf);
            inner.buf.clear();
            return;
        }
        if inner.buf.len() < BATCH || inner.stop {
            return;
        }
        let batch = std::mem::take(&mut inner.buf);
        match inner.batches.try_send(batch) {
            Ok(()) => inner.buf = Vec::with_capacity(BATCH),
            // The queue is full: the lines stay in the buffer, and past HELD this request
            // waits until the thread has taken them.
            Err(TrySendError::Full(batch)) => {
                inner.buf = batch;
                while state.buf.len() >= HELD && !state.stop {
                    shared.waiting.fetch_add(1, Ordering::SeqCst);
                    state = shared
                        .space
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                    shared.waiting.fetch_sub(1, Ordering::SeqCst);
                }
            }
            // The logging thread is gone (it panicked): the lines are kept for the exit.
            Err(TrySendError::Disconnected(batch)) => inner.buf = batch,
        }
    }
}

impl Write for LogWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.append(|buf| buf.extend_from_slice(line));
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The request log's own path to the writer. A line per request formatted by the `tracing`
/// subscriber costs more than the request's lookup (its timestamp, field visitor and escaping
/// writer); a binary that logs requests to a pipe or file installs its writer here, and the line
/// is written into the batch buffer directly, in the subscriber's plain-text format
/// (`<RFC 3339 time, microseconds>  INFO <message>`). Without one (on a terminal, where the
/// subscriber colours the level, or embedded) lines go through `tracing`.
static REQUEST_LOG: std::sync::OnceLock<LogWriter> = std::sync::OnceLock::new();

/// Sends request log lines to `writer` directly (see [`REQUEST_LOG`]); the first call wins.
pub fn install_request_log(writer: LogWriter) {
    let _ = REQUEST_LOG.set(writer);
}

/// One request's log line: `METHOD target -> status (ms)`.
#[derive(Debug, Clone, Copy)]
pub struct RequestLine<'a> {
    /// The method.
    pub method: &'a str,
    /// The request target as sent (path and query).
    pub target: &'a str,
    /// The answer's status.
    pub status: u16,
    /// How long the answer took, in tenths of a millisecond.
    pub tenths: u128,
}

impl std::fmt::Display for RequestLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} -> {} ({}.{} ms)",
            self.method,
            self.target,
            self.status,
            self.tenths / 10,
            self.tenths % 10
        )
    }
}

/// Writes one request log line directly, if a writer is installed; `false` otherwise. The line
/// is put together from its parts, without the formatting machinery.
pub fn write_request_line(line: RequestLine<'_>) -> bool {
    let Some(writer) = REQUEST_LOG.get() else {
        return false;
    };
    // Put together outside the lock, in a buffer of this thread's, so the lock is held only
    // for the copy.
    thread_local! {
        static LINE: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(256));
    }
    let now = chrono::Utc::now();
    LINE.with_borrow_mut(|scratch| {
        scratch.clear();
        push_line(scratch, now, line);
        writer.append(|buf| buf.extend_from_slice(scratch));
    });
    true
}

/// `<time>  INFO <line>` and a newline, as the subscriber writes it in plain text.
fn push_line(buf: &mut Vec<u8>, now: chrono::DateTime<chrono::Utc>, line: RequestLine<'_>) {
    {
        crate::resources::render::write_rfc3339(buf, now, 6);
        buf.extend_from_slice(b"  INFO ");
        buf.extend_from_slice(line.method.as_bytes());
        buf.push(b' ');
        buf.extend_from_slice(line.target.as_bytes());
        buf.extend_from_slice(b" -> ");
        push_number(buf, line.status.into());
        buf.extend_from_slice(b" (");
        push_number(buf, line.tenths / 10);
        buf.push(b'.');
        push_number(buf, line.tenths % 10);
        buf.extend_from_slice(b" ms)\n");
    }
}

fn push_number(buf: &mut Vec<u8>, n: u128) {
    let mut digits = [0u8; 40];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Writes what is left when dropped; keep it until the process ends.
pub struct FlushOnDrop {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<Box<dyn Write + Send>>>,
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        {
            let mut state = self
                .shared
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.stop = true;
            // Wakes the thread for its last pass (when the queue is full, it is awake).
            let _ = state.batches.try_send(Vec::new());
        }
        self.shared.space.notify_all();
        let out = self.thread.take().and_then(|t| t.join().ok());
        let mut state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let state = &mut *state;
        if let Some(out) = out {
            state.through = Some(out);
        }
        if let Some(out) = state.through.as_mut() {
            write_batch(out.as_mut(), &state.buf);
            state.buf.clear();
        }
    }
}

/// The logging thread: writes each batch handed to it, and what has gathered in the buffer
/// when no batch has come for [`EVERY`], when a request waits for room, and when the guard stops
/// it; gives `out` back at the end.
fn write_batches(shared: &Shared, batches: &Receiver<Vec<u8>>) -> Box<dyn Write + Send> {
    let taken = shared
        .state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .through
        .take();
    let Some(mut out) = taken else {
        return Box::new(io::sink());
    };
    loop {
        match batches.recv_timeout(EVERY) {
            // A full batch. The buffer is left to fill (taking it would cost the lock and a
            // second write a batch), unless a request waits for it: the queue was full.
            Ok(batch) if !batch.is_empty() => {
                write_batch(out.as_mut(), &batch);
                if shared.waiting.load(Ordering::SeqCst) == 0 {
                    continue;
                }
            }
            // The guard's wake-up at the stop; or nothing came for EVERY: the buffer's lines
            // are written now.
            Ok(_) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return out,
        }
        // Batches queued before the lock was taken are older than the buffer's lines.
        let (older, partial, stop, waiting) = {
            let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            let older: Vec<Vec<u8>> = batches.try_iter().collect();
            let partial = std::mem::replace(&mut state.buf, Vec::with_capacity(BATCH));
            let waiting = shared.waiting.load(Ordering::SeqCst);
            (older, partial, state.stop, waiting)
        };
        // A condition variable's signal is a system call even with no one waiting.
        if waiting > 0 {
            shared.space.notify_all();
        }
        for batch in &older {
            write_batch(out.as_mut(), batch);
        }
        write_batch(out.as_mut(), &partial);
        if stop {
            return out;
        }
    }
}

/// A batching writer over `out`, and the guard that writes the last batch.
pub fn log_writer<W: Write + Send + 'static>(out: W) -> (LogWriter, FlushOnDrop) {
    let (tx, rx) = sync_channel(QUEUED);
    let shared = Arc::new(Shared {
        space: Condvar::new(),
        waiting: AtomicUsize::new(0),
        state: Mutex::new(State {
            buf: Vec::with_capacity(BATCH),
            batches: tx,
            stop: false,
            through: Some(Box::new(out)),
        }),
    });
    let writer = shared.clone();
    let thread = std::thread::Builder::new()
        .name("okscim-log".into())
        .spawn(move || write_batches(&writer, &rx))
        .ok();
    (LogWriter(shared.clone()), FlushOnDrop { shared, thread })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_arrive_in_order_within_the_tick_and_all_at_exit() {
        let sink = Sink::default();
        let (mut w, guard) = log_writer(sink.clone());
        w.write_all(b"one\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while sink.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "the tick writes it");
            std::thread::sleep(Duration::from_millis(10));
        }
        for i in 0..5000 {
            w.write_all(format!("line {i}\n").as_bytes()).unwrap();
        }
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5001);
        assert_eq!(lines[0], "one");
        assert_eq!(lines[5000], "line 4999");
        // Lines written after the guard are written through, in order.
        w.write_all(b"after\n").unwrap();
        assert!(String::from_utf8_lossy(&sink.0.lock().unwrap()).ends_with("line 4999\nafter\n"));
    }

    /// A request line written from its parts reads as the subscriber would write it.
    #[test]
    fn request_lines_are_written_in_the_subscribers_format() {
        let now = chrono::Utc::now();
        for (status, tenths) in [(200, 0), (201, 7), (404, 1234), (503, 100_000)] {
            let line = RequestLine {
                method: "PATCH",
                target: "/scim/v2/Users/1?attributes=userName",
                status,
                tenths,
            };
            let mut buf = Vec::new();
            push_line(&mut buf, now, line);
            let expected = format!(
                "{}  INFO {line}\n",
                now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            );
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }

    /// A sink that takes nothing until it is opened.
    #[derive(Clone)]
    struct Gate {
        open: Arc<(Mutex<bool>, std::sync::Condvar)>,
        sink: Sink,
    }

    impl Write for Gate {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let (open, opened) = &*self.open;
            let mut is_open = open.lock().unwrap();
            while !*is_open {
                is_open = opened.wait(is_open).unwrap();
            }
            self.sink.write(b)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A log nobody reads does not hold a request back until 64 batches wait; then it does,
    /// and loses nothing.
    #[test]
    fn a_stalled_log_holds_no_line_back_until_its_queue_is_full() {
        let gate = Gate {
            open: Arc::new((Mutex::new(false), std::sync::Condvar::new())),
            sink: Sink::default(),
        };
        let (w, guard) = log_writer(gate.clone());
        let line = |i: usize| format!("{i:099}\n");
        // Wait until the logging thread owns the sink (lines before that are written through).
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while w.0.state.lock().unwrap().through.is_some() {
            assert!(std::time::Instant::now() < deadline, "the thread starts");
            std::thread::sleep(Duration::from_millis(5));
        }
        // Half the queue's worth of lines, while the sink takes nothing.
        let lines = BATCH * QUEUED / 2 / 100;
        let writer = {
            let mut w = w.clone();
            std::thread::spawn(move || {
                for i in 0..lines {
                    w.write_all(line(i).as_bytes()).unwrap();
                }
            })
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !writer.is_finished() {
            assert!(
                std::time::Instant::now() < deadline,
                "appending waited on the sink"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        // Three times the queue: the writer waits for the sink.
        let more = BATCH * QUEUED * 3 / 100;
        let held = {
            let mut w = w.clone();
            std::thread::spawn(move || {
                for i in lines..lines + more {
                    w.write_all(line(i).as_bytes()).unwrap();
                }
            })
        };
        std::thread::sleep(Duration::from_millis(300));
        assert!(!held.is_finished(), "a full queue holds the writer back");
        *gate.open.0.lock().unwrap() = true;
        gate.open.1.notify_all();
        held.join().unwrap();
        drop(guard);
        let written = String::from_utf8(gate.sink.0.lock().unwrap().clone()).unwrap();
        let numbers: Vec<usize> = written.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(numbers.len(), lines + more, "every line was written");
        assert!(numbers.iter().enumerate().all(|(i, n)| i == *n), "in order");
    }
}
