//! Talking to the target: the HTTP client, the exchange records it produces, secret redaction
//! and curl export.

mod client;
mod curl;
mod exchange;
mod redact;

pub use client::{
    Auth, ClientOptions, DEFAULT_MAX_BODY, INVALID_TOKEN, OutgoingRequest, RequestAuth, ScimClient,
};
pub use curl::curl_command;
pub use exchange::{Exchange, RecordedRequest, RecordedResponse, header_value};
pub use redact::{REDACTED, Redactor, Secret};
