//! Runs one scenario under one app kind: builds Okta's org from the fixtures, runs the steps in
//! order, judges each, captures values. A failing step skips the rest of its scenario.

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::Method;
use serde_json::{Map, Value};

use crate::check::{
    self, CheckKind, CheckOutcome, Expectations, Severity, judge_expectations, judge_rfc,
};
use crate::errors::{StepError, TemplateError};
use crate::http::{OutgoingRequest, ScimClient, Secret};
use crate::okta::ratelimit::{RetryClock, send_as_okta};
use crate::okta::{
    ActionRecord, AppKind, OktaEngine, OktaGroup, OktaOptions, OktaOrg, OktaUser, Purpose,
    UserStatus, okta_id, placeholder_password,
};
use crate::runner::gate::{GateGuard, StepGate};
use crate::runner::interrupt::StopSignal;
use crate::runner::result::{ScenarioResult, Status, StepResult};
use crate::runner::traffic::own_headers;
use crate::runner::vars::RunVars;
use crate::scenario::{
    self, OktaAction, Outcome, ReadTarget, RequestHeaders, Scenario, Step, StepKind, render_value,
};

/// A fresh per-run token: ten lowercase alphanumerics.
pub fn run_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..10)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn capitalized(alias: &str) -> String {
    let mut c = alias.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Builds Okta's org from the scenario's fixtures, rendering their templates with `${run}`.
fn build_org(scenario: &Scenario, token: &str) -> Result<OktaOrg, TemplateError> {
    let mut org = OktaOrg::default();
    for (alias, f) in &scenario.users {
        org.users.push(okta_user(alias, f, token)?);
    }
    for (alias, f) in &scenario.groups {
        org.groups.push(okta_group(alias, f, token)?);
    }
    Ok(org)
}

/// The Okta user a user fixture describes, its templates rendered with `${run}`.
pub(crate) fn okta_user(
    alias: &str,
    f: &scenario::UserFixture,
    token: &str,
) -> Result<OktaUser, TemplateError> {
    with_fixture_vars(token, |vars| okta_user_with(alias, f, vars))
}

/// Runs `f` with the variables a fixture may use: `${run}` only (no resource exists yet).
fn with_fixture_vars<T>(token: &str, f: impl FnOnce(&RunVars<'_>) -> T) -> T {
    let empty = BTreeMap::new();
    let bare = OktaOrg::default();
    f(&RunVars {
        run: token,
        org: &bare,
        captures: &empty,
    })
}

fn okta_user_with(
    alias: &str,
    f: &scenario::UserFixture,
    vars: &RunVars<'_>,
) -> Result<OktaUser, TemplateError> {
    let render = |t: &scenario::Template| t.render(vars);
    let given = match &f.given_name {
        Some(t) => render(t)?,
        None => capitalized(alias),
    };
    let family = match &f.family_name {
        Some(t) => render(t)?,
        None => "Example".to_string(),
    };
    let display = match &f.display_name {
        Some(t) => render(t)?,
        None => format!("{given} {family}"),
    };
    let mut extra = Map::new();
    if let Some(t) = &f.title {
        extra.insert("title".into(), Value::String(render(t)?));
    }
    for (k, v) in &f.attributes {
        extra.insert(k.clone(), render_value(v, vars)?);
    }
    Ok(OktaUser {
        alias: alias.to_string(),
        okta_id: match &f.okta_id {
            Some(t) => render(t)?,
            None => okta_id("00u"),
        },
        user_name: render(&f.user_name)?,
        email: render(&f.email)?,
        given_name: given,
        family_name: family,
        display_name: display,
        locale: match &f.locale {
            Some(t) => render(t)?,
            None => "en-US".to_string(),
        },
        extra,
        status: match f.status {
            scenario::UserStatus::Active => UserStatus::Active,
            scenario::UserStatus::Staged => UserStatus::Staged,
            scenario::UserStatus::Suspended => UserStatus::Suspended,
            scenario::UserStatus::Deactivated => UserStatus::Deactivated,
        },
        assigned: false,
        assigned_by_groups: vec![],
        scim_id: None,
        app_active: false,
        password: Secret::new(placeholder_password()),
        synced_password: Secret::new(placeholder_password()),
    })
}

/// The Okta group a group fixture describes, its name rendered with `${run}`.
pub(crate) fn okta_group(
    alias: &str,
    f: &scenario::GroupFixture,
    token: &str,
) -> Result<OktaGroup, TemplateError> {
    let name = with_fixture_vars(token, |vars| f.name.render(vars))?;
    Ok(OktaGroup {
        alias: alias.to_string(),
        okta_id: okta_id("00g"),
        name,
        members: f.members.clone(),
        pushed: false,
        assigned: false,
        paused: false,
        scim_id: None,
    })
}

fn step_label(step: &Step) -> String {
    if let Some(name) = &step.name {
        return name.clone();
    }
    match &step.kind {
        StepKind::Okta(action) => match action.user().or(action.group()).or(action.rule()) {
            Some(a) => format!("okta {} {a}", action.key()),
            None => format!("okta {}", action.key()),
        },
        StepKind::Read(ReadTarget::User(a)) => format!("read user {a}"),
        StepKind::Read(ReadTarget::Group(a)) => format!("read group {a}"),
        StepKind::Request(r) => format!("request {} {}", r.method, r.path),
    }
}

/// What a step did before its expectations are judged.
enum Performed {
    Record(ActionRecord),
    Mistake(StepError),
}

/// Runs one scenario under `app`, on a target no other run shares.
pub async fn run_scenario(
    scenario: &Scenario,
    app: AppKind,
    client: &ScimClient,
    options: OktaOptions,
) -> ScenarioResult {
    run_scenario_gated(scenario, app, client, options, &StepGate::none()).await
}

/// Whether a step reads a whole list that other scenarios' writes would change under it.
fn needs_exclusive_target(step: &Step) -> bool {
    matches!(
        step.kind,
        StepKind::Okta(OktaAction::ImportUsers | OktaAction::ImportGroups)
    )
}

/// Runs one scenario under `app`; each step passes `gate` (an import alone, others together).
pub async fn run_scenario_gated(
    scenario: &Scenario,
    app: AppKind,
    client: &ScimClient,
    options: OktaOptions,
    gate: &StepGate,
) -> ScenarioResult {
    let started = Instant::now();
    let token = run_token();
    let mut result = ScenarioResult {
        name: scenario.name.clone(),
        path: scenario.path.clone(),
        app,
        run_token: token.clone(),
        status: Status::Passed,
        skip_reason: None,
        error: None,
        steps: Vec::new(),
        duration_ms: 0.0,
        base_url: client.base_url().to_string(),
        aliases: Vec::new(),
        snapshot: None,
        interrupted: None,
    };
    let org = match build_org(scenario, &token) {
        Ok(org) => org,
        Err(e) => {
            result.status = Status::Failed;
            result.steps.push(StepResult {
                index: 0,
                label: "fixtures".into(),
                line: 1,
                status: Status::Failed,
                exchanges: vec![],
                purposes: vec![],
                checks: vec![],
                okta_failure: None,
                error: Some(e.into()),
                snapshot: false,
                notes: vec![],
                not_applicable: None,
                precondition: false,
                okta_wait_secs: 0.0,
            });
            return result;
        }
    };
    let mut client = client.clone();
    client.add_secrets(
        org.users
            .iter()
            .flat_map(|u| [u.password.clone(), u.synced_password.clone()]),
    );
    let options = OktaOptions {
        rename_groups: scenario.options.rename_groups,
        ..options
    };
    let mut engine = OktaEngine::new(org, app, options);
    let mut captures: BTreeMap<String, Value> = BTreeMap::new();
    let mut failed = false;
    let mut interrupted: Option<(StopSignal, usize)> = None;
    // A scenario that needs the target to itself holds the gate alone from its first step to
    // its last; its steps then pass no gate of their own.
    let whole = if scenario.exclusive {
        tokio::select! {
            biased;
            signal = gate.stopped() => {
                interrupted = Some((signal, 1));
                None
            }
            guard = gate.exclusive() => Some(guard),
        }
    } else {
        None
    };
    for (i, step) in scenario.steps.iter().enumerate() {
        let mut sr = StepResult {
            index: i + 1,
            label: step_label(step),
            line: step.position.line,
            status: Status::Skipped,
            exchanges: vec![],
            purposes: vec![],
            checks: vec![],
            okta_failure: None,
            error: None,
            snapshot: step.snapshot,
            notes: vec![],
            not_applicable: None,
            precondition: step.when_empty.is_some(),
            okta_wait_secs: 0.0,
        };
        if !step.apps.contains(&app) {
            // Not part of this app kind's run: no result at all, like a line that is not there.
            continue;
        }
        if !failed
            && interrupted.is_none()
            && let Some(signal) = gate.stopped_by()
        {
            interrupted = Some((signal, sr.index));
        }
        if failed || interrupted.is_some() {
            result.steps.push(sr);
            continue;
        }
        let work = async {
            let guard = if whole.is_some() {
                GateGuard::Open
            } else if needs_exclusive_target(step) {
                gate.exclusive().await
            } else {
                gate.step().await
            };
            let probe = match &step.when_empty {
                Some(path) => Some(
                    probe_empty(
                        &client,
                        scenario.options.request_headers,
                        path,
                        options.retry_clock,
                    )
                    .await,
                ),
                None => None,
            };
            // The probe's exchange comes first; the step's own follow it.
            let (done, ran, not_applicable) = match probe {
                Some(Probe::Listed(record, why)) => (record, false, Some(why)),
                Some(Probe::Empty(mut record, note)) => {
                    record.notes.push(note);
                    (record, true, None)
                }
                None => (ActionRecord::default(), true, None),
            };
            let performed = if ran {
                Some(
                    perform(
                        scenario.options.request_headers,
                        step,
                        &mut engine,
                        &client,
                        &token,
                        &captures,
                    )
                    .await,
                )
            } else {
                None
            };
            drop(guard);
            (done, ran, not_applicable, performed)
        };
        // An interrupt drops the step in flight: nothing more is sent.
        let finished = tokio::select! {
            biased;
            signal = gate.stopped() => Err(signal),
            finished = work => Ok(finished),
        };
        let (mut done, ran, not_applicable, performed) = match finished {
            Ok(finished) => finished,
            Err(signal) => {
                interrupted = Some((signal, sr.index));
                result.steps.push(sr);
                continue;
            }
        };
        if not_applicable.is_some() {
            sr.not_applicable = not_applicable;
        }
        let mistake = match performed {
            Some(Performed::Mistake(e)) => Some(e),
            Some(Performed::Record(record)) => {
                sr.not_applicable = sr.not_applicable.take().or(record.not_applicable.clone());
                done.absorb(record);
                None
            }
            None => None,
        };
        sr.exchanges = done.exchanges;
        sr.purposes = done.purposes;
        sr.checks = done.checks;
        sr.notes = done.notes;
        sr.okta_wait_secs = done.okta_waited.as_secs_f64();
        sr.okta_failure = done.failure;
        match mistake {
            Some(e) => sr.error = Some(e),
            None if ran => {
                judge_step(step, &mut sr, &engine, &token, &captures);
                capture(step, &sr, &engine, &token, &mut captures);
            }
            None => {}
        }
        let step_failed = sr.error.is_some() || sr.checks.iter().any(CheckOutcome::is_failure);
        sr.status = if step_failed {
            Status::Failed
        } else {
            Status::Passed
        };
        failed |= step_failed;
        result.steps.push(sr);
    }
    result.status = if failed {
        Status::Failed
    } else if interrupted.is_some() {
        Status::Skipped
    } else {
        Status::Passed
    };
    if let Some((signal, at)) = interrupted {
        result.interrupted = Some(signal);
        result.skip_reason = Some(if at <= 1 {
            format!("interrupted by {signal} before its first step")
        } else {
            format!(
                "interrupted by {signal} at step {at} of {}: the steps before it ran",
                scenario.steps.len()
            )
        });
    }
    drop(whole);
    result.aliases = engine.org.aliases();
    result.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    result
}

async fn perform(
    style: RequestHeaders,
    step: &Step,
    engine: &mut OktaEngine,
    client: &ScimClient,
    token: &str,
    captures: &BTreeMap<String, Value>,
) -> Performed {
    let outcome = match &step.kind {
        StepKind::Okta(action) => {
            let to = match action {
                OktaAction::Rename { to, .. } => {
                    let vars = RunVars {
                        run: token,
                        org: &engine.org,
                        captures,
                    };
                    match to.render(&vars) {
                        Ok(t) => Some(t),
                        Err(e) => return Performed::Mistake(e.into()),
                    }
                }
                _ => None,
            };
            let set = match action {
                OktaAction::Update { set, .. } => {
                    let vars = RunVars {
                        run: token,
                        org: &engine.org,
                        captures,
                    };
                    match render_value(&Value::Object(set.clone()), &vars) {
                        Ok(Value::Object(m)) => Some(m),
                        Ok(_) => None,
                        Err(e) => return Performed::Mistake(e.into()),
                    }
                }
                _ => None,
            };
            run_action(action, engine, client, to, set).await
        }
        StepKind::Read(target) => {
            let (endpoint, alias, id) = match target {
                ReadTarget::User(a) => (
                    "/Users",
                    a,
                    engine.org.user(a).and_then(|u| u.scim_id.clone()),
                ),
                ReadTarget::Group(a) => (
                    "/Groups",
                    a,
                    engine.org.group(a).and_then(|g| g.scim_id.clone()),
                ),
            };
            let Some(id) = id else {
                return Performed::Mistake(StepError::NoScimId {
                    alias: alias.clone(),
                });
            };
            let request = OutgoingRequest {
                method: Method::GET,
                path: format!("{endpoint}/{}", crate::okta::encode_path_segment(&id)),
                headers: own_headers(style, &Method::GET, false),
                body: None,
                auth: crate::http::RequestAuth::Default,
                from_root: false,
            };
            Ok(single(client, Purpose::Read, request, engine.options.retry_clock).await)
        }
        StepKind::Request(req) => {
            let vars = RunVars {
                run: token,
                org: &engine.org,
                captures,
            };
            let purpose = if req.from_root {
                Purpose::Outside
            } else {
                Purpose::Raw
            };
            match build_raw(req, style, &vars) {
                Ok(r) => Ok(single(client, purpose, r, engine.options.retry_clock).await),
                Err(e) => return Performed::Mistake(e),
            }
        }
    };
    match outcome {
        Ok(r) => Performed::Record(r),
        Err(e) => Performed::Mistake(e),
    }
}

/// What a `when_empty` probe found: the probe's record and what to report.
enum Probe {
    /// The collection lists resources: the step does not run (why).
    Listed(ActionRecord, String),
    /// It lists none (or could not be read as a list): the step runs (a note says so).
    Empty(ActionRecord, String),
}

/// `GET {path}?count=1&startIndex=1`: does the target hold any resource there?
async fn probe_empty(
    client: &ScimClient,
    style: RequestHeaders,
    path: &str,
    clock: RetryClock,
) -> Probe {
    let request = OutgoingRequest {
        method: Method::GET,
        path: format!("{path}?count=1&startIndex=1"),
        headers: own_headers(style, &Method::GET, false),
        body: None,
        auth: crate::http::RequestAuth::Default,
        from_root: false,
    };
    let record = single(client, Purpose::Raw, request, clock).await;
    let total = record
        .exchanges
        .last()
        .filter(|e| e.status() == Some(200))
        .and_then(|e| e.json())
        .and_then(check::list_view)
        .and_then(|v| v.total());
    match total {
        Some(n) if n > 0 => Probe::Listed(
            record,
            format!(
                "{path} already lists {n} resource{}: the precondition holds, the step did not run",
                if n == 1 { "" } else { "s" }
            ),
        ),
        _ => Probe::Empty(
            record,
            format!("{path} listed no resource: the step ran to meet the precondition"),
        ),
    }
}

pub(crate) async fn run_action(
    action: &OktaAction,
    engine: &mut OktaEngine,
    client: &ScimClient,
    to: Option<String>,
    set: Option<Map<String, Value>>,
) -> Result<ActionRecord, StepError> {
    if engine.org.provisioning_off && action.sends_requests() {
        return Ok(engine.while_provisioning_is_off(action.user(), set.as_ref()));
    }
    let r = match action {
        OktaAction::ImportSchema => Ok(engine.import_schema(client).await),
        OktaAction::EntitlementsTest => Ok(engine.entitlements_test(client).await),
        OktaAction::DisableProvisioning | OktaAction::EnableProvisioning => {
            engine.org.provisioning_off = matches!(action, OktaAction::DisableProvisioning);
            Ok(ActionRecord::default())
        }
        OktaAction::ConfirmImport { user } => engine.confirm_import(user),
        OktaAction::TestConnection => Ok(engine.test_connection(client).await),
        OktaAction::ImportUsers => Ok(engine.import(client, "/Users").await),
        OktaAction::ImportGroups => Ok(engine.import(client, "/Groups").await),
        OktaAction::Assign { user } => engine.assign(client, user).await,
        OktaAction::Update { user, .. } => {
            engine.update(client, user, &set.unwrap_or_default()).await
        }
        OktaAction::Unassign { user } => engine.unassign(client, user).await,
        OktaAction::Deactivate { user } => engine.deactivate(client, user).await,
        OktaAction::Reactivate { user } => engine.reactivate(client, user).await,
        OktaAction::Suspend { user } => engine.set_suspended(user, true),
        OktaAction::Unsuspend { user } => engine.set_suspended(user, false),
        OktaAction::SyncPassword { user } => engine.sync_password(client, user).await,
        OktaAction::Push { group, members } => engine.push(client, group, members.as_deref()).await,
        OktaAction::AddMembers {
            group,
            users,
            concurrently: false,
        } => engine.add_members(client, group, users).await,
        OktaAction::AddMembers { group, users, .. } => {
            engine.add_members_concurrently(client, group, users).await
        }
        OktaAction::RemoveMembers { group, users } => {
            engine.remove_members(client, group, users).await
        }
        OktaAction::PushNow { group } => engine.push_now(client, group).await,
        OktaAction::AssignGroup { group } => engine.assign_group(client, group).await,
        OktaAction::UnassignGroup { group } => engine.unassign_group(client, group).await,
        OktaAction::DeactivatePush { group } => engine.deactivate_push(group),
        OktaAction::ActivatePush { group } => engine.activate_push(client, group).await,
        OktaAction::Rename { group, .. } => {
            engine.rename(client, group, &to.unwrap_or_default()).await
        }
        OktaAction::Link { group } => engine.link(client, group).await,
        OktaAction::Unlink { group, delete } => engine.unlink(client, group, *delete).await,
        OktaAction::PushRule { rule, groups } => engine.push_rule(client, rule, groups).await,
        OktaAction::DeactivatePushRule { rule } => engine.deactivate_push_rule(rule),
        OktaAction::DeletePushRule {
            rule,
            delete_groups,
        } => engine.delete_push_rule(client, rule, *delete_groups).await,
    };
    r.map_err(StepError::from)
}

/// One request of the scenario's own (a read, a raw request). A 429 is retried by Okta's rule
/// (okta-reference.md §4.1), so that a rate-limited server is judged on its answers.
async fn single(
    client: &ScimClient,
    purpose: Purpose,
    request: OutgoingRequest,
    clock: RetryClock,
) -> ActionRecord {
    let attempts = send_as_okta(client, request, clock).await;
    let mut record = ActionRecord::default();
    let exchange = match record.record_throttles(&purpose, attempts) {
        Ok(exchange) => exchange,
        Err(failed) => {
            record.failure = Some(failed.0);
            return record;
        }
    };
    let index = record.exchanges.len();
    let mut checks = judge_rfc(&purpose, &exchange);
    if !exchange.answered() {
        checks.extend(check::judge_okta(&purpose, &exchange));
    }
    for c in &mut checks {
        c.exchange = Some(index);
    }
    record.checks.extend(checks);
    record.exchanges.push(exchange);
    record.purposes.push(purpose);
    record
}

/// Everything but RFC 3986's unreserved characters (ALPHA DIGIT - . _ ~) is percent-encoded.
const QUERY_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_COMPONENT).to_string()
}

