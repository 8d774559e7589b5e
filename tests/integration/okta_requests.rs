//! The requests okscim sends for each Okta admin action, in both app kinds, snapshot-tested byte
//! for byte (okta-reference.md §1).
//!
//! Each test starts a wiremock server scripted like a minimal correct SCIM server for the flow,
//! sets the simulated Okta org to the state the action starts from (so only the action's own
//! requests reach the server), drives [`OktaEngine`], and snapshots what wiremock received:
//! method, path and query exactly as sent (percent-encoding visible), the headers in wire order
//! (without `host` and `content-length`; the token redacted, its scheme kept), and the body bytes
//! as sent. The random parts of a create body are replaced: the placeholder password by
//! `[password]` and Okta's `00u…` user id by `[okta-id]`.
//!
//! Every test also asserts that the harness judged the scripted server correct (no check failed,
//! advisory ones included) and recorded exactly the requests that went on the wire.
//!
//! The org fixtures and the scripted-server helpers are shared with `checks_catch_faults`.

use okscim::check::CheckOutcome;
use okscim::http::{Auth, ClientOptions, Redactor, ScimClient, Secret};
use okscim::okta::{
    ActionRecord, AppKind, FilterEncoding, HeaderStyle, OktaEngine, OktaGroup, OktaOptions,
    OktaOrg, OktaUser, UserStatus, okta_id, placeholder_password,
};
use okscim::runner::{Status, run_scenario};
use rstest::rstest;
use serde_json::{Map, Value, json};
use wiremock::matchers::{any, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub(crate) const TOKEN: &str = "okscim-wire-test-token-5f1c";
pub(crate) const BASE: &str = "/scim/v2";
pub(crate) const SCIM_JSON: &str = "application/scim+json";
pub(crate) const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

// ---- the simulated Okta org ----

pub(crate) fn okta_user(alias: &str, given: &str, family: &str) -> OktaUser {
    let user_name = format!("{alias}.{}@example.com", family.to_lowercase());
    OktaUser {
        alias: alias.to_string(),
        okta_id: okta_id("00u"),
        email: user_name.clone(),
        user_name,
        given_name: given.to_string(),
        family_name: family.to_string(),
        display_name: format!("{given} {family}"),
        locale: "en-US".to_string(),
        extra: Map::new(),
        status: UserStatus::Active,
        assigned: false,
        assigned_by_groups: vec![],
        scim_id: None,
        app_active: false,
        password: Secret::new(placeholder_password()),
        synced_password: Secret::new(placeholder_password()),
    }
}

/// The user as Okta holds it after it created or linked it in the app as `u-<alias>`.
pub(crate) fn provisioned(mut user: OktaUser) -> OktaUser {
    user.assigned = true;
    user.app_active = true;
    user.scim_id = Some(format!("u-{}", user.alias));
    user
}

pub(crate) fn group(alias: &str, name: &str, members: &[&str]) -> OktaGroup {
    OktaGroup {
        alias: alias.to_string(),
        okta_id: okta_id("00g"),
        name: name.to_string(),
        members: members.iter().map(|m| m.to_string()).collect(),
        pushed: false,
        assigned: false,
        paused: false,
        scim_id: None,
    }
}

/// The group as Okta holds it after pushing or linking it as `g-<alias>`.
pub(crate) fn pushed(mut group: OktaGroup) -> OktaGroup {
    group.pushed = true;
    group.scim_id = Some(format!("g-{}", group.alias));
    group
}

pub(crate) fn alice() -> OktaUser {
    okta_user("alice", "Alice", "Smith")
}

pub(crate) fn bob() -> OktaUser {
    okta_user("bob", "Bob", "Jones")
}

pub(crate) fn org(users: Vec<OktaUser>, groups: Vec<OktaGroup>) -> OktaOrg {
    OktaOrg {
        users,
        groups,
        ..OktaOrg::default()
    }
}

pub(crate) fn engine(org: OktaOrg, app: AppKind) -> OktaEngine {
    OktaEngine::new(org, app, OktaOptions::default())
}

// ---- the scripted SCIM server ----

pub(crate) fn scim(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), SCIM_JSON)
}

pub(crate) fn location(uri: &str, endpoint: &str, id: &str) -> String {
    format!("{uri}{BASE}/{endpoint}/{id}")
}

pub(crate) fn user_json(uri: &str, user: &OktaUser, active: bool) -> Value {
    let id = format!("u-{}", user.alias);
    json!({
        "schemas": [USER_URN],
        "id": id,
        "externalId": user.okta_id,
        "userName": user.user_name,
        "name": { "givenName": user.given_name, "familyName": user.family_name },
        "emails": [{ "primary": true, "value": user.email, "type": "work" }],
        "displayName": user.display_name,
        "locale": user.locale,
        "active": active,
        "meta": {
            "resourceType": "User",
            "location": location(uri, "Users", &id),
            "version": "W/\"1\"",
        },
    })
}

