//! Opt-in legal behaviours (`--variant NAME`): the mirror of [`crate::faults`]. A fault is a
//! real-world bug the harness must fail; a variant is behaviour that RFC 7643/7644 allow (or that
//! Okta accepts although the RFC words it otherwise), seen in real servers, which the harness must
//! pass. Each is switched on at the code path it changes; with no variant switched on the server
//! behaves as documented in docs/reference-server.md.

use std::fmt;
use std::str::FromStr;

use crate::errors::ServerError;
use crate::faults::Fault;

macro_rules! variants {
    ($( $variant:ident = $name:literal {
        about: $about:literal,
        why: $why:literal,
        rfc: $rfc:literal $(,)?
    } )*) => {
        /// One legal behaviour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Variant {
            $(
                #[doc = $about]
                $variant,
            )*
        }

        impl Variant {
            /// Every variant, in listing order.
            pub const ALL: &'static [Variant] = &[$(Variant::$variant,)*];

            /// The `--variant` name.
            pub fn name(self) -> &'static str {
                match self { $(Variant::$variant => $name,)* }
            }

            /// One line saying what the server does differently.
            pub fn about(self) -> &'static str {
                match self { $(Variant::$variant => $about,)* }
            }

            /// Why it is legal and why Okta accepts it.
            pub fn why(self) -> &'static str {
                match self { $(Variant::$variant => $why,)* }
            }

            /// The RFC sections that allow it.
            pub fn rfc(self) -> &'static str {
                match self { $(Variant::$variant => $rfc,)* }
            }
        }
    };
}

