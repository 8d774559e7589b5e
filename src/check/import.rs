//! How Okta reads the resources of an import page (okta-reference.md §1.2, §1.14): one outcome
//! per rule for the whole page, naming how many resources break it and the first that does.

use serde_json::Value;

use super::outcome::{Check, CheckOutcome};
use super::registry::{IMPORT_GROUP, IMPORT_MEMBER_DISPLAY, IMPORT_USER};

fn non_empty_str(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

fn id_of(item: &Value) -> String {
    item.get("id")
        .map_or_else(|| "(no id)".to_string(), Value::to_string)
}

/// What a user lacks of what Okta reads, in the order Okta's SPEC test asserts it.
fn user_gaps(user: &Value) -> Vec<&'static str> {
    let mut gaps = Vec::new();
    if !non_empty_str(user.get("id")) {
        gaps.push("id");
    }
    if !non_empty_str(user.get("userName")) {
        gaps.push("userName");
    }
    if !non_empty_str(user.pointer("/name/givenName")) {
        gaps.push("name.givenName");
    }
    if !non_empty_str(user.pointer("/name/familyName")) {
        gaps.push("name.familyName");
    }
    if !non_empty_str(user.pointer("/emails/0/value")) {
        gaps.push("emails[0].value");
    }
    if !user.get("active").is_some_and(Value::is_boolean) {
        gaps.push("a boolean active");
    }
    gaps
}

/// What a group lacks of what Okta reads.
fn group_gaps(group: &Value) -> Vec<&'static str> {
    let mut gaps = Vec::new();
    if !non_empty_str(group.get("id")) {
        gaps.push("id");
    }
    if !non_empty_str(group.get("displayName")) {
        gaps.push("displayName");
    }
    match group.get("members") {
        None | Some(Value::Null) => {}
        Some(Value::Array(members)) => {
            if !members
                .iter()
                .all(|m| m.get("value").is_some_and(Value::is_string))
            {
                gaps.push("a string value on each member");
            }
        }
        Some(_) => gaps.push("members as an array"),
    }
    gaps
}

/// One outcome for `check` over `items`: how many break it and what the first lacks.
fn judge_each(
    check: Check,
    items: &[&Value],
    expected: &str,
    gaps: impl Fn(&Value) -> Vec<&'static str>,
) -> CheckOutcome {
    let mut failing = 0usize;
    let mut first = None;
    for item in items {
        let g = gaps(item);
        if !g.is_empty() {
            failing += 1;
            first.get_or_insert_with(|| format!("{} lacks {}", id_of(item), g.join(", ")));
        }
    }
    let actual = match first {
        None => format!("all {} have it", items.len()),
        Some(f) => format!("{failing} of {} do not; {f}", items.len()),
    };
    check.judge(failing == 0, expected, actual)
}

/// What Okta reads of each resource on one import page (users or groups), one outcome per rule.
pub fn judge_import_items(groups: bool, items: &[Value]) -> Vec<CheckOutcome> {
    let mut out = Vec::new();
    if groups {
        judge_groups(items, &mut out);
    } else {
        judge_users(items, &mut out);
    }
    out
}

/// The users of an import page Okta imports (not those with `active: false`).
pub(super) fn judge_users(items: &[Value], out: &mut Vec<CheckOutcome>) {
    let importable: Vec<&Value> = items
        .iter()
        .filter(|u| u.get("active") != Some(&Value::Bool(false)))
        .collect();
    if importable.is_empty() {
        return;
    }
    out.push(judge_each(
        IMPORT_USER,
        &importable,
        "each user with id, userName, name.givenName, name.familyName, emails[0].value and a boolean active",
        user_gaps,
    ));
}

/// The groups of an import page.
pub(super) fn judge_groups(items: &[Value], out: &mut Vec<CheckOutcome>) {
    if items.is_empty() {
        return;
    }
    let groups: Vec<&Value> = items.iter().collect();
    out.push(judge_each(
        IMPORT_GROUP,
        &groups,
        "each group with id, displayName, and members as [{value, display}]",
        group_gaps,
    ));
    let with_members: Vec<&Value> = groups
        .iter()
        .copied()
        .filter(|g| {
            g.get("members")
                .and_then(Value::as_array)
                .is_some_and(|m| !m.is_empty())
        })
        .collect();
    if !with_members.is_empty() {
        out.push(judge_each(
            IMPORT_MEMBER_DISPLAY,
            &with_members,
            "a display on each member",
            |g| {
                let all = g.get("members").and_then(Value::as_array).is_some_and(|m| {
                    m.iter()
                        .all(|m| m.get("display").is_some_and(Value::is_string))
                });
                if all {
                    vec![]
                } else {
                    vec!["a display on a member"]
                }
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({"id": "1", "userName": "a@b", "name": {"givenName": "A", "familyName": "B"},
               "emails": [{"value": "a@b", "primary": true}], "active": true})
    }

    #[test]
    fn a_whole_user_passes_and_each_missing_attribute_fails() {
        let mut out = Vec::new();
        judge_users(&[user()], &mut out);
        assert!(out.iter().all(|c| c.passed), "{out:?}");
        for (pointer, named) in [
            ("/id", "id"),
            ("/userName", "userName"),
            ("/name/givenName", "name.givenName"),
            ("/emails/0/value", "emails[0].value"),
            ("/active", "a boolean active"),
        ] {
            let mut u = user();
            *u.pointer_mut(pointer).expect("present") = json!("");
            let mut out = Vec::new();
            judge_users(&[user(), u], &mut out);
            assert!(out[0].is_failure(), "{pointer}");
            assert!(
                out[0].actual.contains(named) && out[0].actual.starts_with("1 of 2"),
                "{}",
                out[0].actual
            );
        }
    }

    #[test]
    fn inactive_users_are_not_imported_so_not_judged() {
        let mut out = Vec::new();
        judge_users(&[json!({"id": "9", "active": false})], &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn groups_need_a_name_and_readable_members_and_display_is_advisory() {
        let good =
            json!({"id": "g", "displayName": "G", "members": [{"value": "1", "display": "a"}]});
        let mut out = Vec::new();
        judge_groups(
            &[good.clone(), json!({"id": "h", "displayName": "H"})],
            &mut out,
        );
        assert!(out.iter().all(|c| c.passed), "{out:?}");
        let mut out = Vec::new();
        judge_groups(
            &[json!({"id": "g", "members": [{"display": "a"}]})],
            &mut out,
        );
        assert!(out[0].is_failure() && out[0].actual.contains("displayName"));
        let mut out = Vec::new();
        judge_groups(
            &[json!({"id": "g", "displayName": "G", "members": [{"value": "1"}]})],
            &mut out,
        );
        assert!(!out[0].is_failure());
        assert_eq!(out[1].id, "okta.import.member-display");
        assert!(!out[1].passed && !out[1].is_failure());
    }
}
