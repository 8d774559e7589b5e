//! The scenario as a whole, its options and its steps.

use super::*;

impl Reader {
    pub(super) fn scenario(&mut self, root: &Node) -> Option<Scenario> {
        if let NodeValue::Null = root.value {
            self.report(
                root.span,
                Kind::MissingKey,
                "the file is empty".into(),
                "a scenario needs at least `name` and `steps`".into(),
                "empty",
            );
            return None;
        }
        let e = self.map(root, "the scenario", TOP_KEYS)?;
        let name = self
            .required(
                &e,
                "name",
                root,
                "the scenario",
                "name: <what the scenario checks>",
            )
            .and_then(|n| self.string(n, "`name`"));
        let about = e.get("about").and_then(|n| match n.value {
            NodeValue::Null => None,
            _ => self.string(n, "`about`"),
        });
        let tags = match e.get("tags") {
            Some(n) => self
                .strings(n, "`tags`", "tags: [groups, push]")
                .into_iter()
                .map(|(s, _)| s)
                .collect(),
            None => Vec::new(),
        };
        let apps = match e.get("apps") {
            Some(n) => self.apps(n),
            None => AppKind::all(),
        };
        let options = match e.get("options") {
            Some(n) => self.options(n),
            None => AppOptions::default(),
        };

        // Fixtures: aliases first, so that groups may list users and steps may name both.
        let user_nodes = e
            .get("users")
            .map(|n| self.free_map(n, "`users`"))
            .unwrap_or_default();
        let group_nodes = e
            .get("groups")
            .map(|n| self.free_map(n, "`groups`"))
            .unwrap_or_default();
        let mut user_entries = Vec::new();
        for (alias, key, value) in user_nodes {
            if self.define_alias(&alias, key, FixtureKind::User) {
                self.users.insert(alias.clone());
                user_entries.push((alias, value));
            }
        }
        let mut group_entries = Vec::new();
        for (alias, key, value) in group_nodes {
            if self.define_alias(&alias, key, FixtureKind::Group) {
                self.groups.insert(alias.clone());
                group_entries.push((alias, value));
            }
        }
        self.scope = Scope::Fixtures;
        let mut users = BTreeMap::new();
        for (alias, node) in user_entries {
            if let Some(user) = self.user_fixture(&alias, node) {
                users.insert(alias, user);
            }
        }
        let mut groups = BTreeMap::new();
        for (alias, node) in group_entries {
            if let Some(group) = self.group_fixture(&alias, node) {
                groups.insert(alias, group);
            }
        }

        let steps = match self.required(&e, "steps", root, "the scenario", "steps: [ ... ]") {
            Some(n) => self.steps(n),
            None => Vec::new(),
        };
        let redact = match e.get("redact") {
            Some(n) => {
                let items = self.strings(n, "`redact`", "redact: [\"$.meta.created\"]");
                items
                    .into_iter()
                    .filter_map(|(_, item)| self.jsonpath(item, "a redaction"))
                    .collect()
            }
            None => Vec::new(),
        };
        let covers = match e.get("covers") {
            Some(n) => self.covers(n),
            None => Vec::new(),
        };
        let exclusive = match e.get("exclusive") {
            Some(n) => self.bool(n, "`exclusive`").unwrap_or(false),
            None => false,
        };
        Some(Scenario {
            name: name?,
            about,
            tags,
            apps,
            options,
            users,
            groups,
            steps,
            redact,
            exclusive,
            covers,
            path: self.files[0].path.clone(),
        })
    }

