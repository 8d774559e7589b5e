//! Every check is shown failing against a server that breaks it, and passing against one that
//! does not: the harness can fail and can pass.
//!
//! * Each of the reference server's faults (`okscim_reference_server::Fault::ALL`) runs the Okta
//!   flow that exposes it against the embedded server with the fault on, and the check that
//!   flags it is named; the same flow without the fault passes.
//! * Checks no fault reaches are shown failing against wiremock servers scripted to break them.
//! * What Okta accepts (204 to a PATCH, 404 for a filter miss, lower-case list keys, `text/json`,
//!   `"members": null`) is shown not to be flagged.
//! * A last test reads the check ids out of the sources and requires each to be demonstrated
//!   here and catalogued in docs/checks.md.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use okscim::check::{CheckKind, CheckOutcome, Expectations, Severity, judge_expectations};
use okscim::http::{
    Auth, ClientOptions, OutgoingRequest, Redactor, RequestAuth, ScimClient, Secret,
};
use okscim::okta::{
    ActionRecord, AppKind, HeaderStyle, OktaEngine, OktaOptions, OktaOrg, OktaUser,
};
use okscim::runner::{ScenarioResult, Status, run_scenario};
use okscim::scenario::{self, Scenario};
use okscim_reference_server::{Fault, RunningServer, ServerConfig, Variant};
use rstest::rstest;
use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use super::okta_requests::{
    ALICE_FILTER, BASE, Fake, LIST_URN, SCIM_JSON, TOKEN, USER_URN, alice, bob, echo, engine,
    group, group_json, imported_users, list_json, location, okta_user, org, provisioned, pushed,
    scim, user_json,
};

const OIN: &[AppKind] = &[AppKind::Oin];
const BOTH: &[AppKind] = &[AppKind::Oin, AppKind::Aiw];

// ---- the embedded reference server ----

/// The embedded reference server with `faults` on, and a client authenticating as `auth` says
/// (also used by `regression_scenarios`).
pub(crate) async fn reference(faults: &[Fault], auth: AuthForm) -> (RunningServer, ScimClient) {
    reference_with(faults, &[], auth).await
}

async fn reference_with(
    faults: &[Fault],
    variants: &[Variant],
    auth: AuthForm,
) -> (RunningServer, ScimClient) {
    let server = okscim_reference_server::spawn(ServerConfig {
        faults: faults.iter().copied().collect(),
        variants: variants.iter().copied().collect(),
        ..ServerConfig::default()
    })
    .await
    .expect("the reference server starts on 127.0.0.1");
    let token = Secret::new(server.token.clone());
    let auth = match auth {
        AuthForm::Bearer => Auth::Bearer(token),
        AuthForm::Header => Auth::Header(token),
    };
    let client = ScimClient::new(
        &server.base_url,
        auth,
        &ClientOptions::default(),
        Redactor::default(),
    )
    .expect("a client for the reference server");
    (server, client)
}

fn load(name: &str, yaml: &str) -> Scenario {
    let path = format!("tests/checks_catch_faults/{name}.yaml");
    match scenario::load_str(Path::new(&path), yaml) {
        Ok(s) => s,
        Err(e) => panic!("{path} does not load: {e:?}"),
    }
}

/// Every check outcome of a run, failed ones first.
fn outcomes(result: &ScenarioResult) -> impl Iterator<Item = &CheckOutcome> {
    result.steps.iter().flat_map(|s| s.checks.iter())
}

/// What a run did, for assertion messages.
pub(crate) fn describe(result: &ScenarioResult) -> String {
    let mut out = format!("{} -> {:?}\n", result.title(), result.status);
    for step in &result.steps {
        out.push_str(&format!(
            "  step {} {:?} {:?}\n",
            step.index, step.label, step.status
        ));
        for e in &step.exchanges {
            out.push_str(&format!("    {}\n", e.summary()));
        }
        for c in step.checks.iter().filter(|c| !c.passed) {
            out.push_str(&format!(
                "    FAILED {} ({:?}): expected {}, got {}\n",
                c.id, c.severity, c.expected, c.actual
            ));
        }
        if let Some(f) = &step.okta_failure {
            out.push_str(&format!("    okta failure: {f}\n"));
        }
        if let Some(e) = &step.error {
            out.push_str(&format!("    error: {e}\n"));
        }
    }
    out
}

/// The run flagged `id` with `severity`; a required failure fails the run, an advisory one not.
fn assert_flagged(result: &ScenarioResult, id: &str, severity: Severity) {
    let hit = outcomes(result).find(|c| c.id == id && !c.passed);
    let Some(hit) = hit else {
        panic!("expected {id} to fail:\n{}", describe(result));
    };
    assert_eq!(hit.severity, severity, "{id}:\n{}", describe(result));
    match severity {
        Severity::Required => assert_eq!(result.status, Status::Failed, "{}", describe(result)),
        Severity::Advisory => assert_eq!(result.status, Status::Passed, "{}", describe(result)),
    }
}

/// The run passed and no check failed, advisory rfc ones included. The only failures allowed
/// are the okta checks behind a failure the scenario expects (`outcome: failure`), which the
/// runner makes advisory.
fn assert_all_pass(result: &ScenarioResult) {
    assert_eq!(result.status, Status::Passed, "{}", describe(result));
    assert!(
        result.steps.iter().all(|s| s.status == Status::Passed),
        "{}",
        describe(result)
    );
    for step in &result.steps {
        // A step whose Okta action failed, as its `outcome: failure` expects.
        let expected_failure = step.okta_failure.is_some();
        let demoted = |c: &CheckOutcome| {
            expected_failure && c.kind == CheckKind::Okta && c.severity == Severity::Advisory
        };
        let failed: Vec<&CheckOutcome> = step
            .checks
            .iter()
            .filter(|c| !c.passed && !demoted(c))
            .collect();
        assert!(failed.is_empty(), "{}", describe(result));
    }
}

// ---- one case per fault ----

/// How the client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthForm {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: <token>` (Okta's Header auth).
    Header,
}

/// The flow that exposes a fault and the check that flags it.
struct Case {
    /// The app kinds whose requests reach the faulty code path.
    apps: &'static [AppKind],
    /// The scenario.
    yaml: &'static str,
    /// The check that fails, per app kind in `apps`.
    flags: fn(AppKind) -> &'static str,
    /// Its severity.
    severity: Severity,
    /// How the client authenticates.
    auth: AuthForm,
    /// Users created in the app before the scenario runs.
    seed_users: usize,
}

impl Case {
    fn new(
        apps: &'static [AppKind],
        yaml: &'static str,
        flags: fn(AppKind) -> &'static str,
    ) -> Case {
        Case {
            apps,
            yaml,
            flags,
            severity: Severity::Required,
            auth: AuthForm::Bearer,
            seed_users: 0,
        }
    }
}

const DEACTIVATE: &str = r#"
name: deactivation is applied
users: { alice: {} }
steps:
  - okta: { assign: alice }
  - okta: { deactivate: alice }
"#;

const EXISTING_USER_OTHER_CASE: &str = r#"
name: Okta links an app user whose userName differs only in case
about: The app already has the user with a lower-case userName; Okta's lookup must find it.
users:
  alice: { userName: "Alice.${run}@Example.com" }
steps:
  - request:
      method: POST
      path: /Users
      body:
        schemas: [urn:ietf:params:scim:schemas:core:2.0:User]
        userName: "alice.${run}@example.com"
    expect: { status: 201 }
    capture: { existing: "$.id" }
  - okta: { assign: alice }
    name: the lookup finds the existing user and Okta links it (no second user)
    expect:
      body: { id: "${existing}" }
"#;

const TEST_CONNECTION: &str = r#"
name: test API credentials
steps:
  - okta: test-connection
"#;

const ASSIGN: &str = r#"
name: assign a new user
users: { alice: {} }
steps:
  - okta: { assign: alice }
"#;

const ASSIGN_MIXED_CASE: &str = r#"
name: assign a user with a mixed-case userName
users:
  alice: { userName: "Alice.${run}@Example.com" }
steps:
  - okta: { assign: alice }
"#;

const REMOVE_MEMBER: &str = r#"
name: remove a member from a pushed group
users: { alice: {}, bob: {} }
groups: { eng: {} }
steps:
  - okta: { assign: alice }
  - okta: { assign: bob }
  - okta: { push: eng, members: [alice, bob] }
  - okta: { remove-members: eng, users: [bob] }
  - read: { group: eng }
    name: only bob left the group
    expect:
      jsonpath: { "$.members[*].value": ["${alice.id}"] }
"#;

const PUSH_NOW_EMPTY: &str = r#"
name: Push Now of a group that has become empty
users: { alice: {} }
groups: { eng: {} }
steps:
  - okta: { assign: alice }
  - okta: { push: eng, members: [alice] }
  - okta: { deactivate: alice }
  - okta: { push-now: eng }
  - read: { group: eng }
    name: the app group is empty
    expect:
      jsonpath: { "$.members[*].value": [] }
"#;

const PUSH_AND_RENAME: &str = r#"
name: push then rename a group
groups: { eng: {} }
steps:
  - okta: { push: eng }
  - okta: { rename: eng, to: "renamed-${run}" }
  - read: { group: eng }
    expect:
      body: { displayName: "renamed-${run}" }
"#;

const PUSH_EXISTING_NAME: &str = r#"
name: a push the app refuses fails with a readable error
groups: { eng: {} }
steps:
  - request:
      method: POST
      path: /Groups
      body:
        schemas: [urn:ietf:params:scim:schemas:core:2.0:Group]
        displayName: "${eng.name}"
    expect: { status: 201 }
  - okta: { push: eng }
    name: the app answers 409 and Okta shows its detail
    expect: { outcome: failure, status: 409 }
