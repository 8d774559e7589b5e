//! `okscim certify`: ready against the reference server under each app kind, not ready against
//! each fault (naming a requirement the fault breaks), ready against each variant except where
//! the variant removes something Okta needs; every requirement the scenarios cover exists, and
//! every requirement shown on the wire is covered.

use std::collections::BTreeSet;
use std::sync::Arc;

use okscim::certify::{Coverage, Readiness, RequirementStatus, certify, scenarios};
use okscim::http::{Auth, Secret};
use okscim::okta::AppKind;
use okscim::target::{Target, TargetOptions, TargetSpec};
use okscim_reference_server::{Fault, Variant};
use rstest::rstest;

async fn embedded(faults: &[Fault], variants: &[Variant]) -> Arc<Target> {
    let spec = TargetSpec::Embedded {
        faults: faults.iter().copied().collect(),
        variants: variants.iter().copied().collect(),
    };
    Arc::new(
        Target::open(spec, &TargetOptions::default())
            .await
            .expect("the embedded server starts"),
    )
}

async fn certify_on(target: &Arc<Target>, apps: &[AppKind]) -> Readiness {
    let scenarios = scenarios().expect("the certification scenarios load");
    certify(&scenarios, target, apps, 2).await.1
}

fn failed(r: &Readiness) -> Vec<&str> {
    r.requirements
        .iter()
        .filter(|q| q.status == RequirementStatus::Failed && q.required)
        .map(|q| q.id.as_str())
        .collect()
}

fn status(r: &Readiness, id: &str) -> RequirementStatus {
    r.requirements
        .iter()
        .find(|q| q.id == id)
        .map(|q| q.status)
        .unwrap_or_else(|| panic!("no requirement {id}"))
}

#[rstest]
#[case::both(&[])]
#[case::oin(&[AppKind::Oin])]
#[case::aiw(&[AppKind::Aiw])]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certify_is_ready_against_the_reference_server(#[case] apps: &[AppKind]) {
    let r = certify_on(&embedded(&[], &[]).await, apps).await;
    assert!(r.ready, "{}", okscim::report::certify_text(&r));
    assert_eq!(r.counts.failed, 0);
    assert!(
        r.verdict.starts_with("ready for OIN submission"),
        "{}",
        r.verdict
    );
    // The SPEC test is for OIN apps; under AIW alone it is not applicable, and says why.
    let spec = status(&r, "SPEC-11");
    if apps == [AppKind::Aiw] {
        assert_eq!(spec, RequirementStatus::NotApplicable);
    } else {
        assert_eq!(spec, RequirementStatus::Passed);
    }
    assert_eq!(status(&r, "CRUD-19"), RequirementStatus::Passed);
    assert_eq!(status(&r, "C9342"), RequirementStatus::Manual);
    assert_eq!(status(&r, "C9341"), RequirementStatus::NotSimulated);
    // Every requirement shown on the wire passed here or does not apply to the app kind.
    for q in &r.requirements {
        if okscim::certify::by_id(&q.id).map(|d| d.coverage) == Some(Coverage::Scenarios) {
            assert!(
                matches!(
                    q.status,
                    RequirementStatus::Passed | RequirementStatus::NotApplicable
                ),
                "{}: {:?}",
                q.id,
                q.status
            );
            if q.status == RequirementStatus::Passed {
                assert!(!q.evidence.is_empty(), "{} passed without evidence", q.id);
            }
        }
    }
}

