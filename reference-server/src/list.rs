//! Listing and searching: query parameters (RFC 7644 §3.4.2), filtering through the indexes
//! where possible, sorting, and paging with stable order.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use crate::errors::ScimError;
use crate::faults::Fault;
use crate::filter::{self, CompValue, CompareOp, Filter};
use crate::projection::Projection;
use crate::schema::{LIST_RESPONSE_SCHEMA, ResourceKind};
use crate::store::{Record, Store};
use crate::variants::Variants;

/// A list or search request, from a query string or a SearchRequest body.
#[derive(Debug, Default)]
pub struct ListQuery {
    /// `filter`
    pub filter: Option<String>,
    /// `sortBy`
    pub sort_by: Option<String>,
    /// `sortOrder` is descending.
    pub descending: bool,
    /// `attributes` and `excludedAttributes`.
    pub projection: Projection,
    /// `startIndex` (1-based; values below 1 are read as 1, per RFC 7644 §3.4.2.4).
    pub start_index: usize,
    /// `count` (negative is read as 0).
    pub count: Option<usize>,
}

fn parse_int(name: &str, value: &str) -> Result<i64, ScimError> {
    value.trim().parse::<i64>().map_err(|_| {
        ScimError::invalid_value(format!("{name} must be an integer, got \"{value}\""))
    })
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The `name=value` pairs of a query string, decoded as `application/x-www-form-urlencoded`
/// (`+` is a space, then percent-decoding, then UTF-8 with replacement characters): what
/// `form_urlencoded::parse` gives (a test holds the two together), decoded into a buffer sized
/// once. That crate's decoder grows its buffer a byte at a time, which cost Okta's lookup more
/// than its index read.
fn query_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (form_decode(name), form_decode(value))
    })
}

/// One name or value of a query string, decoded (see [`query_pairs`]).
fn form_decode(part: &str) -> Cow<'_, str> {
    if !part.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(part);
    }
    // `+` first, so that an encoded `%2B` stays a plus.
    let spaced: Cow<'_, [u8]> = if part.contains('+') {
        Cow::Owned(
            part.bytes()
                .map(|b| if b == b'+' { b' ' } else { b })
                .collect(),
        )
    } else {
        Cow::Borrowed(part.as_bytes())
    };
    let mut decoded = Vec::with_capacity(spaced.len());
    decoded.extend(percent_encoding::percent_decode(&spaced));
    match String::from_utf8(decoded) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

impl ListQuery {
    /// From a raw query string (`+` and `%20` both decode to a space). Parameter names are
    /// matched case-insensitively.
    pub fn from_query(raw: Option<&str>) -> Result<Self, ScimError> {
        let mut q = ListQuery {
            start_index: 1,
            ..ListQuery::default()
        };
        let mut attributes = Vec::new();
        let mut excluded = Vec::new();
        for (key, value) in query_pairs(raw.unwrap_or("")) {
            // Parameter names are case-insensitive (RFC 7644 §3.4.2).
            let is = |name: &str| key.eq_ignore_ascii_case(name);
            if is("filter") {
                q.filter = Some(value.into_owned());
            } else if is("sortBy") {
                q.sort_by = Some(value.into_owned());
            } else if is("sortOrder") {
                q.descending = parse_sort_order(&value)?;
            } else if is("attributes") {
                attributes.extend(split_list(&value));
            } else if is("excludedAttributes") {
                excluded.extend(split_list(&value));
            } else if is("startIndex") {
                q.start_index = parse_int("startIndex", &value)?.max(1) as usize;
            } else if is("count") {
                q.count = Some(parse_int("count", &value)?.max(0) as usize);
            }
        }
        q.projection = Projection::new(attributes, excluded);
        Ok(q)
    }