"#;

const REACTIVATE: &str = r#"
name: deactivate then reactivate
users: { alice: {} }
steps:
  - okta: { assign: alice }
  - okta: { deactivate: alice }
  - okta: { reactivate: alice }
"#;

const ADD_MEMBER: &str = r#"
name: add a member to a pushed group
users: { alice: {}, bob: {} }
groups: { eng: {} }
steps:
  - okta: { assign: alice }
  - okta: { assign: bob }
  - okta: { push: eng, members: [alice] }
  - okta: { add-members: eng, users: [bob] }
  - read: { group: eng }
    name: alice stays, bob joins
    expect:
      jsonpath: { "$.members[*].value": ["${alice.id}", "${bob.id}"] }
"#;

const PUSH_MEMBERS: &str = r#"
name: push a group with a member
users: { alice: {} }
groups: { eng: {} }
steps:
  - okta: { assign: alice }
  - okta: { push: eng, members: [alice] }
  - read: { group: eng }
    name: the member Okta pushed is in the app group
    expect:
      jsonpath: { "$.members[*].value": ["${alice.id}"] }
"#;

const UPDATE: &str = r#"
name: update a profile
users: { alice: {} }
steps:
  - okta: { assign: alice }
  - okta: { update: alice, set: { givenName: Alicia } }
"#;

const CREATE_TWICE: &str = r#"
name: a second create of the same userName is refused
users: { alice: {} }
steps:
  - okta: { assign: alice }
  - request:
      method: POST
      path: /Users
      body:
        schemas: [urn:ietf:params:scim:schemas:core:2.0:User]
        userName: "${alice.userName}"
    name: SPEC test step 15 expects 409
    expect: { status: 409 }
"#;

const IMPORT_USERS: &str = r#"
name: import users
steps:
  - okta: import-users
"#;

const DEACTIVATE_THEN_READ: &str = r#"
name: a deactivated user stays readable
users: { alice: {} }
steps:
  - okta: { assign: alice }
  - okta: { deactivate: alice }
  - read: { user: alice }
    name: CRUD test step 11 reads it back with active false
    expect: { status: 200, body: { active: false } }
"#;

/// The flow and check for each fault. The match is exhaustive: a new fault needs a case.
fn case_for(fault: Fault) -> Case {
    match fault {
        // OIN deactivation is a path-less PATCH: answered 200 with the user unchanged.
        Fault::PatchPathlessIgnored => Case::new(OIN, DEACTIVATE, |_| "okta.active.applied"),
        // No okta check can see a miss: the duplicate is created successfully. The scenario
        // expects Okta to link the user it already has.
        Fault::FilterUsernameCaseSensitive => {
            Case::new(BOTH, EXISTING_USER_OTHER_CASE, |_| "expect.body")
        }
        Fault::ListCountsAsStrings => {
            Case::new(BOTH, TEST_CONNECTION, |_| "okta.list.integer-counts")
        }
        Fault::CreateReturns200 => Case::new(BOTH, ASSIGN, |_| "okta.create.status"),
        Fault::CreateEmptyBody => Case::new(BOTH, ASSIGN, |_| "okta.create.body"),
        Fault::UsernameLowercased => {
            Case::new(BOTH, ASSIGN_MIXED_CASE, |_| "okta.create.user-name-echoed")
        }
        // AIW pushes membership with PUT, which this fault does not touch.
        Fault::MemberFilterRemoveIgnored | Fault::MemberFilterRemoveWipes => {
            Case::new(OIN, REMOVE_MEMBER, |_| "expect.jsonpath")
        }
        Fault::ReplaceMembersEmptyIgnored => Case::new(OIN, PUSH_NOW_EMPTY, |_| "expect.jsonpath"),
        // The reconciliation PATCH right after the push carries the id.
        Fault::RenameRejectsId => Case::new(OIN, PUSH_AND_RENAME, |_| "okta.patch.status"),
        Fault::PlainTextErrors => Case::new(BOTH, PUSH_EXISTING_NAME, |_| "okta.error-body"),
        // Reactivation's lookup misses the hidden user, so Okta POSTs and gets 409.
        Fault::DeactivatedUsersHidden => Case::new(BOTH, REACTIVATE, |_| "okta.create.status"),
        Fault::AddMembersReplaces => Case::new(OIN, ADD_MEMBER, |_| "expect.jsonpath"),
        // Driven by concurrent_add_members_lose_none, not by a scenario.
        Fault::MembershipLostUpdate => Case::new(OIN, "", |_| "expect.jsonpath"),
        Fault::MemberRequiresType => Case::new(BOTH, PUSH_MEMBERS, |_| "expect.jsonpath"),
        Fault::RejectScimContentType => Case::new(BOTH, ASSIGN, |_| "okta.create.status"),
        Fault::RejectReadOnlyInPut => Case::new(BOTH, UPDATE, |_| "okta.put.status"),
        // Okta always looks up before it creates, so only a raw repeat of the create shows it.
        Fault::DuplicateCreateAllowed => Case::new(BOTH, CREATE_TWICE, |_| "expect.status"),
        Fault::IgnorePaging => Case {
            seed_users: 150,
            ..Case::new(BOTH, IMPORT_USERS, |_| "okta.import.stable-order")
        },
        // OIN: the deactivation PATCH answers 204, which Okta accepts; only the read-back shows
        // the user is gone. AIW: the deactivation PUT answers 204 instead of 200.
        Fault::DeleteOnDeactivate => Case::new(BOTH, DEACTIVATE_THEN_READ, |app| match app {
            AppKind::Oin => "expect.status",
            AppKind::Aiw => "okta.put.status",
        }),
        Fault::BearerOnly => Case {
            auth: AuthForm::Header,
            ..Case::new(BOTH, TEST_CONNECTION, |_| "okta.list.status")
        },
    }
}

/// Creates `n` users directly (not through Okta), e.g. to make an import page.
async fn seed_users(client: &ScimClient, n: usize) {
    for i in 0..n {
        let email = format!("seed{i:03}@example.com");
        let body = json!({ "schemas": [USER_URN], "userName": email, "active": true,
            "name": { "givenName": "Seed", "familyName": format!("User{i:03}") },
            "emails": [{ "value": email, "primary": true }] });
        let exchange = client
            .send(OutgoingRequest {
                method: reqwest::Method::POST,
                path: "/Users".to_string(),
                headers: vec![(
                    "Content-Type".to_string(),
                    "application/scim+json".to_string(),
                )],
                body: Some(body.to_string()),
                auth: RequestAuth::Default,
                from_root: false,
            })
            .await;
        assert_eq!(exchange.status(), Some(201), "{}", exchange.summary());
    }
}

async fn run_case(fault: Fault, faults: &[Fault], app: AppKind) -> ScenarioResult {
    let case = case_for(fault);
    let (_server, client) = reference(faults, case.auth).await;
    seed_users(&client, case.seed_users).await;
    let scenario = load(fault.name(), case.yaml);
    run_scenario(&scenario, app, &client, OktaOptions::default()).await
}

#[rstest]
#[case::patch_pathless_ignored(Fault::PatchPathlessIgnored)]
#[case::filter_username_case_sensitive(Fault::FilterUsernameCaseSensitive)]
#[case::list_counts_as_strings(Fault::ListCountsAsStrings)]
#[case::create_returns_200(Fault::CreateReturns200)]
#[case::create_empty_body(Fault::CreateEmptyBody)]
#[case::username_lowercased(Fault::UsernameLowercased)]
#[case::member_filter_remove_ignored(Fault::MemberFilterRemoveIgnored)]
#[case::member_filter_remove_wipes(Fault::MemberFilterRemoveWipes)]
#[case::replace_members_empty_ignored(Fault::ReplaceMembersEmptyIgnored)]
#[case::rename_rejects_id(Fault::RenameRejectsId)]
#[case::plain_text_errors(Fault::PlainTextErrors)]
#[case::deactivated_users_hidden(Fault::DeactivatedUsersHidden)]
#[case::add_members_replaces(Fault::AddMembersReplaces)]
#[case::member_requires_type(Fault::MemberRequiresType)]
#[case::reject_scim_content_type(Fault::RejectScimContentType)]
#[case::reject_read_only_in_put(Fault::RejectReadOnlyInPut)]
#[case::duplicate_create_allowed(Fault::DuplicateCreateAllowed)]
#[case::ignore_paging(Fault::IgnorePaging)]
#[case::delete_on_deactivate(Fault::DeleteOnDeactivate)]
#[case::bearer_only(Fault::BearerOnly)]
#[tokio::test]
async fn fault_is_caught_and_its_flow_passes_without_it(#[case] fault: Fault) {
    let case = case_for(fault);
    for app in [AppKind::Oin, AppKind::Aiw] {
        let with = run_case(fault, &[fault], app).await;
        if case.apps.contains(&app) {
            assert_flagged(&with, (case.flags)(app), case.severity);
        } else {
            // The app kind's requests never reach the faulty code path (AIW never PATCHes).
            assert_all_pass(&with);
        }
        let without = run_case(fault, &[], app).await;
        assert_all_pass(&without);
    }
}

