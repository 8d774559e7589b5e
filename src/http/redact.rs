//! Secrets (tokens, passwords) are wrapped so that they cannot be printed by accident, and every
//! recorded request and response passes through a [`Redactor`] that replaces them.

use std::fmt;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// A secret value: its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Secrets shorter than this are not searched for in recorded text: replacing every `t` of a
/// one-letter token would garble the record. They still never appear in the Authorization header
/// as recorded, which is written redacted in the first place.
pub const MIN_SEARCHED_SECRET_LEN: usize = 6;

/// Replaces every known secret in recorded text, in one pass over the text whatever the number
/// of secrets (a scenario with a hundred users has a hundred placeholder passwords).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
    matcher: Option<Arc<AhoCorasick>>,
}

impl Redactor {
    /// A redactor for these secrets (empty ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let mut r = Redactor::default();
        r.add_all(secrets);
        r
    }

    /// Adds a secret.
    pub fn add(&mut self, secret: Secret) {
        self.add_all([secret]);
    }

    /// Adds secrets.
    pub fn add_all(&mut self, secrets: impl IntoIterator<Item = Secret>) {
        let before = self.secrets.len();
        for secret in secrets {
            if secret.0.len() >= MIN_SEARCHED_SECRET_LEN && !self.secrets.contains(&secret) {
                self.secrets.push(secret);
            }
        }
        if self.secrets.len() != before {
            // Leftmost-longest: a secret that contains another is replaced whole.
            self.matcher = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                // Built once per scenario, run over every recorded text: a DFA scans fastest.
                .kind(Some(AhoCorasickKind::DFA))
                .build(self.secrets.iter().map(|s| s.0.as_bytes()))
                .ok()
                .map(Arc::new);
        }
    }

    /// `text` with every secret replaced.
    pub fn redact(&self, text: &str) -> String {
        match &self.matcher {
            Some(m) if m.is_match(text) => {
                let mut out = String::with_capacity(text.len());
                m.replace_all_with(text, &mut out, |_, _, dst| {
                    dst.push_str(REDACTED);
                    true
                });
                out
            }
            _ => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "[REDACTED] [REDACTED]");
        let r = Redactor::new([s, Secret::new("hunter"), Secret::new("t")]);
        assert_eq!(
            r.redact("a hunter2 b hunter t"),
            "a [REDACTED] b [REDACTED] t"
        );
    }
}
