//! The parser (winnow).
//!
//! Grammar (RFC 7644 §3.4.2.2, with the precedence the RFC's prose gives):
//!
//! ```text
//! filter    = *SP or-expr *SP
//! or-expr   = and-expr *( *SP "or" *SP and-expr )        ; left-associative
//! and-expr  = unary *( *SP "and" *SP unary )             ; left-associative
//! unary     = "not" *SP "(" or-expr ")" / "(" or-expr ")" / attr-expr
//! attr-expr = attrPath *SP "[" or-expr "]"               ; value path (no nesting)
//!           / attrPath *SP "pr"
//!           / attrPath *SP compareOp *SP compValue
//! attrPath  = [URN ":"] ATTRNAME ["." ATTRNAME]
//! ATTRNAME  = ALPHA *(ALPHA / DIGIT / "-" / "_") / "$ref"
//! patchPath = *SP attrPath [*SP "[" or-expr "]" ["." ATTRNAME]] *SP
//! ```
//!
//! Keywords (`and`, `or`, `not`, operators, `pr`, `true`, `false`, `null`) are
//! case-insensitive and must not run into a following name character. Whitespace is any run
//! of spaces, tabs, CR or LF. A word that is a keyword elsewhere is still an attribute name in
//! attribute position (`not eq "x"` compares an attribute called `not`).
//!
//! Limits, so a hostile filter cannot exhaust the stack of the parser, the evaluator or the
//! destructor: at most [`MAX_DEPTH`] levels of `(`, `not (` and `[`, and at most [`MAX_TERMS`]
//! comparisons (a chain of `and`/`or` builds a tree as deep as it is long).

use winnow::ascii::Caseless;
use winnow::combinator::{alt, not, opt, peek};
use winnow::error::{ErrMode, ParserError};
use winnow::prelude::*;
use winnow::stream::Stream;
use winnow::token::{any, literal, one_of, take_till, take_while};

use super::ast::{AttrPath, CompValue, CompareOp, Filter, FilterError, PatchPath};
use crate::schema::schema_by_id;

/// The deepest nesting of `(`, `not (` and `[` a filter may use.
pub const MAX_DEPTH: usize = 64;

/// The most comparisons (`attrPath op value` or `attrPath pr`) one filter may contain.
pub const MAX_TERMS: usize = 1000;

const EXPECT_OP: &str = "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or \"pr\"";
const EXPECT_VALUE: &str = "a value (a string in double quotes, a number, true, false or null)";
const EXPECT_EXPR: &str = "an attribute path, \"(\" or \"not (\"";

/// Parses a filter expression.
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    if let Some(filter) = simple_comparison(input) {
        return Ok(filter);
    }
    run(input, |st, i| {
        ws(i)?;
        if i.is_empty() {
            return Err(st.fail(0, "empty filter".to_string()));
        }
        let filter = or_expr(st, i, false)?;
        ws(i)?;
        if let Some(c) = i.chars().next() {
            let at = st.pos(i);
            let message = match c {
                ')' => "unexpected \")\" with no matching \"(\"".to_string(),
                ']' => "unexpected \"]\" with no matching \"[\"".to_string(),
                _ => format!(
                    "trailing input after a complete filter: expected \"and\", \"or\" or the end, found {}",
                    describe_next(i)
                ),
            };
            return Err(st.fail(at, message));
        }
        Ok(filter)
    })
}

/// The filter Okta sends before every create and import match, `userName eq "…"`, read without
/// the grammar: an attribute name (no URN, no sub-attribute), one space, a comparison operator,
/// one space and a string without escapes, quotes or control characters. Anything else, `None`:
/// the grammar reads it. (The two agree on every input this takes: see the tests.)
fn simple_comparison(input: &str) -> Option<Filter> {
    let (attr, rest) = input.split_once(' ')?;
    let (op, value) = rest.split_once(' ')?;
    let mut name = attr.bytes();
    if !name.next()?.is_ascii_alphabetic()
        || !name.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let op = match op.to_ascii_lowercase().as_str() {
        "eq" => CompareOp::Eq,
        "ne" => CompareOp::Ne,
        "co" => CompareOp::Co,
        "sw" => CompareOp::Sw,
        "ew" => CompareOp::Ew,
        "gt" => CompareOp::Gt,
        "ge" => CompareOp::Ge,
        "lt" => CompareOp::Lt,
        "le" => CompareOp::Le,
        _ => return None,
    };
    let text = value.strip_prefix('"')?.strip_suffix('"')?;
    if text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        return None;
    }
    Some(Filter::Compare {
        path: AttrPath {
            urn: None,
            attr: attr.to_string(),
            sub_attr: None,
        },
        op,
        value: CompValue::Str(text.to_string()),
    })
}

/// Parses a PATCH path: `attrPath`, or `attrPath[valFilter]`, or `attrPath[valFilter].subAttr`.
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    run(input, |st, i| {
        ws(i)?;
        if i.is_empty() {
            return Err(st.fail(0, "empty path".to_string()));
        }
        let start = st.pos(i);
        let attr = attr_path(st, i)?;
        let mut value_filter = None;
        let mut sub_attr = None;
        let checkpoint = i.checkpoint();
        ws(i)?;
        if i.starts_with('[') {
            if attr.sub_attr.is_some() {
                let at = st.pos(i);
                return Err(st.fail(at, sub_then_bracket(&st.src[start..at])));
            }
            value_filter = Some(bracket(st, i)?);
            if i.starts_with('.') {
                '.'.parse_next(i)?;
                sub_attr = Some(attr_name(st, i)?);
            }
        } else {
            i.reset(&checkpoint);
        }
        ws(i)?;
        if let Some(c) = i.chars().next() {
            let at = st.pos(i);
            let after_space = st.src[..at].ends_with(is_ws);
            let message = if c == '.' && !after_space {
                "unexpected \".\": an attribute path has at most one sub-attribute".to_string()
            } else {
                format!(
                    "trailing input after a complete path: expected the end, found {}",
                    describe_next(i)
                )
            };
            return Err(st.fail(at, message));
        }
        Ok(PatchPath {
            attr,
            value_filter,
            sub_attr,
        })
    })
}

/// A parse failure: where (as the length of the input left) and what. An empty message is a
/// plain backtrack from a winnow primitive that nobody turned into a committed error.
#[derive(Debug)]
struct Fail {
    remaining: usize,
    message: String,
}

impl ParserError<&str> for Fail {
    type Inner = Self;

    fn from_input(input: &&str) -> Self {
        Fail {
            remaining: input.len(),
            message: String::new(),
        }
    }

    fn into_inner(self) -> Result<Self::Inner, Self> {
        Ok(self)
    }
}

type PResult<T> = ModalResult<T, Fail>;