/// The faults tested by `fault_is_caught_and_its_flow_passes_without_it` (its cases) and by
/// `concurrent_add_members_lose_none`.
const TESTED: &[Fault] = &[
    Fault::PatchPathlessIgnored,
    Fault::FilterUsernameCaseSensitive,
    Fault::ListCountsAsStrings,
    Fault::CreateReturns200,
    Fault::CreateEmptyBody,
    Fault::UsernameLowercased,
    Fault::MemberFilterRemoveIgnored,
    Fault::MemberFilterRemoveWipes,
    Fault::ReplaceMembersEmptyIgnored,
    Fault::RenameRejectsId,
    Fault::PlainTextErrors,
    Fault::DeactivatedUsersHidden,
    Fault::AddMembersReplaces,
    Fault::MembershipLostUpdate,
    Fault::MemberRequiresType,
    Fault::RejectScimContentType,
    Fault::RejectReadOnlyInPut,
    Fault::DuplicateCreateAllowed,
    Fault::IgnorePaging,
    Fault::DeleteOnDeactivate,
    Fault::BearerOnly,
];

#[test]
fn every_fault_is_tested() {
    let tested: BTreeSet<Fault> = TESTED.iter().copied().collect();
    let all: BTreeSet<Fault> = Fault::ALL.iter().copied().collect();
    assert_eq!(tested, all, "add a case for each new fault");
    for &fault in Fault::ALL {
        let case = case_for(fault);
        assert!(!case.apps.is_empty());
        assert!(!case.yaml.is_empty() || fault == Fault::MembershipLostUpdate);
    }
}

/// RFC 7644 §3.12 makes `status` a string; Okta's SPEC test compares "401" and "404". A server
/// that writes it as a number (the `status-as-number` variant: Okta's provisioning reads only
/// the HTTP status) gets an advisory `rfc.error.status`, on a duplicate push and on a 401 alike.
#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn status_as_number_is_advisory_on_a_409(#[case] app: AppKind) {
    let (_server, client) = reference_with(&[], &[Variant::StatusAsNumber], AuthForm::Bearer).await;
    let scenario = load("status-as-number-409", PUSH_EXISTING_NAME);
    let result = run_scenario(&scenario, app, &client, OktaOptions::default()).await;
    assert_flagged(&result, "rfc.error.status", Severity::Advisory);
}

#[tokio::test]
async fn status_as_number_is_advisory_on_the_spec_test_401_too() {
    let yaml = r#"
name: a wrong token gets 401 with a SCIM error
steps:
  - request: { method: GET, path: /Users, auth: invalid }
    expect: { status: 401 }
"#;
    let (_server, client) = reference_with(&[], &[Variant::StatusAsNumber], AuthForm::Bearer).await;
    let result = run_scenario(
        &load("status-as-number-401", yaml),
        AppKind::Oin,
        &client,
        OktaOptions::default(),
    )
    .await;
    assert_flagged(&result, "rfc.error.status", Severity::Advisory);
}

/// membership-lost-update: Okta's group sync sends membership PATCHes concurrently. Eight Okta
/// engines each add one user to the same pushed group at once; then the group is read and the
/// harness's jsonpath expectation requires all eight.
#[rstest]
#[case::with_fault(&[Fault::MembershipLostUpdate], false)]
#[case::without_fault(&[], true)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_add_members_lose_none(#[case] faults: &[Fault], #[case] passes: bool) {
    const N: usize = 8;
    let (_server, client) = reference(faults, AuthForm::Bearer).await;
    let users: Vec<OktaUser> = (0..N)
        .map(|i| okta_user(&format!("user{i}"), "User", &format!("No{i}")))
        .collect();
    let mut first = engine(
        org(users, vec![group("eng", "eng-concurrent", &[])]),
        AppKind::Oin,
    );
    for i in 0..N {
        let record = first
            .assign(&client, &format!("user{i}"))
            .await
            .expect("the user exists");
        assert!(record.failure.is_none(), "{:?}", record.failure);
    }
    let record = first.push(&client, "eng", None).await.expect("eng exists");
    assert!(record.failure.is_none(), "{:?}", record.failure);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        let mut engine = OktaEngine::new(first.org.clone(), AppKind::Oin, OktaOptions::default());
        let client = client.clone();
        tasks.spawn(async move {
            let record = engine
                .add_members(&client, "eng", &[format!("user{i}")])
                .await
                .expect("eng exists");
            assert!(record.failure.is_none(), "{:?}", record.failure);
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("an add-members task");
    }
    let id = first
        .org
        .group("eng")
        .and_then(|g| g.scim_id.clone())
        .expect("eng is pushed");
    let read = client.send(first.wire().get("/Groups", &id)).await;
    let all_ids: Vec<Value> = first
        .org
        .users
        .iter()
        .map(|u| json!(u.scim_id.clone().expect("provisioned")))
        .collect();
    let expectations = Expectations {
        jsonpath: vec![("$.members[*].value".to_string(), Value::Array(all_ids))],
        ..Expectations::default()
    };
    let checks = judge_expectations(&expectations, &read);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].id, "expect.jsonpath");
    assert_eq!(checks[0].passed, passes, "{:?}", checks[0]);
}

// ---- checks no fault reaches, against scripted servers ----

/// The outcome of check `id` that failed.
fn failed<'a>(checks: &'a [CheckOutcome], id: &str) -> &'a CheckOutcome {
    checks
        .iter()
        .find(|c| c.id == id && !c.passed)
        .unwrap_or_else(|| panic!("expected {id} to fail; checks: {checks:#?}"))
}

/// `id` failed as a required check and Okta's action failed because of it.
fn assert_action_fails(record: &ActionRecord, id: &str) {
    let c = failed(&record.checks, id);
    assert_eq!(c.severity, Severity::Required, "{c:?}");
    let failure = record
        .failure
        .as_deref()
        .unwrap_or_else(|| panic!("the action should fail on {id}"));
    assert!(failure.contains(id), "{failure}");
}

/// `id` failed as an advisory check and the action still succeeded.
fn assert_advisory(record: &ActionRecord, id: &str) {
    let c = failed(&record.checks, id);
    assert_eq!(c.severity, Severity::Advisory, "{c:?}");
    assert!(record.failure.is_none(), "{:?}", record.failure);
    assert!(
        !record.checks.iter().any(CheckOutcome::is_failure),
        "{:#?}",
        record.checks
    );
}

/// No check failed, advisory ones included, and the action succeeded.
fn assert_accepted(record: &ActionRecord) {
    assert!(record.failure.is_none(), "{:?}", record.failure);
    let failed: Vec<&CheckOutcome> = record.checks.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

fn client_for(base: &str, timeout: Duration) -> ScimClient {
    let options = ClientOptions {
        timeout,
        connect_timeout: timeout,
        ..ClientOptions::default()
    };
    ScimClient::new(
        base,
        Auth::Bearer(Secret::new(TOKEN)),
        &options,
        Redactor::default(),
    )
    .expect("a client")
}

#[tokio::test]
async fn reachable_fails_on_a_closed_port() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.local_addr().expect("an address").port()
    };
    let client = client_for(
        &format!("http://127.0.0.1:{port}{BASE}"),
        Duration::from_secs(5),
    );
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.test_connection(&client).await;
    assert_action_fails(&record, "okta.reachable");
    assert_eq!(
        record.exchanges.len(),
        1,
        "Okta stops at the first failed request"
    );
    let error = record.exchanges[0]
        .error
        .as_ref()
        .expect("a transport error")
        .to_string();
    assert!(error.contains("could not connect"), "{error}");
}

/// A server that accepts connections and never answers: each step reports the timeout, and the
/// run does not hang.
#[tokio::test]
async fn reachable_fails_per_step_when_the_server_never_answers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("an address");
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = client_for(&format!("http://{addr}{BASE}"), Duration::from_secs(1));
    let yaml = r#"
name: a silent server
users: { alice: {} }
steps:
  - okta: test-connection
  - okta: { assign: alice }
"#;
    let started = Instant::now();
    let result = run_scenario(
        &load("silent", yaml),
        AppKind::Oin,
        &client,
        OktaOptions::default(),
    )
    .await;
    let took = started.elapsed();
    silent.abort();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_flagged(&result, "okta.reachable", Severity::Required);
    let first = &result.steps[0];
    assert_eq!(first.status, Status::Failed);
    let c = failed(&first.checks, "okta.reachable");
    assert!(c.actual.contains("timed out"), "{c:?}");
    assert_eq!(
        result.steps[1].status,
        Status::Skipped,
        "{}",
        describe(&result)
    );
    // The engine alone, for the second action: its own timeout, its own report.
    let mut engine = engine(org(vec![alice()], vec![]), AppKind::Oin);
    let started = Instant::now();
    let record = engine.assign(&client, "alice").await.expect("alice exists");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_action_fails(&record, "okta.reachable");
}

async fn probe(fake: &Fake, users: ResponseTemplate) -> ActionRecord {
    fake.on("GET", "/Users", users).await;
    fake.on("GET", "/Groups", scim(200, &list_json(0, 1, vec![])))
        .await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    engine.test_connection(&fake.client()).await
}

#[tokio::test]
async fn list_status_fails_on_a_server_error() {
    let fake = Fake::start().await;
    let error = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "boom", "status": "500" });
    let record = probe(&fake, scim(500, &error)).await;
    assert_action_fails(&record, "okta.list.status");
}

#[rstest]
#[case::bare_array(ResponseTemplate::new(200).set_body_raw("[]", SCIM_JSON))]
#[case::null(ResponseTemplate::new(200).set_body_raw("null", SCIM_JSON))]
#[case::empty(ResponseTemplate::new(200))]
#[tokio::test]
async fn list_body_fails_on_no_list_response(#[case] answer: ResponseTemplate) {
    let fake = Fake::start().await;
    let record = probe(&fake, answer).await;
    assert_action_fails(&record, "okta.list.body");
}

