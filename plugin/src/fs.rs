//! Reading a catalog directory exactly as opm does: every regular file,
//! recursively, in lexical order, except `.indexignore` files and what their
//! gitignore-style patterns exclude. The rules themselves are pure and live in
//! `fbc_core::layout` (the browser and the Node hook apply the same ones to a
//! set of files); this module only reads directories.

use fbc_core::layout::{self, INDEX_IGNORE, IgnoreStack};
use fbc_core::source::FileId;
use std::path::{Component, Path, PathBuf};

/// The files of a catalog root, in opm's order.
pub fn catalog_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if !meta.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut ignores = IgnoreStack::new();
    walk(root, "", &mut ignores, &mut files)?;
    Ok(files)
}

/// Walk `dir`, which is `rel` (with `/` separators) below the root.
fn walk(
    dir: &Path,
    rel: &str,
    ignores: &mut IgnoreStack,
    files: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort_by_key(|a| a.file_name());
    let ignore_file = dir.join(INDEX_IGNORE);
    let pushed = if entries.iter().any(|e| e.file_name() == INDEX_IGNORE) && !ignore_file.is_dir() {
        let text = std::fs::read_to_string(&ignore_file)
            .map_err(|e| format!("{}: {e}", ignore_file.display()))?;
        ignores.push(rel, &text);
        true
    } else {
        false
    };
    for e in entries {
        let path = e.path();
        let is_dir = std::fs::metadata(&path)
            .map(|m| m.is_dir())
            .unwrap_or(false);
        if e.file_name() == INDEX_IGNORE && !is_dir {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if ignores.is_ignored(&child, is_dir) {
            continue;
        }
        if is_dir {
            walk(&path, &child, ignores, files)?;
        } else {
            files.push(path);
        }
    }
    if pushed {
        ignores.pop();
    }
    Ok(())
}

/// `validate --changed`: the catalog root of each changed file, each once, in
/// order ([`layout::catalog_root`]: the deepest of `roots` holding the file,
/// or the parent of the nearest ancestor directory named after a package the
/// file declares, or the file's directory). A file that no longer exists
/// (deleted) or lies outside every configured root is skipped; a directory
/// is taken as a catalog itself.
pub fn changed_catalog_roots(files: &[PathBuf], roots: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let roots: Vec<String> = roots.iter().map(|r| slash(r)).collect();
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let mut out: Vec<PathBuf> = Vec::new();
    for f in files {
        let root = match std::fs::metadata(f) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{}: {e}", f.display())),
            Ok(m) if m.is_dir() => f.clone(),
            Ok(_) => {
                let bytes = std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?;
                let loaded = fbc_core::load::load_bytes(FileId(0), &bytes);
                let packages = loaded.config.package_names();
                match layout::catalog_root(&slash(f), &packages, &roots) {
                    Some(r) if r.is_empty() => PathBuf::from("."),
                    Some(r) => PathBuf::from(r),
                    None => continue,
                }
            }
        };
        if !out.contains(&root) {
            out.push(root);
        }
    }
    Ok(out)
}

