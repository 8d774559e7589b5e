//! Opt-in misbehaviours (`--fault NAME`), each a real-world bug from okta-reference.md §3, switched on
//! at the code path where the real bug lives. They exist so the harness can prove it catches each
//! one; with no fault switched on the server is conformant. Legal behaviours the harness must
//! pass are [`crate::variants`], not faults.

use std::fmt;
use std::str::FromStr;

use crate::errors::ServerError;

macro_rules! faults {
    ($( $variant:ident = $name:literal : $about:literal ,)*) => {
        /// One misbehaviour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $(
                #[doc = $about]
                $variant,
            )*
        }

        impl Fault {
            /// Every fault, in listing order.
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            /// The `--fault` name.
            pub fn name(self) -> &'static str {
                match self { $(Fault::$variant => $name,)* }
            }

            /// One line saying what goes wrong.
            pub fn about(self) -> &'static str {
                match self { $(Fault::$variant => $about,)* }
            }
        }
    };
}

faults! {
    PatchPathlessIgnored = "patch-pathless-ignored":
        "PATCH operations without a `path` are answered 200 but change nothing (Okta's deactivate and rename are lost)",
    FilterUsernameCaseSensitive = "filter-username-case-sensitive":
        "the userName filter compares case-sensitively, so Okta's lookup misses an existing user",
    ListCountsAsStrings = "list-counts-as-strings":
        "ListResponse totalResults, startIndex and itemsPerPage are JSON strings, not integers",
    CreateReturns200 = "create-returns-200":
        "POST answers 200 OK instead of 201 Created",
    CreateEmptyBody = "create-empty-body":
        "POST /Users answers 201 with an empty body (Okta: 'Create new user returned empty user')",
    UsernameLowercased = "username-lowercased":
        "userName is lowercased when stored, so it is not echoed exactly as sent",
    MemberFilterRemoveIgnored = "member-filter-remove-ignored":
        "`remove` with a `members[value eq \"…\"]` path answers 200 and keeps the member",
    MemberFilterRemoveWipes = "member-filter-remove-wipes":
        "`remove` with a `members[value eq \"…\"]` path removes every member",
    ReplaceMembersEmptyIgnored = "replace-members-empty-ignored":
        "`replace` of members with `[]` (Push Now on an empty group) is ignored",
    RenameRejectsId = "rename-rejects-id":
        "a path-less replace whose value carries `id` (Okta's rename) is rejected as read-only",
    PlainTextErrors = "plain-text-errors":
        "errors are answered as text/plain instead of a SCIM Error JSON body",
    DeactivatedUsersHidden = "deactivated-users-hidden":
        "users with active=false answer 404 on GET and vanish from lists",
    AddMembersReplaces = "add-members-replaces":
        "`add` of members replaces the member list instead of appending to it",
    MembershipLostUpdate = "membership-lost-update":
        "group membership PATCH reads, then writes later without a lock, so concurrent updates are lost",
    MemberRequiresType = "member-requires-type":
        "members without `type: User` are silently dropped (Okta never sends `type`)",
    RejectScimContentType = "reject-scim-content-type":
        "bodies sent as application/scim+json are refused with 415",
    RejectReadOnlyInPut = "reject-read-only-in-put":
        "PUT bodies that round-trip `id`, `meta` or `groups` are refused with 400",
    DuplicateCreateAllowed = "duplicate-create-allowed":
        "a second POST with an existing userName creates another user instead of answering 409",
    IgnorePaging = "ignore-paging":
        "list requests ignore startIndex and count and return every resource",
    DeleteOnDeactivate = "delete-on-deactivate":
        "deactivation (active=false) deletes the user instead of keeping it readable",
    BearerOnly = "bearer-only":
        "only `Authorization: Bearer <token>` is accepted; Okta's raw header form gets 401",
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(f) = Fault::ALL.iter().copied().find(|f| f.name() == s) {
            return Ok(f);
        }
        // `status-as-number` was a fault once; a variant's name gets pointed at `--variant`.
        if crate::variants::Variant::ALL.iter().any(|v| v.name() == s) {
            return Err(ServerError::WrongSwitch {
                name: s.to_string(),
                kind: "variant",
                other: "fault",
            });
        }
        Err(ServerError::UnknownFault(s.to_string()))
    }
}

/// The set of faults switched on.
pub type Faults = crate::switches::Switches<Fault>;

/// The text `--fault list` prints: one fault a line.
pub fn listing() -> String {
    let width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
    Fault::ALL
        .iter()
        .map(|f| format!("{:width$}  {}\n", f.name(), f.about()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>().unwrap(), *f);
            assert!(seen.insert(f.name()));
        }
        assert!(Fault::ALL.len() >= 12);
        assert!("no-such-fault".parse::<Fault>().is_err());
        let e = "status-as-number".parse::<Fault>().unwrap_err().to_string();
        assert!(e.contains("--variant status-as-number"), "{e}");
    }
}