#[tokio::test]
async fn list_resources_fails_when_resources_are_missing() {
    let fake = Fake::start().await;
    let body =
        json!({ "schemas": [LIST_URN], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1 });
    let record = probe(&fake, scim(200, &body)).await;
    assert_action_fails(&record, "okta.list.resources");
}

#[tokio::test]
async fn list_integer_counts_fails_on_strings() {
    let fake = Fake::start().await;
    let body = json!({ "schemas": [LIST_URN], "totalResults": "0", "startIndex": "1", "itemsPerPage": "0", "Resources": [] });
    let record = probe(&fake, scim(200, &body)).await;
    assert_action_fails(&record, "okta.list.integer-counts");
}

#[tokio::test]
async fn list_schema_is_advisory() {
    let fake = Fake::start().await;
    let body = json!({ "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": [] });
    let record = probe(&fake, scim(200, &body)).await;
    assert_advisory(&record, "rfc.list.schema");
}

#[tokio::test]
async fn json_body_fails_on_invalid_json() {
    let fake = Fake::start().await;
    let record = probe(
        &fake,
        ResponseTemplate::new(200).set_body_raw("{\"Resources\": [", "application/json"),
    )
    .await;
    let c = failed(&record.checks, "rfc.json-body");
    assert_eq!(c.kind, CheckKind::Rfc);
    assert_eq!(c.severity, Severity::Required);
    assert!(c.is_failure());
}

/// Import pages that repeat a resource: the second page starts with the first page's last user.
#[tokio::test]
async fn import_stable_order_fails_when_pages_repeat_a_resource() {
    let fake = Fake::start().await;
    let users = imported_users(&fake, 0..150);
    fake.on_query(
        "/Users",
        "startIndex",
        "1",
        scim(200, &list_json(150, 1, users[..100].to_vec())),
    )
    .await;
    fake.on_query(
        "/Users",
        "startIndex",
        "101",
        scim(200, &list_json(150, 101, users[99..149].to_vec())),
    )
    .await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Aiw);
    let record = engine.import(&fake.client(), "/Users").await;
    let c = failed(&record.checks, "okta.import.stable-order");
    assert!(c.actual.contains("u-user099"), "{c:?}");
    assert!(record.failure.is_some());
}

/// A server whose pages hold fewer resources than its `totalResults` counts: Okta's import
/// misses the rest. Here page one holds 100 of 150, page two (startIndex 101) 20, and the page
/// after it (startIndex 121) none.
#[tokio::test]
async fn import_complete_fails_when_the_pages_hold_fewer_than_total_results() {
    let fake = Fake::start().await;
    let users = imported_users(&fake, 0..150);
    fake.on_query(
        "/Users",
        "startIndex",
        "1",
        scim(200, &list_json(150, 1, users[..100].to_vec())),
    )
    .await;
    fake.on_query(
        "/Users",
        "startIndex",
        "101",
        scim(200, &list_json(150, 101, users[100..120].to_vec())),
    )
    .await;
    // After the short page the import goes on from where it ended, and finds nothing more.
    fake.on_query(
        "/Users",
        "startIndex",
        "121",
        scim(200, &list_json(150, 121, vec![])),
    )
    .await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.import(&fake.client(), "/Users").await;
    let c = failed(&record.checks, "okta.import.complete");
    assert_eq!(c.actual, "120 seen", "{c:?}");
    assert!(record.failure.is_some());
}

/// A page shorter than asked (the `page-size-50` variant): the default paging goes on from
/// where the page ended and sees every user; with `--import-paging fixed` (100 further after
/// every page, the other reading of okta-reference.md §1.2) the import misses users 51 to 100
/// of each hundred, and `okta.import.complete` says so.
#[rstest]
#[case::follow_short_pages(okscim::okta::ImportPaging::FollowShortPages, true)]
#[case::fixed(okscim::okta::ImportPaging::Fixed, false)]
#[tokio::test]
async fn a_short_page_is_followed_by_default_and_missed_by_fixed_paging(
    #[case] paging: okscim::okta::ImportPaging,
    #[case] complete: bool,
) {
    let (_server, client) = reference_with(&[], &[Variant::PageSize50], AuthForm::Bearer).await;
    seed_users(&client, 120).await;
    let options = OktaOptions {
        import_paging: paging,
        ..OktaOptions::default()
    };
    let mut engine = OktaEngine::new(org(vec![], vec![]), AppKind::Oin, options);
    let record = engine.import(&client, "/Users").await;
    let missed = record
        .checks
        .iter()
        .any(|c| c.id == "okta.import.complete" && !c.passed);
    assert_eq!(!missed, complete, "{:?}", record.notes);
    if complete {
        assert_eq!(record.notes, ["120 scanned, 120 importable"]);
    }
}

/// Scripts the lookup of alice and, for a create, the POST's answer.
async fn assign_against(
    fake: &Fake,
    lookup: ResponseTemplate,
    created: Option<ResponseTemplate>,
) -> ActionRecord {
    fake.on_query("/Users", "filter", ALICE_FILTER, lookup)
        .await;
    if let Some(created) = created {
        fake.on("POST", "/Users", created).await;
    }
    let uri = fake.uri();
    fake.on(
        "GET",
        "/Users/u-alice",
        scim(200, &user_json(&uri, &alice_fixture(), true)),
    )
    .await;
    fake.on("PUT", "/Users/u-alice", echo(200)).await;
    fake.on(
        "PATCH",
        "/Users/u-alice",
        scim(200, &user_json(&uri, &alice_fixture(), true)),
    )
    .await;
    let mut engine = engine(org(vec![alice_fixture()], vec![]), AppKind::Oin);
    engine
        .assign(&fake.client(), "alice")
        .await
        .expect("alice exists")
}

/// alice with a fixed Okta id, so that scripted answers and the org agree.
fn alice_fixture() -> OktaUser {
    let mut a = alice();
    a.okta_id = "00u0000000000000alice".to_string();
    a
}

fn empty_list() -> ResponseTemplate {
    scim(200, &list_json(0, 1, vec![]))
}

/// A correct 201 for alice, changed by `edit`.
fn created(uri: &str, edit: impl FnOnce(&mut Value)) -> ResponseTemplate {
    let mut body = user_json(uri, &alice_fixture(), true);
    edit(&mut body);
    scim(201, &body).insert_header("Location", location(uri, "Users", "u-alice"))
}

#[tokio::test]
async fn find_match_fails_when_the_filter_answers_another_user() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let other = user_json(&uri, &bob(), true);
    let record = assign_against(&fake, scim(200, &list_json(1, 1, vec![other])), None).await;
    assert_action_fails(&record, "okta.find.match");
    assert_eq!(record.exchanges.len(), 1, "Okta must not link bob as alice");
}

#[tokio::test]
async fn find_unique_is_advisory_when_the_filter_answers_two() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let first = user_json(&uri, &alice_fixture(), true);
    let mut second = first.clone();
    second["id"] = json!("u-alice-2");
    let record = assign_against(
        &fake,
        scim(200, &list_json(2, 1, vec![first, second])),
        None,
    )
    .await;
    assert_advisory(&record, "okta.find.unique");
    assert_eq!(
        record.exchanges[1].request.path, "/Users/u-alice",
        "Okta links the first result"
    );
}

#[tokio::test]
async fn create_id_fails_without_an_id() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let record = assign_against(
        &fake,
        empty_list(),
        Some(created(&uri, |b| {
            b.as_object_mut().map(|o| o.remove("id"));
        })),
    )
    .await;
    assert_action_fails(&record, "okta.create.id");
}

#[tokio::test]
async fn create_active_fails_when_the_user_is_created_inactive() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let record = assign_against(
        &fake,
        empty_list(),
        Some(created(&uri, |b| b["active"] = json!(false))),
    )
    .await;
    assert_action_fails(&record, "okta.create.active");
}

#[tokio::test]
async fn create_name_fails_when_names_are_not_echoed() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let record = assign_against(
        &fake,
        empty_list(),
        Some(created(&uri, |b| b["name"]["givenName"] = json!("ALICE"))),
    )
    .await;
    assert_action_fails(&record, "okta.create.name");
}

#[tokio::test]
async fn create_location_is_advisory() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let no_location = scim(201, &user_json(&uri, &alice_fixture(), true));
    let record = assign_against(&fake, empty_list(), Some(no_location)).await;
    assert_advisory(&record, "rfc.create.location");
}

#[tokio::test]
async fn password_never_returned_is_advisory() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let record = assign_against(
        &fake,
        empty_list(),
        Some(created(&uri, |b| b["password"] = json!("1mz050nq"))),
    )
    .await;
    assert_advisory(&record, "rfc.password.never-returned");
}

#[tokio::test]
async fn resource_schemas_and_meta_are_advisory() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let record = assign_against(
        &fake,
        empty_list(),
        Some(created(&uri, |b| {
            let o = b.as_object_mut().expect("an object");
            o.remove("schemas");
            o.remove("meta");
        })),
    )
    .await;
    assert_advisory(&record, "rfc.resource.schemas");
    assert_advisory(&record, "rfc.resource.meta");
}

/// Scripts alice's GET (and PUT/PATCH) and runs `update` (GET + PUT) on a provisioned alice.
async fn update_against(fake: &Fake, read: ResponseTemplate, app: AppKind) -> ActionRecord {
    fake.on("GET", "/Users/u-alice", read).await;
    fake.on("PUT", "/Users/u-alice", echo(200)).await;
    let mut engine = engine(org(vec![provisioned(alice_fixture())], vec![]), app);
    let set = json!({ "givenName": "Alicia" });
    engine
        .update(&fake.client(), "alice", set.as_object().expect("an object"))
        .await
        .expect("alice exists")
}

