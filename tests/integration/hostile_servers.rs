//! Servers that answer what no SCIM server should: the harness never panics, never holds more
//! than `--max-body` bytes of an answer, reports every planned scenario run, and fails each step
//! with the check that says why.

use std::sync::Arc;
use std::time::Duration;

use okscim::errors::TransportError;
use okscim::http::{Auth, ClientOptions, Redactor, ScimClient, Secret};
use okscim::okta::{AppKind, OktaOptions};
use okscim::runner::{Job, RunError, RunFuture, RunResult, Scheduler, Status, plan};
use okscim::target::{Target, TargetOptions, TargetSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::okta_requests::{BASE, TOKEN, engine, org};

/// Runs every bundled scenario, both app kinds, against `url`; checks that every planned run is
/// reported and that every report renders.
async fn run_bundled(url: &str, max_body: usize) -> RunResult {
    let spec = TargetSpec::Url {
        url: url.to_string(),
        auth: Auth::Bearer(Secret::new(TOKEN)),
        secret_env: None,
    };
    let options = TargetOptions {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        max_body,
        ..TargetOptions::default()
    };
    let target = Arc::new(Target::open(spec, &options).await.expect("target"));
    let scenarios: Vec<_> = okscim::scenario::load_bundled()
        .expect("bundled scenarios load")
        .into_iter()
        .map(Arc::new)
        .collect();
    let jobs = plan(&scenarios, &Default::default(), target.profile);
    let planned = jobs.len();
    let run = Scheduler::new(jobs, &target).jobs(4).run(&mut []).await;
    assert_eq!(
        run.scenarios.len(),
        planned,
        "every planned run is reported"
    );
    for s in &run.scenarios {
        assert!(
            !matches!(s.error, Some(RunError::Panicked(_))),
            "{}: {:?}",
            s.title(),
            s.error
        );
        let _ = okscim::report::failure_text(s);
    }
    okscim::report::junit_xml(&run).expect("the JUnit report renders");
    let _ = okscim::report::json_report(&run);
    run
}

/// A server answering every request with `response`.
async fn answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

fn failed_checks(run: &RunResult) -> Vec<&'static str> {
    run.scenarios
        .iter()
        .flat_map(|s| s.steps.iter())
        .flat_map(|st| st.failures())
        .map(|c| c.id)
        .collect()
}

/// A French error detail of 400 bytes, 200 characters in: the harness cut it at a byte index.
#[tokio::test]
async fn a_long_non_ascii_error_detail() {
    let detail =
        "L'utilisateur « élodie.dupré@exemple.fr » existe déjà : impossible de créer un doublon. "
            .repeat(5);
    let server = answering(
        ResponseTemplate::new(409).set_body_raw(
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "409",
                "detail": detail,
            })
            .to_string(),
            "application/scim+json",
        ),
    )
    .await;
    let run = run_bundled(&format!("{}{BASE}", server.uri()), 16 << 20).await;
    assert!(run.counts().failed > 20, "{:?}", run.counts());
    let shown = run
        .scenarios
        .iter()
        .filter(|s| s.failed())
        .map(okscim::report::failure_text)
        .filter(|text| text.contains("existe déjà"))
        .count();
    assert!(shown > 0, "the detail reaches the report");
}

#[tokio::test]
async fn invalid_utf8_in_a_body() {
    let mut body = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]);
    body.extend_from_slice(br#""}]}"#);
    let server =
        answering(ResponseTemplate::new(200).set_body_raw(body, "application/scim+json")).await;
    let run = run_bundled(&format!("{}{BASE}", server.uri()), 16 << 20).await;
    assert!(run.counts().failed > 0);
}

#[tokio::test]
async fn a_json_array_nested_100k_deep() {
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let server =
        answering(ResponseTemplate::new(200).set_body_raw(body, "application/scim+json")).await;
    let run = run_bundled(&format!("{}{BASE}", server.uri()), 16 << 20).await;
    assert!(run.counts().failed > 0);
    assert!(failed_checks(&run).contains(&"rfc.json-body"));
}

/// Accepts connections until the test ends and hands each to `serve`.
async fn raw_server<F, Fut>(serve: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    format!("http://{addr}{BASE}")
}

/// Reads up to the end of the request headers (bodies are small and ignored).
async fn read_head(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
        if seen.len() > 1 << 20 {
            return;
        }
    }
}

