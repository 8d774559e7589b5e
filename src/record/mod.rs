//! Recording real traffic and turning it into scenarios: the recording proxy (`okscim record`),
//! HAR import (`okscim import-har`), Okta action recognition, and the scenario writer.
//!
//! A recording is a folder: the exchanges as they happened (`exchanges.jsonl`, appended as each
//! ends, secrets gone), then, when the recording stops or `okscim record --finish` is run, the
//! scenario that reproduces them and its snapshot.

mod har;
mod playback;
mod proxy;
mod recognize;
mod tape;
mod writer;

pub use har::{HarImport, read_har};
pub use playback::{Mismatch, MismatchKind, Playback, main_credential, same_body};
pub use proxy::{MAX_RECORDED_BODY, Proxy, ProxySettings, ProxyStopped};
pub use recognize::{Recognition, WrittenStep, app_kind_of, recognize};
pub use tape::{
    EXCHANGES_FILE, Scrubber, TapeExchange, TapeRead, TapeRequest, TapeResponse, TapeWriter,
    Traffic, read_tape, shown_url,
};
pub use writer::{FellBack, SCENARIO_FILE, Written, render, write_recording};