#[tokio::test]
async fn read_status_fails_when_the_user_is_gone() {
    let fake = Fake::start().await;
    let error = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "no such user", "status": "404" });
    let record = update_against(&fake, scim(404, &error), AppKind::Aiw).await;
    assert_action_fails(&record, "okta.read.status");
    assert_eq!(record.exchanges.len(), 1, "no PUT without the resource");
}

#[tokio::test]
async fn read_id_fails_when_another_resource_answers() {
    let fake = Fake::start().await;
    let mut body = user_json(&fake.uri(), &alice_fixture(), true);
    body["id"] = json!("u-someone-else");
    let record = update_against(&fake, scim(200, &body), AppKind::Oin).await;
    assert_action_fails(&record, "okta.read.id");
}

#[tokio::test]
async fn read_active_fails_without_active() {
    let fake = Fake::start().await;
    let mut body = user_json(&fake.uri(), &alice_fixture(), true);
    body.as_object_mut().map(|o| o.remove("active"));
    let record = update_against(&fake, scim(200, &body), AppKind::Aiw).await;
    assert_action_fails(&record, "okta.read.active");
}

#[tokio::test]
async fn etag_version_is_advisory() {
    let fake = Fake::start().await;
    let body = user_json(&fake.uri(), &alice_fixture(), true);
    let read = scim(200, &body).insert_header("ETag", "W/\"2\"");
    let record = update_against(&fake, read, AppKind::Oin).await;
    assert_advisory(&record, "rfc.etag.version");
}

/// An error without the Error schema: Okta cannot read it (okta.error-body), and RFC 7644
/// §3.12 is broken (rfc.error.schema).
#[tokio::test]
async fn error_body_and_error_schema_fail_without_the_error_urn() {
    let fake = Fake::start().await;
    let error = json!({ "detail": "no such user", "status": "404" });
    let record = update_against(&fake, scim(404, &error), AppKind::Oin).await;
    assert_action_fails(&record, "okta.error-body");
    let c = failed(&record.checks, "rfc.error.schema");
    assert_eq!(c.severity, Severity::Advisory);
}

#[tokio::test]
async fn error_status_is_advisory_when_it_is_a_number() {
    let fake = Fake::start().await;
    let error = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "no such user", "status": 404 });
    let record = update_against(&fake, scim(404, &error), AppKind::Oin).await;
    let c = failed(&record.checks, "rfc.error.status");
    assert_eq!(c.severity, Severity::Advisory);
    assert!(
        record
            .checks
            .iter()
            .any(|c| c.id == "okta.error-body" && c.passed)
    );
}

#[tokio::test]
async fn put_status_fails_on_204() {
    let fake = Fake::start().await;
    fake.on(
        "GET",
        "/Users/u-alice",
        scim(200, &user_json(&fake.uri(), &alice_fixture(), true)),
    )
    .await;
    fake.on("PUT", "/Users/u-alice", ResponseTemplate::new(204))
        .await;
    let mut engine = engine(
        org(vec![provisioned(alice_fixture())], vec![]),
        AppKind::Aiw,
    );
    let record = engine
        .deactivate(&fake.client(), "alice")
        .await
        .expect("alice exists");
    assert_action_fails(&record, "okta.put.status");
}

/// Okta does not fall back from PATCH to PUT: a 501 fails the deprovisioning task.
#[tokio::test]
async fn patch_status_fails_on_501() {
    let fake = Fake::start().await;
    let error = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "PATCH is not implemented", "status": "501" });
    fake.on("PATCH", "/Users/u-alice", scim(501, &error)).await;
    let mut engine = engine(
        org(vec![provisioned(alice_fixture())], vec![]),
        AppKind::Oin,
    );
    let record = engine
        .deactivate(&fake.client(), "alice")
        .await
        .expect("alice exists");
    assert_action_fails(&record, "okta.patch.status");
    assert_eq!(record.exchanges.len(), 1, "no PUT fallback");
}

#[tokio::test]
async fn active_applied_fails_when_the_patch_answer_is_unchanged() {
    let fake = Fake::start().await;
    fake.on(
        "PATCH",
        "/Users/u-alice",
        scim(200, &user_json(&fake.uri(), &alice_fixture(), true)),
    )
    .await;
    let mut engine = engine(
        org(vec![provisioned(alice_fixture())], vec![]),
        AppKind::Oin,
    );
    let record = engine
        .deactivate(&fake.client(), "alice")
        .await
        .expect("alice exists");
    assert_action_fails(&record, "okta.active.applied");
}

#[rstest]
#[case::not_found(404)]
#[case::method_not_allowed(405)]
#[tokio::test]
async fn delete_status_fails_when_the_group_is_not_deleted(#[case] status: u16) {
    let fake = Fake::start().await;
    let error = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "cannot delete", "status": status.to_string() });
    fake.on("DELETE", "/Groups/g-eng", scim(status, &error))
        .await;
    let mut engine = engine(
        org(vec![], vec![pushed(group("eng", "Engineering", &[]))]),
        AppKind::Oin,
    );
    let record = engine
        .unlink(&fake.client(), "eng", true)
        .await
        .expect("eng is pushed");
    assert_action_fails(&record, "okta.delete.status");
}

/// Lenient scripted answers for scenarios whose names carry `${run}`: every lookup misses and
/// every create is echoed with an id, with `content_type`.
async fn lenient_server(fake: &Fake, content_type: &'static str) {
    let uri = fake.uri();
    fake.on(
        "GET",
        "/Users",
        ResponseTemplate::new(200).set_body_raw(list_json(0, 1, vec![]).to_string(), content_type),
    )
    .await;
    fake.on("POST", "/Users", move |request: &Request| {
        let mut user: Value = request.body_json().expect("a JSON body");
        let o = user.as_object_mut().expect("an object");
        o.remove("password");
        o.insert("id".into(), json!("u-1"));
        o.insert(
            "meta".into(),
            json!({ "resourceType": "User", "location": location(&uri, "Users", "u-1") }),
        );
        ResponseTemplate::new(201)
            .set_body_raw(user.to_string(), content_type)
            .insert_header("Location", location(&uri, "Users", "u-1"))
    })
    .await;
}

/// `text/json` (as in Okta's own doc examples) is an advisory rfc finding only: the step passes.
#[tokio::test]
async fn content_type_text_json_is_advisory_and_the_step_passes() {
    let fake = Fake::start().await;
    lenient_server(&fake, "text/json;charset=UTF-8").await;
    let result = run_scenario(
        &load("text-json", ASSIGN),
        AppKind::Oin,
        &fake.client(),
        OktaOptions::default(),
    )
    .await;
    assert_flagged(&result, "rfc.content-type", Severity::Advisory);
    assert_eq!(
        result.steps[0].status,
        Status::Passed,
        "{}",
        describe(&result)
    );
    assert!(
        outcomes(&result).all(|c| c.passed || c.id == "rfc.content-type"),
        "{}",
        describe(&result)
    );
}

#[tokio::test]
async fn expect_header_fails_when_the_scenario_asks_for_another_media_type() {
    let fake = Fake::start().await;
    lenient_server(&fake, "text/json").await;
    let yaml = r#"
name: the app answers SCIM JSON
users: { alice: {} }
steps:
  - okta: { assign: alice }
    expect:
      status: 201
      headers: { content-type: application/scim+json }
"#;
    let result = run_scenario(
        &load("expect-header", yaml),
        AppKind::Aiw,
        &fake.client(),
        OktaOptions::default(),
    )
    .await;
    assert_flagged(&result, "expect.header", Severity::Required);
    assert!(outcomes(&result).any(|c| c.id == "expect.status" && c.passed));
}

/// The SPEC test's "is not empty" and "is a number" assertions, and its response-time budget:
/// each fails when the answer breaks it and passes when it holds.
#[tokio::test]
async fn expect_non_empty_type_and_duration_fail_when_the_answer_breaks_them() {
    let (_server, client) = reference(&[], AuthForm::Bearer).await;
    let yaml = r#"
name: SPEC-style assertions
users: { alice: {} }
steps:
  - okta: { assign: alice }
  - request: { method: GET, path: /Users, query: { count: "1", startIndex: "1" } }
    expect:
      non_empty: ["$.Resources[0].id", "$.Resources[0].userName"]
      types: { "$.totalResults": integer, "$.startIndex": number }
      within_ms: 60000
  - request: { method: GET, path: /Users, query: { count: "1", startIndex: "1" } }
    expect:
      non_empty: ["$.Resources[0].nickName"]
  - request: { method: GET, path: /Users, query: { count: "1", startIndex: "1" } }
    expect:
      types: { "$.Resources": object }
  - request: { method: GET, path: /Users, query: { count: "1", startIndex: "1" } }
    expect:
      within_ms: 1
      advisory: { within_ms: 1, basis: a budget the SPEC test only reports }
"#;
    let scenario = load("expect-spec-style", yaml);
    let result = run_scenario(&scenario, AppKind::Oin, &client, OktaOptions::default()).await;
    let step = |i: usize| &result.steps[i];
    assert!(
        step(1)
            .checks
            .iter()
            .filter(|c| c.id.starts_with("expect."))
            .all(|c| c.passed),
        "{:#?}",
        step(1).checks
    );
    assert_eq!(
        step(1)
            .checks
            .iter()
            .filter(|c| c.id.starts_with("expect."))
            .count(),
        5
    );
    // The later steps are skipped after the first failure; run each alone to see each fail.
    for (index, id) in [(2, "expect.non-empty"), (3, "expect.type")] {
        let mut one = scenario.clone();
        one.steps = vec![scenario.steps[0].clone(), scenario.steps[index].clone()];
        let r = run_scenario(&one, AppKind::Oin, &client, OktaOptions::default()).await;
        assert_flagged(&r, id, Severity::Required);
    }
    // 1 ms is too short for an answer that does come over loopback only when the machine is
    // very fast; a 0 ms budget can never be met.
    let mut slow = scenario.clone();
    let mut last = scenario.steps[4].clone();
    last.expect.assert.within_ms = Some(0);
    last.expect.advisory = None;
    slow.steps = vec![scenario.steps[0].clone(), last];
    let r = run_scenario(&slow, AppKind::Oin, &client, OktaOptions::default()).await;
    assert_flagged(&r, "expect.duration", Severity::Required);
}

