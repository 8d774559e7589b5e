//! Turns a YAML [`Node`] tree into the [`Scenario`] model, checking everything on the way.
//!
//! The reader never stops at the first problem: it records each one with its place in the
//! file and a way to fix it, and goes on, so that one load reports every problem of a file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::NamedSource;
use serde_json::{Map, Number, Value};

use super::model::{
    ACTIONS, ActionSpec, Advisory, AppKind, AppOptions, Assertions, Auth, Expect, GroupFixture,
    JsonFile, JsonPathExpr, JsonType, Method, OktaAction, Outcome, ReadTarget, Request,
    RequestHeaders, Scenario, Step, StepKind, Subject, UserFixture, UserStatus, action_spec,
};
use super::node::{self, Node, NodeValue, SourceFile, Span};
use super::suggestion::{closest, did_you_mean};
use super::template::{Template, is_alias};
use crate::errors::{ScenarioError, ScenarioErrorKind as Kind};

mod actions;
mod expect;
mod fixtures;
mod steps;
mod values;

const TOP_KEYS: &[&str] = &[
    "name",
    "about",
    "tags",
    "apps",
    "options",
    "users",
    "groups",
    "steps",
    "redact",
    "covers",
    "exclusive",
];
const OPTION_KEYS: &[&str] = &["rename_groups", "request_headers"];
const USER_KEYS: &[&str] = &[
    "userName",
    "email",
    "givenName",
    "familyName",
    "displayName",
    "title",
    "locale",
    "attributes",
    "status",
    "oktaId",
];
const GROUP_KEYS: &[&str] = &["name", "members"];
const STEP_KINDS: &[&str] = &["okta", "read", "request"];
const STEP_KEYS: &[&str] = &[
    "okta",
    "read",
    "request",
    "name",
    "apps",
    "covers",
    "expect",
    "capture",
    "snapshot",
    "when_empty",
];
const READ_KEYS: &[&str] = &["user", "group"];
const REQUEST_KEYS: &[&str] = &[
    "method",
    "path",
    "query",
    "headers",
    "body",
    "json_file",
    "auth",
    "from_root",
];
/// The keys of an assertion block (`expect` and its `advisory`), then `extra` ones.
macro_rules! assertion_keys {
    ($($extra:literal),*) => {
        &[
            "status", "body", "jsonpath", "headers", "non_empty", "types", "within_ms", "basis",
            $($extra),*
        ]
    };
}
const EXPECT_KEYS: &[&str] = assertion_keys!("advisory", "outcome", "requests");
const ADVISORY_KEYS: &[&str] = assertion_keys!();
const USER_FIELDS: &[&str] = &["id", "userName", "email", "oktaId"];
const GROUP_FIELDS: &[&str] = &["id", "name"];
const USER_STATUSES: &[&str] = &["active", "staged", "suspended", "deactivated"];
const AUTHS: &[&str] = &["default", "none", "invalid"];
const OUTCOMES: &[&str] = &["success", "failure"];

/// Whether an alias names a user or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FixtureKind {
    User,
    Group,
}

impl FixtureKind {
    fn noun(self) -> &'static str {
        match self {
            FixtureKind::User => "user",
            FixtureKind::Group => "group",
        }
    }

    fn section(self) -> &'static str {
        match self {
            FixtureKind::User => "users",
            FixtureKind::Group => "groups",
        }
    }
}

/// Where templates are being read: fixtures see only `${run}`, steps see everything defined so
/// far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Fixtures,
    Step(usize),
}

/// The known keys of a map node, in file order.
struct Entries<'n> {
    items: Vec<(String, &'n Node, &'n Node)>,
    unknown: usize,
}

