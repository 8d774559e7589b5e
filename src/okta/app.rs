//! The Okta app being simulated: its kind and settings, including every behaviour okta-reference.md
//! marks "unconfirmed", each a documented option with a default.

pub use crate::scenario::AppKind;

/// How spaces in a filter query value are encoded (okta-reference.md §1.0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FilterEncoding {
    /// `%20`, as in Okta's current SCIM 2.0 reference (R20). The default.
    #[default]
    Percent,
    /// `+`, form-encoded, as in the 2019 reference (R19).
    Plus,
}

/// Which request headers are sent (okta-reference.md §1.0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum HeaderStyle {
    /// The headers a current Okta KB confirms (Accept, Accept-Charset, User-Agent), plus
    /// Content-Type on requests with a body. The default.
    #[default]
    Current,
    /// The 2019 reference's full set (unconfirmed today): also `Accept-Encoding: gzip,deflate`,
    /// `Connection: Keep-Alive`, and Content-Type on DELETE.
    Okta2019,
}

/// How an OIN app's password sync PATCH is written (okta-reference.md §1.8: Okta documents that
/// it PATCHes, not the body).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PasswordPatch {
    /// `{"op": "replace", "value": {"password": "…"}}`, like Okta's other path-less user
    /// replaces. The default.
    #[default]
    Pathless,
    /// `{"op": "replace", "path": "password", "value": "…"}`.
    Path,
}

/// Where an import goes on after a page shorter than the 100 it asked for, while more remain
/// (okta-reference.md §1.2 documents pages of 100 and `startIndex` advancing by 100; what Okta does
/// after a short page is not documented).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportPaging {
    /// From where the short page ended (`startIndex` + the resources it held), as RFC 7644
    /// §3.4.2.4 has clients do. The default.
    #[default]
    FollowShortPages,
    /// Always 100 further, as after a full page: a server that answers fewer than 100 while
    /// more remain makes the import miss the rest of each hundred.
    Fixed,
}

/// Okta-side settings of the simulated app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OktaOptions {
    /// "Rename app groups to match group name in Okta": rename sends a PATCH/PUT, and OIN apps
    /// send the `{id, displayName}` replace alongside every membership update (R20).
    pub rename_groups: bool,
    /// Send the observed `{id, displayName}` replace right after a group is created on an OIN
    /// app (okta-reference.md §1.9, observed, not documented). Default on.
    pub reconcile_after_push: bool,
    /// Push Now on an OIN app as the observed path-less `replace` of `{id, displayName,
    /// members}` instead of the documented `replace` with `path: members` (okta-reference.md §1.10).
    /// Default off.
    pub pathless_push_now: bool,
    /// Filter encoding.
    pub filter_encoding: FilterEncoding,
    /// Header set.
    pub headers: HeaderStyle,
    /// The OIN password sync PATCH's shape.
    pub password_patch: PasswordPatch,
    /// Where an import goes on after a short page.
    pub import_paging: ImportPaging,
    /// How okscim spends Okta's waits after a 429 (okta-reference.md §4.1).
    pub retry_clock: super::ratelimit::RetryClock,
    /// Okta's requests in flight at once for one app, where an action sends several updates at
    /// once (`add-members` with `concurrently: true`). Okta's figure is unconfirmed
    /// (okta-reference.md §3.23): the default is [`DEFAULT_CONCURRENCY`]; 1 sends one at a time.
    pub concurrency: usize,
}

/// okscim's default for Okta's per-app concurrency (unconfirmed; see `OktaOptions::concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 4;

impl Default for OktaOptions {
    fn default() -> Self {
        OktaOptions {
            rename_groups: true,
            reconcile_after_push: true,
            pathless_push_now: false,
            filter_encoding: FilterEncoding::Percent,
            headers: HeaderStyle::Current,
            password_patch: PasswordPatch::Pathless,
            import_paging: ImportPaging::FollowShortPages,
            retry_clock: super::ratelimit::RetryClock::default(),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}
