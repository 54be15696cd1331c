//! How a catalog lies on disk, as pure functions over paths: the order opm
//! reads a catalog directory in, the `.indexignore` files it honours, and
//! which directory is the catalog root of a given file.
//!
//! The CLI walks real directories with these rules (`plugin/src/fs.rs`); the
//! browser and the Node pre-commit hook apply them to a set of `{path, text}`
//! files ([`catalog_files`]). Both read the same files in the same order.
//!
//! Paths are strings with `/` separators, relative to the catalog root (or to
//! any common ancestor of it: an `.indexignore` applies to the directory that
//! holds it, wherever that is).
//!
//! **Order** ([`compare_paths`]): opm walks a directory recursively, visiting
//! the entries of each directory sorted by name (bytes), so paths compare
//! component by component: `a/z.yaml` comes before `a.json`.
//!
//! **`.indexignore`** ([`IndexIgnore`], [`IgnoreStack`]): gitignore syntax
//! (`#` comments, `!` re-includes, a trailing `/` for directories only, a
//! pattern with a `/` anchored to its directory, otherwise matching a name at
//! any depth; `*`, `?`, `[a-z]`, `**`; `\` escapes), patterns relative to the
//! directory of the file, the deepest file deciding first and the last
//! matching line of a file winning. An ignored directory is not entered, so
//! nothing below it can be re-included. The `.indexignore` files themselves
//! are never catalog files.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The name of opm's ignore files.
pub const INDEX_IGNORE: &str = ".indexignore";

/// Compare two paths the way opm's walk orders files: component by component,
/// each compared by bytes.
pub fn compare_paths(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// What one ignore file says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// No pattern matches.
    None,
    /// The last matching pattern excludes it.
    Ignore,
    /// The last matching pattern is a `!` pattern: it is included.
    Whitelist,
}

/// One token of a path segment's glob.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Char(char),
    /// `?`: any one character.
    Any,
    /// `*`: any run of characters (never a `/`).
    Star,
    /// `[...]`: one character in (or, negated, not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// One `/`-separated part of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// `**` on its own: zero or more whole path segments.
    Globstar,
    Glob(Vec<Tok>),
}

#[derive(Debug, Clone)]
struct Pattern {
    segs: Vec<Seg>,
    whitelist: bool,
    only_dir: bool,
}

/// The patterns of one `.indexignore` file.
#[derive(Debug, Clone, Default)]
pub struct IndexIgnore {
    patterns: Vec<Pattern>,
}

impl IndexIgnore {
    /// Parse the text of an `.indexignore` file. Every line is accepted: a
    /// malformed bracket expression matches its characters literally.
    pub fn parse(text: &str) -> Self {
        IndexIgnore {
            patterns: text.lines().filter_map(parse_line).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Match a path relative to the directory holding this file. Like git, a
    /// path is also excluded when one of its parent directories is (the
    /// deepest level with a matching pattern decides).
    pub fn matched(&self, rel: &str, is_dir: bool) -> Match {
        let segs: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
        if segs.is_empty() {
            return Match::None;
        }
        for n in (1..=segs.len()).rev() {
            let m = self.matched_exact(&segs[..n], is_dir || n < segs.len());
            if m != Match::None {
                return m;
            }
        }
        Match::None
    }

    fn matched_exact(&self, segs: &[&str], is_dir: bool) -> Match {
        for p in self.patterns.iter().rev() {
            if p.only_dir && !is_dir {
                continue;
            }
            if match_segs(&p.segs, segs) {
                return if p.whitelist {
                    Match::Whitelist
                } else {
                    Match::Ignore
                };
            }
        }
        Match::None
    }
}

fn parse_line(line: &str) -> Option<Pattern> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.starts_with('#') {
        return None;
    }
    let mut line = if line.ends_with("\\ ") {
        line
    } else {
        line.trim_end()
    };
    if line.is_empty() {
        return None;
    }
    let mut whitelist = false;
    let mut anchored = false;
    if line.starts_with("\\!") || line.starts_with("\\#") {
        line = &line[1..];
    } else {
        if let Some(rest) = line.strip_prefix('!') {
            whitelist = true;
            line = rest;
        }
        if let Some(rest) = line.strip_prefix('/') {
            anchored = true;
            line = rest;
        }
    }
    let mut only_dir = false;
    if let Some(rest) = line.strip_suffix('/') {
        only_dir = true;
        line = rest.strip_suffix('\\').unwrap_or(rest);
    }
    if line.is_empty() {
        return None;
    }
    anchored |= line.contains('/');
    let mut segs: Vec<Seg> = Vec::new();
    if !anchored && line != "**" && !line.starts_with("**/") {
        segs.push(Seg::Globstar);
    }
    for part in line.split('/') {
        if part == "**" {
            if segs.last() != Some(&Seg::Globstar) {
                segs.push(Seg::Globstar);
            }
        } else {
            segs.push(Seg::Glob(parse_glob(part)));
        }
    }
    // `dir/**` matches what is inside `dir`, not `dir` itself.
    if segs.len() > 1 && segs.last() == Some(&Seg::Globstar) {
        segs.push(Seg::Glob(vec![Tok::Star]));
    }
    Some(Pattern {
        segs,
        whitelist,
        only_dir,
    })
}

fn parse_glob(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(Tok::Char(chars[i + 1]));
                i += 2;
            }
            '*' => {
                if out.last() != Some(&Tok::Star) {
                    out.push(Tok::Star);
                }
                i += 1;
            }
            '?' => {
                out.push(Tok::Any);
                i += 1;
            }
            '[' => match parse_class(&chars, i + 1) {
                Some((tok, next)) => {
                    out.push(tok);
                    i = next;
                }
                None => {
                    out.push(Tok::Char('['));
                    i += 1;
                }
            },
            c => {
                out.push(Tok::Char(c));
                i += 1;
            }
        }
    }
    out
}

