//! `${name}` templates: strings in a scenario that are filled in at run time.
//!
//! A template is parsed once, when the scenario is loaded, into literal parts and variable
//! references; rendering then only looks the variables up. `$${` writes a literal `${`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::errors::TemplateError;

/// A string that may contain `${name}` variable references.
///
/// Ordering and equality follow the source text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

/// One piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Text copied as is (escapes already resolved).
    Literal(String),
    /// A `${name}` reference; holds `name` (e.g. `run`, `alice.id`, `eng_name`).
    Var(String),
    /// `${upper(name)}` or `${lower(name)}`: the variable's value in upper or lower case (the
    /// SPEC test's upper-cased userName).
    Cased(String, Case),
}

/// A case change of a variable's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Case {
    /// `upper(…)`.
    Upper,
    /// `lower(…)`.
    Lower,
}

/// Why a string is not a valid template; `offset` and `len` are byte positions in the string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSyntaxError {
    /// What is wrong, e.g. "unterminated `${`".
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// Byte offset of the problem in the template source.
    pub offset: usize,
    /// Byte length of the offending text.
    pub len: usize,
}

impl fmt::Display for TemplateSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.message, self.help)
    }
}

/// Checks a variable name: `run`, `eng_name`, `alice.id`, `my-group.name`.
///
/// Returns a description of the problem when the name is malformed.
fn check_var_name(name: &str) -> Result<(), &'static str> {
    let mut pieces = name.split('.');
    let head = pieces.next().unwrap_or_default();
    if !is_alias(head) {
        return Err(
            "a variable name starts with a letter or `_` and contains letters, digits, `_` and `-`",
        );
    }
    match (pieces.next(), pieces.next()) {
        (None, _) => Ok(()),
        (Some(field), None) if is_alias(field) => Ok(()),
        _ => Err("a variable is `name` or `alias.field`, e.g. `run`, `alice.id`"),
    }
}

/// Whether `s` matches `[A-Za-z_][A-Za-z0-9_-]*`: the form of fixture aliases and capture names.
pub fn is_alias(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Template {
    /// Parses `source`. `${name}` is a reference, `$${` a literal `${`, any other `$` is literal.
    pub fn parse(source: &str) -> Result<Template, TemplateSyntaxError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = source;
        let mut at = 0;
        while let Some(i) = rest.find('$') {
            literal.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix("$${") {
                literal.push_str("${");
                rest = after;
                at += i + 3;
            } else if let Some(inner) = tail.strip_prefix("${") {
                let Some(close) = inner.find('}') else {
                    return Err(TemplateSyntaxError {
                        message: "unterminated `${`".into(),
                        help: "close the variable with `}`, or write `$${` for a literal `${`"
                            .into(),
                        offset: at + i,
                        len: 2,
                    });
                };
                let written = &inner[..close];
                let (name, case) = if let Some(n) = written
                    .strip_prefix("upper(")
                    .and_then(|n| n.strip_suffix(')'))
                {
                    (n, Some(Case::Upper))
                } else if let Some(n) = written
                    .strip_prefix("lower(")
                    .and_then(|n| n.strip_suffix(')'))
                {
                    (n, Some(Case::Lower))
                } else {
                    (written, None)
                };
                if name.is_empty() {
                    return Err(TemplateSyntaxError {
                        message: "empty variable `${}`".into(),
                        help: "name a variable, e.g. `${run}` or `${alice.id}`".into(),
                        offset: at + i,
                        len: 3,
                    });
                }
                if let Err(why) = check_var_name(name) {
                    return Err(TemplateSyntaxError {
                        message: format!("invalid variable `${{{name}}}`"),
                        help: why.into(),
                        offset: at + i,
                        len: close + 3,
                    });
                }
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(match case {
                    None => Part::Var(name.to_owned()),
                    Some(case) => Part::Cased(name.to_owned(), case),
                });
                rest = &inner[close + 1..];
                at += i + close + 3;
            } else {
                literal.push('$');
                rest = &tail[1..];
                at += i + 1;
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template {
            source: source.to_owned(),
            parts,
        })
    }

    /// A template that renders to exactly `text` (any `${` in it is escaped).
    pub fn literal(text: &str) -> Template {
        Template {
            source: text.replace("${", "$${"),
            parts: if text.is_empty() {
                Vec::new()
            } else {
                vec![Part::Literal(text.to_owned())]
            },
        }
    }

    /// The template as written in the scenario file.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The parsed pieces, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Whether the source text is empty.
    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    /// The names this template refers to, in order of appearance (with repeats).
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(name) | Part::Cased(name, _) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The text when the template has no variables.
    pub fn as_literal(&self) -> Option<Cow<'_, str>> {
        match self.parts.as_slice() {
            [] => Some(Cow::Borrowed("")),
            [Part::Literal(text)] => Some(Cow::Borrowed(text)),
            _ => None,
        }
    }

    /// Fills in the variables; fails naming the first variable `vars` does not know.
    pub fn render<V: Vars + ?Sized>(&self, vars: &V) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(self.source.len());
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Var(name) | Part::Cased(name, _) => match vars.var(name) {
                    Some(value) => match part {
                        Part::Cased(_, Case::Upper) => out.push_str(&value.to_uppercase()),
                        Part::Cased(_, Case::Lower) => out.push_str(&value.to_lowercase()),
                        _ => out.push_str(&value),
                    },
                    None => {
                        return Err(TemplateError::Missing {
                            name: name.clone(),
                            template: self.source.clone(),
                        });
                    }
                },
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl JsonSchema for Template {
    fn schema_name() -> Cow<'static, str> {
        "Template".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean"],
            "description": "A string (numbers and booleans are taken as written) that may contain `${name}` variables: `${run}`, `${alias.id}`, \
                `${alias.userName}`, `${alias.email}`, `${alias.oktaId}`, `${alias.name}`, or a \
                capture name; `${upper(name)}` and `${lower(name)}` change its case. `$${` writes a literal `${`."
        })
    }
}

