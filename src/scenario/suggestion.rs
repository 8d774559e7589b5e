//! "Did you mean ...?": the closest known word to a misspelt one.

/// Edit distance counting insertions, deletions, substitutions and swaps of neighbours.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let limit = match word.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .map(|c| (distance(&lower, &c.to_lowercase()), c))
        .filter(|&(d, c)| d <= limit && c != word)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// `did you mean `x`? ` when a close candidate exists, else the empty string.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(word, candidates)
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("assing", &["assign", "update", "unassign"], Some("assign"))]
    #[case("member", &["push", "members"], Some("members"))]
    #[case("usres", &["users", "groups"], Some("users"))]
    #[case("Username", &["userName", "email"], Some("userName"))]
    #[case("zzz", &["users", "groups"], None)]
    #[case("to", &["to", "do"], None)]
    #[case("rename_group", &["rename_groups"], Some("rename_groups"))]
    fn suggests(#[case] word: &str, #[case] cands: &[&str], #[case] want: Option<&str>) {
        assert_eq!(closest(word, cands.iter().copied()), want);
    }

    #[rstest]
    #[case("", "", 0)]
    #[case("abc", "acb", 1)]
    #[case("kitten", "sitting", 3)]
    fn distances(#[case] a: &str, #[case] b: &str, #[case] want: usize) {
        assert_eq!(distance(a, b), want);
    }
}
