//! SCIM errors (RFC 7644 §3.12) and the crate's own start-up errors.
//!
//! Every failure a client can cause becomes a [`ScimError`], which renders as an Error-schema
//! JSON body with `status` as a string and `scimType` where RFC 7644 defines one (unless the
//! `status-as-number` or `no-scim-type` variant relaxes it, see [`ErrorStyle`]). Handlers never
//! answer plain text (unless the `plain-text-errors` fault asks for it) and never panic.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::schema::ERROR_SCHEMA;

/// The `scimType` values of RFC 7644 §3.12 Table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    /// The filter syntax was invalid, or the filter could not be applied.
    InvalidFilter,
    /// More results than the server is willing to return.
    TooMany,
    /// A uniqueness constraint was violated.
    Uniqueness,
    /// An attempt to modify a read-only or immutable attribute.
    Mutability,
    /// The request body was not a valid SCIM message.
    InvalidSyntax,
    /// The `path` attribute was invalid or malformed.
    InvalidPath,
    /// The path did not yield an attribute that could be operated on.
    NoTarget,
    /// A required value was missing or a value was not compatible.
    InvalidValue,
    /// The protocol version is not supported.
    InvalidVers,
    /// A sensitive value was placed in a URI.
    Sensitive,
}

impl ScimType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

/// An error answered to a SCIM client.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {detail}")]
pub struct ScimError {
    /// HTTP status.
    pub status: StatusCode,
    /// `scimType`, where the RFC defines one for this failure.
    pub scim_type: Option<ScimType>,
    /// Human-readable explanation; Okta shows it to the admin.
    pub detail: String,
}

impl ScimError {
    /// An error with a status and detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// 400 with a `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError {
            status: StatusCode::BAD_REQUEST,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// 400 invalidValue.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    /// 400 invalidSyntax.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    /// 400 invalidPath.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    /// 400 noTarget.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }

    /// 400 mutability.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    /// 400 invalidFilter.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }

    /// 404 for a resource that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 409 uniqueness.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        ScimError {
            status: StatusCode::CONFLICT,
            scim_type: Some(ScimType::Uniqueness),
            detail: detail.into(),
        }
    }

    /// The RFC 7644 §3.12 body.
    pub fn body(&self) -> Value {
        self.body_styled(ErrorStyle::default())
    }

    /// The body in a given style (the `status-as-number` and `no-scim-type` variants).
    pub fn body_styled(&self, style: ErrorStyle) -> Value {
        let status = if style.status_as_number {
            json!(self.status.as_u16())
        } else {
            json!(self.status.as_u16().to_string())
        };
        let mut v = json!({
            "schemas": [ERROR_SCHEMA],
            "status": status,
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type
            && !style.omit_scim_type
        {
            v["scimType"] = json!(t.as_str());
        }
        v
    }
}

/// How error bodies are written. The default is RFC 7644 §3.12 to the letter; variants relax it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorStyle {
    /// `status` as a JSON number (the `status-as-number` variant).
    pub status_as_number: bool,
    /// Never write `scimType` (the `no-scim-type` variant).
    pub omit_scim_type: bool,
}

/// ` (did you mean 'x'?)`, or nothing.
fn did_you_mean_hint(suggestion: &Option<&'static str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

/// Errors starting or running the server (not SCIM responses).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// An I/O error while serving.
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The policy file could not be read or parsed.
    #[error("cannot load policy {path}: {reason}")]
    Policy {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// An unknown fault name.
    #[error("unknown fault '{0}'; `--fault list` prints the known ones")]
    UnknownFault(String),
    /// An unknown variant name.
    #[error(
        "unknown variant '{name}'{}; `--variant list` prints the known ones",
        did_you_mean_hint(.did_you_mean)
    )]
    UnknownVariant {
        /// The name given.
        name: String,
        /// The known variant it most resembles, if any.
        did_you_mean: Option<&'static str>,
    },
    /// A fault named as a variant, or a variant named as a fault.
    #[error("'{name}' is a {kind}, not a {other}: switch it on with `--{kind} {name}`")]
    WrongSwitch {
        /// The name given.
        name: String,
        /// What it is: `fault` or `variant`.
        kind: &'static str,
        /// What it was given as.
        other: &'static str,
    },
    /// The token environment variable is set but empty or not valid text.
    #[error("the token variable {0} is empty or not valid UTF-8")]
    BadToken(String),
}
