//! The harness's errors (exit codes are documented in [`crate::exit`]).
//!
//! Scenario files: a [`ScenarioError`] is one problem in one file, with `file:line:column`, a
//! way to fix it and a miette code frame; a [`LoadError`] is every problem found while loading
//! one or more scenario files. Templates: a [`TemplateError`] is a `${name}` that could not be
//! filled in at run time.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};

use crate::scenario::Position;

/// What kind of problem a scenario file has. Each kind has a stable diagnostic code
/// (`okscim::scenario::<kind>`), see [`ScenarioErrorKind::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScenarioErrorKind {
    /// A file or folder could not be read.
    Io,
    /// A path given on the command line does not exist.
    MissingPath,
    /// The file is not valid YAML.
    Syntax,
    /// A key that the format does not know.
    UnknownKey,
    /// A required key is missing.
    MissingKey,
    /// A value has the wrong type (e.g. a list where a string belongs).
    WrongType,
    /// A value has the right type but is not allowed (e.g. an unknown enum word).
    InvalidValue,
    /// Keys that exclude each other are both present (two actions, `body` and `json_file`).
    Conflict,
    /// A step has none of `okta`, `read`, `request`.
    NoStepKind,
    /// A fixture alias that is not defined.
    UnknownAlias,
    /// A user alias where a group belongs, or the other way round.
    WrongAliasKind,
    /// An alias or capture name that is not of the form `[A-Za-z_][A-Za-z0-9_-]*`, or reserved.
    BadName,
    /// The same alias is defined twice.
    DuplicateAlias,
    /// A malformed `${...}` template.
    BadTemplate,
    /// A `${name}` that is not defined anywhere.
    UnknownVariable,
    /// A `${capture}` used before (or in) the step that defines it.
    CaptureNotYetDefined,
    /// An HTTP status outside 100..=599.
    BadStatus,
    /// A JSONPath expression that does not compile.
    BadJsonPath,
    /// A `json_file` that is missing or unreadable.
    JsonFile,
}

impl ScenarioErrorKind {
    /// The stable diagnostic code, e.g. `okscim::scenario::unknown_key`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Io => "okscim::scenario::io",
            Self::MissingPath => "okscim::scenario::missing_path",
            Self::Syntax => "okscim::scenario::syntax",
            Self::UnknownKey => "okscim::scenario::unknown_key",
            Self::MissingKey => "okscim::scenario::missing_key",
            Self::WrongType => "okscim::scenario::wrong_type",
            Self::InvalidValue => "okscim::scenario::invalid_value",
            Self::Conflict => "okscim::scenario::conflict",
            Self::NoStepKind => "okscim::scenario::no_step_kind",
            Self::UnknownAlias => "okscim::scenario::unknown_alias",
            Self::WrongAliasKind => "okscim::scenario::wrong_alias_kind",
            Self::BadName => "okscim::scenario::bad_name",
            Self::DuplicateAlias => "okscim::scenario::duplicate_alias",
            Self::BadTemplate => "okscim::scenario::bad_template",
            Self::UnknownVariable => "okscim::scenario::unknown_variable",
            Self::CaptureNotYetDefined => "okscim::scenario::capture_not_yet_defined",
            Self::BadStatus => "okscim::scenario::bad_status",
            Self::BadJsonPath => "okscim::scenario::bad_jsonpath",
            Self::JsonFile => "okscim::scenario::json_file",
        }
    }
}

/// One problem in a scenario file: where it is, what is wrong, and how to fix it.
///
/// `Display` is one line, `path:line:column: message; help` (the path as it was given, never
/// made absolute). As a miette [`Diagnostic`] it carries the file's text, a labelled span and
/// the help, so a graphical handler can draw a code frame.
#[derive(Debug, Clone)]
pub struct ScenarioError {
    kind: ScenarioErrorKind,
    path: PathBuf,
    position: Option<Position>,
    message: String,
    help: Option<String>,
    label: Option<String>,
    source_code: Option<NamedSource<Arc<str>>>,
    span: Option<SourceSpan>,
}

impl ScenarioError {
    /// A problem with `path` as a whole (no position).
    pub(crate) fn new(kind: ScenarioErrorKind, path: &Path, message: impl Into<String>) -> Self {
        ScenarioError {
            kind,
            path: path.to_owned(),
            position: None,
            message: message.into(),
            help: None,
            label: None,
            source_code: None,
            span: None,
        }
    }

