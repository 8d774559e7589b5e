//! Okta's documented 429 handling (okta-reference.md §4.1), on the virtual clock: an integer
//! `Retry-After` is followed exactly; absent, an HTTP date, not an integer or empty, Okta waits
//! 5 minutes; each further 429 doubles the wait; the 10th attempt answered 429 fails the task.
//! No test sleeps: the clock records Okta's waits and sleeps for none of them.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use okscim::http::{
    Auth, ClientOptions, OutgoingRequest, Redactor, RequestAuth, ScimClient, Secret,
};
use okscim::okta::ratelimit::{DEFAULT_WAIT, MAX_ATTEMPTS, RetryClock, send_as_okta};
use okscim::okta::{AppKind, OktaOptions};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fake_scim::{self, IdFormat};

const VIRTUAL: RetryClock = RetryClock::Virtual {
    max_real_wait: Duration::ZERO,
};

/// Answers 429 (with `retry_after`, when given) `throttled` times, then 200.
struct Throttling {
    throttled: usize,
    retry_after: Option<&'static str>,
    seen: AtomicUsize,
}

impl Respond for Throttling {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.seen.fetch_add(1, Ordering::SeqCst);
        if n < self.throttled {
            let mut t = ResponseTemplate::new(429).set_body_raw(
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"slow down"}"#,
                "application/scim+json",
            );
            if let Some(v) = self.retry_after {
                t = t.insert_header("Retry-After", v);
            }
            t
        } else {
            ResponseTemplate::new(200).set_body_raw(
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#,
                "application/scim+json",
            )
        }
    }
}

fn client_for(server: &MockServer) -> ScimClient {
    ScimClient::new(
        &format!("{}/scim/v2", server.uri()),
        Auth::Bearer(Secret::new("t")),
        &ClientOptions::default(),
        Redactor::default(),
    )
    .expect("client")
}

fn get_users() -> OutgoingRequest {
    OutgoingRequest {
        method: reqwest::Method::GET,
        path: "/Users".into(),
        headers: vec![],
        body: None,
        auth: RequestAuth::Default,
        from_root: false,
    }
}

