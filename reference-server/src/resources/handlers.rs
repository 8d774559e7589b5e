//! The HTTP handlers of `/Users` and `/Groups`. Each takes the resource kind as data, so the two
//! endpoints share one implementation of the protocol.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::body::ScimBody;
use crate::errors::ScimError;
use crate::faults::Fault;
use crate::list::{self, ListQuery};
use crate::patch::{PatchContext, apply_patch};
use crate::projection::Projection;
use crate::resources::input::normalize_resource;
use crate::resources::validate::{Prepared, Write, prepare, prepare_alone};
use crate::schema::ResourceKind;
use crate::state::SharedState;
use crate::store::{NewResource, Record, Store, not_found};
use crate::variants::Variant;

pub use super::render::{render, rendered_bytes, write_rendered};

fn answer(
    state: &SharedState,
    store: &Store,
    kind: ResourceKind,
    record: &Record,
    projection: &Projection,
) -> crate::response::ScimJson {
    let body = rendered_bytes(store, kind, record, projection, &state.variants);
    let json = crate::response::ScimJson::ok_written(body);
    if state.variant(Variant::NoEtags) {
        json
    } else {
        json.etag(&record.etag())
    }
}

/// A bodiless answer (`304`, and `204` for PATCH under the `patch-204` variant) with the
/// resource's ETag, unless the `no-etags` variant is on.
fn bodiless(state: &SharedState, status: StatusCode, record: &Record) -> Response {
    let mut response = status.into_response();
    if !state.variant(Variant::NoEtags)
        && let Ok(tag) = record.etag().parse()
    {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

fn is_hidden(state: &SharedState, kind: ResourceKind, record: &Record) -> bool {
    kind == ResourceKind::User && state.fault(Fault::DeactivatedUsersHidden) && record.is_inactive()
}

/// The resource at `id`, unless it is missing (or hidden by the deactivated-users fault).
fn visible<'s>(
    store: &'s Store,
    state: &SharedState,
    kind: ResourceKind,
    id: &str,
) -> Result<&'s Record, ScimError> {
    store
        .get(kind, id)
        .filter(|r| !is_hidden(state, kind, r))
        .ok_or_else(|| not_found(kind, id))
}

/// Strips the weak prefix and quotes so `W/"3"` and `"3"` compare equal.
fn opaque_tag(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/").trim_matches('"')
}

fn header_matches(value: &str, etag: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim() == "*" || opaque_tag(t) == opaque_tag(etag))
}

/// 412 unless `If-Match` (when sent) names the current version. A server without versioning
/// (the `no-etags` variant) ignores the header.
fn check_if_match(
    state: &SharedState,
    headers: &HeaderMap,
    record: &Record,
) -> Result<(), ScimError> {
    if state.variant(Variant::NoEtags) {
        return Ok(());
    }
    match headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        Some(v) if !header_matches(v, &record.etag()) => Err(ScimError::new(
            StatusCode::PRECONDITION_FAILED,
            format!(
                "If-Match {v} does not match the current version {}",
                record.etag()
            ),
        )),
        _ => Ok(()),
    }
}

/// Runs CPU-heavy work (a filter over many resources, a large body) on tokio's blocking pool, so
/// that it never holds one of the few async worker threads every other request needs.
pub async fn offload<T, F>(f: F) -> Result<T, ScimError>
where
    F: FnOnce() -> Result<T, ScimError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => {
            tracing::error!("a request's blocking work failed: {e}");
            Err(ScimError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; the server log has details",
            ))
        }
    }
}

/// `GET /Users`, `GET /Groups`.
pub async fn list(
    State(state): State<SharedState>,
    kind: ResourceKind,
    uri: Uri,
) -> Result<Response, ScimError> {
    // The query read where it is (RawQuery would copy it).
    let query = ListQuery::from_query(uri.query())?;
    respond_list_of(state, kind.alone(), query).await
}

