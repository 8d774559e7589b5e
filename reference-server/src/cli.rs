//! `serve`: the command line of the reference server, shared by `okscim serve` and the
//! crate's own `okscim-reference-server` binary.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Profile, ServerConfig};
use crate::errors::ServerError;
use crate::faults::{self, Fault, Faults};
use crate::limits::Limits;
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
    /// Sizes, filter cost, timeouts and connections.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// With `--variant rate-limit`: authenticated requests a second let through (429 with
    /// `Retry-After: 1` beyond it).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 20)]
    pub rate_limit: u32,
}

/// The limits of `serve` (docs/reference-server.md, "Limits and timeouts"); each defaults to
/// [`Limits::default`].
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Limits and timeouts")]
pub struct LimitArgs {
    /// Largest request body, in bytes (413 above it).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// Largest string value of one attribute, in bytes (400 invalidValue above it).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_value_bytes)]
    pub max_value_bytes: usize,
    /// Largest resource, in bytes of JSON, a group's members not counted (400 above it).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_resource_bytes)]
    pub max_resource_bytes: usize,
    /// Largest list answer, in bytes (400 tooMany above it: ask for a smaller count).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_answer_bytes)]
    pub max_answer_bytes: usize,
    /// Most resources in one list answer; advertised as ServiceProviderConfig filter.maxResults.
    #[arg(long, value_name = "N", default_value_t = ServerConfig::default().max_results)]
    pub max_results: usize,
    /// Most work one list request may do: resources scanned times (filter conditions + 1), plus
    /// the resources sorted (400 tooMany above it).
    #[arg(long, value_name = "UNITS", default_value_t = Limits::default().max_filter_work)]
    pub max_filter_work: u64,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, default_value = "10")]
    pub header_read_timeout: Duration,
    /// Seconds an idle keep-alive connection is kept open between requests.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, default_value = "75")]
    pub idle_timeout: Duration,
    /// Seconds a client may take to send a whole request body (408 after it).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, default_value = "30")]
    pub body_read_timeout: Duration,
    /// Most open connections; at the limit a new one closes the longest-idle one. Capped by
    /// the process's open-file limit.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
}

fn seconds(text: &str) -> Result<Duration, String> {
    let n: f64 = text
        .trim()
        .trim_end_matches('s')
        .parse()
        .map_err(|_| format!("expected a number of seconds, like 10 or 0.5, got \"{text}\""))?;
    if !(0.001..=86_400.0).contains(&n) {
        return Err(format!(
            "expected a number of seconds from 0.001 to 86400 (a day), got \"{text}\""
        ));
    }
    Ok(Duration::from_secs_f64(n))
}

impl LimitArgs {
    /// The limits these options set.
    pub fn limits(&self) -> Limits {
        Limits {
            max_body_bytes: self.max_body_bytes,
            max_value_bytes: self.max_value_bytes,
            max_resource_bytes: self.max_resource_bytes,
            max_answer_bytes: self.max_answer_bytes,
            max_filter_work: self.max_filter_work,
            header_read_timeout: self.header_read_timeout,
            idle_timeout: self.idle_timeout,
            body_read_timeout: self.body_read_timeout,
            max_connections: self.max_connections,
            ..Limits::default()
        }
    }
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
                limits: self.limits.limits(),
                max_results: self.limits.max_results,
                rate_limit: self.rate_limit,
                log_requests: true,
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
