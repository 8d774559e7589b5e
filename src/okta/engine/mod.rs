//! The simulated Okta provisioning engine: for each admin action, exactly the requests Okta
//! sends given its state (okta-reference.md §1), for OIN (PATCH) and AIW (PUT) apps. Okta decides
//! what to do next from each response (found → link, not found → create), and fails the action
//! where Okta would fail the task: when a required okta check fails.

use serde_json::{Map, Value, json};

use super::app::{AppKind, OktaOptions};
use super::org::{OktaOrg, UserStatus};
use super::purpose::Purpose;
use super::ratelimit::{self, Attempts, MAX_ATTEMPTS};
use super::wire::{self, Member, NewUser, PatchOperation, Wire};
use crate::check::{
    CheckOutcome, ENTITLEMENT_URN, ROLE_URN, discovery_items, entitlement_types, extension_urns,
    judge_import_items, judge_okta, judge_rfc, list_view, user_resource_type,
};
use crate::check::{RATE_LIMIT_ATTEMPTS, RATE_LIMIT_RETRY_AFTER};
use crate::http::{Exchange, OutgoingRequest, ScimClient};

mod groups;
mod import;
mod users;

/// Everything one action produced.
#[derive(Debug, Default, Clone)]
pub struct ActionRecord {
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
    /// Why each was sent.
    pub purposes: Vec<Purpose>,
    /// Every okta and rfc check outcome (with the exchange index).
    pub checks: Vec<CheckOutcome>,
    /// Why the action failed, as Okta would report it; `None` on success.
    pub failure: Option<String>,
    /// What the action found out that the scenario may want (imported counts).
    pub notes: Vec<String>,
    /// Why the action had nothing to do against this target (an Entitlements SPEC test on a
    /// server that advertises no entitlement): it passed without showing anything.
    pub not_applicable: Option<String>,
    /// How long Okta waited after 429s, in all (okta-reference.md §4.1).
    pub okta_waited: std::time::Duration,
}

impl ActionRecord {
    /// Appends `other`'s exchanges and outcomes (its checks' exchange indexes shifted to match);
    /// the first failure stays. Returns whether `other` failed.
    pub fn absorb(&mut self, other: ActionRecord) -> bool {
        let failed = other.failure.is_some();
        let offset = self.exchanges.len();
        self.exchanges.extend(other.exchanges);
        self.purposes.extend(other.purposes);
        self.checks.extend(other.checks.into_iter().map(|mut c| {
            c.exchange = c.exchange.map(|i| i + offset);
            c
        }));
        self.notes.extend(other.notes);
        self.okta_waited += other.okta_waited;
        if self.failure.is_none() {
            self.failure = other.failure;
        }
        failed
    }
}

impl ActionRecord {
    /// Records the 429s among `attempts`, each judged by `okta.rate-limit.retry-after` and
    /// explained in a note, and returns the answer that ended them, which the caller records
    /// next. When the 10th attempt was answered 429 it is recorded here, `okta.rate-limit.attempts`
    /// fails, and the task's failure is returned instead.
    pub fn record_throttles(
        &mut self,
        purpose: &Purpose,
        attempts: Attempts,
    ) -> Result<Exchange, ActionFailed> {
        let exhausted = attempts.exhausted();
        let throttled = attempts.throttles.len();
        let mut exchanges = attempts.exchanges.into_iter();
        for throttle in &attempts.throttles {
            let Some(exchange) = exchanges.next() else {
                break;
            };
            let index = self.exchanges.len();
            let mut check = RATE_LIMIT_RETRY_AFTER.judge(
                throttle.retry_after.usable(),
                "Retry-After: <seconds> (an integer, which Okta follows exactly)",
                format!(
                    "{}: Okta waits {}",
                    throttle.retry_after.describe(),
                    throttle
                        .wait
                        .map_or_else(|| "no more".to_string(), ratelimit::human)
                ),
            );
            check.exchange = Some(index);
            self.checks.push(check);
            self.notes.push(throttle.note());
            self.okta_waited += throttle.wait.unwrap_or_default();
            if exhausted && throttle.wait.is_none() {
                let mut check = RATE_LIMIT_ATTEMPTS.judge(
                    false,
                    format!("an answer other than 429 within {MAX_ATTEMPTS} attempts"),
                    format!("{MAX_ATTEMPTS} attempts answered 429"),
                );
                check.exchange = Some(index);
                self.checks.push(check);
                let reason = format!(
                    "{} answered 429 Too Many Requests {MAX_ATTEMPTS} times: Okta fails the task for good after {MAX_ATTEMPTS} attempts, and it has to be retried by hand (okta-reference.md §4.1)",
                    exchange.summary()
                );
                self.exchanges.push(exchange);
                self.purposes.push(purpose.clone());
                return Err(ActionFailed(reason));
            }
            self.exchanges.push(exchange);
            self.purposes.push(purpose.clone());
        }
        let last = exchanges.next().ok_or_else(|| {
            ActionFailed("okscim sent a request and recorded no answer: a bug in okscim".into())
        })?;
        if throttled > 0 {
            let mut check = RATE_LIMIT_ATTEMPTS.judge(
                true,
                format!("an answer other than 429 within {MAX_ATTEMPTS} attempts"),
                format!("{} after {throttled} answered 429", last.summary()),
            );
            check.exchange = Some(self.exchanges.len());
            self.checks.push(check);
        }
        Ok(last)
    }
}