/// Each fault fails certification, naming a requirement it breaks. The `bearer-only` fault
/// bites only Okta's Header auth (`bearer_only_fails_certify_with_header_auth`).
#[rstest]
#[case::patch_pathless_ignored(Fault::PatchPathlessIgnored, "C9292")]
#[case::filter_username_case_sensitive(Fault::FilterUsernameCaseSensitive, "C9336")]
#[case::list_counts_as_strings(Fault::ListCountsAsStrings, "SPEC-1")]
#[case::create_returns_200(Fault::CreateReturns200, "SPEC-11")]
#[case::create_empty_body(Fault::CreateEmptyBody, "C9290")]
#[case::username_lowercased(Fault::UsernameLowercased, "SPEC-11")]
#[case::member_filter_remove_ignored(Fault::MemberFilterRemoveIgnored, "C9333")]
#[case::member_filter_remove_wipes(Fault::MemberFilterRemoveWipes, "C9333")]
#[case::replace_members_empty_ignored(Fault::ReplaceMembersEmptyIgnored, "C9317")]
#[case::rename_rejects_id(Fault::RenameRejectsId, "C9313")]
#[case::plain_text_errors(Fault::PlainTextErrors, "SPEC-7")]
#[case::deactivated_users_hidden(Fault::DeactivatedUsersHidden, "CRUD-11")]
#[case::add_members_replaces(Fault::AddMembersReplaces, "C9332")]
#[case::membership_lost_update(Fault::MembershipLostUpdate, "C9332")]
#[case::member_requires_type(Fault::MemberRequiresType, "C9312")]
#[case::reject_scim_content_type(Fault::RejectScimContentType, "CRUD-3")]
#[case::reject_read_only_in_put(Fault::RejectReadOnlyInPut, "C9291")]
#[case::duplicate_create_allowed(Fault::DuplicateCreateAllowed, "SPEC-15")]
#[case::ignore_paging(Fault::IgnorePaging, "C9304")]
#[case::delete_on_deactivate(Fault::DeleteOnDeactivate, "CRUD-11")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certify_fails_each_fault_naming_a_requirement(#[case] fault: Fault, #[case] id: &str) {
    let r = certify_on(&embedded(&[fault], &[]).await, &[]).await;
    assert!(!r.ready, "{fault}: {}", r.verdict);
    assert!(
        failed(&r).contains(&id),
        "{fault}: {id} not among {:?}",
        failed(&r)
    );
    let q = r
        .requirements
        .iter()
        .find(|q| q.id == id)
        .expect("the requirement");
    let f = q.failure.as_ref().expect("a failure with its details");
    assert!(!f.scenario.is_empty() && !f.actual.is_empty(), "{f:?}");
    assert!(r.verdict.contains("not ready"), "{}", r.verdict);
}

#[test]
fn every_fault_is_in_the_certify_matrix() {
    // The rstest list above, plus bearer-only (its own test).
    assert_eq!(Fault::ALL.len(), 20 + 1, "add a case for the new fault");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_only_fails_certify_with_header_auth() {
    let server = okscim_reference_server::spawn(okscim_reference_server::ServerConfig {
        faults: [Fault::BearerOnly].into_iter().collect(),
        ..Default::default()
    })
    .await
    .expect("the server starts");
    let spec = TargetSpec::Url {
        url: server.base_url.clone(),
        auth: Auth::Header(Secret::new(server.token.clone())),
        secret_env: None,
    };
    let target = Arc::new(
        Target::open(spec, &TargetOptions::default())
            .await
            .expect("a target"),
    );
    let r = certify_on(&target, &[]).await;
    assert!(!r.ready);
    assert!(failed(&r).contains(&"C9306"), "{:?}", failed(&r));
}

/// Each variant is ready, except where it removes something Okta needs (the exceptions of
/// tests/integration/variant_matrix.rs, listed in docs/reference-server.md).
#[rstest]
#[case::no_etags(Variant::NoEtags, &[])]
#[case::patch_204(Variant::Patch204, &[])]
#[case::no_location(Variant::NoLocation, &[])]
#[case::integer_ids(Variant::IntegerIds, &[])]
#[case::no_scim_type(Variant::NoScimType, &[])]
#[case::status_as_number(Variant::StatusAsNumber, &["SPEC-21", "SPEC-23"])]
#[case::no_groups_attribute(Variant::NoGroupsAttribute, &[])]
#[case::page_size_50(Variant::PageSize50, &[])]
#[case::unknown_members_accepted(Variant::UnknownMembersAccepted, &[])]
#[case::put_only(Variant::PutOnly, &["CRUD-9", "C9292", "C9312"])]
#[case::connection_close(Variant::ConnectionClose, &[])]
#[case::entitlements(Variant::Entitlements, &[])]
#[case::rate_limit(Variant::RateLimit, &[])]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certify_passes_each_variant_except_the_documented_exceptions(
    #[case] variant: Variant,
    #[case] fails: &[&str],
) {
    let r = certify_on(&embedded(&[], &[variant]).await, &[]).await;
    if fails.is_empty() {
        assert!(r.ready, "{variant}: {}", okscim::report::certify_text(&r));
    } else {
        assert!(!r.ready, "{variant}");
        for id in fails {
            assert!(
                failed(&r).contains(id),
                "{variant}: {id} not among {:?}",
                failed(&r)
            );
        }
    }
    if variant == Variant::PutOnly {
        // An AIW app never PATCHes: under AIW alone a PUT-only server is ready.
        let aiw = certify_on(&embedded(&[], &[variant]).await, &[AppKind::Aiw]).await;
        assert!(aiw.ready, "{}", okscim::report::certify_text(&aiw));
    }
}