fn build_raw(
    req: &scenario::Request,
    style: RequestHeaders,
    vars: &RunVars<'_>,
) -> Result<OutgoingRequest, StepError> {
    let path = req.path.render(vars)?;
    let mut query = Vec::new();
    for (k, v) in &req.query {
        let value = v.render(vars)?;
        query.push(format!(
            "{}={}",
            encode_component(k),
            encode_component(&value)
        ));
    }
    let path = if query.is_empty() {
        path
    } else if path.contains('?') {
        format!("{path}&{}", query.join("&"))
    } else {
        format!("{path}?{}", query.join("&"))
    };
    let body = match req.body() {
        Some(v) => Some(render_value(v, vars)?.to_string()),
        None => None,
    };
    let method = Method::from_bytes(req.method.as_str().as_bytes())
        .map_err(|_| StepError::BadMethod(req.method.as_str().to_string()))?;
    // okscim's own headers (or the SPEC test's), then the scenario's own, which replace ours
    // by name.
    let mut headers = own_headers(style, &method, body.is_some());
    for (name, value) in &req.headers {
        let value = value.render(vars)?;
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        headers.push((name.clone(), value));
    }
    Ok(OutgoingRequest {
        from_root: req.from_root,
        method,
        path,
        headers,
        body,
        auth: match req.auth {
            // A scenario that writes its own Authorization header sends only that one.
            scenario::Auth::Default
                if req
                    .headers
                    .keys()
                    .any(|k| k.eq_ignore_ascii_case("authorization")) =>
            {
                crate::http::RequestAuth::Omit
            }
            scenario::Auth::Default => crate::http::RequestAuth::Default,
            scenario::Auth::None => crate::http::RequestAuth::Omit,
            scenario::Auth::Invalid => crate::http::RequestAuth::Invalid,
        },
    })
}

