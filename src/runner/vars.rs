//! The variables of one scenario run: `${run}`, the fixtures' `${alice.id}`-style values and
//! the captures.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::okta::OktaOrg;
use crate::scenario::Vars;

/// Variables visible to templates.
#[derive(Debug, Clone)]
pub struct RunVars<'a> {
    /// The per-run token.
    pub run: &'a str,
    /// Okta's state (ids appear once Okta stored them).
    pub org: &'a OktaOrg,
    /// Captured values (JSON: a capture keeps the type of what it matched).
    pub captures: &'a BTreeMap<String, Value>,
}

impl Vars for RunVars<'_> {
    fn value(&self, name: &str) -> Option<Value> {
        self.captures.get(name).cloned()
    }

    fn var(&self, name: &str) -> Option<Cow<'_, str>> {
        if name == "run" {
            return Some(Cow::Borrowed(self.run));
        }
        if let Some(v) = self.captures.get(name) {
            return Some(match v {
                Value::String(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(other.to_string()),
            });
        }
        let (alias, field) = name.split_once('.')?;
        // The id Okta holds; after an unlink, the id the resource had.
        let learned = || {
            self.org
                .learned_ids
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| Cow::Borrowed(v.as_str()))
        };
        if let Some(u) = self.org.user(alias) {
            return match field {
                "id" => u.scim_id.as_deref().map(Cow::Borrowed).or_else(learned),
                "userName" => Some(Cow::Borrowed(u.user_name.as_str())),
                "email" => Some(Cow::Borrowed(u.email.as_str())),
                "oktaId" => Some(Cow::Borrowed(u.okta_id.as_str())),
                _ => None,
            };
        }
        if let Some(g) = self.org.group(alias) {
            return match field {
                "id" => g.scim_id.as_deref().map(Cow::Borrowed).or_else(learned),
                "name" => Some(Cow::Borrowed(g.name.as_str())),
                _ => None,
            };
        }
        None
    }
}
