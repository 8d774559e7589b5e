//! The end of a load run: every user and group is read back, page by page, and compared with
//! Okta's state. Only the run's own resources count (their names carry the run token); others on
//! the server are left alone.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::stats::Stats;
use super::{Expected, LoadEvent, PhaseReport};
use crate::http::ScimClient;
use crate::okta::OktaOptions;
use crate::okta::ratelimit::send_as_okta;

/// Examples kept per kind of difference; the rest are counted.
const KEPT: usize = 10;

/// A page size the read-back asks for (Okta's import pages by 100).
const PAGE: usize = 100;

/// Members the read-back asks for in one page of groups, at most.
const MEMBERS_PER_PAGE: usize = 20_000;

/// Differences of one kind: how many, and the first few.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Differences {
    /// How many.
    pub count: u64,
    /// The first few, said plainly.
    pub examples: Vec<String>,
}

impl Differences {
    fn add(&mut self, what: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < KEPT {
            self.examples.push(what());
        }
    }
}

/// Whether the server holds exactly Okta's state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Convergence {
    /// Users Okta created (expected on the server).
    pub users_expected: u64,
    /// The run's users the server listed.
    pub users_listed: u64,
    /// Users Okta created that the server does not list.
    pub missing_users: Differences,
    /// Users of this run the server lists that Okta did not create (or lists twice).
    pub extra_users: Differences,
    /// Users whose userName, active or title differ from Okta's.
    pub wrong_users: Differences,
    /// Groups Okta pushed.
    pub groups_expected: u64,
    /// Groups Okta pushed that the server does not list.
    pub missing_groups: Differences,
    /// Groups of this run the server lists that Okta did not push (or lists twice).
    pub extra_groups: Differences,
    /// Members missing from a group, or in it that Okta removed or never added.
    pub wrong_members: Differences,
    /// Why the read-back could not finish, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

impl Convergence {
    /// No difference, and everything was read.
    pub fn converged(&self) -> bool {
        self.unreadable.is_none()
            && [
                &self.missing_users,
                &self.extra_users,
                &self.wrong_users,
                &self.missing_groups,
                &self.extra_groups,
                &self.wrong_members,
            ]
            .iter()
            .all(|d| d.count == 0)
    }
}