impl<'n> Entries<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.items
            .iter()
            .find(|(k, ..)| k == key)
            .map(|(_, _, v)| *v)
    }

    fn key(&self, key: &str) -> Option<&'n Node> {
        self.items
            .iter()
            .find(|(k, ..)| k == key)
            .map(|(_, k, _)| *k)
    }

    fn has(&self, key: &str) -> bool {
        self.items.iter().any(|(k, ..)| k == key)
    }
}

/// Reads one scenario file (and the `json_file`s it names) into the model.
pub(crate) struct Reader {
    files: Vec<SourceFile>,
    named: Vec<NamedSource<Arc<str>>>,
    errors: Vec<ScenarioError>,
    base_dir: PathBuf,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    /// Captures defined by the steps read so far.
    captures: BTreeSet<String>,
    /// Every capture in the file: name to (step index, key span) of its first definition.
    all_captures: BTreeMap<String, (usize, Span)>,
    scope: Scope,
}

impl Reader {
    /// A reader for the scenario file `path` with the given text.
    pub(crate) fn new(path: &Path, text: &str) -> Self {
        let mut reader = Reader {
            files: Vec::new(),
            named: Vec::new(),
            errors: Vec::new(),
            base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            users: BTreeSet::new(),
            groups: BTreeSet::new(),
            captures: BTreeSet::new(),
            all_captures: BTreeMap::new(),
            scope: Scope::Fixtures,
        };
        reader.add_file(path.to_owned(), text);
        reader
    }

    fn add_file(&mut self, path: PathBuf, text: &str) -> usize {
        let file = SourceFile::new(path, text);
        self.named.push(
            NamedSource::new(file.path.display().to_string(), Arc::clone(&file.text))
                .with_language("YAML"),
        );
        self.files.push(file);
        self.files.len() - 1
    }

    /// Reads the scenario file; on any problem, returns all of them.
    pub(crate) fn read(mut self) -> Result<Scenario, Vec<ScenarioError>> {
        let scenario = match node::parse(&self.files[0], 0) {
            Ok(root) => self.scenario(&root),
            Err(e) => {
                self.syntax_error(0, e);
                None
            }
        };
        match scenario {
            Some(scenario) if self.errors.is_empty() => Ok(scenario),
            _ => Err(self.errors),
        }
    }

    // ----- reporting -------------------------------------------------------------------------

    fn report(&mut self, span: Span, kind: Kind, message: String, help: String, label: &str) {
        let file = &self.files[span.file];
        let error = ScenarioError::new(kind, &file.path, message)
            .at(
                self.named[span.file].clone(),
                file.position(span.offset),
                (span.offset, span.len).into(),
            )
            .with_help(help)
            .with_label(label);
        self.errors.push(error);
    }

    fn syntax_error(&mut self, file: usize, e: node::SyntaxError) {
        let len = usize::from(e.offset < self.files[file].text.len());
        let span = Span {
            file,
            offset: e.offset,
            len,
        };
        let help = "fix the YAML syntax; quote strings that contain `: `, `#`, `{` or start with `[`, `*`, `&`, `!`, `%` or `@`";
        self.report(
            span,
            Kind::Syntax,
            format!("invalid YAML: {}", e.message),
            help.into(),
            "here",
        );
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str, example: &str) {
        let found = node.value.type_name();
        let help = match (example.is_empty(), expected) {
            (false, _) => format!("for example `{example}`"),
            (true, "a map") => {
                "write `key: value` pairs, indented below, or `{ key: value }`".to_owned()
            }
            (true, "a string") => {
                "write plain text (quote it if it contains `: `, ` #` or starts with a symbol)"
                    .to_owned()
            }
            (true, "a list") => "write `[a, b]`, or one `- item` per line".to_owned(),
            (true, _) => format!("write {expected}"),
        };
        self.report(
            node.span,
            Kind::WrongType,
            format!("{what} must be {expected}, not {found}"),
            help,
            &format!("expected {expected}"),
        );
    }

