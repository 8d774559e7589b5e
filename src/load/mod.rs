//! `okscim load`: Okta onboarding a customer, at scale. Okta assigns N users (the lookup, then
//! the create), pushes G groups of M members, sends a wave of profile updates, membership
//! changes and deactivations, and then everything is read back to check that the server holds
//! exactly Okta's state: no user, member or attribute missing or extra.
//!
//! Every request is the one Okta sends (each task runs through [`OktaEngine`] with an org of
//! just what the task touches), with Okta's 429 handling. At most `concurrency` tasks run at
//! once. Statistics are streamed ([`stats`]): no transcript is kept, so memory does not grow
//! with the number of users beyond Okta's own state (an id per user and group).

mod converge;
pub mod stats;

use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::task::JoinSet;

use crate::http::{ScimClient, Secret};
use crate::okta::{
    ActionRecord, AppKind, OktaEngine, OktaGroup, OktaOptions, OktaOrg, OktaUser, UserStatus,
    placeholder_password,
};

pub use converge::Convergence;
pub use stats::{KindSummary, Stats, StatsSummary};

/// What to load.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// Users Okta assigns.
    pub users: usize,
    /// Groups Okta pushes.
    pub groups: usize,
    /// Members of each group (users taken in turn, so groups overlap when G × M > N).
    pub members_per_group: usize,
    /// Okta tasks in flight at once.
    pub concurrency: usize,
    /// The app kind.
    pub app: AppKind,
    /// How okscim plays Okta.
    pub okta: OktaOptions,
    /// The run token in every name, so that a run's resources are told apart from others.
    pub run: String,
}

/// What the load saw happen, as the reporter follows it.
#[derive(Debug, Clone, Copy)]
pub enum LoadEvent<'a> {
    /// A phase starts with this many tasks.
    PhaseStarted {
        /// `assign`, `push`, ….
        name: &'a str,
        /// Its tasks.
        tasks: u64,
    },
    /// A task ended.
    TaskDone,
    /// A phase ended.
    PhaseFinished(&'a PhaseReport),
}

/// One phase's figures.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseReport {
    /// `assign`, `push`, `update`, `membership`, `deactivate`, `read-back`.
    pub name: String,
    /// Its statistics.
    #[serde(flatten)]
    pub stats: StatsSummary,
}

/// A whole load run.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// `okscim-load/1`.
    pub format: &'static str,
    /// The target's description.
    pub target: String,
    /// The plan's sizes.
    pub users: usize,
    /// Groups pushed.
    pub groups: usize,
    /// Members per group.
    pub members_per_group: usize,
    /// Tasks in flight at once.
    pub concurrency: usize,
    /// The app kind.
    pub app: AppKind,
    /// Each phase.
    pub phases: Vec<PhaseReport>,
    /// Every phase together.
    pub total: StatsSummary,
    /// Whether the server holds exactly Okta's state.
    pub convergence: Convergence,
}

impl LoadReport {
    /// Whether the run passed: no failed task and the server converged.
    pub fn passed(&self) -> bool {
        self.total.failed_tasks == 0 && self.convergence.converged()
    }
}

/// Okta's state, compactly: what the server must hold at the end.
#[derive(Debug, Default)]
pub(crate) struct Expected {
    /// Per user: the SCIM id, when created.
    pub user_ids: Vec<Option<String>>,
    /// Per user: whether the app user is active.
    pub active: Vec<bool>,
    /// Per user: the title set by the update wave, if any.
    pub titles: Vec<Option<String>>,
    /// Per group: the SCIM id, when pushed.
    pub group_ids: Vec<Option<String>>,
    /// Per group: its members (user indexes).
    pub members: Vec<Vec<usize>>,
}

fn user_alias(i: usize) -> String {
    format!("u{i}")
}

fn group_alias(g: usize) -> String {
    format!("g{g}")
}

/// userName of user `i`: `load42.<run>@example.com`.
pub fn user_name(i: usize, run: &str) -> String {
    format!("load{i}.{run}@example.com")
}

/// displayName of group `g`: `Load group 7 <run>`.
pub fn group_name(g: usize, run: &str) -> String {
    format!("Load group {g} {run}")
}