/// Where rendering looks variables up.
///
/// Implemented for maps from name to value and for closures `Fn(&str) -> Option<String>`.
pub trait Vars {
    /// The value of `name`, or `None` when it is not set.
    fn var(&self, name: &str) -> Option<Cow<'_, str>>;

    /// The JSON value of `name`, for variables that have one (captures); a JSON string that is
    /// exactly `${name}` renders to it, whatever its type.
    fn value(&self, _name: &str) -> Option<Value> {
        None
    }
}

impl Vars for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl<S: std::hash::BuildHasher> Vars for HashMap<String, String, S> {
    fn var(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl<F: Fn(&str) -> Option<String>> Vars for F {
    fn var(&self, name: &str) -> Option<Cow<'_, str>> {
        self(name).map(Cow::Owned)
    }
}

/// Renders every string inside `value` (recursively, values only: object keys are kept as they
/// are). Strings always render to strings.
pub fn render_value<V: Vars + ?Sized>(value: &Value, vars: &V) -> Result<Value, TemplateError> {
    Ok(match value {
        Value::String(s) => {
            let template = Template::parse(s).map_err(|e| TemplateError::Syntax {
                template: s.clone(),
                message: e.to_string(),
            })?;
            if let [Part::Var(name)] = template.parts()
                && let Some(v) = vars.value(name)
            {
                return Ok(v);
            }
            Value::String(template.render(vars)?)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_value(item, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_value(v, vars)?)))
                .collect::<Result<_, TemplateError>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn vars() -> BTreeMap<String, String> {
        [("run", "r1"), ("alice.id", "42"), ("eng_name", "Eng")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[rstest]
    #[case("plain", "plain")]
    #[case("", "")]
    #[case("${run}", "r1")]
    #[case("/Users/${alice.id}", "/Users/42")]
    #[case("a${run}b${eng_name}c", "ar1bEngc")]
    #[case("$${run}", "${run}")]
    #[case("cost: $5", "cost: $5")]
    #[case("$", "$")]
    #[case("$$", "$$")]
    #[case("$$${run}", "$${run}")]
    #[case("${upper(eng_name)}@X", "ENG@X")]
    #[case("${lower(eng_name)}", "eng")]
    fn renders(#[case] source: &str, #[case] expected: &str) {
        let t = Template::parse(source).unwrap();
        assert_eq!(t.render(&vars()).unwrap(), expected);
        assert_eq!(t.as_str(), source);
    }

    #[rstest]
    #[case("abc ${run", "unterminated `${`", 4)]
    #[case("${}", "empty variable `${}`", 0)]
    #[case("x${ run }", "invalid variable `${ run }`", 1)]
    #[case("${a.b.c}", "invalid variable `${a.b.c}`", 0)]
    #[case("${1abc}", "invalid variable `${1abc}`", 0)]
    #[case("${upper()}", "empty variable `${}`", 0)]
    #[case("${upper(a b)}", "invalid variable `${a b}`", 0)]
    fn rejects(#[case] source: &str, #[case] message: &str, #[case] offset: usize) {
        let e = Template::parse(source).unwrap_err();
        assert_eq!(e.message, message);
        assert_eq!(e.offset, offset);
    }

    #[test]
    fn missing_variable_is_named() {
        let t = Template::parse("/Groups/${eng.id}").unwrap();
        let e = t.render(&vars()).unwrap_err();
        assert_eq!(
            e,
            TemplateError::Missing {
                name: "eng.id".into(),
                template: "/Groups/${eng.id}".into()
            }
        );
        assert_eq!(e.to_string(), "variable `${eng.id}` has no value");
    }

    #[test]
    fn closures_are_vars() {
        let t = Template::parse("${x}-${x}").unwrap();
        let out = t
            .render(&|name: &str| (name == "x").then(|| "y".to_owned()))
            .unwrap();
        assert_eq!(out, "y-y");
    }

    #[test]
    fn literal_round_trips() {
        let t = Template::literal("a ${b}");
        assert_eq!(t.as_str(), "a $${b}");
        assert_eq!(t.render(&vars()).unwrap(), "a ${b}");
        assert_eq!(Template::parse(t.as_str()).unwrap(), t);
        assert_eq!(t.as_literal().as_deref(), Some("a ${b}"));
    }

    #[test]
    fn variables_in_order() {
        let t = Template::parse("${a}${b.id}x${a}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["a", "b.id", "a"]);
    }

    #[test]
    fn renders_inside_json_values_only() {
        let v = serde_json::json!({
            "${run}": ["${alice.id}", 1, true, null, {"n": "${eng_name}"}],
        });
        let out = render_value(&v, &vars()).unwrap();
        assert_eq!(
            out,
            serde_json::json!({"${run}": ["42", 1, true, null, {"n": "Eng"}]})
        );
        let err = render_value(&serde_json::json!(["${nope}"]), &vars()).unwrap_err();
        assert!(matches!(err, TemplateError::Missing { name, .. } if name == "nope"));
    }

    #[rstest]
    #[case("alice", true)]
    #[case("_x-1", true)]
    #[case("my-group", true)]
    #[case("1a", false)]
    #[case("", false)]
    #[case("a b", false)]
    #[case("a.b", false)]
    #[case("-a", false)]
    fn alias_names(#[case] name: &str, #[case] ok: bool) {
        assert_eq!(is_alias(name), ok);
    }
}