/// Parser state: the whole input (for positions and quoting), nesting depth, term count.
struct State<'s> {
    src: &'s str,
    depth: usize,
    terms: usize,
}

impl<'s> State<'s> {
    fn pos(&self, rest: &str) -> usize {
        self.src.len() - rest.len()
    }

    fn fail(&self, position: usize, message: String) -> ErrMode<Fail> {
        ErrMode::Cut(Fail {
            remaining: self.src.len() - position.min(self.src.len()),
            message,
        })
    }

    fn enter(&mut self, position: usize) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail(
                position,
                format!(
                    "filter nests too deeply: more than {MAX_DEPTH} levels of \"(\", \"not (\" and \"[\""
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn term(&mut self, position: usize) -> PResult<()> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(self.fail(
                position,
                format!("filter has too many conditions: more than {MAX_TERMS}"),
            ));
        }
        Ok(())
    }
}

fn run<T>(
    src: &str,
    mut parser: impl FnMut(&mut State<'_>, &mut &str) -> PResult<T>,
) -> Result<T, FilterError> {
    let mut st = State {
        src,
        depth: 0,
        terms: 0,
    };
    let mut input = src;
    parser(&mut st, &mut input).map_err(|e| {
        let fail = match e {
            ErrMode::Backtrack(f) | ErrMode::Cut(f) => f,
            ErrMode::Incomplete(_) => Fail {
                remaining: input.len(),
                message: String::new(),
            },
        };
        let position = src.len() - fail.remaining.min(src.len());
        let message = if fail.message.is_empty() {
            "invalid filter syntax".to_string()
        } else {
            fail.message
        };
        FilterError { position, message }
    })
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Characters that may not directly follow a keyword or a literal.
fn is_word_char(c: char) -> bool {
    is_name_char(c) || matches!(c, '.' | ':' | '$' | '+')
}

/// Characters of a URN-qualified path before any `[`: the URN and the attribute path.
fn is_urn_path_char(c: char) -> bool {
    is_name_char(c) || matches!(c, ':' | '.' | '$')
}

fn describe(c: char) -> String {
    if c.is_control() {
        format!("{:?}", c)
    } else {
        format!("\"{c}\"")
    }
}

/// What comes next, for an error message: a whole word, one character, or "end of input".
fn describe_next(i: &str) -> String {
    match i.chars().next() {
        None => "end of input".to_string(),
        Some(c) if is_word_char(c) => {
            let end = i.find(|c: char| !is_word_char(c)).unwrap_or(i.len());
            let word = &i[..end];
            match word.char_indices().nth(40) {
                Some((cut, _)) => format!("\"{}…\"", &word[..cut]),
                None => format!("\"{word}\""),
            }
        }
        Some(c) => describe(c),
    }
}

fn ws(i: &mut &str) -> PResult<()> {
    take_while(0.., is_ws).void().parse_next(i)
}

/// A case-insensitive keyword not followed by a name character.
fn keyword<'i>(word: &'static str) -> impl Parser<&'i str, &'i str, ErrMode<Fail>> {
    (literal(Caseless(word)), not(one_of(is_word_char))).map(|(w, ())| w)
}

/// An operator keyword: `Some(op)`, or `None` for `pr`. Backtracks on anything else.
fn compare_op(i: &mut &str) -> PResult<Option<CompareOp>> {
    let word: &str = (
        take_while(2, |c: char| c.is_ascii_alphabetic()),
        not(one_of(is_word_char)),
    )
        .take()
        .parse_next(i)?;
    if word.eq_ignore_ascii_case("pr") {
        return Ok(None);
    }
    CompareOp::ALL
        .into_iter()
        .find(|op| word.eq_ignore_ascii_case(op.as_str()))
        .map(Some)
        .ok_or_else(|| ErrMode::from_input(i))
}

fn or_expr(st: &mut State<'_>, i: &mut &str, in_bracket: bool) -> PResult<Filter> {
    let mut left = and_expr(st, i, in_bracket)?;
    loop {
        let checkpoint = i.checkpoint();
        ws(i)?;
        if opt(keyword("or")).parse_next(i)?.is_none() {
            i.reset(&checkpoint);
            return Ok(left);
        }
        ws(i)?;
        let right = and_expr(st, i, in_bracket)?;
        left = Filter::Or(Box::new(left), Box::new(right));
    }
}

fn and_expr(st: &mut State<'_>, i: &mut &str, in_bracket: bool) -> PResult<Filter> {
    let mut left = unary(st, i, in_bracket)?;
    loop {
        let checkpoint = i.checkpoint();
        ws(i)?;
        if opt(keyword("and")).parse_next(i)?.is_none() {
            i.reset(&checkpoint);
            return Ok(left);
        }
        ws(i)?;
        let right = unary(st, i, in_bracket)?;
        left = Filter::And(Box::new(left), Box::new(right));
    }
}

fn unary(st: &mut State<'_>, i: &mut &str, in_bracket: bool) -> PResult<Filter> {
    let start = st.pos(i);
    match i.chars().next() {
        Some('(') => group(st, i, in_bracket),
        Some(c @ (')' | ']')) => Err(st.fail(start, format!("unexpected \"{c}\""))),
        Some(c) if c.is_ascii_alphabetic() || c == '$' => attr_expr(st, i, in_bracket),
        _ => Err(st.fail(
            start,
            format!("expected {EXPECT_EXPR}, found {}", describe_next(i)),
        )),
    }
}

/// `"(" or-expr ")"`, the input at the `(`.
fn group(st: &mut State<'_>, i: &mut &str, in_bracket: bool) -> PResult<Filter> {
    let open = st.pos(i);
    st.enter(open)?;
    '('.parse_next(i)?;
    ws(i)?;
    let inner = or_expr(st, i, in_bracket)?;
    ws(i)?;
    if opt(')').parse_next(i)?.is_none() {
        let at = st.pos(i);
        return Err(st.fail(
            at,
            format!(
                "expected \"and\", \"or\" or \")\" to close the \"(\" at position {open}, found {}",
                describe_next(i)
            ),
        ));
    }
    st.leave();
    Ok(inner)
}

/// `"[" or-expr "]"`, the input at the `[`.
fn bracket(st: &mut State<'_>, i: &mut &str) -> PResult<Filter> {
    let open = st.pos(i);
    st.enter(open)?;
    '['.parse_next(i)?;
    ws(i)?;
    let inner = or_expr(st, i, true)?;
    ws(i)?;
    if opt(']').parse_next(i)?.is_none() {
        let at = st.pos(i);
        return Err(st.fail(
            at,
            format!(
                "expected \"and\", \"or\" or \"]\" to close the \"[\" at position {open}, found {}",
                describe_next(i)
            ),
        ));
    }
    st.leave();
    Ok(inner)
}

fn sub_then_bracket(path: &str) -> String {
    format!(
        "a value filter \"[…]\" must follow an attribute name, not the sub-attribute path \"{path}\""
    )
}

fn attr_expr(st: &mut State<'_>, i: &mut &str, in_bracket: bool) -> PResult<Filter> {
    let start = st.pos(i);
    let path = attr_path(st, i)?;
    let written = &st.src[start..st.pos(i)];

    ws(i)?;
    let after_ws = st.pos(i);

    // `not (…)`: "not" is only the logical keyword when a "(" follows.
    if path.urn.is_none() && path.sub_attr.is_none() && path.attr.eq_ignore_ascii_case("not") {
        if i.starts_with('(') {
            let inner = group(st, i, in_bracket)?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if !i.starts_with('[') && peek(opt(compare_op)).parse_next(i)?.is_none() {
            return Err(st.fail(
                after_ws,
                format!("expected \"(\" after \"not\", found {}", describe_next(i)),
            ));
        }
    }

    if i.starts_with('[') {
        if in_bracket {
            return Err(st.fail(
                after_ws,
                format!("value filters cannot be nested: \"{written}[…]\" inside another \"[…]\""),
            ));
        }
        if path.sub_attr.is_some() {
            return Err(st.fail(after_ws, sub_then_bracket(written)));
        }
        let written = written.to_string();
        let inner = bracket(st, i)?;
        if let Some(mut after_dot) = i.strip_prefix('.') {
            let at = st.pos(i);
            let sub: &str = take_while(0.., is_name_char).parse_next(&mut after_dot)?;
            let sub = if sub.is_empty() { "sub" } else { sub };
            return Err(st.fail(
                at,
                format!(
                    "a sub-attribute after a value filter (\"{written}[…].{sub}\") is only valid in a PATCH path; \
                     in a filter put the condition inside the brackets, e.g. {written}[type eq \"work\" and {sub} eq \"…\"]"
                ),
            ));
        }
        return Ok(Filter::ValuePath {
            path,
            filter: Box::new(inner),
        });
    }

    let Some(op) = opt(compare_op).parse_next(i)? else {
        return Err(st.fail(
            after_ws,
            format!("expected {EXPECT_OP} after \"{written}\""),
        ));
    };
    st.term(start)?;
    let Some(op) = op else {
        return Ok(Filter::Present(path));
    };
    ws(i)?;
    let value = comp_value(st, i, op)?;
    Ok(Filter::Compare { path, op, value })
}

/// `[URN ":"] ATTRNAME ["." ATTRNAME]`.
fn attr_path(st: &mut State<'_>, i: &mut &str) -> PResult<AttrPath> {
    let start = st.pos(i);
    let mut urn = None;
    if peek(opt(literal(Caseless("urn:"))))
        .parse_next(i)?
        .is_some()
    {
        let run: &str = peek(take_while(0.., is_urn_path_char)).parse_next(i)?;
        if schema_by_id(run.trim_end_matches(':')).is_some() {
            return Err(st.fail(
                start,
                format!(
                    "a path must name an attribute: \"{run}\" is only a schema URN; write \"{}:attributeName\"",
                    run.trim_end_matches(':')
                ),
            ));
        }
        // "urn:" guarantees a ':' in the run.
        let last = run.rfind(':').unwrap_or(3);
        urn = Some(run[..last].to_string());
        let _: &str = winnow::token::take(last + 1).parse_next(i)?;
        if !i.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$') {
            let at = st.pos(i);
            return Err(st.fail(
                at,
                format!(
                    "expected an attribute name after the schema URN \"{}\", found {}",
                    &run[..last],
                    describe_next(i)
                ),
            ));
        }
    }
    let attr = attr_name(st, i)?;
    let mut sub_attr = None;
    if i.starts_with('.') {
        '.'.parse_next(i)?;
        sub_attr = Some(attr_name(st, i)?);
        if i.starts_with('.') {
            let at = st.pos(i);
            return Err(st.fail(
                at,
                "unexpected \".\": an attribute path has at most one sub-attribute".to_string(),
            ));
        }
    }
    Ok(AttrPath {
        urn,
        attr,
        sub_attr,
    })
}

/// `ALPHA *(ALPHA / DIGIT / "-" / "_")`, or `$ref`.
fn attr_name(st: &mut State<'_>, i: &mut &str) -> PResult<String> {
    let start = st.pos(i);
    let name: PResult<&str> = alt((
        literal(Caseless("$ref")),
        (
            one_of(|c: char| c.is_ascii_alphabetic()),
            take_while(0.., is_name_char),
        )
            .take(),
    ))
    .parse_next(i);
    match name {
        Ok(name) => Ok(name.to_string()),
        Err(e) if e.is_backtrack() => Err(st.fail(
            start,
            format!(
                "expected an attribute name (a letter, then letters, digits, \"-\" or \"_\"), found {}",
                describe_next(i)
            ),
        )),
        Err(e) => Err(e),
    }
}

fn comp_value(st: &mut State<'_>, i: &mut &str, op: CompareOp) -> PResult<CompValue> {
    let start = st.pos(i);
    match i.chars().next() {
        Some('"') => string(st, i).map(CompValue::Str),
        Some(c) if c == '-' || c.is_ascii_digit() => number(st, i).map(CompValue::Num),
        Some(c) if c.is_ascii_alphabetic() => {
            let literal: Option<CompValue> = opt(alt((
                keyword("true").value(CompValue::Bool(true)),
                keyword("false").value(CompValue::Bool(false)),
                keyword("null").value(CompValue::Null),
            )))
            .parse_next(i)?;
            match literal {
                Some(v) => Ok(v),
                None => {
                    let word: &str = take_while(0.., is_word_char).parse_next(i)?;
                    Err(st.fail(
                        start,
                        format!(
                            "expected {EXPECT_VALUE} after \"{op}\", found \"{word}\" (strings must be in double quotes)"
                        ),
                    ))
                }
            }
        }
        _ => Err(st.fail(
            start,
            format!(
                "expected {EXPECT_VALUE} after \"{op}\", found {}",
                describe_next(i)
            ),
        )),
    }
}

/// A JSON number, kept as `serde_json::Number`.
fn number(st: &mut State<'_>, i: &mut &str) -> PResult<serde_json::Number> {
    let start = st.pos(i);
    let digits = |i: &mut &str| -> PResult<()> {
        take_while(1.., |c: char| c.is_ascii_digit())
            .void()
            .parse_next(i)
    };
    let text: PResult<&str> = (
        opt('-'),
        alt((
            '0'.void(),
            (
                one_of('1'..='9'),
                take_while(0.., |c: char| c.is_ascii_digit()),
            )
                .void(),
        )),
        opt(('.', digits)),
        opt((one_of(['e', 'E']), opt(one_of(['+', '-'])), digits)),
    )
        .take()
        .parse_next(i);
    let bad = |st: &State<'_>| -> ErrMode<Fail> {
        let rest = &st.src[start..];
        let end = rest
            .find(|c: char| !(is_word_char(c) || c == '-'))
            .unwrap_or(rest.len());
        st.fail(
            start,
            format!(
                "invalid number \"{}\": expected a JSON number such as 42, -1.5 or 1e3",
                &rest[..end]
            ),
        )
    };
    let text = match text {
        Ok(text) => text,
        Err(e) if e.is_backtrack() => return Err(bad(st)),
        Err(e) => return Err(e),
    };
    if i.starts_with(|c: char| is_word_char(c) || c == '-') {
        return Err(bad(st));
    }
    serde_json::from_str::<serde_json::Number>(text)
        .map_err(|_| st.fail(start, format!("number \"{text}\" is out of range")))
}

