//! OCI image layout directories (`oci:DIR[:TAG]`), as skopeo and umoci read
//! and write them: `oci-layout`, `index.json`, `blobs/sha256/<hex>`. Blobs go
//! in through a temporary file and a rename; `index.json` is replaced last,
//! atomically, so a failed write never leaves a half image behind a tag.

use super::manifest::Descriptor;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// `oci:DIR[:TAG]` split into directory and tag.
pub fn parse_oci(s: &str) -> Option<(PathBuf, Option<String>)> {
    let rest = s.strip_prefix("oci:")?;
    match rest.rsplit_once(':') {
        Some((dir, tag)) if !tag.is_empty() && !tag.contains('/') => {
            Some((PathBuf::from(dir), Some(tag.to_string())))
        }
        _ => Some((PathBuf::from(rest), None)),
    }
}

/// An OCI layout directory.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    /// Open an existing layout, or create an empty one.
    pub fn create(dir: &Path) -> Result<Self, String> {
        let err = |e: std::io::Error| format!("{}: {e}", dir.display());
        std::fs::create_dir_all(dir.join("blobs/sha256")).map_err(err)?;
        let marker = dir.join("oci-layout");
        if !marker.exists() {
            write_atomic(&marker, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        }
        if !dir.join("index.json").exists() {
            write_atomic(
                &dir.join("index.json"),
                br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
            )?;
        }
        Ok(Layout {
            dir: dir.to_path_buf(),
        })
    }

    /// Open an existing layout for reading.
    pub fn open(dir: &Path) -> Result<Self, String> {
        if !dir.join("oci-layout").is_file() || !dir.join("index.json").is_file() {
            return Err(format!(
                "{}: not an OCI image layout (no oci-layout or index.json)",
                dir.display()
            ));
        }
        Ok(Layout {
            dir: dir.to_path_buf(),
        })
    }

    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.dir.join("blobs/sha256").join(hex)
    }

    pub fn has_blob(&self, digest: &str) -> bool {
        self.blob_path(digest).is_file()
    }

    /// Copy a file in as the blob `digest` (the caller computed the digest).
    pub fn put_blob_file(&self, src: &Path, digest: &str) -> Result<(), String> {
        let dest = self.blob_path(digest);
        if dest.is_file() {
            return Ok(());
        }
        let tmp = super::client::tmp_path(&dest);
        std::fs::copy(src, &tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &dest).map_err(|e| format!("{}: {e}", dest.display()))
    }

    pub fn put_blob_bytes(&self, data: &[u8], digest: &str) -> Result<(), String> {
        let dest = self.blob_path(digest);
        if dest.is_file() {
            return Ok(());
        }
        write_atomic(&dest, data)
    }

    fn index(&self) -> Result<Value, String> {
        let p = self.dir.join("index.json");
        let text = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", p.display()))
    }

    /// Point `tag` (or, without a tag, add an untagged entry) at a manifest.
    pub fn set_ref(&self, manifest: &Descriptor, tag: Option<&str>) -> Result<(), String> {
        let mut index = self.index()?;
        let list = index
            .get_mut("manifests")
            .and_then(Value::as_array_mut)
            .ok_or("index.json without manifests")?;
        list.retain(|m| {
            let name = m
                .pointer("/annotations/org.opencontainers.image.ref.name")
                .and_then(Value::as_str);
            match tag {
                Some(t) => name != Some(t),
                None => {
                    !(name.is_none()
                        && m.get("digest").and_then(Value::as_str) == Some(&manifest.digest))
                }
            }
        });
        let mut entry = manifest.to_value();
        if let Some(t) = tag {
            entry["annotations"] = json!({ REF_NAME: t });
        }
        list.push(entry);
        let bytes = serde_json::to_vec(&index).map_err(|e| e.to_string())?;
        write_atomic(&self.dir.join("index.json"), &bytes)
    }

    /// The manifest descriptor of `tag` (the only manifest when `None`).
    pub fn resolve(&self, tag: Option<&str>) -> Result<Descriptor, String> {
        let index = self.index()?;
        let list = index
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let pick = match tag {
            Some(t) => list.iter().find(|m| {
                m.pointer("/annotations/org.opencontainers.image.ref.name")
                    .and_then(Value::as_str)
                    == Some(t)
            }),
            None if list.len() == 1 => list.first(),
            None => None,
        };
        let Some(m) = pick else {
            return Err(match tag {
                Some(t) => format!(
                    "{}: no image tagged {t:?} in the OCI layout",
                    self.dir.display()
                ),
                None => format!(
                    "{}: give a tag (oci:DIR:TAG): the layout holds {} images",
                    self.dir.display(),
                    list.len()
                ),
            });
        };
        let digest = m
            .get("digest")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok(Descriptor {
            media_type: m
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            digest,
            size: m.get("size").and_then(Value::as_u64).unwrap_or(0),
        })
    }

    /// A blob's bytes, verified against its digest.
    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>, String> {
        let p = self.blob_path(digest);
        let data = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let actual = format!("sha256:{}", super::sha256_hex(&data));
        if actual != digest {
            return Err(format!(
                "{}: corrupted blob: digest is {actual}, expected {digest}",
                p.display()
            ));
        }
        Ok(data)
    }
}

/// Write through a temporary file in the same directory and rename.
pub fn write_atomic(dest: &Path, data: &[u8]) -> Result<(), String> {
    let tmp = super::client::tmp_path(dest);
    let res = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(data)?;
        f.sync_all()
    });
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{}: {e}", tmp.display()));
    }
    std::fs::rename(&tmp, dest).map_err(|e| format!("{}: {e}", dest.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_oci_refs() {
        assert_eq!(
            parse_oci("oci:/tmp/x:v1"),
            Some((PathBuf::from("/tmp/x"), Some("v1".into())))
        );
        assert_eq!(parse_oci("oci:out"), Some((PathBuf::from("out"), None)));
        assert_eq!(parse_oci("docker://x"), None);
    }

    #[test]
    fn tags_replace_and_resolve() {
        let d = tempfile::tempdir().unwrap();
        let l = Layout::create(d.path()).unwrap();
        let blob = b"{}";
        let dg = format!("sha256:{}", super::super::sha256_hex(blob));
        l.put_blob_bytes(blob, &dg).unwrap();
        let desc = Descriptor {
            media_type: "m".into(),
            digest: dg.clone(),
            size: 2,
        };
        l.set_ref(&desc, Some("v1")).unwrap();
        l.set_ref(&desc, Some("v1")).unwrap();
        l.set_ref(&desc, Some("v2")).unwrap();
        assert_eq!(l.resolve(Some("v1")).unwrap(), desc);
        assert!(l.resolve(None).is_err());
        assert_eq!(l.read_blob(&dg).unwrap(), blob);
        let idx: Value =
            serde_json::from_slice(&std::fs::read(d.path().join("index.json")).unwrap()).unwrap();
        assert_eq!(idx["manifests"].as_array().unwrap().len(), 2);
    }
}