/// An endless chunked body: the step fails on the cap, naming it, and the run goes on. Bounded:
/// the server stops after 30 s or 4 GiB, whichever comes first.
#[tokio::test]
async fn an_endless_chunked_body_is_cut_at_the_cap() {
    let url = raw_server(|mut stream| async move {
        read_head(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "[".repeat(64 * 1024));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        for _ in 0..65_536 {
            if tokio::time::Instant::now() > deadline
                || stream.write_all(chunk.as_bytes()).await.is_err()
            {
                return;
            }
        }
    })
    .await;
    let options = ClientOptions {
        max_body: 1 << 20,
        timeout: Duration::from_secs(20),
        ..ClientOptions::default()
    };
    let client = ScimClient::new(
        &url,
        Auth::Bearer(Secret::new(TOKEN)),
        &options,
        Redactor::default(),
    )
    .expect("a client");
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.test_connection(&client).await;
    let exchange = &record.exchanges[0];
    assert!(
        matches!(
            exchange.error,
            Some(TransportError::BodyTooLarge { cap: 1_048_576, .. })
        ),
        "{:?}",
        exchange.error
    );
    assert_eq!(exchange.status(), Some(200));
    let failed: Vec<_> = record.checks.iter().filter(|c| c.is_failure()).collect();
    assert_eq!(failed[0].id, "okta.complete-answer", "{failed:?}");
    assert!(
        failed[0].actual.contains("1048576-byte cap"),
        "{}",
        failed[0].actual
    );
    assert!(record.failure.is_some(), "Okta's action fails");

    let run = run_bundled(&url, 1 << 20).await;
    assert!(failed_checks(&run).contains(&"okta.complete-answer"));
}

/// Garbage instead of HTTP, and a response header of 1 MiB: each step reports a transport
/// error, nothing hangs.
#[tokio::test]
async fn garbage_status_line_and_huge_headers() {
    let garbage = raw_server(|mut stream| async move {
        read_head(&mut stream).await;
        let _ = stream
            .write_all(b"HELLO THERE, NOT HTTP AT ALL\r\n\r\n")
            .await;
    })
    .await;
    let run = run_bundled(&garbage, 16 << 20).await;
    assert!(failed_checks(&run).contains(&"okta.reachable"));
    let exchange = run
        .scenarios
        .iter()
        .flat_map(|s| s.exchanges())
        .next()
        .expect("an exchange");
    assert!(
        matches!(exchange.error, Some(TransportError::Other { .. })),
        "{:?}",
        exchange.error
    );

    let huge = raw_server(|mut stream| async move {
        read_head(&mut stream).await;
        let head = format!(
            "HTTP/1.1 200 OK\r\nX-Padding: {}\r\nContent-Length: 2\r\n\r\n{{}}",
            "a".repeat(1 << 20)
        );
        let _ = stream.write_all(head.as_bytes()).await;
    })
    .await;
    let run = run_bundled(&huge, 16 << 20).await;
    assert!(failed_checks(&run).contains(&"okta.reachable"));
}

/// A scenario task that panics is a failed scenario run with the reason, not a missing one; the
/// others still run, and the run fails.
#[tokio::test]
async fn a_panicking_scenario_task_is_reported_failed() {
    let spec = TargetSpec::Embedded {
        faults: Default::default(),
        variants: Default::default(),
    };
    let target = Arc::new(
        Target::open(spec, &TargetOptions::default())
            .await
            .expect("the embedded target"),
    );
    let scenarios: Vec<_> = okscim::scenario::load_bundled()
        .expect("bundled scenarios load")
        .into_iter()
        .filter(|s| s.path.starts_with("scenarios/users"))
        .map(Arc::new)
        .collect();
    let jobs = plan(&scenarios, &Default::default(), target.profile);
    let planned = jobs.len();
    assert!(planned > 4, "{planned}");
    let doomed = jobs[1].scenario.name.clone();
    let doomed_app = jobs[1].app;
    let executor: okscim::runner::Executor = Arc::new(move |job: Job, client, options, gate| {
        let doomed = doomed.clone();
        Box::pin(async move {
            if job.scenario.name == doomed && job.app == doomed_app {
                panic!("injected panic in {}", job.scenario.name);
            }
            okscim::runner::run_scenario_gated(&job.scenario, job.app, &client, options, &gate)
                .await
        }) as RunFuture
    });
    let run = Scheduler::new(jobs, &target)
        .jobs(2)
        .okta(OktaOptions::default())
        .executor(executor)
        .run(&mut [])
        .await;
    assert_eq!(run.scenarios.len(), planned);
    let failed: Vec<_> = run.scenarios.iter().filter(|s| s.failed()).collect();
    assert_eq!(failed.len(), 1, "only the panicking run fails");
    assert_eq!(failed[0].status, Status::Failed);
    assert!(
        matches!(&failed[0].error, Some(RunError::Panicked(m)) if m.contains("injected panic")),
        "{:?}",
        failed[0].error
    );
    assert!(okscim::report::failure_text(failed[0]).contains("injected panic"));
    assert_eq!(run.counts().failed, 1);
}