variants! {
    NoEtags = "no-etags" {
        about: "no ETag headers and no `meta.version`; If-Match and If-None-Match are ignored (ServiceProviderConfig says etag.supported false)",
        why: "versioning is optional and advertised in ServiceProviderConfig; Okta never sends If-Match or If-None-Match and never reads an ETag",
        rfc: "RFC 7644 §3.14; RFC 7643 §3.1 (meta.version), §5 (etag)",
    }
    Patch204 = "patch-204" {
        about: "a successful PATCH answers 204 No Content with no body (the ETag header is still sent)",
        why: "the RFC lets a PATCH answer 204 instead of 200 with the resource; Okta accepts either for user and group PATCH (okta-reference.md §1.5, §1.10, §1.11)",
        rfc: "RFC 7644 §3.5.2",
    }
    NoLocation = "no-location" {
        about: "201 Created carries no Location header; meta.location in the body still names the resource",
        why: "Okta reads the new resource's id from the body, never the Location header; the same URI is in meta.location",
        rfc: "RFC 7644 §3.3 (asks for both; meta.location is kept), RFC 7643 §3.1",
    }
    IntegerIds = "integer-ids" {
        about: "ids are \"1\", \"2\", \"3\", …: one counter shared by users and groups, never reused",
        why: "an id is any string the server chooses, unique across all its resources and never reassigned; Okta treats ids as opaque strings",
        rfc: "RFC 7643 §3.1 (id)",
    }
    NoScimType = "no-scim-type" {
        about: "error bodies never carry `scimType`",
        why: "scimType is optional; Okta acts on the HTTP status and shows `detail` to the admin",
        rfc: "RFC 7644 §3.12 (scimType is OPTIONAL)",
    }
    StatusAsNumber = "status-as-number" {
        about: "error bodies carry `status` as a JSON number instead of a string",
        why: "Okta's provisioning reads only the HTTP status; the RFC words status as a string, and Okta's SPEC test compares the strings \"401\" and \"404\", so the SPEC test scenario fails on it (everywhere else it is advisory)",
        rfc: "RFC 7644 §3.12 (a string there: legal enough, not conformant)",
    }
    NoGroupsAttribute = "no-groups-attribute" {
        about: "users are rendered without the read-only `groups` attribute",
        why: "groups is an optional read-only attribute; Okta manages membership through /Groups and never reads User.groups",
        rfc: "RFC 7643 §4.1.2",
    }
    PageSize50 = "page-size-50" {
        about: "list responses hold at most 50 resources (itemsPerPage 50 for count=100 or no count; filter.maxResults is 50); totalResults stays the true total",
        why: "a server may return fewer results than count asks for; the client pages on with startIndex until totalResults",
        rfc: "RFC 7644 §3.4.2.4; RFC 7643 §5 (filter.maxResults)",
    }
    UnknownMembersAccepted = "unknown-members-accepted" {
        about: "group members whose value names no existing user or group are dropped silently (200/201) instead of answered 400 invalidValue",
        why: "the RFC does not require a server to reject members it cannot resolve; Okta pushes only members it provisioned and reads no error either way",
        rfc: "RFC 7643 §4.2 (members); RFC 7644 §3.5.2",
    }
    PutOnly = "put-only" {
        about: "PATCH on /Users and /Groups answers 501 Not Implemented (use PUT); ServiceProviderConfig says patch.supported false",
        why: "PATCH is optional and advertised in ServiceProviderConfig; Okta's AIW (custom) apps only GET and PUT (okta-reference.md §3.19); an OIN PATCH app fails on it",
        rfc: "RFC 7644 §3.5.2; RFC 7643 §5 (patch.supported)",
    }
    Entitlements = "entitlements" {
        about: "/ResourceTypes also lists Okta's Role and Entitlement resource types, served read-only and paged at /Roles (3 roles) and /Entitlements (2 licenses of type License)",
        why: "a server may offer resource types beyond User and Group; Okta's entitlement discovery and its Entitlements SPEC test read those with Okta's Role or Entitlement schema URN (okta-reference.md §2.5)",
        rfc: "RFC 7643 §6 (resource types); RFC 7644 §4 (/ResourceTypes), §3.4.2 (lists)",
    }
    ConnectionClose = "connection-close" {
        about: "every response carries `Connection: close` and the server closes the connection after it",
        why: "a server may close a connection after any response; Okta's client opens a new one for the next request",
        rfc: "RFC 9112 §9.6 (was RFC 7230 §6.6)",
    }
    RateLimit = "rate-limit" {
        about: "authenticated requests beyond the configured rate (`--rate-limit`, 20 a second by default) are answered 429 with `Retry-After: 1` and a SCIM Error body",
        why: "a server may throttle a client; Okta pauses the task, waits as an integer Retry-After says and sends the request again (okta-reference.md §4.1)",
        rfc: "RFC 6585 §4 (429 Too Many Requests, Retry-After); RFC 7644 §3.12 (error body)",
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Variant {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(v) = Variant::ALL.iter().copied().find(|v| v.name() == s) {
            return Ok(v);
        }
        if Fault::ALL.iter().any(|f| f.name() == s) {
            return Err(ServerError::WrongSwitch {
                name: s.to_string(),
                kind: "fault",
                other: "variant",
            });
        }
        Err(ServerError::UnknownVariant {
            name: s.to_string(),
            did_you_mean: suggest(s, Variant::ALL.iter().map(|v| v.name())),
        })
    }
}

/// The closest known name to `given`, if it is close enough to be a typo (or names a part of
/// it, as `etags` does `no-etags`).
pub fn suggest(given: &str, known: impl Iterator<Item = &'static str>) -> Option<&'static str> {
    let given = given.trim().to_ascii_lowercase();
    if given.is_empty() {
        return None;
    }
    known
        .map(|k| (edit_distance(&given, k), k))
        .filter(|(d, k)| {
            *d <= (k.len() / 3).max(2) || (given.len() >= 4 && k.contains(given.as_str()))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The set of variants switched on.
pub type Variants = crate::switches::Switches<Variant>;

/// The text `--variant list` prints: one variant a line.
pub fn listing() -> String {
    let width = Variant::ALL
        .iter()
        .map(|v| v.name().len())
        .max()
        .unwrap_or(0);
    Variant::ALL
        .iter()
        .map(|v| format!("{:width$}  {}\n", v.name(), v.about()))
        .collect()
}

/// The Markdown table of docs/reference-server.md: name, what it does, why Okta accepts it,
/// and the RFC sections (a test keeps the docs in step with it).
pub fn doc_table() -> String {
    let mut out = String::from(
        "| variant | what the server does | why it is legal and Okta accepts it | RFC |\n|---|---|---|---|\n",
    );
    for v in Variant::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            v.name(),
            v.about().replace('|', "\\|"),
            v.why().replace('|', "\\|"),
            v.rfc()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for v in Variant::ALL {
            assert_eq!(v.name().parse::<Variant>().unwrap(), *v);
            assert_eq!(v.to_string(), v.name());
            assert!(seen.insert(v.name()), "duplicate name {}", v.name());
            assert!(!v.about().is_empty() && !v.why().is_empty() && v.rfc().contains("RFC"));
        }
        assert_eq!(Variant::ALL.len(), 13);
        // A variant and a fault never share a name.
        for f in Fault::ALL {
            assert!(
                !seen.contains(f.name()),
                "{f} is both a fault and a variant"
            );
        }
    }

    #[test]
    fn listing_shows_every_variant_one_a_line() {
        let text = listing();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), Variant::ALL.len());
        for (line, v) in lines.iter().zip(Variant::ALL) {
            assert_eq!(line.split_whitespace().next(), Some(v.name()), "{line}");
            assert!(line.ends_with(v.about()), "{line}");
        }
        let table = doc_table();
        for v in Variant::ALL {
            assert!(table.contains(&format!("| `{}` |", v.name())), "{table}");
        }
    }

    #[test]
    fn unknown_names_are_typed_errors_with_a_hint() {
        match "no-etag".parse::<Variant>() {
            Err(ServerError::UnknownVariant { name, did_you_mean }) => {
                assert_eq!(name, "no-etag");
                assert_eq!(did_you_mean, Some("no-etags"));
            }
            other => panic!("{other:?}"),
        }
        let e = "patch204".parse::<Variant>().unwrap_err().to_string();
        assert!(e.contains("did you mean 'patch-204'"), "{e}");
        assert!(e.contains("--variant list"), "{e}");
        let e = "zzzzzzzzzzzzzzzz"
            .parse::<Variant>()
            .unwrap_err()
            .to_string();
        assert!(!e.contains("did you mean"), "{e}");
        assert!(e.contains("--variant list"), "{e}");
        match "bearer-only".parse::<Variant>() {
            Err(ServerError::WrongSwitch { kind: "fault", .. }) => {}
            other => panic!("{other:?}"),
        }
        let e = "bearer-only".parse::<Variant>().unwrap_err().to_string();
        assert!(e.contains("--fault bearer-only"), "{e}");
    }

    /// docs/reference-server.md carries `doc_table()` between its markers.
    #[test]
    fn the_docs_table_is_up_to_date() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reference-server.md");
        let text = std::fs::read_to_string(&path).expect("docs/reference-server.md");
        let begin = text.find("<!-- variants:begin").expect("the begin marker");
        let body = begin + text[begin..].find("-->\n").expect("the marker's end") + 4;
        let end = text.find("<!-- variants:end -->").expect("the end marker");
        let table = doc_table();
        if std::env::var_os("OKSCIM_UPDATE_DOCS").is_some() {
            let updated = format!("{}{table}{}", &text[..body], &text[end..]);
            std::fs::write(&path, updated).expect("write the docs");
            return;
        }
        assert_eq!(
            &text[body..end],
            table,
            "docs/reference-server.md is out of date; regenerate it with OKSCIM_UPDATE_DOCS=1 cargo test -p okscim-reference-server variants"
        );
    }

    #[test]
    fn sets_collect_and_answer() {
        let set: Variants = [Variant::NoEtags, Variant::PutOnly, Variant::NoEtags]
            .into_iter()
            .collect();
        assert!(set.has(Variant::NoEtags) && set.has(Variant::PutOnly));
        assert!(!set.has(Variant::Patch204));
        assert_eq!(set.iter().count(), 2);
        assert!(Variants::none().is_empty());
    }
}
