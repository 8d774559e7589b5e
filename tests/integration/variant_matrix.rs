//! The precision half of the self-test matrix: every bundled scenario, under each Okta app kind
//! it lists, against the embedded reference server with each variant switched on (behaviour RFC
//! 7644 allows and Okta accepts). Each must pass, except where the variant removes something
//! Okta needs: those exceptions are [`EXCEPTIONS`], each with the check that must fail and why,
//! and docs/reference-server.md lists them (a test below keeps the two in step).
//!
//! The recall half, every fault failing with the check that names it, is
//! `checks_catch_faults::fault_is_caught_and_its_flow_passes_without_it`.

use std::path::Path;

use okscim::okta::{AppKind, OktaOptions, Purpose};
use okscim::runner::{ScenarioResult, Status, run_scenario};
use okscim::scenario::{self, Scenario};
use okscim::target::{Target, TargetOptions, TargetSpec};
use okscim_reference_server::{Faults, Profile, Variant};
use rstest::rstest;

/// A run the variant is expected to fail, and why.
struct Exception {
    variant: Variant,
    app: AppKind,
    /// The scenario file (relative to `scenarios/`), or `None` for every scenario in which
    /// Okta sends the request the variant refuses.
    scenario: Option<&'static str>,
    /// The check that must fail first.
    check: &'static str,
    /// Why, for the docs.
    why: &'static str,
}

const EXCEPTIONS: &[Exception] = &[
    Exception {
        variant: Variant::PutOnly,
        app: AppKind::Oin,
        scenario: None,
        check: "okta.patch.status",
        why: "an OIN app PATCHes to deactivate, reactivate, rename and change members (okta-reference.md §1.5, §1.10, §1.11): every OIN run in which Okta sends a PATCH fails on its 501; OIN runs that send none pass, and every AIW run passes (AIW apps never PATCH, okta-reference.md §3.19)",
    },
    Exception {
        variant: Variant::StatusAsNumber,
        app: AppKind::Oin,
        scenario: Some("okta-spec/spec-test.yaml"),
        check: "expect.body",
        why: "the SPEC test's steps 21 and 23 assert `status` equals the strings \"401\" and \"404\" (okta-reference.md §2.1); everywhere else a numeric `status` is advisory (rfc.error.status)",
    },
];

fn app_kind(app: scenario::AppKind) -> AppKind {
    match app {
        scenario::AppKind::Oin => AppKind::Oin,
        scenario::AppKind::Aiw => AppKind::Aiw,
    }
}

/// The bundled scenarios with their paths relative to `scenarios/`.
fn bundled() -> Vec<(String, Scenario)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read scenarios/") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    files
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&root)
                .expect("under scenarios/")
                .to_string_lossy()
                .replace('\\', "/");
            let scenario = scenario::load(&path).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
            (rel, scenario)
        })
        .collect()
}

async fn run_with(variant: Variant, scenario: &Scenario, app: AppKind) -> ScenarioResult {
    let options = TargetOptions {
        profile: if scenario.requires_tailnet() {
            Profile::Tailnet
        } else {
            Profile::Rfc
        },
        ..TargetOptions::default()
    };
    let spec = TargetSpec::Embedded {
        faults: Faults::default(),
        variants: [variant].into_iter().collect(),
    };
    let target = Target::open(spec, &options)
        .await
        .expect("the embedded server starts");
    let connection = target.connect().await.expect("a connection");
    let result = run_scenario(scenario, app, &connection.client, OktaOptions::default()).await;
    connection.close().await;
    result
}

/// Whether the simulated Okta (not a raw setup step) sent a PATCH.
fn okta_patched(result: &ScenarioResult) -> bool {
    result.steps.iter().any(|s| {
        s.exchanges
            .iter()
            .zip(&s.purposes)
            .any(|(e, p)| e.request.method == "PATCH" && !matches!(p, Purpose::Raw | Purpose::Read))
    })
}

fn first_failure(result: &ScenarioResult) -> Option<&'static str> {
    result
        .steps
        .iter()
        .flat_map(|s| s.failures())
        .map(|c| c.id)
        .next()
}

fn exception_for(variant: Variant, rel: &str, app: AppKind) -> Option<&'static Exception> {
    EXCEPTIONS
        .iter()
        .find(|x| x.variant == variant && x.app == app && x.scenario.is_none_or(|s| s == rel))
}

#[rstest]
#[case::no_etags(Variant::NoEtags)]
#[case::patch_204(Variant::Patch204)]
#[case::no_location(Variant::NoLocation)]
#[case::integer_ids(Variant::IntegerIds)]
#[case::no_scim_type(Variant::NoScimType)]
#[case::status_as_number(Variant::StatusAsNumber)]
#[case::no_groups_attribute(Variant::NoGroupsAttribute)]
#[case::page_size_50(Variant::PageSize50)]
#[case::unknown_members_accepted(Variant::UnknownMembersAccepted)]
#[case::put_only(Variant::PutOnly)]
#[case::connection_close(Variant::ConnectionClose)]
#[case::entitlements(Variant::Entitlements)]
#[case::rate_limit(Variant::RateLimit)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bundled_scenario_passes_each_variant(#[case] variant: Variant) {
    let mut problems = Vec::new();
    let mut exceptions_seen = 0;
    for (rel, scenario) in bundled() {
        for app in scenario.apps.iter().copied().map(app_kind) {
            let result = run_with(variant, &scenario, app).await;
            let label = format!("variant {variant} × {rel} × {app:?}");
            let failed = result.status == Status::Failed;
            match exception_for(variant, &rel, app) {
                None if failed => problems.push(format!(
                    "{label}: failed, but Okta accepts this variant:\n{}",
                    okscim::report::failure_text(&result)
                )),
                None => assert_eq!(result.status, Status::Passed, "{label}: {result:#?}"),
                Some(x) => {
                    // PUT-only fails exactly the OIN runs in which Okta PATCHes.
                    let must_fail = x.scenario.is_some() || okta_patched(&result);
                    if failed != must_fail {
                        problems.push(format!(
                            "{label}: expected {} (the exception: {})\n{}",
                            if must_fail { "a failure" } else { "a pass" },
                            x.why,
                            okscim::report::failure_text(&result)
                        ));
                    } else if failed && first_failure(&result) != Some(x.check) {
                        problems.push(format!(
                            "{label}: failed first on {:?}, not on {}\n{}",
                            first_failure(&result),
                            x.check,
                            okscim::report::failure_text(&result)
                        ));
                    }
                    exceptions_seen += usize::from(failed);
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    let expected = EXCEPTIONS.iter().any(|x| x.variant == variant);
    assert_eq!(
        exceptions_seen > 0,
        expected,
        "variant {variant}: an exception that no run shows is stale (or a failure is missing)"
    );
}

#[test]
fn every_variant_is_in_the_matrix_and_every_exception_is_documented() {
    // The rstest list above has one case per variant; keep the count in step.
    assert_eq!(Variant::ALL.len(), 13, "add a #[case] for the new variant");
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference-server.md"),
    )
    .expect("docs/reference-server.md");
    for x in EXCEPTIONS {
        let row = format!(
            "| `{}` | {} | {} | `{}` |",
            x.variant,
            match x.app {
                AppKind::Oin => "oin",
                AppKind::Aiw => "aiw",
            },
            x.scenario.unwrap_or("every scenario in which Okta PATCHes"),
            x.check
        );
        assert!(
            docs.contains(&row),
            "docs/reference-server.md does not list the exception:\n{row} {} |",
            x.why
        );
    }
}