#[test]
fn every_covered_id_is_a_requirement_and_every_wire_requirement_is_covered() {
    let scenarios = scenarios().expect("load");
    let mut covered = BTreeSet::new();
    for s in &scenarios {
        covered.extend(s.covers.iter().cloned());
        for st in &s.steps {
            covered.extend(st.covers.iter().cloned());
        }
    }
    for id in &covered {
        assert!(
            okscim::certify::by_id(id).is_some(),
            "a scenario covers {id}, which is not a requirement"
        );
    }
    for q in okscim::certify::ALL {
        if q.coverage == Coverage::Scenarios {
            assert!(
                covered.contains(q.id),
                "no bundled scenario covers {}",
                q.id
            );
        } else {
            assert!(
                !covered.contains(q.id),
                "{} is covered but not marked as such",
                q.id
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reports_render_and_the_json_matches_its_committed_schema() {
    let r = certify_on(
        &embedded(&[Fault::CreateEmptyBody], &[]).await,
        &[AppKind::Oin],
    )
    .await;
    let text = okscim::report::certify_text(&r);
    assert!(
        text.contains("FAIL") && text.contains("the Okta admin sees:"),
        "{text}"
    );
    assert!(
        text.contains("Create new user returned empty user"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&okscim::report::certify_json(&r)).expect("JSON");
    assert_eq!(json["format"], "okscim-certify/1");
    assert_eq!(json["ready"], false);
    let xml = okscim::report::certify_junit(&r).expect("JUnit");
    assert!(xml.contains("SPEC-11") && xml.contains("<failure"), "{xml}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/certify.schema.json");
    let generated =
        serde_json::to_string_pretty(&okscim::certify::json_schema()).expect("schema") + "\n";
    if std::env::var_os("OKSCIM_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write the schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/certify.schema.json is out of date; regenerate it with OKSCIM_UPDATE_SCHEMA=1 cargo test --test integration certify"
    );
}

#[test]
fn certify_docs_are_generated_from_the_requirements_and_scenarios() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/certify.md");
    let generated = okscim::certify::markdown(&scenarios().expect("load"));
    if std::env::var_os("OKSCIM_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/certify.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/certify.md is out of date; regenerate it with OKSCIM_UPDATE_DOCS=1 cargo test --test integration certify_docs"
    );
    // Every SPEC and CRUD step on the wire has at least one assertion in the table.
    for q in okscim::certify::ALL.iter().filter(|q| {
        matches!(
            q.suite,
            okscim::certify::Suite::OktaSpec | okscim::certify::Suite::OktaCrud
        ) && q.coverage == Coverage::Scenarios
    }) {
        assert!(
            generated.contains(&format!("| `{}` | ", q.id)),
            "{} has no assertion row",
            q.id
        );
    }
    // Okta's own assertions (okta-reference.md §2.1, §2.4, §2.5), each with the check that makes
    // it: a row goes missing when a scenario step stops asserting it.
    let rows = [
        ("SPEC-1", "`$.Resources` is not empty", "expect.non-empty"),
        ("SPEC-1", "`$.totalResults` is a number", "expect.type"),
        (
            "SPEC-1",
            "`$.Resources[0].emails[0].value` is not empty",
            "expect.non-empty",
        ),
        ("SPEC-3", "`$.id` = `\"${isv_user_id}\"`", "expect.jsonpath"),
        ("SPEC-5", "\"totalResults\":0", "expect.body"),
        ("SPEC-7", "status 404", "expect.status"),
        ("SPEC-7", "`$.detail` is not empty", "expect.non-empty"),
        ("SPEC-11", "status 201", "expect.status"),
        ("SPEC-15", "status 409", "expect.status"),
        ("SPEC-17", "status 200", "expect.status"),
        ("SPEC-19", "answered within 600 ms", "expect.duration"),
        ("SPEC-19", "`Resources` is an array", "rfc.list.resources"),
        ("SPEC-21", "\"status\":\"401\"", "expect.body"),
        ("SPEC-23", "\"status\":\"404\"", "expect.body"),
        (
            "CRUD-5",
            "`$.Resources[0].emails[0].value`",
            "expect.jsonpath",
        ),
        ("CRUD-8", "`$.name.givenName`", "expect.jsonpath"),
        ("CRUD-11", "`$.active` = `false`", "expect.jsonpath"),
        ("CRUD-15", "`$.id` = `\"${scim_id}\"`", "expect.jsonpath"),
        ("CRUD-19", "`$.active` = `false`", "expect.jsonpath"),
        ("ENT", "status 200", "okta.entitlements.list"),
        ("ENT", "`Resources` is not empty", "okta.entitlements.list"),
        ("ENT", "ListResponse URN", "okta.entitlements.list"),
        ("ENT", "`startIndex` is a number", "okta.entitlements.list"),
        (
            "ENT",
            "`totalResults` is a number",
            "okta.entitlements.list",
        ),
        ("ENT", "`itemsPerPage` is 1", "okta.entitlements.list"),
    ];
    for (id, assertion, check) in rows {
        assert!(
            generated
                .lines()
                .any(|l| l.starts_with(&format!("| `{id}` | "))
                    && l.contains(assertion)
                    && l.contains(&format!("| `{check}` |"))),
            "no row for {id}: {assertion} by {check}"
        );
        assert!(
            okscim::check::by_id(check).is_some(),
            "{check} is not a check"
        );
    }
}

/// Runs headless Chromium with no network (every host unresolvable, every proxy refused) and
/// returns (stdout, stderr), or `None` when Chromium is not installed. Bounded to 90 s.
fn chromium(args: &[&str]) -> Option<(String, String)> {
    let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())?;
    let profile = tempfile::tempdir().expect("a profile folder");
    // Output goes to files, not pipes: a page's DOM fills a pipe and Chromium would block on it.
    let out_path = profile.path().join("stdout");
    let err_path = profile.path().join("stderr");
    let mut child = std::process::Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("data").display()
        ))
        .args(args)
        .stdout(std::fs::File::create(&out_path).expect("a stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("a stderr file"))
        .spawn()
        .expect("start chromium");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        if child.try_wait().expect("poll chromium").is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Some((
        std::fs::read_to_string(&out_path).unwrap_or_default(),
        std::fs::read_to_string(&err_path).unwrap_or_default(),
    ))
}

/// The HTML report is one self-contained file: in a real headless Chromium with no network it
/// renders the verdict, the counts and the requirement tables, and logs no console message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_renders_offline_in_headless_chromium() {
    let target = embedded(&[Fault::CreateEmptyBody], &[]).await;
    let scenarios = scenarios().expect("load");
    let (run, readiness) = certify(&scenarios, &target, &[], 2).await;
    let html = okscim::report::certify_html(&readiness, &run);
    // Nothing to fetch: no script, no link, no external source.
    for needle in ["<script", " src=", " href=", "@import", "url("] {
        assert!(!html.contains(needle), "the report holds {needle}");
    }
    let dir = tempfile::tempdir().expect("a folder");
    let page = dir.path().join("certify.html");
    std::fs::write(&page, &html).expect("write the report");
    let url = format!("file://{}", page.display());
    let Some((dom, log)) = chromium(&["--dump-dom", &url]) else {
        eprintln!(
            "skipped: Chromium is not installed (apt-get install chromium); .ci/run installs it"
        );
        return;
    };
    assert!(dom.contains("id=\"verdict\""), "{dom}");
    assert!(
        dom.contains("requirements fail: not ready for OIN submission"),
        "{dom}"
    );
    for table in ["okta-spec", "okta-crud", "test-plan"] {
        assert!(dom.contains(&format!("id=\"{table}\"")), "no {table} table");
    }
    assert!(dom.contains("Create new user returned empty user"));
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let shot = dir.path().join("certify.png");
    let screenshot = format!("--screenshot={}", shot.display());
    chromium(&["--window-size=1280,2000", &screenshot, &url]).expect("chromium");
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(
        png.len() > 10_000 && png.starts_with(b"\x89PNG"),
        "{} bytes",
        png.len()
    );
}

/// The Entitlements SPEC test applies only to a server that advertises entitlement resource
/// types: not applicable (with the reason) on the default server, passed with the
/// `entitlements` variant, whose /Roles and /Entitlements it read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entitlements_apply_only_where_the_server_advertises_them() {
    let plain = certify_on(&embedded(&[], &[]).await, &[AppKind::Oin]).await;
    let ent = plain
        .requirements
        .iter()
        .find(|q| q.id == "ENT")
        .expect("ENT");
    assert_eq!(ent.status, RequirementStatus::NotApplicable);
    assert!(
        ent.reason
            .as_deref()
            .is_some_and(|r| r.contains("no resource type with Okta's Role or Entitlement schema")),
        "{:?}",
        ent.reason
    );
    assert_eq!(status(&plain, "SCHEMA"), RequirementStatus::Passed);
    let target = embedded(&[], &[Variant::Entitlements]).await;
    let scenarios = scenarios().expect("the certification scenarios load");
    let (run, r) = certify(&scenarios, &target, &[AppKind::Oin], 2).await;
    assert_eq!(status(&r, "ENT"), RequirementStatus::Passed);
    let sent: Vec<&str> = run
        .scenarios
        .iter()
        .filter(|s| s.path.ends_with("entitlements-test.yaml"))
        .flat_map(|s| s.steps.iter().flat_map(|st| st.exchanges.iter()))
        .map(|e| e.request.path.as_str())
        .collect();
    assert_eq!(
        sent,
        [
            "/ResourceTypes",
            "/Roles?count=1&startIndex=1",
            "/Entitlements?count=1&startIndex=1"
        ]
    );
}

/// The SPEC test's precondition (one user exists) is met only on an empty target, and the
/// report says so; on a target that holds a user the step does not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_precondition_creates_a_user_only_on_an_empty_target() {
    let all = scenarios().expect("the certification scenarios load");
    let spec: Vec<_> = all
        .iter()
        .filter(|s| s.path.ends_with("spec-test.yaml"))
        .cloned()
        .collect();
    // One server for both runs (the embedded target starts a fresh one for every run).
    let server = okscim_reference_server::spawn(okscim_reference_server::ServerConfig::default())
        .await
        .expect("the server starts");
    let target = Arc::new(
        Target::open(
            TargetSpec::Url {
                url: server.base_url.clone(),
                auth: Auth::Bearer(Secret::new(server.token.clone())),
                secret_env: None,
            },
            &TargetOptions::default(),
        )
        .await
        .expect("a target"),
    );
    let (run, first) = certify(&spec, &target, &[AppKind::Oin], 1).await;
    let step = &run.scenarios[0].steps[0];
    assert!(step.not_applicable.is_none(), "{step:?}");
    assert!(step.exchanges.iter().any(|e| e.request.method == "POST"));
    assert_eq!(first.setup.len(), 1, "{:?}", first.setup);
    assert!(
        first.setup[0].contains("/Users listed no resource"),
        "{:?}",
        first.setup
    );
    assert!(okscim::report::certify_text(&first).contains("set up first"));
    // The same server now holds users (the seed and the SPEC test's own).
    let (run, second) = certify(&spec, &target, &[AppKind::Oin], 1).await;
    let step = &run.scenarios[0].steps[0];
    assert!(
        step.not_applicable
            .as_deref()
            .is_some_and(|w| w.contains("already lists")),
        "{step:?}"
    );
    assert_eq!(step.exchanges.len(), 1, "only the probe");
    assert!(second.setup.is_empty(), "{:?}", second.setup);
    assert!(second.ready && first.ready);
}
