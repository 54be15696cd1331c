//! Reading a catalog directory exactly as opm does: every regular file,
//! recursively, in lexical order, except `.indexignore` files and what their
//! gitignore-style patterns exclude (patterns are relative to the directory
//! holding the `.indexignore`; deeper files take precedence).

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};

pub const INDEX_IGNORE: &str = ".indexignore";

/// The files of a catalog root, in opm's order.
pub fn catalog_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if !meta.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut ignores: Vec<(PathBuf, Gitignore)> = Vec::new();
    walk(root, &mut ignores, &mut files)?;
    Ok(files)
}

fn walk(
    dir: &Path,
    ignores: &mut Vec<(PathBuf, Gitignore)>,
    files: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort_by_key(|a| a.file_name());
    let pushed = if entries.iter().any(|e| e.file_name() == INDEX_IGNORE) {
        let path = dir.join(INDEX_IGNORE);
        let mut b = GitignoreBuilder::new(dir);
        if let Some(e) = b.add(&path) {
            return Err(format!("{}: {e}", path.display()));
        }
        let gi = b.build().map_err(|e| format!("{}: {e}", path.display()))?;
        ignores.push((dir.to_path_buf(), gi));
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
        if ignored(ignores, &path, is_dir) {
            continue;
        }
        if is_dir {
            walk(&path, ignores, files)?;
        } else {
            files.push(path);
        }
    }
    if pushed {
        ignores.pop();
    }
    Ok(())
}

fn ignored(ignores: &[(PathBuf, Gitignore)], path: &Path, is_dir: bool) -> bool {
    for (dir, gi) in ignores.iter().rev() {
        if let Ok(rel) = path.strip_prefix(dir) {
            let m = gi.matched_path_or_any_parents(rel, is_dir);
            if m.is_ignore() {
                return true;
            }
            if m.is_whitelist() {
                return false;
            }
        }
    }
    false
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
}
