//! The filter syntax tree.

use std::fmt;

/// An attribute path: `[URN ":"] attr ["." subAttr]`, as written (names not yet canonical).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN prefix, if the path was qualified (`urn:…:User:userName`).
    pub urn: Option<String>,
    /// The attribute name.
    pub attr: String,
    /// The sub-attribute name (`name.givenName`).
    pub sub_attr: Option<String>,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// equal
    Eq,
    /// not equal
    Ne,
    /// contains
    Co,
    /// starts with
    Sw,
    /// ends with
    Ew,
    /// greater than
    Gt,
    /// greater than or equal
    Ge,
    /// less than
    Lt,
    /// less than or equal
    Le,
}

/// A comparison value: a JSON literal.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// A JSON string (unescaped).
    Str(String),
    /// A JSON number.
    Num(serde_json::Number),
    /// true or false.
    Bool(bool),
    /// null
    Null,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath op value`
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The literal.
        value: CompValue,
    },
    /// `attrPath pr`
    Present(AttrPath),
    /// `a and b`
    And(Box<Filter>, Box<Filter>),
    /// `a or b`
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`
    Not(Box<Filter>),
    /// `attrPath[valFilter]`: the inner filter's paths are relative to each element of `path`.
    ValuePath {
        /// The multi-valued (or complex) attribute.
        path: AttrPath,
        /// The filter applied to each element.
        filter: Box<Filter>,
    },
}

/// A PATCH `path` (RFC 7644 §3.5.2): `attrPath`, or `attrPath[valFilter][.subAttr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute (its `sub_attr` is set for `name.givenName`).
    pub attr: AttrPath,
    /// The value filter selecting elements of a multi-valued attribute.
    pub value_filter: Option<Filter>,
    /// The sub-attribute after a value filter: `emails[type eq "work"].value`.
    pub sub_attr: Option<String>,
}

/// A syntax error with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Byte offset into the input.
    pub position: usize,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for FilterError {}