#[tokio::test]
async fn expect_requests_counts_what_a_step_sent() {
    let (_server, client) = reference(&[], AuthForm::Bearer).await;
    let yaml = r#"
name: suspend sends nothing, assign sends two
users: { alice: {} }
steps:
  - okta: { assign: alice }
    expect: { requests: 2 }
  - okta: { suspend: alice }
    expect: { requests: 0 }
"#;
    let result = run_scenario(
        &load("expect-requests", yaml),
        AppKind::Oin,
        &client,
        OktaOptions::default(),
    )
    .await;
    assert!(
        !result.failed(),
        "{}",
        okscim::report::failure_text(&result)
    );
    let wrong = r#"
name: suspend is wrongly expected to send a request
users: { alice: {} }
steps:
  - okta: { assign: alice }
  - okta: { suspend: alice }
    expect: { requests: 1 }
"#;
    let result = run_scenario(
        &load("expect-requests-wrong", wrong),
        AppKind::Oin,
        &client,
        OktaOptions::default(),
    )
    .await;
    assert_flagged(&result, "expect.requests", Severity::Required);
}

#[tokio::test]
async fn expect_outcome_fails_when_an_expected_failure_succeeds() {
    let (_server, client) = reference(&[], AuthForm::Bearer).await;
    let yaml = r#"
name: the app refuses alice
users: { alice: {} }
steps:
  - okta: { assign: alice }
    expect: { outcome: failure }
"#;
    let result = run_scenario(
        &load("expect-outcome", yaml),
        AppKind::Oin,
        &client,
        OktaOptions::default(),
    )
    .await;
    assert_flagged(&result, "expect.outcome", Severity::Required);
}

/// Linking a group the app does not have fails Okta's action; the step must fail even though
/// no response check failed.
#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn an_okta_failure_without_a_failed_check_fails_the_step(#[case] app: AppKind) {
    let (_server, client) = reference(&[], AuthForm::Bearer).await;
    let yaml = r#"
name: link a group the app does not have
groups: { eng: {} }
steps:
  - okta: { link: eng }
"#;
    let result = run_scenario(
        &load("link-missing", yaml),
        app,
        &client,
        OktaOptions::default(),
    )
    .await;
    assert_eq!(result.status, Status::Failed, "{}", describe(&result));
    assert!(
        result.steps[0].okta_failure.is_some(),
        "{}",
        describe(&result)
    );
    assert_flagged(&result, "expect.outcome", Severity::Required);
    // Expected, it passes.
    let yaml = r#"
name: linking a group the app does not have fails
groups: { eng: {} }
steps:
  - okta: { link: eng }
    expect: { outcome: failure }
"#;
    let result = run_scenario(
        &load("link-missing-expected", yaml),
        app,
        &client,
        OktaOptions::default(),
    )
    .await;
    assert_all_pass(&result);
}

// ---- what Okta accepts is not flagged ----

#[tokio::test]
async fn accepts_204_without_a_body_to_a_patch() {
    let fake = Fake::start().await;
    fake.on("PATCH", "/Users/u-alice", ResponseTemplate::new(204))
        .await;
    let mut engine = engine(
        org(vec![provisioned(alice_fixture())], vec![]),
        AppKind::Oin,
    );
    let record = engine
        .deactivate(&fake.client(), "alice")
        .await
        .expect("alice exists");
    assert_accepted(&record);
    assert_eq!(record.exchanges.len(), 1);
}

#[tokio::test]
async fn accepts_404_for_a_filter_miss() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let error = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "no user matches", "status": "404" });
    let record = assign_against(&fake, scim(404, &error), Some(created(&uri, |_| {}))).await;
    assert_accepted(&record);
    assert_eq!(
        record.exchanges.len(),
        2,
        "the 404 means not found: Okta creates"
    );
    assert_eq!(record.exchanges[1].request.method, "POST");
}

#[tokio::test]
async fn accepts_a_lookup_answer_in_another_case() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let mut found = user_json(&uri, &alice_fixture(), true);
    found["userName"] = json!("ALICE.SMITH@EXAMPLE.COM");
    let record = assign_against(&fake, scim(200, &list_json(1, 1, vec![found])), None).await;
    assert_accepted(&record);
}

#[tokio::test]
async fn accepts_lower_case_list_keys() {
    let lower = |items: Vec<Value>| {
        json!({
            "schemas": [LIST_URN],
            "totalresults": items.len(),
            "startindex": 1,
            "itemsperpage": items.len(),
            "resources": items,
        })
    };
    // The connection probe.
    let fake = Fake::start().await;
    let record = probe(&fake, scim(200, &lower(vec![]))).await;
    assert_accepted(&record);
    // The lookup before create finds alice: Okta links her.
    let fake = Fake::start().await;
    let found = user_json(&fake.uri(), &alice_fixture(), true);
    let record = assign_against(&fake, scim(200, &lower(vec![found.clone()])), None).await;
    assert_accepted(&record);
    assert_eq!(record.exchanges.len(), 3, "found: GET and PUT to link");
    // An import.
    let fake = Fake::start().await;
    fake.on("GET", "/Users", scim(200, &lower(vec![found])))
        .await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.import(&fake.client(), "/Users").await;
    assert_accepted(&record);
    assert_eq!(record.notes, ["1 scanned, 1 importable"]);
}

#[tokio::test]
async fn accepts_members_null_in_a_patch_answer() {
    let fake = Fake::start().await;
    let mut body = group_json(&fake.uri(), "eng", "Engineering", &[]);
    body["members"] = Value::Null;
    fake.on("PATCH", "/Groups/g-eng", scim(200, &body)).await;
    let eng = pushed(group("eng", "Engineering", &["alice"]));
    let mut engine = engine(
        org(
            vec![provisioned(alice_fixture()), provisioned(bob())],
            vec![eng],
        ),
        AppKind::Oin,
    );
    let record = engine
        .add_members(&fake.client(), "eng", &["bob".to_string()])
        .await
        .expect("eng exists");
    assert_accepted(&record);
    assert_eq!(
        record.exchanges.len(),
        2,
        "rename alongside, then the membership"
    );
}

#[tokio::test]
async fn accepts_text_json_on_every_kind_of_answer() {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let text_json = |status: u16, body: &Value| {
        ResponseTemplate::new(status).set_body_raw(body.to_string(), "text/json;charset=UTF-8")
    };
    fake.on_query(
        "/Users",
        "filter",
        ALICE_FILTER,
        text_json(200, &list_json(0, 1, vec![])),
    )
    .await;
    fake.on(
        "POST",
        "/Users",
        text_json(201, &user_json(&uri, &alice_fixture(), true))
            .insert_header("Location", location(&uri, "Users", "u-alice")),
    )
    .await;
    let mut engine = engine(org(vec![alice_fixture()], vec![]), AppKind::Oin);
    let record = engine
        .assign(&fake.client(), "alice")
        .await
        .expect("alice exists");
    assert!(record.failure.is_none(), "{:?}", record.failure);
    assert!(
        !record.checks.iter().any(CheckOutcome::is_failure),
        "{:#?}",
        record.checks
    );
    let only: BTreeSet<&str> = record
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.id)
        .collect();
    assert_eq!(only, BTreeSet::from(["rfc.content-type"]));
}

/// With the 2019 header set the harness asks for `gzip,deflate`; a server that honours it must
/// still be read (Okta's client decompresses what it asked for).
#[tokio::test]
async fn accepts_a_gzip_answer_it_asked_for() {
    let fake = Fake::start().await;
    let body = list_json(0, 1, vec![]).to_string();
    let gzipped = gzip_stored(body.as_bytes());
    fake.on(
        "GET",
        "/Users",
        ResponseTemplate::new(200)
            .set_body_raw(gzipped.clone(), SCIM_JSON)
            .insert_header("Content-Encoding", "gzip"),
    )
    .await;
    fake.on(
        "GET",
        "/Groups",
        ResponseTemplate::new(200)
            .set_body_raw(gzipped, SCIM_JSON)
            .insert_header("Content-Encoding", "gzip"),
    )
    .await;
    let options = OktaOptions {
        headers: HeaderStyle::Okta2019,
        ..OktaOptions::default()
    };
    let mut engine = OktaEngine::new(OktaOrg::default(), AppKind::Oin, options);
    let record = engine.test_connection(&fake.client()).await;
    assert_accepted(&record);
    assert_eq!(
        record.exchanges[0]
            .response
            .as_ref()
            .map(|r| r.body.as_str()),
        Some(body.as_str())
    );
}

/// `data` as a gzip member with one stored (uncompressed) deflate block.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    assert!(data.len() <= 0xffff);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.push(1);
    let len = data.len() as u16;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

// ---- the catalogue ----

/// Every check id in the catalogue (`okscim::check::ALL`).
fn check_ids_in_sources() -> BTreeSet<String> {
    okscim::check::ALL
        .iter()
        .map(|c| c.id.to_string())
        .collect()
}

