//! What a step does: an Okta action, a verification read or a raw request.

use super::*;

impl Reader {
    pub(super) fn okta(&mut self, node: &Node) -> Option<OktaAction> {
        let all_keys: Vec<&str> = ACTIONS.iter().map(|a| a.key).collect();
        let entries = match &node.value {
            NodeValue::Str(word) => return self.okta_word(node, word, &all_keys),
            NodeValue::Map(entries) => entries,
            _ => {
                self.wrong_type(
                    node,
                    "an okta action",
                    "an action name or a map",
                    "okta: { assign: alice }",
                );
                return None;
            }
        };
        let keyed: Vec<(String, &Node, &Node)> = entries
            .iter()
            .map(|(k, v)| (self.key_text(k), k, v))
            .collect();
        let actions: Vec<&(String, &Node, &Node)> = keyed
            .iter()
            .filter(|(k, ..)| action_spec(k).is_some())
            .collect();
        let Some((key, key_node, subject_node)) =
            actions.first().map(|(k, kn, sn)| (k.clone(), *kn, *sn))
        else {
            let map_keys: Vec<&str> = ACTIONS
                .iter()
                .filter(|a| a.subject != Subject::None)
                .map(|a| a.key)
                .collect();
            for (k, key_node, _) in &keyed {
                let hint = did_you_mean(k, all_keys.iter().copied());
                self.report(
                    key_node.span,
                    Kind::UnknownKey,
                    format!("unknown key `{k}` in an okta step"),
                    format!("{hint}allowed: {}", map_keys.join(", ")),
                    "unknown key",
                );
            }
            if keyed.is_empty() {
                self.report(
                    node.span,
                    Kind::MissingKey,
                    "an okta step needs an action".into(),
                    format!(
                        "write e.g. `okta: {{ assign: alice }}`; actions: {}",
                        all_keys.join(", ")
                    ),
                    "no action",
                );
            }
            return None;
        };
        if let Some((second, second_node, _)) = actions.get(1).copied() {
            self.report(
                second_node.span,
                Kind::Conflict,
                format!("two actions in one okta step: `{key}` and `{second}`"),
                "a step runs one Okta action: split it into two steps".into(),
                "second action",
            );
            return None;
        }
        let spec = action_spec(&key)?;
        if spec.subject == Subject::None {
            self.report(
                key_node.span,
                Kind::WrongType,
                format!("`{key}` takes no subject or parameters"),
                format!("write it as a plain string: `okta: {key}`"),
                "no parameters",
            );
            return None;
        }
        let allowed: Vec<&str> = std::iter::once(spec.key)
            .chain(spec.params.iter().map(|p| p.key))
            .collect();
        let mut ok = true;
        for (k, other_key_node, _) in &keyed {
            if !allowed.contains(&k.as_str()) {
                ok = false;
                self.unknown_key(other_key_node, k, &format!("`{key}`"), &allowed);
            }
        }
        for param in spec.params.iter().filter(|p| p.required) {
            if !keyed.iter().any(|(k, ..)| k == param.key) {
                ok = false;
                self.report(
                    key_node.span,
                    Kind::MissingKey,
                    format!("`{key}` is missing `{}`", param.key),
                    format!(
                        "write e.g. `okta: {{ {key}: {}, {} }}`",
                        self.scalar_text(subject_node),
                        param.example
                    ),
                    &format!("needs `{}`", param.key),
                );
            }
        }
        let param = |name: &str| keyed.iter().find(|(k, ..)| k == name).map(|(_, _, v)| *v);
        let context = format!("`{key}`");
        let subject = match spec.subject {
            Subject::Rule => self.string(subject_node, &format!("the rule name of {context}")),
            Subject::User => self.alias_ref(subject_node, FixtureKind::User, &context),
            _ => self.alias_ref(subject_node, FixtureKind::Group, &context),
        };
        let action = self.okta_action(spec, subject.clone().unwrap_or_default(), &param, &context);
        if ok && subject.is_some() {
            action
        } else {
            None
        }
    }

