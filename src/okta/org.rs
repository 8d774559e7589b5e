//! Okta's side of the world: users with their status and app assignment, groups with their
//! push link, and the SCIM ids Okta stored.

use serde_json::{Map, Value};

use super::wire::Member;
use crate::http::Secret;

/// An Okta user's lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Created, not activated.
    Staged,
    /// Active.
    Active,
    /// Suspended in Okta (no SCIM request; the app keeps the user).
    Suspended,
    /// Deactivated in Okta.
    Deactivated,
}

/// An Okta user and its app assignment.
#[derive(Debug, Clone)]
pub struct OktaUser {
    /// The scenario's alias.
    pub alias: String,
    /// Okta's own id (`00u…`), sent as `externalId`.
    pub okta_id: String,
    /// The app username sent as `userName`.
    pub user_name: String,
    /// Primary email.
    pub email: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Display name.
    pub display_name: String,
    /// Locale.
    pub locale: String,
    /// Extra mapped attributes.
    pub extra: Map<String, Value>,
    /// Okta status.
    pub status: UserStatus,
    /// Assigned to the app (directly).
    pub assigned: bool,
    /// The groups assigned to the app that assign this user (group-based assignment).
    pub assigned_by_groups: Vec<String>,
    /// The SCIM id Okta stored after create or link.
    pub scim_id: Option<String>,
    /// Whether Okta last set the app user active.
    pub app_active: bool,
    /// The placeholder password Okta sends on create.
    pub password: Secret,
    /// The password a `sync-password` sends (made up front, so that it is a known secret,
    /// redacted wherever it is recorded).
    pub synced_password: Secret,
}

impl OktaUser {
    /// Assigned to the app, directly or through a group.
    pub fn is_assigned(&self) -> bool {
        self.assigned || !self.assigned_by_groups.is_empty()
    }

    /// Whether Okta would push this user as a group member: assigned, provisioned, active.
    pub fn pushable(&self) -> bool {
        self.is_assigned()
            && self.status == UserStatus::Active
            && self.app_active
            && self.scim_id.is_some()
    }

    /// The member item Okta sends for this user.
    pub fn member(&self) -> Option<Member> {
        self.scim_id.as_ref().map(|id| Member {
            value: id.clone(),
            display: self.user_name.clone(),
        })
    }
}

/// An Okta group and its push link.
#[derive(Debug, Clone)]
pub struct OktaGroup {
    /// The scenario's alias.
    pub alias: String,
    /// Okta's own id (`00g…`).
    pub okta_id: String,
    /// The name in Okta.
    pub name: String,
    /// Okta-side members (user aliases), in the order they were added.
    pub members: Vec<String>,
    /// Pushed (or linked) to the app.
    pub pushed: bool,
    /// Assigned to the app (its members are provisioned).
    pub assigned: bool,
    /// The push is deactivated ("Deactivate group push"): Okta keeps the link but sends no
    /// change until the push is activated again.
    pub paused: bool,
    /// The SCIM id of the app group.
    pub scim_id: Option<String>,
}

/// The simulated Okta org.
#[derive(Debug, Clone, Default)]
pub struct OktaOrg {
    /// Users, in fixture order.
    pub users: Vec<OktaUser>,
    /// Groups, in fixture order.
    pub groups: Vec<OktaGroup>,
    /// The name each pushed or linked group has in the app, as far as Okta knows: with "rename
    /// app groups" off it stays the name it was pushed or linked with.
    pub app_group_names: std::collections::BTreeMap<String, String>,
    /// Every SCIM id Okta learned, as `(alice.id, value)`, in order; an alias that got a second
    /// id (the app lost the first) is recorded as `alice.id-2`.
    pub learned_ids: Vec<(String, String)>,
    /// The active users the last user import showed (what Okta matches and confirms).
    pub imported: Vec<Value>,
    /// Provisioning switched off for the app (`disable-provisioning`): Okta sends nothing.
    pub provisioning_off: bool,
    /// Group Push rules by name.
    pub push_rules: std::collections::BTreeMap<String, PushRule>,
}

/// A Group Push rule.
#[derive(Debug, Clone, Default)]
pub struct PushRule {
    /// The groups the rule pushed (those it matched that were not pushed yet).
    pub pushed: Vec<String>,
    /// Active (pushing new matches) or deactivated.
    pub active: bool,
}

impl OktaOrg {
    /// A user by alias.
    pub fn user(&self, alias: &str) -> Option<&OktaUser> {
        self.users.iter().find(|u| u.alias == alias)
    }

    /// A user by alias, mutably.
    pub fn user_mut(&mut self, alias: &str) -> Option<&mut OktaUser> {
        self.users.iter_mut().find(|u| u.alias == alias)
    }

    /// A group by alias.
    pub fn group(&self, alias: &str) -> Option<&OktaGroup> {
        self.groups.iter().find(|g| g.alias == alias)
    }

    /// A group by alias, mutably.
    pub fn group_mut(&mut self, alias: &str) -> Option<&mut OktaGroup> {
        self.groups.iter_mut().find(|g| g.alias == alias)
    }

    /// Records that `alias` (a fixture) got the SCIM id `id`.
    pub fn remember(&mut self, alias: &str, id: &str) {
        let base = format!("{alias}.id");
        let same_alias: Vec<&(String, String)> = self
            .learned_ids
            .iter()
            .filter(|(n, _)| n == &base || n.starts_with(&format!("{base}-")))
            .collect();
        if id.is_empty() || same_alias.iter().any(|(_, v)| v == id) {
            return;
        }
        let name = if same_alias.is_empty() {
            base
        } else {
            format!("{base}-{}", same_alias.len() + 1)
        };
        self.learned_ids.push((name, id.to_string()));
    }

    /// Every alias → value pair a snapshot can use: SCIM ids and Okta's own ids.
    pub fn aliases(&self) -> Vec<(String, String)> {
        let mut out = self.learned_ids.clone();
        for u in &self.users {
            out.push((format!("{}.oktaId", u.alias), u.okta_id.clone()));
        }
        for g in &self.groups {
            out.push((format!("{}.oktaId", g.alias), g.okta_id.clone()));
        }
        out
    }

    /// The member items Okta would push for `group` (pushable members only).
    pub fn pushed_members(&self, group: &OktaGroup) -> Vec<Member> {
        group
            .members
            .iter()
            .filter_map(|alias| self.user(alias))
            .filter(|u| u.pushable())
            .filter_map(OktaUser::member)
            .collect()
    }

    /// The member items for some users of `aliases` (pushable ones only).
    pub fn members_of(&self, aliases: &[String]) -> Vec<Member> {
        aliases
            .iter()
            .filter_map(|alias| self.user(alias))
            .filter(|u| u.pushable())
            .filter_map(OktaUser::member)
            .collect()
    }
}

/// A random id in Okta's style: a three-letter prefix and 17 alphanumerics.
pub fn okta_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut s = prefix.to_string();
    for _ in 0..17 {
        let i = rand::random_range(0..ALPHABET.len());
        s.push(ALPHABET[i] as char);
    }
    s
}

/// Okta's placeholder password: eight lowercase alphanumerics (like `1mz050nq`).
pub fn placeholder_password() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..8)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}