fn okta_user(i: usize, run: &str, expected: &Expected) -> OktaUser {
    let name = user_name(i, run);
    let mut extra = Map::new();
    if let Some(title) = &expected.titles[i] {
        extra.insert("title".into(), Value::String(title.clone()));
    }
    let scim_id = expected.user_ids[i].clone();
    OktaUser {
        alias: user_alias(i),
        okta_id: format!("00u{i:017}"),
        user_name: name.clone(),
        email: name,
        given_name: "Load".into(),
        family_name: format!("User{i}"),
        display_name: format!("Load User{i}"),
        locale: "en-US".into(),
        extra,
        status: if expected.active[i] {
            UserStatus::Active
        } else {
            UserStatus::Deactivated
        },
        assigned: scim_id.is_some(),
        assigned_by_groups: vec![],
        app_active: scim_id.is_some() && expected.active[i],
        scim_id,
        password: Secret::new(placeholder_password()),
        synced_password: Secret::new(placeholder_password()),
    }
}

/// An org holding users `users` and, when given, group `g` (pushed when it has an id).
fn org_for(users: &[usize], group: Option<usize>, run: &str, expected: &Expected) -> OktaOrg {
    let mut org = OktaOrg::default();
    for &i in users {
        org.users.push(okta_user(i, run, expected));
    }
    if let Some(g) = group {
        let scim_id = expected.group_ids[g].clone();
        let name = group_name(g, run);
        if scim_id.is_some() {
            org.app_group_names.insert(group_alias(g), name.clone());
        }
        org.groups.push(OktaGroup {
            alias: group_alias(g),
            okta_id: format!("00g{g:017}"),
            name,
            members: expected.members[g].iter().map(|&i| user_alias(i)).collect(),
            pushed: scim_id.is_some(),
            assigned: false,
            paused: false,
            scim_id,
        });
    }
    org
}

/// What a task reports back.
enum Outcome {
    /// A user was created with this id.
    UserId(usize, Option<String>),
    /// A group was pushed with this id.
    GroupId(usize, Option<String>),
    /// Nothing to keep.
    Done,
}

type Task =
    std::pin::Pin<Box<dyn std::future::Future<Output = (String, ActionRecord, Outcome)> + Send>>;

