//! `okscim record` (a recording proxy in front of a SCIM server, or `--finish` of a recording
//! cut short) and `okscim import-har` (the same from a HAR file). Both end by writing the
//! scenario that reproduces what was recorded, and its snapshot (docs/record.md).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::errors::RecordError;
use crate::exit;
use crate::record::{
    EXCHANGES_FILE, Proxy, ProxySettings, TapeWriter, Traffic, Written, read_har, read_tape,
    write_recording,
};

/// Options of `okscim record`.
#[derive(Debug, Clone, clap::Args)]
pub struct RecordArgs {
    /// Where the proxy listens; point Okta's (or any client's) SCIM base URL at it.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:8089",
        conflicts_with = "finish"
    )]
    pub listen: String,
    /// The SCIM base URL of the server behind the proxy. The proxy mirrors its paths: point the
    /// client at the proxy's address with the same path (`http://127.0.0.1:8089/scim/v2` for
    /// `https://app.example.com/scim/v2`); requests beside the SCIM base URL are forwarded and
    /// recorded too.
    #[arg(long, value_name = "URL", required_unless_present = "finish")]
    pub upstream: Option<String>,
    /// The recording folder: `exchanges.jsonl` is appended to as exchanges end, and the
    /// scenario and snapshot are written there when the recording stops.
    #[arg(long, value_name = "DIR", default_value = "okscim-recording")]
    pub out: PathBuf,
    /// Stop after this many exchanges (otherwise at Ctrl-C or SIGTERM).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
    /// Write raw `request` steps only, without recognising Okta's actions.
    #[arg(long)]
    pub raw: bool,
    /// Turn a recording that was cut short (the proxy was killed) into a scenario: reads
    /// DIR/exchanges.jsonl and writes the scenario and snapshot beside it.
    #[arg(long, value_name = "DIR")]
    pub finish: Option<PathBuf>,
    /// How long the upstream may take to answer one request, in seconds (Okta waits 60).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// Accept the upstream's invalid TLS certificate.
    #[arg(long)]
    pub insecure: bool,
}

/// Options of `okscim import-har`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportHarArgs {
    /// The HAR file (the browser's network panel: "Save all as HAR"; most proxies export one).
    pub file: PathBuf,
    /// The SCIM base URL: only requests below it are kept (default: the base URL most of the
    /// file's SCIM requests share).
    #[arg(long, value_name = "URL")]
    pub base: Option<String>,
    /// The folder to write: the exchanges (secrets gone), the scenario and its snapshot.
    #[arg(long, value_name = "DIR", default_value = "okscim-recording")]
    pub out: PathBuf,
    /// Write raw `request` steps only, without recognising Okta's actions.
    #[arg(long)]
    pub raw: bool,
}

use crate::record::shown_url as shown;

fn report(written: &Written, dir: &Path) {
    let traffic: Vec<String> = written
        .traffic
        .iter()
        .map(|(t, n)| format!("{n} from {}", t.describe()))
        .collect();
    eprintln!(
        "wrote {}: {} steps ({} Okta actions) from {} exchanges ({})",
        written.scenario.display(),
        written.steps,
        written.okta_steps,
        written.exchanges,
        traffic.join(", ")
    );
    if let Some(why) = &written.fell_back {
        eprintln!("note: raw requests only: {why}");
    }
    match &written.mismatch {
        Some(m) => eprintln!(
            "warning: the written scenario does not replay the recording exactly: {m}; its snapshot shows what it does"
        ),
        None if written.replayed < written.exchanges => eprintln!(
            "note: the scenario stops after {} of {} exchanges, at a step that fails as it did when recorded",
            written.replayed, written.exchanges
        ),
        None => {}
    }
    eprintln!("wrote {}", written.snapshot.display());
    eprintln!(
        "replay: okscim run {} --snapshots {} --target URL",
        dir.join("scenarios").display(),
        dir.join("snapshots").display()
    );
    if !written.traffic.contains_key(&Traffic::Okta) {
        eprintln!(
            "note: no request came from Okta's provisioning engine (User-Agent: Okta SCIM Client …): every step is a raw request or a read"
        );
    }
}