pub(crate) fn group_json(uri: &str, alias: &str, name: &str, members: &[&OktaUser]) -> Value {
    let id = format!("g-{alias}");
    let members: Vec<Value> = members
        .iter()
        .map(|u| json!({ "value": format!("u-{}", u.alias), "display": u.user_name }))
        .collect();
    json!({
        "schemas": [GROUP_URN],
        "id": id,
        "displayName": name,
        "members": members,
        "meta": { "resourceType": "Group", "location": location(uri, "Groups", &id) },
    })
}

pub(crate) fn list_json(total: usize, start: usize, items: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_URN],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": items.len(),
        "Resources": items,
    })
}

/// Answers `status` with the request body as the resource, its `id` and `meta` filled in from
/// the URL: a correct PUT.
pub(crate) fn echo(status: u16) -> impl Respond {
    move |request: &Request| {
        let mut resource: Value = request.body_json().expect("a JSON PUT body");
        let url = request.url.as_str();
        let id = url.rsplit('/').next().unwrap_or_default();
        let kind = if url.contains("/Groups/") {
            "Group"
        } else {
            "User"
        };
        resource["id"] = json!(id);
        if resource.get("meta").is_none() {
            resource["meta"] = json!({ "resourceType": kind, "location": url });
        }
        scim(status, &resource)
    }
}

/// A wiremock server scripted per test, with the client okscim uses against it.
pub(crate) struct Fake {
    pub(crate) server: MockServer,
}

impl Fake {
    pub(crate) async fn start() -> Fake {
        Fake {
            server: MockServer::start().await,
        }
    }

    pub(crate) fn uri(&self) -> String {
        self.server.uri()
    }

    pub(crate) fn client(&self) -> ScimClient {
        ScimClient::new(
            &format!("{}{BASE}", self.server.uri()),
            Auth::Bearer(Secret::new(TOKEN)),
            &ClientOptions::default(),
            Redactor::default(),
        )
        .expect("a client for the mock server")
    }

    /// Answers `verb endpoint` (below the base path) with `response`.
    pub(crate) async fn on(&self, verb: &str, endpoint: &str, response: impl Respond + 'static) {
        Mock::given(method(verb))
            .and(path(format!("{BASE}{endpoint}")))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    /// Answers `GET endpoint` whose query has `name=value` (decoded) with `response`.
    pub(crate) async fn on_query(
        &self,
        endpoint: &str,
        name: &str,
        value: &str,
        response: impl Respond + 'static,
    ) {
        Mock::given(method("GET"))
            .and(path(format!("{BASE}{endpoint}")))
            .and(query_param(name, value))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    pub(crate) async fn requests(&self) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .expect("request recording is on")
    }
}

// ---- rendering what was received ----

/// Replaces the 8-character placeholder password and every `00u…` Okta user id.
fn redact_body(body: &str) -> String {
    let mut out = body.to_string();
    const KEY: &str = "\"password\":\"";
    if let Some(at) = out.find(KEY) {
        let start = at + KEY.len();
        let value = &out[start..];
        let end = value.find('"').expect("the password string ends");
        let password = &value[..end];
        assert!(
            password.len() == 8
                && password
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "Okta's placeholder password is 8 lowercase alphanumerics, got {password:?}"
        );
        out.replace_range(start..start + end, "[password]");
    }
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(at) = rest.find("\"00u") {
        let candidate = &rest[at + 1..];
        let id_len = candidate
            .bytes()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
        result.push_str(&rest[..=at]);
        if id_len == 20 && candidate.as_bytes().get(20) == Some(&b'"') {
            result.push_str("[okta-id]");
        } else {
            result.push_str(&candidate[..id_len]);
        }
        rest = &candidate[id_len..];
    }
    result.push_str(rest);
    result
}

/// One request as text: request line, headers in wire order, blank line, body bytes.
fn render_request(request: &Request) -> String {
    let target = match request.url.query() {
        Some(q) => format!("{}?{q}", request.url.path()),
        None => request.url.path().to_string(),
    };
    let mut out = format!("{} {target}\n", request.method);
    for (name, value) in &request.headers {
        if name == "host" || name == "content-length" {
            continue;
        }
        let value = value.to_str().expect("ASCII header values");
        let value = if name == "authorization" {
            value.replace(TOKEN, "[token]")
        } else {
            assert!(!value.contains(TOKEN), "the token only in Authorization");
            value.to_string()
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    if !request.body.is_empty() {
        let body = std::str::from_utf8(&request.body).expect("UTF-8 bodies");
        out.push('\n');
        out.push_str(&redact_body(body));
        out.push('\n');
    }
    out
}

/// The requests as text; the mock server's address (`uri`, random port) becomes `[server]`.
fn render(uri: &str, requests: &[Request]) -> String {
    requests
        .iter()
        .map(render_request)
        .collect::<Vec<_>>()
        .join("---\n")
        .replace(uri, "http://[server]")
}

/// The harness judged every answer correct and recorded what went on the wire.
fn assert_clean(record: &ActionRecord, requests: &[Request]) {
    assert!(
        record.failure.is_none(),
        "the action failed: {:?}",
        record.failure
    );
    let failed: Vec<&CheckOutcome> = record.checks.iter().filter(|c| !c.passed).collect();
    assert!(
        failed.is_empty(),
        "checks failed against a correct server: {failed:#?}"
    );
    assert_eq!(
        record.exchanges.len(),
        requests.len(),
        "one recorded exchange per request received"
    );
    for (exchange, request) in record.exchanges.iter().zip(requests) {
        assert_eq!(exchange.request.method, request.method.as_str());
        let target = match request.url.query() {
            Some(q) => format!("{}?{q}", request.url.path()),
            None => request.url.path().to_string(),
        };
        assert_eq!(format!("{BASE}{}", exchange.request.path), target);
    }
}

fn snapshot(fake: &Fake, name: &str, requests: &[Request]) {
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!(name.to_string(), render(&fake.uri(), requests));
    });
}

fn name(action: &str, app: AppKind) -> String {
    format!("{action}_{}", app.as_str())
}

// ---- connection and import ----

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn test_connection(#[case] app: AppKind) {
    let fake = Fake::start().await;
    fake.on("GET", "/Users", scim(200, &list_json(0, 1, vec![])))
        .await;
    fake.on("GET", "/Groups", scim(200, &list_json(0, 1, vec![])))
        .await;
    let mut engine = engine(org(vec![], vec![]), app);
    let record = engine.test_connection(&fake.client()).await;
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("test_connection", app), &requests);
}

