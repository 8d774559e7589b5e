//! What every handler shares.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

use crate::config::{Profile, ServerConfig};
use crate::errors::ErrorStyle;
use crate::faults::{Fault, Faults};
use crate::profile::tailnet::Policy;
use crate::store::{Store, StorePolicy};
use crate::variants::{Variant, Variants};

/// The page size the `page-size-50` variant caps list responses at.
pub const VARIANT_PAGE_SIZE: usize = 50;

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
    /// Legal behaviours switched on.
    pub variants: Variants,
    /// Sizes, filter cost, timeouts and connections.
    pub limits: crate::limits::Limits,
    /// Most resources per list response (also advertised as `filter.maxResults`); the
    /// `page-size-50` variant lowers it to 50.
    pub max_results: usize,
    /// Log each request at info level (otherwise debug).
    pub log_requests: bool,
    /// One lock around the whole store: every write is one atomic step, so concurrent PATCHes of
    /// one group cannot lose each other's members, and reads share it. It is tokio's lock, so a
    /// request that waits for it parks its task, never an async worker thread, and it is fair: a
    /// waiting write is not starved by a stream of reads.
    store: Arc<RwLock<Store>>,
    /// The tailnet access policy.
    policy: Mutex<Option<Policy>>,
    /// The `rate-limit` variant's token bucket.
    throttle: Mutex<Bucket>,
}

/// A token bucket: `rate` tokens a second, at most `rate` held.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    tokens: f64,
    last: std::time::Instant,
}

impl Bucket {
    fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        Bucket {
            rate,
            tokens: rate,
            last: std::time::Instant::now(),
        }
    }

    /// Takes a token, when one is there.
    fn admit(&mut self) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
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
            integer_ids: config.variants.has(Variant::IntegerIds),
        };
        let max_results = if config.variants.has(Variant::PageSize50) {
            config.max_results.min(VARIANT_PAGE_SIZE)
        } else {
            config.max_results
        };
        AppState {
            store: Arc::new(RwLock::new(Store::new(base_url.clone(), store_policy))),
            base_url,
            token,
            profile: config.profile,
            faults: config.faults.clone(),
            variants: config.variants.clone(),
            limits: config.limits.clone(),
            max_results,
            log_requests: config.log_requests,
            policy: Mutex::new(policy),
            throttle: Mutex::new(Bucket::new(config.rate_limit)),
        }
    }

    /// Whether the `rate-limit` variant lets one more authenticated request through now.
    pub fn admit(&self) -> bool {
        self.throttle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .admit()
    }

    /// The `rate-limit` variant's rate, in requests a second.
    pub fn rate_limit(&self) -> f64 {
        self.throttle.lock().unwrap_or_else(|e| e.into_inner()).rate
    }

    /// Reads the store, sharing it with other reads. (A panic mid-request, which the middleware
    /// turns into a 500, leaves consistent data: every write is a single assignment at the end.)
    pub async fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().await
    }

    /// Writes the store, alone.
    pub async fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().await
    }

    /// A read guard that can move to a blocking thread.
    pub async fn read_owned(&self) -> OwnedRwLockReadGuard<Store> {
        self.store.clone().read_owned().await
    }

    /// A write guard that can move to a blocking thread.
    pub async fn write_owned(&self) -> OwnedRwLockWriteGuard<Store> {
        self.store.clone().write_owned().await
    }

    /// Locks the tailnet policy.
    pub fn policy(&self) -> MutexGuard<'_, Option<Policy>> {
        self.policy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a fault is on.
    pub fn fault(&self, fault: Fault) -> bool {
        self.faults.has(fault)
    }

    /// Whether a variant is on.
    pub fn variant(&self, variant: Variant) -> bool {
        self.variants.has(variant)
    }

    /// How error bodies are written, as the variants say.
    pub fn error_style(&self) -> ErrorStyle {
        ErrorStyle {
            status_as_number: self.variant(Variant::StatusAsNumber),
            omit_scim_type: self.variant(Variant::NoScimType),
        }
    }
}
