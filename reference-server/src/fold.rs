//! The one rule for every case-insensitive comparison of values: Unicode canonical caseless
//! matching (The Unicode Standard, §3.13, D145): NFD, full case folding, then NFC, from ICU4X.
//! `straße` equals `STRASSE`, `ﬀ` equals `FF`, NFC `josé` equals NFD `jose\u{301}`, final `ς`
//! equals `σ` and `Σ`; the dotted capital `İ` folds to `i\u{307}` (not `i`) and the dotless `ı`
//! stays itself, as the default (non-Turkic) folding says.
//!
//! Uniqueness (userName, group displayName), filters on attributes that are not `caseExact`,
//! PATCH value filters and value matching, sorting, and the tailnet profile's group and user
//! names all compare through [`fold`], so none of them can disagree with another. Stored values
//! keep what the client sent (RFC 7643 §2.2): only the comparison and the index key are folded.

use std::borrow::Cow;

use icu_casemap::CaseMapperBorrowed;
use icu_normalizer::{ComposingNormalizerBorrowed, DecomposingNormalizerBorrowed};

/// The key two strings share when they are equal without regard to case: equal keys, equal
/// strings.
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(s.to_ascii_lowercase());
        }
        return Cow::Borrowed(s);
    }
    let decomposed = DecomposingNormalizerBorrowed::new_nfd().normalize(s);
    let folded = CaseMapperBorrowed::new().fold_string(&decomposed);
    Cow::Owned(
        ComposingNormalizerBorrowed::new_nfc()
            .normalize(&folded)
            .into_owned(),
    )
}

/// Whether two strings are equal without regard to case or canonical form.
pub fn eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    fold(a) == fold(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::sharp_s("straße", "STRASSE")]
    #[case::sharp_s_capital("STRAẞE", "strasse")]
    #[case::ligature("ﬀ", "FF")]
    #[case::ligature_in_word("oﬃce@example.com", "OFFICE@EXAMPLE.COM")]
    #[case::nfc_nfd("josé", "jose\u{301}")]
    #[case::nfd_upper("JOSE\u{301}", "josé")]
    #[case::final_sigma("ὈΔΥΣΣΕΎΣ", "ὀδυσσεύς")]
    #[case::sigma_forms("ς", "Σ")]
    #[case::sigma_small("ς", "σ")]
    #[case::dotted_capital_i_with_combining_dot("İ", "i\u{307}")]
    #[case::ascii("Alice@Example.COM", "alice@example.com")]
    #[case::eszett_email("straße@example.com", "STRASSE@example.com")]
    fn equal(#[case] a: &str, #[case] b: &str) {
        assert!(eq(a, b), "{a:?} = {b:?}");
        assert_eq!(fold(a), fold(b));
    }

    #[rstest]
    #[case::dotted_capital_i_is_not_plain_i("İ", "i")]
    #[case::dotless_i_is_not_i("ı", "i")]
    #[case::dotless_i_is_not_capital_i("ı", "I")]
    #[case::accent_matters("josé", "jose")]
    #[case::different("alice", "alicia")]
    fn different(#[case] a: &str, #[case] b: &str) {
        assert!(!eq(a, b), "{a:?} != {b:?}");
        assert_ne!(fold(a), fold(b));
    }

    #[test]
    fn ascii_lowercase_is_borrowed() {
        assert!(matches!(fold("alice@example.com"), Cow::Borrowed(_)));
        assert_eq!(fold("ALICE"), "alice");
    }
}