    /// Points the problem at `span` (bytes) of `source`, which is at `position`.
    pub(crate) fn at(
        mut self,
        source: NamedSource<Arc<str>>,
        position: Position,
        span: SourceSpan,
    ) -> Self {
        self.source_code = Some(source);
        self.position = Some(position);
        self.span = Some(span);
        self
    }

    /// Adds how to fix it.
    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        let help = help.into();
        self.help = (!help.is_empty()).then_some(help);
        self
    }

    /// Sets the short text shown under the span in a code frame.
    pub(crate) fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ScenarioErrorKind {
        self.kind
    }

    /// The file, as it was given (relative paths stay relative).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Line and column (1-based), when the problem has a place in the file.
    pub fn position(&self) -> Option<Position> {
        self.position
    }

    /// What is wrong, without the position and without the help.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(p) = self.position {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

impl Diagnostic for ScenarioError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source_code.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        let label = self.label.clone().unwrap_or_else(|| "here".to_owned());
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(label), span),
        )))
    }
}

/// Every problem found while loading scenario files (never empty).
///
/// `Display` prints one [`ScenarioError`] per line. For code frames, render each of
/// [`LoadError::errors`] as its own miette report; as a diagnostic, a `LoadError` lists them
/// all as related diagnostics.
#[derive(Debug, Clone)]
pub struct LoadError {
    errors: Vec<ScenarioError>,
}

impl LoadError {
    /// Wraps a non-empty list of problems.
    pub(crate) fn new(errors: Vec<ScenarioError>) -> Self {
        debug_assert!(!errors.is_empty());
        LoadError { errors }
    }

    /// The problems, in file order, then in order of appearance in each file.
    pub fn errors(&self) -> &[ScenarioError] {
        &self.errors
    }

    /// The problems, owned.
    pub fn into_errors(self) -> Vec<ScenarioError> {
        self.errors
    }
}

impl From<ScenarioError> for LoadError {
    fn from(error: ScenarioError) -> Self {
        LoadError {
            errors: vec![error],
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

impl Diagnostic for LoadError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("okscim::scenario::load"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.errors.iter().map(|e| e as &dyn Diagnostic)))
    }
}

/// A template that could not be filled in at run time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Diagnostic)]
pub enum TemplateError {
    /// A variable that has no value (yet).
    #[error("variable `${{{name}}}` has no value")]
    #[diagnostic(
        code(okscim::template::missing),
        help(
            "ids are known once Okta has created the resource (assign, push, link); \
             captures once their step has run and its JSONPath matched"
        )
    )]
    Missing {
        /// The variable, e.g. `alice.id`.
        name: String,
        /// The whole template it appeared in.
        template: String,
    },
    /// A string that is not a valid template (only for values not checked at load time).
    #[error("invalid template `{template}`: {message}")]
    #[diagnostic(code(okscim::template::syntax))]
    Syntax {
        /// The string.
        template: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A JSONPath that no longer parses once its variables were filled in.
    #[error("JSONPath `{path}` (from `{template}`) does not parse: {message}")]
    #[diagnostic(code(okscim::template::jsonpath))]
    JsonPath {
        /// The template as written.
        template: String,
        /// The rendered expression.
        path: String,
        /// The parser's message.
        message: String,
    },
}

/// A run could not start or could not go on.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// Bad command-line input.
    #[error("{0}")]
    Usage(String),
    /// The embedded reference server could not start.
    #[error("cannot start the embedded reference server: {0}")]
    Embedded(#[from] okscim_reference_server::errors::ServerError),
    /// A JUnit report could not be rendered.
    #[error("cannot render JUnit XML: {0}")]
    Junit(#[from] quick_junit::SerializeError),
    /// Writing a report failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Why an exchange got no complete answer. Kept in the [`crate::http::Exchange`] (results are
/// data) and rendered by reporters with its [`TransportError::help`]. Details are redacted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// No answer (or no end of the body) within the request timeout.
    #[error("no answer within {secs} s (timed out){detail}")]
    Timeout {
        /// The timeout, in seconds.
        secs: f64,
        /// The underlying causes, `: `-separated (or empty).
        detail: String,
    },
    /// The connection could not be made (refused, DNS, TLS handshake).
    #[error("could not connect{detail}")]
    Connect {
        /// The underlying causes, `: `-separated (or empty).
        detail: String,
    },
    /// The body went past the cap (`--max-body`) and was not read further.
    #[error(
        "the response body is larger than the {cap}-byte cap (more than {received} bytes received)"
    )]
    BodyTooLarge {
        /// The cap, in bytes.
        cap: usize,
        /// How many bytes had arrived when reading stopped.
        received: usize,
    },
    /// Anything else: a malformed answer (garbage instead of HTTP, headers too large), a reset.
    #[error("request failed{detail}")]
    Other {
        /// The underlying causes, `: `-separated (or empty).
        detail: String,
    },
}

