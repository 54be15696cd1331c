//! Planning a mirror of operator catalogs (pure; the copying is the plugin's).
//!
//! ```text
//! isc::parse        ImageSetConfiguration YAML/JSON → ImageSetConfig (errors at file:line:col)
//! select::filter    one catalog (fbc::Fbc) × one OperatorSpec → a smaller catalog, still valid
//! plan::collect     the filtered catalogs → images to copy, target names, mapping.txt
//! resources         IDMS / ITMS / ICSP / CatalogSource / ClusterCatalog YAML for the cluster
//! ```
//!
//! The contract with the executor (plugin/src/mirror) is `MIRROR-API.md`;
//! the user-facing description is `docs/mirror-planning.md`.

pub mod isc;
pub mod plan;
pub mod resources;
pub mod select;

/// Levenshtein distance (for "did you mean" suggestions).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word` (case-insensitive first, then by edit
/// distance), if it is close enough to be a plausible typo.
pub(crate) fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(word)) {
        return Some(c);
    }
    let lw = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&lw, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let known = ["catalog", "targetCatalog", "targetTag", "packages", "full"];
        assert_eq!(nearest("targetcatalog", &known), Some("targetCatalog"));
        assert_eq!(nearest("pakages", &known), Some("packages"));
        assert_eq!(nearest("targetTga", &known), Some("targetTag"));
        assert_eq!(nearest("zzzzzzzz", &known), None);
    }
}
