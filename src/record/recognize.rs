//! Recognising Okta: consecutive recorded requests that match an Okta action's shape become that
//! action, with the fixtures it needs. A shape only proposes: each candidate action is run by the
//! simulated Okta against [playback](super::playback), and it is taken only when Okta sends
//! exactly the recorded requests. Whatever no action reproduces stays a raw `request` step, with
//! a comment saying why; ids the server returned become `${alias.id}` or captured `${…}`
//! references in later steps.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

use super::playback::Playback;
use super::tape::{TapeExchange, Traffic};
use crate::http::{ScimClient, Secret};
use crate::okta::{AppKind, OktaEngine, OktaOptions, OktaOrg};
use crate::runner::{OKSCIM_USER_AGENT, okta_group, okta_user, own_headers, run_action};
use crate::scenario::{GroupFixture, OktaAction, RequestHeaders, Template, UserFixture};

/// One step as written, with the comment above it.
#[derive(Debug, Clone)]
pub struct WrittenStep {
    /// The step, in the scenario format.
    pub step: Value,
    /// Why the step is what it is (a raw request no action reproduces, a recorded failure).
    pub comment: Option<String>,
    /// How many recorded exchanges it stands for.
    pub exchanges: usize,
}

/// What recognition made of a tape.
#[derive(Debug, Clone)]
pub struct Recognition {
    /// The app kind the Okta actions were recognised as.
    pub app: AppKind,
    /// User fixtures, by alias.
    pub users: BTreeMap<String, UserFixture>,
    /// Group fixtures, by alias.
    pub groups: BTreeMap<String, GroupFixture>,
    /// The steps.
    pub steps: Vec<WrittenStep>,
    /// Runs of exchanges Okta sent at once (each a step's), which a replay may send in another
    /// order.
    pub reorder: Vec<std::ops::Range<usize>>,
}

impl Recognition {
    /// How many steps are Okta actions.
    pub fn okta_steps(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.step.get("okta").is_some())
            .count()
    }
}

/// The options the simulated Okta runs with against playback: Okta's defaults, and no real
/// sleep on a recorded 429.
pub fn playback_options() -> OktaOptions {
    OktaOptions {
        retry_clock: crate::okta::ratelimit::RetryClock::Virtual {
            max_real_wait: std::time::Duration::ZERO,
        },
        ..OktaOptions::default()
    }
}

/// A client for a playback server.
pub fn playback_client(playback: &Playback) -> Result<ScimClient, crate::errors::HarnessError> {
    ScimClient::new(
        &playback.url(),
        crate::http::Auth::Bearer(Secret::new("okscim-playback")),
        &crate::http::ClientOptions::default(),
        crate::http::Redactor::default(),
    )
}

/// A candidate: the action and the fixtures it brings.
struct Candidate {
    action: OktaAction,
    /// The exchanges it sends at once, from the one it starts at.
    at_once: Option<usize>,
    new_users: Vec<(String, UserFixture)>,
    new_groups: Vec<(String, GroupFixture)>,
    to: Option<String>,
    set: Option<Map<String, Value>>,
}

impl Candidate {
    fn plain(action: OktaAction) -> Candidate {
        Candidate {
            action,
            at_once: None,
            new_users: vec![],
            new_groups: vec![],
            to: None,
            set: None,
        }
    }
}

struct Recognizer<'a> {
    tape: &'a [TapeExchange],
    playback: &'a Playback,
    client: ScimClient,
    engine: OktaEngine,
    users: BTreeMap<String, UserFixture>,
    groups: BTreeMap<String, GroupFixture>,
    steps: Vec<WrittenStep>,
    /// Ids the server returned to raw requests, and the capture that holds each.
    captured: HashMap<String, String>,
    next_capture: usize,
    /// The credential most requests carried (`auth: default`); others are replayed wrong.
    main_credential: Option<u32>,
    /// Groups that updates sent at once changed: what a read of them shows depends on the order
    /// the server applied those updates in.
    concurrent: std::collections::HashSet<String>,
    reorder: Vec<std::ops::Range<usize>>,
}

/// Why a step is left out of the snapshot after updates sent at once.
const CONCURRENT_NOTE: &str = "Okta sent these updates at once: the server's answers, and what a read of the group shows, depend on the order it applied them in, which a replay does not repeat. `snapshot: false` keeps them out of the snapshot.";

/// Recognises the Okta actions on `tape` for `app` (raw requests only with `raw`).
pub async fn recognize(
    tape: &[TapeExchange],
    playback: &Playback,
    app: AppKind,
    raw: bool,
) -> Recognition {
    let Ok(client) = playback_client(playback) else {
        return raw_only(tape, app);
    };
    let main_credential = super::playback::main_credential(tape);
    let mut r = Recognizer {
        tape,
        playback,
        client,
        engine: OktaEngine::new(OktaOrg::default(), app, playback_options()),
        users: BTreeMap::new(),
        groups: BTreeMap::new(),
        steps: vec![],
        captured: HashMap::new(),
        next_capture: 1,
        main_credential,
        concurrent: std::collections::HashSet::new(),
        reorder: vec![],
    };
    let mut i = 0;
    while i < tape.len() {
        if !raw {
            if let Some(used) = r.okta_action(i).await {
                i += used;
                continue;
            }
            if r.read(i) {
                i += 1;
                continue;
            }
        }
        let why = (!raw).then(|| r.why_raw(i));
        r.raw(i, why);
        i += 1;
    }
    Recognition {
        app,
        users: r.users,
        groups: r.groups,
        steps: r.steps,
        reorder: r.reorder,
    }
}

