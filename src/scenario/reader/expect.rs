//! What a step expects, and what it captures.

use super::*;

impl Reader {
    pub(super) fn expect(&mut self, node: &Node, okta: bool) -> Option<Expect> {
        let e = self.map(node, "`expect`", EXPECT_KEYS)?;
        let mut expect = Expect {
            assert: self.assertions(&e),
            ..Expect::default()
        };
        if let Some(n) = e.get("basis") {
            expect.basis = self.string(n, "`basis`");
        }
        if let Some(n) = e.get("advisory")
            && let Some(a) = self.map(n, "`advisory`", ADVISORY_KEYS)
        {
            let assert = self.assertions(&a);
            let basis = a.get("basis").and_then(|b| self.string(b, "`basis`"));
            expect.advisory = Some(Advisory { basis, assert });
        }
        if let Some(n) = e.get("requests") {
            match n.value {
                NodeValue::UInt(u) => expect.requests = usize::try_from(u).ok(),
                NodeValue::Int(i) if i >= 0 => expect.requests = usize::try_from(i).ok(),
                _ => self.wrong_type(n, "`requests`", "a whole number of requests", "requests: 0"),
            }
        }
        if let Some(n) = e.get("outcome") {
            if !okta {
                let at = e.key("outcome").map_or(n.span, |k| k.span);
                self.report(
                    at,
                    Kind::InvalidValue,
                    "`outcome` applies to okta steps only".into(),
                    "for a read or a request, expect a `status` instead".into(),
                    "not an okta step",
                );
            } else if let Some(word) = self.word(n, "`outcome`", OUTCOMES) {
                expect.outcome = match word {
                    "failure" => Outcome::Failure,
                    _ => Outcome::Success,
                };
            }
        }
        Some(expect)
    }

    /// `status`, `body`, `jsonpath` and `headers` of an `expect` or `advisory` block.
    fn assertions(&mut self, e: &Entries<'_>) -> Assertions {
        let mut out = Assertions::default();
        if let Some(n) = e.get("status") {
            out.status = self.statuses(n);
        }
        if let Some(n) = e.get("body") {
            out.body = Some(self.json(n));
        }
        if let Some(n) = e.get("jsonpath") {
            for (_, key, value) in self.free_map(n, "`jsonpath`") {
                let path = self.jsonpath(key, "a JSONPath");
                let value = self.json(value);
                if let Some(path) = path {
                    out.jsonpath.push((path, value));
                }
            }
        }
        if let Some(n) = e.get("headers") {
            out.headers = self.template_map(n, "`headers`");
        }
        if let Some(n) = e.get("non_empty") {
            for (_, item) in self.strings(n, "`non_empty`", "non_empty: [\"$.id\"]") {
                if let Some(path) = self.jsonpath(item, "a JSONPath") {
                    out.non_empty.push(path);
                }
            }
        }
        if let Some(n) = e.get("types") {
            let names: Vec<&'static str> = JsonType::ALL.iter().map(|(name, _)| *name).collect();
            for (_, key, value) in self.free_map(n, "`types`") {
                let path = self.jsonpath(key, "a JSONPath");
                let t = self.word(value, "a JSON type", &names).and_then(|w| {
                    JsonType::ALL
                        .iter()
                        .find(|(name, _)| *name == w)
                        .map(|(_, t)| *t)
                });
                if let (Some(path), Some(t)) = (path, t) {
                    out.types.push((path, t));
                }
            }
        }
        if let Some(n) = e.get("within_ms") {
            match n.value {
                NodeValue::UInt(u) if u > 0 => out.within_ms = Some(u),
                NodeValue::Int(i) if i > 0 => out.within_ms = u64::try_from(i).ok(),
                _ => self.wrong_type(
                    n,
                    "`within_ms`",
                    "a positive whole number of milliseconds",
                    "within_ms: 600",
                ),
            }
        }
        out
    }

    pub(super) fn statuses(&mut self, node: &Node) -> Vec<u16> {
        let items: Vec<&Node> = match &node.value {
            NodeValue::Seq(items) if !items.is_empty() => items.iter().collect(),
            NodeValue::Int(_) | NodeValue::UInt(_) => vec![node],
            _ => {
                self.wrong_type(
                    node,
                    "`status`",
                    "a status code or a non-empty list of them",
                    "status: 200` or `status: [200, 204]",
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for item in items {
            let code = match item.value {
                NodeValue::UInt(u) => i128::from(u),
                NodeValue::Int(i) => i128::from(i),
                _ => {
                    self.wrong_type(item, "a status", "a number", "status: 200");
                    continue;
                }
            };
            match u16::try_from(code) {
                Ok(code) if (100..=599).contains(&code) => out.push(code),
                _ => self.report(
                    item.span,
                    Kind::BadStatus,
                    format!("`{code}` is not an HTTP status code"),
                    "use a code from 100 to 599, e.g. `200` or `[200, 204]`".into(),
                    "not 100..=599",
                ),
            }
        }
        out
    }

    pub(super) fn captures(&mut self, node: &Node) -> BTreeMap<String, JsonPathExpr> {
        let mut out = BTreeMap::new();
        for (name, key, value) in self.free_map(node, "`capture`") {
            let reserved =
                name == "run" || self.users.contains(&name) || self.groups.contains(&name);
            if !is_alias(&name) || reserved {
                let help = if reserved {
                    format!(
                        "`{name}` is already taken by `${{run}}` or a fixture alias: pick another name"
                    )
                } else {
                    "a capture name starts with a letter or `_` and contains only letters, digits, `_` and `-`".to_owned()
                };
                self.report(
                    key.span,
                    Kind::BadName,
                    format!("`{name}` cannot be a capture name"),
                    help,
                    "invalid name",
                );
                continue;
            }
            if let Some(path) = self.jsonpath(value, "a capture") {
                out.insert(name, path);
            }
        }
        out
    }
}