/// Users `userNNN` for each N in `numbers`, as the app answers them on import pages
/// (`u-userNNN`).
pub(crate) fn imported_users(fake: &Fake, numbers: std::ops::Range<usize>) -> Vec<Value> {
    let uri = fake.uri();
    numbers
        .map(|i| {
            user_json(
                &uri,
                &okta_user(&format!("user{i:03}"), "User", "Imported"),
                true,
            )
        })
        .collect()
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn import_users_pages_by_100(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let users = imported_users(&fake, 1..151);
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
        scim(200, &list_json(150, 101, users[100..].to_vec())),
    )
    .await;
    let mut engine = engine(org(vec![], vec![]), app);
    let record = engine.import(&fake.client(), "/Users").await;
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    assert_eq!(record.notes, ["150 scanned, 150 importable"]);
    snapshot(&fake, &name("import_users", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn import_groups(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let groups = vec![
        group_json(&uri, "eng", "Engineering", &[]),
        group_json(&uri, "ops", "Operations", &[]),
    ];
    fake.on("GET", "/Groups", scim(200, &list_json(2, 1, groups)))
        .await;
    let mut engine = engine(org(vec![], vec![]), app);
    let record = engine.import(&fake.client(), "/Groups").await;
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    assert_eq!(record.notes, ["2 scanned, 2 importable"]);
    snapshot(&fake, &name("import_groups", app), &requests);
}

// ---- users ----

pub(crate) const ALICE_FILTER: &str = "userName eq \"alice.smith@example.com\"";

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn assign_creates_a_new_user(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let user = alice();
    script_alice_create(&fake, &user).await;
    let mut engine = engine(org(vec![user], vec![]), app);
    let record = engine
        .assign(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    assert_eq!(
        engine.org.user("alice").and_then(|u| u.scim_id.as_deref()),
        Some("u-alice")
    );
    snapshot(&fake, &name("assign_create", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn assign_links_an_existing_active_user(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let user = alice();
    let existing = user_json(&uri, &user, true);
    fake.on_query(
        "/Users",
        "filter",
        ALICE_FILTER,
        scim(200, &list_json(1, 1, vec![existing.clone()])),
    )
    .await;
    fake.on("GET", "/Users/u-alice", scim(200, &existing)).await;
    fake.on("PUT", "/Users/u-alice", echo(200)).await;
    let mut engine = engine(org(vec![user], vec![]), app);
    let record = engine
        .assign(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("assign_link_active", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn assign_activates_an_existing_inactive_user(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let user = alice();
    let inactive = user_json(&uri, &user, false);
    fake.on_query(
        "/Users",
        "filter",
        ALICE_FILTER,
        scim(200, &list_json(1, 1, vec![inactive.clone()])),
    )
    .await;
    fake.on("GET", "/Users/u-alice", scim(200, &inactive)).await;
    fake.on("PUT", "/Users/u-alice", echo(200)).await;
    fake.on(
        "PATCH",
        "/Users/u-alice",
        scim(200, &user_json(&uri, &user, true)),
    )
    .await;
    let mut engine = engine(org(vec![user], vec![]), app);
    let record = engine
        .assign(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("assign_link_inactive", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn update_reads_then_puts_the_whole_user(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let user = provisioned(alice());
    fake.on(
        "GET",
        "/Users/u-alice",
        scim(200, &user_json(&uri, &user, true)),
    )
    .await;
    fake.on("PUT", "/Users/u-alice", echo(200)).await;
    let mut engine = engine(org(vec![user], vec![]), app);
    let set = json!({ "givenName": "Alicia", "title": "Engineer" });
    let record = engine
        .update(&fake.client(), "alice", set.as_object().expect("an object"))
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("update", app), &requests);
}

/// Password sync: OIN PATCHes a path-less `{"password": …}` replace (or, with
/// `--password-patch path`, a replace with `path: password`); AIW reads the user and PUTs it
/// back with `password`.
#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn sync_password_pushes_the_new_password(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let user = provisioned(alice());
    let password = user.synced_password.expose().to_string();
    fake.on(
        "PATCH",
        "/Users/u-alice",
        scim(200, &user_json(&uri, &user, true)),
    )
    .await;
    fake.on(
        "GET",
        "/Users/u-alice",
        scim(200, &user_json(&uri, &user, true)),
    )
    .await;
    fake.on(
        "PUT",
        "/Users/u-alice",
        scim(200, &user_json(&uri, &user, true)),
    )
    .await;
    let mut okta = engine(org(vec![user.clone()], vec![]), app);
    let record = okta
        .sync_password(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    let last = std::str::from_utf8(&requests[requests.len() - 1].body).expect("UTF-8");
    assert!(
        last.contains(&format!("\"password\":\"{password}\"")),
        "{last}"
    );
    snapshot(&fake, &name("sync_password", app), &requests);
    if app == AppKind::Oin {
        let fake = Fake::start().await;
        fake.on("PATCH", "/Users/u-alice", echo(204)).await;
        let options = OktaOptions {
            password_patch: okscim::okta::PasswordPatch::Path,
            ..OktaOptions::default()
        };
        let mut okta = OktaEngine::new(org(vec![user], vec![]), app, options);
        okta.sync_password(&fake.client(), "alice")
            .await
            .expect("alice exists");
        let requests = fake.requests().await;
        let body = std::str::from_utf8(&requests[0].body).expect("UTF-8");
        assert!(
            body.ends_with(&format!(
                r#""Operations":[{{"op":"replace","path":"password","value":"{password}"}}]}}"#
            )),
            "{body}"
        );
    }
}

/// A scenario's synced password is a secret: the recorded exchange shows it redacted.
#[tokio::test]
async fn a_synced_password_is_redacted_in_what_okscim_records() {
    let server = okscim_reference_server::spawn(okscim_reference_server::ServerConfig::default())
        .await
        .expect("the server starts");
    let client = ScimClient::new(
        &server.base_url,
        Auth::Bearer(Secret::new(server.token.clone())),
        &ClientOptions::default(),
        Redactor::default(),
    )
    .expect("a client");
    let yaml = "name: sync\nusers: { alice: {} }\nsteps:\n  - okta: { assign: alice }\n  - okta: { sync-password: alice }\n";
    let scenario =
        okscim::scenario::load_str(std::path::Path::new("sync.yaml"), yaml).expect("loads");
    for app in [AppKind::Oin, AppKind::Aiw] {
        let result = run_scenario(&scenario, app, &client, OktaOptions::default()).await;
        assert_eq!(result.status, Status::Passed, "{result:#?}");
        let sent = result.steps[1].exchanges.last().expect("a request");
        let body = sent.request.body.as_deref().unwrap_or_default();
        assert!(
            body.contains("[REDACTED]") && body.contains("password"),
            "{body}"
        );
    }
}

/// The deactivation answers of a correct server: PATCH → 200 with the user, GET + PUT echo.
/// The create flow for alice: the lookup finds nothing, the POST answers 201 with `u-alice`.
async fn script_alice_create(fake: &Fake, user: &OktaUser) {
    let uri = fake.uri();
    fake.on_query(
        "/Users",
        "filter",
        ALICE_FILTER,
        scim(200, &list_json(0, 1, vec![])),
    )
    .await;
    fake.on(
        "POST",
        "/Users",
        scim(201, &user_json(&uri, user, true))
            .insert_header("Location", location(&uri, "Users", "u-alice")),
    )
    .await;
}

async fn script_deactivation(fake: &Fake, user: &OktaUser) {
    let uri = fake.uri();
    fake.on(
        "PATCH",
        "/Users/u-alice",
        scim(200, &user_json(&uri, user, false)),
    )
    .await;
    fake.on(
        "GET",
        "/Users/u-alice",
        scim(200, &user_json(&uri, user, true)),
    )
    .await;
    fake.on("PUT", "/Users/u-alice", echo(200)).await;
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn unassign_deactivates_in_the_app(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let user = provisioned(alice());
    script_deactivation(&fake, &user).await;
    let mut engine = engine(org(vec![user], vec![]), app);
    let record = engine
        .unassign(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("unassign", app), &requests);
}

/// Removing a group's assignment deactivates its members that nothing else assigns, with the
/// same requests as `unassign`; a member still assigned directly gets none, and unassigning a
/// user that a group still assigns sends nothing.
#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn unassign_group_deactivates_only_members_nothing_else_assigns(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let mut alice = provisioned(alice());
    alice.assigned = false;
    alice.assigned_by_groups = vec!["eng".into()];
    let mut bob = provisioned(bob());
    bob.assigned_by_groups = vec!["eng".into()];
    script_deactivation(&fake, &alice).await;
    let mut eng = group("eng", "Engineering", &["alice", "bob"]);
    eng.assigned = true;
    let mut okta = engine(org(vec![alice, bob], vec![eng]), app);
    let record = okta
        .unassign_group(&fake.client(), "eng")
        .await
        .expect("eng exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    assert!(
        requests
            .iter()
            .all(|r| r.url.path().ends_with("/Users/u-alice")),
        "{requests:?}"
    );
    snapshot(&fake, &name("unassign", app), &requests);
    // bob is still assigned directly: unassigning him from a group that no longer assigns him
    // deactivates him; a user that a group still assigns is not deactivated by `unassign`.
    let fake = Fake::start().await;
    let mut carol = provisioned(okta_user("carol", "Carol", "Example"));
    carol.assigned_by_groups = vec!["ops".into()];
    let mut okta = engine(org(vec![carol], vec![]), app);
    let record = okta
        .unassign(&fake.client(), "carol")
        .await
        .expect("carol exists");
    assert!(record.exchanges.is_empty() && fake.requests().await.is_empty());
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn deactivate_deactivates_in_the_app(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let user = provisioned(alice());
    script_deactivation(&fake, &user).await;
    let mut engine = engine(org(vec![user], vec![]), app);
    let record = engine
        .deactivate(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("deactivate", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn reactivate_looks_up_then_activates(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let uri = fake.uri();
    let mut user = alice();
    user.status = UserStatus::Deactivated;
    user.scim_id = Some("u-alice".into());
    let inactive = user_json(&uri, &user, false);
    fake.on_query(
        "/Users",
        "filter",
        ALICE_FILTER,
        scim(200, &list_json(1, 1, vec![inactive.clone()])),
    )
    .await;
    fake.on(
        "PATCH",
        "/Users/u-alice",
        scim(200, &user_json(&uri, &user, true)),
    )
    .await;
    fake.on("GET", "/Users/u-alice", scim(200, &inactive)).await;
    fake.on("PUT", "/Users/u-alice", echo(200)).await;
    let mut engine = engine(org(vec![user], vec![]), app);
    let record = engine
        .reactivate(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("reactivate", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn suspend_and_unsuspend_send_nothing(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let mut engine = engine(org(vec![provisioned(alice())], vec![]), app);
    let suspended = engine.set_suspended("alice", true).expect("alice exists");
    assert!(suspended.exchanges.is_empty());
    assert!(
        fake.requests().await.is_empty(),
        "suspend sends no request (okta-reference.md §1.7)"
    );
    let unsuspended = engine.set_suspended("alice", false).expect("alice exists");
    assert!(unsuspended.exchanges.is_empty());
    assert!(
        fake.requests().await.is_empty(),
        "unsuspend sends no request (okta-reference.md §1.7)"
    );
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn unassign_of_a_never_provisioned_user_sends_nothing(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let mut engine = engine(org(vec![alice()], vec![]), app);
    let record = engine
        .unassign(&fake.client(), "alice")
        .await
        .expect("alice exists");
    assert!(record.exchanges.is_empty());
    assert!(fake.requests().await.is_empty());
}

// ---- groups ----

/// A correct server's answers for group writes: PATCH → 204, PUT → 200 echo.
async fn script_group_writes(fake: &Fake) {
    fake.on("PATCH", "/Groups/g-eng", ResponseTemplate::new(204))
        .await;
    fake.on("PUT", "/Groups/g-eng", echo(200)).await;
}

fn both_provisioned() -> Vec<OktaUser> {
    vec![provisioned(alice()), provisioned(bob())]
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn push_creates_the_group_then_pushes_members(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let uri = fake.uri();
    fake.on(
        "POST",
        "/Groups",
        scim(201, &group_json(&uri, "eng", "Engineering", &[]))
            .insert_header("Location", location(&uri, "Groups", "g-eng")),
    )
    .await;
    script_group_writes(&fake).await;
    let eng = group("eng", "Engineering", &["alice", "bob"]);
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .push(&fake.client(), "eng", None)
        .await
        .expect("eng exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("push", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn add_members_pushes_the_new_member(#[case] app: AppKind) {
    let fake = Fake::start().await;
    script_group_writes(&fake).await;
    let eng = pushed(group("eng", "Engineering", &["alice"]));
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .add_members(&fake.client(), "eng", &["bob".to_string()])
        .await
        .expect("eng exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("add_members", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn remove_members_uses_a_value_filter_path(#[case] app: AppKind) {
    let fake = Fake::start().await;
    script_group_writes(&fake).await;
    let eng = pushed(group("eng", "Engineering", &["alice", "bob"]));
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .remove_members(&fake.client(), "eng", &["bob".to_string()])
        .await
        .expect("eng exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("remove_members", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn push_now_replaces_all_members(#[case] app: AppKind) {
    let fake = Fake::start().await;
    script_group_writes(&fake).await;
    let eng = pushed(group("eng", "Engineering", &["alice", "bob"]));
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .push_now(&fake.client(), "eng")
        .await
        .expect("eng is pushed");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("push_now", app), &requests);
}

/// "Deactivate group push" sends nothing, and nothing is sent for membership changes or a rename
/// while it is deactivated; "Activate group push" then sends exactly Push Now's requests.
#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn a_deactivated_push_sends_nothing_and_activating_it_pushes_now(#[case] app: AppKind) {
    let fake = Fake::start().await;
    script_group_writes(&fake).await;
    let eng = pushed(group("eng", "Engineering", &["alice"]));
    let mut okta = engine(org(both_provisioned(), vec![eng]), app);
    let client = fake.client();
    let record = okta.deactivate_push("eng").expect("eng is pushed");
    assert!(record.exchanges.is_empty());
    let record = okta
        .add_members(&client, "eng", &["bob".to_string()])
        .await
        .expect("eng exists");
    assert!(record.exchanges.is_empty());
    assert!(
        fake.requests().await.is_empty(),
        "a deactivated push sent a request"
    );
    assert!(matches!(
        okta.push_now(&client, "eng").await,
        Err(okscim::errors::ScenarioMistake::PushDeactivated(_))
    ));
    let record = okta
        .activate_push(&client, "eng")
        .await
        .expect("eng is linked");
    let activated = fake.requests().await;
    assert_clean(&record, &activated);
    // The same requests as Push Now of the same group.
    let fake2 = Fake::start().await;
    script_group_writes(&fake2).await;
    let eng = pushed(group("eng", "Engineering", &["alice", "bob"]));
    let mut engine2 = engine(org(both_provisioned(), vec![eng]), app);
    engine2
        .push_now(&fake2.client(), "eng")
        .await
        .expect("eng is pushed");
    let push_now = fake2.requests().await;
    assert_eq!(activated.len(), push_now.len());
    for (a, b) in activated.iter().zip(&push_now) {
        assert_eq!(
            (a.method.as_str(), a.url.path()),
            (b.method.as_str(), b.url.path())
        );
        assert_eq!(a.body, b.body);
    }
}

#[tokio::test]
async fn push_now_can_be_the_observed_pathless_replace() {
    let fake = Fake::start().await;
    script_group_writes(&fake).await;
    let mut eng = pushed(group("eng", "Engineering", &[]));
    eng.members = vec![];
    let mut org = org(both_provisioned(), vec![eng]);
    org.app_group_names
        .insert("eng".into(), "Engineering".into());
    let options = OktaOptions {
        pathless_push_now: true,
        ..OktaOptions::default()
    };
    let mut engine = OktaEngine::new(org, AppKind::Oin, options);
    let record = engine
        .push_now(&fake.client(), "eng")
        .await
        .expect("eng is pushed");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    let body = std::str::from_utf8(&requests[requests.len() - 1].body).expect("UTF-8");
    assert!(
        body.ends_with(r#""Operations":[{"op":"replace","value":{"id":"g-eng","displayName":"Engineering","members":[]}}]}"#),
        "{body}"
    );
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn push_now_of_an_empty_group_sends_an_empty_list(#[case] app: AppKind) {
    let fake = Fake::start().await;
    script_group_writes(&fake).await;
    let eng = pushed(group("eng", "Engineering", &[]));
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .push_now(&fake.client(), "eng")
        .await
        .expect("eng is pushed");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    // OIN: the rename sent with every membership update comes first (R20), then the replace.
    let body = std::str::from_utf8(&requests[requests.len() - 1].body).expect("UTF-8");
    match app {
        AppKind::Oin => assert!(
            body.contains(r#"{"op":"replace","path":"members","value":[]}"#),
            "{body}"
        ),
        AppKind::Aiw => assert!(body.ends_with(r#""members":[]}"#), "{body}"),
    }
    snapshot(&fake, &name("push_now_empty", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn rename_renames_the_app_group(#[case] app: AppKind) {
    let fake = Fake::start().await;
    script_group_writes(&fake).await;
    let eng = pushed(group("eng", "Engineering", &["alice"]));
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .rename(&fake.client(), "eng", "Platform Engineering")
        .await
        .expect("eng exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("rename", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn rename_with_rename_groups_off_sends_nothing(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let eng = pushed(group("eng", "Engineering", &["alice"]));
    let options = OktaOptions {
        rename_groups: false,
        ..OktaOptions::default()
    };
    let mut engine = OktaEngine::new(org(both_provisioned(), vec![eng]), app, options);
    let record = engine
        .rename(&fake.client(), "eng", "Platform Engineering")
        .await
        .expect("eng exists");
    assert!(record.exchanges.is_empty());
    assert!(fake.requests().await.is_empty());
    assert_eq!(
        engine.org.group("eng").map(|g| g.name.as_str()),
        Some("Platform Engineering")
    );
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn link_finds_the_app_group_by_name_then_pushes_members(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let uri = fake.uri();
    fake.on_query(
        "/Groups",
        "filter",
        "displayName eq \"Engineering\"",
        scim(
            200,
            &list_json(1, 1, vec![group_json(&uri, "eng", "Engineering", &[])]),
        ),
    )
    .await;
    script_group_writes(&fake).await;
    let eng = group("eng", "Engineering", &["alice"]);
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .link(&fake.client(), "eng")
        .await
        .expect("eng exists");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("link", app), &requests);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn unlink_and_leave_sends_nothing(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let eng = pushed(group("eng", "Engineering", &["alice"]));
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .unlink(&fake.client(), "eng", false)
        .await
        .expect("eng is pushed");
    assert!(record.exchanges.is_empty());
    assert!(fake.requests().await.is_empty());
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn unlink_and_delete_deletes_the_app_group(#[case] app: AppKind) {
    let fake = Fake::start().await;
    fake.on("DELETE", "/Groups/g-eng", ResponseTemplate::new(204))
        .await;
    let eng = pushed(group("eng", "Engineering", &["alice"]));
    let mut engine = engine(org(both_provisioned(), vec![eng]), app);
    let record = engine
        .unlink(&fake.client(), "eng", true)
        .await
        .expect("eng is pushed");
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("unlink_delete", app), &requests);
}

// ---- options ----

/// A userName with every character class the filter encoder treats specially.
#[rstest]
#[case::percent(FilterEncoding::Percent, "percent")]
#[case::plus(FilterEncoding::Plus, "plus")]
#[tokio::test]
async fn filter_encoding(#[case] encoding: FilterEncoding, #[case] label: &str) {
    let fake = Fake::start().await;
    let mut user = alice();
    user.user_name = "o'hara+scim test@example.com".to_string();
    fake.on_query(
        "/Users",
        "filter",
        "userName eq \"o'hara+scim test@example.com\"",
        scim(200, &list_json(0, 1, vec![])),
    )
    .await;
    let uri = fake.uri();
    fake.on(
        "POST",
        "/Users",
        scim(201, &{
            let mut u = user_json(&uri, &user, true);
            u["userName"] = json!(user.user_name);
            u
        })
        .insert_header("Location", location(&uri, "Users", "u-alice")),
    )
    .await;
    let options = OktaOptions {
        filter_encoding: encoding,
        ..OktaOptions::default()
    };
    let mut engine = OktaEngine::new(org(vec![user], vec![]), AppKind::Oin, options);
    let record = engine
        .assign(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let requests = fake.requests().await;
    // The mock matched the decoded filter, so the server read exactly the userName sent.
    assert_clean(&record, &requests);
    snapshot(&fake, &format!("filter_encoding_{label}"), &requests[..1]);
}

#[rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test]
async fn headers_okta2019(#[case] app: AppKind) {
    let fake = Fake::start().await;
    let user = alice();
    script_alice_create(&fake, &user).await;
    fake.on("DELETE", "/Groups/g-eng", ResponseTemplate::new(204))
        .await;
    let options = OktaOptions {
        headers: HeaderStyle::Okta2019,
        ..OktaOptions::default()
    };
    let eng = pushed(group("eng", "Engineering", &[]));
    let mut engine = OktaEngine::new(org(vec![user], vec![eng]), app, options);
    let mut record = engine
        .assign(&fake.client(), "alice")
        .await
        .expect("alice exists");
    let delete = engine
        .unlink(&fake.client(), "eng", true)
        .await
        .expect("eng is pushed");
    record.exchanges.extend(delete.exchanges);
    record.checks.extend(delete.checks);
    let requests = fake.requests().await;
    assert_clean(&record, &requests);
    snapshot(&fake, &name("headers_okta2019", app), &requests);
}

// ---- raw requests ----

/// A scenario's raw `request` steps are not Okta's traffic: they carry okscim's own headers
/// (`User-Agent: okscim/<version>`, no Okta-only header, Content-Type exactly when there is a
/// body), whatever Okta header set the run uses; under `request_headers: okta-spec-test` they
/// carry the SPEC test's header sets instead (on POST only Content-Type `application/json`,
/// Accept and Authorization). The scenario's own headers replace them by name.
#[rstest]
#[case::okscim("", HeaderStyle::Current, "current")]
#[case::okscim_okta2019("", HeaderStyle::Okta2019, "current")]
#[case::spec_test(
    "options: { request_headers: okta-spec-test }",
    HeaderStyle::Current,
    "spec_test"
)]
#[tokio::test]
async fn raw_requests(#[case] options: &str, #[case] headers: HeaderStyle, #[case] label: &str) {
    let fake = Fake::start().await;
    Mock::given(any())
        .respond_with(scim(200, &json!({})))
        .mount(&fake.server)
        .await;
    let yaml = format!(
        r#"
name: raw requests
{options}
steps:
  - request: {{ method: GET, path: /Users, query: {{ filter: 'userName eq "a.b@example.com"', count: 1 }} }}
  - request:
      method: POST
      path: /Users
      body: {{ schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: a.b@example.com }}
  - request:
      method: PUT
      path: /Users/u-1
      body: {{ schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: a.b@example.com }}
  - request:
      method: PATCH
      path: /Users/u-1
      body:
        schemas: [urn:ietf:params:scim:api:messages:2.0:PatchOp]
        Operations: [{{ op: replace, value: {{ active: false }} }}]
  - request: {{ method: DELETE, path: /Groups/g-1 }}
  - request: {{ method: GET, path: /Users/u-1, auth: invalid }}
  - request: {{ method: GET, path: /Users/u-1, auth: none, headers: {{ Accept: application/json }} }}
"#
    );
    let scenario = okscim::scenario::load_str(std::path::Path::new("raw.yaml"), &yaml)
        .expect("the scenario loads");
    let options = OktaOptions {
        headers,
        ..OktaOptions::default()
    };
    let result = run_scenario(&scenario, AppKind::Oin, &fake.client(), options).await;
    assert_eq!(result.status, Status::Passed, "{result:#?}");
    let requests = fake.requests().await;
    assert_eq!(requests.len(), 7);
    let spec = label == "spec_test";
    for r in &requests {
        let what = format!("{} {}", r.method, r.url);
        let agent = r.headers.get("user-agent").and_then(|v| v.to_str().ok());
        let has_body = !r.body.is_empty();
        if spec && has_body {
            assert_eq!(agent, None, "{what}");
            assert_eq!(
                r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/json"),
                "{what}"
            );
        } else if spec {
            assert_eq!(agent, Some("OKTA SCIM Integration"), "{what}");
        } else {
            assert!(agent.is_some_and(|a| a.starts_with("okscim/")), "{what}");
            assert!(!r.headers.contains_key("accept-charset"), "{what}");
            assert_eq!(r.headers.contains_key("content-type"), has_body, "{what}");
        }
    }
    snapshot(&fake, &format!("raw_requests_{label}"), &requests);
}

/// Push rules: a rule pushes only groups not pushed yet; a rule name is unique; acting on a
/// rule no step created is the scenario's mistake, not the server's.
#[tokio::test]
async fn a_push_rule_skips_pushed_groups_and_names_its_mistakes() {
    use okscim::okta::ScenarioMistake;
    let fake = Fake::start().await;
    let created = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g-ops", "displayName": "Ops", "members": []});
    fake.on("POST", "/Groups", scim(201, &created)).await;
    fake.on("PATCH", "/Groups/g-ops", ResponseTemplate::new(204))
        .await;
    let mut eng = group("eng", "Eng", &[]);
    eng.pushed = true;
    eng.scim_id = Some("g-eng".into());
    let mut engine = engine(
        org(vec![], vec![eng, group("ops", "Ops", &[])]),
        AppKind::Oin,
    );
    let groups = vec!["eng".to_string(), "ops".to_string()];
    let record = engine
        .push_rule(&fake.client(), "r", &groups)
        .await
        .expect("the rule runs");
    let posts: Vec<&str> = record
        .exchanges
        .iter()
        .filter(|e| e.request.method == "POST")
        .filter_map(|e| e.request.body.as_deref())
        .collect();
    assert_eq!(posts.len(), 1, "only ops is pushed: {posts:?}");
    assert!(posts[0].contains("Ops"), "{posts:?}");
    assert!(record.failure.is_none(), "{:?}", record.failure);
    assert!(matches!(
        engine.push_rule(&fake.client(), "r", &groups).await,
        Err(ScenarioMistake::PushRuleExists(_))
    ));
    assert!(matches!(
        engine.deactivate_push_rule("nope"),
        Err(ScenarioMistake::NoPushRule(_))
    ));
    let deleted = engine
        .delete_push_rule(&fake.client(), "r", false)
        .await
        .expect("deleted");
    assert!(
        deleted.exchanges.is_empty(),
        "keeping the groups sends nothing"
    );
    assert!(matches!(
        engine.delete_push_rule(&fake.client(), "r", false).await,
        Err(ScenarioMistake::NoPushRule(_))
    ));
}