/// `POST /Users/.search`, `POST /Groups/.search`.
pub async fn search(
    State(state): State<SharedState>,
    kind: ResourceKind,
    ScimBody(body, _): ScimBody,
) -> Result<Response, ScimError> {
    let query = ListQuery::from_search_body(&body)?;
    respond_list_of(state, kind.alone(), query).await
}

/// A ListResponse over one or more resource types (root-level search lists users, then groups).
/// The filter's cost is bounded first ([`list::Cost`]); a list that scans or renders many
/// resources is built on the blocking pool, under a read lock that other reads share.
async fn respond_list_of(
    state: SharedState,
    kinds: &'static [ResourceKind],
    query: ListQuery,
) -> Result<Response, ScimError> {
    // Parsed before the store is locked: a write waits for every read that holds it.
    let filters = list::Cost::parse(kinds, &query);
    let store = state.read_owned().await;
    let plan = list::Cost::of(&store, kinds, &query, filters, &state.limits)?;
    if plan.cost.is_light() {
        return list_answer(&state, &store, kinds, &query, &plan);
    }
    offload(move || list_answer(&state, &store, kinds, &query, &plan)).await
}

fn list_answer(
    state: &SharedState,
    store: &Store,
    kinds: &[ResourceKind],
    query: &ListQuery,
    plan: &list::Plan,
) -> Result<Response, ScimError> {
    let mut selected: Vec<(ResourceKind, &Record)> = Vec::new();
    let mut first_error = None;
    for (i, &kind) in kinds.iter().enumerate() {
        let parsed = plan.filters.get(i).and_then(Option::as_ref);
        match list::select(store, kind, query, parsed, &state.faults, &state.variants) {
            Ok(records) => selected.extend(records.into_iter().map(|r| (kind, r))),
            // A filter on an attribute only one type has is fine for the other at root level.
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error
        && (kinds.len() == 1 || selected.is_empty())
    {
        return Err(e);
    }
    let total = selected.len();
    let (start, skip, count) = if state.fault(Fault::IgnorePaging) {
        (1, 0, usize::MAX)
    } else {
        // max_results is the page-size cap (50 under the page-size-50 variant).
        let count = query
            .count
            .unwrap_or(state.max_results)
            .min(state.max_results);
        (query.start_index, query.start_index - 1, count)
    };
    let body = list::list_response(
        total,
        start,
        selected.into_iter().skip(skip).take(count),
        |out, (kind, r)| write_rendered(out, store, kind, r, &query.projection, &state.variants),
        &state.faults,
        state.limits.max_answer_bytes,
    )?;
    Ok(crate::response::scim_bytes(StatusCode::OK, body))
}

/// `POST /.search` (RFC 7644 §3.4.3): a search over users and groups; with `sortBy`, each type
/// is sorted on its own and users come first.
pub async fn search_all(
    State(state): State<SharedState>,
    ScimBody(body, _): ScimBody,
) -> Result<Response, ScimError> {
    let query = ListQuery::from_search_body(&body)?;
    respond_list_of(state, &[ResourceKind::User, ResourceKind::Group], query).await
}

/// `GET /Users/{id}`, `GET /Groups/{id}`.
pub async fn get_one(
    State(state): State<SharedState>,
    kind: ResourceKind,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let query = ListQuery::from_query(uri.query())?;
    let store = state.read().await;
    let record = visible(&store, &state, kind, &id)?;
    if !state.variant(Variant::NoEtags)
        && let Some(v) = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        && header_matches(v, &record.etag())
    {
        return Ok(bodiless(&state, StatusCode::NOT_MODIFIED, record));
    }
    Ok(answer(&state, &store, kind, record, &query.projection).into_response())
}

/// `POST /Users`, `POST /Groups`.
pub async fn create(
    State(state): State<SharedState>,
    kind: ResourceKind,
    ScimBody(body, len): ScimBody,
) -> Result<Response, ScimError> {
    let heavy = state.limits.is_heavy(len);
    let attrs = normalized(body, kind, heavy).await?;
    if kind == ResourceKind::User && !heavy {
        // A user needs nothing of the store until it goes in: it is checked, written out and
        // its password hashed first, so that the store is locked only to put it in, and only
        // shared while the answer is written (every other request waits while a write holds the
        // lock).
        let prepared = prepare_alone(attrs, kind, None, Write::Create, &state)?;
        let new = new_resource(kind, prepared);
        let mut store = state.write_owned().await;
        let seq = store.insert_new(new)?.seq;
        let store = store.downgrade();
        return created(&state, &store, kind, seq);
    }
    let mut store = state.write_owned().await;
    if heavy {
        return offload(move || create_in(&state, &mut store, kind, attrs)).await;
    }
    create_in(&state, &mut store, kind, attrs)
}

/// A body's attributes, read before the store is locked: nothing in them needs the store, and
/// every other request waits while a write holds the lock. A large body is read on the
/// blocking pool.
async fn normalized(
    body: Value,
    kind: ResourceKind,
    heavy: bool,
) -> Result<serde_json::Map<String, Value>, ScimError> {
    if heavy {
        offload(move || normalize_resource(body, kind)).await
    } else {
        normalize_resource(body, kind)
    }
}

/// A prepared resource made ready to store: its text written, a user's password hashed (a
/// group's is dropped).
fn new_resource(kind: ResourceKind, prepared: Prepared) -> NewResource {
    let new = NewResource::new(kind, prepared.attrs);
    match prepared.password {
        Some(p) if kind == ResourceKind::User => new.with_password(&p),
        _ => new,
    }
}

fn create_in(
    state: &SharedState,
    store: &mut Store,
    kind: ResourceKind,
    attrs: serde_json::Map<String, Value>,
) -> Result<Response, ScimError> {
    let prepared = prepare(attrs, kind, None, Write::Create, store, state)?;
    let seq = store.insert_new(new_resource(kind, prepared))?.seq;
    created(state, store, kind, seq)
}

/// The answer to a create: the resource stored as `seq`.
fn created(
    state: &SharedState,
    store: &Store,
    kind: ResourceKind,
    seq: u64,
) -> Result<Response, ScimError> {
    let Some(record) = store.at(kind, seq) else {
        return Err(ScimError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the resource just created is not in the store",
        ));
    };
    if kind == ResourceKind::User && state.fault(Fault::CreateEmptyBody) {
        return Ok(StatusCode::CREATED.into_response());
    }
    let status = if state.fault(Fault::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let created = answer(state, store, kind, record, &Projection::default()).status(status);
    if state.variant(Variant::NoLocation) {
        return Ok(created.into_response());
    }
    let location = format!("{}{}/{}", state.base_url, kind.endpoint(), record.id);
    Ok(created.location(&location).into_response())
}

/// What a successful update answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// `200` with the resource.
    Resource,
    /// `204` with no body (PATCH under the `patch-204` variant, RFC 7644 §3.5.2).
    NoContent,
}

impl Reply {
    fn for_patch(state: &SharedState) -> Reply {
        if state.variant(Variant::Patch204) {
            Reply::NoContent
        } else {
            Reply::Resource
        }
    }
}

/// Stores an updated resource, or deletes a user that was deactivated when the
/// delete-on-deactivate fault is on.
fn store_update(
    state: &SharedState,
    store: &mut Store,
    kind: ResourceKind,
    id: &str,
    attrs: serde_json::Map<String, Value>,
    write: Write,
    reply: Reply,
) -> Result<Response, ScimError> {
    let previous = store.get(kind, id).map(|r| r.data());
    let prepared = prepare(attrs, kind, previous.as_ref(), write, store, state)?;
    if kind == ResourceKind::User
        && state.fault(Fault::DeleteOnDeactivate)
        && prepared.attrs.get("active") == Some(&Value::Bool(false))
    {
        store.delete(kind, id)?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let record = store.replace(kind, id, prepared.attrs)?.clone();
    if let Some(p) = prepared.password {
        store.set_password(id, &p);
    }
    Ok(match reply {
        Reply::Resource => {
            answer(state, store, kind, &record, &Projection::default()).into_response()
        }
        Reply::NoContent => bodiless(state, StatusCode::NO_CONTENT, &record),
    })
}

/// `PUT /Users/{id}`, `PUT /Groups/{id}`: replaces every writable attribute. Read-only
/// attributes that Okta round-trips (`id`, `meta`, `groups`) are ignored.
pub async fn replace(
    State(state): State<SharedState>,
    kind: ResourceKind,
    Path(id): Path<String>,
    headers: HeaderMap,
    ScimBody(body, len): ScimBody,
) -> Result<Response, ScimError> {
    if state.fault(Fault::RejectReadOnlyInPut)
        && let Some(key) = ["id", "meta", "groups"]
            .iter()
            .find(|k| body.get(**k).is_some())
    {
        return Err(ScimError::mutability(format!(
            "{key} is readOnly and may not be sent"
        )));
    }
    let heavy = state.limits.is_heavy(len);
    let attrs = normalized(body, kind, heavy).await?;
    let mut store = state.write_owned().await;
    let work = move |store: &mut Store| {
        let record = visible(store, &state, kind, &id)?;
        check_if_match(&state, &headers, record)?;
        store_update(
            &state,
            store,
            kind,
            &id,
            attrs,
            Write::Replace,
            Reply::Resource,
        )
    };
    if heavy {
        return offload(move || work(&mut store)).await;
    }
    work(&mut store)
}

/// `PATCH /Users/{id}`, `PATCH /Groups/{id}`: all operations apply, or none do. A PUT-only
/// server (the `put-only` variant) answers 501 before it reads the body.
pub async fn patch(
    State(state): State<SharedState>,
    kind: ResourceKind,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<ScimBody, ScimError>,
) -> Result<Response, ScimError> {
    if state.variant(Variant::PutOnly) {
        return Err(ScimError::new(
            StatusCode::NOT_IMPLEMENTED,
            format!(
                "PATCH is not supported by this server (ServiceProviderConfig patch.supported is false); use PUT {}{}/{id} with the whole resource",
                state.base_url,
                kind.endpoint()
            ),
        ));
    }
    let ScimBody(body, len) = body?;
    let reply = Reply::for_patch(&state);
    if kind == ResourceKind::Group && state.fault(Fault::MembershipLostUpdate) {
        // The bug: read, let go of the lock, write back later, overwriting whatever happened
        // in between.
        let snapshot = {
            let store = state.read().await;
            let record = store.get(kind, &id).ok_or_else(|| not_found(kind, &id))?;
            record.data()
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let ctx = PatchContext {
            kind,
            faults: &state.faults,
        };
        let patched = apply_patch(&snapshot, &body, &ctx)?;
        let attrs = patched.as_object().cloned().unwrap_or_default();
        let mut store = state.write().await;
        return store_update(&state, &mut store, kind, &id, attrs, Write::Patch, reply);
    }
    let mut store = state.write_owned().await;
    let heavy = state.limits.is_heavy(len);
    let work = move |store: &mut Store| {
        let record = visible(store, &state, kind, &id)?;
        check_if_match(&state, &headers, record)?;
        let ctx = PatchContext {
            kind,
            faults: &state.faults,
        };
        let patched = apply_patch(&record.data(), &body, &ctx)?;
        let attrs = patched
            .as_object()
            .cloned()
            .ok_or_else(|| ScimError::invalid_value("the patched resource is not an object"))?;
        store_update(&state, store, kind, &id, attrs, Write::Patch, reply)
    };
    if heavy {
        return offload(move || work(&mut store)).await;
    }
    work(&mut store)
}

/// `DELETE /Users/{id}`, `DELETE /Groups/{id}`.
pub async fn delete(
    State(state): State<SharedState>,
    kind: ResourceKind,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let mut store = state.write().await;
    let record = store.get(kind, &id).ok_or_else(|| not_found(kind, &id))?;
    check_if_match(&state, &headers, record)?;
    store.delete(kind, &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