/// Every exchange as a raw request (no playback needed to decide).
fn raw_only(tape: &[TapeExchange], app: AppKind) -> Recognition {
    let mut r = RawWriter {
        tape,
        captured: HashMap::new(),
        next_capture: 1,
        main_credential: super::playback::main_credential(tape),
        steps: vec![],
    };
    for i in 0..tape.len() {
        r.raw(i, None, &HashMap::new());
    }
    Recognition {
        app,
        users: BTreeMap::new(),
        groups: BTreeMap::new(),
        steps: r.steps,
        reorder: vec![],
    }
}

/// A query parameter's decoded value.
fn query_param(path: &str, name: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `attr eq "value"` → value.
fn eq_filter(path: &str, attribute: &str) -> Option<String> {
    let filter = query_param(path, "filter")?;
    let rest = filter.trim().strip_prefix(attribute)?.trim_start();
    let rest = rest.strip_prefix("eq")?.trim_start();
    let quoted = rest.strip_prefix('"')?.strip_suffix('"')?;
    Some(quoted.replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// `/Users/{id}` → the id, decoded.
fn resource_id(path: &str, endpoint: &str) -> Option<String> {
    let rest = path.strip_prefix(endpoint)?.strip_prefix('/')?;
    if rest.contains('/') || rest.contains('?') || rest.is_empty() {
        return None;
    }
    Some(
        percent_encoding::percent_decode_str(rest)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// An alias made from a name: `Alice.Smith@example.com` → `alice-smith`; unique among `taken`.
fn alias_for(name: &str, fallback: &str, taken: &dyn Fn(&str) -> bool) -> String {
    // `alice.k3j2@example.com` → `alice`: the part before the first `.` or `+` of the local part.
    let local = name.split('@').next().unwrap_or(name);
    let local = if name.contains('@') {
        local.split(['.', '+']).next().unwrap_or(local)
    } else {
        local
    };
    let mut base = String::new();
    for c in local.chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c.to_ascii_lowercase());
        } else if !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
        if base.len() >= 24 {
            break;
        }
    }
    let mut base = base.trim_end_matches('-').to_string();
    if base.is_empty() || !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base = format!("{fallback}{}", if base.is_empty() { "" } else { "-" }) + &base;
    }
    if base == "run" {
        base = format!("{fallback}-run");
    }
    let mut alias = base.clone();
    let mut n = 2;
    while taken(&alias) {
        alias = format!("{base}-{n}");
        n += 1;
    }
    alias
}

fn lit(s: &str) -> Template {
    Template::literal(s)
}

/// The primary email's value.
fn primary_email(body: &Value) -> Option<String> {
    let emails = body.get("emails")?.as_array()?;
    let e = emails
        .iter()
        .find(|e| e.get("primary") == Some(&Value::Bool(true)))
        .or(emails.first())?;
    e.get("value")?.as_str().map(str::to_string)
}

/// Attributes of Okta's create body that a fixture names itself.
const CREATE_KEYS: &[&str] = &[
    "schemas",
    "userName",
    "name",
    "emails",
    "displayName",
    "locale",
    "externalId",
    "groups",
    "password",
    "active",
    "title",
];

/// The user fixture Okta's create (or link `PUT`) body describes.
fn user_fixture(body: &Value, with_extras: bool) -> Option<UserFixture> {
    let user_name = body.get("userName")?.as_str()?;
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(lit);
    let mut attributes = Map::new();
    if with_extras && let Some(obj) = body.as_object() {
        for (k, v) in obj {
            if !CREATE_KEYS.contains(&k.as_str()) {
                let mut v = v.clone();
                templatize(&mut v, &HashMap::new(), None);
                attributes.insert(k.clone(), v);
            }
        }
    }
    Some(UserFixture {
        user_name: lit(user_name),
        email: lit(&primary_email(body).unwrap_or_else(|| user_name.to_string())),
        given_name: s(body.pointer("/name/givenName")),
        family_name: s(body.pointer("/name/familyName")),
        display_name: s(body.get("displayName")),
        title: if with_extras {
            s(body.get("title"))
        } else {
            None
        },
        locale: if with_extras {
            s(body.get("locale"))
        } else {
            None
        },
        attributes,
        status: crate::scenario::UserStatus::Active,
        okta_id: if with_extras {
            s(body.get("externalId"))
        } else {
            None
        },
    })
}

/// What Okta's `update` changed: the `set` that turns the resource read into the one `PUT`.
fn update_set(read: &Value, put: &Value) -> Map<String, Value> {
    let mut set = Map::new();
    let (Some(r), Some(p)) = (read.as_object(), put.as_object()) else {
        return set;
    };
    for (k, v) in p {
        if r.get(k) == Some(v) {
            continue;
        }
        match k.as_str() {
            "name" => {
                for sub in ["givenName", "familyName"] {
                    let new = v.get(sub);
                    if new != r.get("name").and_then(|n| n.get(sub))
                        && let Some(new) = new
                    {
                        set.insert(sub.into(), new.clone());
                    }
                }
            }
            "emails" => {
                if let Some(e) = primary_email(put) {
                    set.insert("email".into(), Value::String(e));
                }
            }
            // A password is `sync-password`'s, and never recorded.
            "active" | "meta" | "id" | "schemas" | "groups" | "password" => {}
            _ => {
                set.insert(k.clone(), v.clone());
            }
        }
    }
    for k in r.keys() {
        if !p.contains_key(k) && !matches!(k.as_str(), "meta" | "groups" | "password") {
            set.insert(k.clone(), Value::Null);
        }
    }
    set
}

/// The ids a group membership request adds, removes or sets.
#[derive(Default, Debug)]
struct Membership {
    added: Vec<String>,
    removed: Vec<String>,
    replaced: Option<Vec<String>>,
    renamed_to: Option<String>,
}

fn member_values(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn membership(body: &Value) -> Membership {
    let mut m = Membership::default();
    if let Some(ops) = body.get("Operations").and_then(Value::as_array) {
        for op in ops {
            let kind = op
                .get("op")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let path = op.get("path").and_then(Value::as_str);
            let value = op.get("value").cloned().unwrap_or(Value::Null);
            match (kind.as_str(), path) {
                ("add", Some("members")) => m.added.extend(member_values(&value)),
                ("remove", Some(p)) => {
                    if let Some(v) = p
                        .strip_prefix("members[value eq \"")
                        .and_then(|r| r.strip_suffix("\"]"))
                    {
                        m.removed.push(v.to_string());
                    }
                }
                ("replace", Some("members")) => m.replaced = Some(member_values(&value)),
                ("replace", None) => {
                    if let Some(n) = value.get("displayName").and_then(Value::as_str) {
                        m.renamed_to = Some(n.to_string());
                    }
                    if let Some(members) = value.get("members") {
                        m.replaced = Some(member_values(members));
                    }
                }
                _ => {}
            }
        }
    } else {
        // An AIW PUT of the whole group.
        if let Some(members) = body.get("members") {
            m.replaced = Some(member_values(members));
        }
        if let Some(n) = body.get("displayName").and_then(Value::as_str) {
            m.renamed_to = Some(n.to_string());
        }
    }
    m
}

impl Recognizer<'_> {
    fn user_by_id(&self, id: &str) -> Option<String> {
        self.engine
            .org
            .users
            .iter()
            .find(|u| u.scim_id.as_deref() == Some(id))
            .map(|u| u.alias.clone())
    }

    fn group_by_id(&self, id: &str) -> Option<String> {
        self.engine
            .org
            .groups
            .iter()
            .find(|g| g.scim_id.as_deref() == Some(id))
            .map(|g| g.alias.clone())
    }

    /// The Okta group of this name that is not pushed yet.
    fn unpushed_group(&self, name: &str) -> Option<String> {
        self.engine
            .org
            .groups
            .iter()
            .find(|g| g.name == name && !g.pushed)
            .map(|g| g.alias.clone())
    }

    fn taken(&self) -> impl Fn(&str) -> bool + '_ {
        |a: &str| self.users.contains_key(a) || self.groups.contains_key(a)
    }

    fn aliases_of(&self, ids: &[String]) -> Option<Vec<String>> {
        ids.iter().map(|id| self.user_by_id(id)).collect()
    }

    /// The first `n` membership requests from `from` on to the group at `path`.
    fn memberships_after(&self, from: usize, path: &str, n: usize) -> Membership {
        let mut all = Membership::default();
        for x in self.tape.iter().skip(from).take(n) {
            if x.request.path != path
                || !matches!(x.request.method.as_str(), "PATCH" | "PUT")
                || x.request.traffic() != Traffic::Okta
            {
                break;
            }
            let m = membership(&x.request.json().unwrap_or(Value::Null));
            all.added.extend(m.added);
            all.removed.extend(m.removed);
            if m.replaced.is_some() {
                all.replaced = m.replaced;
            }
            if m.renamed_to.is_some() {
                all.renamed_to = m.renamed_to;
            }
        }
        all
    }

    /// The members a new group may get: those the next one or two membership requests push
    /// (how many belong to the push, and not to the next action, the trial decides).
    fn pushed_members(&self, from: usize, group_id: Option<&str>) -> Vec<Vec<String>> {
        let Some(id) = group_id else {
            return vec![vec![]];
        };
        let mut out: Vec<Vec<String>> = Vec::new();
        for n in [2, 1, 0] {
            let m = self.memberships_after(from, &format!("/Groups/{id}"), n);
            let ids = m.replaced.unwrap_or(m.added);
            if let Some(aliases) = self.aliases_of(&ids)
                && !out.contains(&aliases)
            {
                out.push(aliases);
            }
        }
        out
    }

    fn candidates(&self, i: usize) -> Vec<Candidate> {
        let x = &self.tape[i];
        let r = &x.request;
        if r.from_root {
            return vec![];
        }
        let path = r.path.as_str();
        let bare = r.bare_path();
        let next = self.tape.get(i + 1);
        let mut out = Vec::new();
        if r.traffic() == Traffic::SpecTest {
            if r.method == "GET" && bare == "/ResourceTypes" {
                out.push(Candidate::plain(OktaAction::EntitlementsTest));
            }
            return out;
        }
        if r.traffic() != Traffic::Okta {
            return out;
        }
        let start = query_param(path, "startIndex");
        let count = query_param(path, "count");
        let filtered = query_param(path, "filter").is_some();
        match (r.method.as_str(), bare) {
            ("GET", "/Users") if !filtered && count.as_deref() == Some("2") => {
                out.push(Candidate::plain(OktaAction::TestConnection));
            }
            ("GET", "/Users") if !filtered && start.is_some() => {
                out.push(Candidate::plain(OktaAction::ImportUsers));
            }
            ("GET", "/Groups") if !filtered && start.is_some() => {
                out.push(Candidate::plain(OktaAction::ImportGroups));
            }
            ("GET", "/ResourceTypes") => {
                out.push(Candidate::plain(OktaAction::ImportSchema));
                out.push(Candidate::plain(OktaAction::EntitlementsTest));
            }
            ("GET", "/Users") => {
                let Some(name) = eq_filter(path, "userName") else {
                    return out;
                };
                if let Some(u) = self.engine.org.users.iter().find(|u| u.user_name == name) {
                    let user = u.alias.clone();
                    out.push(Candidate::plain(OktaAction::Reactivate {
                        user: user.clone(),
                    }));
                    out.push(Candidate::plain(OktaAction::Assign { user }));
                    return out;
                }
                // A new user: its profile is in the create, or in the link's PUT.
                let fixture = match next {
                    Some(n) if n.request.method == "POST" && n.request.bare_path() == "/Users" => {
                        n.request.json().and_then(|b| user_fixture(&b, true))
                    }
                    _ => self
                        .tape
                        .get(i + 2)
                        .filter(|p| p.request.method == "PUT")
                        .and_then(|p| p.request.json())
                        .and_then(|b| user_fixture(&b, false)),
                };
                let fixture = fixture.unwrap_or_else(|| UserFixture {
                    user_name: lit(&name),
                    email: lit(&name),
                    given_name: None,
                    family_name: None,
                    display_name: None,
                    title: None,
                    locale: None,
                    attributes: Map::new(),
                    status: crate::scenario::UserStatus::Active,
                    okta_id: None,
                });
                let alias = alias_for(&name, "user", &self.taken());
                out.push(Candidate {
                    action: OktaAction::Assign {
                        user: alias.clone(),
                    },
                    at_once: None,
                    new_users: vec![(alias, fixture)],
                    new_groups: vec![],
                    to: None,
                    set: None,
                });
            }
            ("PATCH", _) if resource_id(bare, "/Users").is_some() => {
                let Some(user) = resource_id(bare, "/Users").and_then(|id| self.user_by_id(&id))
                else {
                    return out;
                };
                for action in [
                    OktaAction::Deactivate { user: user.clone() },
                    OktaAction::Unassign { user: user.clone() },
                    OktaAction::SyncPassword { user: user.clone() },
                ] {
                    out.push(Candidate::plain(action));
                }
            }
            ("GET", _) if resource_id(bare, "/Users").is_some() => {
                let Some(user) = resource_id(bare, "/Users").and_then(|id| self.user_by_id(&id))
                else {
                    return out;
                };
                if let (Some(read), Some(put)) = (
                    x.response.json(),
                    next.filter(|n| n.request.method == "PUT" && n.request.path == r.path)
                        .and_then(|n| n.request.json()),
                ) {
                    let set = update_set(&read, &put);
                    if !set.is_empty() {
                        // Written with any `${` escaped; the trial sends it as it is.
                        let mut written = Value::Object(set.clone());
                        templatize(&mut written, &HashMap::new(), None);
                        out.push(Candidate {
                            action: OktaAction::Update {
                                user: user.clone(),
                                set: match written {
                                    Value::Object(m) => m,
                                    _ => set.clone(),
                                },
                            },
                            at_once: None,
                            new_users: vec![],
                            new_groups: vec![],
                            to: None,
                            set: Some(set),
                        });
                    }
                }
                for action in [
                    OktaAction::Deactivate { user: user.clone() },
                    OktaAction::Unassign { user: user.clone() },
                    OktaAction::SyncPassword { user },
                ] {
                    out.push(Candidate::plain(action));
                }
            }
            ("POST", "/Groups") => {
                let Some(name) = r.json().and_then(|b| {
                    b.get("displayName")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                }) else {
                    return out;
                };
                let id = x
                    .response
                    .json()
                    .and_then(|b| b.get("id").and_then(Value::as_str).map(str::to_string));
                let members = self.pushed_members(i + 1, id.as_deref());
                let existing = self.unpushed_group(&name);
                let (group, new_groups) = match existing {
                    Some(g) => (g, vec![]),
                    None => {
                        let alias = alias_for(&name, "group", &self.taken());
                        (
                            alias.clone(),
                            vec![(
                                alias,
                                GroupFixture {
                                    name: lit(&name),
                                    members: vec![],
                                },
                            )],
                        )
                    }
                };
                for members in members {
                    out.push(Candidate {
                        action: OktaAction::Push {
                            group: group.clone(),
                            members: Some(members),
                        },
                        at_once: None,
                        new_users: vec![],
                        new_groups: new_groups.clone(),
                        to: None,
                        set: None,
                    });
                }
            }
            ("GET", "/Groups") => {
                let Some(name) = eq_filter(path, "displayName") else {
                    return out;
                };
                let found = x.response.json().and_then(|b| {
                    b.pointer("/Resources/0/id")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
                let members = self.pushed_members(i + 1, found.as_deref());
                let existing = self.unpushed_group(&name);
                match existing {
                    Some(g) => out.push(Candidate::plain(OktaAction::Link { group: g })),
                    None => {
                        let alias = alias_for(&name, "group", &self.taken());
                        for members in members {
                            out.push(Candidate {
                                action: OktaAction::Link {
                                    group: alias.clone(),
                                },
                                at_once: None,
                                new_users: vec![],
                                new_groups: vec![(
                                    alias.clone(),
                                    GroupFixture {
                                        name: lit(&name),
                                        members,
                                    },
                                )],
                                to: None,
                                set: None,
                            });
                        }
                    }
                }
            }
            ("PATCH" | "PUT", _) if resource_id(bare, "/Groups").is_some() => {
                let Some(group) = resource_id(bare, "/Groups").and_then(|id| self.group_by_id(&id))
                else {
                    return out;
                };
                for n in 1..=3 {
                    let m = self.memberships_after(i, &r.path, n);
                    let current_name = self
                        .engine
                        .org
                        .app_group_names
                        .get(&group)
                        .cloned()
                        .or_else(|| self.engine.org.group(&group).map(|g| g.name.clone()));
                    if let Some(to) = &m.renamed_to
                        && Some(to) != current_name.as_ref()
                    {
                        out.push(Candidate {
                            action: OktaAction::Rename {
                                group: group.clone(),
                                to: lit(to),
                            },
                            at_once: None,
                            new_users: vec![],
                            new_groups: vec![],
                            to: Some(to.clone()),
                            set: None,
                        });
                    }
                    let (mut added, mut removed) = (m.added.clone(), m.removed.clone());
                    if let (Some(set), Some(g)) = (&m.replaced, self.engine.org.group(&group)) {
                        // A PUT (AIW) or a replace: compare with what Okta pushed last.
                        let before: Vec<String> = self
                            .engine
                            .org
                            .pushed_members(g)
                            .into_iter()
                            .map(|m| m.value)
                            .collect();
                        added.extend(set.iter().filter(|v| !before.contains(v)).cloned());
                        removed.extend(before.iter().filter(|v| !set.contains(v)).cloned());
                    }
                    if !added.is_empty()
                        && let Some(users) = self.aliases_of(&added)
                    {
                        out.push(Candidate::plain(OktaAction::AddMembers {
                            group: group.clone(),
                            users,
                            concurrently: false,
                        }));
                    }
                    if !removed.is_empty()
                        && let Some(users) = self.aliases_of(&removed)
                    {
                        out.push(Candidate::plain(OktaAction::RemoveMembers {
                            group: group.clone(),
                            users,
                        }));
                    }
                }
                out.push(Candidate::plain(OktaAction::PushNow {
                    group: group.clone(),
                }));
                // One membership update per user, sent at once (several admins or rules at the
                // same moment): every user the run of PATCHes to this group adds.
                if r.method == "PATCH" {
                    let mut added = Vec::new();
                    let mut run = 0;
                    for y in self.tape.iter().skip(i).take(256) {
                        let m = membership(&y.request.json().unwrap_or(Value::Null));
                        // Each concurrent update is the `{id, displayName}` replace or an `add`.
                        let update_shape = m.removed.is_empty()
                            && m.replaced.is_none()
                            && (m.renamed_to.is_some() || !m.added.is_empty());
                        if y.request.path != r.path
                            || y.request.method != "PATCH"
                            || y.request.traffic() != Traffic::Okta
                            || !update_shape
                        {
                            break;
                        }
                        run += 1;
                        for id in m.added {
                            if !added.contains(&id) {
                                added.push(id);
                            }
                        }
                    }
                    // The second request arrived before the server had even started to answer the
                    // first: Okta sent them at once, and only the concurrent reading of them is
                    // Okta's. (Measured to the answer's start, not its end: a client that waits
                    // for an answer may send its next request before the proxy sees the end.)
                    let sent_at_once = run > 1
                        && self
                            .tape
                            .get(i + 1)
                            .is_some_and(|n| n.at_ms < x.at_ms + x.head_ms);
                    if added.len() > 1
                        && let Some(users) = self.aliases_of(&added)
                    {
                        let concurrent = Candidate {
                            at_once: Some(run),
                            ..Candidate::plain(OktaAction::AddMembers {
                                group,
                                users,
                                concurrently: true,
                            })
                        };
                        if sent_at_once {
                            out.clear();
                        }
                        out.push(concurrent);
                    }
                }
            }
            ("DELETE", _) if resource_id(bare, "/Groups").is_some() => {
                if let Some(group) =
                    resource_id(bare, "/Groups").and_then(|id| self.group_by_id(&id))
                {
                    out.push(Candidate::plain(OktaAction::Unlink {
                        group,
                        delete: true,
                    }));
                }
            }
            _ => {}
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|c| seen.insert(format!("{:?}{:?}", c.action, c.new_groups)));
        out
    }

    /// Okta's request at `i` is about an app user the last import showed and Okta has not
    /// linked: the admin confirmed the import's match first (`confirm-import`, which sends
    /// nothing). The user's fixture is the imported one.
    fn confirm_imported(&mut self, i: usize) {
        let r = &self.tape[i].request;
        if r.traffic() != Traffic::Okta {
            return;
        }
        let Some(id) = resource_id(r.bare_path(), "/Users") else {
            return;
        };
        if self.user_by_id(&id).is_some() {
            return;
        }
        let Some(imported) = self
            .engine
            .org
            .imported
            .iter()
            .find(|u| u.get("id").and_then(Value::as_str) == Some(id.as_str()))
            .cloned()
        else {
            return;
        };
        let Some(fixture) = user_fixture(&imported, false) else {
            return;
        };
        let alias = alias_for(fixture.user_name.as_str(), "user", &self.taken());
        let mut engine = self.engine.clone();
        let Ok(user) = okta_user(&alias, &fixture, "") else {
            return;
        };
        engine.org.users.push(user);
        let linked = engine.confirm_import(&alias).is_ok()
            && engine
                .org
                .user(&alias)
                .is_some_and(|u| u.scim_id.as_deref() == Some(id.as_str()));
        if linked {
            self.engine = engine;
            self.users.insert(alias.clone(), fixture);
            self.steps.push(WrittenStep {
                step: json!({ "okta": { "confirm-import": alias } }),
                comment: None,
                exchanges: 0,
            });
        }
    }

    /// Tries each candidate at `i`; takes the first that sends exactly the recorded requests.
    /// Returns how many exchanges it stands for.
    async fn okta_action(&mut self, i: usize) -> Option<usize> {
        self.confirm_imported(i);
        for c in self.candidates(i) {
            let mut engine = self.engine.clone();
            let mut ok = true;
            for (alias, f) in &c.new_users {
                match okta_user(alias, f, "") {
                    Ok(u) => engine.org.users.push(u),
                    Err(_) => ok = false,
                }
            }
            for (alias, f) in &c.new_groups {
                match okta_group(alias, f, "") {
                    Ok(g) => engine.org.groups.push(g),
                    Err(_) => ok = false,
                }
            }
            if !ok {
                continue;
            }
            let reorder: Vec<std::ops::Range<usize>> =
                c.at_once.map(|n| i..i + n).into_iter().collect();
            self.playback.seek(i, &reorder);
            let Ok(record) = run_action(
                &c.action,
                &mut engine,
                &self.client,
                c.to.clone(),
                c.set.clone(),
            )
            .await
            else {
                continue;
            };
            let used = self.playback.next() - i;
            if self.playback.mismatch().is_some() || used == 0 || record.exchanges.len() != used {
                continue;
            }
            self.engine = engine;
            // The final replay lets only this step's own exchanges come in any order.
            self.reorder
                .extend(reorder.into_iter().map(|r| r.start..r.start + used));
            self.users.extend(c.new_users);
            self.groups.extend(c.new_groups);
            let mut step =
                json!({ "okta": serde_json::to_value(&c.action).unwrap_or(Value::Null) });
            let concurrent = matches!(
                &c.action,
                OktaAction::AddMembers {
                    concurrently: true,
                    ..
                }
            );
            if let (true, Some(g)) = (concurrent, c.action.group()) {
                self.concurrent.insert(g.to_string());
                step["snapshot"] = json!(false);
            }
            let failure = record.failure.map(|why| {
                step["expect"] = json!({ "outcome": "failure" });
                format!(
                    "Okta failed this task when it was recorded: {why}. `outcome: failure` replays it as recorded; delete it to make this a regression test that fails while the bug is there."
                )
            });
            let comment = match (concurrent, failure) {
                (true, Some(f)) => Some(format!("{CONCURRENT_NOTE} {f}")),
                (true, None) => Some(CONCURRENT_NOTE.to_string()),
                (false, f) => f,
            };
            self.steps.push(WrittenStep {
                step,
                comment,
                exchanges: used,
            });
            return Some(used);
        }
        None
    }

    /// A verification read of a fixture (okscim's own `read:` step), when it is one.
    fn read(&mut self, i: usize) -> bool {
        let r = &self.tape[i].request;
        if r.method != "GET"
            || r.from_root
            || r.header("user-agent") != Some(OKSCIM_USER_AGENT)
            || r.body.is_some()
            || r.credential != self.main_credential
        {
            return false;
        }
        let (kind, alias) = if let Some(u) =
            resource_id(&r.path, "/Users").and_then(|id| self.user_by_id(&id))
        {
            ("user", u)
        } else if let Some(g) = resource_id(&r.path, "/Groups").and_then(|id| self.group_by_id(&id))
        {
            ("group", g)
        } else {
            return false;
        };
        let after_concurrent = kind == "group" && self.concurrent.contains(&alias);
        let mut step = json!({ "read": { kind: alias } });
        if after_concurrent {
            step["snapshot"] = json!(false);
        }
        self.steps.push(WrittenStep {
            step,
            comment: after_concurrent.then(|| CONCURRENT_NOTE.to_string()),
            exchanges: 1,
        });
        true
    }

    fn why_raw(&self, i: usize) -> String {
        let r = &self.tape[i].request;
        match r.traffic() {
            Traffic::Okta => format!(
                "Okta sent this, but no Okta action okscim knows sends exactly it here (given what Okta knows so far: {} users, {} groups)",
                self.users.len(),
                self.groups.len()
            ),
            Traffic::SpecTest => "sent by Okta's SPEC test".to_string(),
            Traffic::Other => match r.header("user-agent") {
                Some(ua) => format!("not Okta's traffic (User-Agent: {ua})"),
                None => "not Okta's traffic (no User-Agent)".to_string(),
            },
        }
    }

    fn raw(&mut self, i: usize, why: Option<String>) {
        let known = self.known_ids();
        let mut w = RawWriter {
            tape: self.tape,
            captured: std::mem::take(&mut self.captured),
            next_capture: self.next_capture,
            main_credential: self.main_credential,
            steps: std::mem::take(&mut self.steps),
        };
        w.raw(i, why, &known);
        self.captured = w.captured;
        self.next_capture = w.next_capture;
        self.steps = w.steps;
    }

    /// The ids Okta knows, as the variables that hold them.
    fn known_ids(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for (name, id) in &self.engine.org.learned_ids {
            if name.ends_with(".id") {
                out.insert(id.clone(), name.clone());
            }
        }
        for u in &self.engine.org.users {
            if let Some(id) = &u.scim_id {
                out.insert(id.clone(), format!("{}.id", u.alias));
            }
        }
        for g in &self.engine.org.groups {
            if let Some(id) = &g.scim_id {
                out.insert(id.clone(), format!("{}.id", g.alias));
            }
        }
        out
    }
}

/// Writes raw `request` steps, capturing the ids later requests use.
struct RawWriter<'a> {
    tape: &'a [TapeExchange],
    captured: HashMap<String, String>,
    next_capture: usize,
    main_credential: Option<u32>,
    steps: Vec<WrittenStep>,
}

/// Headers a raw step never writes: the connection's, the credentials (from the target's auth)
/// and those the HTTP client sets.
fn written_header(name: &str) -> bool {
    !super::tape::is_credential_header(name)
        && !super::proxy::is_hop_by_hop(name)
        && !matches!(
            name.to_ascii_lowercase().as_str(),
            "content-length" | "accept-encoding"
        )
}

/// `${` would start a variable: written so that it is sent as it was.
fn escape_template(s: &str) -> String {
    s.replace("${", "$${")
}

impl RawWriter<'_> {
    /// Whether `id` appears in a request after `i`.
    fn used_later(&self, i: usize, id: &str) -> bool {
        self.tape.iter().skip(i + 1).any(|x| {
            x.request.path.contains(id) || x.request.body.as_deref().is_some_and(|b| b.contains(id))
        })
    }

    fn raw(&mut self, i: usize, why: Option<String>, known: &HashMap<String, String>) {
        let x = &self.tape[i];
        let r = &x.request;
        let owned: HashMap<String, String> = known
            .iter()
            .chain(self.captured.iter())
            .map(|(id, var)| (id.clone(), var.clone()))
            .collect();
        let vars: HashMap<&str, &str> = owned
            .iter()
            .map(|(id, var)| (id.as_str(), var.as_str()))
            .collect();
        let var_of = |s: &str| vars.get(s).map(|v| format!("${{{v}}}"));
        // The path: ids as whole segments become variables.
        let (bare, query) = match r.path.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (r.path.as_str(), None),
        };
        let segments: Vec<String> = bare
            .split('/')
            .map(|seg| {
                let decoded = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
                var_of(&decoded).unwrap_or_else(|| escape_template(seg))
            })
            .collect();
        let mut path = segments.join("/");
        if let Some(q) = query {
            let mut q = escape_template(q);
            for (id, var) in &vars {
                if id.len() >= 8 && q.contains(id) {
                    q = q.replace(id, &format!("${{{var}}}"));
                }
            }
            path = format!("{path}?{q}");
        }
        let mut request = Map::new();
        request.insert("method".into(), json!(r.method));
        request.insert("path".into(), json!(path));
        if r.from_root {
            request.insert("from_root".into(), json!(true));
        }
        let has_body = r.body.as_deref().is_some_and(|b| !b.is_empty());
        let method =
            reqwest::Method::from_bytes(r.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let defaults = own_headers(RequestHeaders::Okscim, &method, has_body);
        let mut headers = Map::new();
        for (name, value) in &r.headers {
            if !written_header(name)
                || defaults
                    .iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case(name) && v == value)
            {
                continue;
            }
            headers.insert(name.clone(), json!(escape_template(value)));
        }
        if !headers.is_empty() {
            request.insert("headers".into(), Value::Object(headers));
        }
        let mut notes = Vec::new();
        if let Some(body) = r.body.as_deref().filter(|b| !b.is_empty()) {
            match serde_json::from_str::<Value>(body) {
                Ok(mut v) => {
                    templatize(&mut v, &vars, None);
                    request.insert("body".into(), v);
                }
                Err(_) => notes.push(
                    "its body is not JSON, which a scenario cannot send as it was: it is left out"
                        .to_string(),
                ),
            }
        }
        match r.credential {
            None => {
                request.insert("auth".into(), json!("none"));
            }
            Some(c) if Some(c) != self.main_credential => {
                request.insert("auth".into(), json!("invalid"));
                notes.push(
                    "it carried other credentials than the rest of the recording: it is sent with a wrong token"
                        .to_string(),
                );
            }
            Some(_) => {}
        }
        let mut step = Map::new();
        step.insert("request".into(), Value::Object(request));
        step.insert("expect".into(), json!({ "status": x.response.status }));
        // Ids the answer gave that later requests use.
        let mut capture = Map::new();
        if let Some(body) = x.response.json() {
            let mut found: Vec<(String, String)> = Vec::new();
            if let Some(id) = body.get("id").and_then(Value::as_str) {
                found.push((id.to_string(), "$.id".to_string()));
            }
            if let Some(items) = body.get("Resources").and_then(Value::as_array) {
                for (k, item) in items.iter().enumerate() {
                    if let Some(id) = item.get("id").and_then(Value::as_str) {
                        found.push((id.to_string(), format!("$.Resources[{k}].id")));
                    }
                }
            }
            for (id, jsonpath) in found {
                if vars.contains_key(id.as_str())
                    || self.captured.contains_key(&id)
                    || !self.used_later(i, &id)
                {
                    continue;
                }
                let kind = if r.bare_path().starts_with("/Groups") {
                    "group"
                } else if r.bare_path().starts_with("/Users") {
                    "user"
                } else {
                    "id"
                };
                let name = format!("{kind}_{}", self.next_capture);
                self.next_capture += 1;
                capture.insert(name.clone(), json!(jsonpath));
                self.captured.insert(id, name);
            }
        }
        if !capture.is_empty() {
            step.insert("capture".into(), Value::Object(capture));
        }
        if let Some(e) = &x.error {
            notes.push(format!("when recorded: {e}"));
        }
        let mut comment = why;
        if !notes.is_empty() {
            let text = notes.join("; ");
            comment = Some(match comment {
                Some(c) => format!("{c}; {text}"),
                None => text,
            });
        }
        self.steps.push(WrittenStep {
            step: Value::Object(step),
            comment,
            exchanges: 1,
        });
    }
}