/// A bracket expression starting after `[`: the token and the index after `]`.
fn parse_class(chars: &[char], mut i: usize) -> Option<(Tok, usize)> {
    let mut negated = false;
    if matches!(chars.get(i), Some('!' | '^')) {
        negated = true;
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let mut c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Tok::Class { negated, ranges }, i + 1));
        }
        first = false;
        if c == '\\' {
            i += 1;
            c = *chars.get(i)?;
        }
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&e| e != ']') {
            let mut end = chars[i + 2];
            i += 2;
            if end == '\\' {
                i += 1;
                end = *chars.get(i)?;
            }
            ranges.push((c, end));
        } else {
            ranges.push((c, c));
        }
        i += 1;
    }
}

fn match_segs(pat: &[Seg], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((Seg::Globstar, rest)) => (0..=path.len()).any(|k| match_segs(rest, &path[k..])),
        Some((Seg::Glob(toks), rest)) => match path.split_first() {
            Some((first, more)) => {
                let chars: Vec<char> = first.chars().collect();
                match_toks(toks, &chars) && match_segs(rest, more)
            }
            None => false,
        },
    }
}

fn match_toks(toks: &[Tok], s: &[char]) -> bool {
    match toks.split_first() {
        None => s.is_empty(),
        Some((Tok::Star, rest)) => (0..=s.len()).any(|k| match_toks(rest, &s[k..])),
        Some((tok, rest)) => match s.split_first() {
            Some((&c, more)) => {
                let ok = match tok {
                    Tok::Char(x) => *x == c,
                    Tok::Any => true,
                    Tok::Class { negated, ranges } => {
                        ranges.iter().any(|&(a, b)| a <= c && c <= b) != *negated
                    }
                    Tok::Star => unreachable!("handled above"),
                };
                ok && match_toks(rest, more)
            }
            None => false,
        },
    }
}

/// The `.indexignore` files in effect during a walk, outermost first.
#[derive(Debug, Clone, Default)]
pub struct IgnoreStack {
    /// (directory relative to the walk's root, its patterns)
    frames: Vec<(String, IndexIgnore)>,
}

impl IgnoreStack {
    pub fn new() -> Self {
        Self::default()
    }

    /// Enter directory `dir` (relative to the root; `""` for the root) that
    /// holds an `.indexignore` with `text`.
    pub fn push(&mut self, dir: &str, text: &str) {
        self.frames.push((
            dir.trim_end_matches('/').to_string(),
            IndexIgnore::parse(text),
        ));
    }

    /// Leave the directory of the last [`push`](Self::push).
    pub fn pop(&mut self) {
        self.frames.pop();
    }