use crate::check::{OUTCOME, REQUESTS};

/// Expectations on the step's last exchange, and the expected Okta outcome.
fn judge_step(
    step: &Step,
    sr: &mut StepResult,
    engine: &OktaEngine,
    token: &str,
    captures: &BTreeMap<String, Value>,
) {
    let vars = RunVars {
        run: token,
        org: &engine.org,
        captures,
    };
    if matches!(step.kind, StepKind::Okta(_)) {
        let failed = sr.okta_failure.is_some();
        match step.expect.outcome {
            Outcome::Success => {
                // An action can fail with no response check failing (e.g. linking a group the
                // app does not have): the step must still fail.
                if failed && !sr.checks.iter().any(CheckOutcome::is_failure) {
                    sr.checks.push(OUTCOME.judge(
                        false,
                        "the Okta action succeeds",
                        sr.okta_failure.clone().unwrap_or_default(),
                    ));
                }
            }
            Outcome::Failure => {
                sr.checks.push(
                    OUTCOME.judge(
                        failed,
                        "the Okta action fails",
                        sr.okta_failure
                            .clone()
                            .unwrap_or_else(|| "it succeeded".to_string()),
                    ),
                );
                if failed {
                    // The failure was expected: what caused it is no longer a failure of the
                    // run, but Okta still needs a readable error body.
                    for c in &mut sr.checks {
                        if c.kind == CheckKind::Okta
                            && !c.passed
                            && c.id != "okta.error-body"
                            && c.id != "okta.reachable"
                        {
                            c.severity = Severity::Advisory;
                        }
                    }
                }
            }
        }
    }
    let e = &step.expect;
    if let Some(n) = e.requests {
        let sent: Vec<String> = sr.exchanges.iter().map(|x| x.summary()).collect();
        let expected = format!("{n} request{}", if n == 1 { "" } else { "s" });
        let actual = format!("{}: {}", sent.len(), sent.join("; "));
        sr.checks
            .push(REQUESTS.judge(sent.len() == n, expected, actual));
    }
    let advisory = e.advisory.as_ref();
    if e.assert.is_empty() && advisory.is_none_or(|a| a.assert.is_empty()) {
        return;
    }
    let Some(last) = judged_exchange(step, &sr.exchanges) else {
        sr.error = Some(StepError::NoRequest);
        return;
    };
    let last = last.as_ref();
    let index = sr.exchanges.len() - 1;
    let blocks = [
        Some((&e.assert, e.basis.as_deref(), Severity::Required)),
        advisory.map(|a| (&a.assert, a.basis.as_deref(), Severity::Advisory)),
    ];
    let aliases = engine.org.aliases();
    for (assert, basis, severity) in blocks.into_iter().flatten() {
        let exp = match render_assertions(assert, &vars) {
            Ok(exp) => exp,
            Err(err) => {
                sr.error = Some(err);
                return;
            }
        };
        for mut c in judge_expectations(&exp, last) {
            c.exchange = Some(index);
            c.severity = severity;
            c.basis = basis.map(str::to_string);
            if !c.passed {
                c.expected = with_aliases(&c.expected, &aliases);
                c.actual = with_aliases(&c.actual, &aliases);
            }
            sr.checks.push(c);
        }
    }
}