/// String values that are known ids become their variables; any other `${` is escaped. An id
/// shorter than 8 characters (an integer id) is taken for one only as the value of an `id` or
/// `value` key, where ids go: elsewhere `"1"` may be anything.
fn templatize(v: &mut Value, vars: &HashMap<&str, &str>, key: Option<&str>) {
    match v {
        Value::String(s) => {
            let id_key = matches!(key, Some("id" | "value"));
            *s = match vars.get(s.as_str()) {
                Some(var) if s.len() >= 8 || id_key => format!("${{{var}}}"),
                _ => escape_template(s),
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| templatize(i, vars, key)),
        Value::Object(map) => map
            .iter_mut()
            .for_each(|(k, i)| templatize(i, vars, Some(k.as_str()))),
        _ => {}
    }
}

/// Which app kind the tape's Okta traffic is: AIW apps never PATCH (okta-reference.md §3.19).
pub fn app_kind_of(tape: &[TapeExchange]) -> AppKind {
    let okta = tape.iter().filter(|x| x.request.traffic() == Traffic::Okta);
    let mut puts = false;
    for x in okta {
        match x.request.method.as_str() {
            "PATCH" => return AppKind::Oin,
            "PUT" => puts = true,
            _ => {}
        }
    }
    if puts { AppKind::Aiw } else { AppKind::Oin }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_ids_are_read_from_paths() {
        assert_eq!(
            eq_filter(
                "/Users?filter=userName%20eq%20%22a%40b.c%22&startIndex=1&count=100",
                "userName"
            )
            .as_deref(),
            Some("a@b.c")
        );
        assert_eq!(
            resource_id("/Users/abc%2F1", "/Users").as_deref(),
            Some("abc/1")
        );
        assert_eq!(resource_id("/Users/abc/x", "/Users"), None);
    }

    #[test]
    fn aliases_are_made_unique_and_valid() {
        let taken = |a: &str| a == "alice";
        assert_eq!(alias_for("Alice@example.com", "user", &taken), "alice-2");
        assert_eq!(alias_for("7up@example.com", "user", &taken), "user-7up");
        assert_eq!(alias_for("run@x", "user", &taken), "user-run");
        assert_eq!(
            alias_for("Platform Engineering", "group", &taken),
            "platform-engineering"
        );
    }

    #[test]
    fn an_update_set_names_only_what_changed() {
        let read = json!({"userName": "a", "name": {"givenName": "A", "familyName": "B"}, "title": "x", "meta": {}});
        let put = json!({"userName": "a", "name": {"givenName": "Al", "familyName": "B"}, "title": "y", "meta": {}});
        let set = update_set(&read, &put);
        assert_eq!(Value::Object(set), json!({"givenName": "Al", "title": "y"}));
    }
}
