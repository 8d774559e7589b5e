//! Groups: push, membership, Push Now, rename, link and unlink, push rules.

use super::*;

impl OktaEngine {
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

    pub(super) fn current_members(&self, alias: &str) -> Vec<Member> {
        self.org
            .group(alias)
            .map(|g| self.org.pushed_members(g))
            .unwrap_or_default()
    }

    pub(super) async fn patch_group(
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
    pub(super) async fn put_group(
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
    pub(super) fn pushed_id(&self, alias: &str) -> Option<String> {
        self.org
            .group(alias)
            .filter(|g| g.pushed && !g.paused)
            .and_then(|g| g.scim_id.clone())
    }

    /// The app group's id while the group is linked, its push active or deactivated.
    pub(super) fn linked_id(&self, alias: &str) -> Option<String> {
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
        // One task per user, its requests in order; the tasks run at once, at most Okta's
        // per-app concurrency of them in flight.
        let mut tasks = tokio::task::JoinSet::new();
        let in_flight =
            std::sync::Arc::new(tokio::sync::Semaphore::new(self.options.concurrency.max(1)));
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
            let clock = self.options.retry_clock;
            let in_flight = in_flight.clone();
            tasks.spawn(async move {
                // The semaphore is never closed.
                let _slot = in_flight.acquire_owned().await.ok();
                let mut sent = Vec::new();
                for request in requests {
                    let attempts = ratelimit::send_as_okta(&client, request, clock).await;
                    let answered = attempts
                        .exchanges
                        .last()
                        .and_then(Exchange::status)
                        .is_some_and(|s| s < 300);
                    sent.push(attempts);
                    // Okta stops a task at its first failed request.
                    if !answered {
                        break;
                    }
                }
                (n, sent)
            });
        }
        let mut done = Vec::new();
        let mut lost = None;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => done.push(result),
                // Never dropped in silence: the action fails, saying it is okscim's bug.
                Err(e) => {
                    lost.get_or_insert_with(|| {
                        format!("okscim lost a concurrent membership update ({e}): a bug in okscim, please report it")
                    });
                }
            }
        }
        done.sort_by_key(|(n, _)| *n);
        for (_, sent) in done {
            let mut task = ActionRecord::default();
            let result = sent.into_iter().try_for_each(|attempts| {
                let purpose = Purpose::PatchGroup { id: id.clone() };
                let exchange = task.record_throttles(&purpose, attempts)?;
                self.record_exchange(&mut task, purpose, exchange)
                    .map(|_| ())
            });
            Self::finish(&mut task, result);
            record.absorb(task);
        }
        if self.options.rename_groups {
            self.org.app_group_names.insert(alias.to_string(), name);
        }
        if record.failure.is_none() {
            record.failure = lost;
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

    pub(super) async fn membership_update(
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
    pub(super) async fn rename_alongside(
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
            crate::okta::org::PushRule {
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