    /// From a SearchRequest body (`POST /Users/.search`).
    pub fn from_search_body(body: &Value) -> Result<Self, ScimError> {
        let obj = body
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("a SearchRequest must be a JSON object"))?;
        let mut q = ListQuery {
            start_index: 1,
            ..ListQuery::default()
        };
        let mut attributes = Vec::new();
        let mut excluded = Vec::new();
        for (key, value) in obj {
            let text = || -> Result<String, ScimError> {
                match value {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(ScimError::invalid_value(format!(
                        "{key} has the wrong type"
                    ))),
                }
            };
            let names = || -> Vec<String> {
                match value {
                    Value::Array(a) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    Value::String(s) => split_list(s),
                    _ => Vec::new(),
                }
            };
            match key.to_ascii_lowercase().as_str() {
                "filter" => q.filter = Some(text()?),
                "sortby" => q.sort_by = Some(text()?),
                "sortorder" => q.descending = parse_sort_order(&text()?)?,
                "attributes" => attributes.extend(names()),
                "excludedattributes" => excluded.extend(names()),
                "startindex" => q.start_index = parse_int("startIndex", &text()?)?.max(1) as usize,
                "count" => q.count = Some(parse_int("count", &text()?)?.max(0) as usize),
                _ => {}
            }
        }
        q.projection = Projection::new(attributes, excluded);
        Ok(q)
    }
}

fn parse_sort_order(value: &str) -> Result<bool, ScimError> {
    match value.to_ascii_lowercase().as_str() {
        "ascending" | "" => Ok(false),
        "descending" => Ok(true),
        other => Err(ScimError::invalid_value(format!(
            "sortOrder must be \"ascending\" or \"descending\", got \"{other}\""
        ))),
    }
}

/// Parses and checks a filter, with the RFC's 400 invalidFilter on any problem.
pub fn parse_filter(text: &str, kind: ResourceKind) -> Result<Filter, ScimError> {
    let parsed = filter::parse_filter(text)
        .map_err(|e| ScimError::invalid_filter(format!("invalid filter \"{text}\": {e}")))?;
    filter::check(&parsed, kind)
        .map_err(|m| ScimError::invalid_filter(format!("invalid filter \"{text}\": {m}")))?;
    Ok(parsed)
}

/// Candidates from an index for `attr eq "value"` (also inside an `and`), or `None` to scan.
fn indexed<'s>(store: &'s Store, kind: ResourceKind, f: &Filter) -> Option<Vec<&'s Record>> {
    match f {
        Filter::And(a, b) => indexed(store, kind, a).or_else(|| indexed(store, kind, b)),
        _ => {
            let (attr, value) = core_eq(kind, f)?;
            store.lookup_eq(kind, attr, value)
        }
    }
}

/// `attr eq "value"` on a core attribute (no sub-attribute): its canonical name and the value.
fn core_eq(kind: ResourceKind, f: &Filter) -> Option<(&'static str, &str)> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(v),
        } if path.sub_attr.is_none() => {
            let resolved = kind.resolve(path.urn.as_deref(), &path.attr)?;
            (!resolved.in_extension).then_some((resolved.def.name, v.as_str()))
        }
        _ => None,
    }
}

/// How many resources an index hands [`select`] for `f`, or `None` to scan: at most one for an
/// index of unique values (id, userName, displayName), which needs no lookup to know.
fn indexed_reads(store: &Store, kind: ResourceKind, f: &Filter) -> Option<usize> {
    let unique = core_eq(kind, f).is_some_and(|(attr, _)| {
        matches!(
            (kind, attr),
            (_, "id") | (ResourceKind::User, "userName") | (ResourceKind::Group, "displayName")
        )
    });
    if unique {
        return Some(1);
    }
    indexed(store, kind, f).map(|c| c.len())
}

/// Whether `filter` is exactly `userName eq "…"`, returning the value.
fn user_name_eq(f: &Filter) -> Option<&str> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(v),
        } if path.urn.is_none()
            && path.sub_attr.is_none()
            && path.attr.eq_ignore_ascii_case("userName") =>
        {
            Some(v)
        }
        _ => None,
    }
}