fn fail(e: RecordError) -> u8 {
    eprintln!("{:?}", miette::Report::new(e));
    exit::USAGE
}

/// A folder that already holds exchanges is not recorded into again.
fn fresh(dir: &Path) -> Result<(), RecordError> {
    let file = dir.join(EXCHANGES_FILE);
    match std::fs::metadata(&file) {
        Ok(m) if m.len() > 0 => Err(RecordError::Io {
            path: file,
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "already holds a recording: choose another --out, or turn it into a scenario with `okscim record --finish`",
            ),
        }),
        _ => Ok(()),
    }
}

async fn finish(dir: &Path, raw: bool, source: &str) -> u8 {
    let read = match read_tape(dir) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if read.cut_last_line {
        eprintln!(
            "note: the last line of {} was cut short (the proxy stopped while writing it) and is left out",
            dir.join(EXCHANGES_FILE).display()
        );
    }
    match write_recording(dir, read.exchanges, raw, "recording", source).await {
        Ok(w) => {
            report(&w, dir);
            exit::OK
        }
        Err(e) => fail(e),
    }
}

async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return "Ctrl-C";
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "Ctrl-C",
            _ = term.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Runs `okscim record`.
pub async fn run(args: &RecordArgs) -> u8 {
    if let Some(dir) = &args.finish {
        return finish(
            dir,
            args.raw,
            "a recording finished with okscim record --finish",
        )
        .await;
    }
    let Some(upstream) = args.upstream.clone() else {
        eprintln!("error: --upstream URL is required (or --finish DIR)");
        return exit::USAGE;
    };
    if let Err(e) = fresh(&args.out) {
        return fail(e);
    }
    let settings = ProxySettings {
        upstream: upstream.clone(),
        max_requests: args.max_requests,
        timeout: Duration::from_secs(args.timeout.max(1)),
        insecure: args.insecure,
    };
    let proxy = match Proxy::start(&args.listen, &args.out, settings).await {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    eprintln!(
        "recording: {} -> {} (Authorization passed through, never written); exchanges go to {} as they happen; stop with Ctrl-C{}",
        proxy.base_url(),
        shown(&upstream),
        args.out.join(EXCHANGES_FILE).display(),
        match args.max_requests {
            Some(n) => format!(" or after {n} exchanges"),
            None => String::new(),
        }
    );
    let why = tokio::select! {
        _ = proxy.stopped() => "--max-requests reached",
        signal = stop_signal() => signal,
    };
    let stopped = proxy.stop().await;
    eprintln!("stopped ({why}): {} exchanges recorded", stopped.exchanges);
    if stopped.unfinished > 0 {
        eprintln!(
            "warning: {} exchanges were still in flight when the proxy stopped waiting for them: they are not recorded",
            stopped.unfinished
        );
    }
    for e in &stopped.write_errors {
        eprintln!("warning: {e}");
    }
    if stopped.exchanges == 0 {
        eprintln!("nothing was recorded: no scenario written");
        return exit::USAGE;
    }
    let source = format!("okscim record in front of {}", shown(&upstream));
    finish(&args.out, args.raw, &source).await
}

/// Runs `okscim import-har`.
pub async fn import_har(args: &ImportHarArgs) -> u8 {
    let imported = match read_har(&args.file, args.base.as_deref()) {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    if let Err(e) = fresh(&args.out) {
        return fail(e);
    }
    eprintln!(
        "{}: {} exchanges below {} ({} other entries left out)",
        args.file.display(),
        imported.exchanges.len(),
        shown(&imported.base),
        imported.skipped
    );
    let tape = match TapeWriter::open(&args.out) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    for x in &imported.exchanges {
        if let Err(e) = tape.append(x) {
            return fail(e);
        }
    }
    let source = format!(
        "the HAR file {}",
        args.file
            .file_name()
            .map_or_else(|| "(unnamed)".into(), |n| n.to_string_lossy().into_owned())
    );
    match write_recording(
        &args.out,
        imported.exchanges,
        args.raw,
        "recording",
        &source,
    )
    .await
    {
        Ok(w) => {
            report(&w, &args.out);
            exit::OK
        }
        Err(e) => fail(e),
    }
}
