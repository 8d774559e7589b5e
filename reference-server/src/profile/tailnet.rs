//! The `tailnet` profile: the documented behaviour of Tailscale's Okta integration.
//!
//! Synced groups are referred to in an access policy as `group:<name>`, with the name lowercased.
//! The policy names groups, not group ids, so renaming or deleting a group leaves rules that name
//! a group which no longer exists; those rules fail closed: any question they would answer is
//! denied, and the admin API lists them as problems. The write-side rules (userName equals the
//! primary email, no `@` in group names) live in `resources::validate`.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::Profile;
use crate::errors::ScimError;
use crate::schema::ResourceKind;
use crate::state::SharedState;
use crate::store::{Store, member_ids};

/// One access rule.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Only `accept` exists: anything not accepted is denied.
    pub action: String,
    /// Who: `*`, `autogroup:member`, a user's email, or `group:<name>`.
    pub src: Vec<String>,
    /// Where: `host:ports`, e.g. `tag:logging:*`, `*:*`, `db.internal:5432`, `web:80,443`, `h:8000-8999`.
    pub dst: Vec<String>,
}

/// An access policy document.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Groups defined in the policy itself (`"group:admins": ["a@example.com"]`); synced groups
    /// do not replace them.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
    /// The rules.
    #[serde(default)]
    pub acls: Vec<Rule>,
}

/// A rule that names a group that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The rule's index in `acls`.
    pub rule: usize,
    /// The selector, e.g. `group:engineering`.
    pub group: String,
    /// What to do about it.
    pub detail: String,
}

/// The answer to "may this user reach this destination?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// `allow` or `deny`.
    pub decision: &'static str,
    /// Why.
    pub reason: String,
    /// The rule that decided, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<usize>,
}

impl Policy {
    /// Parses and checks a policy document.
    pub fn from_json(doc: Value) -> Result<Policy, String> {
        let policy: Policy =
            serde_json::from_value(doc).map_err(|e| format!("invalid policy: {e}"))?;
        for (i, rule) in policy.acls.iter().enumerate() {
            if rule.action != "accept" {
                return Err(format!(
                    "acls[{i}]: action must be \"accept\", got \"{}\"",
                    rule.action
                ));
            }
            for dst in &rule.dst {
                if dst.rsplit_once(':').is_none() {
                    return Err(format!(
                        "acls[{i}]: destination \"{dst}\" must be host:ports, e.g. \"tag:web:443\""
                    ));
                }
            }
        }
        for name in policy.groups.keys() {
            if !name.starts_with("group:") {
                return Err(format!("groups: \"{name}\" must start with \"group:\""));
            }
        }
        Ok(policy)
    }

    fn policy_group(&self, selector: &str) -> Option<&Vec<String>> {
        self.groups
            .iter()
            .find(|(k, _)| crate::fold::eq(k, selector))
            .map(|(_, v)| v)
    }

    /// Rules naming a group that is neither defined in the policy nor synced.
    pub fn problems(&self, synced: &SyncedGroups) -> Vec<Problem> {
        let mut out = Vec::new();
        for (i, rule) in self.acls.iter().enumerate() {
            for src in &rule.src {
                if let Some(name) = group_name(src)
                    && self.policy_group(src).is_none()
                    && !synced.contains_key(&name)
                {
                    out.push(Problem {
                        rule: i,
                        group: src.clone(),
                        detail: format!(
                            "acls[{i}] names {src}, but no synced group is called \"{name}\" (renamed or deleted?); the rule fails closed until it names an existing group"
                        ),
                    });
                }
            }
        }
        out
    }

    /// Decides whether `user` (a userName or SCIM id) may reach `destination` (`host:port`).
    pub fn check(&self, store: &Store, user: &str, destination: &str) -> Decision {
        let deny = |reason: String, rule: Option<usize>| Decision {
            decision: "deny",
            reason,
            rule,
        };
        let record = store.get(ResourceKind::User, user).or_else(|| {
            store
                .lookup_eq(ResourceKind::User, "userName", user)?
                .into_iter()
                .next()
        });
        let Some(record) = record else {
            return deny(format!("no user \"{user}\""), None);
        };
        let user_name = &*record.name;
        if record.is_inactive() {
            return deny(
                format!("{user_name} is suspended (deactivated in Okta)"),
                None,
            );
        }
        let synced = synced_groups(store);
        let problems = self.problems(&synced);
        let mut allowed_by = None;
        for (i, rule) in self.acls.iter().enumerate() {
            if !rule.dst.iter().any(|d| destination_matches(d, destination)) {
                continue;
            }
            if let Some(p) = problems.iter().find(|p| p.rule == i) {
                return deny(format!("failing closed: {}", p.detail), Some(i));
            }
            let member = rule.src.iter().any(|src| {
                src == "*"
                    || src == "autogroup:member"
                    || crate::fold::eq(src, user_name)
                    || self
                        .policy_group(src)
                        .is_some_and(|users| users.iter().any(|u| crate::fold::eq(u, user_name)))
                    || group_name(src)
                        .and_then(|n| synced.get(&n))
                        .is_some_and(|members| members.contains(&*record.id))
            });
            if member && allowed_by.is_none() {
                allowed_by = Some(i);
            }
        }
        match allowed_by {
            Some(i) => Decision {
                decision: "allow",
                reason: format!("acls[{i}] accepts {user_name} to {destination}"),
                rule: Some(i),
            },
            None => deny(
                format!("no rule accepts {user_name} to {destination}"),
                None,
            ),
        }
    }
}

/// Synced group name (displayName, case-folded: [`crate::fold`]) → member user ids.
pub type SyncedGroups = BTreeMap<String, BTreeSet<String>>;