/// `text` with every quoted id Okta learned written as its alias (`"[alice.id]"`), so a failure
/// names resources the way the scenario does. Only whole JSON strings are replaced: a short id
/// such as `"1"` never garbles other text.
fn with_aliases(text: &str, aliases: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (alias, id) in aliases {
        if id.is_empty() {
            continue;
        }
        let quoted = Value::String(id.clone()).to_string();
        if out.contains(&quoted) {
            out = out.replace(&quoted, &format!("\"[{alias}]\""));
        }
    }
    out
}

/// The assertions with every template filled in.
fn render_assertions(
    a: &scenario::Assertions,
    vars: &RunVars<'_>,
) -> Result<Expectations, StepError> {
    let mut exp = Expectations {
        status: a.status.clone(),
        ..Expectations::default()
    };
    if let Some(b) = &a.body {
        exp.body = Some(render_value(b, vars)?);
    }
    for (path, value) in &a.jsonpath {
        let p = path.template().render(vars)?;
        exp.jsonpath.push((p, render_value(value, vars)?));
    }
    for (name, value) in &a.headers {
        exp.headers.push((name.clone(), value.render(vars)?));
    }
    for path in &a.non_empty {
        exp.non_empty.push(path.template().render(vars)?);
    }
    for (path, t) in &a.types {
        exp.types.push((path.template().render(vars)?, *t));
    }
    exp.within_ms = a.within_ms;
    Ok(exp)
}