/// Runs `tasks` with at most `concurrency` at once, counting each as it ends; returns the
/// phase's figures and the ids the tasks learned. Tasks are made as slots free up, so that at
/// most `concurrency` of them (and their records) exist at once.
async fn run_phase(
    name: &str,
    count: usize,
    tasks: impl Iterator<Item = Task>,
    concurrency: usize,
    on_event: &mut dyn FnMut(LoadEvent<'_>),
) -> (PhaseReport, Vec<Outcome>) {
    let started = Instant::now();
    on_event(LoadEvent::PhaseStarted {
        name,
        tasks: count as u64,
    });
    let mut set = JoinSet::new();
    let mut stats = Stats::default();
    let mut learned = Vec::new();
    let absorb = |joined: Result<(String, ActionRecord, Outcome), tokio::task::JoinError>,
                  stats: &mut Stats,
                  learned: &mut Vec<Outcome>| {
        match joined {
            Ok((label, record, outcome)) => {
                stats.task(&label, &record);
                if !matches!(outcome, Outcome::Done) {
                    learned.push(outcome);
                }
            }
            // Never dropped in silence: a task that died is a failed task, said as okscim's bug.
            Err(e) => stats.failed(format!("okscim lost a task ({e}): a bug in okscim")),
        }
    };
    for task in tasks {
        while set.len() >= concurrency.max(1) {
            if let Some(joined) = set.join_next().await {
                absorb(joined, &mut stats, &mut learned);
                on_event(LoadEvent::TaskDone);
            }
        }
        set.spawn(task);
    }
    while let Some(joined) = set.join_next().await {
        absorb(joined, &mut stats, &mut learned);
        on_event(LoadEvent::TaskDone);
    }
    let report = PhaseReport {
        name: name.to_string(),
        stats: stats.summary(started.elapsed().as_secs_f64()),
    };
    on_event(LoadEvent::PhaseFinished(&report));
    (report, learned)
}

impl Expected {
    fn learn(&mut self, outcomes: Vec<Outcome>) {
        for o in outcomes {
            match o {
                Outcome::UserId(i, id) => self.user_ids[i] = id,
                Outcome::GroupId(g, id) => self.group_ids[g] = id,
                Outcome::Done => {}
            }
        }
    }
}

/// Runs the load against `client` (the target's base URL and auth).
pub async fn run(
    plan: &LoadPlan,
    client: &ScimClient,
    target_label: &str,
    on_event: &mut dyn FnMut(LoadEvent<'_>),
) -> LoadReport {
    let n = plan.users;
    let mut expected = Expected {
        user_ids: vec![None; n],
        active: vec![true; n],
        titles: vec![None; n],
        group_ids: vec![None; plan.groups],
        members: (0..plan.groups)
            .map(|g| {
                (0..plan.members_per_group.min(n))
                    .map(|j| (g * plan.members_per_group + j) % n.max(1))
                    .collect()
            })
            .collect(),
    };
    let mut phases = Vec::new();
    let okta = plan.okta;
    let app = plan.app;
    let run = plan.run.clone();

    // 1. Assign every user: the lookup by userName, then the create.
    let tasks = (0..n).map(|i| {
        let org = org_for(&[i], None, &run, &expected);
        let client = client.clone();
        Box::pin(async move {
            let mut engine = OktaEngine::new(org, app, okta);
            let alias = user_alias(i);
            let record = engine.assign(&client, &alias).await.unwrap_or_default();
            let id = engine.org.user(&alias).and_then(|u| u.scim_id.clone());
            (format!("assign {alias}"), record, Outcome::UserId(i, id))
        }) as Task
    });
    let (report, learned) = run_phase("assign", n, tasks, plan.concurrency, on_event).await;
    expected.learn(learned);
    phases.push(report);

    // 2. Push every group with its members.
    let tasks = (0..plan.groups).map(|g| {
        let org = org_for(&expected.members[g], Some(g), &run, &expected);
        let client = client.clone();
        Box::pin(async move {
            let mut engine = OktaEngine::new(org, app, okta);
            let alias = group_alias(g);
            let record = engine.push(&client, &alias, None).await.unwrap_or_default();
            let id = engine.org.group(&alias).and_then(|x| x.scim_id.clone());
            (format!("push {alias}"), record, Outcome::GroupId(g, id))
        }) as Task
    });
    let (report, learned) = run_phase("push", plan.groups, tasks, plan.concurrency, on_event).await;
    expected.learn(learned);
    phases.push(report);

    // 3. A wave of profile updates: every 10th user gets a new title.
    let updated: Vec<usize> = (0..n).step_by(10).collect();
    let tasks = updated.iter().map(|&i| {
        let org = org_for(&[i], None, &run, &expected);
        let client = client.clone();
        Box::pin(async move {
            let mut engine = OktaEngine::new(org, app, okta);
            let alias = user_alias(i);
            let mut set = Map::new();
            set.insert("title".into(), Value::String(format!("Title {i}")));
            let record = engine
                .update(&client, &alias, &set)
                .await
                .unwrap_or_default();
            (format!("update {alias}"), record, Outcome::Done)
        }) as Task
    });
    let (report, _) = run_phase("update", updated.len(), tasks, plan.concurrency, on_event).await;
    phases.push(report);
    for &i in &updated {
        expected.titles[i] = Some(format!("Title {i}"));
    }

    // 4. Membership changes: each group loses its first member and gains the two users after
    //    its last one (who are not members yet when M < N). On an OIN app each change is its
    //    own task, the group's three at once, as when several admins or group rules change one
    //    group at the same moment (Okta PATCHes each); an AIW app PUTs the whole list, so its
    //    changes to one group are one task.
    let mut changes: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for g in 0..plan.groups {
        let members = &expected.members[g];
        let (Some(&first), Some(&last)) = (members.first(), members.last()) else {
            continue;
        };
        let mut added: Vec<usize> = Vec::new();
        for k in 1..=2 {
            let newcomer = (last + k) % n.max(1);
            if !members.contains(&newcomer) && !added.contains(&newcomer) {
                added.push(newcomer);
            }
        }
        changes.push((g, first, added));
    }
    // One task: (group, removed user, added users).
    let mut jobs: Vec<(usize, Option<usize>, Vec<usize>)> = Vec::new();
    for (g, removed, added) in &changes {
        if app == AppKind::Oin {
            jobs.push((*g, Some(*removed), vec![]));
            for a in added {
                jobs.push((*g, None, vec![*a]));
            }
        } else {
            jobs.push((*g, Some(*removed), added.clone()));
        }
    }
    let tasks = jobs.iter().map(|(g, removed, added)| {
        let (g, removed, added) = (*g, *removed, added.clone());
        let mut users = expected.members[g].clone();
        users.extend(added.iter().copied());
        let org = org_for(&users, Some(g), &run, &expected);
        let client = client.clone();
        Box::pin(async move {
            let mut engine = OktaEngine::new(org, app, okta);
            let alias = group_alias(g);
            let mut record = ActionRecord::default();
            if let Some(r) = removed {
                record.absorb(
                    engine
                        .remove_members(&client, &alias, &[user_alias(r)])
                        .await
                        .unwrap_or_default(),
                );
            }
            if record.failure.is_none() && !added.is_empty() {
                let aliases: Vec<String> = added.iter().map(|&a| user_alias(a)).collect();
                record.absorb(
                    engine
                        .add_members(&client, &alias, &aliases)
                        .await
                        .unwrap_or_default(),
                );
            }
            (format!("membership {alias}"), record, Outcome::Done)
        }) as Task
    });
    let (report, _) = run_phase("membership", jobs.len(), tasks, plan.concurrency, on_event).await;
    phases.push(report);
    for (g, removed, added) in &changes {
        let members = &mut expected.members[*g];
        members.retain(|m| m != removed);
        members.extend(added.iter().copied());
    }

    // 5. Deactivations: every 20th user, counting from the 5th (so some were updated too).
    let deactivated: Vec<usize> = (5..n).step_by(20).collect();
    let tasks = deactivated.iter().map(|&i| {
        let org = org_for(&[i], None, &run, &expected);
        let client = client.clone();
        Box::pin(async move {
            let mut engine = OktaEngine::new(org, app, okta);
            let alias = user_alias(i);
            let record = engine.deactivate(&client, &alias).await.unwrap_or_default();
            (format!("deactivate {alias}"), record, Outcome::Done)
        }) as Task
    });
    let (report, _) = run_phase(
        "deactivate",
        deactivated.len(),
        tasks,
        plan.concurrency,
        on_event,
    )
    .await;
    phases.push(report);
    for &i in &deactivated {
        expected.active[i] = false;
    }

    // 6. Read everything back and compare with Okta's state.
    let (phase, convergence) =
        converge::read_back(client, &plan.okta, &run, &expected, on_event).await;
    phases.push(phase);

    let mut seconds = 0.0;
    let mut summaries = Vec::new();
    for p in &phases {
        seconds += p.stats.seconds;
        summaries.push(p.stats.clone());
    }
    LoadReport {
        format: "okscim-load/1",
        target: target_label.to_string(),
        users: plan.users,
        groups: plan.groups,
        members_per_group: plan.members_per_group,
        concurrency: plan.concurrency,
        app: plan.app,
        total: combine(&summaries, seconds),
        phases,
        convergence,
    }
}

/// Every phase's figures together (percentiles of the whole come from each kind's worst phase:
/// the histograms are not kept past their phase).
fn combine(phases: &[StatsSummary], seconds: f64) -> StatsSummary {
    let mut kinds: std::collections::BTreeMap<String, KindSummary> = Default::default();
    for p in phases {
        for k in &p.kinds {
            let e = kinds.entry(k.kind.clone()).or_insert_with(|| KindSummary {
                kind: k.kind.clone(),
                requests: 0,
                p50_ms: 0.0,
                p90_ms: 0.0,
                p99_ms: 0.0,
                max_ms: 0.0,
                statuses: Default::default(),
            });
            e.requests += k.requests;
            e.p50_ms = e.p50_ms.max(k.p50_ms);
            e.p90_ms = e.p90_ms.max(k.p90_ms);
            e.p99_ms = e.p99_ms.max(k.p99_ms);
            e.max_ms = e.max_ms.max(k.max_ms);
            for (s, n) in &k.statuses {
                *e.statuses.entry(s.clone()).or_insert(0) += n;
            }
        }
    }
    let requests: u64 = phases.iter().map(|p| p.requests).sum();
    StatsSummary {
        requests,
        seconds,
        requests_per_second: if seconds > 0.0 {
            requests as f64 / seconds
        } else {
            0.0
        },
        tasks: phases.iter().map(|p| p.tasks).sum(),
        failed_tasks: phases.iter().map(|p| p.failed_tasks).sum(),
        failures: phases
            .iter()
            .flat_map(|p| p.failures.iter().cloned())
            .take(20)
            .collect(),
        throttled: phases.iter().map(|p| p.throttled).sum(),
        okta_waited_secs: phases.iter().map(|p| p.okta_waited_secs).sum(),
        kinds: kinds.into_values().collect(),
    }
}
