//! The log's writer. `okscim serve` logs a line per request; written one `write` at a time, the
//! log costs each request a system call, and handed to a logging thread, a wake-up of that
//! thread. Here lines are appended to a buffer in memory and written out a batch at a time:
//! when 16 KiB have gathered, every 100 ms, and when the guard is dropped at exit. Nothing is
//! dropped: a batch is written before the buffer grows past its size.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

const BATCH: usize = 16 * 1024;
const EVERY: Duration = Duration::from_millis(100);

struct Shared {
    state: Mutex<State>,
    stopped: Condvar,
}

struct State {
    out: Box<dyn Write + Send>,
    buf: Vec<u8>,
    stop: bool,
}

impl State {
    fn write_out(&mut self) {
        if !self.buf.is_empty() {
            // A log that cannot be written (a closed pipe) must not stop the server.
            let _ = self.out.write_all(&self.buf);
            let _ = self.out.flush();
            self.buf.clear();
        }
    }
}

/// Where log lines go; cheap to clone, one per log line.
#[derive(Clone)]
pub struct LogWriter(Arc<Shared>);

impl Write for LogWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.buf.extend_from_slice(line);
        // After the guard is dropped nothing writes the buffer later: write through.
        if state.buf.len() >= BATCH || state.stop {
            state.write_out();
        }
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

/// Writes one request log line directly, if a writer is installed; `false` otherwise.
pub fn write_request_line(message: std::fmt::Arguments<'_>) -> bool {
    let Some(writer) = REQUEST_LOG.get() else {
        return false;
    };
    let now = chrono::Utc::now();
    let mut state = writer
        .0
        .state
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    crate::resources::render::write_rfc3339(&mut state.buf, now, 6);
    let _ = writeln!(state.buf, "  INFO {message}");
    if state.buf.len() >= BATCH || state.stop {
        state.write_out();
    }
    true
}

/// Writes what is left when dropped; keep it until the process ends.
pub struct FlushOnDrop {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
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
            state.write_out();
        }
        self.shared.stopped.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A batching writer over `out`, and the guard that writes the last batch.
pub fn log_writer<W: Write + Send + 'static>(out: W) -> (LogWriter, FlushOnDrop) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            out: Box::new(out),
            buf: Vec::with_capacity(BATCH),
            stop: false,
        }),
        stopped: Condvar::new(),
    });
    let ticker = shared.clone();
    let thread = std::thread::Builder::new()
        .name("okscim-log".into())
        .spawn(move || {
            let mut state = ticker.state.lock().unwrap_or_else(PoisonError::into_inner);
            while !state.stop {
                state.write_out();
                state = ticker
                    .stopped
                    .wait_timeout(state, EVERY)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        })
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
    }
}