/// A JSON string with its escapes resolved, the input at the opening quote.
fn string(st: &mut State<'_>, i: &mut &str) -> PResult<String> {
    let start = st.pos(i);
    '"'.parse_next(i)?;
    let mut out = String::new();
    let unterminated = |st: &State<'_>| {
        st.fail(
            st.src.len(),
            format!("unterminated string starting at position {start}"),
        )
    };
    loop {
        let chunk: &str = take_till(0.., ['"', '\\']).parse_next(i)?;
        out.push_str(chunk);
        let Ok(c) = any::<_, ErrMode<Fail>>.parse_next(i) else {
            return Err(unterminated(st));
        };
        if c == '"' {
            return Ok(out);
        }
        // A backslash.
        let escape_at = st.pos(i) - 1;
        let Ok(e) = any::<_, ErrMode<Fail>>.parse_next(i) else {
            return Err(unterminated(st));
        };
        match e {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let unit = hex4(st, i, escape_at)?;
                let c = match unit {
                    0xD800..=0xDBFF => {
                        let low_at = st.pos(i);
                        let low = if i.starts_with("\\u") {
                            let _: &str = "\\u".parse_next(i)?;
                            hex4(st, i, low_at)?
                        } else {
                            0
                        };
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(st.fail(
                                escape_at,
                                format!(
                                    "invalid \\u escape: high surrogate \\u{unit:04X} is not followed by a low surrogate \\uDC00-\\uDFFF"
                                ),
                            ));
                        }
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(st.fail(
                            escape_at,
                            format!(
                                "invalid \\u escape: low surrogate \\u{unit:04X} without a high surrogate before it"
                            ),
                        ));
                    }
                    _ => char::from_u32(unit),
                };
                // Every non-surrogate code unit and every surrogate pair is a valid char.
                out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            other => {
                return Err(st.fail(
                    escape_at,
                    format!(
                        "invalid escape \"\\{other}\" in string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"
                    ),
                ));
            }
        }
    }
}

