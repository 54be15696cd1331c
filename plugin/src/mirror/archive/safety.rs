//! What a tar entry may be. Archives come from across an air gap and are
//! treated as hostile: only the shapes `pack` writes are accepted, every path
//! is checked component by component before anything is written, and where a
//! blob lands is computed from its validated digest, never from the entry path.

use super::format::{LAYOUT_PREFIX, MANIFEST_NAME, WORKDIR_PREFIX, valid_hex};
use tar::EntryType;

/// A tar entry that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// The chunk manifest (`oc-catalog-archive.json`).
    Manifest,
    /// `oci/blobs/sha256/<hex>`: the hex digest.
    Blob(String),
    /// `oci/index.json`, `oci/oci-layout` or `working-dir/<path>`: the path as in the tar.
    Meta(String),
    /// A directory entry on one of the allowed prefixes (ignored).
    Dir,
}

/// Longest path and deepest nesting accepted for metadata files.
const MAX_PATH: usize = 4096;
const MAX_DEPTH: usize = 32;

/// Classify a tar entry by its (full, extension-resolved) path and type.
pub fn classify(path: &[u8], kind: EntryType) -> Result<Member, String> {
    let shown = String::from_utf8_lossy(path);
    let path =
        std::str::from_utf8(path).map_err(|_| format!("entry {shown:?}: the path is not UTF-8"))?;
    let is_dir = match kind {
        EntryType::Regular | EntryType::Continuous => false,
        EntryType::Directory => true,
        EntryType::Symlink => return Err(format!("entry {path:?} is a symbolic link")),
        EntryType::Link => return Err(format!("entry {path:?} is a hard link")),
        EntryType::Char | EntryType::Block => {
            return Err(format!("entry {path:?} is a device file"));
        }
        EntryType::Fifo => return Err(format!("entry {path:?} is a named pipe")),
        other => {
            return Err(format!(
                "entry {path:?} has an unsupported type {:?} ({:?})",
                other,
                other.as_byte() as char
            ));
        }
    };
    let comps = components(path, is_dir)?;
    if is_dir {
        let allowed = matches!(
            comps.as_slice(),
            [LAYOUT_PREFIX]
                | [LAYOUT_PREFIX, "blobs"]
                | [LAYOUT_PREFIX, "blobs", "sha256"]
                | [WORKDIR_PREFIX, ..]
        );
        return if allowed {
            Ok(Member::Dir)
        } else {
            Err(format!("entry {path:?}: unexpected directory"))
        };
    }
    match comps.as_slice() {
        [MANIFEST_NAME] => Ok(Member::Manifest),
        [LAYOUT_PREFIX, "blobs", "sha256", hex] if valid_hex(hex) => {
            Ok(Member::Blob(hex.to_string()))
        }
        [LAYOUT_PREFIX, "blobs", ..] => Err(format!(
            "entry {path:?}: not a blob name (oci/blobs/sha256/ and 64 lowercase hex digits)"
        )),
        [LAYOUT_PREFIX, "index.json"] | [LAYOUT_PREFIX, "oci-layout"] => {
            Ok(Member::Meta(comps.join("/")))
        }
        [WORKDIR_PREFIX, _, ..] => Ok(Member::Meta(comps.join("/"))),
        _ => Err(format!("entry {path:?}: not part of an oc-catalog archive")),
    }
}