async fn throttled(
    throttled: usize,
    retry_after: Option<&'static str>,
) -> okscim::okta::ratelimit::Attempts {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(Throttling {
            throttled,
            retry_after,
            seen: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    let client = client_for(&server);
    let request = get_users();
    send_as_okta(&client, request, VIRTUAL).await
}

fn waits(a: &okscim::okta::ratelimit::Attempts) -> Vec<Option<u64>> {
    a.throttles
        .iter()
        .map(|t| t.wait.map(|w| w.as_secs()))
        .collect()
}

#[tokio::test]
async fn an_integer_retry_after_is_followed_exactly() {
    let a = throttled(1, Some("30")).await;
    assert_eq!(waits(&a), [Some(30)]);
    assert_eq!(a.exchanges.len(), 2);
    assert_eq!(a.exchanges[1].status(), Some(200));
    assert!(!a.exhausted());
    assert!(
        a.throttles[0].slept.is_zero(),
        "the virtual clock slept nothing"
    );
}

#[rstest::rstest]
#[case::absent(None)]
#[case::http_date(Some("Wed, 21 Oct 2026 07:28:00 GMT"))]
#[case::not_an_integer(Some("1.5"))]
#[case::empty(Some(""))]
#[tokio::test]
async fn without_a_usable_retry_after_okta_waits_five_minutes(
    #[case] header: Option<&'static str>,
) {
    let a = throttled(1, header).await;
    assert_eq!(waits(&a), [Some(DEFAULT_WAIT.as_secs())]);
    assert_eq!(DEFAULT_WAIT, Duration::from_secs(300));
}

#[tokio::test]
async fn each_further_429_doubles_the_previous_wait() {
    let a = throttled(4, Some("30")).await;
    assert_eq!(waits(&a), [Some(30), Some(60), Some(120), Some(240)]);
    let a = throttled(2, None).await;
    assert_eq!(waits(&a), [Some(300), Some(600)]);
    assert_eq!(a.exchanges.len(), 3);
}

#[tokio::test]
async fn the_tenth_attempt_answered_429_ends_the_task() {
    let a = throttled(usize::MAX, Some("1")).await;
    assert_eq!(a.exchanges.len(), MAX_ATTEMPTS as usize);
    assert!(a.exhausted());
    let expected: Vec<Option<u64>> = (0..9).map(|i| Some(1u64 << i)).chain([None]).collect();
    assert_eq!(waits(&a), expected, "1, 2, 4, … 256 s, then no tenth wait");
    // Nine 429s then a success is still within the limit.
    let a = throttled(9, Some("1")).await;
    assert!(!a.exhausted());
    assert_eq!(a.exchanges.len(), 10);
}

#[tokio::test]
async fn the_virtual_clock_sleeps_at_most_its_cap() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Throttling {
            throttled: 1,
            retry_after: Some("300"),
            seen: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    let client = client_for(&server);
    let request = get_users();
    let cap = Duration::from_millis(20);
    let a = send_as_okta(&client, request, RetryClock::Virtual { max_real_wait: cap }).await;
    assert_eq!(a.throttles[0].wait, Some(Duration::from_secs(300)));
    assert_eq!(a.throttles[0].slept, cap);
}

const ASSIGN: &str = r#"
name: assign under a rate limit
users:
  alice: {}
steps:
  - okta: { assign: alice }
  - read: { user: alice }
"#;

/// The fake SCIM server, with the first `n` POSTs to /Users answered 429.
async fn rate_limited_posts(n: u64, retry_after: Option<&'static str>) -> (MockServer, String) {
    let (server, base) = fake_scim::start(IdFormat::Uuid).await;
    let mut t = ResponseTemplate::new(429).set_body_raw(
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"slow down"}"#,
        "application/scim+json",
    );
    if let Some(v) = retry_after {
        t = t.insert_header("Retry-After", v);
    }
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(t)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(&server)
        .await;
    (server, base)
}

async fn assign_on(base: &str) -> okscim::runner::ScenarioResult {
    let scenario =
        okscim::scenario::load_str(Path::new("assign.yaml"), ASSIGN).expect("the scenario loads");
    let client = ScimClient::new(
        base,
        Auth::Bearer(Secret::new(fake_scim::TOKEN)),
        &ClientOptions::default(),
        Redactor::default(),
    )
    .expect("client");
    let options = OktaOptions {
        retry_clock: VIRTUAL,
        ..OktaOptions::default()
    };
    okscim::runner::run_scenario(&scenario, AppKind::Oin, &client, options).await
}

#[tokio::test]
async fn an_okta_action_waits_and_retries_and_the_report_shows_each_429() {
    let (_server, base) = rate_limited_posts(2, Some("30")).await;
    let result = assign_on(&base).await;
    assert!(
        !result.failed(),
        "{}",
        okscim::report::failure_text(&result)
    );
    let step = &result.steps[0];
    let statuses: Vec<_> = step.exchanges.iter().map(|e| e.status()).collect();
    assert_eq!(statuses, [Some(200), Some(429), Some(429), Some(201)]);
    assert!(
        step.notes[0].contains("waits 30 s (Retry-After, followed exactly)"),
        "{:?}",
        step.notes
    );
    assert!(
        step.notes[1].contains("waits 1 min (double the previous wait)"),
        "{:?}",
        step.notes
    );
    let attempts = step
        .checks
        .iter()
        .find(|c| c.id == "okta.rate-limit.attempts")
        .expect("the attempts check");
    assert!(attempts.passed);
    assert_eq!(
        attempts.exchange,
        Some(3),
        "it points at the answer that ended the 429s"
    );
    // The 429s are not judged as Okta's create: no okta.create.status failure.
    assert!(
        step.checks
            .iter()
            .all(|c| c.passed || c.id == "okta.rate-limit.retry-after")
    );
}

#[tokio::test]
async fn okta_rate_limit_retry_after_is_advisory_and_says_okta_waits_five_minutes() {
    let (_server, base) = rate_limited_posts(1, None).await;
    let result = assign_on(&base).await;
    assert!(!result.failed(), "advisory only");
    let c = result.steps[0]
        .checks
        .iter()
        .find(|c| c.id == "okta.rate-limit.retry-after")
        .expect("the check");
    assert!(!c.passed);
    assert_eq!(c.severity, okscim::check::Severity::Advisory);
    assert!(
        c.actual.contains("no Retry-After: Okta waits 5 min"),
        "{}",
        c.actual
    );
}

#[tokio::test]
async fn okta_rate_limit_attempts_fails_the_task_after_ten_429s() {
    let (_server, base) = rate_limited_posts(100, Some("1")).await;
    let result = assign_on(&base).await;
    assert!(result.failed());
    let step = &result.steps[0];
    assert_eq!(
        step.exchanges
            .iter()
            .filter(|e| e.status() == Some(429))
            .count(),
        10
    );
    let c = step
        .checks
        .iter()
        .find(|c| c.id == "okta.rate-limit.attempts")
        .expect("the check");
    assert!(!c.passed);
    let failure = step.okta_failure.as_deref().unwrap_or_default();
    assert!(
        failure.contains("answered 429 Too Many Requests 10 times")
            && failure.contains("retried by hand"),
        "{failure}"
    );
    assert!(
        step.notes
            .last()
            .is_some_and(|n| n.contains("fails for good"))
    );
    // The read after it never ran.
    assert_eq!(result.steps[1].status, okscim::runner::Status::Skipped);
}