fn compare_keys(a: Option<&Value>, b: Option<&Value>, case_exact: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => match (a, b) {
            (Value::String(x), Value::String(y)) if case_exact => x.cmp(y),
            (Value::String(x), Value::String(y)) => crate::fold::fold(x).cmp(&crate::fold::fold(y)),
            (Value::Number(x), Value::Number(y)) => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => a.to_string().cmp(&b.to_string()),
        },
    }
}

/// Whether a filter or sort path reads a derived attribute (`meta`, a user's `groups`), which
/// only the rendered resource carries.
fn reads_derived(path: &crate::filter::AttrPath) -> bool {
    path.attr.eq_ignore_ascii_case("meta") || path.attr.eq_ignore_ascii_case("groups")
}

fn filter_reads_derived(f: &Filter) -> bool {
    match f {
        Filter::Compare { path, .. } | Filter::Present(path) => reads_derived(path),
        Filter::ValuePath { path, .. } => reads_derived(path),
        Filter::And(a, b) | Filter::Or(a, b) => filter_reads_derived(a) || filter_reads_derived(b),
        Filter::Not(a) => filter_reads_derived(a),
    }
}

/// The resource a filter or sort reads: the stored data, or the rendered resource when a
/// derived attribute is involved (Okta's lookups never are, so they stay on the fast path).
/// Rendered as it is answered, so a filter sees what a client sees (no `meta.version` under
/// `no-etags`, no `groups` under `no-groups-attribute`).
fn view(
    store: &Store,
    kind: ResourceKind,
    r: &Record,
    derived: bool,
    variants: &Variants,
) -> Value {
    if derived {
        crate::resources::handlers::render(store, kind, r, variants)
    } else {
        r.data()
    }
}

/// The records a list request selects, sorted, before paging. `parsed` is the query's filter
/// already parsed for this kind (by [`Cost::parse`]); `None` parses it here.
pub fn select<'s>(
    store: &'s Store,
    kind: ResourceKind,
    query: &ListQuery,
    parsed: Option<&Filter>,
    faults: &crate::faults::Faults,
    variants: &Variants,
) -> Result<Vec<&'s Record>, ScimError> {
    let hidden = |r: &Record| {
        kind == ResourceKind::User && faults.has(Fault::DeactivatedUsersHidden) && r.is_inactive()
    };
    let owned;
    let filter = match (parsed, &query.filter) {
        (Some(f), _) => Some(f),
        (None, Some(text)) => {
            owned = parse_filter(text, kind)?;
            Some(&owned)
        }
        (None, None) => None,
    };
    let mut records: Vec<&Record> = match filter {
        None => store.iter(kind).filter(|r| !hidden(r)).collect(),
        Some(f) => {
            let exact_user_name = if faults.has(Fault::FilterUsernameCaseSensitive) {
                user_name_eq(f)
            } else {
                None
            };
            match indexed(store, kind, f) {
                // The index answers exactly this comparison (the same case rule as the filter):
                // no need to read the candidates again.
                Some(c) if matches!(f, Filter::Compare { .. }) => {
                    let mut c: Vec<&Record> = c
                        .into_iter()
                        .filter(|r| !hidden(r))
                        .filter(|r| exact_user_name.is_none_or(|v| &*r.name == v))
                        .collect();
                    c.sort_by_key(|r| r.seq);
                    c
                }
                candidates => {
                    let candidates = match candidates {
                        Some(mut c) => {
                            c.sort_by_key(|r| r.seq);
                            c
                        }
                        None => store.iter(kind).collect(),
                    };
                    let derived = filter_reads_derived(f);
                    candidates
                        .into_iter()
                        .filter(|r| {
                            !hidden(r)
                                && filter::matches(
                                    f,
                                    &view(store, kind, r, derived, variants),
                                    kind,
                                )
                        })
                        .filter(|r| exact_user_name.is_none_or(|v| &*r.name == v))
                        .collect()
                }
            }
        }
    };
    if let Some(sort_by) = &query.sort_by {
        let path = crate::projection::parse_attr_path(sort_by);
        let case_exact = kind
            .resolve(path.urn.as_deref(), &path.attr)
            .map(|r| match &path.sub_attr {
                Some(s) => r.def.sub_attribute(s).is_some_and(|d| d.case_exact),
                None => r.def.case_exact,
            })
            .unwrap_or(false);
        let mut keyed: Vec<(Option<Value>, &Record)> = records
            .into_iter()
            .map(|r| {
                let v = view(store, kind, r, reads_derived(&path), variants);
                (
                    filter::values_at(&v, &path, kind)
                        .first()
                        .map(|x| (*x).clone()),
                    r,
                )
            })
            .collect();
        // sort_by is stable: equal keys keep insertion order.
        keyed.sort_by(|(a, _), (b, _)| {
            let o = compare_keys(a.as_ref(), b.as_ref(), case_exact);
            if query.descending { o.reverse() } else { o }
        });
        records = keyed.into_iter().map(|(_, r)| r).collect();
    }
    Ok(records)
}