/// The groups as the policy sees them: names case-folded.
pub fn synced_groups(store: &Store) -> SyncedGroups {
    store
        .iter(ResourceKind::Group)
        .map(|g| {
            (
                crate::fold::fold(&g.name).into_owned(),
                member_ids(&g.data()).into_iter().collect(),
            )
        })
        .collect()
}

fn group_name(selector: &str) -> Option<String> {
    let (prefix, name) = selector.split_once(':')?;
    prefix
        .eq_ignore_ascii_case("group")
        .then(|| crate::fold::fold(name).into_owned())
}

fn port_matches(pattern: &str, port: &str) -> bool {
    pattern == "*"
        || pattern.split(',').any(|p| match p.split_once('-') {
            Some((lo, hi)) => match (lo.parse::<u32>(), hi.parse::<u32>(), port.parse::<u32>()) {
                (Ok(lo), Ok(hi), Ok(n)) => lo <= n && n <= hi,
                _ => false,
            },
            None => p.trim() == port,
        })
}

fn destination_matches(pattern: &str, destination: &str) -> bool {
    let (Some((ph, pp)), Some((dh, dp))) = (pattern.rsplit_once(':'), destination.rsplit_once(':'))
    else {
        return false;
    };
    (ph == "*" || ph.eq_ignore_ascii_case(dh)) && port_matches(pp, dp)
}

fn require_tailnet(state: &SharedState) -> Result<(), ScimError> {
    if state.profile == Profile::Tailnet {
        Ok(())
    } else {
        Err(ScimError::not_found(
            "the admin API is served only with --profile tailnet",
        ))
    }
}

/// `GET /admin/policy`.
pub async fn get_policy(State(state): State<SharedState>) -> Result<Json<Value>, ScimError> {
    require_tailnet(&state)?;
    let policy = state.policy();
    match policy.as_ref() {
        Some(p) => Ok(Json(serde_json::to_value(p).unwrap_or_default())),
        None => Err(ScimError::not_found(
            "no policy loaded; PUT one to /admin/policy",
        )),
    }
}

/// `PUT /admin/policy`: replaces the policy; answers the problems it has right now.
pub async fn put_policy(
    State(state): State<SharedState>,
    crate::body::ScimBody(doc, _): crate::body::ScimBody,
) -> Result<Json<Value>, ScimError> {
    require_tailnet(&state)?;
    let policy = Policy::from_json(doc).map_err(ScimError::invalid_value)?;
    let problems = policy.problems(&synced_groups(&*state.read().await));
    let rules = policy.acls.len();
    *state.policy() = Some(policy);
    Ok(Json(json!({"rules": rules, "problems": problems})))
}

/// `GET /admin/policy/problems`: rules that name a group that no longer exists.
pub async fn get_problems(State(state): State<SharedState>) -> Result<Json<Value>, ScimError> {
    require_tailnet(&state)?;
    let synced = synced_groups(&*state.read().await);
    let problems = state
        .policy()
        .as_ref()
        .map(|p| p.problems(&synced))
        .unwrap_or_default();
    Ok(Json(json!({"problems": problems})))
}

/// The body of a policy question.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    user: String,
    destination: String,
}

/// `POST /admin/policy/check` with `{"user": "...", "destination": "host:port"}`.
pub async fn check(
    State(state): State<SharedState>,
    crate::body::ScimBody(body, _): crate::body::ScimBody,
) -> Result<Json<Decision>, ScimError> {
    require_tailnet(&state)?;
    let q: Question = serde_json::from_value(body).map_err(|e| {
        ScimError::invalid_syntax(format!(
            "expected {{\"user\": \"…\", \"destination\": \"host:port\"}}: {e}"
        ))
    })?;
    let policy = state.policy().clone().ok_or_else(|| {
        ScimError::new(
            StatusCode::CONFLICT,
            "no policy loaded; PUT one to /admin/policy",
        )
    })?;
    let store = state.read().await;
    Ok(Json(policy.check(&store, &q.user, &q.destination)))
}

/// `GET /admin/groups`: the synced groups as the policy sees them.
pub async fn groups(State(state): State<SharedState>) -> Result<Json<Value>, ScimError> {
    require_tailnet(&state)?;
    let store = state.read().await;
    let groups: Vec<Value> = store
        .iter(ResourceKind::Group)
        .map(|g| {
            let display = &*g.name;
            let members: Vec<&str> = member_ids(&g.data())
                .iter()
                .filter_map(|id| store.get(ResourceKind::User, id))
                .map(|u| &*u.name)
                .collect();
            json!({
                "id": g.id,
                "displayName": display,
                "selector": format!("group:{}", display.to_lowercase()),
                "members": members,
            })
        })
        .collect();
    Ok(Json(json!({"groups": groups})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_match_hosts_and_ports() {
        assert!(destination_matches("tag:logging:*", "tag:logging:443"));
        assert!(destination_matches("*:*", "db:5432"));
        assert!(destination_matches("web:80,443", "web:443"));
        assert!(destination_matches("h:8000-8999", "h:8080"));
        assert!(!destination_matches("h:8000-8999", "h:9000"));
        assert!(!destination_matches("tag:logging:*", "tag:web:443"));
    }

    #[test]
    fn policy_rejects_bad_documents() {
        assert!(
            Policy::from_json(json!({"acls": [{"action": "drop", "src": [], "dst": []}]})).is_err()
        );
        assert!(Policy::from_json(json!({"acls": [], "extra": 1})).is_err());
        assert!(Policy::from_json(json!({"groups": {"admins": []}})).is_err());
        assert!(
            Policy::from_json(
                json!({"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]})
            )
            .is_ok()
        );
    }
}