/// Reads every page of `endpoint`, handing each resource to `each`. Returns why it stopped
/// early, if it did.
async fn read_all(
    client: &ScimClient,
    okta: &OktaOptions,
    endpoint: &str,
    page: usize,
    stats: &mut Stats,
    mut each: impl FnMut(&Value),
) -> Option<String> {
    let wire = crate::okta::Wire::new(*okta);
    let mut start = 1usize;
    loop {
        let attempts =
            send_as_okta(client, wire.list(endpoint, start, page), okta.retry_clock).await;
        for e in &attempts.exchanges {
            stats.exchange("read-back", e);
        }
        let Some(last) = attempts.exchanges.last() else {
            return Some(format!("GET {endpoint}: no answer recorded"));
        };
        if last.status() != Some(200) {
            return Some(format!("{} while reading back", last.summary()));
        }
        let Some(view) = last.json().and_then(crate::check::list_view) else {
            return Some(format!("{}: not a ListResponse", last.summary()));
        };
        let empty = Vec::new();
        let resources = view.resources.and_then(Value::as_array).unwrap_or(&empty);
        for r in resources {
            each(r);
        }
        let total = view.total().unwrap_or(0) as usize;
        if resources.is_empty() || start + resources.len() > total {
            return None;
        }
        start += resources.len();
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Reads back every user and group and compares them with `expected`.
pub(crate) async fn read_back(
    client: &ScimClient,
    okta: &OktaOptions,
    run: &str,
    expected: &Expected,
    on_event: &mut dyn FnMut(LoadEvent<'_>),
) -> (PhaseReport, Convergence) {
    let started = Instant::now();
    on_event(LoadEvent::PhaseStarted {
        name: "read-back",
        tasks: 2,
    });
    let mut stats = Stats::default();
    let mut c = Convergence::default();
    let run_lower = run.to_ascii_lowercase();
    let user_of: HashMap<&str, usize> = expected
        .user_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.as_deref().map(|id| (id, i)))
        .collect();
    c.users_expected = user_of.len() as u64;
    let mut seen_users: HashSet<usize> = HashSet::new();
    let stopped = read_all(client, okta, "/Users", PAGE, &mut stats, |u| {
        let name = str_of(u, "userName").unwrap_or_default();
        if !name.to_ascii_lowercase().contains(&run_lower) {
            return;
        }
        c.users_listed += 1;
        let id = str_of(u, "id").unwrap_or_default();
        let Some(&i) = user_of.get(id) else {
            c.extra_users
                .add(|| format!("{name} (id {id}): Okta created no such user"));
            return;
        };
        if !seen_users.insert(i) {
            c.extra_users
                .add(|| format!("{name} (id {id}) is listed twice"));
            return;
        }
        let want_name = super::user_name(i, run);
        if name != want_name {
            c.wrong_users
                .add(|| format!("user {id}: userName {name:?}, Okta sent {want_name:?}"));
        }
        let active = u.get("active").and_then(Value::as_bool);
        if active != Some(expected.active[i]) {
            c.wrong_users.add(|| {
                format!(
                    "{want_name}: active {}, Okta's state is {}",
                    active.map_or("missing".to_string(), |a| a.to_string()),
                    expected.active[i]
                )
            });
        }
        if let Some(title) = &expected.titles[i]
            && str_of(u, "title") != Some(title.as_str())
        {
            c.wrong_users.add(|| {
                format!(
                    "{want_name}: title {:?}, Okta sent {title:?}",
                    str_of(u, "title")
                )
            });
        }
    })
    .await;
    if let Some(why) = stopped {
        c.unreadable = Some(why);
    }
    for (id, &i) in &user_of {
        if !seen_users.contains(&i) {
            c.missing_users
                .add(|| format!("{} (id {id})", super::user_name(i, run)));
        }
    }
    on_event(LoadEvent::TaskDone);

    let group_of: HashMap<&str, usize> = expected
        .group_ids
        .iter()
        .enumerate()
        .filter_map(|(g, id)| id.as_deref().map(|id| (id, g)))
        .collect();
    c.groups_expected = group_of.len() as u64;
    let mut seen_groups: HashSet<usize> = HashSet::new();
    // Groups carry their members: fewer to a page when groups are large, so that one answer
    // stays a few MiB (about 20,000 members a page).
    let largest = expected.members.iter().map(Vec::len).max().unwrap_or(0);
    let group_page = (MEMBERS_PER_PAGE / largest.max(1)).clamp(1, PAGE);
    let stopped = read_all(client, okta, "/Groups", group_page, &mut stats, |grp| {
        let name = str_of(grp, "displayName").unwrap_or_default();
        if !name.to_ascii_lowercase().contains(&run_lower) {
            return;
        }
        let id = str_of(grp, "id").unwrap_or_default();
        let Some(&g) = group_of.get(id) else {
            c.extra_groups
                .add(|| format!("{name} (id {id}): Okta pushed no such group"));
            return;
        };
        if !seen_groups.insert(g) {
            c.extra_groups
                .add(|| format!("{name} (id {id}) is listed twice"));
            return;
        }
        let listed: HashSet<&str> = grp
            .get("members")
            .and_then(Value::as_array)
            .map(|m| m.iter().filter_map(|x| str_of(x, "value")).collect())
            .unwrap_or_default();
        let want: HashSet<&str> = expected.members[g]
            .iter()
            .filter_map(|&i| expected.user_ids[i].as_deref())
            .collect();
        let who = |id: &str| match user_of.get(id) {
            Some(&i) => format!("{} (id {id})", super::user_name(i, run)),
            None => format!("id {id}"),
        };
        for missing in want.difference(&listed) {
            c.wrong_members
                .add(|| format!("{name}: member {} is missing", who(missing)));
        }
        for extra in listed.difference(&want) {
            c.wrong_members
                .add(|| format!("{name}: {} is a member, but not in Okta", who(extra)));
        }
    })
    .await;
    if let Some(why) = stopped {
        c.unreadable.get_or_insert(why);
    }
    for (id, &g) in &group_of {
        if !seen_groups.contains(&g) {
            c.missing_groups
                .add(|| format!("{} (id {id})", super::group_name(g, run)));
        }
    }
    on_event(LoadEvent::TaskDone);
    let report = PhaseReport {
        name: "read-back".into(),
        stats: stats.summary(started.elapsed().as_secs_f64()),
    };
    on_event(LoadEvent::PhaseFinished(&report));
    (report, c)
}