    /// The span of `fragment` (at byte `at` of the string value of `node`), or the whole node.
    fn sub_span(&self, node: &Node, value: &str, at: usize, len: usize) -> Span {
        let raw = self.files[node.span.file].slice(node.span);
        if let (Some(start), true) = (raw.find(value), at + len <= value.len()) {
            return Span {
                file: node.span.file,
                offset: node.span.offset + start + at,
                len,
            };
        }
        let fragment = value.get(at..at + len).unwrap_or_default();
        if let (false, Some(start)) = (fragment.is_empty(), raw.find(fragment)) {
            return Span {
                file: node.span.file,
                offset: node.span.offset + start,
                len,
            };
        }
        node.span
    }

    // ----- generic readers --------------------------------------------------------------------

    /// The text of a key node.
    fn key_text(&self, key: &Node) -> String {
        match &key.value {
            NodeValue::Str(s) => s.clone(),
            _ => self.scalar_text(key),
        }
    }

    /// The text of a scalar as written (numbers and booleans keep their spelling).
    fn scalar_text(&self, node: &Node) -> String {
        let raw = self.files[node.span.file].slice(node.span);
        let written = !raw.is_empty() && !raw.starts_with(['*', '&', '!']);
        match &node.value {
            NodeValue::Str(s) => s.clone(),
            _ if written => raw.trim().to_owned(),
            NodeValue::Bool(b) => b.to_string(),
            NodeValue::Int(i) => i.to_string(),
            NodeValue::UInt(u) => u.to_string(),
            NodeValue::Float(f) => f.to_string(),
            NodeValue::Null => String::new(),
            NodeValue::Seq(_) | NodeValue::Map(_) => String::new(),
        }
    }

