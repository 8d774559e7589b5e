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
    ACTIONS, ActionSpec, AppKind, AppOptions, Auth, Expect, GroupFixture, JsonFile, JsonPathExpr,
    Method, OktaAction, Outcome, ParamKind, ReadTarget, Request, Scenario, Step, StepKind, Subject,
    UserFixture, UserStatus, action_spec,
};
use super::node::{self, Node, NodeValue, SourceFile, Span};
use super::suggestion::{closest, did_you_mean};
use super::template::{Template, is_alias};
use crate::errors::{ScenarioError, ScenarioErrorKind as Kind};

const TOP_KEYS: &[&str] = &[
    "name", "about", "tags", "apps", "options", "users", "groups", "steps", "redact",
];
const OPTION_KEYS: &[&str] = &["rename_groups"];
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
];
const GROUP_KEYS: &[&str] = &["name", "members"];
const STEP_KINDS: &[&str] = &["okta", "read", "request"];
const STEP_KEYS: &[&str] = &[
    "okta", "read", "request", "name", "expect", "capture", "snapshot",
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
const EXPECT_KEYS: &[&str] = &[
    "status", "body", "jsonpath", "headers", "outcome", "requests",
];
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

    /// A JSON value; its strings are checked as templates.
    fn json(&mut self, node: &Node) -> Value {
        match &node.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::UInt(u) => Value::from(*u),
            NodeValue::Float(f) => match Number::from_f64(*f) {
                Some(n) => Value::Number(n),
                None => {
                    self.report(
                        node.span,
                        Kind::InvalidValue,
                        format!("`{}` is not a JSON number", self.scalar_text(node)),
                        "quote it to send a string".into(),
                        "not JSON",
                    );
                    Value::Null
                }
            },
            NodeValue::Str(s) => {
                self.parse_template(node, s);
                Value::String(s.clone())
            }
            NodeValue::Seq(items) => Value::Array(items.iter().map(|i| self.json(i)).collect()),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (self.key_text(k), self.json(v)))
                    .collect(),
            ),
        }
    }

    fn json_object(
        &mut self,
        node: &Node,
        what: &str,
        example: &str,
    ) -> Option<Map<String, Value>> {
        match self.json(node) {
            Value::Object(map) => Some(map),
            _ => {
                self.wrong_type(node, what, "a map", example);
                None
            }
        }
    }

    fn jsonpath(&mut self, node: &Node, what: &str) -> Option<JsonPathExpr> {
        let text = self.string(node, what)?;
        let template = self.parse_template(node, &text)?;
        if let Some(literal) = template.as_literal() {
            return match serde_json_path::JsonPath::parse(&literal) {
                Ok(path) => Some(JsonPathExpr::new(template, Some(path))),
                Err(e) => {
                    let at = e.position().min(literal.len().saturating_sub(1));
                    let span = self.sub_span(node, &literal, at, usize::from(!literal.is_empty()));
                    let near = literal.get(at..).and_then(|r| r.chars().next());
                    let message = match near {
                        Some(c) => format!("{} at `{c}`", e.message()),
                        None => e.message().to_owned(),
                    };
                    self.bad_jsonpath(span, &text, &message);
                    None
                }
            };
        }
        // With variables, the expression must parse for some plausible value of them.
        let mut first_error = None;
        for placeholder in ["x", "0"] {
            let rendered = template
                .render(&|_: &str| Some(placeholder.to_owned()))
                .unwrap_or_default();
            match serde_json_path::JsonPath::parse(&rendered) {
                Ok(_) => return Some(JsonPathExpr::new(template, None)),
                Err(e) => {
                    first_error.get_or_insert_with(|| e.message().to_owned());
                }
            }
        }
        let message = first_error.unwrap_or_default();
        self.bad_jsonpath(node.span, &text, &message);
        None
    }

    fn bad_jsonpath(&mut self, span: Span, text: &str, message: &str) {
        self.report(
            span,
            Kind::BadJsonPath,
            format!("invalid JSONPath `{text}`: {message}"),
            "write an RFC 9535 JSONPath starting with `$`, e.g. `$.id` or `$.members[*].value`"
                .into(),
            "invalid JSONPath",
        );
    }

    // ----- fixtures ---------------------------------------------------------------------------

    fn alias_ref(&mut self, node: &Node, kind: FixtureKind, context: &str) -> Option<String> {
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

    fn alias_list(
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
    fn define_alias(&mut self, alias: &str, key: &Node, kind: FixtureKind) -> bool {
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

    fn user_fixture(&mut self, alias: &str, node: &Node) -> Option<UserFixture> {
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
        })
    }

    fn group_fixture(&mut self, alias: &str, node: &Node) -> Option<GroupFixture> {
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

    fn scenario(&mut self, root: &Node) -> Option<Scenario> {
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
            path: self.files[0].path.clone(),
        })
    }

    fn apps(&mut self, node: &Node) -> Vec<AppKind> {
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

    fn options(&mut self, node: &Node) -> AppOptions {
        let mut options = AppOptions::default();
        if let Some(n) = self
            .map(node, "`options`", OPTION_KEYS)
            .and_then(|e| e.get("rename_groups"))
        {
            options.rename_groups = self.bool(n, "`rename_groups`").unwrap_or(true);
        }
        options
    }

    // ----- steps ------------------------------------------------------------------------------

    fn steps(&mut self, node: &Node) -> Vec<Step> {
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

    fn step(&mut self, node: &Node) -> Option<Step> {
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
        Some(Step {
            kind: kind?,
            name,
            expect: expect?,
            capture,
            snapshot: snapshot?,
            position: self.files[node.span.file].position(node.span.offset),
        })
    }

    fn okta(&mut self, node: &Node) -> Option<OktaAction> {
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
        let kind = match spec.subject {
            Subject::User => FixtureKind::User,
            _ => FixtureKind::Group,
        };
        let subject = self.alias_ref(subject_node, kind, &context);
        let action = self.okta_action(spec, subject.clone().unwrap_or_default(), &param, &context);
        if ok && subject.is_some() {
            action
        } else {
            None
        }
    }

    fn okta_action<'n>(
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
        debug_assert!(spec.params.iter().all(|p| matches!(
            p.kind,
            ParamKind::Users | ParamKind::Attributes | ParamKind::Text | ParamKind::Bool
        )));
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
            "push" => OktaAction::Push {
                group,
                members: users(self, "members"),
            },
            "add-members" => OktaAction::AddMembers {
                group,
                users: users(self, "users")?,
            },
            "remove-members" => OktaAction::RemoveMembers {
                group,
                users: users(self, "users")?,
            },
            "push-now" => OktaAction::PushNow { group },
            "rename" => OktaAction::Rename {
                group,
                to: self.template(param("to")?, "`to`")?,
            },
            "link" => OktaAction::Link { group },
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

    fn okta_word(&mut self, node: &Node, word: &str, all_keys: &[&str]) -> Option<OktaAction> {
        match word {
            "test-connection" => return Some(OktaAction::TestConnection),
            "import-users" => return Some(OktaAction::ImportUsers),
            "import-groups" => return Some(OktaAction::ImportGroups),
            _ => {}
        }
        if let Some(spec) = action_spec(word) {
            let (noun, example) = match spec.subject {
                Subject::User => ("user", "alice"),
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

    fn read_target(&mut self, node: &Node) -> Option<ReadTarget> {
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

    fn request(&mut self, node: &Node) -> Option<Request> {
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

    fn method(&mut self, node: &Node) -> Option<Method> {
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

    fn template_map(&mut self, node: &Node, what: &str) -> BTreeMap<String, Template> {
        let mut out = BTreeMap::new();
        for (key, _, value) in self.free_map(node, what) {
            if let Some(t) = self.template(value, &format!("`{key}` in {what}")) {
                out.insert(key, t);
            }
        }
        out
    }

    fn json_file(&mut self, node: &Node) -> Option<JsonFile> {
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

    fn expect(&mut self, node: &Node, okta: bool) -> Option<Expect> {
        let e = self.map(node, "`expect`", EXPECT_KEYS)?;
        let mut expect = Expect::default();
        if let Some(n) = e.get("status") {
            expect.status = self.statuses(n);
        }
        if let Some(n) = e.get("body") {
            expect.body = Some(self.json(n));
        }
        if let Some(n) = e.get("jsonpath") {
            for (_, key, value) in self.free_map(n, "`jsonpath`") {
                let path = self.jsonpath(key, "a JSONPath");
                let value = self.json(value);
                if let Some(path) = path {
                    expect.jsonpath.push((path, value));
                }
            }
        }
        if let Some(n) = e.get("headers") {
            expect.headers = self.template_map(n, "`headers`");
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

    fn statuses(&mut self, node: &Node) -> Vec<u16> {
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

    fn captures(&mut self, node: &Node) -> BTreeMap<String, JsonPathExpr> {
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