    /// `covers: [C9290, SPEC-11]`: requirement ids (letters, digits and `-`).
    pub(super) fn covers(&mut self, node: &Node) -> Vec<String> {
        let mut out = Vec::new();
        for (id, item) in self.strings(node, "`covers`", "covers: [C9290]") {
            let well_formed = !id.is_empty()
                && id.starts_with(|c: char| c.is_ascii_uppercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if well_formed {
                out.push(id);
            } else {
                self.report(
                    item.span,
                    Kind::InvalidValue,
                    format!("`{id}` is not a requirement id"),
                    "use an id from docs/certify.md: a test-plan case (`C9290`), a SPEC test step (`SPEC-11`) or a CRUD test step (`CRUD-5`)".into(),
                    "not an id",
                );
            }
        }
        out
    }

    pub(super) fn apps(&mut self, node: &Node) -> Vec<AppKind> {
        let items = self.strings(node, "`apps`", "apps: [oin, aiw]");
        if items.is_empty() {
            if let NodeValue::Seq(_) = node.value {
                self.report(
                    node.span,
                    Kind::InvalidValue,
                    "`apps` is empty: the scenario would never run".into(),
                    "list `oin`, `aiw` or both, or remove `apps` to run under both".into(),
                    "empty",
                );
            }
            return AppKind::all();
        }
        let mut apps = Vec::new();
        for (_, item) in items {
            let app = match self.word(item, "app kind", &["oin", "aiw"]) {
                Some("oin") => AppKind::Oin,
                Some(_) => AppKind::Aiw,
                None => continue,
            };
            if apps.contains(&app) {
                self.report(
                    item.span,
                    Kind::InvalidValue,
                    format!("`{app}` is listed twice in `apps`"),
                    "list each app kind once".into(),
                    "again",
                );
            } else {
                apps.push(app);
            }
        }
        apps
    }

    pub(super) fn options(&mut self, node: &Node) -> AppOptions {
        let mut options = AppOptions::default();
        let Some(e) = self.map(node, "`options`", OPTION_KEYS) else {
            return options;
        };
        if let Some(n) = e.get("rename_groups") {
            options.rename_groups = self.bool(n, "`rename_groups`").unwrap_or(true);
        }
        if let Some(n) = e.get("request_headers") {
            options.request_headers =
                match self.word(n, "`request_headers`", &["okscim", "okta-spec-test"]) {
                    Some("okta-spec-test") => RequestHeaders::OktaSpecTest,
                    _ => RequestHeaders::Okscim,
                };
        }
        options
    }

    // ----- steps ------------------------------------------------------------------------------

    pub(super) fn steps(&mut self, node: &Node) -> Vec<Step> {
        let NodeValue::Seq(items) = &node.value else {
            self.wrong_type(
                node,
                "`steps`",
                "a list",
                "steps: [ { okta: { assign: alice } } ]",
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.report(
                node.span,
                Kind::InvalidValue,
                "`steps` is empty".into(),
                "add at least one step, e.g. `- okta: { assign: alice }`".into(),
                "no steps",
            );
        }
        // Where each capture is first defined, to explain a use that comes too early.
        for (index, item) in items.iter().enumerate() {
            let NodeValue::Map(entries) = &item.value else {
                continue;
            };
            for (k, v) in entries {
                if self.key_text(k) != "capture" {
                    continue;
                }
                if let NodeValue::Map(captures) = &v.value {
                    for (ck, _) in captures {
                        let name = self.key_text(ck);
                        self.all_captures.entry(name).or_insert((index, ck.span));
                    }
                }
            }
        }
        let mut steps = Vec::new();
        for (index, item) in items.iter().enumerate() {
            self.scope = Scope::Step(index);
            if let Some(step) = self.step(item) {
                self.captures.extend(step.capture.keys().cloned());
                steps.push(step);
            }
        }
        steps
    }

    pub(super) fn step(&mut self, node: &Node) -> Option<Step> {
        let e = self.map(node, "a step", STEP_KEYS)?;
        let kinds: Vec<&str> = STEP_KINDS.iter().copied().filter(|k| e.has(k)).collect();
        match kinds.as_slice() {
            [] => {
                if e.unknown == 0 {
                    let at = e.items.first().map_or(
                        Span {
                            len: 0,
                            ..node.span
                        },
                        |(_, k, _)| k.span,
                    );
                    self.report(
                        at,
                        Kind::NoStepKind,
                        "this step does nothing: it has none of `okta`, `read`, `request`".into(),
                        "add exactly one, e.g. `okta: { assign: alice }`, `read: { user: alice }` or `request: { method: GET, path: /Users }`".into(),
                        "no okta, read or request",
                    );
                }
                return None;
            }
            [_] => {}
            [first, second, ..] => {
                let at = e.key(second).map_or(node.span, |k| k.span);
                self.report(
                    at,
                    Kind::Conflict,
                    format!("a step has both `{first}` and `{second}`"),
                    "each step is exactly one of `okta`, `read`, `request`: split it into two steps".into(),
                    "second kind",
                );
                return None;
            }
        }
        let kind_node = e.get(kinds[0])?;
        let is_okta = kinds[0] == "okta";
        let kind = match kinds[0] {
            "okta" => self.okta(kind_node).map(StepKind::Okta),
            "read" => self.read_target(kind_node).map(StepKind::Read),
            _ => self.request(kind_node).map(StepKind::Request),
        };
        let name = e.get("name").and_then(|n| self.string(n, "`name`"));
        let apps = match e.get("apps") {
            Some(n) => self.apps(n),
            None => AppKind::all(),
        };
        let covers = match e.get("covers") {
            Some(n) => self.covers(n),
            None => Vec::new(),
        };
        let expect = match e.get("expect") {
            Some(n) => self.expect(n, is_okta),
            None => Some(Expect::default()),
        };
        let capture = match e.get("capture") {
            Some(n) => self.captures(n),
            None => BTreeMap::new(),
        };
        let snapshot = match e.get("snapshot") {
            Some(n) => self.bool(n, "`snapshot`"),
            None => Some(true),
        };
        let when_empty = match e.get("when_empty") {
            Some(n) => {
                let path = self.string(n, "`when_empty`")?;
                if !path.starts_with('/') || path.contains('?') {
                    self.report(
                        n.span,
                        Kind::InvalidValue,
                        format!("`when_empty` is {path:?}: it names a collection path"),
                        "write the path alone, e.g. `when_empty: /Users`".into(),
                        "not a path",
                    );
                    return None;
                }
                Some(path)
            }
            None => None,
        };
        Some(Step {
            kind: kind?,
            name,
            apps,
            covers,
            expect: expect?,
            capture,
            snapshot: snapshot? && when_empty.is_none(),
            when_empty,
            position: self.files[node.span.file].position(node.span.offset),
        })
    }
}
