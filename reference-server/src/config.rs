//! How a server instance is set up.

use std::net::SocketAddr;

use serde_json::Value;

use crate::faults::Faults;
use crate::variants::Variants;

/// Which app behaviour the server models.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Plain RFC 7643/7644 behaviour.
    #[default]
    Rfc,
    /// The documented behaviour of Tailscale's Okta integration (see docs/tailnet-profile.md).
    Tailnet,
}

/// Everything [`crate::spawn`] needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The SCIM base path, e.g. `/scim/v2` (no trailing slash; empty for the root).
    pub base_path: String,
    /// The bearer token; `None` generates a random one.
    pub token: Option<String>,
    /// The app behaviour.
    pub profile: Profile,
    /// The tailnet access policy to start with.
    pub policy: Option<Value>,
    /// Misbehaviours switched on (bugs the harness must catch).
    pub faults: Faults,
    /// Legal behaviours switched on (RFC-allowed choices the harness must pass).
    pub variants: Variants,
    /// Sizes, filter cost, timeouts and connections ([`crate::limits::Limits`]).
    pub limits: crate::limits::Limits,
    /// Most resources one list response returns (`count` is capped to it).
    pub max_results: usize,
    /// Log one line per request at info level.
    pub log_requests: bool,
    /// Authenticated requests a second the `rate-limit` variant lets through.
    pub rate_limit: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            base_path: "/scim/v2".to_string(),
            token: None,
            profile: Profile::Rfc,
            policy: None,
            faults: Faults::none(),
            variants: Variants::none(),
            limits: crate::limits::Limits::default(),
            max_results: 1000,
            rate_limit: 20,
            log_requests: false,
        }
    }
}

impl ServerConfig {
    /// The base path normalized: leading slash, no trailing slash, `""` for the root.
    pub fn normalized_base_path(&self) -> String {
        let trimmed = self.base_path.trim_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        }
    }
}
