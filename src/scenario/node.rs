//! A YAML document as a tree of nodes that know where they are in the file.
//!
//! This is the only place YAML is parsed (with serde-saphyr). The loader converts the tree into
//! the model by hand, so that every problem can be reported with its position and all problems
//! of a file can be reported at once.

use std::fmt;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::model::Position;

/// Bytes `offset..offset + len` of the file numbered `file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) file: usize,
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

/// A YAML node and where it is.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) value: NodeValue,
    pub(crate) span: Span,
}

/// What a YAML node holds.
#[derive(Debug, Clone)]
pub(crate) enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order: key node, value node.
    Map(Vec<(Node, Node)>),
}

impl NodeValue {
    /// How the type is named in messages: "a string", "a list", ...
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            NodeValue::Null => "nothing (null)",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) | NodeValue::UInt(_) => "a number",
            NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a map",
        }
    }
}

/// One source file: its display path, its text and a line index.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub(crate) path: std::path::PathBuf,
    pub(crate) text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub(crate) fn new(path: std::path::PathBuf, text: &str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            text: Arc::from(text),
            line_starts,
        }
    }

    /// Line and column (1-based, column in characters) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Position { line, column }
    }

    /// Byte offset of a line and column (1-based, column in characters), clamped to the text.
    pub(crate) fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        rest.char_indices()
            .nth(column.saturating_sub(1))
            .map_or(self.text.len(), |(i, _)| start + i)
    }

    /// The source text of a span (empty when out of range).
    pub(crate) fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.offset..span.offset + span.len)
            .unwrap_or_default()
    }
}

/// A YAML syntax error: the parser's message and where.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) offset: usize,
}

/// Parses the text of `file` (numbered `file_id` in spans).
pub(crate) fn parse(file: &SourceFile, file_id: usize) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
    };
    match serde_saphyr::from_str_with_options::<RawNode>(&file.text, options) {
        Ok(raw) => Ok(raw.into_node(file, file_id)),
        Err(e) => {
            let offset = e.location().map_or(0, |l| {
                l.span()
                    .byte_offset()
                    .and_then(|b| usize::try_from(b).ok())
                    .unwrap_or_else(|| file.offset(to_usize(l.line()), to_usize(l.column())))
            });
            let text = e.render_with_formatter(&serde_saphyr::UserMessageFormatter);
            // The formatter appends " at line L, column C"; the caller prints its own position.
            let message = match text.rfind(" at line ") {
                Some(i) => text[..i].to_owned(),
                None => text,
            };
            Err(SyntaxError { message, offset })
        }
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// What serde-saphyr hands us: a value with a location; spans are fixed up afterwards.
struct RawNode {
    value: RawValue,
    line: u64,
    column: u64,
    byte: Option<(u64, u64)>,
}

enum RawValue {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<RawNode>),
    Map(Vec<(RawNode, RawNode)>),
}

impl RawNode {
    fn into_node(self, file: &SourceFile, file_id: usize) -> Node {
        let (offset, len) = match self.byte {
            Some((offset, len)) => (to_usize(offset), to_usize(len)),
            None if self.line > 0 => (file.offset(to_usize(self.line), to_usize(self.column)), 0),
            None => (0, 0),
        };
        let span = Span {
            file: file_id,
            offset,
            len,
        };
        let value = match self.value {
            RawValue::Null => NodeValue::Null,
            RawValue::Bool(b) => NodeValue::Bool(b),
            RawValue::Int(i) => NodeValue::Int(i),
            RawValue::UInt(u) => NodeValue::UInt(u),
            RawValue::Float(f) => NodeValue::Float(f),
            RawValue::Str(s) => NodeValue::Str(s),
            RawValue::Seq(items) => NodeValue::Seq(
                items
                    .into_iter()
                    .map(|n| n.into_node(file, file_id))
                    .collect(),
            ),
            RawValue::Map(entries) => NodeValue::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.into_node(file, file_id), v.into_node(file, file_id)))
                    .collect(),
            ),
        };
        Node { value, span }
    }
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawValue>::deserialize(deserializer)?;
        let at = spanned.referenced;
        let span = at.span();
        Ok(RawNode {
            value: spanned.value,
            line: at.line(),
            column: at.column(),
            byte: span.byte_offset().zip(span.byte_len()),
        })
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }

    fn visit_none<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }

    fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::UInt(v))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<RawValue, E> {
        i64::try_from(v)
            .map(RawValue::Int)
            .map_err(|_| E::custom("integer out of range"))
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<RawValue, E> {
        u64::try_from(v)
            .map(RawValue::UInt)
            .map_err(|_| E::custom("integer out of range"))
    }

    fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<RawValue, E> {
        String::from_utf8(v.to_vec())
            .map(RawValue::Str)
            .map_err(|_| E::custom("binary data is not UTF-8 text"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<RawNode>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<RawNode>()? {
            let value = map.next_value::<RawNode>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("t.yaml".into(), text)
    }

    #[test]
    fn nodes_know_their_place() {
        let f = file("name: x é\nsteps:\n  - okta: { assign: alice }\n");
        let root = parse(&f, 0).unwrap();
        let NodeValue::Map(entries) = &root.value else {
            panic!("not a map")
        };
        let (k, v) = &entries[1];
        assert_eq!(f.slice(k.span), "steps");
        assert_eq!(f.position(k.span.offset), Position { line: 2, column: 1 });
        let NodeValue::Seq(steps) = &v.value else {
            panic!("not a seq")
        };
        let NodeValue::Map(step) = &steps[0].value else {
            panic!("not a map")
        };
        let NodeValue::Map(okta) = &step[0].1.value else {
            panic!("not a map")
        };
        assert_eq!(f.slice(okta[0].1.span), "alice");
        assert_eq!(
            f.position(okta[0].1.span.offset),
            Position {
                line: 3,
                column: 21
            }
        );
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() {
        let f = file("n: no\ny: on\n");
        let root = parse(&f, 0).unwrap();
        let NodeValue::Map(entries) = &root.value else {
            panic!("not a map")
        };
        assert!(matches!(&entries[0].0.value, NodeValue::Str(s) if s == "n"));
        assert!(matches!(&entries[0].1.value, NodeValue::Str(s) if s == "no"));
        assert!(matches!(&entries[1].1.value, NodeValue::Str(s) if s == "on"));
    }

    #[test]
    fn syntax_errors_have_offsets() {
        let f = file("a: [1, 2\nb: }\n");
        let e = parse(&f, 0).unwrap_err();
        assert_eq!(f.position(e.offset), Position { line: 2, column: 2 });
        assert!(!e.message.contains("at line"), "{}", e.message);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let f = file("a: 1\na: 2\n");
        let e = parse(&f, 0).unwrap_err();
        assert!(e.message.contains("duplicate"), "{}", e.message);
        assert_eq!(f.position(e.offset), Position { line: 2, column: 1 });
    }

    #[test]
    fn positions_and_offsets_agree() {
        let f = file("ab\nçd\n\nx");
        for (line, column, offset) in [(1, 1, 0), (1, 3, 2), (2, 1, 3), (2, 2, 5), (4, 1, 8)] {
            assert_eq!(f.offset(line, column), offset);
            assert_eq!(f.position(offset), Position { line, column });
        }
    }
}
