//! The catalogue: every check okscim makes, in one list. docs/checks.md, the catalogue test and
//! the sources test read it; a check that is not here does not exist.

use super::expect::{BODY, HEADER, JSONPATH, OUTCOME, REQUESTS, STATUS};
use super::okta::{
    ACTIVE_APPLIED, COMPLETE, CREATE_ACTIVE, CREATE_BODY, CREATE_ID, CREATE_NAME, CREATE_STATUS,
    CREATE_USER_NAME, DELETE_STATUS, ERROR_BODY, FIND_MATCH, FIND_UNIQUE, IMPORT_STABLE_ORDER,
    LIST_INTEGERS, LIST_JSON, LIST_RESOURCES, LIST_STATUS, PATCH_STATUS, PUT_STATUS, REACHABLE,
    READ_ACTIVE, READ_ID, READ_STATUS,
};
use super::outcome::Check;
use super::rfc::{
    CONTENT_TYPE, ERROR_SCHEMA, ERROR_STATUS, ETAG, JSON_BODY, LIST_SCHEMA, LOCATION, NO_PASSWORD,
    RESOURCE_META, RESOURCE_SCHEMAS,
};

/// Every check, `okta` first, then `rfc`, then `expect`.
pub const ALL: &[Check] = &[
    REACHABLE,
    COMPLETE,
    ERROR_BODY,
    LIST_STATUS,
    LIST_JSON,
    LIST_INTEGERS,
    LIST_RESOURCES,
    FIND_MATCH,
    FIND_UNIQUE,
    CREATE_STATUS,
    CREATE_BODY,
    CREATE_ID,
    CREATE_USER_NAME,
    CREATE_ACTIVE,
    CREATE_NAME,
    READ_STATUS,
    READ_ID,
    READ_ACTIVE,
    PUT_STATUS,
    PATCH_STATUS,
    ACTIVE_APPLIED,
    DELETE_STATUS,
    IMPORT_STABLE_ORDER,
    CONTENT_TYPE,
    JSON_BODY,
    ERROR_SCHEMA,
    ERROR_STATUS,
    RESOURCE_SCHEMAS,
    RESOURCE_META,
    LOCATION,
    LIST_SCHEMA,
    NO_PASSWORD,
    ETAG,
    STATUS,
    BODY,
    JSONPATH,
    HEADER,
    OUTCOME,
    REQUESTS,
];

/// The check with this id.
pub fn by_id(id: &str) -> Option<&'static Check> {
    ALL.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckKind;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_named_after_their_kind() {
        let mut seen = BTreeSet::new();
        for c in ALL {
            assert!(seen.insert(c.id), "{} twice", c.id);
            let prefix = match c.kind {
                CheckKind::Okta => "okta.",
                CheckKind::Rfc => "rfc.",
                CheckKind::Expect => "expect.",
            };
            assert!(c.id.starts_with(prefix), "{}", c.id);
            assert!(!c.source.is_empty(), "{}", c.id);
        }
        assert_eq!(
            by_id("okta.create.status").map(|c| c.id),
            Some("okta.create.status")
        );
        assert!(by_id("okta.no-such-check").is_none());
    }
}
