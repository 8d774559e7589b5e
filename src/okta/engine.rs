//! The simulated Okta provisioning engine: for each admin action, exactly the requests Okta
//! sends given its state (okta-reference.md §1), for OIN (PATCH) and AIW (PUT) apps. Okta decides
//! what to do next from each response (found → link, not found → create), and fails the action
//! where Okta would fail the task: when a required okta check fails.

use serde_json::{Map, Value, json};

use super::app::{AppKind, OktaOptions};
use super::org::{OktaOrg, UserStatus};
use super::purpose::Purpose;
use super::wire::{self, Member, NewUser, PatchOperation, Wire};
use crate::check::{
    CheckOutcome, ENTITLEMENT_URN, ROLE_URN, discovery_items, entitlement_types, extension_urns,
    judge_import_items, judge_okta, judge_rfc, list_view, user_resource_type,
};
use crate::http::{Exchange, OutgoingRequest, ScimClient};

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
        if self.failure.is_none() {
            self.failure = other.failure;
        }
        failed
    }
}

/// An action could not proceed.
#[derive(Debug, Clone)]
pub struct ActionFailed(pub String);

pub use crate::errors::ScenarioMistake;

/// The engine for one app.
#[derive(Debug)]
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
        let exchange = client.send(request).await;
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

    // ---- connection and import ----

    /// Test API Credentials: `GET /Users?startIndex=1&count=2`, `GET /Groups?startIndex=1&count=100`.
    pub async fn test_connection(&mut self, client: &ScimClient) -> ActionRecord {
        let mut record = ActionRecord::default();
        let result = async {
            self.send(
                client,
                &mut record,
                Purpose::ConnectionProbe,
                self.wire.list("/Users", 1, 2),
            )
            .await?;
            self.send(
                client,
                &mut record,
                Purpose::ConnectionProbe,
                self.wire.list("/Groups", 1, 100),
            )
            .await?;
            Ok(())
        }
        .await;
        Self::finish(&mut record, result);
        record
    }

    /// Import users or groups: pages of 100 until `startIndex` passes `totalResults`.
    pub async fn import(&mut self, client: &ScimClient, endpoint: &str) -> ActionRecord {
        const PAGE: usize = 100;
        const MAX_PAGES: usize = 10_000;
        let mut record = ActionRecord::default();
        let groups = endpoint == "/Groups";
        if !groups {
            self.org.imported.clear();
        }
        let result = async {
            let mut start = 1;
            let mut seen = std::collections::HashSet::new();
            let mut imported = 0usize;
            let mut counted = (0usize, 0usize);
            for _ in 0..MAX_PAGES {
                let i = self
                    .send(
                        client,
                        &mut record,
                        Purpose::ImportPage { groups },
                        self.wire.list(endpoint, start, PAGE),
                    )
                    .await?;
                let view = record.exchanges[i].json().and_then(list_view);
                let total = view.and_then(|v| v.total()).unwrap_or(0) as usize;
                let items = view.and_then(|v| v.items()).unwrap_or(&[]);
                let page_len = items.len();
                record
                    .checks
                    .extend(judge_import_items(groups, items).into_iter().map(|mut c| {
                        c.exchange = Some(i);
                        c
                    }));
                for item in items {
                    if !groups && item.get("active") != Some(&Value::Bool(false)) {
                        self.org.imported.push(item.clone());
                    }
                    let id = item.get("id").and_then(Value::as_str).unwrap_or("");
                    if !seen.insert(id.to_string()) {
                        record.checks.push(import_duplicate(id, i));
                    }
                    // Okta does not import users whose `active` is false (okta-reference.md §1.2).
                    if item.get("active") != Some(&Value::Bool(false)) {
                        imported += 1;
                    }
                }
                counted = (total, i);
                let step = if page_len > 0
                    && page_len < PAGE
                    && self.options.import_paging == super::ImportPaging::FollowShortPages
                {
                    page_len
                } else {
                    PAGE
                };
                if page_len == 0 || start + step > total {
                    break;
                }
                start += step;
            }
            let (total, last) = counted;
            if seen.len() < total {
                let mut c = crate::check::IMPORT_COMPLETE.judge(
                    false,
                    format!("the {total} resources totalResults counts, over the pages"),
                    format!("{} seen", seen.len()),
                );
                c.exchange = Some(last);
                record.checks.push(c);
            }
            record
                .notes
                .push(format!("{} scanned, {imported} importable", seen.len()));
            if record
                .checks
                .iter()
                .any(|c| c.is_failure() && c.kind == crate::check::CheckKind::Okta)
            {
                let first = record
                    .checks
                    .iter()
                    .find(|c| c.is_failure() && c.kind == crate::check::CheckKind::Okta)
                    .map_or("", |c| c.id);
                return Err(ActionFailed(format!(
                    "the import's pages break what Okta reads ({first}): a resource on two pages, one missed, or one Okta cannot import"
                )));
            }
            Ok(())
        }
        .await;
        Self::finish(&mut record, result);
        record
    }

    /// Import User Schema (OIN Wizard apps, okta-reference.md §1.1): `GET /ResourceTypes`, then
    /// `GET /Schemas` for the core User schema and the User resource type's extensions.
    pub async fn import_schema(&mut self, client: &ScimClient) -> ActionRecord {
        let mut record = ActionRecord::default();
        let result = async {
            let i = self
                .send(
                    client,
                    &mut record,
                    Purpose::ReadResourceTypes,
                    self.wire.discovery("/ResourceTypes"),
                )
                .await?;
            let extensions = discovery_items(record.exchanges[i].json())
                .and_then(user_resource_type)
                .map(extension_urns)
                .unwrap_or_default();
            let j = self
                .send(
                    client,
                    &mut record,
                    Purpose::ReadSchemas {
                        extensions: extensions.clone(),
                    },
                    self.wire.discovery("/Schemas"),
                )
                .await?;
            let attributes = discovery_items(record.exchanges[j].json())
                .map(|schemas| {
                    schemas
                        .iter()
                        .filter_map(|s| s.get("attributes").and_then(Value::as_array))
                        .map(Vec::len)
                        .sum::<usize>()
                })
                .unwrap_or(0);
            record.notes.push(format!(
                "{attributes} attributes in /Schemas; User extensions: {}",
                if extensions.is_empty() {
                    "none".to_string()
                } else {
                    extensions.join(", ")
                }
            ));
            Ok(())
        }
        .await;
        Self::finish(&mut record, result);
        record
    }

    /// Okta's Entitlements SPEC test (okta-reference.md §2.5): the entitlement resource types are
    /// found in `/ResourceTypes` as Okta's discovery finds them (Okta's Role or Entitlement schema
    /// URN), and each endpoint is read with `?count=1&startIndex=1` and the SPEC test's headers.
    /// A server that advertises none has no entitlements: the test does not apply.
    pub async fn entitlements_test(&mut self, client: &ScimClient) -> ActionRecord {
        let mut record = ActionRecord::default();
        let result = async {
            let i = self
                .send(
                    client,
                    &mut record,
                    Purpose::FindEntitlementTypes,
                    self.wire.discovery("/ResourceTypes"),
                )
                .await?;
            let exchange = &record.exchanges[i];
            let types = match (exchange.status(), discovery_items(exchange.json())) {
                (Some(200), Some(items)) => entitlement_types(items),
                _ => {
                    record.not_applicable = Some(format!(
                        "GET /ResourceTypes answered {}: the server advertises no entitlement resource type",
                        exchange.status().map_or("nothing".to_string(), |s| s.to_string())
                    ));
                    return Ok(());
                }
            };
            if types.is_empty() {
                record.not_applicable = Some(format!(
                    "/ResourceTypes lists no resource type with Okta's Role or Entitlement schema ({ROLE_URN}, {ENTITLEMENT_URN}): the app has no entitlements"
                ));
                return Ok(());
            }
            let mut failed = None;
            for (endpoint, role) in &types {
                let result = self
                    .send(
                        client,
                        &mut record,
                        Purpose::EntitlementPage { role: *role },
                        self.wire.entitlement_page(endpoint),
                    )
                    .await;
                record.notes.push(format!(
                    "{} {endpoint}: {}",
                    if *role { "Role" } else { "Entitlement" },
                    if result.is_ok() { "passed" } else { "failed" }
                ));
                // Each endpoint is its own step of the test: the others still run.
                if let Err(e) = result {
                    failed.get_or_insert(e);
                }
            }
            failed.map_or(Ok(()), Err)
        }
        .await;
        Self::finish(&mut record, result);
        record
    }

    /// Okta matches an imported app user to the Okta user `alias` (by userName, then primary
    /// email, ignoring case) and the admin confirms it: Okta links them, with no SCIM request
    /// (okta-reference.md §1.2). Later pushes go to the imported user's id.
    pub fn confirm_import(&mut self, alias: &str) -> Result<ActionRecord, ScenarioMistake> {
        let user = self.user_ref(alias)?.clone();
        let mut record = ActionRecord::default();
        let by = |key: &str, wanted: &str| {
            self.org.imported.iter().find(|u| {
                let v = if key == "email" {
                    u.pointer("/emails/0/value")
                } else {
                    u.get(key)
                };
                v.and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(wanted))
            })
        };
        let found = by("userName", &user.user_name).or_else(|| by("email", &user.email));
        let id = found
            .and_then(|u| u.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match id {
            Some(id) => {
                if let Some(u) = self.org.user_mut(alias) {
                    u.scim_id = Some(id.clone());
                    u.assigned = true;
                    u.app_active = true;
                }
                self.org.remember(alias, &id);
                record
                    .notes
                    .push(format!("matched to imported user {id} and linked"));
            }
            None => {
                record.failure = Some(format!(
                    "no imported app user matches {alias} by userName {:?} or email {:?}: import the users first, and give each imported user its userName and primary email",
                    user.user_name, user.email
                ));
            }
        }
        Ok(record)
    }

    // ---- users ----

    /// Assign a user to the app: look up by userName, then create, or link an existing user.
    pub async fn assign(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.user_ref(alias)?;
        if let Some(u) = self.org.user_mut(alias) {
            u.assigned = true;
        }
        let mut record = ActionRecord::default();
        if self.user_ref(alias)?.status == UserStatus::Active {
            let result = self.provision(client, &mut record, alias).await;
            Self::finish(&mut record, result);
        }
        Ok(record)
    }

    async fn provision(
        &mut self,
        client: &ScimClient,
        record: &mut ActionRecord,
        alias: &str,
    ) -> Step {
        let user = self
            .org
            .user(alias)
            .cloned()
            .ok_or_else(|| ActionFailed(format!("no user {alias}")))?;
        let i = self
            .send(
                client,
                record,
                Purpose::FindUser {
                    user_name: user.user_name.clone(),
                },
                self.wire.find("/Users", "userName", &user.user_name),
            )
            .await?;
        let found = first_resource(&record.exchanges[i]);
        match found {
            None => {
                let extra = user.extra.clone();
                let request = self.wire.create_user(&NewUser {
                    user_name: &user.user_name,
                    given_name: &user.given_name,
                    family_name: &user.family_name,
                    email: &user.email,
                    display_name: &user.display_name,
                    locale: &user.locale,
                    okta_id: &user.okta_id,
                    password: user.password.expose(),
                    extra: &extra,
                });
                let i = self
                    .send(
                        client,
                        record,
                        Purpose::CreateUser {
                            user_name: user.user_name.clone(),
                            given_name: user.given_name.clone(),
                            family_name: user.family_name.clone(),
                        },
                        request,
                    )
                    .await?;
                let id = record.exchanges[i]
                    .json()
                    .and_then(|b| b.get("id"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if let Some(id) = &id {
                    self.org.remember(alias, id);
                }
                if let Some(u) = self.org.user_mut(alias) {
                    u.scim_id = id;
                    u.app_active = true;
                }
                Ok(())
            }
            Some(existing) => {
                let id = existing
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                self.org.remember(alias, &id);
                if let Some(u) = self.org.user_mut(alias) {
                    u.scim_id = Some(id.clone());
                }
                let active = existing.get("active") != Some(&Value::Bool(false));
                if active {
                    // Link: push Okta's profile onto the existing user (GET + PUT, both kinds).
                    self.put_user(client, record, alias, &id, true, None).await
                } else {
                    self.set_active(client, record, alias, &id, true).await
                }
            }
        }
    }

    /// GET the user, apply Okta's profile (and `active`), PUT it back.
    async fn put_user(
        &mut self,
        client: &ScimClient,
        record: &mut ActionRecord,
        alias: &str,
        id: &str,
        active: bool,
        password: Option<&str>,
    ) -> Step {
        let i = self
            .send(
                client,
                record,
                Purpose::ReadUser { id: id.to_string() },
                self.wire.get("/Users", id),
            )
            .await?;
        let mut resource = record.exchanges[i]
            .json()
            .cloned()
            .unwrap_or_else(|| json!({}));
        let user = self
            .org
            .user(alias)
            .cloned()
            .ok_or_else(|| ActionFailed(format!("no user {alias}")))?;
        apply_profile(&mut resource, &user, active);
        if let (Some(p), Some(map)) = (password, resource.as_object_mut()) {
            map.insert("password".into(), Value::String(p.to_string()));
        }
        self.send(
            client,
            record,
            Purpose::ReplaceUser {
                id: id.to_string(),
                active,
            },
            self.wire.put("/Users", id, &resource),
        )
        .await?;
        if let Some(u) = self.org.user_mut(alias) {
            u.app_active = active;
        }
        Ok(())
    }

    /// Activate or deactivate: PATCH (OIN) or GET + PUT (AIW).
    async fn set_active(
        &mut self,
        client: &ScimClient,
        record: &mut ActionRecord,
        alias: &str,
        id: &str,
        active: bool,
    ) -> Step {
        match self.app {
            AppKind::Oin => {
                self.send(
                    client,
                    record,
                    Purpose::SetUserActive {
                        id: id.to_string(),
                        active,
                    },
                    self.wire.patch("/Users", id, &[wire::set_active(active)]),
                )
                .await?;
                if let Some(u) = self.org.user_mut(alias) {
                    u.app_active = active;
                }
                Ok(())
            }
            AppKind::Aiw => self.put_user(client, record, alias, id, active, None).await,
        }
    }

    /// Change Okta profile attributes; a provisioned active user gets GET + PUT.
    pub async fn update(
        &mut self,
        client: &ScimClient,
        alias: &str,
        set: &Map<String, Value>,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.set_profile(alias, set)?;
        let mut record = ActionRecord::default();
        let user = self.user_ref(alias)?.clone();
        if user.pushable()
            && let Some(id) = user.scim_id.clone()
        {
            let result = self
                .put_user(client, &mut record, alias, &id, true, None)
                .await;
            Self::finish(&mut record, result);
        }
        Ok(record)
    }

    /// An action while provisioning is off: Okta keeps a profile change for itself and sends
    /// nothing (test plan C9339; okta-reference.md §2.7).
    pub fn while_provisioning_is_off(
        &mut self,
        user: Option<&str>,
        set: Option<&Map<String, Value>>,
    ) -> ActionRecord {
        if let (Some(alias), Some(set)) = (user, set) {
            let _ = self.set_profile(alias, set);
        }
        ActionRecord {
            notes: vec!["provisioning is off for the app: Okta sends nothing".to_string()],
            ..ActionRecord::default()
        }
    }

    /// Writes `set` onto the Okta user's profile. A `null` clears an attribute: the PUT then
    /// leaves it out; an empty string is sent as one (test plan C9337).
    fn set_profile(
        &mut self,
        alias: &str,
        set: &Map<String, Value>,
    ) -> Result<(), ScenarioMistake> {
        self.user_ref(alias)?;
        if let Some(u) = self.org.user_mut(alias) {
            for (key, value) in set {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                match key.as_str() {
                    "givenName" => u.given_name = text,
                    "familyName" => u.family_name = text,
                    "displayName" => u.display_name = text,
                    "email" => u.email = text,
                    "userName" => u.user_name = text,
                    "locale" => u.locale = text,
                    _ => {
                        u.extra.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        Ok(())
    }

    async fn deprovision(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        let user = self.user_ref(alias)?.clone();
        let mut record = ActionRecord::default();
        if user.app_active
            && let Some(id) = user.scim_id.clone()
        {
            let result = self
                .set_active(client, &mut record, alias, &id, false)
                .await;
            Self::finish(&mut record, result);
        }
        Ok(record)
    }

    /// Unassign from the app: deactivate in the app (Okta never DELETEs users).
    pub async fn unassign(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        let still_by_group = !self.user_ref(alias)?.assigned_by_groups.is_empty();
        if let Some(u) = self.org.user_mut(alias) {
            u.assigned = false;
        }
        if still_by_group {
            // A group still assigns the user: Okta keeps it provisioned and sends nothing.
            return Ok(ActionRecord::default());
        }
        self.deprovision(client, alias).await
    }

    /// The user's password changes in Okta with "Sync Password" on (okta-reference.md §1.8): an
    /// OIN app gets a PATCH replacing `password` (its body is unconfirmed: `--password-patch`),
    /// an AIW app GET + PUT of the user with `password`. Nothing is sent for a user Okta has not
    /// provisioned or has deactivated.
    pub async fn sync_password(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        let user = self.user_ref(alias)?.clone();
        let mut record = ActionRecord::default();
        let Some(id) = user.scim_id.clone().filter(|_| user.pushable()) else {
            return Ok(record);
        };
        let password = user.synced_password.expose().to_string();
        let result = match self.app {
            AppKind::Oin => self
                .send(
                    client,
                    &mut record,
                    Purpose::SyncPassword { id: id.clone() },
                    self.wire.patch(
                        "/Users",
                        &id,
                        &[wire::set_password(&password, self.options.password_patch)],
                    ),
                )
                .await
                .map(|_| ()),
            AppKind::Aiw => {
                self.put_user(client, &mut record, alias, &id, true, Some(&password))
                    .await
            }
        };
        Self::finish(&mut record, result);
        Ok(record)
    }

    /// Assign a group to the app: each member not yet assigned is provisioned as `assign`
    /// provisions it, in the group's order (okta-reference.md §1.3: "assign user / group-based
    /// assignment"); Okta stops at the first failed task.
    pub async fn assign_group(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        let group = self.group_ref(alias)?.clone();
        if let Some(g) = self.org.group_mut(alias) {
            g.assigned = true;
        }
        let mut record = ActionRecord::default();
        for member in &group.members {
            let user = self.user_ref(member)?.clone();
            if let Some(u) = self.org.user_mut(member)
                && !u.assigned_by_groups.contains(&group.alias)
            {
                u.assigned_by_groups.push(group.alias.clone());
            }
            if user.is_assigned() || user.status != UserStatus::Active {
                continue;
            }
            let mut one = ActionRecord::default();
            let result = self.provision(client, &mut one, member).await;
            Self::finish(&mut one, result);
            if record.absorb(one) {
                break;
            }
        }
        Ok(record)
    }

    /// Remove the group's assignment: each member no longer assigned (directly or through
    /// another group) is deactivated in the app as `unassign` does (T-PLAN C9311).
    pub async fn unassign_group(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        let group = self.group_ref(alias)?.clone();
        if let Some(g) = self.org.group_mut(alias) {
            g.assigned = false;
        }
        let mut record = ActionRecord::default();
        for member in &group.members {
            self.user_ref(member)?;
            let still = match self.org.user_mut(member) {
                Some(u) => {
                    u.assigned_by_groups.retain(|g| *g != group.alias);
                    u.is_assigned()
                }
                None => true,
            };
            if still {
                continue;
            }
            let one = self.deprovision(client, member).await?;
            if record.absorb(one) {
                break;
            }
        }
        Ok(record)
    }

    /// Deactivate the Okta user: deactivates it in the app and removes the assignment.
    pub async fn deactivate(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.user_ref(alias)?;
        let record = self.deprovision(client, alias).await?;
        if let Some(u) = self.org.user_mut(alias) {
            u.status = UserStatus::Deactivated;
            u.assigned = false;
        }
        Ok(record)
    }

    /// Reactivate the Okta user and re-assign it: the lookup runs again, then activate (or
    /// create, if the app lost the user).
    pub async fn reactivate(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.user_ref(alias)?;
        if let Some(u) = self.org.user_mut(alias) {
            u.status = UserStatus::Active;
        }
        self.assign(client, alias).await
    }

    /// Suspend or unsuspend in Okta: no SCIM request (okta-reference.md §1.7).
    pub fn set_suspended(
        &mut self,
        alias: &str,
        suspended: bool,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.user_ref(alias)?;
        if let Some(u) = self.org.user_mut(alias) {
            u.status = if suspended {
                UserStatus::Suspended
            } else {
                UserStatus::Active
            };
        }
        Ok(ActionRecord::default())
    }

    // ---- groups ----

    /// Push a group: POST with no members, then the membership.
    pub async fn push(
        &mut self,
        client: &ScimClient,
        alias: &str,
        members: Option<&[String]>,
    ) -> Result<ActionRecord, ScenarioMistake> {
        let group = self.group_ref(alias)?.clone();
        if group.pushed {
            return Err(ScenarioMistake::AlreadyPushed(alias.to_string()));
        }
        if let Some(m) = members
            && let Some(g) = self.org.group_mut(alias)
        {
            g.members = m.to_vec();
        }
        let mut record = ActionRecord::default();
        let result = async {
            let i = self
                .send(
                    client,
                    &mut record,
                    Purpose::CreateGroup {
                        name: group.name.clone(),
                    },
                    self.wire.create_group(&group.name),
                )
                .await?;
            let id = record.exchanges[i]
                .json()
                .and_then(|b| b.get("id"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            self.org.remember(alias, &id);
            self.org
                .app_group_names
                .insert(alias.to_string(), group.name.clone());
            if let Some(g) = self.org.group_mut(alias) {
                g.scim_id = Some(id.clone());
                g.pushed = true;
                g.paused = false;
            }
            match self.app {
                AppKind::Oin => {
                    if self.options.reconcile_after_push {
                        self.patch_group(
                            client,
                            &mut record,
                            &id,
                            &[wire::rename(&id, &group.name)],
                        )
                        .await?;
                    }
                    let members = self.current_members(alias);
                    if !members.is_empty() {
                        self.patch_group(client, &mut record, &id, &[wire::add_members(&members)])
                            .await?;
                    }
                }
                AppKind::Aiw => {
                    self.put_group(client, &mut record, alias, true, Some(&[]))
                        .await?;
                    if !self.current_members(alias).is_empty() {
                        self.put_group(client, &mut record, alias, false, None)
                            .await?;
                    }
                }
            }
            Ok(())
        }
        .await;
        Self::finish(&mut record, result);
        Ok(record)
    }

    fn current_members(&self, alias: &str) -> Vec<Member> {
        self.org
            .group(alias)
            .map(|g| self.org.pushed_members(g))
            .unwrap_or_default()
    }

    async fn patch_group(
        &self,
        client: &ScimClient,
        record: &mut ActionRecord,
        id: &str,
        ops: &[PatchOperation],
    ) -> Step {
        self.send(
            client,
            record,
            Purpose::PatchGroup { id: id.to_string() },
            self.wire.patch("/Groups", id, ops),
        )
        .await
        .map(|_| ())
    }

    /// AIW: PUT the group; `members` overrides the pushed member list.
    async fn put_group(
        &self,
        client: &ScimClient,
        record: &mut ActionRecord,
        alias: &str,
        with_id: bool,
        members: Option<&[Member]>,
    ) -> Step {
        let group = self
            .org
            .group(alias)
            .cloned()
            .ok_or_else(|| ActionFailed(format!("no group {alias}")))?;
        let id = group.scim_id.clone().unwrap_or_default();
        let all = self.org.pushed_members(&group);
        let members = members.unwrap_or(&all);
        // A PUT carries the whole group, name included: the name the app group has, so that a
        // membership update does not rename it when "rename app groups" is off.
        let name = self
            .org
            .app_group_names
            .get(alias)
            .cloned()
            .unwrap_or(group.name.clone());
        self.send(
            client,
            record,
            Purpose::ReplaceGroup { id: id.clone() },
            self.wire.put_group(&id, with_id, &name, members),
        )
        .await
        .map(|_| ())
    }

    /// The pushed group's SCIM id, when it is pushed.
    /// The app group's id while Okta pushes changes to it (pushed or linked, push active).
    fn pushed_id(&self, alias: &str) -> Option<String> {
        self.org
            .group(alias)
            .filter(|g| g.pushed && !g.paused)
            .and_then(|g| g.scim_id.clone())
    }

    /// The app group's id while the group is linked, its push active or deactivated.
    fn linked_id(&self, alias: &str) -> Option<String> {
        self.org
            .group(alias)
            .filter(|g| g.pushed)
            .and_then(|g| g.scim_id.clone())
    }

    /// "Deactivate group push": Okta keeps the link and sends nothing, now or for changes made
    /// while the push is deactivated (okta-reference.md §1.13).
    pub fn deactivate_push(&mut self, alias: &str) -> Result<ActionRecord, ScenarioMistake> {
        self.group_ref(alias)?;
        if self.linked_id(alias).is_none() {
            return Err(ScenarioMistake::NotPushed(alias.to_string()));
        }
        if let Some(g) = self.org.group_mut(alias) {
            g.paused = true;
        }
        Ok(ActionRecord::default())
    }

    /// "Activate group push" again: Okta pushes the group's membership at once, the way Push Now
    /// does (okta-reference.md §1.13; which requests exactly is not documented: okscim sends Push
    /// Now's, docs/okta-behaviour.md).
    pub async fn activate_push(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.group_ref(alias)?;
        if self.linked_id(alias).is_none() {
            return Err(ScenarioMistake::NotPushed(alias.to_string()));
        }
        if let Some(g) = self.org.group_mut(alias) {
            g.paused = false;
        }
        self.push_now(client, alias).await
    }

    /// Add Okta members to a group; a pushed group gets the membership update.
    pub async fn add_members(
        &mut self,
        client: &ScimClient,
        alias: &str,
        users: &[String],
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.group_ref(alias)?;
        for u in users {
            self.user_ref(u)?;
        }
        if let Some(g) = self.org.group_mut(alias) {
            for u in users {
                if !g.members.contains(u) {
                    g.members.push(u.clone());
                }
            }
        }
        let added = self.org.members_of(users);
        self.membership_update(client, alias, &added, &[]).await
    }

    /// Add users to the group as several admins (or group rules) do at the same moment: one
    /// membership update per user, all sent at once (OIN: each the `{id, displayName}` replace
    /// when renaming is on, then its `add`). A server that reads, then writes without a lock
    /// loses some of them (okta-reference.md §3.23). An AIW app's update is one `PUT` of the
    /// full member list either way.
    pub async fn add_members_concurrently(
        &mut self,
        client: &ScimClient,
        alias: &str,
        users: &[String],
    ) -> Result<ActionRecord, ScenarioMistake> {
        if self.app == AppKind::Aiw {
            return self.add_members(client, alias, users).await;
        }
        self.group_ref(alias)?;
        for u in users {
            self.user_ref(u)?;
        }
        if let Some(g) = self.org.group_mut(alias) {
            for u in users {
                if !g.members.contains(u) {
                    g.members.push(u.clone());
                }
            }
        }
        let mut record = ActionRecord::default();
        let Some(id) = self.pushed_id(alias) else {
            return Ok(record);
        };
        let name = self.group_ref(alias)?.name.clone();
        // One task per user, its requests in order; the tasks run at once.
        let mut tasks = tokio::task::JoinSet::new();
        for (n, member) in self.org.members_of(users).into_iter().enumerate() {
            let mut requests = Vec::new();
            if self.options.rename_groups {
                requests.push(self.wire.patch("/Groups", &id, &[wire::rename(&id, &name)]));
            }
            requests.push(
                self.wire
                    .patch("/Groups", &id, &[wire::add_members(&[member])]),
            );
            let client = client.clone();
            tasks.spawn(async move {
                let mut exchanges = Vec::new();
                for request in requests {
                    let exchange = client.send(request).await;
                    let answered = exchange.status().is_some_and(|s| s < 300);
                    exchanges.push(exchange);
                    // Okta stops a task at its first failed request.
                    if !answered {
                        break;
                    }
                }
                (n, exchanges)
            });
        }
        let mut done = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            // A task that panicked sent nothing okscim can report; its user is simply missing.
            if let Ok(result) = joined {
                done.push(result);
            }
        }
        done.sort_by_key(|(n, _)| *n);
        for (_, exchanges) in done {
            let mut task = ActionRecord::default();
            let result = exchanges.into_iter().try_for_each(|exchange| {
                self.record_exchange(&mut task, Purpose::PatchGroup { id: id.clone() }, exchange)
                    .map(|_| ())
            });
            Self::finish(&mut task, result);
            record.absorb(task);
        }
        if self.options.rename_groups {
            self.org.app_group_names.insert(alias.to_string(), name);
        }
        Ok(record)
    }

    /// Remove Okta members from a group; a pushed group gets the membership update.
    pub async fn remove_members(
        &mut self,
        client: &ScimClient,
        alias: &str,
        users: &[String],
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.group_ref(alias)?;
        for u in users {
            self.user_ref(u)?;
        }
        let removed = self.org.members_of(users);
        if let Some(g) = self.org.group_mut(alias) {
            g.members.retain(|m| !users.contains(m));
        }
        self.membership_update(client, alias, &[], &removed).await
    }

    async fn membership_update(
        &mut self,
        client: &ScimClient,
        alias: &str,
        added: &[Member],
        removed: &[Member],
    ) -> Result<ActionRecord, ScenarioMistake> {
        let mut record = ActionRecord::default();
        let Some(id) = self.pushed_id(alias) else {
            return Ok(record);
        };
        if added.is_empty() && removed.is_empty() {
            return Ok(record);
        }
        let result = async {
            match self.app {
                AppKind::Oin => {
                    self.rename_alongside(client, &mut record, alias, &id)
                        .await?;
                    let mut ops: Vec<PatchOperation> = removed
                        .iter()
                        .map(|m| wire::remove_member(&m.value))
                        .collect();
                    if !added.is_empty() {
                        ops.push(wire::add_members(added));
                    }
                    self.patch_group(client, &mut record, &id, &ops).await
                }
                AppKind::Aiw => {
                    self.put_group(client, &mut record, alias, false, None)
                        .await
                }
            }
        }
        .await;
        Self::finish(&mut record, result);
        Ok(record)
    }

    /// OIN: "the group name update operation is triggered each time there's a group membership
    /// update operation" (R20): with "rename app groups" on, a path-less `{id, displayName}`
    /// replace goes before the membership PATCH.
    async fn rename_alongside(
        &mut self,
        client: &ScimClient,
        record: &mut ActionRecord,
        alias: &str,
        id: &str,
    ) -> Step {
        if !self.options.rename_groups {
            return Ok(());
        }
        let name = self
            .group_ref(alias)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        self.patch_group(client, record, id, &[wire::rename(id, &name)])
            .await?;
        self.org.app_group_names.insert(alias.to_string(), name);
        Ok(())
    }

    /// Push Now: replace the whole membership (`[]` for an empty group).
    pub async fn push_now(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.group_ref(alias)?;
        if self.linked_id(alias).is_some() && self.pushed_id(alias).is_none() {
            return Err(ScenarioMistake::PushDeactivated(alias.to_string()));
        }
        let id = self
            .pushed_id(alias)
            .ok_or_else(|| ScenarioMistake::NotPushed(alias.to_string()))?;
        let mut record = ActionRecord::default();
        let members = self.current_members(alias);
        let result = match self.app {
            AppKind::Oin => match self.rename_alongside(client, &mut record, alias, &id).await {
                Ok(()) => {
                    let op = if self.options.pathless_push_now {
                        let name = self
                            .org
                            .app_group_names
                            .get(alias)
                            .cloned()
                            .unwrap_or_default();
                        wire::replace_group(&id, &name, &members)
                    } else {
                        wire::replace_members(&members)
                    };
                    self.patch_group(client, &mut record, &id, &[op]).await
                }
                Err(e) => Err(e),
            },
            AppKind::Aiw => {
                self.put_group(client, &mut record, alias, false, None)
                    .await
            }
        };
        Self::finish(&mut record, result);
        Ok(record)
    }

    /// Rename the Okta group; with "rename app groups" on, the app group is renamed too.
    pub async fn rename(
        &mut self,
        client: &ScimClient,
        alias: &str,
        to: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.group_ref(alias)?;
        if let Some(g) = self.org.group_mut(alias) {
            g.name = to.to_string();
        }
        let mut record = ActionRecord::default();
        let Some(id) = self.pushed_id(alias) else {
            return Ok(record);
        };
        if !self.options.rename_groups {
            return Ok(record);
        }
        self.org
            .app_group_names
            .insert(alias.to_string(), to.to_string());
        let result = match self.app {
            AppKind::Oin => {
                self.patch_group(client, &mut record, &id, &[wire::rename(&id, to)])
                    .await
            }
            AppKind::Aiw => self.put_group(client, &mut record, alias, true, None).await,
        };
        Self::finish(&mut record, result);
        Ok(record)
    }

    /// Link the Okta group to an existing app group found by name, then push the membership.
    pub async fn link(
        &mut self,
        client: &ScimClient,
        alias: &str,
    ) -> Result<ActionRecord, ScenarioMistake> {
        let group = self.group_ref(alias)?.clone();
        let mut record = ActionRecord::default();
        let result = async {
            let i = self
                .send(
                    client,
                    &mut record,
                    Purpose::FindGroup {
                        name: group.name.clone(),
                    },
                    self.wire.find("/Groups", "displayName", &group.name),
                )
                .await?;
            let Some(found) = first_resource(&record.exchanges[i]) else {
                return Err(ActionFailed(format!(
                    "no app group named {:?} to link",
                    group.name
                )));
            };
            let id = found
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let app_name = found
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or(&group.name)
                .to_string();
            self.org.remember(alias, &id);
            self.org.app_group_names.insert(alias.to_string(), app_name);
            if let Some(g) = self.org.group_mut(alias) {
                g.scim_id = Some(id.clone());
                g.pushed = true;
                g.paused = false;
            }
            let members = self.current_members(alias);
            if !members.is_empty() {
                match self.app {
                    AppKind::Oin => {
                        self.rename_alongside(client, &mut record, alias, &id)
                            .await?;
                        self.patch_group(client, &mut record, &id, &[wire::add_members(&members)])
                            .await?
                    }
                    AppKind::Aiw => {
                        self.put_group(client, &mut record, alias, false, None)
                            .await?
                    }
                }
            }
            Ok(())
        }
        .await;
        Self::finish(&mut record, result);
        Ok(record)
    }

    /// Create and activate a Group Push rule matching `groups`: each one not pushed yet is
    /// pushed as `push` pushes it, in order; Okta stops at the first failed task (test plan
    /// C9323, okta-reference.md §2.7).
    pub async fn push_rule(
        &mut self,
        client: &ScimClient,
        rule: &str,
        groups: &[String],
    ) -> Result<ActionRecord, ScenarioMistake> {
        if self.org.push_rules.contains_key(rule) {
            return Err(ScenarioMistake::PushRuleExists(rule.to_string()));
        }
        for g in groups {
            self.group_ref(g)?;
        }
        let mut record = ActionRecord::default();
        let mut pushed = Vec::new();
        for g in groups {
            if self.linked_id(g).is_some() {
                continue;
            }
            let r = self.push(client, g, None).await?;
            pushed.push(g.clone());
            if record.absorb(r) {
                break;
            }
        }
        self.org.push_rules.insert(
            rule.to_string(),
            super::org::PushRule {
                pushed,
                active: true,
            },
        );
        Ok(record)
    }

    /// Deactivate a push rule: nothing is sent; the groups it pushed stay pushed (test plan
    /// C9324; what happens to them is a documented choice, docs/okta-behaviour.md).
    pub fn deactivate_push_rule(&mut self, rule: &str) -> Result<ActionRecord, ScenarioMistake> {
        let r = self
            .org
            .push_rules
            .get_mut(rule)
            .ok_or_else(|| ScenarioMistake::NoPushRule(rule.to_string()))?;
        r.active = false;
        Ok(ActionRecord::default())
    }

    /// Delete a push rule: each group it pushed is unlinked, deleted in the app with
    /// `delete_groups` (a DELETE each, okta-reference.md §1.13) or left there (nothing sent).
    pub async fn delete_push_rule(
        &mut self,
        client: &ScimClient,
        rule: &str,
        delete_groups: bool,
    ) -> Result<ActionRecord, ScenarioMistake> {
        let r = self
            .org
            .push_rules
            .remove(rule)
            .ok_or_else(|| ScenarioMistake::NoPushRule(rule.to_string()))?;
        let mut record = ActionRecord::default();
        for g in &r.pushed {
            if self.linked_id(g).is_none() {
                continue;
            }
            let other = self.unlink(client, g, delete_groups).await?;
            if record.absorb(other) {
                break;
            }
        }
        Ok(record)
    }

    /// Unlink the pushed group: delete it in the app (`DELETE /Groups/{id}`) or leave it (no request).
    pub async fn unlink(
        &mut self,
        client: &ScimClient,
        alias: &str,
        delete: bool,
    ) -> Result<ActionRecord, ScenarioMistake> {
        self.group_ref(alias)?;
        let id = self
            .linked_id(alias)
            .ok_or_else(|| ScenarioMistake::NothingToUnlink(alias.to_string()))?;
        let mut record = ActionRecord::default();
        if delete {
            let result = self
                .send(
                    client,
                    &mut record,
                    Purpose::DeleteGroup { id: id.clone() },
                    self.wire.delete("/Groups", &id),
                )
                .await
                .map(|_| ());
            Self::finish(&mut record, result);
        }
        self.org.app_group_names.remove(alias);
        if let Some(g) = self.org.group_mut(alias) {
            g.pushed = false;
            g.paused = false;
            g.scim_id = None;
        }
        Ok(record)
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