    /// Whether the walk skips `path` (relative to the root): the deepest
    /// `.indexignore` with an opinion decides.
    pub fn is_ignored(&self, path: &str, is_dir: bool) -> bool {
        for (dir, ig) in self.frames.iter().rev() {
            let rel = if dir.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(dir.as_str())
                    .and_then(|r| r.strip_prefix('/'))
            };
            if let Some(rel) = rel {
                match ig.matched(rel, is_dir) {
                    Match::Ignore => return true,
                    Match::Whitelist => return false,
                    Match::None => {}
                }
            }
        }
        false
    }
}

#[derive(Default)]
struct Dir<'a> {
    /// name → index of the file in the input
    files: BTreeMap<&'a str, usize>,
    dirs: BTreeMap<&'a str, Dir<'a>>,
}

/// The files of a catalog given as a set of paths (no directory entries), in
/// the order opm reads them, without the `.indexignore` files and what they
/// exclude. `text_of(i)` gives the text of `paths[i]` (it is asked only for
/// `.indexignore` files). Returns indices into `paths`. A path given twice is
/// read once (its last occurrence).
pub fn catalog_files<'a, S: AsRef<str>>(
    paths: &'a [S],
    text_of: impl Fn(usize) -> Option<&'a str>,
) -> Vec<usize> {
    let mut root = Dir::default();
    for (i, p) in paths.iter().enumerate() {
        let parts: Vec<&str> = p.as_ref().split('/').filter(|s| !s.is_empty()).collect();
        let Some((name, dirs)) = parts.split_last() else {
            continue;
        };
        let mut d = &mut root;
        for part in dirs {
            d = d.dirs.entry(part).or_default();
        }
        d.files.insert(name, i);
    }
    let mut out = Vec::new();
    let mut stack = IgnoreStack::new();
    walk(&root, "", &mut stack, &text_of, &mut out);
    out
}

fn walk<'a>(
    dir: &Dir<'a>,
    path: &str,
    stack: &mut IgnoreStack,
    text_of: &impl Fn(usize) -> Option<&'a str>,
    out: &mut Vec<usize>,
) {
    let pushed = match dir.files.get(INDEX_IGNORE) {
        Some(&i) => {
            stack.push(path, text_of(i).unwrap_or(""));
            true
        }
        None => false,
    };
    // Files and directories interleave by name, as in a directory listing.
    let mut entries: Vec<(&str, Option<usize>)> = dir
        .files
        .iter()
        .map(|(n, &i)| (*n, Some(i)))
        .chain(dir.dirs.keys().map(|n| (*n, None)))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(b.0).then(a.1.is_some().cmp(&b.1.is_some())));
    for (name, file) in entries {
        let child = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}/{name}")
        };
        match file {
            Some(i) => {
                if name != INDEX_IGNORE && !stack.is_ignored(&child, false) {
                    out.push(i);
                }
            }
            None => {
                if !stack.is_ignored(&child, true) {
                    walk(&dir.dirs[name], &child, stack, text_of, out);
                }
            }
        }
    }
    if pushed {
        stack.pop();
    }
}

/// Normalise a user-given directory: `/` separators, no `./`, no trailing
/// `/`; `""` stands for the current directory.
pub fn normalize_dir(dir: &str) -> String {
    let d = dir.replace('\\', "/");
    let parts: Vec<&str> = d
        .split('/')
        .enumerate()
        .filter(|&(i, s)| (i == 0 || !s.is_empty()) && s != ".")
        .map(|(_, s)| s)
        .collect();
    parts.join("/")
}