/// What a list request will cost, known before any resource is read: how many resources its
/// filter scans (an index answers `userName`, `externalId`, `id` and group `displayName`
/// equality at once) and how much comparing and sorting that is. A request over the work limit
/// is refused with 400 `tooMany` (RFC 7644 §3.4.2: a filter that yields more than the service
/// provider is willing to compute) before it takes any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Resources the filter or sort reads.
    pub scanned: usize,
    /// Resources the page renders, at most.
    pub rendered: usize,
    /// Comparisons and sort keys: resources scanned times (comparisons + 1), plus the sorted.
    pub work: u64,
    heavy_at: usize,
}

/// A list request's filter, parsed once per resource type, and what it will cost.
#[derive(Debug)]
pub struct Plan {
    /// The cost.
    pub cost: Cost,
    /// The filter parsed for each kind asked for, in order (`None`: no filter, or one that does
    /// not parse, which [`select`] reports).
    pub filters: Vec<Option<Filter>>,
}

impl Cost {
    /// `query`'s filter parsed for each of `kinds` (`None`: no filter, or one that does not
    /// parse, which [`select`] reports): what [`Cost::of`] weighs. It needs no store, so it is
    /// done before the store is locked.
    pub fn parse(kinds: &[ResourceKind], query: &ListQuery) -> Vec<Option<Filter>> {
        kinds
            .iter()
            .map(|&kind| {
                query
                    .filter
                    .as_deref()
                    .and_then(|text| parse_filter(text, kind).ok())
            })
            .collect()
    }

    /// The cost of `query` over `kinds`, with its filters as [`Cost::parse`] gave them; a
    /// filter that does not parse costs nothing here (the list answers its 400
    /// `invalidFilter`).
    pub fn of(
        store: &Store,
        kinds: &[ResourceKind],
        query: &ListQuery,
        filters: Vec<Option<Filter>>,
        limits: &crate::limits::Limits,
    ) -> Result<Plan, ScimError> {
        let mut scanned = 0usize;
        let mut work = 0u64;
        let mut terms_seen = 0usize;
        let mut listed = 0usize;
        for (&kind, parsed) in kinds.iter().zip(&filters) {
            let (reads, terms) = match (&query.filter, parsed) {
                (None, _) => (
                    if query.sort_by.is_some() {
                        store.len(kind)
                    } else {
                        0
                    },
                    0,
                ),
                (Some(_), Some(f)) => (
                    indexed_reads(store, kind, f).unwrap_or(store.len(kind)),
                    f.terms(),
                ),
                (Some(_), None) => (0, 0),
            };
            scanned += reads;
            terms_seen = terms_seen.max(terms);
            listed += if query.filter.is_some() {
                reads
            } else {
                store.len(kind)
            };
            work += reads as u64 * (terms as u64 + 1);
            if query.sort_by.is_some() {
                work += reads as u64;
            }
        }
        let rendered = listed
            .saturating_sub(query.start_index.saturating_sub(1))
            .min(query.count.unwrap_or(usize::MAX));
        if work > limits.max_filter_work {
            return Err(ScimError::bad_request(
                crate::errors::ScimType::TooMany,
                format!(
                    "this request would compare {scanned} resources against {terms_seen} condition(s){}: {work} units of work, over this server's limit of {} (okscim serve --max-filter-work); narrow the filter with an equality on userName, externalId, id or displayName, which an index answers at once",
                    if query.sort_by.is_some() {
                        " and sort them"
                    } else {
                        ""
                    },
                    limits.max_filter_work
                ),
            ));
        }
        Ok(Plan {
            cost: Cost {
                scanned,
                rendered,
                work,
                heavy_at: limits.heavy_list_resources,
            },
            filters,
        })
    }