/// An action could not proceed.
#[derive(Debug, Clone)]
pub struct ActionFailed(pub String);

pub use crate::errors::ScenarioMistake;

/// The engine for one app.
#[derive(Debug, Clone)]
pub struct OktaEngine {
    /// Okta's state.
    pub org: OktaOrg,
    /// The app kind.
    pub app: AppKind,
    /// The app's settings.
    pub options: OktaOptions,
    wire: Wire,
}

type Step = Result<(), ActionFailed>;

impl OktaEngine {
    /// An engine for `app` with this org.
    pub fn new(org: OktaOrg, app: AppKind, options: OktaOptions) -> Self {
        OktaEngine {
            org,
            app,
            options,
            wire: Wire::new(options),
        }
    }

    /// The request builder (for scenario reads).
    pub fn wire(&self) -> &Wire {
        &self.wire
    }

    /// Sends one request, judges it, records everything. Fails when a required okta check
    /// fails, as Okta fails the task.
    async fn send(
        &self,
        client: &ScimClient,
        record: &mut ActionRecord,
        purpose: Purpose,
        request: OutgoingRequest,
    ) -> Result<usize, ActionFailed> {
        let attempts = ratelimit::send_as_okta(client, request, self.options.retry_clock).await;
        let exchange = record.record_throttles(&purpose, attempts)?;
        self.record_exchange(record, purpose, exchange)
    }

    /// Judges an exchange and records it; fails when a required okta check fails.
    fn record_exchange(
        &self,
        record: &mut ActionRecord,
        purpose: Purpose,
        exchange: Exchange,
    ) -> Result<usize, ActionFailed> {
        let index = record.exchanges.len();
        let mut checks = judge_okta(&purpose, &exchange);
        checks.extend(judge_rfc(&purpose, &exchange));
        for c in &mut checks {
            c.exchange = Some(index);
        }
        let failed = checks
            .iter()
            .find(|c| c.is_failure() && c.kind == crate::check::CheckKind::Okta)
            .map(|c| {
                format!(
                    "{} failed ({}): expected {}, got {}",
                    exchange.summary(),
                    c.id,
                    c.expected,
                    c.actual
                )
            });
        record.checks.extend(checks);
        record.exchanges.push(exchange);
        record.purposes.push(purpose);
        match failed {
            Some(reason) => Err(ActionFailed(reason)),
            None => Ok(index),
        }
    }

    fn user_ref(&self, alias: &str) -> Result<&super::org::OktaUser, ScenarioMistake> {
        self.org
            .user(alias)
            .ok_or_else(|| ScenarioMistake::NoUser(alias.to_string()))
    }

    fn group_ref(&self, alias: &str) -> Result<&super::org::OktaGroup, ScenarioMistake> {
        self.org
            .group(alias)
            .ok_or_else(|| ScenarioMistake::NoGroup(alias.to_string()))
    }

    /// Runs an action body and turns its failure into the record's `failure`.
    fn finish(record: &mut ActionRecord, result: Step) {
        if let Err(ActionFailed(reason)) = result {
            record.failure = Some(reason);
        }
    }
}

/// The first resource of a lookup answer; `None` for a 404 or an empty list.
fn first_resource(exchange: &Exchange) -> Option<Value> {
    if exchange.status() != Some(200) {
        return None;
    }
    let body = exchange.json()?;
    list_view(body)?.items()?.first().cloned()
}

fn import_duplicate(id: &str, exchange: usize) -> CheckOutcome {
    let mut c = crate::check::IMPORT_STABLE_ORDER.judge(
        false,
        "each resource on exactly one page",
        format!("{id} seen again"),
    );
    c.exchange = Some(exchange);
    c
}

/// Okta's profile written onto a resource it read: only the attributes Okta masters change.
fn apply_profile(resource: &mut Value, user: &super::org::OktaUser, active: bool) {
    if !resource.is_object() {
        *resource = json!({});
    }
    let obj = resource.as_object_mut().expect("made an object above");
    obj.insert("userName".into(), json!(user.user_name));
    let name = obj.entry("name").or_insert_with(|| json!({}));
    if let Some(n) = name.as_object_mut() {
        n.insert("givenName".into(), json!(user.given_name));
        n.insert("familyName".into(), json!(user.family_name));
    }
    obj.insert("displayName".into(), json!(user.display_name));
    let emails = obj.entry("emails").or_insert_with(|| json!([]));
    match emails.as_array_mut() {
        Some(list) if !list.is_empty() => {
            let primary = list
                .iter()
                .position(|e| e.get("primary") == Some(&Value::Bool(true)))
                .unwrap_or(0);
            list[primary]["value"] = json!(user.email);
        }
        _ => *emails = json!([{"primary": true, "value": user.email, "type": "work"}]),
    }
    for (k, v) in &user.extra {
        if v.is_null() {
            obj.remove(k);
        } else {
            obj.insert(k.clone(), v.clone());
        }
    }
    obj.insert("active".into(), json!(active));
}