/// The catalog root a file belongs to, for tools that are given changed files
/// (pre-commit hooks) and must validate whole catalogs, because a document in
/// one file can depend on another file.
///
/// - With configured `roots`: the deepest root that contains the file; a file
///   in none of them belongs to no catalog (`None`).
/// - Otherwise, opm's usual layout `<root>/<package>/<files>` is detected:
///   the nearest ancestor directory named after a package the file declares
///   (`packages`: the `olm.package` names and `package` fields of its
///   documents) is the package directory, and its parent is the root.
/// - Otherwise the file's own directory is the root.
///
/// Paths use `/`; the result is normalised as by [`normalize_dir`] (`""` is
/// the current directory).
pub fn catalog_root(file: &str, packages: &[&str], roots: &[&str]) -> Option<String> {
    let file = normalize_dir(file);
    let parts: Vec<&str> = file.split('/').collect();
    let dirs = &parts[..parts.len().saturating_sub(1)];
    if !roots.is_empty() {
        return roots
            .iter()
            .map(|r| normalize_dir(r))
            .filter(|r| {
                r.is_empty()
                    || (file.len() > r.len()
                        && file.starts_with(r.as_str())
                        && file.as_bytes()[r.len()] == b'/')
            })
            .max_by_key(|r| r.split('/').filter(|s| !s.is_empty()).count());
    }
    for i in (0..dirs.len()).rev() {
        if !dirs[i].is_empty() && packages.contains(&dirs[i]) {
            return Some(dirs[..i].join("/"));
        }
    }
    Some(dirs.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ig(text: &str, path: &str, is_dir: bool) -> Match {
        IndexIgnore::parse(text).matched(path, is_dir)
    }

    #[test]
    fn order_is_by_component() {
        let mut v = vec!["a.json", "a/z.yaml", "b", "a/b/c", "A", "a-b/x"];
        v.sort_by(|a, b| compare_paths(a, b));
        assert_eq!(v, ["A", "a/b/c", "a/z.yaml", "a-b/x", "a.json", "b"]);
    }

    #[test]
    fn gitignore_syntax() {
        use Match::*;
        // unanchored names match at any depth, files and directories
        assert_eq!(ig("*.md", "README.md", false), Ignore);
        assert_eq!(ig("*.md", "a/b/README.md", false), Ignore);
        assert_eq!(ig("*.md", "a/b.md/x.yaml", false), Ignore);
        assert_eq!(ig("*.md", "a.yaml", false), None);
        // a slash anchors to the file's directory
        assert_eq!(ig("/x.yaml", "x.yaml", false), Ignore);
        assert_eq!(ig("/x.yaml", "a/x.yaml", false), None);
        assert_eq!(ig("a/x.yaml", "a/x.yaml", false), Ignore);
        assert_eq!(ig("a/x.yaml", "b/a/x.yaml", false), None);
        // trailing slash: directories only (and so what is inside them)
        assert_eq!(ig("skip/", "skip", false), None);
        assert_eq!(ig("skip/", "skip", true), Ignore);
        assert_eq!(ig("skip/", "skip/x.yaml", false), Ignore);
        assert_eq!(ig("skip/", "a/skip/x.yaml", false), Ignore);
        // last matching line wins; ! re-includes
        assert_eq!(ig("*.yaml\n!keep.yaml", "keep.yaml", false), Whitelist);
        assert_eq!(ig("!keep.yaml\n*.yaml", "keep.yaml", false), Ignore);
        // comments, blank lines, escapes, trailing spaces
        assert_eq!(ig("# c\n\n\\#x", "#x", false), Ignore);
        assert_eq!(ig("\\!x", "!x", false), Ignore);
        assert_eq!(ig("x.yaml   ", "x.yaml", false), Ignore);
        assert_eq!(ig("x\\ ", "x ", false), Ignore);
        assert_eq!(ig("a\\*", "a*", false), Ignore);
        assert_eq!(ig("a\\*", "ab", false), None);
        // wildcards never cross '/'
        assert_eq!(ig("a/*.yaml", "a/b/c.yaml", false), None);
        assert_eq!(ig("a/?.yaml", "a/b.yaml", false), Ignore);
        assert_eq!(ig("a?b", "a/b", false), None);
        // **
        assert_eq!(ig("**/x", "x", false), Ignore);
        assert_eq!(ig("**/x", "a/b/x", false), Ignore);
        assert_eq!(ig("a/**", "a", true), None);
        assert_eq!(ig("a/**", "a/b/c", false), Ignore);
        assert_eq!(ig("a/**/b", "a/b", false), Ignore);
        assert_eq!(ig("a/**/b", "a/x/y/b", false), Ignore);
        assert_eq!(ig("a**b", "axxb", false), Ignore);
        assert_eq!(ig("**", "a/b", false), Ignore);
        // classes
        assert_eq!(ig("v[0-9].yaml", "v1.yaml", false), Ignore);
        assert_eq!(ig("v[!0-9].yaml", "v1.yaml", false), None);
        assert_eq!(ig("v[^0-9].yaml", "vx.yaml", false), Ignore);
        assert_eq!(ig("[]x]", "]", false), Ignore);
        assert_eq!(ig("a[", "a[", false), Ignore);
        // case-sensitive, no brace alternation (git has none)
        assert_eq!(ig("*.MD", "a.md", false), None);
        assert_eq!(ig("*.{md,txt}", "a.md", false), None);
    }

    #[test]
    fn stack_deepest_decides() {
        let mut s = IgnoreStack::new();
        s.push("", "*.md\n");
        s.push("b", "!keep.md\n");
        assert!(s.is_ignored("a.md", false));
        assert!(!s.is_ignored("b/keep.md", false));
        assert!(s.is_ignored("b/other.md", false));
        s.pop();
        assert!(s.is_ignored("b/keep.md", false));
    }

    #[test]
    fn file_set_like_a_walk() {
        let files: Vec<(&str, &str)> = vec![
            ("z.yaml", ""),
            ("a.json", ""),
            ("README.md", ""),
            (".indexignore", "*.md\nskip/\n"),
            ("skip/x.yaml", ""),
            ("b/.indexignore", "!keep.md\nsub/*.txt\n"),
            ("b/keep.md", ""),
            ("b/sub/n.txt", ""),
            ("b/sub/y.yaml", ""),
            ("a/z.yaml", ""),
        ];
        let paths: Vec<&str> = files.iter().map(|f| f.0).collect();
        let got: Vec<&str> = catalog_files(&paths, |i| Some(files[i].1))
            .into_iter()
            .map(|i| paths[i])
            .collect();
        assert_eq!(
            got,
            ["a/z.yaml", "a.json", "b/keep.md", "b/sub/y.yaml", "z.yaml"]
        );
        // An ignored directory is not entered: nothing below it comes back.
        let files = [
            (".indexignore", "skip/\n!skip/keep.yaml\n"),
            ("skip/keep.yaml", ""),
        ];
        let paths: Vec<&str> = files.iter().map(|f| f.0).collect();
        assert!(catalog_files(&paths, |i| Some(files[i].1)).is_empty());
        // The ignore file applies to its own directory, wherever the set starts.
        let files = [
            ("cat/.indexignore", "/x.yaml\n"),
            ("cat/x.yaml", ""),
            ("cat/p/x.yaml", ""),
        ];
        let paths: Vec<&str> = files.iter().map(|f| f.0).collect();
        assert_eq!(catalog_files(&paths, |i| Some(files[i].1)), [2]);
    }

    #[test]
    fn roots_of_files() {
        let r = |f: &str, p: &[&str], roots: &[&str]| catalog_root(f, p, roots);
        // opm's layout: <root>/<package>/...
        assert_eq!(
            r("catalog/foo/index.yaml", &["foo"], &[]).unwrap(),
            "catalog"
        );
        assert_eq!(
            r("v4.20/catalog/foo/b/1.json", &["foo"], &[]).unwrap(),
            "v4.20/catalog"
        );
        assert_eq!(r("foo/index.yaml", &["foo"], &[]).unwrap(), "");
        // otherwise the file's directory
        assert_eq!(r("catalog/index.yaml", &["foo"], &[]).unwrap(), "catalog");
        assert_eq!(r("./catalog/x/index.yaml", &[], &[]).unwrap(), "catalog/x");
        assert_eq!(r("index.yaml", &[], &[]).unwrap(), "");
        assert_eq!(r("/abs/cat/foo/x.yaml", &["foo"], &[]).unwrap(), "/abs/cat");
        // configured roots: the deepest containing one, or none
        let roots = ["catalogs", "catalogs/v4.20/", "./other"];
        assert_eq!(
            r("catalogs/v4.20/foo/x.json", &["foo"], &roots).unwrap(),
            "catalogs/v4.20"
        );
        assert_eq!(
            r("catalogs/v4.19/foo/x.json", &["foo"], &roots).unwrap(),
            "catalogs"
        );
        assert_eq!(r("other/x.yaml", &[], &roots).unwrap(), "other");
        assert_eq!(r("catalogs-old/x.yaml", &[], &roots), None);
        assert_eq!(r("x.yaml", &[], &["."]).unwrap(), "");
    }
}