/// The exchange a step's expectations and captures read: the last one; for an import, the last
/// page with `Resources` holding every page's resources, so that an expectation about what was
/// imported holds wherever the server put the resource.
fn judged_exchange<'e>(
    step: &Step,
    exchanges: &'e [crate::http::Exchange],
) -> Option<std::borrow::Cow<'e, crate::http::Exchange>> {
    let last = exchanges.last()?;
    let is_import = matches!(
        &step.kind,
        StepKind::Okta(OktaAction::ImportUsers | OktaAction::ImportGroups)
    );
    if !is_import || exchanges.len() < 2 {
        return Some(std::borrow::Cow::Borrowed(last));
    }
    let mut merged = last.clone();
    let all: Vec<Value> = exchanges
        .iter()
        .filter_map(|e| e.json())
        .filter_map(|b| {
            check::list_view(b)
                .and_then(|v| v.items())
                .map(<[Value]>::to_vec)
        })
        .flatten()
        .collect();
    if let Some(response) = merged.response.as_mut()
        && let Some(Value::Object(body)) = response.json.as_mut()
    {
        body.retain(|k, _| !k.eq_ignore_ascii_case("resources"));
        body.insert("Resources".into(), Value::Array(all));
    }
    Some(std::borrow::Cow::Owned(merged))
}

fn capture(
    step: &Step,
    sr: &StepResult,
    engine: &OktaEngine,
    token: &str,
    captures: &mut BTreeMap<String, Value>,
) {
    if step.capture.is_empty() {
        return;
    }
    let Some(body) = judged_exchange(step, &sr.exchanges).and_then(|e| e.json().cloned()) else {
        return;
    };
    let mut found = Vec::new();
    {
        let vars = RunVars {
            run: token,
            org: &engine.org,
            captures,
        };
        for (name, path) in &step.capture {
            if let Ok(p) = path.resolve(&vars)
                && let Some(v) = p.query(&body).all().first()
            {
                found.push((name.clone(), (*v).clone()));
            }
        }
    }
    captures.extend(found);
}

#[cfg(test)]
mod tests {
    use super::with_aliases;

    #[test]
    fn quoted_ids_become_aliases_and_nothing_else_changes() {
        let aliases = vec![
            ("alice.id".to_string(), "1".to_string()),
            ("eng.id".to_string(), "9f3c".to_string()),
        ];
        assert_eq!(
            with_aliases(r#"$.members[*].value = ["1","9f3c"]; count 1"#, &aliases),
            r#"$.members[*].value = ["[alice.id]","[eng.id]"]; count 1"#
        );
    }
}
