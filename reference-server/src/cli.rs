//! `serve`: the command line of the reference server, shared by `okscim serve` and the
//! crate's own `okscim-reference-server` binary.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::config::{Profile, ServerConfig};
use crate::errors::ServerError;
use crate::faults::{self, Fault, Faults};
use crate::variants::{self, Variant, Variants};

/// Options of `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The SCIM base path.
    #[arg(long, default_value = "/scim/v2")]
    pub base_path: String,
    /// Environment variable holding the bearer token; when it is unset a token is generated
    /// and printed.
    #[arg(long, default_value = "OKSCIM_SERVER_TOKEN")]
    pub token_env: String,
    /// App behaviour to model.
    #[arg(long, value_enum, default_value_t = Profile::Rfc)]
    pub profile: Profile,
    /// Access policy (JSON) for the tailnet profile.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Switch on a misbehaviour (repeatable); `--fault list` prints them.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Switch on a legal, Okta-accepted behaviour (repeatable); `--variant list` prints them.
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// With `--variant rate-limit`: authenticated requests a second let through (429 with
    /// `Retry-After: 1` beyond it).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 20)]
    pub rate_limit: u32,
}

/// What `serve` decided to do.
#[derive(Debug)]
pub enum ServePlan {
    /// Print the fault list and exit.
    ListFaults,
    /// Print the variant list and exit.
    ListVariants,
    /// Run with this configuration; `token_generated` says whether to print the token.
    Run {
        /// The configuration.
        config: Box<ServerConfig>,
        /// Whether the token was generated here (and so must be shown).
        token_generated: bool,
    },
}

impl ServeArgs {
    /// Validates the arguments and reads the token and policy.
    pub fn plan(&self) -> Result<ServePlan, ServerError> {
        if self.faults.iter().any(|f| f == "list") {
            return Ok(ServePlan::ListFaults);
        }
        if self.variants.iter().any(|v| v == "list") {
            return Ok(ServePlan::ListVariants);
        }
        let faults: Faults = self
            .faults
            .iter()
            .map(|f| f.parse::<Fault>())
            .collect::<Result<_, _>>()?;
        let variants: Variants = self
            .variants
            .iter()
            .map(|v| v.parse::<Variant>())
            .collect::<Result<_, _>>()?;
        let (token, token_generated) = match std::env::var(&self.token_env) {
            Ok(t) if !t.trim().is_empty() => (t, false),
            Ok(_) => return Err(ServerError::BadToken(self.token_env.clone())),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(ServerError::BadToken(self.token_env.clone()));
            }
            Err(std::env::VarError::NotPresent) => (crate::generate_token(), true),
        };
        let policy = match &self.policy {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ServerError::Policy {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                let doc = serde_json::from_str(&text).map_err(|e| ServerError::Policy {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                crate::profile::tailnet::Policy::from_json(serde_json::Value::clone(&doc))
                    .map_err(|reason| ServerError::Policy {
                        path: path.display().to_string(),
                        reason,
                    })?;
                Some(doc)
            }
        };
        Ok(ServePlan::Run {
            config: Box::new(ServerConfig {
                addr: self.addr,
                base_path: self.base_path.clone(),
                token: Some(token),
                profile: self.profile,
                policy,
                faults,
                variants,
                max_body_bytes: self.max_body_bytes,
                rate_limit: self.rate_limit,
                log_requests: true,
                ..ServerConfig::default()
            }),
            token_generated,
        })
    }
}

/// Runs `serve` until Ctrl-C.
pub async fn serve(args: &ServeArgs) -> Result<(), ServerError> {
    let (config, token_generated) = match args.plan()? {
        ServePlan::ListFaults => {
            print!("{}", faults::listing());
            return Ok(());
        }
        ServePlan::ListVariants => {
            print!("{}", variants::listing());
            return Ok(());
        }
        ServePlan::Run {
            config,
            token_generated,
        } => (config, token_generated),
    };
    let faults: Vec<String> = config.faults.iter().map(|f| f.to_string()).collect();
    let variants: Vec<String> = config.variants.iter().map(|v| v.to_string()).collect();
    let profile = config.profile;
    let server = crate::spawn(*config).await?;
    println!(
        "okscim reference SCIM server ({} profile) at {}",
        match profile {
            crate::config::Profile::Rfc => "rfc",
            crate::config::Profile::Tailnet => "tailnet",
        },
        server.base_url
    );
    if token_generated {
        println!(
            "authenticate with: Authorization: Bearer {}   (generated; set {} to choose one)",
            server.token, args.token_env
        );
    } else {
        println!(
            "authenticate with: Authorization: Bearer <the token in {}>",
            args.token_env
        );
    }
    if !faults.is_empty() {
        println!("faults switched on: {}", faults.join(", "));
    }
    if !variants.is_empty() {
        println!("variants switched on: {}", variants.join(", "));
    }
    println!("press Ctrl-C to stop");
    stop_signal().await;
    println!("stopping");
    server.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM (`docker stop`, a CI runner, `kill`).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