    /// A map whose keys must come from `allowed`; unknown keys are reported. `null` is an empty
    /// map.
    fn map<'n>(&mut self, node: &'n Node, what: &str, allowed: &[&str]) -> Option<Entries<'n>> {
        let entries = match &node.value {
            NodeValue::Map(entries) => entries,
            NodeValue::Null => {
                return Some(Entries {
                    items: Vec::new(),
                    unknown: 0,
                });
            }
            _ => {
                self.wrong_type(node, what, "a map", "");
                return None;
            }
        };
        let mut items = Vec::new();
        let mut unknown = 0;
        for (k, v) in entries {
            let key = self.key_text(k);
            if allowed.contains(&key.as_str()) {
                items.push((key, k, v));
            } else {
                unknown += 1;
                self.unknown_key(k, &key, what, allowed);
            }
        }
        Some(Entries { items, unknown })
    }

    fn unknown_key(&mut self, key_node: &Node, key: &str, what: &str, allowed: &[&str]) {
        let hint = did_you_mean(key, allowed.iter().copied());
        self.report(
            key_node.span,
            Kind::UnknownKey,
            format!("unknown key `{key}` in {what}"),
            format!("{hint}allowed: {}", allowed.join(", ")),
            "unknown key",
        );
    }

    /// A map with free keys (aliases, header names, ...), in file order.
    fn free_map<'n>(&mut self, node: &'n Node, what: &str) -> Vec<(String, &'n Node, &'n Node)> {
        match &node.value {
            NodeValue::Map(entries) => entries
                .iter()
                .map(|(k, v)| (self.key_text(k), k, v))
                .collect(),
            NodeValue::Null => Vec::new(),
            _ => {
                self.wrong_type(node, what, "a map", "");
                Vec::new()
            }
        }
    }

    fn required<'n>(
        &mut self,
        entries: &Entries<'n>,
        key: &str,
        at: &Node,
        what: &str,
        example: &str,
    ) -> Option<&'n Node> {
        let found = entries.get(key);
        if found.is_none() {
            self.report(
                Span { len: 0, ..at.span },
                Kind::MissingKey,
                format!("{what} is missing `{key}`"),
                format!("add `{example}`"),
                &format!("`{key}` missing"),
            );
        }
        found
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            NodeValue::Str(s) => Some(s.clone()),
            NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::UInt(_) | NodeValue::Float(_) => {
                Some(self.scalar_text(node))
            }
            _ => {
                self.wrong_type(node, what, "a string", "");
                None
            }
        }
    }

    fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.value {
            NodeValue::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, what, "`true` or `false`", "");
                None
            }
        }
    }

    /// One of `choices` (lower case words).
    fn word(&mut self, node: &Node, what: &str, choices: &[&'static str]) -> Option<&'static str> {
        let text = self.string(node, what)?;
        if let Some(choice) = choices.iter().find(|c| **c == text) {
            return Some(choice);
        }
        let hint = did_you_mean(&text, choices.iter().copied());
        self.report(
            node.span,
            Kind::InvalidValue,
            format!("`{text}` is not a valid {what}"),
            format!("{hint}use one of: {}", choices.join(", ")),
            "not allowed here",
        );
        None
    }

    fn strings<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        example: &str,
    ) -> Vec<(String, &'n Node)> {
        let NodeValue::Seq(items) = &node.value else {
            self.wrong_type(node, what, "a list", example);
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            if let Some(s) = self.string(item, &format!("an item of {what}")) {
                out.push((s, item));
            }
        }
        out
    }

    // ----- templates and JSON -----------------------------------------------------------------

    fn template(&mut self, node: &Node, what: &str) -> Option<Template> {
        let text = self.string(node, what)?;
        self.parse_template(node, &text)
    }

    fn parse_template(&mut self, node: &Node, text: &str) -> Option<Template> {
        match Template::parse(text) {
            Ok(template) => {
                self.check_variables(node, text, &template);
                Some(template)
            }
            Err(e) => {
                let span = self.sub_span(node, text, e.offset, e.len);
                self.report(span, Kind::BadTemplate, e.message, e.help, "here");
                None
            }
        }
    }

    /// Every `${name}` name that can be used at this point, sorted.
    fn known_variables(&self) -> Vec<String> {
        let mut known = vec!["run".to_owned()];
        if self.scope == Scope::Fixtures {
            return known;
        }
        for user in &self.users {
            known.extend(USER_FIELDS.iter().map(|f| format!("{user}.{f}")));
        }
        for group in &self.groups {
            known.extend(GROUP_FIELDS.iter().map(|f| format!("{group}.{f}")));
        }
        known.extend(self.captures.iter().cloned());
        known.sort();
        known
    }

    fn check_variables(&mut self, node: &Node, text: &str, template: &Template) {
        let names: Vec<String> = template.variables().map(str::to_owned).collect();
        for name in names {
            if let Some((kind, message, help)) = self.variable_problem(&name) {
                let written = format!("${{{name}}}");
                let at = text.find(&written).unwrap_or(0);
                let span = self.sub_span(node, text, at, written.len());
                let label = match kind {
                    Kind::CaptureNotYetDefined => "not captured yet",
                    _ => "not defined here",
                };
                self.report(span, kind, message, help, label);
            }
        }
    }

    /// Why `${name}` cannot be used here (kind, message, help), or `None` when it can.
    fn variable_problem(&self, name: &str) -> Option<(Kind, String, String)> {
        if name == "run" {
            return None;
        }
        if self.scope == Scope::Fixtures {
            return Some((
                Kind::UnknownVariable,
                format!("`${{{name}}}` cannot be used in a fixture"),
                "fixtures are set up before any step runs: only `${run}` is available there".into(),
            ));
        }
        let Scope::Step(step) = self.scope else {
            return None;
        };
        let known = self.known_variables();
        if known.iter().any(|k| k == name) {
            return None;
        }
        let message = format!("unknown variable `${{{name}}}`");
        if let Some((alias, field)) = name.split_once('.') {
            let fields = if self.users.contains(alias) {
                Some(("user", USER_FIELDS))
            } else if self.groups.contains(alias) {
                Some(("group", GROUP_FIELDS))
            } else {
                None
            };
            if let Some((noun, fields)) = fields {
                let hint = match closest(field, fields.iter().copied()) {
                    Some(close) => format!("did you mean `${{{alias}.{close}}}`? "),
                    None => String::new(),
                };
                let list: Vec<String> = fields
                    .iter()
                    .map(|f| format!("`${{{alias}.{f}}}`"))
                    .collect();
                return Some((
                    Kind::UnknownVariable,
                    message,
                    format!(
                        "{hint}`{alias}` is a {noun}; a {noun} has {}",
                        list.join(", ")
                    ),
                ));
            }
        } else {
            if let Some(&(defined_at, key_span)) = self.all_captures.get(name) {
                let line = self.files[key_span.file].position(key_span.offset).line;
                let when = if defined_at == step {
                    "this same step".to_owned()
                } else {
                    format!("step {} (line {line}), which runs later", defined_at + 1)
                };
                return Some((
                    Kind::CaptureNotYetDefined,
                    format!("`${{{name}}}` is used before it is captured"),
                    format!("it is captured by {when}; a capture can only be used in later steps"),
                ));
            }
            let noun = if self.users.contains(name) {
                Some(("user", USER_FIELDS))
            } else if self.groups.contains(name) {
                Some(("group", GROUP_FIELDS))
            } else {
                None
            };
            if let Some((noun, fields)) = noun {
                let list: Vec<String> = fields
                    .iter()
                    .map(|f| format!("`${{{name}.{f}}}`"))
                    .collect();
                return Some((
                    Kind::UnknownVariable,
                    message,
                    format!("`{name}` is a {noun}: use {}", list.join(", ")),
                ));
            }
        }
        let hint = match closest(name, known.iter().map(String::as_str)) {
            Some(close) => format!("did you mean `${{{close}}}`? "),
            None => String::new(),
        };
        Some((
            Kind::UnknownVariable,
            message,
            format!("{hint}known here: {}", short_list(&known)),
        ))
    }
}

