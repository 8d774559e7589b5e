//! Where requests go: the embedded reference server (the default: started in-process on
//! 127.0.0.1 with a random port and token) or a URL with its auth. Secrets come from the
//! environment only and never appear in any output.

use std::path::PathBuf;
use std::time::Duration;

use okscim_reference_server::{Faults, Profile, RunningServer, ServerConfig, Variants};

use crate::errors::HarnessError;
use crate::http::{Auth, ClientOptions, Redactor, ScimClient, Secret};

/// How to reach the target, as the command line gave it.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// The bundled reference server, in-process.
    Embedded {
        /// Faults to switch on (for self-tests: each must be caught).
        faults: Faults,
        /// Variants to switch on (for self-tests: each must pass).
        variants: Variants,
    },
    /// A SCIM base URL.
    Url {
        /// The base URL, e.g. `https://app.example.com/scim/v2`.
        url: String,
        /// How to authenticate.
        auth: Auth,
        /// The environment variable holding the secret (for the curl hint).
        secret_env: Option<String>,
    },
}

/// Connection settings shared by every target.
#[derive(Debug, Clone)]
pub struct TargetOptions {
    /// The app profile the target implements.
    pub profile: Profile,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Accept invalid certificates.
    pub insecure: bool,
    /// Extra CA certificate.
    pub ca_file: Option<PathBuf>,
    /// Largest response body read, in bytes.
    pub max_body: usize,
}

impl Default for TargetOptions {
    fn default() -> Self {
        TargetOptions {
            profile: Profile::Rfc,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            insecure: false,
            ca_file: None,
            max_body: crate::http::DEFAULT_MAX_BODY,
        }
    }
}

/// An open target. The embedded server is started afresh for every scenario run, so runs
/// cannot see each other's users and transcripts are deterministic; a URL target is shared, and
/// runs are isolated by the per-run token in user and group names.
#[derive(Debug)]
pub struct Target {
    /// A description for reports (`embedded reference server` or the URL).
    pub label: String,
    /// The URL, for a URL target.
    pub url: Option<String>,
    /// The profile it implements.
    pub profile: Profile,
    /// The Authorization header a curl reproduction should send (with a `$VAR` reference).
    pub curl_auth: Option<String>,
    kind: TargetKind,
}

#[derive(Debug)]
enum TargetKind {
    Embedded {
        config: Box<ServerConfig>,
        options: ClientOptions,
    },
    Remote {
        client: ScimClient,
    },
}

/// A client for one scenario run, and the embedded server it talks to (stopped on drop).
#[derive(Debug)]
pub struct Connection {
    /// The client.
    pub client: ScimClient,
    server: Option<RunningServer>,
}

impl Connection {
    /// Stops the embedded server, if any.
    pub async fn close(self) {
        if let Some(s) = self.server {
            s.shutdown().await;
        }
    }
}

impl Target {
    /// Checks the spec and prepares the target.
    pub async fn open(spec: TargetSpec, options: &TargetOptions) -> Result<Target, HarnessError> {
        let client_options = ClientOptions {
            timeout: options.timeout,
            connect_timeout: options.connect_timeout,
            insecure: options.insecure,
            ca_file: options.ca_file.clone(),
            max_body: options.max_body,
        };
        match spec {
            TargetSpec::Embedded { faults, variants } => {
                let config = ServerConfig {
                    profile: options.profile,
                    faults,
                    variants,
                    ..ServerConfig::default()
                };
                // Start one now so a server that cannot start is reported before any scenario runs.
                okscim_reference_server::spawn(config.clone())
                    .await?
                    .shutdown()
                    .await;
                Ok(Target {
                    label: "embedded reference server".to_string(),
                    url: None,
                    profile: options.profile,
                    curl_auth: None,
                    kind: TargetKind::Embedded {
                        config: Box::new(config),
                        options: client_options,
                    },
                })
            }
            TargetSpec::Url {
                url,
                auth,
                secret_env,
            } => {
                let parsed = url::Url::parse(&url).map_err(|e| {
                    HarnessError::Usage(format!("--target {url:?} is not a URL: {e}"))
                })?;
                if parsed.scheme() != "http" && parsed.scheme() != "https" {
                    return Err(HarnessError::Usage(format!(
                        "--target must be http or https, got {}",
                        parsed.scheme()
                    )));
                }
                let curl_auth = match (&auth, &secret_env) {
                    (Auth::Bearer(_), Some(var)) => Some(format!("Authorization: Bearer ${var}")),
                    (Auth::Header(_), Some(var)) => Some(format!("Authorization: ${var}")),
                    (Auth::Basic { user, .. }, Some(var)) => Some(format!(
                        "Authorization: Basic $(printf '%s:%s' '{user}' \"${var}\" | base64)"
                    )),
                    _ => None,
                };
                let client = ScimClient::new(&url, auth, &client_options, Redactor::default())?;
                Ok(Target {
                    label: url.clone(),
                    url: Some(url),
                    profile: options.profile,
                    curl_auth,
                    kind: TargetKind::Remote { client },
                })
            }
        }
    }

    /// Whether every scenario run talks to the same server (a URL), rather than to a fresh
    /// embedded server of its own.
    pub fn is_shared(&self) -> bool {
        matches!(self.kind, TargetKind::Remote { .. })
    }

    /// A connection for one scenario run.
    pub async fn connect(&self) -> Result<Connection, HarnessError> {
        match &self.kind {
            TargetKind::Remote { client } => Ok(Connection {
                client: client.clone(),
                server: None,
            }),
            TargetKind::Embedded { config, options } => {
                let server = okscim_reference_server::spawn((**config).clone()).await?;
                let auth = Auth::Bearer(Secret::new(server.token.clone()));
                let client = ScimClient::new(&server.base_url, auth, options, Redactor::default())?;
                Ok(Connection {
                    client,
                    server: Some(server),
                })
            }
        }
    }
}
