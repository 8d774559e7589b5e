//! What one client may ask of the server: sizes, filter cost, timeouts and connections. Every
//! refusal names the limit it hit, so a client author knows what to change; `okscim serve` has
//! an option for each (docs/reference-server.md, "Limits and timeouts").

use std::time::Duration;

/// The limits of one server. The defaults are what a reference server should have: far above
/// anything Okta sends (its largest request is a group push of a few thousand members), and low
/// enough that no single client can exhaust the server's memory, CPU or connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes (413 above it).
    pub max_body_bytes: usize,
    /// Largest string value of any attribute, in bytes (400 invalidValue above it).
    pub max_value_bytes: usize,
    /// Largest stored resource, in bytes of JSON, not counting a group's `members` (which can
    /// only name existing users, so the user count bounds them).
    pub max_resource_bytes: usize,
    /// Largest answer one list request may build, in bytes (400 tooMany above it: ask for a
    /// smaller `count`).
    pub max_answer_bytes: usize,
    /// Longest filter, in bytes.
    pub max_filter_bytes: usize,
    /// Most comparisons (`attr op value`, `attr pr`) in one filter.
    pub max_filter_terms: usize,
    /// Deepest nesting of parentheses, `not` and `[...]` in one filter.
    pub max_filter_depth: usize,
    /// The work one list request may do: resources scanned times (comparisons + 1), plus the
    /// resources sorted (400 tooMany above it).
    pub max_filter_work: u64,
    /// A request body at least this large is worked on off the async threads.
    pub heavy_body_bytes: usize,
    /// A list that scans or renders more resources than this is worked on off the async
    /// threads.
    pub heavy_list_resources: usize,
    /// How long a client may take to send a request's head, before the server closes the
    /// connection.
    pub header_read_timeout: Duration,
    /// How long an idle keep-alive connection is kept between requests.
    pub idle_timeout: Duration,
    /// How long a client may take to send a whole request body, from its request's head (408
    /// after it).
    pub body_read_timeout: Duration,
    /// Most open connections. At the limit, a new connection closes the connection that has
    /// waited idle the longest; when none is idle, the new one is answered 503.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_value_bytes: 64 * 1024,
            max_resource_bytes: 256 * 1024,
            max_answer_bytes: 16 * 1024 * 1024,
            max_filter_bytes: 8 * 1024,
            max_filter_terms: 64,
            max_filter_depth: 16,
            max_filter_work: 4_000_000,
            heavy_body_bytes: 64 * 1024,
            heavy_list_resources: 2_000,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 4096,
        }
    }
}

impl Limits {
    /// Whether a request body of `len` bytes is worked on off the async threads.
    pub fn is_heavy(&self, len: usize) -> bool {
        len >= self.heavy_body_bytes
    }
}

/// The most connections this process can hold: the open-file limit less a reserve for
/// listeners, logs, the blocking pool, refused connections being closed in order and evicted
/// connections closing.
pub fn connection_ceiling() -> usize {
    const RESERVE: u64 =
        64 + crate::accept::MAX_LINGERING as u64 + crate::accept::MAX_EVICTING as u64;
    let mut limit = libc_rlimit_nofile().unwrap_or(1024);
    if limit == u64::MAX {
        limit = 1 << 20;
    }
    limit.saturating_sub(RESERVE).max(16) as usize
}

/// The soft RLIMIT_NOFILE, read from /proc (no libc binding needed for one number).
fn libc_rlimit_nofile() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line.split_whitespace().nth(3)?;
    if soft == "unlimited" {
        Some(u64::MAX)
    } else {
        soft.parse().ok()
    }
}
