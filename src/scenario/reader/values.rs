//! JSON values and JSONPath expressions in a scenario.

use super::*;

impl Reader {
    /// A JSON value; its strings are checked as templates.
    pub(super) fn json(&mut self, node: &Node) -> Value {
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

    pub(super) fn json_object(
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

    pub(super) fn jsonpath(&mut self, node: &Node, what: &str) -> Option<JsonPathExpr> {
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

    pub(super) fn bad_jsonpath(&mut self, span: Span, text: &str, message: &str) {
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
}