/// Split a relative path into normal components; reject everything that could
/// name something outside the directory it is joined to.
fn components(path: &str, is_dir: bool) -> Result<Vec<&str>, String> {
    if path.is_empty() {
        return Err("entry with an empty path".to_string());
    }
    if path.len() > MAX_PATH {
        return Err(format!("entry {:?}…: path too long", &path[..64]));
    }
    if path.starts_with('/') {
        return Err(format!("entry {path:?}: absolute path"));
    }
    if path.contains('\\') {
        return Err(format!("entry {path:?}: backslash in path"));
    }
    if path.bytes().any(|b| b == 0 || b < 0x20) {
        return Err(format!("entry {path:?}: control character in path"));
    }
    let trimmed = if is_dir {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let comps: Vec<&str> = trimmed.split('/').collect();
    for c in &comps {
        match *c {
            "" => return Err(format!("entry {path:?}: empty path component")),
            "." => return Err(format!("entry {path:?}: '.' path component")),
            ".." => return Err(format!("entry {path:?}: '..' path component")),
            _ if c.len() > 255 => return Err(format!("entry {path:?}: path component too long")),
            _ => {}
        }
    }
    if comps.len() > MAX_DEPTH {
        return Err(format!("entry {path:?}: nested too deeply"));
    }
    // A Windows drive prefix means nothing on Unix, but no archive of ours has one.
    if comps[0].len() == 2 && comps[0].ends_with(':') {
        return Err(format!("entry {path:?}: drive prefix"));
    }
    Ok(comps)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn file(p: &str) -> Result<Member, String> {
        classify(p.as_bytes(), EntryType::Regular)
    }

    #[test]
    fn accepts_what_pack_writes() {
        assert_eq!(file(MANIFEST_NAME), Ok(Member::Manifest));
        assert_eq!(
            file(&format!("oci/blobs/sha256/{HEX}")),
            Ok(Member::Blob(HEX.to_string()))
        );
        assert_eq!(
            file("oci/index.json"),
            Ok(Member::Meta("oci/index.json".into()))
        );
        assert_eq!(
            file("oci/oci-layout"),
            Ok(Member::Meta("oci/oci-layout".into()))
        );
        assert_eq!(
            file("working-dir/cluster-resources/idms.yaml"),
            Ok(Member::Meta(
                "working-dir/cluster-resources/idms.yaml".into()
            ))
        );
        assert_eq!(
            classify(b"working-dir/sub/", EntryType::Directory),
            Ok(Member::Dir)
        );
        assert_eq!(
            classify(b"oci/blobs/sha256", EntryType::Directory),
            Ok(Member::Dir)
        );
        assert_eq!(
            classify(
                format!("oci/blobs/sha256/{HEX}").as_bytes(),
                EntryType::Continuous
            ),
            Ok(Member::Blob(HEX.to_string()))
        );
    }

    #[test]
    fn rejects_parent_and_absolute_paths() {
        for p in [
            "../evil",
            "working-dir/../../evil",
            "working-dir/a/../../../evil",
            "oci/blobs/sha256/../../../evil",
            "/etc/passwd",
            "/working-dir/x",
            "working-dir/./x",
            "working-dir//x",
            "working-dir/x/",
            "working-dir\\..\\evil",
            "C:/evil",
            "",
        ] {
            let err = file(p).unwrap_err();
            assert!(err.contains("path") || err.contains("entry"), "{p}: {err}");
        }
        assert!(file("../evil").unwrap_err().contains("'..'"));
        assert!(file("/etc/passwd").unwrap_err().contains("absolute"));
        assert!(
            classify(b"../x/", EntryType::Directory)
                .unwrap_err()
                .contains("'..'")
        );
    }

    #[test]
    fn rejects_links_devices_and_other_types() {
        let cases = [
            (EntryType::Symlink, "symbolic link"),
            (EntryType::Link, "hard link"),
            (EntryType::Char, "device"),
            (EntryType::Block, "device"),
            (EntryType::Fifo, "pipe"),
            (EntryType::GNUSparse, "unsupported type"),
            (EntryType::XGlobalHeader, "unsupported type"),
        ];
        for (kind, want) in cases {
            let err = classify(b"working-dir/x", kind).unwrap_err();
            assert!(err.contains(want), "{kind:?}: {err}");
        }
    }

    #[test]
    fn rejects_unknown_names_and_bad_blob_names() {
        assert!(file("evil").unwrap_err().contains("not part of"));
        assert!(file("oci/evil").unwrap_err().contains("not part of"));
        assert!(file("working-dir").unwrap_err().contains("not part of"));
        assert!(
            file("oci/blobs/sha256/abc")
                .unwrap_err()
                .contains("blob name")
        );
        assert!(
            file(&format!("oci/blobs/sha256/{}", HEX.to_uppercase()))
                .unwrap_err()
                .contains("blob name")
        );
        assert!(
            file(&format!("oci/blobs/sha512/{HEX}"))
                .unwrap_err()
                .contains("blob name")
        );
        assert!(
            classify(b"etc/", EntryType::Directory)
                .unwrap_err()
                .contains("unexpected directory")
        );
        assert!(
            classify(b"working-dir/\xff", EntryType::Regular)
                .unwrap_err()
                .contains("UTF-8")
        );
        assert!(file("working-dir/a\nb").unwrap_err().contains("control"));
    }
}