/// Four hex digits after `\u`; `escape_at` is the position of the backslash.
fn hex4(st: &mut State<'_>, i: &mut &str, escape_at: usize) -> PResult<u32> {
    let hex: PResult<&str> = take_while(4, |c: char| c.is_ascii_hexdigit()).parse_next(i);
    match hex {
        Ok(hex) => Ok(u32::from_str_radix(hex, 16).unwrap_or(0)),
        Err(e) if e.is_backtrack() => {
            if i.len() < 4 && i.chars().all(|c| c.is_ascii_hexdigit()) {
                Err(st.fail(
                    st.src.len(),
                    format!(
                        "unterminated string: \\u escape at position {escape_at} needs four hex digits"
                    ),
                ))
            } else {
                Err(st.fail(
                    escape_at,
                    "invalid \\u escape: expected four hex digits".to_string(),
                ))
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
pub(super) mod tests {

    /// The shortcut for a plain comparison reads exactly what the grammar reads, and leaves
    /// everything else to it.
    #[test]
    fn the_plain_comparison_shortcut_agrees_with_the_grammar() {
        let taken = [
            r#"userName eq "user5@example.com""#,
            r#"userName EQ "a""#,
            r#"externalId eq """#,
            r#"displayName sw "Team ""#,
            r#"x-y_1 gt "2020-01-01T00:00:00Z""#,
            r#"userName eq "josé""#,
        ];
        for text in taken {
            let fast = simple_comparison(text).expect(text);
            let grammar = run(text, |st, i| or_expr(st, i, false)).expect(text);
            assert_eq!(fast, grammar, "{text}");
            assert_eq!(parse_filter(text).unwrap(), grammar, "{text}");
        }
        let left = [
            r#"name.givenName eq "x""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
            r#"userName eq "a\"b""#,
            r#"userName eq "a" and active eq true"#,
            r#"userName  eq "a""#,
            r#" userName eq "a""#,
            r#"userName eq "a" "#,
            r#"1abc eq "x""#,
            r#"userName eq 1"#,
            r#"userName pr"#,
            r#"userName xx "a""#,
            "userName eq \"a\u{1}\"",
            r#"emails[type eq "work"] eq "x""#,
            r#"userName eq "a"#,
        ];
        for text in left {
            assert!(simple_comparison(text).is_none(), "{text}");
        }
    }

    use proptest::arbitrary::any;
    use proptest::prelude::*;
    use rstest::rstest;

    use super::*;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

    fn path(attr: &str) -> AttrPath {
        AttrPath {
            urn: None,
            attr: attr.into(),
            sub_attr: None,
        }
    }

    fn sub(attr: &str, sub: &str) -> AttrPath {
        AttrPath {
            sub_attr: Some(sub.into()),
            ..path(attr)
        }
    }

    fn qualified(urn: &str, attr: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: Some(urn.into()),
            attr: attr.into(),
            sub_attr: sub.map(Into::into),
        }
    }

    fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare { path, op, value }
    }

    fn s(v: &str) -> CompValue {
        CompValue::Str(v.into())
    }

    fn pr(name: &str) -> Filter {
        Filter::Present(path(name))
    }

    fn and(a: Filter, b: Filter) -> Filter {
        Filter::And(Box::new(a), Box::new(b))
    }

    fn or(a: Filter, b: Filter) -> Filter {
        Filter::Or(Box::new(a), Box::new(b))
    }

    fn not(a: Filter) -> Filter {
        Filter::Not(Box::new(a))
    }

    fn vp(path: AttrPath, filter: Filter) -> Filter {
        Filter::ValuePath {
            path,
            filter: Box::new(filter),
        }
    }

    fn num(text: &str) -> CompValue {
        CompValue::Num(serde_json::from_str(text).unwrap())
    }

    #[rstest]
    #[case("userName eq \"x\"", CompareOp::Eq)]
    #[case("userName ne \"x\"", CompareOp::Ne)]
    #[case("userName co \"x\"", CompareOp::Co)]
    #[case("userName sw \"x\"", CompareOp::Sw)]
    #[case("userName ew \"x\"", CompareOp::Ew)]
    #[case("userName gt \"x\"", CompareOp::Gt)]
    #[case("userName ge \"x\"", CompareOp::Ge)]
    #[case("userName lt \"x\"", CompareOp::Lt)]
    #[case("userName le \"x\"", CompareOp::Le)]
    #[case("userName EQ \"x\"", CompareOp::Eq)]
    #[case("userName Ne \"x\"", CompareOp::Ne)]
    #[case("userName cO \"x\"", CompareOp::Co)]
    #[case("userName SW \"x\"", CompareOp::Sw)]
    #[case("userName Ew \"x\"", CompareOp::Ew)]
    #[case("userName GT \"x\"", CompareOp::Gt)]
    #[case("userName gE \"x\"", CompareOp::Ge)]
    #[case("userName LT \"x\"", CompareOp::Lt)]
    #[case("userName Le \"x\"", CompareOp::Le)]
    #[case("userName eq\"x\"", CompareOp::Eq)]
    fn every_operator_case_insensitively(#[case] input: &str, #[case] op: CompareOp) {
        assert_eq!(
            parse_filter(input).unwrap(),
            cmp(path("userName"), op, s("x"))
        );
    }

    #[rstest]
    #[case("title pr", pr("title"))]
    #[case("title PR", pr("title"))]
    #[case("USERNAME Pr", pr("USERNAME"))]
    #[case("a pr and b pr", and(pr("a"), pr("b")))]
    #[case("a pr AND b pr", and(pr("a"), pr("b")))]
    #[case("a pr And b pr", and(pr("a"), pr("b")))]
    #[case("a pr or b pr", or(pr("a"), pr("b")))]
    #[case("a pr OR b pr", or(pr("a"), pr("b")))]
    #[case("not (a pr)", not(pr("a")))]
    #[case("NOT (a pr)", not(pr("a")))]
    #[case("Not(a pr)", not(pr("a")))]
    #[case("not ( not (a pr) )", not(not(pr("a"))))]
    #[case("(a pr)", pr("a"))]
    #[case("((a pr))", pr("a"))]
    #[case("a pr or b pr and c pr", or(pr("a"), and(pr("b"), pr("c"))))]
    #[case("a pr or (b pr and c pr)", or(pr("a"), and(pr("b"), pr("c"))))]
    #[case("a pr and b pr or c pr", or(and(pr("a"), pr("b")), pr("c")))]
    #[case("a pr and (b pr or c pr)", and(pr("a"), or(pr("b"), pr("c"))))]
    #[case("(a pr or b pr) and c pr", and(or(pr("a"), pr("b")), pr("c")))]
    #[case("a pr or b pr or c pr", or(or(pr("a"), pr("b")), pr("c")))]
    #[case("a pr and b pr and c pr", and(and(pr("a"), pr("b")), pr("c")))]
    #[case("a pr and not (b pr) or c pr", or(and(pr("a"), not(pr("b"))), pr("c")))]
    #[case("(a pr)and(b pr)", and(pr("a"), pr("b")))]
    #[case("   a pr   and\tb pr  ", and(pr("a"), pr("b")))]
    // Keywords are attribute names in attribute position.
    #[case("not eq \"x\"", cmp(path("not"), CompareOp::Eq, s("x")))]
    #[case("and pr or or pr", or(pr("and"), pr("or")))]
    #[case("pr pr", pr("pr"))]
    #[case("members.$ref pr", Filter::Present(sub("members", "$ref")))]
    #[case("$ref pr", pr("$ref"))]
    #[case("x-y_z9 pr", pr("x-y_z9"))]
    fn logic_precedence_and_grouping(#[case] input: &str, #[case] expected: Filter) {
        assert_eq!(parse_filter(input).unwrap(), expected);
    }

    #[rstest]
    #[case(
        "emails[type eq \"work\" and value co \"@x.com\"]",
        vp(
            path("emails"),
            and(
                cmp(path("type"), CompareOp::Eq, s("work")),
                cmp(path("value"), CompareOp::Co, s("@x.com"))
            )
        )
    )]
    #[case(
        "emails [ type eq \"work\" ] and userName pr",
        and(
            vp(path("emails"), cmp(path("type"), CompareOp::Eq, s("work"))),
            pr("userName")
        )
    )]
    #[case(
        "emails[not (type eq \"work\") or primary eq true]",
        vp(
            path("emails"),
            or(
                not(cmp(path("type"), CompareOp::Eq, s("work"))),
                cmp(path("primary"), CompareOp::Eq, CompValue::Bool(true))
            )
        )
    )]
    #[case("not (emails[type pr])", not(vp(path("emails"), pr("type"))))]
    #[case(
        "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]",
        vp(
            path("members"),
            cmp(
                path("value"),
                CompareOp::Eq,
                s("89bb1940-b905-4575-9e7f-6f887cfb368e")
            )
        )
    )]
    #[case("not[value pr]", vp(path("not"), pr("value")))]
    fn value_paths(#[case] input: &str, #[case] expected: Filter) {
        assert_eq!(parse_filter(input).unwrap(), expected);
    }

    #[rstest]
    #[case(
        "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"bjensen\"",
        qualified(CORE_USER, "userName", None)
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"bjensen\"",
        qualified(ENTERPRISE, "manager", Some("value"))
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"bjensen\"",
        qualified(ENTERPRISE, "department", None)
    )]
    #[case(
        "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:NAME.GIVENNAME eq \"bjensen\"",
        qualified(
            "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER",
            "NAME",
            Some("GIVENNAME")
        )
    )]
    #[case(
        "urn:example:custom:1.0:Thing:colour eq \"bjensen\"",
        qualified("urn:example:custom:1.0:Thing", "colour", None)
    )]
    #[case("name.givenName eq \"bjensen\"", sub("name", "givenName"))]
    #[case("urn eq \"bjensen\"", path("urn"))]
    fn urn_qualified_and_sub_attribute_paths(#[case] input: &str, #[case] expected: AttrPath) {
        assert_eq!(
            parse_filter(input).unwrap(),
            cmp(expected, CompareOp::Eq, s("bjensen"))
        );
    }

    #[rstest]
    #[case(r#"x eq """#, "")]
    #[case(r#"x eq "plain""#, "plain")]
    #[case(r#"x eq "a\"b""#, "a\"b")]
    #[case(r#"x eq "a\\b""#, "a\\b")]
    #[case(r#"x eq "a\/b""#, "a/b")]
    #[case(r#"x eq "\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t")]
    #[case(r#"x eq "caf\u00e9 \u00E9""#, "café é")]
    #[case(r#"x eq "\ud83d\ude00!""#, "😀!")]
    #[case(r#"x eq "\uD83D\uDE00""#, "😀")]
    #[case(r#"x eq "raw ünïcödé 😀""#, "raw ünïcödé 😀")]
    #[case(r#"x eq "and or not ) ( ] [""#, "and or not ) ( ] [")]
    fn string_escapes(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(
            parse_filter(input).unwrap(),
            cmp(path("x"), CompareOp::Eq, s(expected))
        );
    }

    #[rstest]
    #[case("x gt 42", "42")]
    #[case("x gt 0", "0")]
    #[case("x gt -1", "-1")]
    #[case("x gt 1.5", "1.5")]
    #[case("x gt -0.25", "-0.25")]
    #[case("x gt 1e3", "1e3")]
    #[case("x gt 1E+3", "1E+3")]
    #[case("x gt -2.5e-3", "-2.5e-3")]
    #[case("x gt 18446744073709551615", "18446744073709551615")]
    #[case("x gt -9223372036854775808", "-9223372036854775808")]
    fn numbers(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(
            parse_filter(input).unwrap(),
            cmp(path("x"), CompareOp::Gt, num(expected))
        );
    }

    #[rstest]
    #[case("active eq true", CompValue::Bool(true))]
    #[case("active eq TRUE", CompValue::Bool(true))]
    #[case("active eq false", CompValue::Bool(false))]
    #[case("active eq False", CompValue::Bool(false))]
    #[case("active eq null", CompValue::Null)]
    #[case("active eq NULL", CompValue::Null)]
    fn literal_keywords(#[case] input: &str, #[case] expected: CompValue) {
        assert_eq!(
            parse_filter(input).unwrap(),
            cmp(path("active"), CompareOp::Eq, expected)
        );
    }

    /// Every filter Okta sends.
    #[rstest]
    #[case(
        "userName eq \"test.user@okta.local\"",
        cmp(path("userName"), CompareOp::Eq, s("test.user@okta.local"))
    )]
    #[case(
        "userName eq \"TEST.USER@OKTA.LOCAL\"",
        cmp(path("userName"), CompareOp::Eq, s("TEST.USER@OKTA.LOCAL"))
    )]
    #[case(
        "displayName eq \"Test SCIMv2\"",
        cmp(path("displayName"), CompareOp::Eq, s("Test SCIMv2"))
    )]
    #[case(
        "externalId eq \"00ujl29u0le5T6Aj10h7\"",
        cmp(path("externalId"), CompareOp::Eq, s("00ujl29u0le5T6Aj10h7"))
    )]
    #[case(
        "id eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"",
        cmp(path("id"), CompareOp::Eq, s("89bb1940-b905-4575-9e7f-6f887cfb368e"))
    )]
    fn okta_filters(#[case] input: &str, #[case] expected: Filter) {
        assert_eq!(parse_filter(input).unwrap(), expected);
    }

    #[rstest]
    #[case(
        "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]",
        path("members"),
        Some(cmp(
            path("value"),
            CompareOp::Eq,
            s("89bb1940-b905-4575-9e7f-6f887cfb368e")
        )),
        None
    )]
    #[case(
        "emails[type eq \"work\"].value",
        path("emails"),
        Some(cmp(path("type"), CompareOp::Eq, s("work"))),
        Some("value")
    )]
    #[case(
        " emails [type eq \"work\" and primary eq true].display ",
        path("emails"),
        Some(and(
            cmp(path("type"), CompareOp::Eq, s("work")),
            cmp(path("primary"), CompareOp::Eq, CompValue::Bool(true))
        )),
        Some("display")
    )]
    #[case("name.familyName", sub("name", "familyName"), None, None)]
    #[case("members", path("members"), None, None)]
    #[case("active", path("active"), None, None)]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        qualified(ENTERPRISE, "department", None),
        None,
        None
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        qualified(ENTERPRISE, "manager", Some("value")),
        None,
        None
    )]
    #[case(
        "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value",
        qualified(CORE_USER, "emails", None),
        Some(cmp(path("type"), CompareOp::Eq, s("work"))),
        Some("value")
    )]
    fn patch_paths(
        #[case] input: &str,
        #[case] attr: AttrPath,
        #[case] value_filter: Option<Filter>,
        #[case] sub_attr: Option<&str>,
    ) {
        let expected = PatchPath {
            attr,
            value_filter,
            sub_attr: sub_attr.map(Into::into),
        };
        assert_eq!(parse_patch_path(input).unwrap(), expected);
    }

    #[rstest]
    #[case("", 0, "empty filter")]
    #[case("   ", 0, "empty filter")]
    #[case(
        "userName",
        8,
        "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or \"pr\" after \"userName\""
    )]
    #[case("userName  ", 10, "or \"pr\" after \"userName\"")]
    #[case("userName xx \"a\"", 9, "or \"pr\" after \"userName\"")]
    #[case("userName eqx \"a\"", 9, "or \"pr\" after \"userName\"")]
    #[case("userName = \"a\"", 9, "or \"pr\" after \"userName\"")]
    #[case("name.givenName \"a\"", 15, "or \"pr\" after \"name.givenName\"")]
    #[case(
        "userName eq",
        11,
        "expected a value (a string in double quotes, a number, true, false or null) after \"eq\", found end of input"
    )]
    #[case("userName eq ", 12, "expected a value")]
    #[case("userName eq )", 12, "expected a value")]
    #[case(
        "userName eq bob",
        12,
        "found \"bob\" (strings must be in double quotes)"
    )]
    #[case("userName eq 'bob'", 12, "expected a value")]
    #[case("userName eq \"abc", 16, "unterminated string starting at position 12")]
    #[case(
        "userName eq \"abc\\\"",
        18,
        "unterminated string starting at position 12"
    )]
    #[case(
        "userName eq \"abc\\",
        17,
        "unterminated string starting at position 12"
    )]
    #[case("userName pr)", 11, "unexpected \")\"")]
    #[case("userName pr]", 11, "unexpected \"]\"")]
    #[case("()", 1, "unexpected \")\"")]
    #[case(")", 0, "unexpected \")\"")]
    #[case("(userName pr", 12, "to close the \"(\" at position 0")]
    #[case("(a pr) and (b pr", 16, "to close the \"(\" at position 11")]
    #[case(
        "userName pr userName pr",
        12,
        "trailing input after a complete filter"
    )]
    #[case(
        "userName eq \"x\" andx pr",
        16,
        "trailing input after a complete filter"
    )]
    #[case(
        "userName eq \"x\" and",
        19,
        "expected an attribute path, \"(\" or \"not (\", found end of input"
    )]
    #[case("userName eq \"x\" or ", 19, "expected an attribute path")]
    #[case(
        "1abc eq 1",
        0,
        "expected an attribute path, \"(\" or \"not (\", found \"1abc\""
    )]
    #[case("\"x\" eq userName", 0, "expected an attribute path")]
    #[case("not userName pr", 4, "expected \"(\" after \"not\"")]
    #[case("not", 3, "expected \"(\" after \"not\", found end of input")]
    #[case(
        "emails[type eq \"work\"].value eq \"x\"",
        22,
        "only valid in a PATCH path"
    )]
    #[case(
        "emails[type eq \"work\" and addresses[type eq \"x\"]]",
        35,
        "value filters cannot be nested"
    )]
    #[case("emails[type eq \"work\"", 21, "to close the \"[\" at position 6")]
    #[case("emails[]", 7, "unexpected \"]\"")]
    #[case("emails[type eq \"work\")", 21, "to close the \"[\" at position 6")]
    #[case("(emails[type eq \"work\")]", 22, "to close the \"[\" at position 7")]
    #[case("name.givenName[x pr]", 14, "must follow an attribute name")]
    #[case("name.givenName.x pr", 14, "at most one sub-attribute")]
    #[case("name. pr", 5, "expected an attribute name")]
    #[case("userName eq \"a\\x\"", 14, "invalid escape \"\\x\"")]
    #[case("userName eq \"\\ud800\"", 13, "not followed by a low surrogate")]
    #[case(
        "userName eq \"\\ud800\\u0041\"",
        13,
        "not followed by a low surrogate"
    )]
    #[case("userName eq \"\\udc00\"", 13, "without a high surrogate")]
    #[case("userName eq \"\\u12\"", 13, "expected four hex digits")]
    #[case("userName eq \"\\u12", 17, "unterminated string")]
    #[case("x eq 01", 5, "invalid number \"01\"")]
    #[case("x eq 1.", 5, "invalid number \"1.\"")]
    #[case("x eq 1e", 5, "invalid number \"1e\"")]
    #[case("x eq -", 5, "invalid number \"-\"")]
    #[case("x eq .5", 5, "expected a value")]
    #[case("x eq 1abc", 5, "invalid number \"1abc\"")]
    #[case("x eq 1e999", 5, "number \"1e999\" is out of range")]
    #[case("x eq truex", 5, "found \"truex\"")]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr",
        0,
        "a path must name an attribute"
    )]
    #[case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: pr",
        0,
        "a path must name an attribute"
    )]
    #[case(
        "urn:foo: pr",
        8,
        "expected an attribute name after the schema URN \"urn:foo\""
    )]
    #[case("urn:foo:1x pr", 8, "expected an attribute name after the schema URN")]
    fn filter_errors(#[case] input: &str, #[case] position: usize, #[case] fragment: &str) {
        let err = parse_filter(input).unwrap_err();
        assert!(
            err.message.contains(fragment),
            "{input:?}: message {:?} lacks {fragment:?}",
            err.message
        );
        assert_eq!(err.position, position, "{input:?}: {err}");
    }

    #[rstest]
    #[case("", 0, "empty path")]
    #[case("  ", 0, "empty path")]
    #[case(ENTERPRISE, 0, "a path must name an attribute")]
    #[case(
        "urn:ietf:params:scim:schemas:core:2.0:User",
        0,
        "a path must name an attribute"
    )]
    #[case("emails[type eq \"work\"].value.x", 28, "at most one sub-attribute")]
    #[case("name.familyName.x", 15, "at most one sub-attribute")]
    #[case(
        "emails[type eq \"work\"]x",
        22,
        "trailing input after a complete path"
    )]
    #[case(
        "emails[type eq \"work\"] .value",
        23,
        "expected the end, found \".value\""
    )]
    #[case("emails[type eq \"work\"].", 23, "expected an attribute name")]
    #[case("emails[type eq \"work\"", 21, "to close the \"[\" at position 6")]
    #[case("emails[type[value pr]]", 11, "value filters cannot be nested")]
    #[case("name.givenName[x pr]", 14, "must follow an attribute name")]
    #[case("userName eq \"x\"", 9, "trailing input after a complete path")]
    #[case(
        "members[value eq \"x]",
        20,
        "unterminated string starting at position 17"
    )]
    #[case("[value pr]", 0, "expected an attribute name")]
    fn patch_path_errors(#[case] input: &str, #[case] position: usize, #[case] fragment: &str) {
        let err = parse_patch_path(input).unwrap_err();
        assert!(
            err.message.contains(fragment),
            "{input:?}: message {:?} lacks {fragment:?}",
            err.message
        );
        assert_eq!(err.position, position, "{input:?}: {err}");
    }

    #[test]
    fn error_display_includes_position() {
        let err = parse_filter("userName").unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or \"pr\" after \"userName\" at position 8"
        );
    }

    #[test]
    fn depth_limit() {
        let nested = |open: &str, n: usize| format!("{}a pr{}", open.repeat(n), ")".repeat(n));
        assert!(parse_filter(&nested("(", MAX_DEPTH)).is_ok());
        assert!(parse_filter(&nested("not (", MAX_DEPTH)).is_ok());
        let err = parse_filter(&nested("(", MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(err.position, MAX_DEPTH);
        assert!(err.message.contains("nests too deeply"), "{err}");
        let err = parse_filter(&nested("not (", MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(err.position, MAX_DEPTH * 5 + 4);
        // A hostile filter is refused, not a stack overflow.
        for open in ["(", "not (", "not(", "a[(", "(a pr and "] {
            let err = parse_filter(&nested(open, 100_000)).unwrap_err();
            assert!(
                err.message.contains("nests too deeply") || err.message.contains("nested"),
                "{open:?}: {err}"
            );
        }
        // Brackets count toward the depth too.
        let deep_in_bracket = format!(
            "emails[{}type pr{}]",
            "(".repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        );
        let err = parse_filter(&deep_in_bracket).unwrap_err();
        assert_eq!(err.position, 7 + MAX_DEPTH - 1);
        let err = parse_patch_path(&deep_in_bracket).unwrap_err();
        assert!(err.message.contains("nests too deeply"), "{err}");
    }

    #[test]
    fn term_limit() {
        let chain = |n: usize| vec!["id eq \"x\""; n].join(" or ");
        let ok = parse_filter(&chain(MAX_TERMS)).unwrap();
        // The left-deep tree this builds is fine to display, compare and drop.
        assert_eq!(parse_filter(&ok.to_string()).unwrap(), ok);
        let err = parse_filter(&chain(MAX_TERMS + 1)).unwrap_err();
        assert!(err.message.contains("too many conditions"), "{err}");
        assert_eq!(err.position, MAX_TERMS * "id eq \"x\" or ".len());
    }

    #[rstest]
    #[case(or(pr("a"), and(pr("b"), pr("c"))), "a pr or b pr and c pr")]
    #[case(and(or(pr("a"), pr("b")), pr("c")), "(a pr or b pr) and c pr")]
    #[case(and(pr("a"), and(pr("b"), pr("c"))), "a pr and (b pr and c pr)")]
    #[case(or(pr("a"), or(pr("b"), pr("c"))), "a pr or (b pr or c pr)")]
    #[case(not(or(pr("a"), pr("b"))), "not (a pr or b pr)")]
    #[case(
        vp(path("emails"), cmp(path("type"), CompareOp::Eq, s("wo\"rk\n"))),
        "emails[type eq \"wo\\\"rk\\n\"]"
    )]
    #[case(
        cmp(
            qualified(ENTERPRISE, "manager", Some("value")),
            CompareOp::Ne,
            num("-1.5")
        ),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value ne -1.5"
    )]
    #[case(cmp(path("active"), CompareOp::Eq, CompValue::Null), "active eq null")]
    fn display_renders_filter_syntax(#[case] filter: Filter, #[case] rendered: &str) {
        assert_eq!(filter.to_string(), rendered);
        assert_eq!(parse_filter(rendered).unwrap(), filter);
    }

    #[test]
    fn patch_path_display_round_trips() {
        for input in [
            "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]",
            "emails[type eq \"work\"].value",
            "name.familyName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ] {
            let parsed = parse_patch_path(input).unwrap();
            assert_eq!(parsed.to_string(), input);
        }
    }

    // ---- property tests ----

    const URNS: [&str; 4] = [
        CORE_USER,
        ENTERPRISE,
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "urn:example:custom:1.0:Thing",
    ];

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            9 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
            1 => Just("$ref".to_string()),
            1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "true", "null", "urn"])
                .prop_map(String::from),
        ]
    }

    fn attr_path(allow_sub: bool) -> impl Strategy<Value = AttrPath> {
        let sub = if allow_sub {
            prop::option::weighted(0.3, name()).boxed()
        } else {
            Just(None).boxed()
        };
        (
            prop::option::weighted(0.2, prop::sample::select(URNS.to_vec())),
            name(),
            sub,
        )
            .prop_map(|(urn, attr, sub_attr)| AttrPath {
                urn: urn.map(String::from),
                attr,
                sub_attr,
            })
    }

    fn comp_value() -> impl Strategy<Value = CompValue> {
        prop_oneof![
            any::<String>().prop_map(CompValue::Str),
            "[ -~]{0,12}".prop_map(CompValue::Str),
            any::<i64>().prop_map(|n| CompValue::Num(n.into())),
            any::<u64>().prop_map(|n| CompValue::Num(n.into())),
            (any::<i32>(), 0u32..6).prop_map(|(m, e)| {
                let x = f64::from(m) / 10f64.powi(e as i32);
                CompValue::Num(serde_json::Number::from_f64(x).unwrap())
            }),
            any::<bool>().prop_map(CompValue::Bool),
            Just(CompValue::Null),
        ]
    }

    fn leaf() -> impl Strategy<Value = Filter> {
        prop_oneof![
            (
                attr_path(true),
                prop::sample::select(CompareOp::ALL.to_vec()),
                comp_value()
            )
                .prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
            attr_path(true).prop_map(Filter::Present),
        ]
    }

    /// Filters without value paths: what may appear inside `[…]`.
    fn flat_filter() -> impl Strategy<Value = Filter> {
        leaf().prop_recursive(4, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| and(a, b)),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| or(a, b)),
                inner.prop_map(not),
            ]
        })
    }

    /// Random filters, as the RFC grammar allows them (value paths only at the outer level).
    pub(in crate::filter) fn filter() -> impl Strategy<Value = Filter> {
        let value_path = (attr_path(false), flat_filter()).prop_map(|(p, f)| vp(p, f));
        prop_oneof![3 => leaf(), 1 => value_path].prop_recursive(4, 32, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| and(a, b)),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| or(a, b)),
                inner.prop_map(not),
            ]
        })
    }

    fn patch_path() -> impl Strategy<Value = PatchPath> {
        prop_oneof![
            attr_path(true).prop_map(|attr| PatchPath {
                attr,
                value_filter: None,
                sub_attr: None,
            }),
            (attr_path(false), flat_filter(), prop::option::of(name())).prop_map(
                |(attr, f, sub_attr)| PatchPath {
                    attr,
                    value_filter: Some(f),
                    sub_attr,
                }
            ),
        ]
    }

    /// Fragments that make the parser work hard: keywords, quotes, escapes, brackets, URNs.
    pub(in crate::filter) fn filterish() -> impl Strategy<Value = String> {
        let token = prop::sample::select(vec![
            "userName",
            "emails",
            "name.givenName",
            "value",
            "$ref",
            "urn:",
            ENTERPRISE,
            ":",
            "eq",
            "EQ",
            "ne",
            "co",
            "sw",
            "ew",
            "gt",
            "ge",
            "lt",
            "le",
            "pr",
            "and",
            "OR",
            "not",
            "(",
            ")",
            "[",
            "]",
            ".",
            "\"",
            "\"x\"",
            "\\",
            "\\u",
            "\\ud83d",
            "\\ude00",
            "\\n",
            " ",
            " ",
            "  ",
            "\t",
            "1",
            "-",
            "1.5",
            "1e5",
            "e",
            "true",
            "null",
            "0",
            "é",
            "😀",
        ]);
        prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panics_on_arbitrary_strings(input in any::<String>()) {
            let _ = parse_filter(&input);
            let _ = parse_patch_path(&input);
        }

        #[test]
        fn never_panics_on_filterish_strings(
            input in prop_oneof![
                filterish(),
                "[a-zA-Z\"\\[\\]() .:$\\\\0-9-]{0,40}",
                "[eqnoatrpl \"()\\[\\]]{0,40}",
            ]
        ) {
            for result in [parse_filter(&input).map(|_| ()), parse_patch_path(&input).map(|_| ())] {
                if let Err(err) = result {
                    prop_assert!(err.position <= input.len());
                    prop_assert!(input.is_char_boundary(err.position));
                    prop_assert!(!err.message.is_empty());
                    prop_assert!(err.message != "invalid filter syntax", "{input:?}: {err}");
                }
            }
        }

        #[test]
        fn display_round_trips(f in filter()) {
            let rendered = f.to_string();
            let parsed = parse_filter(&rendered);
            prop_assert_eq!(parsed.as_ref(), Ok(&f), "rendered as {}", rendered);
        }

        #[test]
        fn patch_path_display_round_trips_generated(p in patch_path()) {
            let rendered = p.to_string();
            let parsed = parse_patch_path(&rendered);
            prop_assert_eq!(parsed.as_ref(), Ok(&p), "rendered as {}", rendered);
        }
    }
}
