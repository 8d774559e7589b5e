//! The reference SCIM 2.0 server bundled with okscim.
//!
//! It is the embedded default target of `okscim run` and a reference for SCIM server authors:
//! everything Okta sends works in every form okta-reference.md lists, plus the RFC 7644 surface Okta
//! does not use (full filter grammar, sorting, projection, ETags, `.search`). `--profile tailnet`
//! adds the documented behaviour of a real Okta-provisioned app; `--fault` switches on one of the
//! real-world bugs the harness must catch, and `--variant` one of the legal, Okta-accepted
//! behaviours of real servers the harness must pass.
//!
//! ```no_run
//! # async fn demo() -> Result<(), okscim_reference_server::errors::ServerError> {
//! let server = okscim_reference_server::spawn(Default::default()).await?;
//! println!("{} with Bearer {}", server.base_url, server.token);
//! server.shutdown().await;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod accept;
pub mod auth;
pub mod body;
pub mod cli;
pub mod config;
pub mod discovery;
pub mod entitlements;
pub mod errors;
pub mod faults;
pub mod filter;
pub mod fold;
pub mod limits;
pub mod list;
pub mod log;
pub mod middleware;
pub mod patch;
pub mod profile;
pub mod projection;
pub mod resources;
pub mod response;
pub mod router;
pub mod schema;
pub mod state;
pub mod store;
pub mod stored;
pub mod switches;
pub mod variants;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Layer;

pub use config::{Profile, ServerConfig};
use errors::ServerError;
pub use faults::{Fault, Faults};
pub use log::log_writer;
use profile::tailnet::Policy;
use state::AppState;
pub use variants::{Variant, Variants};

/// A running server and the handle that stops it. Dropping it stops the server too.
#[derive(Debug)]
pub struct RunningServer {
    /// The SCIM base URL, e.g. `http://127.0.0.1:41234/scim/v2`.
    pub base_url: String,
    /// The bearer token clients must send.
    pub token: String,
    /// The bound address.
    pub addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// The server's state (for tests that look behind the HTTP interface).
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Stops accepting connections, finishes in-flight requests and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server stops (after [`RunningServer::shutdown`] from elsewhere, or an
    /// I/O error).
    pub async fn wait(mut self) -> Result<(), ServerError> {
        match self.task.take() {
            Some(task) => match task.await {
                Ok(r) => r.map_err(ServerError::Io),
                Err(e) => Err(ServerError::Io(std::io::Error::other(e))),
            },
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A random 32-byte token, hex-encoded.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Binds and starts a server on the current tokio runtime.
pub async fn spawn(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.addr.to_string(),
            source,
        })?;
    let addr = listener.local_addr()?;
    let base_path = config.normalized_base_path();
    let base_url = format!("http://{addr}{base_path}");
    let token = config.token.clone().unwrap_or_else(generate_token);
    let policy = config
        .policy
        .clone()
        .map(Policy::from_json)
        .transpose()
        .map_err(|reason| ServerError::Policy {
            path: "(policy)".into(),
            reason,
        })?;
    let state = Arc::new(AppState::new(
        &config,
        base_url.clone(),
        token.clone(),
        policy,
    ));
    // Trailing slashes (`/Users/`) are trimmed before routing, as many clients add them. A
    // request body must arrive whole within the body-read timeout, so a body dripped a byte at
    // a time cannot hold a connection (408 otherwise, see body.rs).
    let app = tower_http::timeout::RequestBodyDeadlineLayer::new(config.limits.body_read_timeout)
        .layer(
            tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash().layer(
                middleware::Scim::new(
                    &base_path,
                    router::router(state.clone(), &base_path),
                    state.clone(),
                ),
            ),
        );
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(accept::run(
        listener,
        app,
        config.limits.clone(),
        async move {
            let _ = rx.await;
        },
    ));
    Ok(RunningServer {
        base_url,
        token,
        addr,
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}