impl TransportError {
    /// A stable code, e.g. `okscim::transport::timeout`.
    pub fn code(&self) -> &'static str {
        match self {
            TransportError::Timeout { .. } => "okscim::transport::timeout",
            TransportError::Connect { .. } => "okscim::transport::connect",
            TransportError::BodyTooLarge { .. } => "okscim::transport::body_too_large",
            TransportError::Other { .. } => "okscim::transport::other",
        }
    }

    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            TransportError::Timeout { .. } => {
                "the server did not answer in time; Okta gives up after 60 s (raise --timeout only to diagnose)"
            }
            TransportError::Connect { .. } => {
                "check --target (scheme, host, port, base path) and that the server is listening; for TLS, --ca-file or --insecure"
            }
            TransportError::BodyTooLarge { .. } => {
                "the server sent more than --max-body bytes; if the answer is legitimate, raise --max-body"
            }
            TransportError::Other { .. } => {
                "the server's answer is not well-formed HTTP or the connection was cut"
            }
        }
    }
}

impl serde::Serialize for TransportError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// An Okta action that cannot be done in Okta's current state: a mistake in the scenario, not
/// in the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioMistake {
    /// No user fixture has this alias.
    #[error("no user fixture `{0}`")]
    NoUser(String),
    /// No group fixture has this alias.
    #[error("no group fixture `{0}`")]
    NoGroup(String),
    /// A push of a group Okta has pushed already.
    #[error("group `{0}` is already pushed; use push-now or add-members")]
    AlreadyPushed(String),
    /// A membership change, rename or Push Now of a group Okta has not pushed or linked.
    #[error("group `{0}` is not pushed; push or link it first")]
    NotPushed(String),
    /// A Push Now of a group whose push is deactivated.
    #[error("the push of group `{0}` is deactivated; activate-push it first")]
    PushDeactivated(String),
    /// An unlink of a group Okta has not pushed or linked.
    #[error("group `{0}` is not pushed; nothing to unlink")]
    NothingToUnlink(String),
    /// A push rule that no earlier `push-rule` step created (or that was deleted).
    #[error("no push rule `{0}`; create it with push-rule first")]
    NoPushRule(String),
    /// A `push-rule` with a name an existing rule has.
    #[error("push rule `{0}` exists already")]
    PushRuleExists(String),
}

/// Why a step could not run or could not be judged (the scenario, not the server, is at fault).
/// Kept in the step's result; the step has failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    /// A `${name}` without a value when the step ran.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The Okta action cannot be done in Okta's current state (an alias Okta has not provisioned).
    #[error(transparent)]
    Okta(#[from] ScenarioMistake),
    /// A verification read of a resource Okta holds no SCIM id for.
    #[error("`{alias}` has no SCIM id: Okta has not created or linked it in the app yet")]
    NoScimId {
        /// The fixture alias.
        alias: String,
    },
    /// The step expects things of a response, but sent no request.
    #[error("the step expects a response, but it sent no request")]
    NoRequest,
    /// The method is not an HTTP method.
    #[error("`{0}` is not an HTTP method")]
    BadMethod(String),
}