/// A template built by okscim itself (defaults), known to be valid.
fn template_of(source: &str) -> Template {
    Template::parse(source).unwrap_or_else(|_| Template::literal(source))
}

/// `a, b, c` with at most 12 names, then `, …`.
fn short_list(names: &[String]) -> String {
    const MAX: usize = 12;
    let mut list = names
        .iter()
        .take(MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX {
        list.push_str(", …");
    }
    list
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::super::load::load_str;
    use super::*;

    const HEAD: &str = "name: t\nusers:\n  alice: {}\ngroups:\n  eng: {}\nsteps:\n";

    /// The errors of a scenario made of `HEAD` and `steps`, one per line.
    fn errors(steps: &str) -> String {
        match load_str(Path::new("t.yaml"), &format!("{HEAD}{steps}")) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[rstest]
    #[case::okta_word("  - okta: import-users\n")]
    #[case::null_members("  - okta: { push: eng, members: [] }\n")]
    #[case::method("  - request: { method: DELETE, path: \"/Users/${alice.id}\" }\n")]
    #[case::capture_then_use(
        "  - read: { user: alice }\n    capture: { n: $.userName }\n  - request: { method: GET, path: \"/Users?filter=${n}\" }\n"
    )]
    #[case::escaped_template("  - request: { method: GET, path: \"/Users/$${x}\" }\n")]
    #[case::jsonpath_with_variable(
        "  - read: { group: eng }\n    expect: { jsonpath: { \"$.members[?@.value == '${alice.id}']\": [] } }\n"
    )]
    #[case::null_expect("  - okta: { assign: alice }\n    expect:\n")]
    fn accepts(#[case] steps: &str) {
        assert_eq!(errors(steps), "");
    }

    #[rstest]
    #[case::not_a_list(
        "  okta: test-connection\n",
        "t.yaml:7:3: `steps` must be a list, not a map"
    )]
    #[case::step_not_a_map("  - okta\n", "t.yaml:7:5: a step must be a map, not a string")]
    #[case::okta_number(
        "  - okta: 3\n",
        "an okta action must be an action name or a map, not a number"
    )]
    #[case::okta_empty_map("  - okta: {}\n", "t.yaml:7:11: an okta step needs an action")]
    #[case::unknown_word(
        "  - okta: test-conection\n",
        "unknown okta action `test-conection`; did you mean `test-connection`?"
    )]
    #[case::unit_action_in_map(
        "  - okta: { import-users: true }\n",
        "`import-users` takes no subject or parameters; write it as a plain string: `okta: import-users`"
    )]
    #[case::read_both(
        "  - read: { user: alice, group: eng }\n",
        "t.yaml:7:26: `read` names both a user and a group"
    )]
    #[case::read_nothing("  - read: {}\n", "`read` names no resource")]
    #[case::bad_method(
        "  - request: { method: GTE, path: /Users }\n",
        "unknown HTTP method `GTE`; did you mean `GET`?"
    )]
    #[case::lower_case_method(
        "  - request: { method: get, path: /Users }\n",
        "t.yaml:7:24: unknown HTTP method `get`; methods are written in capitals: `GET`; use one of: GET, POST, PUT, PATCH, DELETE"
    )]
    #[case::missing_path(
        "  - request: { method: GET }\n",
        "a request is missing `path`; add `path: /Users`"
    )]
    #[case::status_string(
        "  - request: { method: GET, path: /Users }\n    expect: { status: \"200\" }\n",
        "`status` must be a status code or a non-empty list of them, not a string"
    )]
    #[case::status_empty(
        "  - request: { method: GET, path: /Users }\n    expect: { status: [] }\n",
        "not a list"
    )]
    #[case::same_step_capture(
        "  - read: { user: alice }\n    expect: { body: { id: \"${me}\" } }\n    capture: { me: $.id }\n",
        "`${me}` is used before it is captured; it is captured by this same step"
    )]
    #[case::capture_named_like_alias(
        "  - read: { user: alice }\n    capture: { alice: $.id }\n",
        "`alice` cannot be a capture name"
    )]
    #[case::capture_bad_name(
        "  - read: { user: alice }\n    capture: { a.b: $.id }\n",
        "`a.b` cannot be a capture name"
    )]
    #[case::alias_without_field(
        "  - request: { method: GET, path: \"/Users/${alice}\" }\n",
        "unknown variable `${alice}`; `alice` is a user: use `${alice.id}`, `${alice.userName}`, `${alice.email}`, `${alice.oktaId}`"
    )]
    #[case::wrong_field(
        "  - request: { method: GET, path: \"/Groups/${eng.displayName}\" }\n",
        "`eng` is a group; a group has `${eng.id}`, `${eng.name}`"
    )]
    #[case::empty_variable(
        "  - request: { method: GET, path: \"/Users/${}\" }\n",
        "t.yaml:7:43: empty variable `${}`"
    )]
    #[case::capture_missing(
        "  - request: { method: GET, path: \"/Users/${nope}\" }\n",
        "unknown variable `${nope}`; known here: alice.email, alice.id, alice.oktaId, alice.userName, eng.id, eng.name, run"
    )]
    #[case::bad_jsonpath_position(
        "  - read: { user: alice }\n    capture: { x: \"$.a b\" }\n",
        "t.yaml:8:23: invalid JSONPath `$.a b`: parser error at ` `"
    )]
    #[case::set_empty("  - okta: { update: alice, set: {} }\n", "`set` is empty")]
    #[case::users_not_list(
        "  - okta: { add-members: eng, users: alice }\n",
        "`users` of `add-members` must be a list, not a string; for example `users: [alice, bob]`"
    )]
    #[case::delete_not_bool(
        "  - okta: { unlink: eng, delete: yes }\n",
        "`delete` must be `true` or `false`, not a string"
    )]
    #[case::infinite_number(
        "  - request: { method: POST, path: /Users, body: { n: .inf } }\n",
        "t.yaml:7:55: invalid YAML: value `.inf` is not a finite number"
    )]
    #[case::snapshot_not_bool(
        "  - okta: test-connection\n    snapshot: 1\n",
        "`snapshot` must be `true` or `false`, not a number"
    )]
    fn rejects(#[case] steps: &str, #[case] expected: &str) {
        let got = errors(steps);
        assert!(got.contains(expected), "expected {expected:?} in:\n{got}");
    }

    fn scenario_errors(text: &str) -> String {
        match load_str(Path::new("s.yaml"), text) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[rstest]
    #[case::empty_file(
        "",
        "s.yaml:1:1: the file is empty; a scenario needs at least `name` and `steps`"
    )]
    #[case::no_name(
        "steps: [ { okta: test-connection } ]\n",
        "s.yaml:1:1: the scenario is missing `name`; add `name: <what the scenario checks>`"
    )]
    #[case::no_steps("name: x\n", "the scenario is missing `steps`")]
    #[case::empty_steps("name: x\nsteps: []\n", "`steps` is empty")]
    #[case::empty_apps(
        "name: x\napps: []\nsteps: [ { okta: test-connection } ]\n",
        "`apps` is empty"
    )]
    #[case::twice_apps(
        "name: x\napps: [oin, oin]\nsteps: [ { okta: test-connection } ]\n",
        "s.yaml:2:13: `oin` is listed twice in `apps`"
    )]
    #[case::bad_app(
        "name: x\napps: [oim]\nsteps: [ { okta: test-connection } ]\n",
        "`oim` is not a valid app kind; did you mean `oin`? use one of: oin, aiw"
    )]
    #[case::run_alias(
        "name: x\nusers: { run: {} }\nsteps: [ { okta: test-connection } ]\n",
        "s.yaml:2:10: `run` is reserved"
    )]
    #[case::user_and_group(
        "name: x\nusers: { a: {} }\ngroups: { a: {} }\nsteps: [ { okta: test-connection } ]\n",
        "s.yaml:3:11: `a` is both a user and a group"
    )]
    #[case::bad_status_word(
        "name: x\nusers: { a: { status: locked } }\nsteps: [ { okta: test-connection } ]\n",
        "`locked` is not a valid user status"
    )]
    #[case::attribute_clash(
        "name: x\nusers: { a: { attributes: { userName: x } } }\nsteps: [ { okta: test-connection } ]\n",
        "`userName` cannot be set in `attributes`"
    )]
    #[case::rename_option(
        "name: x\noptions: { rename_group: false }\nsteps: [ { okta: test-connection } ]\n",
        "did you mean `rename_groups`?"
    )]
    #[case::duplicate_key(
        "name: x\nname: y\nsteps: [ { okta: test-connection } ]\n",
        "s.yaml:2:1: invalid YAML: duplicate mapping key `name` is not allowed here"
    )]
    fn rejects_scenarios(#[case] text: &str, #[case] expected: &str) {
        let got = scenario_errors(text);
        assert!(got.contains(expected), "expected {expected:?} in:\n{got}");
    }

    #[test]
    fn null_fixtures_get_defaults() {
        let s = load_str(
            Path::new("s.yaml"),
            "name: x\nusers:\n  bob:\ngroups:\n  eng:\nsteps: [ { okta: { assign: bob } } ]\n",
        )
        .unwrap();
        assert_eq!(s.users["bob"].user_name.as_str(), "bob.${run}@example.com");
        assert_eq!(s.groups["eng"].name.as_str(), "eng-${run}");
        assert_eq!(s.apps, AppKind::all());
        assert!(s.options.rename_groups);
    }
}
