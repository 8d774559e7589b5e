//! Fixtures: user and group aliases and their attributes.

use super::*;

impl Reader {
    pub(super) fn alias_ref(
        &mut self,
        node: &Node,
        kind: FixtureKind,
        context: &str,
    ) -> Option<String> {
        let alias = self.string(node, &format!("the {} of {context}", kind.noun()))?;
        let (same, other) = match kind {
            FixtureKind::User => (&self.users, &self.groups),
            FixtureKind::Group => (&self.groups, &self.users),
        };
        if same.contains(&alias) {
            return Some(alias);
        }
        let list = same.iter().cloned().collect::<Vec<_>>().join(", ");
        let defined = if list.is_empty() {
            format!(
                "no {} are defined: add one under `{}:`",
                kind.section(),
                kind.section()
            )
        } else {
            format!("{}: {list}", kind.section())
        };
        if other.contains(&alias) {
            let other_noun = match kind {
                FixtureKind::User => "group",
                FixtureKind::Group => "user",
            };
            self.report(
                node.span,
                Kind::WrongAliasKind,
                format!(
                    "`{alias}` is a {other_noun}, but {context} needs a {}",
                    kind.noun()
                ),
                defined,
                &format!("a {other_noun}"),
            );
        } else {
            let hint = did_you_mean(&alias, same.iter().map(String::as_str));
            self.report(
                node.span,
                Kind::UnknownAlias,
                format!("unknown {} `{alias}` in {context}", kind.noun()),
                format!("{hint}{defined}"),
                &format!("not a {}", kind.noun()),
            );
        }
        None
    }

    pub(super) fn alias_list(
        &mut self,
        node: &Node,
        kind: FixtureKind,
        context: &str,
        example: &str,
    ) -> Vec<String> {
        let items = self.strings(node, context, example);
        let mut out = Vec::new();
        for (_, item) in items {
            if let Some(alias) = self.alias_ref(item, kind, context) {
                out.push(alias);
            }
        }
        out
    }

    /// Checks an alias being defined; returns whether it is usable.
    pub(super) fn define_alias(&mut self, alias: &str, key: &Node, kind: FixtureKind) -> bool {
        if alias == "run" {
            self.report(
                key.span,
                Kind::BadName,
                "`run` is reserved: `${run}` is the per-run unique token".into(),
                format!("name the {} something else", kind.noun()),
                "reserved",
            );
            return false;
        }
        if !is_alias(alias) {
            self.report(
                key.span,
                Kind::BadName,
                format!("`{alias}` is not a valid {} alias", kind.noun()),
                "an alias starts with a letter or `_` and contains only letters, digits, `_` and `-` (e.g. `alice`, `eng-team`)".into(),
                "invalid alias",
            );
            return false;
        }
        if kind == FixtureKind::Group && self.users.contains(alias) {
            self.report(
                key.span,
                Kind::DuplicateAlias,
                format!("`{alias}` is both a user and a group"),
                "an alias names one fixture: rename the user or the group".into(),
                "already a user",
            );
            return false;
        }
        true
    }

    pub(super) fn user_fixture(&mut self, alias: &str, node: &Node) -> Option<UserFixture> {
        let e = self.map(node, "a user fixture", USER_KEYS)?;
        let text = |reader: &mut Self, key: &str| {
            e.get(key)
                .and_then(|n| reader.template(n, &format!("`{key}`")))
        };
        let user_name = text(self, "userName")
            .unwrap_or_else(|| template_of(&format!("{alias}.${{run}}@example.com")));
        let email = text(self, "email").unwrap_or_else(|| user_name.clone());
        let given_name = text(self, "givenName");
        let family_name = text(self, "familyName");
        let display_name = text(self, "displayName");
        let title = text(self, "title");
        let locale = text(self, "locale");
        let okta_id = text(self, "oktaId");
        let mut attributes = Map::new();
        if let Some(n) = e.get("attributes") {
            attributes = self
                .json_object(n, "`attributes`", "attributes: { nickName: Al }")
                .unwrap_or_default();
            if let NodeValue::Map(entries) = &n.value {
                for (k, _) in entries {
                    let key = self.key_text(k);
                    if USER_KEYS.contains(&key.as_str()) || key == "id" || key == "active" {
                        let help = match key.as_str() {
                            "id" => "the server assigns the id; okscim sends Okta's user id as `externalId`".to_owned(),
                            "active" => "`status` sets whether the user is active".to_owned(),
                            _ => format!("move `{key}` out of `attributes`, next to it"),
                        };
                        self.report(
                            k.span,
                            Kind::InvalidValue,
                            format!("`{key}` cannot be set in `attributes`"),
                            help,
                            "not here",
                        );
                    }
                }
            }
        }
        let status = match e.get("status") {
            Some(n) => match self.word(n, "user status", USER_STATUSES)? {
                "staged" => UserStatus::Staged,
                "suspended" => UserStatus::Suspended,
                "deactivated" => UserStatus::Deactivated,
                _ => UserStatus::Active,
            },
            None => UserStatus::Active,
        };
        Some(UserFixture {
            user_name,
            email,
            given_name,
            family_name,
            display_name,
            title,
            locale,
            attributes,
            status,
            okta_id,
        })
    }

    pub(super) fn group_fixture(&mut self, alias: &str, node: &Node) -> Option<GroupFixture> {
        let e = self.map(node, "a group fixture", GROUP_KEYS)?;
        let name = e
            .get("name")
            .and_then(|n| self.template(n, "`name`"))
            .unwrap_or_else(|| template_of(&format!("{alias}-${{run}}")));
        let members = match e.get("members") {
            Some(n) => self.alias_list(
                n,
                FixtureKind::User,
                &format!("the members of group `{alias}`"),
                "members: [alice, bob]",
            ),
            None => Vec::new(),
        };
        Some(GroupFixture { name, members })
    }

    // ----- the scenario -----------------------------------------------------------------------
}
