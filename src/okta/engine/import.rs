//! The connection test, imports, schema discovery and the Entitlements SPEC test.

use super::*;

impl OktaEngine {
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
                    && self.options.import_paging == crate::okta::ImportPaging::FollowShortPages
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
}
