//! Okta's documented handling of `429 Too Many Requests` (okta-reference.md §4.1): the task
//! pauses and Okta sends the request again later. The first wait follows an integer
//! `Retry-After` (seconds) exactly; without one (absent, an HTTP date, not an integer, empty)
//! Okta waits 5 minutes. Each further 429 doubles the previous wait. The 10th attempt answered
//! 429 fails the task for good; the admin retries it by hand.
//!
//! Okta's waits run on a clock: [`RetryClock::Virtual`] (the default) records each wait and
//! sleeps for real only up to a cap, so that a run does not stop for minutes while a server's
//! own short window (`Retry-After: 1`) still passes; [`RetryClock::Real`] sleeps every wait.

use std::time::Duration;

use crate::http::{Exchange, OutgoingRequest, ScimClient};

/// Attempts Okta makes before the task fails for good.
pub const MAX_ATTEMPTS: u32 = 10;

/// Okta's wait when `Retry-After` is missing or unusable.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// How okscim spends Okta's waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClock {
    /// Record Okta's wait; sleep for real at most this long per retry.
    Virtual {
        /// The longest real sleep per retry.
        max_real_wait: Duration,
    },
    /// Sleep every wait for real, as Okta would (`--real-time`).
    Real,
}

impl Default for RetryClock {
    fn default() -> Self {
        RetryClock::Virtual {
            max_real_wait: Duration::from_secs(10),
        }
    }
}

impl RetryClock {
    /// How long okscim sleeps for a wait of `okta_wait`.
    pub fn real_sleep(self, okta_wait: Duration) -> Duration {
        match self {
            RetryClock::Virtual { max_real_wait } => okta_wait.min(max_real_wait),
            RetryClock::Real => okta_wait,
        }
    }
}

/// What a 429's `Retry-After` told Okta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAfter {
    /// An integer number of seconds: followed exactly.
    Seconds(u64),
    /// No header: Okta waits 5 minutes.
    Absent,
    /// An HTTP date, a non-integer or an empty value: Okta waits 5 minutes.
    Unusable(String),
}

impl RetryAfter {
    /// Reads the header's value.
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            None => RetryAfter::Absent,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(secs) => RetryAfter::Seconds(secs),
                Err(_) => RetryAfter::Unusable(v.to_string()),
            },
        }
    }

    /// Okta's first wait after this answer.
    pub fn first_wait(&self) -> Duration {
        match self {
            RetryAfter::Seconds(secs) => Duration::from_secs(*secs),
            RetryAfter::Absent | RetryAfter::Unusable(_) => DEFAULT_WAIT,
        }
    }

    /// Whether Okta can use it.
    pub fn usable(&self) -> bool {
        matches!(self, RetryAfter::Seconds(_))
    }

    /// What the header said, for a report.
    pub fn describe(&self) -> String {
        match self {
            RetryAfter::Seconds(secs) => format!("Retry-After: {secs}"),
            RetryAfter::Absent => "no Retry-After".to_string(),
            RetryAfter::Unusable(v) if v.trim().is_empty() => "an empty Retry-After".to_string(),
            RetryAfter::Unusable(v) => format!("Retry-After: {v} (not an integer)"),
        }
    }
}

/// One 429 and what Okta does about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    /// The attempt the 429 answered (1-based).
    pub attempt: u32,
    /// The answer's `Retry-After`.
    pub retry_after: RetryAfter,
    /// Okta's wait before the next attempt; `None` after the last attempt.
    pub wait: Option<Duration>,
    /// What okscim slept for it.
    pub slept: Duration,
}

impl Throttle {
    /// A line for the step's notes.
    pub fn note(&self) -> String {
        match self.wait {
            Some(wait) => format!(
                "429 on attempt {} of {MAX_ATTEMPTS} ({}): Okta pauses the task, waits {}{}, and sends it again",
                self.attempt,
                self.retry_after.describe(),
                human(wait),
                if self.attempt == 1 {
                    match self.retry_after {
                        RetryAfter::Seconds(_) => " (Retry-After, followed exactly)".to_string(),
                        _ => " (5 minutes: Retry-After missing or unusable)".to_string(),
                    }
                } else {
                    " (double the previous wait)".to_string()
                }
            ),
            None => format!(
                "429 on attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS} ({}): the task fails for good and needs a manual retry",
                self.retry_after.describe()
            ),
        }
    }
}

/// `30 s`, `5 min`, `1 h 25 min 20 s`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

/// Every attempt of one request.
#[derive(Debug, Clone)]
pub struct Attempts {
    /// Each exchange, in order: the 429s, then the answer that ended the task (which is a 429
    /// too when the attempts ran out).
    pub exchanges: Vec<Exchange>,
    /// One per 429, in order.
    pub throttles: Vec<Throttle>,
}

impl Attempts {
    /// Whether the 10th attempt was answered 429: the task failed for good.
    pub fn exhausted(&self) -> bool {
        self.throttles.len() as u32 >= MAX_ATTEMPTS
    }
}

/// Sends `request` as Okta does, retrying after each 429 by Okta's rule, on `clock`.
pub async fn send_as_okta(
    client: &ScimClient,
    request: OutgoingRequest,
    clock: RetryClock,
) -> Attempts {
    let mut exchanges = Vec::new();
    let mut throttles: Vec<Throttle> = Vec::new();
    for attempt in 1..=MAX_ATTEMPTS {
        let exchange = client.send(request.clone()).await;
        let throttled = exchange.status() == Some(429);
        let retry_after = RetryAfter::parse(
            exchange
                .response
                .as_ref()
                .and_then(|r| r.header("retry-after")),
        );
        exchanges.push(exchange);
        if !throttled {
            break;
        }
        if attempt == MAX_ATTEMPTS {
            throttles.push(Throttle {
                attempt,
                retry_after,
                wait: None,
                slept: Duration::ZERO,
            });
            break;
        }
        let wait = match throttles.last().and_then(|t| t.wait) {
            None => retry_after.first_wait(),
            Some(previous) => previous.saturating_mul(2),
        };
        let slept = clock.real_sleep(wait);
        if !slept.is_zero() {
            tokio::time::sleep(slept).await;
        }
        throttles.push(Throttle {
            attempt,
            retry_after,
            wait: Some(wait),
            slept,
        });
    }
    Attempts {
        exchanges,
        throttles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_values() {
        assert_eq!(RetryAfter::parse(Some("30")), RetryAfter::Seconds(30));
        assert_eq!(RetryAfter::parse(Some(" 7 ")), RetryAfter::Seconds(7));
        assert_eq!(RetryAfter::parse(None).first_wait(), DEFAULT_WAIT);
        for unusable in ["Wed, 21 Oct 2026 07:28:00 GMT", "1.5", "", "-3", "soon"] {
            let r = RetryAfter::parse(Some(unusable));
            assert!(!r.usable(), "{unusable:?}");
            assert_eq!(r.first_wait(), DEFAULT_WAIT, "{unusable:?}");
        }
        assert_eq!(human(Duration::from_secs(300)), "5 min");
        assert_eq!(human(Duration::from_secs(5120)), "1 h 25 min 20 s");
        assert_eq!(human(Duration::ZERO), "0 s");
    }

    #[test]
    fn the_virtual_clock_caps_real_sleep() {
        let clock = RetryClock::Virtual {
            max_real_wait: Duration::from_secs(2),
        };
        assert_eq!(clock.real_sleep(DEFAULT_WAIT), Duration::from_secs(2));
        assert_eq!(
            clock.real_sleep(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        assert_eq!(RetryClock::Real.real_sleep(DEFAULT_WAIT), DEFAULT_WAIT);
    }
}
