//! Text helpers shared by checks and reporters. Server answers are arbitrary: every cut of a
//! string the harness shows goes through [`truncate`], which never splits a character.

use std::borrow::Cow;

/// The first `max_chars` characters of `text`, followed by `…` when anything was cut. Never
/// splits a UTF-8 character, whatever the text.
pub fn truncate(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// Like [`truncate`], saying how many bytes were left out: `abc… (1234 more bytes)`.
pub fn truncate_counted(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!(
            "{}… ({} more bytes)",
            &text[..end],
            text.len() - end
        )),
    }
}

/// "against …" wording for a target label: a URL as it is, a name with "the" (`the embedded
/// reference server`).
pub fn target_phrase(label: &str) -> String {
    if label.contains("://") {
        label.to_string()
    } else {
        format!("the {label}")
    }
}

/// `n thing` or `n things`.
pub fn count_of(n: usize, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wording_for_targets_and_counts() {
        assert_eq!(
            target_phrase("http://127.0.0.1:1/scim/v2"),
            "http://127.0.0.1:1/scim/v2"
        );
        assert_eq!(
            target_phrase("embedded reference server"),
            "the embedded reference server"
        );
        assert_eq!(count_of(1, "file"), "1 file");
        assert_eq!(count_of(2, "file"), "2 files");
    }

    #[test]
    fn cuts_on_character_boundaries() {
        let detail =
            "L'utilisateur existe déjà dans l'annuaire de l'entreprise; veuillez réessayer. "
                .repeat(4);
        let cut = truncate(&detail, 120);
        assert_eq!(cut.chars().count(), 121);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short", 120), "short");
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate_counted("ééé", 2), "éé… (2 more bytes)");
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_a_prefix(text in any::<String>(), max in 0usize..300) {
            let cut = truncate(&text, max);
            let kept = cut.trim_end_matches('…');
            prop_assert!(text.starts_with(kept) || text.starts_with(cut.as_ref()));
            prop_assert!(cut.chars().count() <= max + 1);
            let _ = truncate_counted(&text, max);
        }
    }
}