/// A path with `/` separators, as `fbc_core::layout` takes them.
fn slash(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .filter_map(|c| match c {
            Component::RootDir => Some(String::new()),
            Component::CurDir => None,
            other => Some(other.as_os_str().to_string_lossy().into_owned()),
        })
        .collect();
    if parts == [""] {
        "/".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexignore_nested_and_order() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("b/sub")).unwrap();
        std::fs::write(p.join(".indexignore"), "*.md\nskip/\n").unwrap();
        std::fs::write(p.join("z.yaml"), "").unwrap();
        std::fs::write(p.join("a.json"), "").unwrap();
        std::fs::write(p.join("README.md"), "").unwrap();
        std::fs::create_dir_all(p.join("skip")).unwrap();
        std::fs::write(p.join("skip/x.yaml"), "").unwrap();
        std::fs::write(p.join("b/.indexignore"), "!keep.md\nsub/*.txt\n").unwrap();
        std::fs::write(p.join("b/keep.md"), "").unwrap();
        std::fs::write(p.join("b/sub/n.txt"), "").unwrap();
        std::fs::write(p.join("b/sub/y.yaml"), "").unwrap();
        let got: Vec<String> = catalog_files(p)
            .unwrap()
            .iter()
            .map(|f| f.strip_prefix(p).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(got, ["a.json", "b/keep.md", "b/sub/y.yaml", "z.yaml"]);
    }

    /// The `.indexignore` matching in fbc-core agrees with the `ignore`
    /// crate's gitignore implementation (which this walk used before) on
    /// the syntax git documents (brace alternation, which git lacks, aside).
    #[test]
    fn indexignore_matches_the_gitignore_crate() {
        use fbc_core::layout::{IndexIgnore, Match};
        use ignore::gitignore::GitignoreBuilder;
        let patterns = [
            "*.md",
            "/x.yaml",
            "a/x.yaml",
            "skip/",
            "!keep.yaml",
            "# c",
            "\\#x",
            "\\!x",
            "x.yaml   ",
            "a\\*",
            "a/*.yaml",
            "a/?.yaml",
            "**/x",
            "a/**",
            "a/**/b",
            "a**b",
            "**",
            "v[0-9].yaml",
            "v[!0-9].yaml",
            "*.json",
            "b/",
            "/b/c/",
            "c",
            "*",
            "?",
            "*.y*ml",
            "sub/*.txt",
            "a/b/",
            "!a/b/",
            "**/b/*.yaml",
        ];
        let paths = [
            "README.md",
            "a/b/README.md",
            "x.yaml",
            "a/x.yaml",
            "b/a/x.yaml",
            "skip",
            "skip/x.yaml",
            "keep.yaml",
            "#x",
            "!x",
            "a*",
            "ab",
            "a/b/c.yaml",
            "a/b.yaml",
            "a/b",
            "a/x/y/b",
            "axxb",
            "v1.yaml",
            "vx.yaml",
            "b/c",
            "b/c/d.json",
            "c",
            "sub/n.txt",
            "q/sub/n.txt",
            "x/b/y.yaml",
        ];
        for p in patterns {
            for q in patterns {
                let text = format!("{p}\n{q}\n");
                let ours = IndexIgnore::parse(&text);
                let mut b = GitignoreBuilder::new("/r");
                for line in text.lines() {
                    b.add_line(None, line).unwrap();
                }
                let theirs = b.build().unwrap();
                for path in paths {
                    for is_dir in [false, true] {
                        let t = theirs.matched_path_or_any_parents(path, is_dir);
                        let want = if t.is_ignore() {
                            Match::Ignore
                        } else if t.is_whitelist() {
                            Match::Whitelist
                        } else {
                            Match::None
                        };
                        assert_eq!(
                            ours.matched(path, is_dir),
                            want,
                            "{text:?} on {path} (dir: {is_dir})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn roots_of_changed_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("catalogs/v4.20/foo")).unwrap();
        std::fs::create_dir_all(p.join("single")).unwrap();
        std::fs::write(
            p.join("catalogs/v4.20/foo/index.yaml"),
            "schema: olm.package\nname: foo\n",
        )
        .unwrap();
        std::fs::write(
            p.join("catalogs/v4.20/foo/bundle.json"),
            "{\"schema\": \"olm.bundle\", \"package\": \"foo\", \"name\": \"foo.v1\"}",
        )
        .unwrap();
        std::fs::write(
            p.join("single/index.yaml"),
            "schema: olm.package\nname: bar\n",
        )
        .unwrap();
        let files: Vec<PathBuf> = [
            "catalogs/v4.20/foo/index.yaml",
            "catalogs/v4.20/foo/bundle.json",
            "single/index.yaml",
            "deleted.yaml",
        ]
        .iter()
        .map(|f| p.join(f))
        .collect();
        assert_eq!(
            changed_catalog_roots(&files, &[]).unwrap(),
            [p.join("catalogs/v4.20"), p.join("single")]
        );
        // Configured roots: the deepest holding the file; others skipped.
        assert_eq!(
            changed_catalog_roots(&files, &[p.join("catalogs")]).unwrap(),
            [p.join("catalogs")]
        );
        assert_eq!(slash(Path::new("./a/b")), "a/b");
        assert_eq!(slash(Path::new("/a/b")), "/a/b");
        assert_eq!(slash(Path::new("/")), "/");
    }
}
