//! Users: assignment, profile pushes, (de)activation, password sync, group assignment.

use super::*;

impl OktaEngine {
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

    pub(super) async fn provision(
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
    pub(super) async fn put_user(
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
    pub(super) async fn set_active(
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
    pub(super) fn set_profile(
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

    pub(super) async fn deprovision(
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
}