    /// Whether the list is quick enough to build on an async worker thread.
    pub fn is_light(&self) -> bool {
        self.scanned <= self.heavy_at && self.rendered <= 100
    }
}

/// The ListResponse around a page of resources, written as it is rendered so that no answer
/// grows past `max_bytes` (400 `tooMany`, naming the limit and a `count` that fits).
pub fn list_response<R>(
    total: usize,
    start_index: usize,
    resources: impl ExactSizeIterator<Item = R>,
    mut write: impl FnMut(&mut Vec<u8>, R),
    faults: &crate::faults::Faults,
    max_bytes: usize,
) -> Result<Vec<u8>, ScimError> {
    // The keys in the order serde_json writes a map: sorted.
    let items = resources.len();
    let mut out = Vec::with_capacity(256 + 700 * items.min(100));
    out.extend_from_slice(b"{\"Resources\":[");
    for (i, resource) in resources.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(&mut out, resource);
        if out.len() > max_bytes {
            return Err(ScimError::bad_request(
                crate::errors::ScimType::TooMany,
                format!(
                    "this page of {items} resources is larger than this server's limit of {max_bytes} bytes for one answer (okscim serve --max-answer-bytes); ask for fewer with count (the first {i} fit)"
                ),
            ));
        }
    }
    // `list-counts-as-strings` writes the numbers as JSON strings.
    let quote: &[u8] = if faults.has(Fault::ListCountsAsStrings) {
        b"\""
    } else {
        b""
    };
    let number = |out: &mut Vec<u8>, key: &[u8], n: usize| {
        out.extend_from_slice(key);
        out.extend_from_slice(quote);
        let _ = std::io::Write::write_fmt(out, format_args!("{n}"));
        out.extend_from_slice(quote);
    };
    number(&mut out, b"],\"itemsPerPage\":", items);
    out.extend_from_slice(b",\"schemas\":[\"");
    out.extend_from_slice(LIST_RESPONSE_SCHEMA.as_bytes());
    out.extend_from_slice(b"\"]");
    number(&mut out, b",\"startIndex\":", start_index);
    number(&mut out, b",\"totalResults\":", total);
    out.push(b'}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        query_pairs(query)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn reference(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn query_pairs_decode_as_forms_do() {
        for query in [
            "filter=userName%20eq%20%22user1%40example.com%22&startIndex=1&count=100",
            "filter=userName+eq+%22a%2Bb%40example.com%22",
            "a=1&&b=2&",
            "novalue&x=",
            "=v",
            "k=v=w",
            "bad=%ZZ%2",
            "utf8=%C3%A9&broken=%C3%28",
            "",
        ] {
            assert_eq!(pairs(query), reference(query), "{query}");
        }
    }

    proptest! {
        #[test]
        fn query_pairs_agree_with_form_urlencoded(query in "[a-zA-Z0-9=&+%é. ]{0,40}|([a-z]{1,3}=(%[0-9A-Fa-f]{2}|[+a-z%]){0,6}&?){0,4}") {
            prop_assert_eq!(pairs(&query), reference(&query));
        }
    }
}