/// Which test shows each check failing (docs/checks.md carries the same table).
const DEMONSTRATED: &[(&str, &str)] = &[
    (
        "okta.reachable",
        "`reachable_fails_on_a_closed_port`; `reachable_fails_per_step_when_the_server_never_answers` (1 s timeout, the step fails, later steps are skipped, no hang)",
    ),
    (
        "okta.complete-answer",
        "`an_endless_chunked_body_is_cut_at_the_cap` (hostile_servers.rs: an endless chunked body stops at a 1 MiB cap)",
    ),
    (
        "okta.error-body",
        "fault `plain-text-errors`; `error_body_and_error_schema_fail_without_the_error_urn`",
    ),
    (
        "okta.list.status",
        "fault `bearer-only` (Okta's Header auth gets 401); `list_status_fails_on_a_server_error`",
    ),
    ("okta.list.body", "`list_body_fails_on_no_list_response`"),
    (
        "okta.list.integer-counts",
        "fault `list-counts-as-strings`; `list_integer_counts_fails_on_strings`",
    ),
    (
        "okta.list.resources",
        "`list_resources_fails_when_resources_are_missing`",
    ),
    (
        "okta.find.match",
        "`find_match_fails_when_the_filter_answers_another_user` (no link happens)",
    ),
    (
        "okta.find.unique",
        "`find_unique_is_advisory_when_the_filter_answers_two`",
    ),
    (
        "okta.create.status",
        "faults `create-returns-200`, `reject-scim-content-type` (415), `deactivated-users-hidden` (reactivation's lookup misses, POST gets 409)",
    ),
    ("okta.create.body", "fault `create-empty-body`"),
    ("okta.create.id", "`create_id_fails_without_an_id`"),
    (
        "okta.create.user-name-echoed",
        "fault `username-lowercased`",
    ),
    (
        "okta.create.active",
        "`create_active_fails_when_the_user_is_created_inactive`",
    ),
    (
        "okta.create.name",
        "`create_name_fails_when_names_are_not_echoed`",
    ),
    (
        "okta.read.status",
        "`read_status_fails_when_the_user_is_gone` (no PUT follows)",
    ),
    (
        "okta.read.id",
        "`read_id_fails_when_another_resource_answers`",
    ),
    ("okta.read.active", "`read_active_fails_without_active`"),
    (
        "okta.put.status",
        "faults `reject-read-only-in-put`, `delete-on-deactivate` (AIW: 204); `put_status_fails_on_204`",
    ),
    (
        "okta.patch.status",
        "fault `rename-rejects-id` (the reconciliation PATCH after a push); `patch_status_fails_on_501`",
    ),
    (
        "okta.active.applied",
        "fault `patch-pathless-ignored`; `active_applied_fails_when_the_patch_answer_is_unchanged`",
    ),
    (
        "okta.delete.status",
        "`delete_status_fails_when_the_group_is_not_deleted` (404, 405)",
    ),
    (
        "okta.import.complete",
        "`import_complete_fails_when_the_pages_hold_fewer_than_total_results`; `a_short_page_is_followed_by_default_and_missed_by_fixed_paging` (variant `page-size-50` with `--import-paging fixed`)",
    ),
    (
        "okta.import.stable-order",
        "fault `ignore-paging`; `import_stable_order_fails_when_pages_repeat_a_resource`",
    ),
    (
        "rfc.content-type",
        "`content_type_text_json_is_advisory_and_the_step_passes`",
    ),
    ("rfc.json-body", "`json_body_fails_on_invalid_json`"),
    (
        "rfc.error.schema",
        "`error_body_and_error_schema_fail_without_the_error_urn`",
    ),
    (
        "rfc.error.status",
        "variant `status-as-number` (`status_as_number_is_advisory_on_a_409`); `status_as_number_is_advisory_on_the_spec_test_401_too`; `error_status_is_advisory_when_it_is_a_number`",
    ),
    (
        "rfc.resource.schemas",
        "`resource_schemas_and_meta_are_advisory`",
    ),
    (
        "rfc.resource.meta",
        "`resource_schemas_and_meta_are_advisory`",
    ),
    ("rfc.create.location", "`create_location_is_advisory`"),
    ("rfc.list.schema", "`list_schema_is_advisory`"),
    (
        "rfc.password.never-returned",
        "`password_never_returned_is_advisory`",
    ),
    ("rfc.etag.version", "`etag_version_is_advisory`"),
    (
        "expect.status",
        "faults `duplicate-create-allowed` (a repeated POST must get 409, SPEC test step 15), `delete-on-deactivate` (OIN: the deactivated user must stay readable, CRUD test step 11)",
    ),
    ("expect.body", "fault `filter-username-case-sensitive`"),
    (
        "expect.jsonpath",
        "faults `member-filter-remove-ignored`, `member-filter-remove-wipes`, `replace-members-empty-ignored`, `add-members-replaces`, `member-requires-type`; `concurrent_add_members_lose_none` (fault `membership-lost-update`)",
    ),
    (
        "expect.header",
        "`expect_header_fails_when_the_scenario_asks_for_another_media_type`",
    ),
    (
        "expect.non-empty",
        "`expect_non_empty_type_and_duration_fail_when_the_answer_breaks_them`",
    ),
    (
        "expect.type",
        "`expect_non_empty_type_and_duration_fail_when_the_answer_breaks_them`",
    ),
    (
        "expect.duration",
        "`expect_non_empty_type_and_duration_fail_when_the_answer_breaks_them` (a 0 ms budget)",
    ),
    (
        "expect.outcome",
        "`expect_outcome_fails_when_an_expected_failure_succeeds`, `an_okta_failure_without_a_failed_check_fails_the_step`",
    ),
    (
        "expect.requests",
        "`expect_requests_counts_what_a_step_sent`",
    ),
    (
        "okta.import.user",
        "`import_user_fails_when_a_listed_user_lacks_an_email`",
    ),
    (
        "okta.import.group",
        "`import_group_fails_without_a_name_and_member_display_is_advisory`",
    ),
    (
        "okta.import.member-display",
        "`import_group_fails_without_a_name_and_member_display_is_advisory`",
    ),
    (
        "okta.rate-limit.retry-after",
        "`okta_rate_limit_retry_after_is_advisory_and_says_okta_waits_five_minutes` (tests/integration/rate_limits.rs)",
    ),
    (
        "okta.rate-limit.attempts",
        "`okta_rate_limit_attempts_fails_the_task_after_ten_429s` (tests/integration/rate_limits.rs); `--variant rate-limit` passes the bundled suite",
    ),
    (
        "okta.schema.resource-types",
        "`schema_resource_types_fails_without_resource_types`",
    ),
    (
        "okta.schema.user",
        "`schema_user_fails_when_an_extension_has_no_schema`",
    ),
    (
        "okta.entitlements.list",
        "`entitlements_list_fails_when_the_endpoint_ignores_count`",
    ),
    (
        "okta.entitlements.resource",
        "`entitlements_resource_fails_when_an_entitlement_has_no_type`",
    ),
    (
        "rfc.list.resources",
        "`rfc_list_resources_fails_a_list_with_a_count_and_no_resources`",
    ),
];

#[test]
fn every_check_is_demonstrated_and_catalogued() {
    let in_sources = check_ids_in_sources();
    assert!(in_sources.len() >= 30, "{in_sources:?}");
    let demonstrated: BTreeSet<String> =
        DEMONSTRATED.iter().map(|(id, _)| id.to_string()).collect();
    assert_eq!(
        in_sources, demonstrated,
        "each check id needs a test that shows it failing"
    );
}

/// docs/checks.md carries the tables generated from the catalogue (`okscim::check::ALL`) and
/// [`DEMONSTRATED`]; `OKSCIM_UPDATE_DOCS=1` rewrites them.
#[test]
fn the_catalogue_in_the_docs_is_generated_from_the_registry() {
    use okscim::check::{CheckKind, markdown_failures, markdown_table};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checks.md");
    let mut text = std::fs::read_to_string(&path).expect("docs/checks.md");
    let demonstrated = |id: &str| -> String {
        DEMONSTRATED
            .iter()
            .find(|(d, _)| *d == id)
            .map(|(_, how)| how.to_string())
            .unwrap_or_default()
    };
    let tables = [
        ("okta", markdown_table(CheckKind::Okta, &demonstrated)),
        ("rfc", markdown_table(CheckKind::Rfc, &demonstrated)),
        ("expect", markdown_table(CheckKind::Expect, &demonstrated)),
        ("failures", markdown_failures()),
    ];
    let mut stale = Vec::new();
    for (name, table) in tables {
        let begin = text
            .find(&format!("<!-- checks:{name}:begin"))
            .unwrap_or_else(|| panic!("docs/checks.md has no checks:{name}:begin marker"));
        let body = begin + text[begin..].find("-->\n").expect("the marker's end") + 4;
        let end = text
            .find(&format!("<!-- checks:{name}:end -->"))
            .unwrap_or_else(|| panic!("docs/checks.md has no checks:{name}:end marker"));
        if text[body..end] != table {
            stale.push(name);
            text.replace_range(body..end, &table);
        }
    }
    if std::env::var_os("OKSCIM_UPDATE_DOCS").is_some() {
        std::fs::write(&path, text).expect("write docs/checks.md");
        return;
    }
    assert!(
        stale.is_empty(),
        "docs/checks.md is out of date ({stale:?}); regenerate it with \
         OKSCIM_UPDATE_DOCS=1 cargo test --test integration catalogue"
    );
}

// ---- how Okta reads imports, schemas and entitlements ----

