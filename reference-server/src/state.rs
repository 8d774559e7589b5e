//! What every handler shares.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::{Profile, ServerConfig};
use crate::faults::{Fault, Faults};
use crate::profile::tailnet::Policy;
use crate::store::{Store, StorePolicy};

/// The shared state of one server.
#[derive(Debug)]
pub struct AppState {
    /// The base URL, e.g. `http://127.0.0.1:8080/scim/v2`.
    pub base_url: String,
    /// The bearer token.
    pub token: String,
    /// The app behaviour.
    pub profile: Profile,
    /// Misbehaviours switched on.
    pub faults: Faults,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Most resources per list response.
    pub max_results: usize,
    /// Log each request at info level (otherwise debug).
    pub log_requests: bool,
    /// One mutex around the whole store: every request is one atomic step, so concurrent PATCHes
    /// of one group cannot lose each other's members.
    store: Mutex<Store>,
    /// The tailnet access policy.
    policy: Mutex<Option<Policy>>,
}

/// The handle handlers get.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// State for a server at `base_url`.
    pub fn new(
        config: &ServerConfig,
        base_url: String,
        token: String,
        policy: Option<Policy>,
    ) -> Self {
        let store_policy = StorePolicy {
            case_sensitive_user_names: config.faults.has(Fault::FilterUsernameCaseSensitive),
            allow_duplicate_user_names: config.faults.has(Fault::DuplicateCreateAllowed),
        };
        AppState {
            store: Mutex::new(Store::new(base_url.clone(), store_policy)),
            base_url,
            token,
            profile: config.profile,
            faults: config.faults.clone(),
            max_body_bytes: config.max_body_bytes,
            max_results: config.max_results,
            log_requests: config.log_requests,
            policy: Mutex::new(policy),
        }
    }

    /// Locks the store. A poisoned lock (a panic mid-request, which catch-panic already turned
    /// into a 500) still holds consistent data: every write is a single assignment at the end.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the tailnet policy.
    pub fn policy(&self) -> MutexGuard<'_, Option<Policy>> {
        self.policy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a fault is on.
    pub fn fault(&self, fault: Fault) -> bool {
        self.faults.has(fault)
    }
}