    pub(super) fn okta_action<'n>(
        &mut self,
        spec: &ActionSpec,
        subject: String,
        param: &dyn Fn(&str) -> Option<&'n Node>,
        context: &str,
    ) -> Option<OktaAction> {
        let users = |reader: &mut Self, name: &str| -> Option<Vec<String>> {
            let node = param(name)?;
            Some(reader.alias_list(
                node,
                FixtureKind::User,
                &format!("`{name}` of {context}"),
                &format!("{name}: [alice, bob]"),
            ))
        };
        let groups = |reader: &mut Self, name: &str| -> Option<Vec<String>> {
            let node = param(name)?;
            Some(reader.alias_list(
                node,
                FixtureKind::Group,
                &format!("`{name}` of {context}"),
                &format!("{name}: [eng, ops]"),
            ))
        };
        let subject_text = subject.clone();
        let (user, group) = (subject.clone(), subject);
        Some(match spec.key {
            "assign" => OktaAction::Assign { user },
            "update" => {
                let node = param("set")?;
                let set = self.json_object(node, "`set`", "set: { title: Boss }")?;
                if set.is_empty() {
                    self.report(
                        node.span,
                        Kind::InvalidValue,
                        "`set` is empty: the update changes nothing".into(),
                        "name the attributes to change, e.g. `set: { title: Boss }`".into(),
                        "empty",
                    );
                    return None;
                }
                OktaAction::Update { user, set }
            }
            "unassign" => OktaAction::Unassign { user },
            "deactivate" => OktaAction::Deactivate { user },
            "reactivate" => OktaAction::Reactivate { user },
            "suspend" => OktaAction::Suspend { user },
            "unsuspend" => OktaAction::Unsuspend { user },
            "sync-password" => OktaAction::SyncPassword { user },
            "confirm-import" => OktaAction::ConfirmImport { user },
            "push" => OktaAction::Push {
                group,
                members: users(self, "members"),
            },
            "add-members" => OktaAction::AddMembers {
                group,
                users: users(self, "users")?,
                concurrently: match param("concurrently") {
                    Some(n) => self.bool(n, "`concurrently`")?,
                    None => false,
                },
            },
            "remove-members" => OktaAction::RemoveMembers {
                group,
                users: users(self, "users")?,
            },
            "assign-group" => OktaAction::AssignGroup { group },
            "unassign-group" => OktaAction::UnassignGroup { group },
            "push-now" => OktaAction::PushNow { group },
            "deactivate-push" => OktaAction::DeactivatePush { group },
            "activate-push" => OktaAction::ActivatePush { group },
            "rename" => OktaAction::Rename {
                group,
                to: self.template(param("to")?, "`to`")?,
            },
            "link" => OktaAction::Link { group },
            "push-rule" => OktaAction::PushRule {
                rule: subject_text.clone(),
                groups: groups(self, "groups")?,
            },
            "deactivate-push-rule" => OktaAction::DeactivatePushRule {
                rule: subject_text.clone(),
            },
            "delete-push-rule" => OktaAction::DeletePushRule {
                rule: subject_text.clone(),
                delete_groups: match param("delete_groups") {
                    Some(n) => self.bool(n, "`delete_groups`")?,
                    None => false,
                },
            },
            "unlink" => OktaAction::Unlink {
                group,
                delete: match param("delete") {
                    Some(n) => self.bool(n, "`delete`")?,
                    None => false,
                },
            },
            _ => return None,
        })
    }

    pub(super) fn okta_word(
        &mut self,
        node: &Node,
        word: &str,
        all_keys: &[&str],
    ) -> Option<OktaAction> {
        match word {
            "test-connection" => return Some(OktaAction::TestConnection),
            "import-users" => return Some(OktaAction::ImportUsers),
            "import-groups" => return Some(OktaAction::ImportGroups),
            "import-schema" => return Some(OktaAction::ImportSchema),
            "entitlements-test" => return Some(OktaAction::EntitlementsTest),
            "disable-provisioning" => return Some(OktaAction::DisableProvisioning),
            "enable-provisioning" => return Some(OktaAction::EnableProvisioning),
            _ => {}
        }
        if let Some(spec) = action_spec(word) {
            let (noun, example) = match spec.subject {
                Subject::User => ("user", "alice"),
                Subject::Rule => ("rule name", "eng-rule"),
                _ => ("group", "eng"),
            };
            self.report(
                node.span,
                Kind::MissingKey,
                format!("`{word}` needs a {noun}"),
                format!("write `okta: {{ {word}: <{noun} alias> }}`, e.g. `okta: {{ {word}: {example} }}`"),
                &format!("which {noun}?"),
            );
            return None;
        }
        let hint = did_you_mean(word, all_keys.iter().copied());
        self.report(
            node.span,
            Kind::InvalidValue,
            format!("unknown okta action `{word}`"),
            format!("{hint}actions: {}", all_keys.join(", ")),
            "unknown action",
        );
        None
    }

    pub(super) fn read_target(&mut self, node: &Node) -> Option<ReadTarget> {
        let e = self.map(node, "`read`", READ_KEYS)?;
        match (e.get("user"), e.get("group")) {
            (Some(_), Some(_)) => {
                let at = e.key("group").map_or(node.span, |k| k.span);
                self.report(
                    at,
                    Kind::Conflict,
                    "`read` names both a user and a group".into(),
                    "a read fetches one resource: split it into two steps".into(),
                    "second resource",
                );
                None
            }
            (Some(user), None) => Some(ReadTarget::User(self.alias_ref(
                user,
                FixtureKind::User,
                "`read`",
            )?)),
            (None, Some(group)) => Some(ReadTarget::Group(self.alias_ref(
                group,
                FixtureKind::Group,
                "`read`",
            )?)),
            (None, None) => {
                if e.unknown == 0 {
                    self.report(
                        node.span,
                        Kind::MissingKey,
                        "`read` names no resource".into(),
                        "write `read: { user: <alias> }` or `read: { group: <alias> }`".into(),
                        "what to read?",
                    );
                }
                None
            }
        }
    }

    pub(super) fn request(&mut self, node: &Node) -> Option<Request> {
        let e = self.map(node, "a request", REQUEST_KEYS)?;
        let method = self
            .required(&e, "method", node, "a request", "method: GET")
            .and_then(|n| self.method(n));
        let path = self
            .required(&e, "path", node, "a request", "path: /Users")
            .and_then(|n| {
                let template = self.template(n, "`path`")?;
                if template.as_str().starts_with('/') {
                    Some(template)
                } else {
                    self.report(
                        n.span,
                        Kind::InvalidValue,
                        format!("the path `{template}` does not start with `/`"),
                        "a path is relative to the SCIM base URL, e.g. `/Users` or `/Groups/${eng.id}`".into(),
                        "starts with `/`",
                    );
                    None
                }
            });
        let query = e
            .get("query")
            .map(|n| self.template_map(n, "`query`"))
            .unwrap_or_default();
        let headers = e
            .get("headers")
            .map(|n| self.template_map(n, "`headers`"))
            .unwrap_or_default();
        let body = e.get("body").map(|n| self.json(n));
        let json_file = match e.get("json_file") {
            Some(n) if e.has("body") => {
                let at = e.key("json_file").map_or(n.span, |k| k.span);
                self.report(
                    at,
                    Kind::Conflict,
                    "a request has both `body` and `json_file`".into(),
                    "keep one: `body` for an inline body, `json_file` for a body in a file".into(),
                    "second body",
                );
                None
            }
            Some(n) => self.json_file(n),
            None => None,
        };
        let auth = match e.get("auth") {
            Some(n) => match self.word(n, "`auth` value", AUTHS)? {
                "none" => Auth::None,
                "invalid" => Auth::Invalid,
                _ => Auth::Default,
            },
            None => Auth::Default,
        };
        let from_root = match e.get("from_root") {
            Some(n) => self.bool(n, "`from_root`")?,
            None => false,
        };
        Some(Request {
            method: method?,
            path: path?,
            query,
            headers,
            body,
            json_file,
            auth,
            from_root,
        })
    }

    pub(super) fn method(&mut self, node: &Node) -> Option<Method> {
        let text = self.string(node, "`method`")?;
        if let Some(m) = Method::ALL.iter().find(|m| m.as_str() == text) {
            return Some(*m);
        }
        let names: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
        let upper = text.to_uppercase();
        let hint = match names.iter().find(|n| **n == upper) {
            Some(n) => format!("methods are written in capitals: `{n}`; "),
            None => did_you_mean(&upper, names.iter().copied()),
        };
        self.report(
            node.span,
            Kind::InvalidValue,
            format!("unknown HTTP method `{text}`"),
            format!("{hint}use one of: {}", names.join(", ")),
            "unknown method",
        );
        None
    }

    pub(super) fn template_map(&mut self, node: &Node, what: &str) -> BTreeMap<String, Template> {
        let mut out = BTreeMap::new();
        for (key, _, value) in self.free_map(node, what) {
            if let Some(t) = self.template(value, &format!("`{key}` in {what}")) {
                out.insert(key, t);
            }
        }
        out
    }

    pub(super) fn json_file(&mut self, node: &Node) -> Option<JsonFile> {
        let written = PathBuf::from(self.string(node, "`json_file`")?);
        let resolved = self.base_dir.join(&written);
        let text = match std::fs::read_to_string(&resolved) {
            Ok(text) => text,
            Err(e) => {
                let reason = match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file".to_owned(),
                    _ => e.to_string(),
                };
                self.report(
                    node.span,
                    Kind::JsonFile,
                    format!(
                        "cannot read json_file `{}` ({}): {reason}",
                        written.display(),
                        resolved.display()
                    ),
                    "the path is relative to the folder of the scenario file".into(),
                    "cannot read",
                );
                return None;
            }
        };
        let file = self.add_file(resolved.clone(), &text);
        match node::parse(&self.files[file], file) {
            Ok(root) => {
                let contents = self.json(&root);
                Some(JsonFile {
                    path: written,
                    resolved,
                    contents,
                })
            }
            Err(e) => {
                self.syntax_error(file, e);
                None
            }
        }
    }
}
