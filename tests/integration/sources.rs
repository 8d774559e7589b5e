//! Sources users can open: every check cites docs/okta-reference.md (the project's reference of
//! Okta's behaviour, with public URLs) or an RFC section, and every section or source key that
//! a check, a scenario or a doc cites exists in that reference.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use okscim::check::{ALL, CheckKind};

const REFERENCE: &str = "docs/okta-reference.md";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The section numbers of the reference's headings: `1`, `1.3`, `3.15`, …
fn sections() -> BTreeSet<String> {
    read(REFERENCE)
        .lines()
        .filter(|l| l.starts_with("## ") || l.starts_with("### "))
        .filter_map(|l| {
            let number = l.trim_start_matches('#').split_whitespace().next()?;
            let number = number.trim_end_matches('.');
            number
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
                .then(|| number.to_string())
        })
        .collect()
}

/// The source keys of the reference's §0 table (`R20`, `T-PLAN`, `KB-TEST`, …).
fn source_keys() -> BTreeSet<String> {
    let text = read(REFERENCE);
    let start = text.find("## 0.").expect("a §0 Sources section");
    let end = text[start..]
        .find("\n## 1.")
        .map_or(text.len(), |e| start + e);
    text[start..end]
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty() && k != "Key" && !k.starts_with("---"))
        .collect()
}

/// Every `§x.y` in the citation runs that follow `okta-reference.md` in `text`
/// (`okta-reference.md §1.5, §1.10 and §3.19`).
fn cited_sections(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("okta-reference.md") {
        rest = &rest[at + "okta-reference.md".len()..];
        let mut run = rest;
        loop {
            run = run.trim_start_matches([' ', ',', '\n', '–', '-', '(', ')']);
            if let Some(after) = run.strip_prefix("and ") {
                run = after;
                continue;
            }
            let Some(after) = run.strip_prefix('§') else {
                break;
            };
            let end = after
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(after.len());
            let number = after[..end].trim_end_matches('.');
            if number.is_empty() {
                break;
            }
            out.push(number.to_string());
            run = &after[end..];
        }
    }
    out
}

/// Source keys of the kinds the reference defines (`T-…`, `KB-…`) named in `text`.
fn cited_keys(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| {
            (w.starts_with("T-") || w.starts_with("KB-"))
                && w.len() > 3
                && w[w.find('-').unwrap_or(0) + 1..]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        })
        .map(|w| w.trim_end_matches('-').to_string())
        .collect()
}

/// The files whose text cites the reference: the harness and server sources, the scenarios
/// and the docs.
fn citing_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut stack: Vec<PathBuf> = ["src", "reference-server/src", "scenarios", "docs"]
        .iter()
        .map(|d| root().join(d))
        .collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "rs" || e == "yaml" || e == "md")
                && !path.ends_with(REFERENCE)
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_check_cites_a_source_users_can_open() {
    for c in ALL {
        let ok = match c.kind {
            CheckKind::Okta => {
                c.source.contains("okta-reference.md §") || c.source.contains("RFC 764")
            }
            CheckKind::Rfc => c.source.contains("RFC 764"),
            CheckKind::Expect => c.source == "the scenario file",
        };
        assert!(
            ok,
            "{}: its source cites nothing a user can open: {}",
            c.id, c.source
        );
        assert!(!c.source.contains("okta-wire"), "{}: {}", c.id, c.source);
    }
}

#[test]
fn every_cited_section_and_source_key_exists_in_the_reference() {
    let sections = sections();
    assert!(sections.len() > 40, "{sections:?}");
    assert!(sections.contains("3.15") && sections.contains("2.1"));
    let keys = source_keys();
    for k in ["R20", "T-SPEC", "T-CRUD", "T-PLAN", "KB-TEST"] {
        assert!(keys.contains(k), "{k} missing from §0: {keys:?}");
    }
    let mut problems = Vec::new();
    let mut citations = 0;
    for file in citing_files() {
        let text = std::fs::read_to_string(&file).expect("a text file");
        let rel = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        if text.contains("okta-wire.md") {
            problems.push(format!(
                "{rel}: cites okta-wire.md, which users cannot open"
            ));
        }
        for s in cited_sections(&text) {
            citations += 1;
            if !sections.contains(&s) {
                problems.push(format!(
                    "{rel}: cites okta-reference.md §{s}, which does not exist"
                ));
            }
        }
        for k in cited_keys(&text) {
            if !keys.contains(&k) {
                problems.push(format!(
                    "{rel}: names the source {k}, which §0 does not define"
                ));
            }
        }
    }
    assert!(citations > 100, "only {citations} citations found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_citation_reader_reads_runs_and_stops_at_other_text() {
    assert_eq!(
        cited_sections("(okta-reference.md §1.5, §1.10 and §3.19; RFC 7644 §3.5.2)"),
        ["1.5", "1.10", "3.19"]
    );
    assert_eq!(
        cited_sections("okta-reference.md §1.1–§1.3."),
        ["1.1", "1.3"]
    );
    assert!(cited_sections("okta-reference.md says").is_empty());
    assert_eq!(
        cited_keys("(T-PLAN C9340, KB-TEST, T-SPEC step 21)"),
        ["T-PLAN", "KB-TEST", "T-SPEC"]
    );
}