/// An import page whose second user has no email: Okta cannot import it as a whole user.
#[tokio::test]
async fn import_user_fails_when_a_listed_user_lacks_an_email() {
    let fake = Fake::start().await;
    let mut users = imported_users(&fake, 0..2);
    users[1].as_object_mut().expect("a user").remove("emails");
    fake.on("GET", "/Users", scim(200, &list_json(2, 1, users)))
        .await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.import(&fake.client(), "/Users").await;
    let c = failed(&record.checks, "okta.import.user");
    assert!(
        c.actual.starts_with("1 of 2") && c.actual.contains("emails[0].value"),
        "{c:?}"
    );
    assert_eq!(c.severity, Severity::Required);
}

/// A group without a name, and one whose members carry no display.
#[tokio::test]
async fn import_group_fails_without_a_name_and_member_display_is_advisory() {
    let fake = Fake::start().await;
    let groups = vec![
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
               "members": [{"value": "u1", "display": "a"}]}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g2",
               "displayName": "Two", "members": [{"value": "u1"}]}),
    ];
    fake.on("GET", "/Groups", scim(200, &list_json(2, 1, groups)))
        .await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.import(&fake.client(), "/Groups").await;
    let c = failed(&record.checks, "okta.import.group");
    assert!(c.actual.contains("\"g1\" lacks displayName"), "{c:?}");
    let d = failed(&record.checks, "okta.import.member-display");
    assert_eq!(d.severity, Severity::Advisory);
}

#[tokio::test]
async fn schema_resource_types_fails_without_resource_types() {
    let fake = Fake::start().await;
    let error = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "no such endpoint", "status": "404" });
    fake.on("GET", "/ResourceTypes", scim(404, &error)).await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.import_schema(&fake.client()).await;
    assert_action_fails(&record, "okta.schema.resource-types");
}

/// The User resource type names an extension that /Schemas does not define.
#[tokio::test]
async fn schema_user_fails_when_an_extension_has_no_schema() {
    let fake = Fake::start().await;
    let types = json!([{"id": "User", "endpoint": "/Users", "schema": USER_URN,
        "schemaExtensions": [{"schema": "urn:acme:scim:user:1.0", "required": false}]}]);
    fake.on("GET", "/ResourceTypes", scim(200, &types)).await;
    let schemas = list_json(
        1,
        1,
        vec![json!({"id": USER_URN, "attributes": [{"name": "userName"}]})],
    );
    fake.on("GET", "/Schemas", scim(200, &schemas)).await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.import_schema(&fake.client()).await;
    assert_action_fails(&record, "okta.schema.user");
    assert!(
        failed(&record.checks, "okta.schema.user")
            .actual
            .contains("urn:acme:scim:user:1.0")
    );
}

fn role_type(endpoint: &str, schema: &str) -> Value {
    json!({"id": "R", "name": "R", "endpoint": endpoint, "schema": schema})
}

/// /Roles ignores count: the Entitlements SPEC test wants itemsPerPage 1.
#[tokio::test]
async fn entitlements_list_fails_when_the_endpoint_ignores_count() {
    let fake = Fake::start().await;
    let types = list_json(
        1,
        1,
        vec![role_type("/Roles", "urn:okta:scim:schemas:core:1.0:Role")],
    );
    fake.on("GET", "/ResourceTypes", scim(200, &types)).await;
    let roles: Vec<Value> = (1..=3)
        .map(|i| json!({"id": format!("r{i}"), "displayName": format!("Role {i}")}))
        .collect();
    fake.on("GET", "/Roles", scim(200, &list_json(3, 1, roles)))
        .await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.entitlements_test(&fake.client()).await;
    assert_action_fails(&record, "okta.entitlements.list");
    assert!(
        failed(&record.checks, "okta.entitlements.list")
            .actual
            .contains("itemsPerPage 3")
    );
    let sent = &record.exchanges[1].request;
    assert_eq!(sent.path, "/Roles?count=1&startIndex=1");
    assert!(
        sent.headers
            .contains(&("User-Agent".into(), "OKTA SCIM Integration".into()))
    );
}

/// An entitlement without `type`.
#[tokio::test]
async fn entitlements_resource_fails_when_an_entitlement_has_no_type() {
    let fake = Fake::start().await;
    let types = list_json(
        1,
        1,
        vec![role_type(
            "/Licenses",
            "urn:okta:scim:schemas:core:1.0:Entitlement",
        )],
    );
    fake.on("GET", "/ResourceTypes", scim(200, &types)).await;
    let page = list_json(2, 1, vec![json!({"id": "l1", "displayName": "Pro"})]);
    fake.on("GET", "/Licenses", scim(200, &page)).await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.entitlements_test(&fake.client()).await;
    assert_action_fails(&record, "okta.entitlements.resource");
}

/// No entitlement resource type, or no /ResourceTypes at all: the test does not apply, and
/// nothing fails.
#[rstest]
#[case::only_users(scim(200, &list_json(1, 1, vec![role_type("/Users", USER_URN)])))]
#[case::no_endpoint(ResponseTemplate::new(404).set_body_raw("not found", "text/plain"))]
#[tokio::test]
async fn entitlements_test_does_not_apply_without_entitlements(#[case] answer: ResponseTemplate) {
    let fake = Fake::start().await;
    fake.on("GET", "/ResourceTypes", answer).await;
    let mut engine = engine(org(vec![], vec![]), AppKind::Oin);
    let record = engine.entitlements_test(&fake.client()).await;
    assert!(record.failure.is_none(), "{:?}", record.failure);
    assert!(
        !record.checks.iter().any(CheckOutcome::is_failure),
        "{:#?}",
        record.checks
    );
    assert!(record.not_applicable.is_some());
    assert_eq!(record.exchanges.len(), 1);
}

/// A scenario's own list request answered with a count and no `Resources`, as SPEC test
/// step 19's script forbids; `count=0` asks for exactly that and passes.
#[rstest]
#[case::counted("/Groups", true)]
#[case::count_zero("/Groups?count=0", false)]
#[tokio::test]
async fn rfc_list_resources_fails_a_list_with_a_count_and_no_resources(
    #[case] request: &str,
    #[case] fails: bool,
) {
    let fake = Fake::start().await;
    let body =
        json!({ "schemas": [LIST_URN], "totalResults": 2, "startIndex": 1, "itemsPerPage": 0 });
    fake.on("GET", "/Groups", scim(200, &body)).await;
    let (path, query) = request.split_once('?').unwrap_or((request, ""));
    let query = if query.is_empty() {
        String::new()
    } else {
        ", query: { count: \"0\" }".to_string()
    };
    let scenario = load(
        "list-resources",
        &format!("name: list\nsteps:\n  - request: {{ method: GET, path: {path}{query} }}\n"),
    );
    let result = run_scenario(
        &scenario,
        AppKind::Oin,
        &fake.client(),
        OktaOptions::default(),
    )
    .await;
    let c = outcomes(&result).find(|c| c.id == "rfc.list.resources");
    if fails {
        let c = c.expect("judged");
        assert!(c.is_failure() && c.kind == CheckKind::Rfc, "{c:?}");
        assert_eq!(result.status, Status::Failed);
    } else {
        assert!(c.is_none(), "{c:?}");
    }
}

/// One run of the bundled concurrent-add-members scenario (the lost-update fault's).
async fn run_concurrent_add_members(faults: &[Fault]) -> ScenarioResult {
    let (_server, client) = reference(faults, AuthForm::Bearer).await;
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/groups/concurrent-add-members.yaml");
    let scenario = scenario::load_all(&[path])
        .expect("the bundled scenario loads")
        .remove(0);
    run_scenario(&scenario, AppKind::Oin, &client, OktaOptions::default()).await
}

/// `okscim diff` between a clean server and one with a fault names the step and the path the
/// fault changes, for each fault; between two clean servers it finds nothing (issue 10).
#[tokio::test]
async fn diff_names_the_step_and_path_each_fault_changes() {
    use okscim::compare::compare_runs;
    let mut verdict_only = Vec::new();
    for &fault in TESTED {
        let app = case_for(fault).apps[0];
        let (clean, faulty) = if fault == Fault::MembershipLostUpdate {
            (
                run_concurrent_add_members(&[]).await,
                run_concurrent_add_members(&[fault]).await,
            )
        } else {
            let again = run_case(fault, &[], app).await;
            let clean = run_case(fault, &[], app).await;
            let same = compare_runs(Some(&clean), Some(&again));
            assert!(
                !same.differs(),
                "{fault}: two clean servers differ:\n{:#?}",
                same
            );
            (clean, run_case(fault, &[fault], app).await)
        };
        let diff = compare_runs(Some(&clean), Some(&faulty));
        assert!(diff.differs(), "{fault}: no difference found");
        // A changed exchange on a named step at a JSON path; or, where the transcript does not
        // hold the difference (concurrent updates, whose order is the server's; an import of
        // users the scenario did not make, which the transcript lists as a count), the step
        // whose verdict changed, with the failed check's words.
        let in_transcript = diff
            .exchanges
            .iter()
            .any(|d| d.step != "?" && d.exchange > 0 && !d.path.is_empty());
        let in_verdict = diff
            .verdicts
            .iter()
            .any(|v| v.step != "scenario" && v.b_detail.is_some());
        assert!(
            in_transcript || in_verdict,
            "{fault}: no difference names a step and a path:\n{:#?}",
            diff
        );
        if !in_transcript {
            verdict_only.push(fault);
        }
    }
    // The faults whose difference the transcript does not hold (docs/diff.md says why).
    assert_eq!(
        verdict_only, VERDICT_ONLY,
        "update docs/diff.md with the list"
    );
}

const VERDICT_ONLY: &[Fault] = &[Fault::MembershipLostUpdate, Fault::IgnorePaging];