impl StepError {
    /// A stable code, e.g. `okscim::step::template`.
    pub fn code(&self) -> &'static str {
        match self {
            StepError::Template(_) => "okscim::step::template",
            StepError::Okta(_) => "okscim::step::okta_state",
            StepError::NoScimId { .. } => "okscim::step::no_scim_id",
            StepError::NoRequest => "okscim::step::no_request",
            StepError::BadMethod(_) => "okscim::step::bad_method",
        }
    }

    /// How to fix the scenario.
    pub fn help(&self) -> &'static str {
        match self {
            StepError::Template(_) => {
                "ids are known once Okta has created the resource (assign, push, link); captures once their step has run and its JSONPath matched"
            }
            StepError::Okta(_) | StepError::NoScimId { .. } => {
                "assign the user or push the group in an earlier step, or expect `outcome: failure`"
            }
            StepError::NoRequest => {
                "move the expectation to a step that sends a request, or use `requests: 0`"
            }
            StepError::BadMethod(_) => "use GET, POST, PUT, PATCH or DELETE",
        }
    }
}

impl serde::Serialize for StepError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// `okscim record`, `okscim record --finish` and `okscim import-har` could not go on. Each
/// names the file and says what to do.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RecordError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    #[diagnostic(
        code(okscim::record::io),
        help(
            "check that the folder exists and is writable (and, with --finish, that it holds a recording)"
        )
    )]
    Io {
        /// The file or folder.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line of `exchanges.jsonl` other than the last does not parse.
    #[error("{}:{line}: not a recorded exchange: {message}", path.display())]
    #[diagnostic(
        code(okscim::record::bad_line),
        help(
            "the file was changed by hand; restore the line or delete it (a recording's lines are independent)"
        )
    )]
    BadLine {
        /// The file.
        path: std::path::PathBuf,
        /// The line, from 1.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// The proxy could not listen.
    #[error("cannot listen on {addr}: {source}")]
    #[diagnostic(
        code(okscim::record::listen),
        help("choose another --listen address, e.g. 127.0.0.1:0 for any free port")
    )]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The upstream URL is not an http(s) URL.
    #[error("--upstream `{0}` is not an http:// or https:// URL")]
    #[diagnostic(
        code(okscim::record::upstream),
        help(
            "give the SCIM base URL of the server, e.g. --upstream https://app.example.com/scim/v2"
        )
    )]
    Upstream(String),
    /// A HAR file does not parse.
    #[error("{}: not a HAR file: {message}", path.display())]
    #[diagnostic(
        code(okscim::record::har),
        help(
            "export the HAR again from the browser's network panel (\"Save all as HAR\") or the proxy"
        )
    )]
    Har {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong, with the line and column when known.
        message: String,
    },
    /// Nothing was recorded, or nothing of the HAR is below the base URL.
    #[error("{0}")]
    #[diagnostic(code(okscim::record::empty))]
    Empty(String),
    /// An exchange could not be written as JSON.
    #[error("cannot write an exchange as JSON: {0}")]
    #[diagnostic(code(okscim::record::encode))]
    Encode(#[source] serde_json::Error),
    /// Playback of the recording could not start (it listens on 127.0.0.1).
    #[error("cannot start playback of the recording on 127.0.0.1: {0}")]
    #[diagnostic(code(okscim::record::playback))]
    Playback(#[source] std::io::Error),
    /// A client for playback could not be made.
    #[error(transparent)]
    #[diagnostic(code(okscim::record::client))]
    Client(#[from] HarnessError),
    /// The written scenario does not load (a bug in okscim's writer).
    #[error("the written scenario {} does not load: {source}", path.display())]
    #[diagnostic(
        code(okscim::record::written),
        help(
            "this is a bug in okscim; the raw exchanges are kept in exchanges.jsonl: `okscim record --finish DIR --raw` writes raw requests only"
        )
    )]
    Written {
        /// The scenario file.
        path: std::path::PathBuf,
        /// What the loader found.
        #[source]
        source: LoadError,
    },
}

/// What went wrong with a recorded exchange on its way through the recording proxy. Kept in the
/// recording (`exchanges.jsonl`) and shown as a comment on the step it becomes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TapeError {
    /// The upstream could not be reached, timed out or closed the connection before answering:
    /// the client got the proxy's 502.
    #[error("okscim record: the upstream did not answer ({detail})")]
    Unreachable {
        /// The cause, without the URL.
        detail: String,
    },
    /// The upstream failed while sending its answer: the client got it cut short.
    #[error("the upstream failed while sending its answer ({detail}); the client got it cut short")]
    CutShort {
        /// The cause, without the URL.
        detail: String,
    },
    /// The client went away before the whole answer was sent.
    #[error("the client went away before the whole answer was sent")]
    ClientGone,
}
